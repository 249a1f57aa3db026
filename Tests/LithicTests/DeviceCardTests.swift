import Foundation
import Testing
import Devices
import Elaboration
import LithicCore
import Netlist
import Memristors
@testable import Lithic

/// A resistor-like extension device added the way ARCHITECTURE.md describes: this one type
/// (its card and its physics) plus one `catalog.register(TestConductance.self)` line.
struct TestConductance: CatalogDevice {
    struct Parameters { var resistance = 1e3; var scale = 1.0 }
    static let typeName = "testres"
    static let terminals = 2
    static let card = DeviceCard<Parameters>(
        title: "test resistor", syntax: "YTESTRES name a b model [R=] [SCALE=]", summary: "a linear resistor R·SCALE (test device)",
        prototype: Parameters(), parameters: [
            .field("r", aliases: ["res"], \.resistance, unit: "Ω", range: .positive, scope: .either, "resistance", source: "Ohm 1827"),
            .field("scale", \.scale, unit: "-", range: .positive, scope: .instance, "multiplier of R"),
        ])
    let name: String
    let a: Int, b: Int
    let conductance: Double
    var slots = (0, 0, 0, 0)
    init(name: String, nodes: [Int], parameters: Parameters, at location: LithicCore.SourceLocation) throws {
        self.name = name; a = nodes[0]; b = nodes[1]; conductance = 1 / (parameters.resistance * parameters.scale)
    }
    var isLinear: Bool { true }
    mutating func allocate(_ allocator: inout UnknownAllocator) throws {}
    mutating func bind(_ binder: inout MatrixBinder) throws {
        slots = (binder.slot(a, a), binder.slot(a, b), binder.slot(b, a), binder.slot(b, b))
    }
    func load(_ c: inout LoadContext) {
        let i = conductance * (c.x[a] - c.x[b])
        c.f[a] += i; c.f[b] -= i
        c.jf[slots.0] += conductance; c.jf[slots.1] -= conductance; c.jf[slots.2] -= conductance; c.jf[slots.3] += conductance
    }
    func loadAC(_ excitation: inout ACExcitation) {}
    func breakpoints(from: Double, to: Double, into list: inout [Double]) {}
    mutating func setSweepValue(_ value: Double) -> Bool { false }
    func terminalCurrent(x: UnsafePointer<Double>) -> Double? { conductance * (x[a] - x[b]) }
    mutating func removeACExcitation() {}
    func addAdmittance(omega: Double, _ add: (Int, Double, Double) -> Void) {}
    func reportedQuantities(x: UnsafePointer<Double>) -> [(String, Double)] { [] }
}

@Suite("device cards: one declaration drives parsing and the listing")
struct DeviceCardTests {
    func elaborate(_ text: String, catalog: DeviceCatalog = .standard) throws -> Circuit {
        try Elaborator.elaborate(try NetlistParser.parse(text: text, name: "card.cir"), catalog: catalog)
    }

    /// A netlist that puts `name=value` on one built-in card, for each card `lithic devices` lists.
    func netlist(letter: String, cardIndex: Int, _ assignment: String) -> String {
        switch (letter, cardIndex) {
        case ("r", 0): return "t\nV1 1 0 1\nR1 1 0 1k \(assignment)\n.op\n"
        case ("r", 1): return "t\nV1 1 0 1\n.model rm R (r=1k \(assignment))\nR1 1 0 rm\n.op\n"
        case ("c", _): return "t\nV1 1 0 1\nR1 1 0 1k\nC1 1 0 1p \(assignment)\n.op\n"
        case ("l", _): return "t\nV1 1 0 1\nR1 1 2 1k\nL1 2 0 1u \(assignment)\n.op\n"
        case ("t", _): return "t\nV1 1 0 1\nR1 1 0 50\nR2 2 0 50\nT1 1 0 2 0 z0=50 td=1n \(assignment)\n.op\n"
        case ("d", 0): return "t\nV1 1 0 1\nR1 1 2 1k\n.model dm D\nD1 2 0 dm \(assignment)\n.op\n"
        case ("d", _): return "t\nV1 1 0 1\nR1 1 2 1k\n.model dm D (\(assignment))\nD1 2 0 dm\n.op\n"
        case ("q", 0): return "t\nV1 1 0 1\nR1 1 2 1k\n.model qm npn\nQ1 1 2 0 qm \(assignment)\n.op\n"
        case ("q", _): return "t\nV1 1 0 1\nR1 1 2 1k\n.model qm npn (\(assignment))\nQ1 1 2 0 qm\n.op\n"
        case ("j", 0): return "t\nV1 1 0 1\nR1 1 2 1k\n.model jm njf\nJ1 1 2 0 jm \(assignment)\n.op\n"
        case ("j", _): return "t\nV1 1 0 1\nR1 1 2 1k\n.model jm njf (\(assignment))\nJ1 1 2 0 jm\n.op\n"
        case ("m", 0): return "t\nV1 1 0 1\nR1 1 2 1k\n.model mm nmos\nM1 1 2 0 0 mm \(assignment)\n.op\n"
        case ("m", _): return "t\nV1 1 0 1\nR1 1 2 1k\n.model mm nmos (level=1 \(assignment))\nM1 1 2 0 0 mm\n.op\n"
        case ("s", _): return "t\nV1 1 0 1\nR1 1 2 1k\n.model sm sw (\(assignment))\nS1 2 0 1 0 sm\n.op\n"
        default: return "t\nV1 1 0 1\nV2 3 0 0\nR1 1 2 1k\n.model wm csw (\(assignment))\nW1 2 0 V2 wm\n.op\n"
        }
    }

