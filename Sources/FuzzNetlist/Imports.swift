// The modules the harness drives directly (the Lithic facade no longer re-exports them).
import Lithic
@_exported import LithicCore
@_exported import Netlist
@_exported import Elaboration
@_exported import Analyses
@_exported import Spectroscopy
@_exported import Fitting
