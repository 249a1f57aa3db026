import ArgumentParser
import Lithic

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "List device types and their parameters (unit, default, range, source).")

    @Argument(help: "An element letter (r, c, l, t, d, q, j, m, s, w), a Y device type (memristor, butlervolmer, cpe, …) or an OSDI module's name; all when omitted.") var type: String?
    @Option(name: .customLong("osdi"), help: "Also list the modules of this OSDI library (a Verilog-A model compiled by openvaf-r); repeatable.") var osdi: [String] = []

    func run() throws {
        print(try DeviceListing.text(for: type, osdi: osdi), terminator: "")
    }
}
