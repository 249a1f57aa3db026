import ComplexModule
import Glibc
import Lithic
import LithicCore
import Elaboration
import Analyses
import Fitting
import Spectroscopy
import Crossbar

// The C ABI over the Lithic library (declared in include/lithic.h, built as libLithicC.so).
//
// Every entry point catches every Swift error and returns it as a value: a status code and a
// `LithicError` handle carrying the message and, for input errors, the file, line and column.
// NULL pointers and negative or absurd lengths are refused with status 3 (invalid argument),
// never dereferenced. Results are `LithicResult` handles: an ordered list of (key, doubles) or
// (key, text) entries whose double buffers are contiguous and stay valid, unmoved, until the
// handle is freed, so a caller can view them without copying (NumPy `frombuffer`).

/// Status codes returned by every entry point.
enum Status: Int32 { case ok = 0, input = 1, simulation = 2, invalidArgument = 3, other = 4 }

/// Key fields are separated by the ASCII unit separator (names may hold '/', '.', ':').
let separator = "\u{1F}"

/// The largest element count accepted for one array (guards against garbage lengths).
let maximumCount: Int64 = 1 << 31

/// A result handle: an ordered list of entries. Owns every buffer it hands out.
final class CResult {
    struct Entry {
        var key: UnsafeMutablePointer<CChar>
        var data: UnsafeMutableBufferPointer<Double>?
        var count: Int
        var text: UnsafeMutablePointer<CChar>?
    }
    var entries: [Entry] = []

    func add(_ key: [String], _ values: [Double]) {
        let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(values.count, 1))
        _ = buffer.initialize(from: values)
        if values.isEmpty { buffer[0] = 0 }
        entries.append(Entry(key: strdup(key.joined(separator: separator)) ?? Self.empty(), data: buffer, count: values.count, text: nil))
    }
    func add(_ key: [String], _ value: Double) { add(key, [value]) }
    func add(_ key: [String], text: String) {
        entries.append(Entry(key: strdup(key.joined(separator: separator)) ?? Self.empty(), data: nil, count: -1, text: strdup(text) ?? Self.empty()))
    }
    static func empty() -> UnsafeMutablePointer<CChar> {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        p[0] = 0
        return p
    }
    deinit {
        for e in entries {
            free(e.key)
            e.data?.deallocate()
            if let t = e.text { free(t) }
        }
    }
}

/// An error handle: kind (the status), message, file, line and column (0 when not from a file).
final class CError {
    let kind: Int32
    let message: UnsafeMutablePointer<CChar>
    let file: UnsafeMutablePointer<CChar>
    let line: Int64
    let column: Int64
    init(kind: Status, message: String, file: String = "", line: Int = 0, column: Int = 0) {
        self.kind = kind.rawValue
        self.message = strdup(message) ?? CResult.empty()
        self.file = strdup(file) ?? CResult.empty()
        self.line = Int64(line)
        self.column = Int64(column)
    }
    deinit { free(message); free(file) }
}

/// A refusal of the caller's arguments, thrown inside the entry points.
struct ArgumentError: Error { var message: String }

public typealias ResultOut = UnsafeMutablePointer<OpaquePointer?>?
public typealias ErrorOut = UnsafeMutablePointer<OpaquePointer?>?

/// Runs `body`, storing its result in `out` and any error in `error`; returns the status.
func guarded(_ out: ResultOut, _ error: ErrorOut, needsOut: Bool = true, _ body: () throws -> CResult?) -> Int32 {
    error?.pointee = nil
    out?.pointee = nil
    func fail(_ e: CError) -> Int32 {
        if let error { error.pointee = OpaquePointer(Unmanaged.passRetained(e).toOpaque()) }
        return e.kind
    }
    if needsOut && out == nil { return fail(CError(kind: .invalidArgument, message: "the result pointer is NULL")) }
    do {
        let r = try body()
        if let r, let out { out.pointee = OpaquePointer(Unmanaged.passRetained(r).toOpaque()) }
        return Status.ok.rawValue
    } catch let e as InputError {
        return fail(CError(kind: .input, message: e.message, file: e.location.file, line: e.location.line, column: e.location.column))
    } catch let e as SimulationError {
        return fail(CError(kind: .simulation, message: e.description))
    } catch let e as ArgumentError {
        return fail(CError(kind: .invalidArgument, message: e.message))
    } catch {
        return fail(CError(kind: .other, message: "\(error)"))
    }
}

