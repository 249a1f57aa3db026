import LithicCore
import Glibc

/// What an unknown of the MNA system stands for; sets its absolute convergence tolerance.
public enum UnknownKind: Sendable, Equatable {
    /// A node voltage (tolerance VNTOL).
    case voltage
    /// A branch current (tolerance ABSTOL).
    case current
    /// An internal physical state of a device (filament length, contact fraction…), with its own
    /// absolute tolerance in the state's unit.
    case state(absoluteTolerance: Double)
}

/// Phase 1 of binding: devices ask for their internal unknowns (branch currents, internal nodes,
/// state variables) and for per-device scratch slots.
public struct UnknownAllocator {
    public private(set) var names: [String]
    public private(set) var kinds: [UnknownKind]
    public private(set) var limitStateCount = 0
    public private(set) var discreteStateCount = 0
    /// Branch-current unknown of each voltage-defined device (V, E, H, L), by instance name.
    public private(set) var branches: [String: Int] = [:]
    /// Starting values of internal state unknowns (used as the initial iterate and, with `uic`,
    /// as the state at t = 0).
    public private(set) var initialValues: [Int: Double] = [:]

    /// State values carried over from an earlier run (unknown name, e.g. `ym1#x`, → value): a
    /// state named here starts at, and during an operating point is held at, this value instead
    /// of its device's default. This is how an analysis starts from the state another left.
    public var stateOverrides: [String: Double] = [:]

    /// Starts with the circuit's nodes; index 0 is ground and is not an unknown.
    public init(nodeNames: [String]) {
        names = nodeNames
        kinds = [UnknownKind](repeating: .voltage, count: nodeNames.count)
    }

    /// Adds an unknown and returns its index.
    public mutating func addUnknown(_ name: String, kind: UnknownKind) -> Int {
        names.append(name)
        kinds.append(kind)
        return names.count - 1
    }

    /// Adds an internal state unknown with its initial value (or the override for its name).
    /// Devices read the value actually used back with `initialValue(of:)`.
    public mutating func addState(_ name: String, absoluteTolerance: Double, initialValue: Double) -> Int {
        let k = addUnknown(name, kind: .state(absoluteTolerance: absoluteTolerance))
        initialValues[k] = stateOverrides[name] ?? initialValue
        return k
    }

    /// The initial value of state unknown k (its device's default or the carried-over value).
    public func initialValue(of k: Int) -> Double { initialValues[k] ?? 0 }

    /// Adds the branch current of a voltage-defined device, named `i(<device>)` in outputs.
    public mutating func addBranch(device: String) -> Int {
        let k = addUnknown(device + "#branch", kind: .current)
        branches[device] = k
        return k
    }

    /// Reserves `count` values carried from one Newton iteration to the next (junction limiting).
    public mutating func addLimitState(_ count: Int) -> Int {
        defer { limitStateCount += count }
        return limitStateCount
    }

    /// Reserves `count` values frozen at each accepted time point (switch hysteresis, modes).
    public mutating func addDiscreteState(_ count: Int) -> Int {
        defer { discreteStateCount += count }
        return discreteStateCount
    }
}

/// Phase 2 of binding: devices declare the Jacobian entries they will write and get back slot
/// numbers into the value arrays. Entries in the ground row or column go to slot 0 (discarded).
public struct MatrixBinder {
    public private(set) var entries: [Int64: Int] = [:]
    public private(set) var rows: [Int32] = []
    public private(set) var columns: [Int32] = []
    let branches: [String: Int]

    public init(branches: [String: Int]) { self.branches = branches }

    /// The slot for entry (row, column); 0 if either is ground.
    public mutating func slot(_ row: Int, _ column: Int) -> Int {
        if row == 0 || column == 0 { return 0 }
        let key = Int64(row) << 32 | Int64(column)
        if let s = entries[key] { return s }
        rows.append(Int32(row))
        columns.append(Int32(column))
        let s = rows.count  // slots start at 1
        entries[key] = s
        return s
    }

    /// The branch-current unknown of voltage-defined device `name`, if it has one.
    public func branch(of name: String) -> Int? { branches[name] }
}

