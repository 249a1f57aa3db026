import Foundation
import Testing
import Devices
import Elaboration
import LithicCore
import Netlist
@testable import Analyses
@testable import Lithic

/// The hand-written Jacobians of the junction devices (diode, BJT, JFET, level-1 MOSFET) against
/// central differences of their own residuals, at many random bias points in forward, reverse,
/// saturation, breakdown and off regions. A wrong sign or a dropped term in ∂f/∂x shows as a
/// relative error of order one; the differences are accurate to ~1e-7 relative (h = 1e-6 V on
/// exponentials with a thermal voltage of 26 mV: truncation h²f‴/6f′ ≈ 2.5e-10, rounding
/// ε·|f|/h ≈ 1e-10 of the largest entry), so 1e-5 of the row's largest entry is a margin of 100.
@Suite("device Jacobians against central differences")
struct JacobianTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var netlist: String
        /// Range of every node voltage drawn (V), and other ranges for named unknowns (a bulk or
        /// substrate kept reverse-biased: a junction forward-biased by volts carries currents no
        /// circuit reaches, where the models continue their exponentials linearly).
        var range: ClosedRange<Double>
        var ranges: [String: ClosedRange<Double>] = [:]
        var checkCharges: Bool
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "diode with RS, CJO, TT, breakdown",
             netlist: "t\n.model dm D (is=1e-14 n=1.2 rs=5 cjo=2p vj=0.7 m=0.4 tt=1n bv=5 ibv=1m)\nD1 1 2 dm\nR1 2 0 1\n.op\n",
             range: -6...0.85, checkCharges: true),
        // RB is constant here (RBM = RB): with RBM < RB the base resistance follows the base
        // charge qb(vbe, vbc), and Lithic, like SPICE's bjtload.c, stamps 1/rbb without its
        // derivative (this test found that; it slows Newton, it does not change solutions).
        Case(name: "npn Gummel-Poon with Early, knee, leakage, RB, RE, RC, charges",
             netlist: "t\n.model qn npn (is=1e-16 bf=120 br=2 vaf=60 var=10 ikf=10m ikr=5m ise=1e-14 ne=1.6 isc=1e-13 nc=2 rb=100 re=2 rc=20 cje=1p vje=0.8 mje=0.35 cjc=0.5p vjc=0.7 mjc=0.4 cjs=0.3p tf=0.3n xtf=2 vtf=3 itf=20m tr=10n)\nQ1 1 2 3 4 qn\nR1 3 0 1\nR2 4 0 1\n.op\n",
             range: 0...0.8, ranges: ["v(4)": -3...0], checkCharges: true),
        Case(name: "pnp Gummel-Poon",
             netlist: "t\n.model qp pnp (is=1e-16 bf=80 vaf=40 ikf=5m rb=50 re=1 rc=10 cje=1p cjc=1p tf=1n)\nQ1 1 2 3 qp\nR1 3 0 1\n.op\n",
             range: 0...0.8, checkCharges: true),
        Case(name: "n-channel JFET with RD, RS, B, gate junctions",
             netlist: "t\n.model jn njf (vto=-2 beta=1m lambda=0.02 b=1.5 rd=10 rs=10 cgs=2p cgd=1p is=1e-14)\nJ1 1 2 3 jn\nR1 3 0 1\n.op\n",
             range: -4...4, checkCharges: true),
        Case(name: "level-1 NMOS with body effect, RD, RS, bulk junctions",
             netlist: "t\n.model mn nmos (level=1 vto=0.7 kp=100u gamma=0.5 phi=0.65 lambda=0.03 rd=20 rs=20 cbd=1f cbs=1f is=1e-15)\nM1 1 2 3 4 mn l=1u w=10u\nR1 3 0 1\nR2 4 0 1\n.op\n",
             range: 0...4, ranges: ["v(4)": -2...0], checkCharges: false),
        Case(name: "level-1 PMOS",
             netlist: "t\n.model mp pmos (level=1 vto=-0.7 kp=40u gamma=0.4 lambda=0.05)\nM1 1 2 3 4 mp l=2u w=20u\nR1 3 0 1\nR2 4 0 1\n.op\n",
             range: -4...0, ranges: ["v(4)": 0...2], checkCharges: false),
    ]

    /// A reproducible draw in [0, 1) (SplitMix64).
    struct Draw {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
    }

    /// Loads at the present x until no device limits and the residual no longer moves (the
    /// limiting state then holds x's own junction voltages, so the loaded Jacobian is the
    /// Jacobian at x; FET limiting need not report itself, hence the residual test).
    func settle(_ system: BoundSystem) -> Bool {
        var previous: [Double] = []
        for _ in 0..<400 {
            let limited = system.load(.init())
            let f = system.f
            if limited == 0, !previous.isEmpty, zip(f, previous).allSatisfy({ abs($0 - $1) <= 1e-14 * max(abs($0), 1e-12) }) { return true }
            previous = f
        }
        return false
    }

    @Test("∂f/∂x (and ∂q/∂x where the charge is a function of x) match central differences", arguments: cases)
    func jacobianMatches(_ c: Case) throws {
        let circuit = try Elaborator.elaborate(try NetlistParser.parse(text: c.netlist, name: "jacobian.cir"), catalog: .standard)
        let system = try BoundSystem(circuit: circuit)
        let n = system.dimension
        var draw = Draw(state: 0x5EED_1234)
        var points = 0
        for _ in 0..<60 {
            var x0 = [Double](repeating: 0, count: n + 1)
            for k in 1...n {
                let range = c.ranges[system.describeUnknown(k)] ?? c.range
                x0[k] = range.lowerBound + (range.upperBound - range.lowerBound) * draw.next()
            }
            for k in 1...n { system.setUnknown(k, x0[k]) }
            guard settle(system) else { continue }
            let jf = system.jf, jq = system.jq
            var analytic = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n + 1)
            var analyticQ = analytic
            for s in 1..<jf.count {
                let r = Int(system.slotRows[s - 1]), col = Int(system.slotColumns[s - 1])
                analytic[r][col] += jf[s]
                analyticQ[r][col] += jq[s]
            }
            for col in 1...n {
                let h = 1e-6
                system.setUnknown(col, x0[col] + h)
                _ = system.load(.init())
                let fPlus = system.f, qPlus = system.q
                system.setUnknown(col, x0[col] - h)
                _ = system.load(.init())
                let fMinus = system.f, qMinus = system.q
                system.setUnknown(col, x0[col])
                for r in 1...n {
                    let numeric = (fPlus[r] - fMinus[r]) / (2 * h)
                    let scale = max(analytic[r].map(abs).max() ?? 0, 1e-9)
                    #expect(abs(analytic[r][col] - numeric) <= 1e-5 * scale,
                            "\(c.name): ∂f[\(system.describeUnknown(r))]/∂x[\(system.describeUnknown(col))] = \(analytic[r][col]), central difference \(numeric), at \(x0.dropFirst())")
                    if c.checkCharges {
                        let numericQ = (qPlus[r] - qMinus[r]) / (2 * h)
                        let scaleQ = max(analyticQ[r].map(abs).max() ?? 0, 1e-24)
                        #expect(abs(analyticQ[r][col] - numericQ) <= 1e-5 * scaleQ,
                                "\(c.name): ∂q[\(system.describeUnknown(r))]/∂x[\(system.describeUnknown(col))] = \(analyticQ[r][col]), central difference \(numericQ), at \(x0.dropFirst())")
                    }
                }
            }
            points += 1
        }
        #expect(points >= 50, "\(c.name): only \(points) of 60 bias points settled without limiting")
    }
}
