@_exported import LithicCore
@_exported import Netlist
@_exported import Elaboration
@_exported import Analyses
@_exported import Devices
@_exported import Charts
