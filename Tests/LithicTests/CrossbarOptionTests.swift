import Foundation
import Testing
@testable import Lithic

/// The crossbar options by name (the C ABI's and Python's way in) against the command line's.
@Suite("crossbar options by name")
struct CrossbarOptionTests {
    @Test("every option of `lithic crossbar --help` that sets the run is settable by name, and no other")
    func sameNamesAsTheCommandLine() throws {
        let (status, out, err) = try runProcess(Repository.binary, ["crossbar", "--help"])
        #expect(status == 0, "\(err)")
        var helpNames = Set<String>()
        for word in out.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," || $0 == "[" || $0 == "]" }) where word.hasPrefix("--") {
            helpNames.insert(String(word.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "-" }))
        }
        // Options about where and how results are written, not settings of the run.
        let outputOnly: Set<String> = ["output", "plot", "quiet", "emit", "help", "version"]
        let settable = Set(CrossbarWorkflow.Options.optionNames)
        #expect(helpNames.subtracting(outputOnly).subtracting(settable).isEmpty, "not settable by name: \(helpNames.subtracting(outputOnly).subtracting(settable).sorted())")
        #expect(settable.subtracting(helpNames).isEmpty, "settable by name but not on the command line: \(settable.subtracting(helpNames).sorted())")
    }

    @Test("values parse as on the command line; bad names and values are input errors naming them")
    func parsing() throws {
        var o = CrossbarWorkflow.Options()
        try o.set("rows", to: "8")
        try o.set("rwire", to: "10k")
        try o.set("sigma_on", to: "0.1")
        try o.set("operation", to: "program")
        try o.set("access", to: "1t1r")
        try o.set("cell", to: "1, 2")
        try o.set("seed", to: "42")
        #expect(o.rows == 8 && o.wireResistance == 10e3 && o.sigmaOn == 0.1 && o.operation == .program && o.access == .t1r)
        #expect(o.cell?.row == 1 && o.cell?.column == 2 && o.seed == 42)
        for (name, value, fragment) in [("rwyre", "1", "rwyre"), ("rows", "2.5", "whole number"), ("gmin", "abc", "not a finite number"),
                                        ("operation", "write", "read, program, sneak, transient"), ("cell", "3", "ROW,COLUMN"), ("seed", "-1", "seed")] {
            #expect(throws: InputError.self) { try o.set(name, to: value) }
            do { try o.set(name, to: value) } catch let e as InputError { #expect(e.message.contains(fragment), "\(e.message)") }
        }
    }

    @Test("arrays given as values take the place of the files; a non-finite entry is an input error")
    func arrays() throws {
        var o = CrossbarWorkflow.Options()
        o.rows = 2; o.columns = 2
        o.weights = [1e-5, 2e-5, 3e-5, 4e-5]
        o.inputs = [0.1, 0.2]
        o.wireResistance = 0; o.driverResistance = 0
        let result = try CrossbarWorkflow.run(try CrossbarWorkflow.prepare(o))
        guard case .read(let read, let g) = result.outcome else { Issue.record("not a read"); return }
        #expect(g == [1e-5, 2e-5, 3e-5, 4e-5])
        // Ideal column currents Σᵢ Gᵢⱼ vᵢ: 1e-5·0.1 + 3e-5·0.2 = 7e-6 A and 2e-5·0.1 + 4e-5·0.2 = 1e-5 A.
        #expect(abs(read.ideal[0] - 7e-6) < 1e-18 && abs(read.ideal[1] - 1e-5) < 1e-18)
        o.inputs = [0.1, .nan]
        #expect(throws: InputError.self) { _ = try CrossbarWorkflow.prepare(o) }
    }
}
