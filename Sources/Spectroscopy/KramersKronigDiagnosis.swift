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
/// - `lowFrequencyEnd`: at least 60 % of the flagged points form a block at the low-frequency
///   end (see `classify`): the signature of drift during the slow end of a sweep;
/// - `highFrequencyEnd`: the same at the top of the band (typical causes: cables, the
///   instrument's bandwidth, an inductive tail the series L does not capture); when both ends
///   hold such a block, the larger one names the pattern;
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
        return KramersKronigDiagnosis(flagged: flagged, pattern: classify(flagged: flagged, frequencies: f), withoutFlagged: rerun)
    }

    /// The pattern the points `flagged` (indices into `frequencies`) form. Both ends of the band
    /// are examined alike: from each end, the block is the longest stretch (in frequency order)
    /// that starts at the end point or its neighbour, has no three unflagged points in a row, and
    /// in which at least 60 % of the points are flagged; the end whose block holds at least 60 %
    /// of all flagged points (the larger block, if both do) names the pattern. A high-frequency
    /// block with a stray point at the lowest frequency is therefore a high-frequency block, not
    /// drift, even when the block covers most of the band.
    public static func classify(flagged: [Int], frequencies f: [Double]) -> Pattern {
        let valid = Array(Set(flagged.filter { f.indices.contains($0) }))
        guard !valid.isEmpty else { return .scattered }
        let nearMains = valid.count <= 6 && valid.allSatisfy { i in
            [50.0, 60.0].contains { line in (1...3).contains { k in abs(f[i] / (Double(k) * line) - 1) <= 0.15 } }
        }
        if nearMains { return .mainsPickup }
        let isFlagged = Set(valid)
        let ascending = f.indices.sorted { f[$0] < f[$1] }
        func block(_ order: [Int]) -> Int {
            let marks = order.map { isFlagged.contains($0) }
            guard marks.first == true || (marks.count > 1 && marks[1]) else { return 0 }
            var count = 0, best = 0, gap = 0
            for (j, mark) in marks.enumerated() {
                if mark {
                    count += 1
                    gap = 0
                    if Double(count) >= 0.6 * Double(j + 1) { best = count }
                } else {
                    gap += 1
                    if gap > 2 { break }  // a block ends at three unflagged points in a row
                }
            }
            return best
        }
        let low = block(ascending), high = block(ascending.reversed())
        let needed = 0.6 * Double(valid.count)
        if Double(low) >= needed || Double(high) >= needed {
            return low >= high ? .lowFrequencyEnd : .highFrequencyEnd
        }
        return .scattered
    }
}