func string(_ p: UnsafePointer<CChar>?, _ what: String) throws -> String {
    guard let p else { throw ArgumentError(message: "\(what) is NULL") }
    return String(cString: p)
}

func count(_ n: Int64, _ what: String) throws -> Int {
    guard n >= 0, n <= maximumCount else { throw ArgumentError(message: "\(what) must be between 0 and \(maximumCount), got \(n)") }
    return Int(n)
}

func doubles(_ p: UnsafePointer<Double>?, _ n: Int, _ what: String) throws -> [Double] {
    if n == 0 { return [] }
    guard let p else { throw ArgumentError(message: "\(what) is NULL") }
    return Array(UnsafeBufferPointer(start: p, count: n))
}

func spectrum(_ f: UnsafePointer<Double>?, _ re: UnsafePointer<Double>?, _ im: UnsafePointer<Double>?, _ n: Int64) throws -> ([Double], [Complex<Double>]) {
    let n = try count(n, "the number of points")
    let freq = try doubles(f, n, "frequencies"), r = try doubles(re, n, "real parts"), i = try doubles(im, n, "imaginary parts")
    return (freq, zip(r, i).map { Complex($0.0, $0.1) })
}

func names(_ p: UnsafePointer<UnsafePointer<CChar>?>?, _ values: UnsafePointer<Double>?, _ n: Int64, _ what: String) throws -> [String: Double] {
    let n = try count(n, "the number of \(what)")
    if n == 0 { return [:] }
    guard let p, let values else { throw ArgumentError(message: "\(what) names or values are NULL") }
    var d: [String: Double] = [:]
    for k in 0..<n { d[try string(p[k], "\(what) name \(k)")] = values[k] }
    return d
}

@_cdecl("lithic_abi_version")
public func lithic_abi_version() -> Int32 { 1 }

/// Parses, elaborates and simulates a netlist (text, or a file when `is_path` is non-zero) with
/// `.param` overrides, as `lithic run` does. Entries: `title`; per analysis k, `plot␟k␟kind`,
/// `plot␟k␟name`, `plot␟k␟complete` and `plot␟k␟vec␟NAME␟re` (and `␟im` for AC), vectors in
/// the order `lithic run` writes them (`.save`/`.print` filtered, the scale first); per measure
/// `measure␟NAME` (empty buffer when it failed, with `measure_message␟NAME`); `warning␟i` texts;
/// `failure` when the simulation stopped early (the analyses before it are kept).
@_cdecl("lithic_run_netlist")
public func lithic_run_netlist(_ source: UnsafePointer<CChar>?, _ isPath: Int32, _ name: UnsafePointer<CChar>?,
                               _ paramNames: UnsafePointer<UnsafePointer<CChar>?>?, _ paramValues: UnsafePointer<Double>?, _ paramCount: Int64,
                               _ out: ResultOut, _ error: ErrorOut) -> Int32 {
    guarded(out, error) {
        let text = try string(source, isPath != 0 ? "the netlist path" : "the netlist text")
        let overrides = try names(paramNames, paramValues, paramCount, "parameter")
        let circuit: Circuit
        if isPath != 0 {
            circuit = try NetlistRun.prepare(path: text, parameters: overrides).1
        } else {
            circuit = try NetlistRun.prepareEmbedded(text: text, name: name.map { String(cString: $0) } ?? "<netlist>", parameters: overrides)
        }
        let run = try NetlistRun.simulate(circuit: circuit)
        let r = CResult()
        r.add(["title"], text: run.title)
        var warningCount = 0
        func warn(_ s: String) { r.add(["warning", "\(warningCount)"], text: s); warningCount += 1 }
        for w in circuit.warnings { warn(w.description) }
        for (k, plot) in run.outcome.plots.enumerated() {
            let p = run.filtered(plot)
            r.add(["plot", "\(k)", "kind"], text: p.kind)
            r.add(["plot", "\(k)", "name"], text: p.name)
            r.add(["plot", "\(k)", "complete"], p.isComplete ? 1 : 0)
            for v in p.vectors {
                r.add(["plot", "\(k)", "vec", v.name, "re"], v.real)
                if let im = v.imaginary { r.add(["plot", "\(k)", "vec", v.name, "im"], im) }
            }
        }
        let names = run.savedNames()
        for name in names.sorted() where !run.outcome.plots.contains(where: { $0.vector(name) != nil }) {
            warn("warning: .save/.print '\(name)' matches no vector of any analysis")
        }
        for m in run.measures {
            r.add(["measure", m.name], m.value.map { [$0] } ?? [])
            if let msg = m.message { r.add(["measure_message", m.name], text: msg) }
        }
        for f in run.fourierFailures { warn("warning: \(f)") }
        for (k, s) in run.impedanceSpectra.enumerated() {
            r.add(["eis", "\(k)", "frequency"], s.lines.map(\.frequency))
            r.add(["eis", "\(k)", "z_real"], s.lines.map(\.impedance.real))
            r.add(["eis", "\(k)", "z_imag"], s.lines.map(\.impedance.imaginary))
            for w in s.warnings { warn("warning: \(w)") }
        }
        if let f = run.outcome.failure { r.add(["failure"], text: "\(f)") }
        return r
    }
}

