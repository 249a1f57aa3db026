import FoundationEssentials
import Glibc
import LithicCore

/// The model written as ngspice behavioural sources (CIRCUITS.md §3.1 "state on a 1 F
/// capacitor"): `.func mcur(v, x)` is the device current and `.func mrate(v, x)` the state rate,
/// both with the model's parameter values inlined, so a generated netlist (a crossbar emitted with
/// `--emit`) runs unchanged in ngspice. Each device then needs three lines, `instance(…)`.
/// The expressions are the same equations `current` and `rate` evaluate (the hand-written twins in
/// `netlists/memristor_*_twin.cir` are checked against the built-in devices to < 0.03 % RMS).
extension MemristorModel {
    /// `.func` definitions for this model, or nil when it has no behavioural form.
    public var twinFunctions: String? { twinFunctions(suffix: "") }

    /// The same with function names `mcur<suffix>`, `mrate<suffix>` (one set per distinct model).
    public func twinFunctions(suffix sfx: String) -> String? {
        func n(_ v: Double) -> String { "\(v)" }
        switch self {
        case .linearDrift(let m):
            let k = m.uv * m.ron / (m.d * m.d)
            let twoP = Int((2 * m.p).rounded())
            let window: String
            switch m.window {
            case .none: window = "1"
            case .joglekar: window = "(1-pwr(2*x-1,\(twoP)))"
            case .biolek: window = "(1-pwr(x-u(-v),\(twoP)))"
            case .prodromakis: window = "\(n(m.j))*(1-pow((x-0.5)*(x-0.5)+0.75,\(n(m.p))))"
            case .kvatinsky: return nil
            }
            return """
            .func mcur\(sfx)(v, x) {v/(\(n(m.ron))*x+\(n(m.roff))*(1-x))}
            .func mrate\(sfx)(v, x) {\(n(k))*mcur\(sfx)(v, x)*\(window)}
            """
        case .team(let m):
            guard m.ivRelation == 0, m.window == .kvatinsky || m.window == .none else { return nil }
            let s = m.xscaling
            let fOff = m.window == .kvatinsky ? "exp(-exp((x/\(n(s))-\(n(m.aoff)))/\(n(m.wc))))" : "1"
            let fOn = m.window == .kvatinsky ? "exp(-exp(-(x/\(n(s))-\(n(m.aon)))/\(n(m.wc))))" : "1"
            return """
            .func mcur\(sfx)(v, x) {v/(\(n(m.ron))+\(n(m.roff - m.ron))*(x/\(n(s))-\(n(m.xon)))/\(n(m.xoff - m.xon)))}
            .func mrate\(sfx)(v, x) {mcur\(sfx)(v,x) > \(n(m.ioff)) ? \(n(s * m.koff))*pwr(mcur\(sfx)(v,x)/\(n(m.ioff))-1,\(n(m.alphaOff)))*\(fOff) : (mcur\(sfx)(v,x) < \(n(m.ion)) ? \(n(s * m.kon))*pwr(mcur\(sfx)(v,x)/\(n(m.ion))-1,\(n(m.alphaOn)))*\(fOn) : 0)}
            """
        case .vteam(let m):
            guard m.window == .kvatinsky || m.window == .none else { return nil }
            let s = m.xscaling
            let fOff = m.window == .kvatinsky ? "exp(-exp((x/\(n(s))-\(n(m.aoff)))/\(n(m.wc))))" : "1"
            let fOn = m.window == .kvatinsky ? "exp(-exp(-(x/\(n(s))-\(n(m.aon)))/\(n(m.wc))))" : "1"
            return """
            .func mcur\(sfx)(v, x) {v/(\(n(m.ron))+\(n(m.roff - m.ron))*(x/\(n(s))-\(n(m.xon)))/\(n(m.xoff - m.xon)))}
            .func mrate\(sfx)(v, x) {v > \(n(m.voff)) ? \(n(s * m.koff))*pwr(v/\(n(m.voff))-1,\(n(m.alphaOff)))*\(fOff) : (v < \(n(m.von)) ? \(n(s * m.kon))*pwr(v/\(n(m.von))-1,\(n(m.alphaOn)))*\(fOn) : 0)}
            """
        case .yakopcic(let m):
            let vn = abs(m.vn)
            return """
            .func mcur\(sfx)(v, x) {(v >= 0 ? \(n(m.a1)) : \(n(m.a2)))*x*sinh(\(n(m.b))*v)}
            .func mrate\(sfx)(v, x) {\(n(m.eta))*(v > \(n(m.vp)) ? \(n(m.ap))*(exp(v)-\(n(exp(m.vp)))) : (v < \(n(-vn)) ? -\(n(m.an))*(exp(-v)-\(n(exp(vn)))) : 0))*(\(n(m.eta))*v > 0 ? (x >= \(n(m.xp)) ? exp(-\(n(m.alphaP))*(x-\(n(m.xp))))*((\(n(m.xp))-x)/\(n(1 - m.xp))+1) : 1) : (x <= \(n(1 - m.xn)) ? exp(\(n(m.alphaN))*(x+\(n(m.xn - 1))))*(x/\(n(1 - m.xn))) : 1))}
            """
        case .stanford(let m):
            let qk = PhysicalConstant.elementaryCharge / PhysicalConstant.boltzmann
            return """
            .func mcur\(sfx)(v, x) {\(n(m.i0))*exp(-x*1e-9/\(n(m.g0)))*sinh(v/\(n(m.v0)))}
            .func mtk\(sfx)(v, x) {\(n(m.ambient)) + v*mcur\(sfx)(v, x)*\(n(m.thermalResistance))}
            .func mgam\(sfx)(x) {\(n(m.gamma0)) - \(n(m.beta))*pwr(x, \(n(m.alpha)))}
            .func mrate\(sfx)(v, x) {-1e9*\(n(m.velocity))*exp(-\(n(qk * m.activationEnergy))/mtk\(sfx)(v,x))*sinh(mgam\(sfx)(x)/(1 + exp((\(n(m.minimumField)) - mgam\(sfx)(x)*abs(v)/\(n(m.oxideThickness)))/\(n(m.fieldWidth))))*\(n(m.hopDistance * qk / m.oxideThickness))*v/mtk\(sfx)(v,x))*(v >= 0 ? 1 - exp((\(n(m.gapMinimum * 1e9)) - x)/\(n(m.gapSmoothing * 1e9))) : 1 - exp((x - \(n(m.gapMaximum * 1e9)))/\(n(m.gapSmoothing * 1e9))))}
            """
        case .llzo(let m):
            guard !m.hasInterphase else { return nil }
            let section = Double.pi * m.filamentRadius * m.filamentRadius
            let fRT = PhysicalConstant.faraday / (PhysicalConstant.gas * m.temperature)
            return """
            .func mcur\(sfx)(v, x) {v/\(n(m.ionResistance)) + v*exp((x*1e-6 - \(n(m.gap)))/\(n(m.decayLength)))/(\(n(m.lithiumResistivity / section))*x*1e-6 + \(n(m.contactResistance)))}
            .func mrate\(sfx)(v, x) {\(n(1e6 * m.molarVolume / PhysicalConstant.faraday * m.exchangeCurrent))*(exp(\(n(m.alphaCathodic * fRT * m.overpotentialShare))*v) - exp(-\(n(m.alphaAnodic * fRT * m.overpotentialShare))*v))*(v >= 0 ? 1 - exp((x*1e-6 - \(n(m.gap)))/\(n(m.smoothing))) : 1 - exp(-x*1e-6/\(n(m.smoothing))))}
            """
        }
    }