    /// A value inside the parameter's range and harmless for the rest of the card.
    func admissibleValue(_ p: CardDocumentation.Parameter) -> String {
        switch p.name {
        case "level": return "1"
        case "ld": return "1e-7"
        case "tpg": return "1"
        case "tnom": return "27"
        default: return "0.5"
        }
    }

    @Test("every built-in parameter `lithic devices` lists is accepted by the parser, under every spelling, and an unlisted name is not")
    func listedIsAccepted() throws {
        var checked = 0
        for (letter, cards) in DeviceCatalog.builtInCards {
            for (k, card) in cards.enumerated() {
                for p in card.parameters {
                    for spelling in [p.name] + p.aliases {
                        let text = netlist(letter: letter, cardIndex: k, "\(spelling)=\(admissibleValue(p))")
                        let circuit = try elaborate(text)
                        let unknown = circuit.warnings.filter { $0.message.contains("not recognised") }
                        #expect(unknown.isEmpty, "\(card.title) \(spelling): \(unknown)")
                        let notModelled = circuit.warnings.contains { $0.message.contains("parameter \(spelling) ") && $0.message.contains("not modelled") }
                        if case .notModelled = p.status {
                            #expect(notModelled, "\(card.title) \(spelling) is declared not modelled but no warning names it")
                        } else {
                            #expect(!notModelled, "\(card.title) \(spelling) is declared modelled but is warned about")
                        }
                        checked += 1
                    }
                }
                // The other direction: a name the card does not declare is warned about, by name.
                let circuit = try elaborate(netlist(letter: letter, cardIndex: k, "zzbogus=1"))
                #expect(circuit.warnings.contains { $0.message.contains("parameter zzbogus of") && $0.message.contains("not recognised") },
                        "\(card.title) accepts an undeclared name silently")
            }
        }
        #expect(checked > 200)
    }

    @Test("every memristor level accepts every parameter its card lists (TEAM and VTEAM from one shared list), rejects others, and is listed")
    func memristorLevelsFollowTheirCards() throws {
        let levels = [1, 2, 3, 5, 6, 10]
        #expect(MemristorModel.cards.count == levels.count)
        let listing = try DeviceListing.text(for: "memristor")
        for (level, card) in zip(levels, MemristorModel.cards) {
            #expect(listing.contains(card.title))
            for p in card.parameters where p.name != "level" {
                for spelling in [p.name] + p.aliases {
                    #expect(listing.contains(spelling))
                    // The declared default is admissible by construction; a text default gets a plain value.
                    let value = p.name == "wt" ? "1" : (Double(p.defaultValue).map { "\($0)" } ?? "0.5")
                    let text = "t\nV1 a 0 0.1\nYMEMRISTOR m1 a 0 mm\n.model mm memristor (level=\(level) \(spelling)=\(value))\n.op\n"
                    #expect(throws: Never.self, "level \(level) \(spelling)=\(value)") { _ = try elaborate(text) }
                }
            }
            #expect(throws: InputError.self) {
                _ = try elaborate("t\nV1 a 0 0.1\nYMEMRISTOR m1 a 0 mm\n.model mm memristor (level=\(level) zzbogus=1)\n.op\n")
            }
        }
        let team = Set(MemristorModel.cards[1].parameters.map(\.name)), vteam = Set(MemristorModel.cards[3].parameters.map(\.name))
        #expect(team.intersection(vteam).isSuperset(of: ["ron", "roff", "xon", "xoff", "kon", "koff", "alphaon", "alphaoff", "wc", "aon", "aoff", "p", "j", "xscaling"]))
    }

    @Test("a parameter outside its declared range is an input error naming it, the value and the range")
    func rangeIsChecked() throws {
        for (text, expected) in [
            ("t\nV1 1 0 1\nR1 1 2 1k\n.model dm D (is=-1e-14)\nD1 2 0 dm\n.op\n", "IS must be > 0, got -1e-14"),
            ("t\nV1 1 0 1\nR1 1 2 1k\n.model qm npn (mje=1.5)\nQ1 1 2 0 qm\n.op\n", "MJE must be in (0, 1), got 1.5"),
            ("t\nV1 1 0 1\nR1 1 2 1k\n.model mm nmos (rd=-3)\nM1 1 2 0 0 mm\n.op\n", "RD must be ≥ 0, got -3.0"),
            ("t\nV1 1 0 1\nR1 1 2 1k\nM1 1 2 0 0 mm w=-1u\n.model mm nmos\n.op\n", "W must be > 0"),
        ] {
            #expect(throws: InputError.self) { _ = try elaborate(text) }
            do { _ = try elaborate(text) } catch let e as InputError {
                #expect(e.message.contains(expected), "\(e.message)")
                #expect(e.location.line > 0 && e.location.column > 0, "\(e)")
            }
        }
    }

    @Test("defaults in the listing are the devices' own defaults")
    func defaultsComeFromThePrototype() {
        func defaultOf(_ card: CardDocumentation, _ name: String) -> String? { card.parameters.first { $0.name == name }?.defaultValue }
        #expect(defaultOf(DiodeModel.card.documentation, "is") == "\(DiodeModel().saturationCurrent)")
        #expect(defaultOf(BJTModel.card.documentation, "bf") == "100")
        #expect(defaultOf(BJTModel.card.documentation, "vaf") == "∞")
        #expect(defaultOf(JFETModel.card.documentation, "vto") == "-2")
    }

    @Test("a resistor-like device is one type plus one registration line, and is listed and checked like the built-ins")
    func registeredDeviceRuns() throws {
        var catalog = DeviceCatalog.standard
        catalog.register(TestConductance.self)
        let text = "t\nV1 1 0 2\nYTESTRES y1 1 0 tm scale=2\n.model tm testres (res=500)\n.op\n"
        let circuit = try elaborate(text, catalog: catalog)
        let run = try NetlistRun.simulate(circuit: circuit)
        let plot = try #require(run.outcome.plots.first)
        let current = try #require(plot.vectors.first { $0.name.lowercased() == "i(v1)" })
        // 2 V across 500 Ω × 2: −2 mA through V1 (SPICE sign), exact up to the solve's rounding.
        #expect(abs(current.real[0] + 2e-3) < 1e-12, "\(current.real)")
        #expect(catalog.entries["testres"]?.documentation.spellings == ["r", "res", "scale"])
        // Scope and names are enforced from the same card.
        #expect(throws: InputError.self) { _ = try elaborate("t\nV1 1 0 2\nYTESTRES y1 1 0 tm\n.model tm testres (scale=2)\n.op\n", catalog: catalog) }
        #expect(throws: InputError.self) { _ = try elaborate("t\nV1 1 0 2\nYTESTRES y1 1 0 tm bogus=1\n.model tm testres\n.op\n", catalog: catalog) }
    }

    @Test("`lithic devices <letter>` prints every spelling of the card the parser applies")
    func listingPrintsEverySpelling() throws {
        for (letter, cards) in DeviceCatalog.builtInCards {
            let text = try DeviceListing.text(for: letter)
            for card in cards { for spelling in card.spellings { #expect(text.contains(spelling), "\(letter): \(spelling)") } }
        }
        let bv = try DeviceListing.text(for: "butlervolmer")
        for p in ButlerVolmer.card.documentation.parameters { #expect(bv.contains(p.name)) }
        #expect(try DeviceListing.text(for: nil).contains("liinterface"))
        #expect(throws: InputError.self) { _ = try DeviceListing.text(for: "nosuchdevice") }
    }
}