/// Reads every spectrum of a file (any layout `lithic read` knows). Entries: `format`,
/// `encoding`, `line_endings`; per spectrum k: `spectrum␟k␟frequency`, `␟z_real`, `␟z_imag`,
/// `␟label`, `␟lines`, `␟note␟i`.
@_cdecl("lithic_read_spectrum")
public func lithic_read_spectrum(_ path: UnsafePointer<CChar>?, _ out: ResultOut, _ error: ErrorOut) -> Int32 {
    guarded(out, error) {
        let p = try string(path, "the spectrum path")
        let r = CResult()
        let selection = SpectrumReader.selection(p)
        let spectra: [MeasuredSpectrum]
        if selection.file != p {
            let s = try SpectrumReader.read(path: p)
            r.add(["format"], text: s.format)
            spectra = [s]
        } else {
            let file = try SpectrumReader.readFile(path: p)
            r.add(["format"], text: file.format.rawValue)
            r.add(["encoding"], text: file.encoding)
            r.add(["line_endings"], text: file.lineEndings)
            spectra = file.spectra
        }
        for (k, s) in spectra.enumerated() {
            r.add(["spectrum", "\(k)", "frequency"], s.frequencies)
            r.add(["spectrum", "\(k)", "z_real"], s.impedances.map(\.real))
            r.add(["spectrum", "\(k)", "z_imag"], s.impedances.map(\.imaginary))
            r.add(["spectrum", "\(k)", "lines"], s.lines.map(Double.init))
            r.add(["spectrum", "\(k)", "label"], text: s.label)
            for (i, n) in s.notes.enumerated() { r.add(["spectrum", "\(k)", "note", "\(i)"], text: n) }
        }
        return r
    }
}

/// An equivalent circuit's canonical string and parameter names (`circuit`, `name␟i`), and each
/// parameter's element kind (`kind␟i`).
@_cdecl("lithic_circuit_info")
public func lithic_circuit_info(_ circuit: UnsafePointer<CChar>?, _ out: ResultOut, _ error: ErrorOut) -> Int32 {
    guarded(out, error) {
        let c = try EquivalentCircuit(parsing: try string(circuit, "the circuit string"))
        let r = CResult()
        r.add(["circuit"], text: c.description)
        for (k, n) in c.parameterNames.enumerated() {
            r.add(["name", "\(k)"], text: n)
            r.add(["kind", "\(k)"], text: "\(c.parameterInfo[k].kind)")
        }
        return r
    }
}

