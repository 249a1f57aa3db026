import FoundationEssentials
import Glibc
import LithicCore
import Memristors
import Devices

/// Device-to-device variability and faults, drawn once per array from a seed.
public struct Variability: Sendable {
    /// Lognormal σ (of ln R) of the ON and OFF resistances (memristors) or of the conductance
    /// (fixed-conductance cells, `onSigma`).
    public var onSigma = 0.0
    public var offSigma = 0.0
    /// Normal σ (V) of the selector threshold.
    public var thresholdSigma = 0.0
    /// Fractions of cells stuck at their ON and at their OFF conductance.
    public var stuckOn = 0.0
    public var stuckOff = 0.0
    public var seed: UInt64 = 1
    public init() {}
}

extension CrossbarArray {
    /// The array with `v` applied: per-cell models (or conductances) with lognormal spread,
    /// per-cell selector thresholds, and stuck cells.
    public func applying(_ v: Variability) throws -> CrossbarArray {
        guard v.onSigma >= 0, v.offSigma >= 0, v.thresholdSigma >= 0, v.stuckOn >= 0, v.stuckOff >= 0, v.stuckOn + v.stuckOff <= 1 else {
            throw InputError(.commandLine, "variability: σ values must not be negative and the stuck fractions must add up to at most 1")
        }
        var rng = SplitMix64(seed: v.seed)
        var a = self
        let n = rows * columns
        var gOn = 0.0, gOff = 0.0
        switch cells {
        case .conductances(let g):
            a.cells = .conductances(g.map { $0 * exp(-v.onSigma * rng.nextGaussian()) })
            gOn = g.max() ?? 0; gOff = g.min() ?? 0
        case .memristors(let m, let st):
            let models = (0..<n).map { _ in m.scaled(on: exp(v.onSigma * rng.nextGaussian()), off: exp(v.offSigma * rng.nextGaussian())) }
            a.cells = .memristorArray(models, initialStates: st)
            gOn = m.conductance(state: m.stateEnds.on); gOff = m.conductance(state: m.stateEnds.off)
        case .memristorArray(let ms, let st):
            a.cells = .memristorArray(ms.map { $0.scaled(on: exp(v.onSigma * rng.nextGaussian()), off: exp(v.offSigma * rng.nextGaussian())) }, initialStates: st)
            if let m = ms.first { gOn = m.conductance(state: m.stateEnds.on); gOff = m.conductance(state: m.stateEnds.off) }
        }
        if case .selector(let s) = access, v.thresholdSigma > 0 {
            a.selectorThresholds = (0..<n).map { _ in max(0, s.threshold + v.thresholdSigma * rng.nextGaussian()) }
        }
        for k in 0..<n {
            let u = rng.nextUniform()
            if u < v.stuckOn { a.faults[k] = .stuck(conductance: gOn) } else if u < v.stuckOn + v.stuckOff { a.faults[k] = .stuck(conductance: gOff) }
        }
        return a
    }

    /// Lines not involved in a read of one cell.
    public enum Unselected: String, Sendable, CaseIterable {
        /// Disconnected: the classic worst case for sneak paths.
        case floating
        /// At 0 V: sneak currents bypass the sense amplifier.
        case grounded
        /// At half the read voltage.
        case half
    }

    /// Reading one cell: the column current the sense amplifier sees and the cell's own current.
    public struct CellRead: Sendable {
        public var cell: Int
        public var columnCurrent: Double
        public var cellCurrent: Double
        /// Share of the column current that did not pass through the selected cell.
        public var sneakFraction: Double { columnCurrent != 0 ? (columnCurrent - cellCurrent) / columnCurrent : 0 }
        /// Conductance the read reports (column current / read voltage), S.
        public var apparentConductance: Double
    }

    /// Reads cell `k` alone: its row at `voltage`, its column at virtual ground, other lines as
    /// `unselected` says.
    public func readCell(_ k: Int, voltage: Double, unselected: Unselected) throws -> CellRead {
        guard (0..<(rows * columns)).contains(k) else { throw InputError(.commandLine, "cell \(k) is outside the \(rows)×\(columns) array") }
        guard voltage != 0, voltage.isFinite else { throw InputError(.commandLine, "the read voltage must be finite and non-zero") }
        let i = k / columns, j = k % columns
        var rowsBias = [SourceSpecification?](repeating: nil, count: rows)
        var colsBias = [Double?](repeating: nil, count: columns)
        switch unselected {
        case .floating: break
        case .grounded:
            rowsBias = [SourceSpecification?](repeating: .constant(0), count: rows); colsBias = [Double?](repeating: 0, count: columns)
        case .half:
            rowsBias = [SourceSpecification?](repeating: .constant(voltage / 2), count: rows); colsBias = [Double?](repeating: voltage / 2, count: columns)
        }
        rowsBias[i] = .constant(voltage); colsBias[j] = 0
        let gates = (0..<rows).map { $0 == i ? gateOn : (access.transistorGateOff ?? gateOn) }
        let r = try read(bias: Bias(rows: rowsBias, columns: colsBias, gates: gates))
        return CellRead(cell: k, columnCurrent: r.currents[j], cellCurrent: r.cellCurrents[k], apparentConductance: r.currents[j] / voltage)
    }
}