    /// The three lines of one device between `plus` and `minus` with state node `x<name>`
    /// (needs `twinFunctions` in the netlist and a `.tran … uic` analysis for the IC).
    public static func twinInstance(name: String, plus: String, minus: String, initialState: Double, suffix sfx: String = "") -> String {
        """
        Bm\(name) \(plus) \(minus) I=mcur\(sfx)(v(\(plus),\(minus)), v(x\(name)))
        Bx\(name) 0 x\(name) I=mrate\(sfx)(v(\(plus),\(minus)), v(x\(name)))
        Cx\(name) x\(name) 0 1 IC=\(initialState)

        """
    }
}

extension MemristorModel {
    /// The `.model` card parameters (`level=… name=value …`) that rebuild this model in Lithic.
    public var modelCard: String {
        func card(_ level: Int, _ p: [(String, Double)]) -> String {
            "level=\(level) " + p.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        }
        switch self {
        case .linearDrift(let m):
            return card(1, [("ron", m.ron), ("roff", m.roff), ("d", m.d), ("uv", m.uv), ("p", m.p), ("j", m.j), ("wt", Double(m.window.rawValue))])
        case .team(let m):
            return card(2, [("ron", m.ron), ("roff", m.roff), ("xon", m.xon), ("xoff", m.xoff), ("kon", m.kon), ("koff", m.koff),
                            ("alphaon", m.alphaOn), ("alphaoff", m.alphaOff), ("ion", m.ion), ("ioff", m.ioff), ("aon", m.aon), ("aoff", m.aoff),
                            ("wc", m.wc), ("d", m.d), ("p", m.p), ("j", m.j), ("wt", Double(m.window.rawValue)), ("xscaling", m.xscaling),
                            ("ivrelation", Double(m.ivRelation))])
        case .yakopcic(let m):
            return card(3, [("a1", m.a1), ("a2", m.a2), ("b", m.b), ("vp", m.vp), ("vn", m.vn), ("ap", m.ap), ("an", m.an),
                            ("xp", m.xp), ("xn", m.xn), ("alphap", m.alphaP), ("alphan", m.alphaN), ("eta", m.eta)])
        case .vteam(let m):
            return card(5, [("ron", m.ron), ("roff", m.roff), ("xon", m.xon), ("xoff", m.xoff), ("kon", m.kon), ("koff", m.koff),
                            ("alphaon", m.alphaOn), ("alphaoff", m.alphaOff), ("von", m.von), ("voff", m.voff), ("aon", m.aon), ("aoff", m.aoff),
                            ("wc", m.wc), ("p", m.p), ("j", m.j), ("wt", Double(m.window.rawValue)), ("xscaling", m.xscaling)])
        case .stanford(let m):
            return card(6, [("i0", m.i0), ("g0", m.g0), ("v0", m.v0), ("vel0", m.velocity), ("ea", m.activationEnergy), ("a0", m.hopDistance),
                            ("gamma0", m.gamma0), ("beta", m.beta), ("alpha", m.alpha), ("tox", m.oxideThickness), ("fmin", m.minimumField),
                            ("rth", m.thermalResistance), ("t0", m.ambient), ("gmin", m.gapMinimum), ("gmax", m.gapMaximum),
                            ("fwidth", m.fieldWidth), ("gsmooth", m.gapSmoothing), ("tstep", m.stepBound)])
        case .llzo(let m):
            return card(10, [("gap", m.gap), ("a", m.contactRadius), ("sigma", m.conductivity), ("rf", m.filamentRadius), ("rho", m.lithiumResistivity),
                             ("rc", m.contactResistance), ("lambda", m.decayLength), ("i0", m.exchangeCurrent), ("alphac", m.alphaCathodic),
                             ("alphaa", m.alphaAnodic), ("keta", m.overpotentialShare), ("vm", m.molarVolume), ("delta", m.smoothing),
                             ("temp", m.temperature), ("kp", m.interphaseParabolic), ("xi", m.interphaseFraction),
                             ("rhoint", m.interphaseResistivity), ("lint0", m.interphaseInitial)])
        }
    }
}
