import LithicCore
import Spectroscopy

/// Reading measured spectrum files as `lithic read` shows them: the layout recognised from the
/// content (`SpectrumFormat`), encoding, line ends, and every spectrum with its points
/// (frequencies in Hz, impedances in Ω) and the line of the file each came from. A file that
/// cannot be read is an `InputError` naming its file, line and column.
public enum ReadWorkflow {
    /// Every spectrum of the file at `path`.
    public static func read(_ path: String) throws -> SpectrumFile {
        try SpectrumReader.readFile(path: path)
    }
}
