/// A place in a netlist or data file: the file, 1-based line and 1-based column.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
    /// Formats as `file:line:column`, the form compilers and editors understand.
    public var description: String { "\(file):\(line):\(column)" }
    /// A location for values that come from the command line rather than a file.
    public static let commandLine = SourceLocation(file: "<command line>", line: 0, column: 0)
}

/// An error in user input (netlist, data file, option): exit code 2 at the CLI edge.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }
    public var description: String { "\(location): error: \(message)" }
}

/// A failure of the numerics on valid input (non-convergence, singular matrix, timestep too small):
/// exit code 1 at the CLI edge. Names the analysis, the point (time or sweep value) and the culprit.
public struct SimulationError: Error, Sendable, CustomStringConvertible {
    public var analysis: String
    public var point: String
    public var message: String
    public init(analysis: String, point: String, message: String) {
        self.analysis = analysis
        self.point = point
        self.message = message
    }
    public var description: String {
        point.isEmpty ? "\(analysis): \(message)" : "\(analysis) at \(point): \(message)"
    }
}

/// A warning that does not stop the run (skipped `.control` block, ignored option).
public struct Warning: Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }
    public var description: String { "\(location): warning: \(message)" }
}