/// Z(f) of an equivalent circuit at `count` frequencies (Hz) into caller-owned buffers of
/// `count` doubles each. `parameter_count` must equal the circuit's number of parameters.
@_cdecl("lithic_circuit_impedance")
public func lithic_circuit_impedance(_ circuit: UnsafePointer<CChar>?, _ parameters: UnsafePointer<Double>?, _ parameterCount: Int64,
                                     _ frequencies: UnsafePointer<Double>?, _ n: Int64,
                                     _ outReal: UnsafeMutablePointer<Double>?, _ outImag: UnsafeMutablePointer<Double>?, _ error: ErrorOut) -> Int32 {
    guarded(nil, error, needsOut: false) {
        let c = try EquivalentCircuit(parsing: try string(circuit, "the circuit string"))
        let np = try count(parameterCount, "the number of parameters")
        guard np == c.parameterNames.count else {
            throw ArgumentError(message: "circuit '\(c)' has \(c.parameterNames.count) parameters (\(c.parameterNames.joined(separator: ", "))), got \(np) values")
        }
        let p = try doubles(parameters, np, "parameters")
        let count = try count(n, "the number of frequencies")
        let f = try doubles(frequencies, count, "frequencies")
        guard count == 0 || (outReal != nil && outImag != nil) else { throw ArgumentError(message: "the output buffers are NULL") }
        guard let outReal, let outImag else { return nil }
        let gradient = UnsafeMutablePointer<Complex<Double>>.allocate(capacity: max(np, 1))
        defer { gradient.deallocate() }
        for i in 0..<count {
            let z = c.impedance(omega: 2 * Double.pi * f[i], parameters: p, gradient: gradient)
            outReal[i] = z.real
            outImag[i] = z.imaginary
        }
        return nil
    }
}

/// CNLS fit of an equivalent circuit, as `lithic fit` (multi-start; `initial_count` 0 guesses
/// the start from the data; `starts` ≤ 0 keeps the default 32). Entries: `circuit`, `weighting`,
/// `name␟i`, `values`, `stderr`, `ci_low`, `ci_high`, `fixed` (1/0), `correlation` and
/// `covariance` (row-major p×p), `chi2`, `reduced_chi2`, `rms_relative`, `aic`, `bic`,
/// `evaluations`, `converged`, `seconds`, `fitted_real`, `fitted_imag`, `warning␟i`.
@_cdecl("lithic_fit")
public func lithic_fit(_ circuit: UnsafePointer<CChar>?, _ f: UnsafePointer<Double>?, _ re: UnsafePointer<Double>?, _ im: UnsafePointer<Double>?, _ n: Int64,
                       _ initial: UnsafePointer<Double>?, _ initialCount: Int64, _ weighting: UnsafePointer<CChar>?, _ starts: Int32,
                       _ fixedNames: UnsafePointer<UnsafePointer<CChar>?>?, _ fixedValues: UnsafePointer<Double>?, _ fixedCount: Int64,
                       _ out: ResultOut, _ error: ErrorOut) -> Int32 {
    lithic_fit_bounded(circuit, f, re, im, n, initial, initialCount, weighting, starts, fixedNames, fixedValues, fixedCount,
                       nil, nil, nil, 0, out, error)
}

