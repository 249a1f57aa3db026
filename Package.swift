// swift-tools-version: 6.1
// Lithic — a circuit emulator for solid-state battery interfaces and memristors.
// The module graph is a DAG; see docs/ARCHITECTURE.md for what each module does.
import PackageDescription

/// The hot loops (device evaluation, assembly, Newton) live in classes that own raw buffers;
/// run-time exclusivity checks on their properties cost more than the numerics (measured: 35 %
/// of an RC-ladder transient), so the numeric modules are compiled without them. Static
/// exclusivity checking still applies. They are also optimised in debug builds: the device
/// models' forward-mode AD is 25× slower unoptimised, which made the test suite (a debug build)
/// spend most of its time in a handful of battery and EIS tests.
let numericSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"]), .unsafeFlags(["-O"], .when(configuration: .debug))]

/// The fitting kernels (complex dual numbers) are 30–50× slower unoptimised; the test suite runs
/// thousands of fits (interval-coverage and peer tests), so these modules are optimised in debug
/// builds too.
let optimizedEvenInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "Lithic",
    products: [
        .library(name: "Lithic", targets: ["Lithic"]),
        .executable(name: "lithic", targets: ["LithicCLI"]),
        // The C ABI (include/lithic.h) the Python package loads.
        .library(name: "LithicC", type: .dynamic, targets: ["LithicCAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // MARK: System C libraries (Debian packages; installed by scripts/setup.sh)
        .systemLibrary(
            name: "CKLU",
            // SuiteSparse 5.12 (Debian 12) ships no .pc file; the header lives in /usr/include/suitesparse.
            providers: [.apt(["libsuitesparse-dev"])]
        ),

        .systemLibrary(
            name: "CFFTW",
            pkgConfig: "fftw3",
            providers: [.apt(["libfftw3-dev"])]
        ),
        .systemLibrary(
            name: "CMinpack",
            pkgConfig: "cminpack",  // gives -I/usr/include/cminpack-1 -lcminpack
            providers: [.apt(["libcminpack-dev"])]
        ),

        // MARK: Shared vocabulary: SI numbers, diagnostics, expressions with derivatives
        .target(name: "LithicCore", swiftSettings: numericSettings),

        // MARK: Netlist text → SyntaxTree (ngspice dialect), and back
        .target(name: "Netlist", dependencies: ["LithicCore"]),

        // MARK: Sparse assembly and KLU (real and complex)
        .target(name: "SparseLinear", dependencies: ["LithicCore", "CKLU"], swiftSettings: numericSettings),

        // MARK: The device contract and the basic SPICE elements
        .target(name: "Devices", dependencies: ["LithicCore"], swiftSettings: numericSettings),

        // MARK: Verilog-A models compiled to OSDI (OpenVAF), loaded with dlopen, on the device contract
        .systemLibrary(name: "COSDI"),
        .target(name: "OSDI", dependencies: ["LithicCore", "Devices", "COSDI"], swiftSettings: numericSettings),

        // MARK: Memristor compact models on the device contract
        .target(name: "Memristors", dependencies: ["LithicCore", "Devices"], swiftSettings: numericSettings),

        // MARK: Electrochemical devices: Butler-Volmer, fractional elements as RC ladders
        .target(name: "Electrochem", dependencies: ["LithicCore", "Devices", "Impedance", .product(name: "Numerics", package: "swift-numerics")],
                swiftSettings: numericSettings),

        // MARK: SyntaxTree → flat Circuit (parameters, subcircuits, models)
        .target(name: "Elaboration", dependencies: ["LithicCore", "Netlist", "Devices"]),

        // MARK: Newton core, OP / DC / TRAN / AC, step control, .measure
        .target(name: "Analyses", dependencies: ["LithicCore", "Netlist", "SparseLinear", "Devices", "Elaboration"], swiftSettings: numericSettings),

        // MARK: Closed-form element impedances with exact parameter derivatives
        .target(name: "Impedance", dependencies: [.product(name: "Numerics", package: "swift-numerics")],
                swiftSettings: optimizedEvenInDebug),

        // MARK: Measured-data readers (and, later, FFT-EIS, Kramers-Kronig, DRT)
        .target(name: "Spectroscopy", dependencies: ["LithicCore", "CFFTW", .product(name: "Numerics", package: "swift-numerics")],
                swiftSettings: numericSettings),

        // MARK: Circuit strings and CNLS fitting on MINPACK
        .target(name: "Fitting", dependencies: ["LithicCore", "Impedance", "CMinpack", .product(name: "Numerics", package: "swift-numerics")],
                swiftSettings: optimizedEvenInDebug),

        // MARK: Memristor crossbar arrays as circuits
        .target(name: "Crossbar", dependencies: ["LithicCore", "Devices", "Memristors", "Elaboration", "Analyses"], swiftSettings: numericSettings),

        // MARK: SVG plots
        .target(name: "Charts", dependencies: ["LithicCore"]),

        // MARK: Facade: run a netlist, write raw/CSV/JSON/SVG
        // snprintf("%.12e") for the CSV writers (Foundation's String(format:) is ~20× slower).
        .target(name: "CNumberFormat"),
        .target(name: "Lithic", dependencies: ["CNumberFormat", "LithicCore", "Netlist", "Devices", "Elaboration", "Analyses", "Charts", "SparseLinear",
                                              "Impedance", "Spectroscopy", "Fitting", "Memristors", "Electrochem", "Crossbar", "OSDI",
                                              .product(name: "Numerics", package: "swift-numerics")]),

        // MARK: The command-line program (argument parsing, exit codes, progress; no numerics)
        .executableTarget(
            name: "LithicCLI",
            dependencies: ["Lithic", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // MARK: C ABI over the library (@_cdecl entry points; include/lithic.h; python/lithic loads it)
        .target(name: "LithicCAPI", dependencies: ["Lithic", "LithicCore", "Elaboration", "Analyses", "Fitting", "Spectroscopy", "Crossbar", .product(name: "Numerics", package: "swift-numerics")], swiftSettings: optimizedEvenInDebug),

        // MARK: libFuzzer harness for the parser and the expression evaluator.
        // Build with `swift build -c release --product FuzzNetlist --sanitize=fuzzer` (scripts/fuzz.sh);
        // a plain build compiles it as a no-op executable.
        .executableTarget(name: "FuzzNetlist", dependencies: ["Lithic", "LithicCore", "Netlist", "Elaboration", "Analyses", "Spectroscopy", "Fitting"]),
        // The measured-spectrum readers alone (every layout's framing; much faster per input).
        .executableTarget(name: "FuzzSpectrum", dependencies: ["Spectroscopy"]),

        // MARK: Tests
        // The tests reach into every module (Tests/LithicTests/Support.swift imports them), not only the facade.
        .testTarget(name: "LithicTests", dependencies: ["Lithic", "LithicCore", "Netlist", "Devices", "Elaboration", "Analyses", "Charts", "SparseLinear",
                                                       "Impedance", "Spectroscopy", "Fitting", "Memristors", "Electrochem", "Crossbar", "OSDI",
                                                       .product(name: "Numerics", package: "swift-numerics")],
                    exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v5]
)