/// What a device reads and writes when it is evaluated. All arrays are indexed by unknown
/// (0 = ground, value 0) or by slot (0 = discard). Raw pointers: nothing is allocated per call.
public struct LoadContext {
    /// The present iterate, size n+1, `x[0] == 0`.
    public var x: UnsafeMutablePointer<Double>
    /// Resistive residual f(x): currents leaving each node; constraint residuals for branches.
    public var f: UnsafeMutablePointer<Double>
    /// Reactive quantity q(x): charge at nodes, flux for inductor branches, state for state rows.
    public var q: UnsafeMutablePointer<Double>
    /// ∂f/∂x by slot.
    public var jf: UnsafeMutablePointer<Double>
    /// ∂q/∂x by slot.
    public var jq: UnsafeMutablePointer<Double>
    public var limitState: UnsafeMutablePointer<Double>
    public var discreteState: UnsafeMutablePointer<Double>
    public var acceptedDiscreteState: UnsafeMutablePointer<Double>
    /// Simulation time in seconds, or nil in a DC analysis (sources then give their DC value).
    public var time: Double?
    /// Multiplier on independent sources (source stepping), 1 normally.
    public var sourceFactor: Double = 1
    /// Minimum conductance across junctions (S).
    public var gmin: Double = 1e-12
    /// Temperature in kelvin.
    public var temperature: Double = 300.15
    /// First iteration of an analysis: junctions start from their critical voltage.
    public var initializeJunctions = false
    /// An operating point or DC sweep: internal state unknowns hold their initial value
    /// (their row becomes x − x₀ = 0) instead of following dx/dt = rate, which would leave them
    /// undetermined wherever the rate vanishes. False in transient steps and in AC linearisation.
    public var statesFrozen = false
    /// The linearisation for an AC analysis: devices with an exact frequency-dependent admittance
    /// (fractional elements) stamp it through `addAdmittance` instead, and hold their internal
    /// transient-only nodes with an identity row here.
    public var smallSignal = false
    /// Incremented by devices whose limiting changed the operating point this iteration, and by
    /// devices whose own convergence test fails (a behavioural source whose value still moves).
    public var limitedCount = 0
    /// The Newton tolerances (`.options reltol vntol abstol`), for devices' convergence tests.
    public var reltol = 1e-3, vntol = 1e-6, abstol = 1e-12

    public init(x: UnsafeMutablePointer<Double>, f: UnsafeMutablePointer<Double>, q: UnsafeMutablePointer<Double>,
                jf: UnsafeMutablePointer<Double>, jq: UnsafeMutablePointer<Double>, limitState: UnsafeMutablePointer<Double>,
                discreteState: UnsafeMutablePointer<Double>, acceptedDiscreteState: UnsafeMutablePointer<Double>) {
        self.x = x; self.f = f; self.q = q; self.jf = jf; self.jq = jq
        self.limitState = limitState; self.discreteState = discreteState; self.acceptedDiscreteState = acceptedDiscreteState
    }
}

/// The small-signal excitation vector of an AC analysis (real and imaginary parts, by unknown).
public struct ACExcitation {
    public var real: UnsafeMutablePointer<Double>
    public var imaginary: UnsafeMutablePointer<Double>
    public init(real: UnsafeMutablePointer<Double>, imaginary: UnsafeMutablePointer<Double>) {
        self.real = real
        self.imaginary = imaginary
    }
}