/// `lithic_fit` with bounds by parameter name (`lower[k]` < `upper[k]`, either may be ±inf),
/// replacing the elements' default ranges for those parameters (impedance.py's `bounds`).
@_cdecl("lithic_fit_bounded")
public func lithic_fit_bounded(_ circuit: UnsafePointer<CChar>?, _ f: UnsafePointer<Double>?, _ re: UnsafePointer<Double>?, _ im: UnsafePointer<Double>?, _ n: Int64,
                               _ initial: UnsafePointer<Double>?, _ initialCount: Int64, _ weighting: UnsafePointer<CChar>?, _ starts: Int32,
                               _ fixedNames: UnsafePointer<UnsafePointer<CChar>?>?, _ fixedValues: UnsafePointer<Double>?, _ fixedCount: Int64,
                               _ boundNames: UnsafePointer<UnsafePointer<CChar>?>?, _ lower: UnsafePointer<Double>?, _ upper: UnsafePointer<Double>?,
                               _ boundCount: Int64, _ out: ResultOut, _ error: ErrorOut) -> Int32 {
    guarded(out, error) {
        let model = try EquivalentCircuit(parsing: try string(circuit, "the circuit string"))
        let (freq, z) = try spectrum(f, re, im, n)
        var settings = FitSettings()
        if let weighting {
            let w = String(cString: weighting)
            guard let value = Weighting(rawValue: w) else {
                throw InputError(.commandLine, "weighting must be one of \(Weighting.allCases.map(\.rawValue).joined(separator: ", ")), got '\(w)'")
            }
            settings.weighting = value
        }
        if starts > 0 {
            guard starts <= 10_000 else { throw ArgumentError(message: "starts must be between 1 and 10000") }
            settings.starts = Int(starts)
        }
        settings.fixed = try names(fixedNames, fixedValues, fixedCount, "fixed parameter")
        for name in settings.fixed.keys where !model.parameterNames.contains(name) {
            throw InputError(.commandLine, "fixed parameter '\(name)' is not a parameter of \(model) (\(model.parameterNames.joined(separator: ", ")))")
        }
        let lows = try names(boundNames, lower, boundCount, "bound"), highs = try names(boundNames, upper, boundCount, "bound")
        for (name, low) in lows {
            guard model.parameterNames.contains(name) else {
                throw InputError(.commandLine, "bound on '\(name)': not a parameter of \(model) (\(model.parameterNames.joined(separator: ", ")))")
            }
            let high = highs[name] ?? .infinity
            guard !low.isNaN, !high.isNaN, low < high else { throw InputError(.commandLine, "bounds of \(name) are empty or not numbers: [\(low), \(high)]") }
            settings.bounds[name] = (low, high)
        }
        let spectrum = Spectrum(frequencies: freq, impedances: z, source: "<array>")
        let ni = try count(initialCount, "the number of initial values")
        let start = ni == 0 ? InitialGuess.guess(model, for: spectrum) : try doubles(initial, ni, "initial values")
        let fit = try CNLSFitter(circuit: model, settings: settings).fit(spectrum, initial: start)
        let r = CResult()
        r.add(["circuit"], text: fit.circuit)
        r.add(["weighting"], text: fit.weighting.rawValue)
        for (k, name) in fit.names.enumerated() { r.add(["name", "\(k)"], text: name) }
        r.add(["values"], fit.values)
        r.add(["stderr"], fit.standardErrors)
        r.add(["ci_low"], fit.confidence95.map(\.0))
        r.add(["ci_high"], fit.confidence95.map(\.1))
        r.add(["fixed"], fit.isFixed.map { $0 ? 1 : 0 })
        r.add(["correlation"], fit.correlation.flatMap { $0 })
        r.add(["covariance"], fit.covariance.flatMap { $0 })
        r.add(["chi2"], fit.chiSquare)
        r.add(["reduced_chi2"], fit.reducedChiSquare)
        r.add(["rms_relative"], fit.rmsRelative)
        r.add(["aic"], fit.aic)
        r.add(["bic"], fit.bic)
        r.add(["evaluations"], Double(fit.evaluations))
        r.add(["converged"], fit.converged ? 1 : 0)
        r.add(["seconds"], fit.seconds)
        r.add(["fitted_real"], fit.fitted.map(\.real))
        r.add(["fitted_imag"], fit.fitted.map(\.imaginary))
        for (k, w) in fit.warnings.enumerated() { r.add(["warning", "\(k)"], text: w) }
        return r
    }
}

/// lin-KK validation (Schönleber 2014), as `lithic kk`. `max_elements` ≤ 0: no limit.
/// Entries: `elements`, `mu`, `pseudo_chi2`, `max_residual`, `rms_residual`,
/// `series_resistance`, `capacitance`/`inductance` (when included), `tau`, `resistances`,
/// `fitted_real`, `fitted_imag`, `residual_real`, `residual_imag`, `element_bound` (text).
@_cdecl("lithic_kk")
public func lithic_kk(_ f: UnsafePointer<Double>?, _ re: UnsafePointer<Double>?, _ im: UnsafePointer<Double>?, _ n: Int64,
                      _ cutoff: Double, _ maxElements: Int64, _ capacitance: Int32, _ inductance: Int32,
                      _ out: ResultOut, _ error: ErrorOut) -> Int32 {
    guarded(out, error) {
        let (freq, z) = try spectrum(f, re, im, n)
        guard cutoff > 0, cutoff < 1 else { throw InputError(.commandLine, "cutoff must be in (0, 1), got \(cutoff)") }
        guard maxElements <= maximumCount else { throw ArgumentError(message: "max_elements is too large") }
        let k = try KramersKronigTest.run(frequencies: freq, impedances: z, cutoff: cutoff, maximumElements: maxElements > 0 ? Int(maxElements) : nil,
                                          capacitance: capacitance != 0, inductance: inductance != 0)
        let r = CResult()
        r.add(["elements"], Double(k.elements))
        r.add(["element_bound"], text: k.elementBound.description)
        r.add(["mu"], k.mu)
        r.add(["pseudo_chi2"], k.pseudoChiSquare)
        r.add(["max_residual"], k.maximumResidual)
        r.add(["rms_residual"], k.rmsResidual)
        r.add(["series_resistance"], k.seriesResistance)
        if let c = k.capacitance { r.add(["capacitance"], c) }
        if let l = k.inductance { r.add(["inductance"], l) }
        r.add(["tau"], k.tau)
        r.add(["resistances"], k.resistances)
        r.add(["fitted_real"], k.fitted.map(\.real))
        r.add(["fitted_imag"], k.fitted.map(\.imaginary))
        r.add(["residual_real"], k.residualReal)
        r.add(["residual_imag"], k.residualImaginary)
        return r
    }
}

