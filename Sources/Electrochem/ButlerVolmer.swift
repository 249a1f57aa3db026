import FoundationEssentials
import Glibc
import Devices
import LithicCore

/// Butler–Volmer charge transfer `YBUTLERVOLMER name n+ n- model`: the current from n+ to n-
/// through the interface at overpotential η = V(n+) − V(n-) (V):
/// I = A·i₀(T)·[exp(α_a F η/RT) − exp(−α_c F η/RT)], with i₀(T) = i₀·exp(−E_a/R·(1/T − 1/T_ref))
/// (A/m², Arrhenius). Symmetric when α_a = α_c. Beyond |α F η/RT| = 40 each exponential is
/// continued linearly (value and slope continuous) so Newton cannot overflow.
/// Defaults: i₀ = 10 A/m² (1 mA/cm², PHYSICS.md §2.3 range for Li|LLZO), α = 0.5, T = 298.15 K.
public struct ButlerVolmer: Device {
    public struct Model: Sendable {
        public var exchangeCurrentDensity = 10.0
        public var area = 1e-4
        public var alphaAnodic = 0.5, alphaCathodic = 0.5
        public var temperature = 298.15
        public var referenceTemperature = 298.15
        public var activationEnergy = 0.0
        public init() {}
        var exchangeCurrent: Double {
            area * exchangeCurrentDensity * exp(-activationEnergy / PhysicalConstant.gas * (1 / temperature - 1 / referenceTemperature))
        }
    }
    public let name: String
    public let plus: Int, minus: Int
    public let model: Model
    var s: (Int, Int, Int, Int) = (0, 0, 0, 0)

    public init(name: String, plus: Int, minus: Int, model: Model) {
        self.name = name; self.plus = plus; self.minus = minus; self.model = model
    }
    public var isLinear: Bool { false }

    public mutating func bind(_ b: inout MatrixBinder) throws {
        s = (b.slot(plus, plus), b.slot(plus, minus), b.slot(minus, plus), b.slot(minus, minus))
    }

    /// e^x continued linearly beyond x = 40: (value, derivative).
    @inline(__always) static func cappedExp(_ x: Double) -> (Double, Double) {
        if x <= 40 { let e = exp(x); return (e, e) }
        let e = exp(40.0)
        return (e * (1 + x - 40), e)
    }

    /// Current (A) and conductance (S) at overpotential η.
    public func current(_ eta: Double) -> (Double, Double) {
        let f = PhysicalConstant.faraday / (PhysicalConstant.gas * model.temperature)
        let (ea, dea) = Self.cappedExp(model.alphaAnodic * f * eta)
        let (ec, dec) = Self.cappedExp(-model.alphaCathodic * f * eta)
        let i0 = model.exchangeCurrent
        return (i0 * (ea - ec), i0 * (dea * model.alphaAnodic * f + dec * model.alphaCathodic * f))
    }

    public func load(_ c: inout LoadContext) {
        let (i, g) = current(c.x[plus] - c.x[minus])
        c.f[plus] += i; c.f[minus] -= i
        c.jf[s.0] += g; c.jf[s.1] -= g; c.jf[s.2] -= g; c.jf[s.3] += g
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { current(x[plus] - x[minus]).0 }
}

extension ButlerVolmer: CatalogDevice {
    public static let typeName = "butlervolmer"
    public static let terminals = 2
    public static let card = DeviceCard<Model>(
        title: "Butler-Volmer interface", syntax: "YBUTLERVOLMER name n+ n- model [param=value …]",
        summary: "Butler-Volmer charge transfer, I = A i0(T) [exp(αa F η/RT) − exp(−αc F η/RT)]", prototype: Model(), parameters: [
            .field("i0", \.exchangeCurrentDensity, unit: "A/m²", range: .positive, scope: .either, "exchange current density (10 = 1 mA/cm²)", source: "PHYSICS.md §2.3 Li|LLZO range"),
            .field("area", \.area, unit: "m²", range: .positive, scope: .either, "interface area (1e-4 = 1 cm²)", source: "geometry"),
            .field("alphaa", \.alphaAnodic, unit: "-", range: .positive, scope: .either, "anodic transfer coefficient", source: "symmetric transfer"),
            .field("alphac", \.alphaCathodic, unit: "-", range: .positive, scope: .either, "cathodic transfer coefficient", source: "symmetric transfer"),
            CardParameter("alpha", unit: "-", range: .positive, scope: .either, default: "0.5", "sets ALPHAA and ALPHAC",
                          assign: { $0.alphaAnodic = $1; $0.alphaCathodic = $1 }, current: { _ in nil }),
            .field("temp", \.temperature, unit: "K", range: .positive, scope: .either, "temperature"),
            .field("tref", \.referenceTemperature, unit: "K", range: .positive, scope: .either, "reference temperature of I0"),
            .field("ea", \.activationEnergy, unit: "J/mol", scope: .either, "Arrhenius activation energy of I0"),
        ])

    public init(name: String, nodes: [Int], parameters: Model, at location: SourceLocation) throws {
        self.init(name: name, plus: nodes[0], minus: nodes[1], model: parameters)
    }
}