/// A circuit element: a static description plus a pure evaluation (the OSDI/VACASK idea).
///
/// A device declares its unknowns (`allocate`) and Jacobian entries (`bind`) once, then on each
/// `load` adds its resistive residual `f(x)`, reactive quantity `q(x)` and their Jacobians. The
/// solver forms `f + dq/dt` with the integration formula in transient and `G + jωC` in AC: a
/// device never integrates and never asks which analysis is running (except that independent
/// sources read `time == nil` as "give your DC value").
public protocol Device {
    /// Instance name, fully qualified (`x1.r3`).
    var name: String { get }
    /// True when f and q are linear in x (lets the solver skip Newton iterations).
    var isLinear: Bool { get }
    mutating func allocate(_ allocator: inout UnknownAllocator) throws
    mutating func bind(_ binder: inout MatrixBinder) throws
    func load(_ context: inout LoadContext)
    /// Adds the AC excitation of independent sources; nothing for other devices.
    func loadAC(_ excitation: inout ACExcitation)
    /// Appends times in (from, to] where the device's waveform has corners.
    func breakpoints(from: Double, to: Double, into list: inout [Double])
    /// Sets a sweepable parameter (DC sweep of a source or resistor); false if not supported.
    mutating func setSweepValue(_ value: Double) -> Bool
    /// The current through the device for output (`@name[i]`-like), if it can tell.
    func terminalCurrent(x: UnsafePointer<Double>) -> Double?
    /// Removes the device's AC excitation (for an impedance measured at an added port source).
    mutating func removeACExcitation()
    /// Adds an exact admittance at angular frequency ω to the complex AC matrix: `add(slot, re, im)`.
    func addAdmittance(omega: Double, _ add: (Int, Double, Double) -> Void)
    /// Derived quantities worth reporting per cycle or at the end of a run (name, value in SI),
    /// e.g. an interface's area-specific resistance; none for most devices.
    func reportedQuantities(x: UnsafePointer<Double>) -> [(String, Double)]
    /// The largest transient time step (s) this device's model allows, if it bounds the step
    /// (Verilog-A's `$bound_step`, e.g. the Stanford RRAM model); nil for most devices.
    var maximumTimeStep: Double? { get }
    /// The device's noise as current sources at the operating point `x` (one-sided power spectral
    /// densities in A²/Hz between node pairs) for `.noise`; none for noiseless devices.
    func noiseSources(x: UnsafePointer<Double>, temperature: Double) -> [NoiseSource]
    /// Loads every device of an array in one call. The default loops over `load`; a device type
    /// declared outside this module implements it with the same loop so that it is compiled
    /// specialised to that type (no per-instance copies through the generic group).
    static func loadAll(_ devices: UnsafeBufferPointer<Self>, _ context: inout LoadContext)
}

extension Device {
    public static func loadAll(_ devices: UnsafeBufferPointer<Self>, _ context: inout LoadContext) {
        for i in 0..<devices.count { devices[i].load(&context) }
    }
    public var maximumTimeStep: Double? { nil }
    public func noiseSources(x: UnsafePointer<Double>, temperature: Double) -> [NoiseSource] { [] }
    public func reportedQuantities(x: UnsafePointer<Double>) -> [(String, Double)] { [] }
    public var isLinear: Bool { true }
    public func loadAC(_ excitation: inout ACExcitation) {}
    public func breakpoints(from: Double, to: Double, into list: inout [Double]) {}
    public mutating func setSweepValue(_ value: Double) -> Bool { false }
    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { nil }
    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {}
    public mutating func removeACExcitation() {}
    public func addAdmittance(omega: Double, _ add: (Int, Double, Double) -> Void) {}
}

/// Type-erased storage for devices of one concrete type, loaded in one loop (no per-instance
/// dynamic dispatch in the hot path).
public protocol DeviceGroup: AnyObject {
    var count: Int { get }
    var isLinear: Bool { get }
    func allocate(_ allocator: inout UnknownAllocator) throws
    func bind(_ binder: inout MatrixBinder) throws
    func load(_ context: inout LoadContext)
    func loadAC(_ excitation: inout ACExcitation)
    func breakpoints(from: Double, to: Double, into list: inout [Double])
    /// Sets the sweep value of device `name`; false if not found or not sweepable.
    func setSweepValue(_ value: Double, device name: String) -> Bool
    func terminalCurrent(device name: String, x: UnsafePointer<Double>) -> Double?
    var names: [String] { get }
    /// An independent copy (devices are values; the group box is not).
    func copy() -> any DeviceGroup
    func removeACExcitation()
    func addAdmittance(omega: Double, _ add: (Int, Double, Double) -> Void)
    func reportedQuantities(x: UnsafePointer<Double>) -> [(String, Double)]
    /// The smallest step bound of the group's devices (s), nil when none bounds the step.
    var maximumTimeStep: Double? { get }
    /// Every device's noise sources at the operating point `x` (see `Device.noiseSources`).
    func noiseSources(x: UnsafePointer<Double>, temperature: Double) -> [NoiseSource]
}

/// SPICE flicker noise of a device model: KF·|I|^AF/f of a current I (A) — the diode, BJT and
/// JFET form; the MOSFET divides by W·L_eff·C_ox'² (`scale`). KF = 0 (the default) turns it off.
public struct FlickerNoise: Sendable {
    /// KF (its unit follows AF: A^(2−AF) for the diode, BJT and JFET form) and the current exponent AF.
    public var coefficient = 0.0
    public var exponent = 1.0
    public init(coefficient: Double = 0, exponent: Double = 1) { self.coefficient = coefficient; self.exponent = exponent }