/// Distribution of relaxation times (Tikhonov, GCV or L-curve), as `lithic drt`. `lambda` NaN
/// selects it automatically; NULL strings keep the defaults (gaussian, gcv, auto).
/// Entries: `tau`, `gamma`, `series_resistance`, `inductance`, `inductance_included`, `lambda`,
/// `rms_relative`, `fitted_real`, `fitted_imag`, `peak_tau`, `peak_frequency`,
/// `peak_resistance`, `peak_height`.
@_cdecl("lithic_drt")
public func lithic_drt(_ f: UnsafePointer<Double>?, _ re: UnsafePointer<Double>?, _ im: UnsafePointer<Double>?, _ n: Int64,
                       _ basis: UnsafePointer<CChar>?, _ selection: UnsafePointer<CChar>?, _ lambda: Double, _ pointsPerDecade: Double,
                       _ inductance: UnsafePointer<CChar>?, _ tauMargin: Double, _ penaltyOrder: Int32,
                       _ out: ResultOut, _ error: ErrorOut) -> Int32 {
    guarded(out, error) {
        let (freq, z) = try spectrum(f, re, im, n)
        func option<T: RawRepresentable & CaseIterable>(_ p: UnsafePointer<CChar>?, _ what: String, _ fallback: T) throws -> T where T.RawValue == String {
            guard let p else { return fallback }
            let s = String(cString: p)
            guard let v = T(rawValue: s) else {
                throw InputError(.commandLine, "\(what) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got '\(s)'")
            }
            return v
        }
        let b = try option(basis, "basis", DistributionOfRelaxationTimes.Basis.gaussian)
        let s = try option(selection, "selection", DistributionOfRelaxationTimes.Selection.gcv)
        let l = try option(inductance, "inductance", DistributionOfRelaxationTimes.SeriesInductance.automatic)
        guard pointsPerDecade > 0, pointsPerDecade <= 1000 else { throw InputError(.commandLine, "points_per_decade must be in (0, 1000]") }
        guard tauMargin >= 0, tauMargin <= 3 else { throw InputError(.commandLine, "tau_margin must be between 0 and 3 decades") }
        guard penaltyOrder == 1 || penaltyOrder == 2 else { throw InputError(.commandLine, "penalty order must be 1 or 2") }
        if !lambda.isNaN { guard lambda > 0, lambda.isFinite else { throw InputError(.commandLine, "lambda must be positive") } }
        let d = try DistributionOfRelaxationTimes.compute(frequencies: freq, impedances: z, basis: b, selection: s,
                                                          lambda: lambda.isNaN ? nil : lambda, pointsPerDecade: pointsPerDecade,
                                                          inductance: l, tauMarginDecades: tauMargin, penaltyOrder: Int(penaltyOrder))
        let r = CResult()
        r.add(["tau"], d.tau)
        r.add(["gamma"], d.gamma)
        r.add(["series_resistance"], d.seriesResistance)
        r.add(["inductance"], d.inductance)
        r.add(["inductance_included"], d.inductanceIncluded ? 1 : 0)
        r.add(["lambda"], d.lambda)
        r.add(["rms_relative"], d.rmsRelative)
        r.add(["fitted_real"], d.fitted.map(\.real))
        r.add(["fitted_imag"], d.fitted.map(\.imaginary))
        r.add(["peak_tau"], d.peaks.map(\.tau))
        r.add(["peak_frequency"], d.peaks.map(\.frequency))
        r.add(["peak_resistance"], d.peaks.map(\.resistance))
        r.add(["peak_height"], d.peaks.map(\.height))
        return r
    }
}

