import ComplexModule
import RealModule

/// How residuals are weighted in the CNLS objective
/// χ² = Σᵢ w'ᵢ (Z'fit − Z'exp)² + w''ᵢ (Z''fit − Z''exp)², with data-based weights:
///
/// | weighting | w' | w'' | impedance.py / pyimpspec equivalent |
/// |---|---|---|---|
/// | unit | 1 | 1 | impedance.py default; pyimpspec `unity` |
/// | modulus | 1/\|Z\| | 1/\|Z\| | pyimpspec `modulus` |
/// | proportional | 1/Z'² | 1/Z''² | pyimpspec `proportional` |
/// | boukamp | 1/\|Z\|² | 1/\|Z\|² | impedance.py `weight_by_modulus=True` (σ = \|Z\|); pyimpspec `boukamp` |
public enum Weighting: String, CaseIterable, Sendable {
    case unit, modulus, proportional, boukamp

    /// √w' and √w'' for one data point (the residuals are multiplied by these).
    public func rootWeights(_ z: Complex<Double>) -> (Double, Double) {
        switch self {
        case .unit: return (1, 1)
        case .modulus:
            let s = 1 / z.length.squareRoot()
            return (s, s)
        case .proportional:
            return (1 / max(abs(z.real), 1e-300), 1 / max(abs(z.imaginary), 1e-300))
        case .boukamp:
            let s = 1 / z.length
            return (s, s)
        }
    }
}
