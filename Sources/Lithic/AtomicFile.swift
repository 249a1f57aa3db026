import FoundationEssentials
import Glibc
import LithicCore

/// Writes files atomically: the data goes to a temporary file beside the target, which is then
/// renamed over it. A failed or interrupted run never leaves a truncated file that looks complete.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw InputError(SourceLocation(file: path, line: 0, column: 0), "cannot create the output folder '\(directory.path)': \(describeFileError(error))")
        }
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try data.write(to: temporary)
            // rename(2) replaces the target atomically.
            guard rename(temporary.path, url.path) == 0 else {
                throw InputError(SourceLocation(file: path, line: 0, column: 0), "cannot write output file: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw InputError(SourceLocation(file: path, line: 0, column: 0), "cannot write output file: \(describeFileError(error))")
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}

/// A file-system error in words ("No such file or directory"), from the POSIX error beneath
/// FoundationEssentials' CocoaError when there is one.
public func describeFileError(_ error: Error) -> String {
    if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
    if let cocoa = error as? CocoaError {
        if let posix = cocoa.userInfo["NSUnderlyingError"] as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        switch cocoa.code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file"
        case .fileWriteNoPermission, .fileReadNoPermission: return "permission denied"
        case .fileWriteOutOfSpace: return "no space left on device"
        default: return "file error \(cocoa.code.rawValue)"
        }
    }
    return "\(error)"
}