    /// The source between `a` and `b` for a current `i` (A), its density divided by `scale`;
    /// nil when KF = 0. As ngspice, |I| is bounded below by 1e-38 before the power.
    public func source(_ a: Int, _ b: Int, current i: Double, scale: Double = 1) -> NoiseSource? {
        guard coefficient != 0 else { return nil }
        return NoiseSource(a, b, coefficient * pow(max(abs(i), 1e-38), exponent) / scale, frequencyExponent: 1)
    }
}

/// A noise current between nodes `a` and `b`: one-sided power spectral density (A²/Hz),
/// `density / f^frequencyExponent` at frequency f (Hz) — white (exponent 0) or flicker.
public struct NoiseSource: Sendable {
    public var a: Int, b: Int
    /// The density (A²/Hz) at 1 Hz; at every frequency for a white source.
    public var density: Double
    /// The exponent of 1/f: 0 for thermal and shot noise, 1 for SPICE flicker noise.
    public var frequencyExponent: Double
    public init(_ a: Int, _ b: Int, _ density: Double, frequencyExponent: Double = 0) {
        self.a = a; self.b = b; self.density = density; self.frequencyExponent = frequencyExponent
    }
    /// The density (A²/Hz) at frequency `f` (Hz).
    public func density(at f: Double) -> Double {
        frequencyExponent == 0 ? density : density / pow(f, frequencyExponent)
    }
    /// Thermal noise of a conductance g (S) at temperature T (K): 4kTg.
    public static func thermal(_ a: Int, _ b: Int, conductance g: Double, temperature t: Double) -> NoiseSource {
        NoiseSource(a, b, 4 * PhysicalConstant.boltzmann * t * g)
    }
    /// Shot noise of a current i (A): 2q|i|.
    public static func shot(_ a: Int, _ b: Int, current i: Double) -> NoiseSource {
        NoiseSource(a, b, 2 * PhysicalConstant.elementaryCharge * abs(i))
    }
}

/// A homogeneous array of devices of type `D`.
public final class Devices<D: Device>: DeviceGroup {
    public var devices: [D]
    public init(_ devices: [D] = []) { self.devices = devices }
    public var count: Int { devices.count }
    public var isLinear: Bool { devices.allSatisfy(\.isLinear) }
    public var names: [String] { devices.map(\.name) }
    public func copy() -> any DeviceGroup { Devices<D>(devices) }
    public func removeACExcitation() { for i in devices.indices { devices[i].removeACExcitation() } }
    public func addAdmittance(omega: Double, _ add: (Int, Double, Double) -> Void) {
        for d in devices { d.addAdmittance(omega: omega, add) }
    }
    public func reportedQuantities(x: UnsafePointer<Double>) -> [(String, Double)] {
        devices.flatMap { $0.reportedQuantities(x: x) }
    }
    public var maximumTimeStep: Double? { devices.compactMap(\.maximumTimeStep).min() }
    public func noiseSources(x: UnsafePointer<Double>, temperature: Double) -> [NoiseSource] {
        devices.flatMap { $0.noiseSources(x: x, temperature: temperature) }
    }
    public func allocate(_ allocator: inout UnknownAllocator) throws {
        for i in devices.indices { try devices[i].allocate(&allocator) }
    }
    public func bind(_ binder: inout MatrixBinder) throws {
        for i in devices.indices { try devices[i].bind(&binder) }
    }
    // Specialised copies for the common elements, so their loop has no generic dispatch.
    @_specialize(where D == Resistor)
    @_specialize(where D == Capacitor)
    @_specialize(where D == Inductor)
    @_specialize(where D == VoltageSource)
    @_specialize(where D == CurrentSource)
    @_specialize(where D == Diode)
    @_specialize(where D == BehavioralSource)
    public func load(_ context: inout LoadContext) {
        devices.withUnsafeBufferPointer { d in D.loadAll(d, &context) }
    }
    public func loadAC(_ excitation: inout ACExcitation) {
        for d in devices { d.loadAC(&excitation) }
    }
    public func breakpoints(from: Double, to: Double, into list: inout [Double]) {
        for d in devices { d.breakpoints(from: from, to: to, into: &list) }
    }
    public func setSweepValue(_ value: Double, device name: String) -> Bool {
        guard let i = devices.firstIndex(where: { $0.name == name }) else { return false }
        return devices[i].setSweepValue(value)
    }
    public func terminalCurrent(device name: String, x: UnsafePointer<Double>) -> Double? {
        devices.first(where: { $0.name == name })?.terminalCurrent(x: x)
    }
}
