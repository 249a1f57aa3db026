import FoundationEssentials
import Glibc
import LithicCore

/// The battery cycler as a circuit element between `plus` and `minus`: a source whose branch
/// current I (A, positive into `plus` from the instrument, i.e. charging) obeys the present mode:
/// constant current I = I_set, constant voltage V(plus) − V(minus) = V_set, constant power
/// I·V = P_set (W, positive charging) or rest I = 0. The cycler changes the mode between
/// protocol steps; within a step the element is an ordinary nonlinear source. Two state
/// unknowns count the charge (C, dQ/dt = I) and energy (J, dE/dt = I·V) delivered, integrated by
/// the same formula as every other state, so capacities agree with the devices' own bookkeeping.
public struct CyclerInstrument: Device {
    public enum Mode: Sendable, Equatable {
        case current(Double)   // A
        case voltage(Double)   // V
        case power(Double)     // W
        case rest
    }
    public let name: String
    public let plus: Int, minus: Int
    public var mode: Mode = .rest
    public private(set) var branch = 0
    public private(set) var chargeCounter = 0, energyCounter = 0
    var s: [Int] = []

    public init(name: String, plus: Int, minus: Int) {
        self.name = name; self.plus = plus; self.minus = minus
    }
    public var isLinear: Bool { false }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        branch = allocator.addBranch(device: name)
        chargeCounter = allocator.addState("\(name)#charge", absoluteTolerance: 1e-3, initialValue: 0)
        energyCounter = allocator.addState("\(name)#energy", absoluteTolerance: 1e-2, initialValue: 0)
    }

    public mutating func bind(_ b: inout MatrixBinder) throws {
        s = [b.slot(plus, branch), b.slot(minus, branch), b.slot(branch, plus), b.slot(branch, minus), b.slot(branch, branch),
             b.slot(chargeCounter, chargeCounter), b.slot(chargeCounter, branch),
             b.slot(energyCounter, energyCounter), b.slot(energyCounter, branch), b.slot(energyCounter, plus), b.slot(energyCounter, minus)]
    }

    public func load(_ c: inout LoadContext) {
        let i = c.x[branch], v = c.x[plus] - c.x[minus]
        // The instrument drives I into plus: that current leaves the external network there.
        c.f[plus] -= i; c.f[minus] += i
        c.jf[s[0]] -= 1; c.jf[s[1]] += 1
        c.q[chargeCounter] += c.x[chargeCounter]; c.jq[s[5]] += 1
        c.q[energyCounter] += c.x[energyCounter]; c.jq[s[7]] += 1
        if c.statesFrozen {
            c.f[chargeCounter] += c.x[chargeCounter]; c.jf[s[5]] += 1
            c.f[energyCounter] += c.x[energyCounter]; c.jf[s[7]] += 1
        } else {
            c.f[chargeCounter] -= i; c.jf[s[6]] -= 1
            c.f[energyCounter] -= i * v; c.jf[s[8]] -= v; c.jf[s[9]] -= i; c.jf[s[10]] += i
        }
        switch mode {
        case .current(let set):
            c.f[branch] += i - set; c.jf[s[4]] += 1
        case .rest:
            c.f[branch] += i; c.jf[s[4]] += 1
        case .voltage(let set):
            c.f[branch] += v - set; c.jf[s[2]] += 1; c.jf[s[3]] -= 1
        case .power(let set):
            c.f[branch] += i * v - set; c.jf[s[2]] += i; c.jf[s[3]] -= i; c.jf[s[4]] += v
        }
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { x[branch] }
}
