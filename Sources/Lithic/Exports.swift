// What a client of the Lithic facade (the `lithic` command line, the C ABI / Python bindings)
// sees besides the workflows: the vocabulary of errors, locations, numbers with engineering
// suffixes, standard error and Ctrl-C, and nothing of the numeric modules. Each declaration is
// exported on its own, deliberately; clients call `RunWorkflow`, `FitWorkflow`, `KKWorkflow`,
// `DRTWorkflow`, `EISWorkflow`, `ReadWorkflow`, `CrossbarWorkflow` and write with `OutputWriters`.
@_exported import struct LithicCore.SourceLocation
@_exported import struct LithicCore.InputError
@_exported import struct LithicCore.SimulationError
@_exported import struct LithicCore.Warning
@_exported import enum LithicCore.SINumber
@_exported import enum LithicCore.StandardError
@_exported import enum LithicCore.Interruption
