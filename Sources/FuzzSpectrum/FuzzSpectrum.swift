import Spectroscopy

/// libFuzzer entry point for every measured-spectrum reader. The first byte picks the framing
/// (none, one of each text layout's opening lines, or the .mpr magic with a data-module
/// header), the rest is the file, so each execution is one read and the fuzzer learns which
/// framing reaches which reader. A reader either returns spectra or throws an InputError; it
/// must never crash, trap, read out of bounds or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSpectrum(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let choice = Int(data[0]) % (framings.count + 2)
    if choice == 0 {
        _ = try? SpectrumReader.readFile(bytes: bytes, name: "fuzz")
    } else if choice <= framings.count {
        _ = try? SpectrumReader.readFile(bytes: framings[choice - 1] + bytes, name: "fuzz")
    } else {
        _ = try? SpectrumReader.readFile(bytes: mprMagic + bytes, name: "fuzz.mpr")
    }
    return 0
}

/// The opening lines of each text layout, so that the fuzzer's bytes become its rows.
let framings: [[UInt8]] = [
    "EC-Lab ASCII FILE\nNb header lines : 3\nfreq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\tcycle number\n",
    "EC-Lab ASCII FILE\r\nNb header lines : 3\r\nRe(Z)/Ohm\t-Im(Z)/Ohm\r\n",
    "EXPLAIN\nZCURVE\tTABLE\n\tPt\tTime\tFreq\tZreal\tZimag\n\t#\ts\tHz\tohm\tohm\n",
    "ZPlot2 ASCII\nEnd Comments\n",
    "\"Z60W Data File: Version 1.1\"\n0,2,0,1,0.1,10000\n41\n\"  Freq (Hz)    Ampl     Bias   Time(Sec)   Z'(a)    Z''(b)\"\n",
    "<Segment1>\nDefinition=Segment #, Point #, Frequency(Hz), Z Real, Z Imag\n",
    "[Data1]\nTitle=x\nprimary_data\n3\n",
    "Potential (V)\tCurrent (A)\tElapsed Time (s)\tFrequency (Hz)\tZre (ohms)\tZim (ohms)\n",
    "Freq (kHz);|Z| (kOhm);-Phase (deg);cycle\n",
    "A.C. Impedance\nFreq/Hz, Z'/ohm, Z\"/ohm, Z/ohm, Phase/deg\n\n",
].map { Array($0.utf8) }

let mprMagic: [UInt8] = Array("BIO-LOGIC MODULAR FILE\u{1a}".utf8) + [UInt8](repeating: 0x20, count: 25) + [0, 0, 0, 0]
    + Array("MODULE".utf8) + Array("VMP data  ".utf8) + Array("VMP data".utf8) + [UInt8](repeating: 0x20, count: 17)
