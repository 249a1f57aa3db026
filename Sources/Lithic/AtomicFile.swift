import Foundation
import LithicCore

/// Writes files atomically: the data goes to a temporary file beside the target, which is then
/// renamed over it. A failed or interrupted run never leaves a truncated file that looks complete.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try data.write(to: temporary)
            // rename(2) replaces the target atomically.
            guard rename(temporary.path, url.path) == 0 else {
                throw InputError(SourceLocation(file: path, line: 0, column: 0), "cannot write output file: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw InputError(SourceLocation(file: path, line: 0, column: 0), "cannot write output file: \(error.localizedDescription)")
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}
