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
    public var location: SourceLocation
}

/// An explicit registry of extension devices written Xyce-style as `Y<TYPE> name nodes… model
/// [p=v…]` with `.model name <type> (…)`. Later modules (electrochemistry, memristors) add their
/// device types here; nothing registers itself statically.
public struct DeviceCatalog {
    /// One parameter of a device or model card, for `lithic devices`.
    public struct Parameter: Sendable {
        public var name: String
        public var unit: String
        public var defaultValue: String
        public var source: String
        public init(_ name: String, _ unit: String, _ defaultValue: String, _ source: String) {
            self.name = name; self.unit = unit; self.defaultValue = defaultValue; self.source = source
        }
    }

    public struct Entry {
        /// Number of external nodes.
        public var terminals: Int
        /// What the device models, one line, and its parameters (for `lithic devices`).
        public var summary: String
        public var parameters: [Parameter]
        /// Builds the device, appending it to the right group in `groups`.
        public var build: (DeviceRequest, inout DeviceGroups) throws -> Void
        public init(terminals: Int, summary: String = "", parameters: [Parameter] = [],
                    build: @escaping (DeviceRequest, inout DeviceGroups) throws -> Void) {
            self.terminals = terminals
            self.summary = summary
            self.parameters = parameters
            self.build = build
        }
    }
    public var entries: [String: Entry] = [:]
    public init() {}
    /// The catalog of the basic SPICE elements only (they are parsed directly, not through Y).
    public static let basic = DeviceCatalog()
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
