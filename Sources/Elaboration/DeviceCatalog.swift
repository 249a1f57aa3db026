import LithicCore
import Devices
import Netlist

/// What a catalog builder gets to make a `Y<type>` device: its qualified name, node indices,
/// model card parameters and instance parameters (already numbers).
public struct DeviceRequest {
    public var name: String
    public var nodes: [Int]
    public var modelName: String
    public var modelParameters: [String: Double]
    public var instanceParameters: [String: Double]
    /// The same parameters in the order written, with their locations (for a device card).
    public var modelGiven: [GivenParameter] = []
    public var instanceGiven: [GivenParameter] = []
    public var location: SourceLocation
    /// Where a builder puts its warnings (reported by the elaborator).
    public var warnings = WarningSink()
}

/// An explicit registry of extension devices written Xyce-style as `Y<TYPE> name nodes… model
/// [p=v…]` with `.model name <type> (…)`. Later modules (electrochemistry, memristors) add their
/// device types here; nothing registers itself statically.
public struct DeviceCatalog {
    public struct Entry {
        /// Number of external nodes.
        public var terminals: Int
        /// The card as `lithic devices` prints it (from the device's declaration).
        public var documentation: CardDocumentation
        public var summary: String { documentation.summary }
        /// Further cards of the same device type (a memristor's levels), printed after it.
        public var moreCards: [CardDocumentation] = []
        /// Builds the device, appending it to the right group in `groups`.
        public var build: (DeviceRequest, inout DeviceGroups) throws -> Void
        public init(terminals: Int, documentation: CardDocumentation, build: @escaping (DeviceRequest, inout DeviceGroups) throws -> Void) {
            self.terminals = terminals
            self.documentation = documentation
            self.build = build
        }
        /// An entry whose parameters are documented by a table (devices that parse their own
        /// card: the memristor levels, the OCV source, the fractional elements, OSDI modules).
        public init(terminals: Int, summary: String, parameters: [CardDocumentation.Parameter],
                    build: @escaping (DeviceRequest, inout DeviceGroups) throws -> Void) {
            self.init(terminals: terminals, documentation: CardDocumentation(title: "", syntax: "", summary: summary, parameters: parameters), build: build)
        }
    }
    public var entries: [String: Entry] = [:]
    public init() {}
    /// The catalog of the basic SPICE elements only (they are parsed directly, not through Y).
    public static let basic = DeviceCatalog()

    /// Registers a device that builds itself from its card (`CatalogDevice`) under its type
    /// name, or `name` with `card` for a family sharing one type (other defaults).
    public mutating func register<D: CatalogDevice>(_ type: D.Type, as name: String = D.typeName, card: DeviceCard<D.Parameters> = D.card) {
        entries[name] = Entry(terminals: D.terminals, documentation: card.documentation) { request, groups in
            var parameters = card.prototype
            try card.apply(request.modelGiven, to: &parameters, scope: .model, owner: "\(name) model '\(request.modelName)'",
                           unknown: .reject, warn: request.warnings.append)
            try card.apply(request.instanceGiven, to: &parameters, scope: .instance, owner: "'\(request.name)'",
                           unknown: .reject, warn: request.warnings.append)
            groups.append(try D(name: request.name, nodes: request.nodes, parameters: parameters, at: request.location))
        }
    }

    /// The built-in SPICE elements' cards, by element letter, for `lithic devices` (the same
    /// declarations the elaborator applies).
    public static let builtInCards: [(letter: String, cards: [CardDocumentation])] = [
        ("r", [Resistor.instanceCard.documentation, Resistor.modelCard.documentation]),
        ("c", [Capacitor.instanceCard.documentation]),
        ("l", [Inductor.instanceCard.documentation]),
        ("t", [TransmissionLine.instanceCard.documentation]),
        ("d", [Diode.instanceCard.documentation, DiodeModel.card.documentation]),
        ("q", [BJT.instanceCard.documentation, BJTModel.card.documentation]),
        ("j", [JFET.instanceCard.documentation, JFETModel.card.documentation]),
        ("m", [MOSFET.instanceCard.documentation, MOSFETModel.card.documentation]),
        ("s", [SwitchModel.card(current: false).documentation]),
        ("w", [SwitchModel.card(current: true).documentation]),
    ]
}

/// Devices collected during elaboration, one homogeneous group per concrete type, in the order
/// types were first seen.
public struct DeviceGroups {
    var byType: [ObjectIdentifier: any DeviceGroup] = [:]
    var order: [ObjectIdentifier] = []
    public init() {}
    public mutating func append<D: Device>(_ device: D) {
        let key = ObjectIdentifier(D.self)
        if let g = byType[key] as? Devices<D> {
            g.devices.append(device)
        } else {
            byType[key] = Devices<D>([device])
            order.append(key)
        }
    }
    public var groups: [any DeviceGroup] { order.compactMap { byType[$0] } }
}
