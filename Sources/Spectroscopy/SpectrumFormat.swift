/// The measured-spectrum layouts Lithic reads, each recognised from the file's content (never
/// from its extension alone), with the layout a user can check a file against.
public enum SpectrumFormat: String, CaseIterable, Sendable {
    case biologicMPT = "biologic-mpt"
    case biologicMPR = "biologic-mpr"
    case gamryDTA = "gamry-dta"
    case zplot = "zplot-z"
    case autolabFRA = "autolab-fra"
    case autolabNOVA = "autolab-nova"
    case versaStudio = "versastudio-par"
    case parstat = "parstat-txt"
    case chInstruments = "chi-txt"
    case powerSuite = "powersuite-txt"
    case ivium = "ivium-idf"
    case columns = "columns"
    case csv = "csv"

    /// The instrument or program that writes it.
    public var title: String {
        switch self {
        case .biologicMPT: "BioLogic EC-Lab / BT-Lab text export (.mpt)"
        case .biologicMPR: "BioLogic EC-Lab binary data file (.mpr)"
        case .gamryDTA: "Gamry Framework data file (.DTA)"
        case .zplot: "Scribner ZPlot / ZView (.z)"
        case .autolabFRA: "Metrohm Autolab FRA / NOVA ASCII export (Z60W data file)"
        case .autolabNOVA: "Metrohm Autolab NOVA column export"
        case .versaStudio: "Princeton Applied Research VersaStudio (.par)"
        case .parstat: "Princeton Applied Research PARSTAT text export"
        case .chInstruments: "CH Instruments text export"
        case .powerSuite: "Princeton Applied Research PowerSuite text export"
        case .ivium: "Ivium IviumSoft data file (.idf, .ids)"
        case .columns: "text table with named columns (CSV, TSV, blank-separated)"
        case .csv: "text table without a column header"
        }
    }

    /// What the reader expects, in one or two sentences.
    public var layout: String {
        switch self {
        case .biologicMPT:
            "'EC-Lab ASCII FILE', 'Nb header lines : N', the N-th line names the columns (freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm); tab-separated rows. A 'cycle number' or 'z cycle' column splits loops into spectra; a header missing freq/Hz (EC-Lab 11) is recognised."
        case .biologicMPR:
            "'BIO-LOGIC MODULAR FILE' with a 'VMP data' module; EIS columns freq/Hz with Re(Z)/Ohm and -Im(Z)/Ohm (or |Z|/Ohm and Phase(Z)/deg); rows at frequency 0 are skipped. Loops split by 'cycle number' or sweep restarts."
        case .gamryDTA:
            "'EXPLAIN' header; each 'ZCURVE<TAB>TABLE' is a spectrum: a column line (Pt, Time, Freq, Zreal, Zimag, ...), a units line, rows starting with a tab. Decimal commas and aborted runs are read."
        case .zplot:
            "Header up to 'End Comments', or quoted header lines, a numeric settings line and a point count; then comma- or tab-separated rows Freq, Ampl, Bias, Time, Z', Z'', GD, Err, Range."
        case .autolabFRA:
            "First line \"Z60W Data File: ...\", quoted header lines, a numeric settings line, the point count, a quoted column line (Freq (Hz) ... Z'(a) Z''(b) ...), then comma-separated rows (ZPlot's layout)."
        case .autolabNOVA:
            "A column line naming Frequency (Hz), Z' (Ω) and -Z'' (Ω) (or Z (Ω) and -Phase (°)), separated by tabs, semicolons or commas; decimal commas read."
        case .versaStudio:
            "<SegmentN> blocks whose 'Definition=' line names the columns (Frequency(Hz), Z Real, Z Imag); each segment with impedance rows is a spectrum, DC segments (frequency 0) are skipped."
        case .parstat:
            "Tab-separated columns Potential (V), Current (A), Elapsed Time (s), Frequency (Hz), Zre (ohms), Zim (ohms), ...; the DC rows (frequency 0) before the EIS table are skipped."
        case .chInstruments:
            "'A.C. Impedance' header, a column line Freq/Hz, Z'/ohm, Z\"/ohm, Z/ohm, Phase/deg, comma-separated rows."
        case .powerSuite:
            "A column line Frequency, Zre, Zimg (tabs), rows below; CR CR LF line ends read."
        case .ivium:
            "Ivium's INI-like text: 'Title=' then a 'primary_data' key, the column count 3, the point count, rows Z', Z'', frequency. Several data sets give several spectra."
        case .columns:
            "A header line naming frequency (freq, f, Frequency (Hz|kHz|MHz)) and either Z'/Z'' (Z', Zre, Re(Z), real; Z'', -Z'', Zim, -Im(Z), imag; units Ω, kΩ, MΩ, mΩ) or |Z| and phase (deg or rad); -Z'' and -phase columns are converted. Separators: tab, semicolon, comma or blanks; decimal commas; quoted fields; '#' comments. Several spectra: a 'cycle' column, repeated headers, DC blocks or sweep restarts."
        case .csv:
            "At least three numeric columns without a header: frequency (Hz), Z' (Ω), Z'' (Ω, negative for capacitive)."
        }
    }

    /// Extensions this format is usually saved with (for documentation; detection reads content).
    public var extensions: [String] {
        switch self {
        case .biologicMPT: ["mpt"]
        case .biologicMPR: ["mpr"]
        case .gamryDTA: ["DTA"]
        case .zplot: ["z"]
        case .autolabFRA: ["txt", "dfr.txt"]
        case .autolabNOVA: ["txt", "csv"]
        case .versaStudio: ["par"]
        case .parstat: ["txt"]
        case .chInstruments: ["txt"]
        case .powerSuite: ["txt"]
        case .ivium: ["idf", "ids"]
        case .columns: ["csv", "tsv", "txt", "dat"]
        case .csv: ["csv", "txt"]
        }
    }
}