// MARK: Result and error accessors. A NULL handle or an index out of range gives 0 / -1 / NULL.

func result(_ p: OpaquePointer?) -> CResult? {
    p.map { Unmanaged<CResult>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}
func entry(_ p: OpaquePointer?, _ i: Int64) -> CResult.Entry? {
    guard let r = result(p), i >= 0, i < Int64(r.entries.count) else { return nil }
    return r.entries[Int(i)]
}

@_cdecl("lithic_result_count")
public func lithic_result_count(_ r: OpaquePointer?) -> Int64 { Int64(result(r)?.entries.count ?? 0) }

@_cdecl("lithic_result_key")
public func lithic_result_key(_ r: OpaquePointer?, _ i: Int64) -> UnsafePointer<CChar>? { entry(r, i).map { UnsafePointer($0.key) } }

@_cdecl("lithic_result_length")
public func lithic_result_length(_ r: OpaquePointer?, _ i: Int64) -> Int64 { entry(r, i).map { Int64($0.count) } ?? -1 }

@_cdecl("lithic_result_data")
public func lithic_result_data(_ r: OpaquePointer?, _ i: Int64) -> UnsafePointer<Double>? {
    entry(r, i)?.data.flatMap { $0.baseAddress.map { UnsafePointer($0) } }
}

@_cdecl("lithic_result_text")
public func lithic_result_text(_ r: OpaquePointer?, _ i: Int64) -> UnsafePointer<CChar>? { entry(r, i)?.text.map { UnsafePointer($0) } }

@_cdecl("lithic_result_free")
public func lithic_result_free(_ r: OpaquePointer?) {
    guard let r else { return }
    Unmanaged<CResult>.fromOpaque(UnsafeRawPointer(r)).release()
}

func errorHandle(_ p: OpaquePointer?) -> CError? {
    p.map { Unmanaged<CError>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

@_cdecl("lithic_error_kind")
public func lithic_error_kind(_ e: OpaquePointer?) -> Int32 { errorHandle(e)?.kind ?? 0 }

@_cdecl("lithic_error_message")
public func lithic_error_message(_ e: OpaquePointer?) -> UnsafePointer<CChar>? { errorHandle(e).map { UnsafePointer($0.message) } }

@_cdecl("lithic_error_file")
public func lithic_error_file(_ e: OpaquePointer?) -> UnsafePointer<CChar>? { errorHandle(e).map { UnsafePointer($0.file) } }

@_cdecl("lithic_error_line")
public func lithic_error_line(_ e: OpaquePointer?) -> Int64 { errorHandle(e)?.line ?? 0 }

@_cdecl("lithic_error_column")
public func lithic_error_column(_ e: OpaquePointer?) -> Int64 { errorHandle(e)?.column ?? 0 }

@_cdecl("lithic_error_free")
public func lithic_error_free(_ e: OpaquePointer?) {
    guard let e else { return }
    Unmanaged<CError>.fromOpaque(UnsafeRawPointer(e)).release()
}

/// A crossbar run, as `lithic crossbar` does it: `option_names`/`option_values` are the command
/// line's option names and values as text (`rows`="64", `operation`="program", `model`="level=10",
/// …; see `CrossbarWorkflow.Options.set`), and the three optional arrays (count 0: not given)
/// take the place of the `--weights`, `--targets` and `--inputs` files (row-major, S or weights;
/// V). Entries: `operation` (text), `rows`, `columns`, `seconds`, `conductances` (S, row-major, the
/// cells as built), `inputs` (V), then per operation —
/// read: `currents`, `ideal`, `relative_error`, `rms_relative_error`, `cell_voltage_ratio`,
/// `cell_voltages`, `cell_currents`, `power`;
/// program: `targets`, `verified`, `final`, `pulses`, `converged`, `disturb`, `energy`, `latency`,
/// `set_amplitude`, `reset_amplitude`, `final_states`, `errors`, `rms_final_error`,
/// `vmm_rms_error`, `vmm_max_error`;
/// sneak: `cells`, `true_conductances`, `apparent_conductance`, `cell_current`, `column_current`,
/// `sneak_fraction`;
/// transient: `time`, `current␟j` per column j, `time_steps`, `newton_iterations`.
@_cdecl("lithic_crossbar")
public func lithic_crossbar(_ optionNames: UnsafePointer<UnsafePointer<CChar>?>?, _ optionValues: UnsafePointer<UnsafePointer<CChar>?>?, _ optionCount: Int64,
                            _ weights: UnsafePointer<Double>?, _ weightCount: Int64, _ targets: UnsafePointer<Double>?, _ targetCount: Int64,
                            _ inputs: UnsafePointer<Double>?, _ inputCount: Int64, _ out: ResultOut, _ error: ErrorOut) -> Int32 {
    guarded(out, error) {
        var o = CrossbarWorkflow.Options()
        let n = try count(optionCount, "the number of options")
        if n > 0 {
            guard let optionNames, let optionValues else { throw ArgumentError(message: "option names or values are NULL") }
            for k in 0..<n { try o.set(try string(optionNames[k], "option name \(k)"), to: try string(optionValues[k], "option value \(k)")) }
        }
        func array(_ p: UnsafePointer<Double>?, _ c: Int64, _ what: String) throws -> [Double]? {
            let m = try count(c, "the number of \(what)")
            return m == 0 ? nil : try doubles(p, m, what)
        }
        o.weights = try array(weights, weightCount, "weights")
        o.targets = try array(targets, targetCount, "targets")
        o.inputs = try array(inputs, inputCount, "inputs")
        let setup = try CrossbarWorkflow.prepare(o)
        let run = try CrossbarWorkflow.run(setup)
        let r = CResult()
        r.add(["operation"], text: o.operation.rawValue)
        r.add(["rows"], Double(o.rows))
        r.add(["columns"], Double(o.columns))
        r.add(["seconds"], run.seconds)
        r.add(["conductances"], setup.array.cellConductances())
        r.add(["inputs"], setup.inputs)
        switch run.outcome {
        case .read(let read, _):
            r.add(["currents"], read.currents)
            r.add(["ideal"], read.ideal)
            r.add(["relative_error"], read.relativeError)
            r.add(["rms_relative_error"], read.rmsRelativeError)
            r.add(["cell_voltage_ratio"], read.cellVoltageRatio)
            r.add(["cell_voltages"], read.cellVoltages)
            r.add(["cell_currents"], read.cellCurrents)
            r.add(["power"], read.power)
        case .program(let p):
            let res = p.result
            r.add(["targets"], res.targets)
            r.add(["verified"], res.verified)
            r.add(["final"], res.final)
            r.add(["pulses"], res.pulses.map(Double.init))
            r.add(["converged"], res.converged.map { $0 ? 1 : 0 })
            r.add(["disturb"], res.disturb)
            r.add(["energy"], res.energy)
            r.add(["latency"], res.latency)
            r.add(["set_amplitude"], res.setAmplitude)
            r.add(["reset_amplitude"], res.resetAmplitude)
            r.add(["final_states"], res.finalStates)
            r.add(["errors"], p.errors)
            r.add(["rms_final_error"], p.rmsFinalError)
            r.add(["vmm_rms_error"], p.vmmRmsError)
            r.add(["vmm_max_error"], p.vmmMaxError)
        case .sneak(let s):
            r.add(["cells"], s.cells.map(Double.init))
            r.add(["true_conductances"], s.trueConductances)
            r.add(["apparent_conductance"], s.reads.map(\.apparentConductance))
            r.add(["cell_current"], s.reads.map(\.cellCurrent))
            r.add(["column_current"], s.reads.map(\.columnCurrent))
            r.add(["sneak_fraction"], s.reads.map(\.sneakFraction))
        case .transient(let t, _, _):
            r.add(["time"], t.time)
            for (j, column) in t.currents.enumerated() { r.add(["current", "\(j)"], column) }
            r.add(["time_steps"], Double(t.statistics.acceptedSteps))
            r.add(["newton_iterations"], Double(t.statistics.newtonIterations))
        }
        return r
    }
}
