import ArgumentParser
import FoundationEssentials
import Glibc
import Lithic

struct CrossbarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crossbar",
        abstract: "Crossbar arrays: read / vector-matrix multiply with IR drop, write-verify programming (V/2, V/3), sneak-path reads.",
        discussion: """
        Cells are fixed conductances (--weights or random in [gmin, gmax]) or memristors (--model 'level=10 …', the
        .model card of YMEMRISTOR). Each cell may have a selector (--access selector) or an access transistor
        (--access 1t1r). --operation read applies --inputs (or --vread on every row) and compares the column currents
        with the ideal product; program writes --targets (or --weights mapped onto [--gmin, --gmax]) cell by cell with
        write-verify pulses; sneak reads every cell alone with the unselected lines --unselected; transient ramps every
        row to its input, holds, and reverses it (memristor cells), writing the column currents over time.
        """)

    typealias Operation = CrossbarWorkflow.Operation
    typealias Access = CrossbarWorkflow.Access

    @Option(help: "Rows (word lines).") var rows: Int = 64
    @Option(help: "Columns (bit lines).") var columns: Int = 64
    @Option(help: "Wire resistance per segment (Ω).") var rwire = Quantity(2.5)
    @Option(help: "Row driver resistance (Ω).") var rdriver = Quantity(2.5)
    @Option(help: "Sense (column) resistance (Ω).") var rsense = Quantity(1e-3)
    @Option(help: "What to do: read, program, sneak or transient.") var operation: Operation = .read
    @Option(help: "Memristor model card, e.g. 'level=10' (YMEMRISTOR parameters); default fixed conductances.") var model: String?
    @Option(help: "Initial memristor state of every cell (the model's unit); default the model's.") var x0: Double?
    @Option(help: "Conductance matrix CSV (rows × columns, S; for program: weights in [0, 1] when --gmin/--gmax map them).") var weights: String?
    @Option(help: "Target conductance matrix CSV for --operation program (S).") var targets: String?
    @Option(help: "Lowest random conductance, or the conductance of weight 0 (S).") var gmin = Quantity(1e-5)
    @Option(help: "Highest random conductance, or the conductance of weight 1 (S).") var gmax = Quantity(1e-4)
    @Option(help: "Row input voltages CSV (one per row); default all --vread.") var inputs: String?
    @Option(help: "Read voltage (V).") var vread = Quantity(0.2)
    @Option(help: "Access device per cell: none, selector or 1t1r.") var access: Access = .none
    @Option(help: "Selector threshold (V).") var vth = Quantity(0.5)
    @Option(help: "Selector ON conductance (S).") var gsel = Quantity(1e-2)
    @Option(help: "Access transistor gate voltage when selected (V).") var vgate = Quantity(1.8)
    @Option(help: "Lognormal σ of R_on (or of the conductance).") var sigmaOn: Double = 0
    @Option(help: "Lognormal σ of R_off.") var sigmaOff: Double = 0
    @Option(help: "Normal σ of the selector threshold (V).") var sigmaVth: Double = 0
    @Option(help: "Cycle-to-cycle lognormal σ of each write pulse's state change.") var sigmaC2c: Double = 0
    @Option(help: "Fraction of cells stuck ON.") var stuckOn: Double = 0
    @Option(help: "Fraction of cells stuck OFF.") var stuckOff: Double = 0
    @Option(help: "Write scheme: v/2 or v/3.") var scheme: String = "v/2"
    @Option(help: "SET pulse voltage (V).") var vset = Quantity(0.8)
    @Option(help: "RESET pulse voltage (V, negative; write --vreset=-0.8).") var vreset = Quantity(-0.8)
    @Option(help: "Write-verify tolerance (relative).") var tolerance: Double = 0.05
    @Option(help: "Maximum pulses per cell and pass.") var maxPulses: Int = 20
    @Option(help: "Programming passes (later passes re-verify and repair disturbed cells).") var passes: Int = 1
    @Option(help: "Unselected lines in a sneak read: floating, grounded or half.") var unselected: String = "floating"
    @Option(help: "Sneak read of one cell only: ROW,COLUMN (0-based); default every cell.") var cell: String?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Transient: stop time (s); each row ramps to its input in 1 µs, holds to half the time, then reverses.") var tstop = Quantity(60e-6)
    @Option(help: "Transient: output step and largest time step (s).") var tstep = Quantity(0.2e-6)
    @Option(help: "Write the array (with the read bias) as a SPICE netlist here.") var emit: String?
    @Option(name: [.short, .customLong("output")], help: "Output directory.") var output: String = "crossbar.out"
    @Flag(help: "Write SVG plots (heatmaps; for transient, the drive and column currents and the I–V loop).") var plot = false
    @Flag(help: "No progress on stderr.") var quiet = false

    /// The options as the workflow takes them.
    func workflowOptions() throws -> CrossbarWorkflow.Options {
        var o = CrossbarWorkflow.Options()
        o.rows = rows; o.columns = columns
        o.wireResistance = rwire.value; o.driverResistance = rdriver.value; o.senseResistance = rsense.value
        o.operation = operation; o.model = model; o.initialState = x0
        o.weightsPath = weights; o.targetsPath = targets; o.inputsPath = inputs
        o.gmin = gmin.value; o.gmax = gmax.value; o.readVoltage = vread.value
        o.access = access; o.selectorThreshold = vth.value; o.selectorConductance = gsel.value; o.gateVoltage = vgate.value
        o.sigmaOn = sigmaOn; o.sigmaOff = sigmaOff; o.sigmaThreshold = sigmaVth; o.sigmaCycleToCycle = sigmaC2c
        o.stuckOn = stuckOn; o.stuckOff = stuckOff
        o.scheme = scheme; o.setVoltage = vset.value; o.resetVoltage = vreset.value
        o.tolerance = tolerance; o.maximumPulses = maxPulses; o.passes = passes
        o.unselected = unselected; o.seed = seed
        o.stopTime = tstop.value; o.timeStep = tstep.value
        return o
    }

    func run() throws {
        var options = try workflowOptions()
        if operation == .sneak, let cell {
            let parts = cell.split(separator: ",").compactMap { Int($0.trimmingSpaces()) }
            guard parts.count == 2, (0..<rows).contains(parts[0]), (0..<columns).contains(parts[1]) else {
                throw InputError(.commandLine, "--cell must be ROW,COLUMN inside the \(rows)×\(columns) array, got '\(cell)'")
            }
            options.cell = (parts[0], parts[1])
        }
        let setup = try CrossbarWorkflow.prepare(options)
        if let emit { try AtomicFile.write(CrossbarWorkflow.netlist(setup), to: emit) }
        let result = try CrossbarWorkflow.run(setup, progress: ProgressReporter(quiet: quiet).callback())
        try OutputWriters.write(OutputWriters.crossbarFiles(result, plot: plot), in: output)
        print(OutputWriters.crossbarSummary(result))
    }
}

extension CrossbarWorkflow.Operation: ExpressibleByArgument {}
extension CrossbarWorkflow.Access: ExpressibleByArgument {}
