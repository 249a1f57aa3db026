import Glibc
import LithicCore

/// One `.four` result: the DC component and harmonics of a transient vector over the last period
/// of the fundamental, as ngspice computes them.
public struct FourierResult: Sendable {
    public struct Harmonic: Sendable {
        /// Harmonic number (0 = DC), frequency (Hz), magnitude (the vector's unit), phase (degrees,
        /// relative to a sine), magnitude and phase normalised to the fundamental.
        public var index: Int
        public var frequency: Double
        public var magnitude: Double
        public var phase: Double
        public var normalizedMagnitude: Double
        public var normalizedPhase: Double
    }
    public var vector: String
    public var fundamental: Double
    public var harmonics: [Harmonic]
    /// Total harmonic distortion (%): √(Σ_{k≥2} (|c_k|/|c_1|)²) · 100.
    public var totalHarmonicDistortion: Double
    public var gridSize: Int
}

/// ngspice's Fourier analysis (`.four f v…`, `fourier.c`): the last 1/f of the transient is
/// linearly interpolated onto `gridSize` equally spaced points starting at t_stop − 1/f, and the
/// DC term and the first `harmonics − 1` harmonics are their discrete Fourier coefficients.
public enum FourierAnalysis {
    public static func analyse(_ plot: Plot, vector name: String, fundamental f: Double,
                               harmonics: Int = 10, gridSize: Int = 200) throws -> FourierResult {
        guard plot.kind == "tran", let time = plot.vector("time")?.real, let values = plot.vector(name)?.real,
              time.count == values.count, let tstop = time.last, let tfirst = time.first else {
            throw SimulationError(analysis: "four", point: "", message: ".four: no transient vector '\(name)'")
        }
        let period = 1 / f
        guard tstop - tfirst >= period * (1 - 1e-9) else {
            throw SimulationError(analysis: "four", point: "",
                                  message: ".four: the transient (\(tstop - tfirst) s) is shorter than one period of \(f) Hz")
        }
        // Linear interpolation onto the grid.
        let start = tstop - period, step = period / Double(gridSize)
        var grid = [Double](repeating: 0, count: gridSize)
        var k = 0
        for j in 0..<gridSize {
            let t = start + Double(j) * step
            while k + 1 < time.count - 1 && time[k + 1] < t { k += 1 }
            let t0 = time[k], t1 = time[min(k + 1, time.count - 1)]
            let a = t1 > t0 ? (t - t0) / (t1 - t0) : 0
            grid[j] = values[k] + a * (values[min(k + 1, values.count - 1)] - values[k])
        }
        // Coefficients against sine (magnitude part) and cosine (phase part), as ngspice.
        var sines = [Double](repeating: 0, count: harmonics), cosines = sines
        for j in 0..<gridSize {
            for h in 0..<harmonics {
                let angle = Double(h) * 2 * Double.pi * Double(j) / Double(gridSize)
                sines[h] += grid[j] * sin(angle)
                cosines[h] += grid[j] * cos(angle)
            }
        }
        var out: [FourierResult.Harmonic] = []
        out.append(.init(index: 0, frequency: 0, magnitude: cosines[0] / Double(gridSize), phase: 0, normalizedMagnitude: 0, normalizedPhase: 0))
        var magnitudes = [Double](repeating: 0, count: harmonics), phases = magnitudes
        for h in 1..<harmonics {
            let s = sines[h] * 2 / Double(gridSize), c = cosines[h] * 2 / Double(gridSize)
            magnitudes[h] = hypot(s, c)
            phases[h] = atan2(c, s) * 180 / Double.pi
        }
        var thd = 0.0
        for h in 1..<harmonics {
            let normalized = magnitudes[1] != 0 ? magnitudes[h] / magnitudes[1] : 0
            if h > 1 { thd += normalized * normalized }
            out.append(.init(index: h, frequency: Double(h) * f, magnitude: magnitudes[h], phase: phases[h],
                             normalizedMagnitude: normalized, normalizedPhase: phases[h] - phases[1]))
        }
        return FourierResult(vector: name, fundamental: f, harmonics: out, totalHarmonicDistortion: 100 * thd.squareRoot(), gridSize: gridSize)
    }
}
