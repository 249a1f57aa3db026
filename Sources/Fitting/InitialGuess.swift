import ComplexModule
import RealModule
import FoundationEssentials
import Glibc
import Impedance

/// Starting values when the user gives none, read off the spectrum: series resistance from the
/// high-frequency intercept, arc resistances from the spread of Z', capacitances and time
/// constants from the frequency of the most negative Z'', exponents 0.9. Crude, but inside the
/// basin of the multi-start search on ordinary spectra.
public enum InitialGuess {
    public static func guess(_ circuit: EquivalentCircuit, for s: Spectrum) -> [Double] {
        let re = s.impedances.map(\.real)
        let rMin = max(re.min() ?? 1, 1e-6)
        let rSpan = max((re.max() ?? 1) - rMin, rMin * 0.1, 1e-6)
        var peak = 0
        for i in s.impedances.indices where s.impedances[i].imaginary < s.impedances[peak].imaginary { peak = i }
        let fPeak = s.frequencies.isEmpty ? 1 : s.frequencies[peak]
        let tau = 1 / (2 * Double.pi * fPeak)
        let fMin = s.frequencies.min() ?? 1
        let resistors = max(circuit.parameterInfo.filter { ($0.kind == .R || $0.kind == .K || $0.kind == .Zarc) && $0.index == 0 }.count - 1, 1)
        var values: [Double] = []
        var firstResistor = true
        for info in circuit.parameterInfo {
            switch (info.kind, info.index) {
            case (.R, 0):
                values.append(firstResistor ? rMin : rSpan / Double(resistors))
                firstResistor = false
            case (.C, _): values.append(tau / (rSpan / Double(resistors)))
            case (.L, _): values.append(1e-7)
            case (.CPE, 0): values.append(tau / (rSpan / Double(resistors)))
            case (.CPE, _), (.La, 1), (.Zarc, 2), (.TLMQ, 2): values.append(0.9)
            case (.W, _): values.append(rSpan * (2 * Double.pi * fMin).squareRoot() / 4)
            case (.Wo, 0), (.Ws, 0): values.append(rSpan / Double(resistors))
            case (.Wo, _), (.Ws, _): values.append(1 / (2 * Double.pi * fMin))
            case (.La, _): values.append(1e-7)
            case (.G, 0), (.Gs, 0), (.K, 0), (.Zarc, 0), (.TLMQ, 0): values.append(rSpan / Double(resistors))
            case (.G, _), (.Gs, 1), (.K, _), (.Zarc, _): values.append(tau)
            case (.Gs, _): values.append(1)
            case (.TLMQ, _): values.append(tau / rSpan)
            case (.T, _): values.append(info.index < 2 ? rSpan : (info.index == 2 ? 1 : tau))
            default: values.append(1)
            }
        }
        return values
    }
}
