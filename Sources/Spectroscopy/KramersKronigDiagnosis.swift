import ComplexModule
import FoundationEssentials
import RealModule

/// Where a spectrum that fails lin-KK fails, and whether the rest of it is consistent.
///
/// A failed verdict alone does not tell a user whether to repeat the measurement or only to
/// distrust a few points. The diagnosis takes the points whose relative residual exceeds the
/// threshold, names the pattern they form, and repeats the test without them (at most three
/// rounds, at most a quarter of the points). The verdict of the test itself is not changed:
/// dropping points is the user's decision, and the diagnosis only says what it would give.
///
/// Patterns (checked in this order):
/// - `mainsPickup`: at most six flagged points, each within ±15 % of a multiple (1–3) of 50 or
///   60 Hz, where an unshielded cell picks up the line voltage;
/// - `lowFrequencyEnd`: the flagged points include the lowest frequency and at least 60 % of the
///   points up to the highest flagged one: the signature of drift during the slow end of a sweep;
/// - `highFrequencyEnd`: the same at the top of the band (typical causes: cables, the
///   instrument's bandwidth, an inductive tail the series L does not capture);
/// - `scattered`: anything else.
public struct KramersKronigDiagnosis: Sendable {
    public enum Pattern: String, Sendable {
        case mainsPickup = "near the 50/60 Hz line frequency or its harmonics (pick-up)"
        case lowFrequencyEnd = "a block at the low-frequency end (typical of drift during the slow end of the sweep)"
        case highFrequencyEnd = "a block at the high-frequency end (typical causes: cables, instrument bandwidth, an inductive tail)"
        case scattered = "scattered over the spectrum"
    }

    /// Indices (into the spectrum as given) of the points left out, in the order they were found.
    public var flagged: [Int]
    public var pattern: Pattern
    /// The test repeated without the flagged points, or nil if too many points would go.
    public var withoutFlagged: KramersKronigTest?

    /// Diagnoses a failed test `result` of the spectrum (`frequencies`, `impedances`). Returns nil
    /// when the test passed.
    public static func diagnose(frequencies f: [Double], impedances z: [Complex<Double>], result: KramersKronigTest,
                                threshold: Double = 0.01, cutoff: Double = 0.85, capacitance: Bool = true,
                                inductance: Bool = true) throws -> KramersKronigDiagnosis? {
        guard !result.passes(threshold: threshold) else { return nil }
        let limit = f.count / 4
        var kept = Array(f.indices)
        var flagged: [Int] = []
        var current = result
        var rerun: KramersKronigTest?
        for _ in 0..<3 {
            let bad = kept.indices.filter {
                max(abs(current.residualReal[$0]), abs(current.residualImaginary[$0])) >= threshold
            }
            guard !bad.isEmpty else { break }
            guard flagged.count + bad.count <= limit, kept.count - bad.count >= 4 else {
                flagged += bad.map { kept[$0] }
                rerun = nil
                break
            }
            flagged += bad.map { kept[$0] }
            let badSet = Set(bad)
            kept = kept.indices.filter { !badSet.contains($0) }.map { kept[$0] }
            current = try KramersKronigTest.run(frequencies: kept.map { f[$0] }, impedances: kept.map { z[$0] }, cutoff: cutoff,
                                                capacitance: capacitance, inductance: inductance)
            rerun = current
            if current.passes(threshold: threshold) { break }
        }
        return KramersKronigDiagnosis(flagged: flagged, pattern: classify(flagged.map { f[$0] }, among: f), withoutFlagged: rerun)
    }

    static func classify(_ points: [Double], among all: [Double]) -> Pattern {
        guard let lowest = points.min(), let highest = points.max(), let fmin = all.min(), let fmax = all.max() else { return .scattered }
        let nearMains = points.count <= 6 && points.allSatisfy { p in
            [50.0, 60.0].contains { line in (1...3).contains { k in abs(p / (Double(k) * line) - 1) <= 0.15 } }
        }
        if nearMains { return .mainsPickup }
        if lowest == fmin, Double(points.count) >= 0.6 * Double(all.filter { $0 <= highest }.count) { return .lowFrequencyEnd }
        if highest == fmax, Double(points.count) >= 0.6 * Double(all.filter { $0 >= lowest }.count) { return .highFrequencyEnd }
        return .scattered
    }
}
