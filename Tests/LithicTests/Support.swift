import Foundation
@testable import Lithic
// The Lithic facade exports only its workflows and vocabulary; the tests also reach into the
// modules below it. An `@_exported import` here makes them visible in every test file.
@_exported import LithicCore
@_exported import Netlist
@_exported import Devices
@_exported import Elaboration
@_exported import Analyses
@_exported import Charts
@_exported import SparseLinear
@_exported import Impedance
@_exported import Spectroscopy
@_exported import Fitting
@_exported import Memristors
@_exported import Electrochem
@_exported import Crossbar
@_exported import OSDI

/// Paths in the repository, found from this file's location.
enum Repository {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var netlists: URL { root.appendingPathComponent("netlists") }
    static var examples: URL { root.appendingPathComponent("examples") }
    /// The `lithic` executable under test: `$LITHIC_BINARY` when set (a build in another scratch
    /// folder), else the debug or release build in `.build/`.
    static var binary: URL {
        if let override = ProcessInfo.processInfo.environment["LITHIC_BINARY"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let candidates = [".build/debug/lithic", ".build/release/lithic"].map { root.appendingPathComponent($0) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }
}

/// Runs netlist text and returns the plots; fails the test on any error.
func simulate(_ text: String) throws -> NetlistRun {
    try NetlistRun.run(text: text)
}

/// Linear interpolation of (xs, ys) at x (xs ascending). NaN when xs is empty, so that a
/// comparison against it fails (callers compare with `!(err <= tolerance)` or `#expect(err <= …)`).
func interpolate(_ xs: [Double], _ ys: [Double], at x: Double) -> Double {
    guard let first = xs.first, let last = xs.last else { return .nan }
    if x <= first { return ys[0] }
    if x >= last { return ys[ys.count - 1] }
    var lo = 0, hi = xs.count - 1
    while hi - lo > 1 {
        let mid = (lo + hi) / 2
        if xs[mid] <= x { lo = mid } else { hi = mid }
    }
    let t = (x - xs[lo]) / (xs[hi] - xs[lo])
    return ys[lo] + t * (ys[hi] - ys[lo])
}

/// Runs a program and returns (exit status, stdout, stderr).
func runProcess(_ executable: URL, _ arguments: [String], directory: URL? = nil) throws -> (Int32, String, String) {
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
