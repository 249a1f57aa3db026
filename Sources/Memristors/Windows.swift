import FoundationEssentials
import Glibc

/// Window functions that keep a normalised memristor state x ∈ [0, 1] inside its range, as
/// published (CIRCUITS.md §3.2 lists the implementations elsewhere that got them wrong).
public enum MemristorWindow: Int, Sendable {
    case none = 0
    /// Joglekar & Wolf, Eur. J. Phys. 30:661 (2009): f = 1 − (2x − 1)^{2p}; f(0) = f(1) = 0.
    case joglekar = 1
    /// Biolek et al., Radioengineering 18(2):210 (2009): f = 1 − (x − stp(−i))^{2p}, stp the
    /// unit step; vanishes at x = 1 for i > 0 and at x = 0 for i < 0, so no boundary lock.
    case biolek = 2
    /// Prodromakis et al., IEEE TED 58(9):3099 (2011): f = j·(1 − ((x − 0.5)² + 0.75)^p).
    case prodromakis = 3
    /// Kvatinsky (TEAM/VTEAM): f_off = exp(−exp((x − a_off)/w_c)), f_on = exp(−exp(−(x − a_on)/w_c)).
    case kvatinsky = 4

    /// The window at normalised state x for a state moving up (`increasing`, positive drive) or
    /// down, with exponent p and scale j. For Kvatinsky, x, aOn, aOff, wc are in the state's unit.
    func value(_ x: Dual2, increasing: Bool, p: Double, j: Double, aOn: Double = 0, aOff: Double = 1, wc: Double = 0.1) -> Dual2 {
        let twoP = Int((2 * p).rounded())
        switch self {
        case .none:
            return Dual2(1)
        case .joglekar:
            return 1 - Dual2.ipow(2 * x - 1, twoP)
        case .biolek:
            return 1 - Dual2.ipow(x - (increasing ? 0 : 1), twoP)
        case .prodromakis:
            let d = x - 0.5
            return j * (1 - Dual2.pow(d * d + 0.75, p))
        case .kvatinsky:
            if increasing { return Dual2.exp(-Dual2.exp((x - aOff) / wc)) }
            return Dual2.exp(-Dual2.exp(-(x - aOn) / wc))
        }
    }

    /// Plain-number form, for tests of the published boundary values.
    public func evaluate(x: Double, increasing: Bool, p: Double, j: Double = 1) -> Double {
        value(Dual2(x), increasing: increasing, p: p, j: j).value
    }
}
