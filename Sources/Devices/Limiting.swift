import FoundationEssentials
import Glibc

/// SPICE's pn-junction voltage limiting (after ngspice `DEVpnjlim`): keeps Newton from jumping up
/// an exponential. Above `vcrit` a step larger than 2·vt is compressed logarithmically.
/// - Returns: the limited voltage and whether it differs from `new`.
@inline(__always)
public func limitJunctionVoltage(new vnew: Double, old vold: Double, thermalVoltage vt: Double, critical vcrit: Double) -> (Double, Bool) {
    if vnew > vcrit && abs(vnew - vold) > 2 * vt {
        if vold > 0 {
            let arg = 1 + (vnew - vold) / vt
            if arg > 0 { return (vold + vt * log(arg), true) }
            return (vcrit, true)
        }
        return (vt * log(vnew / vt), true)
    }
    if vnew < 0 {
        // Large negative steps are limited too (ngspice ≥ 30 behaviour).
        let arg = vold > 0 ? -1 - vold : 2 * vold - 1
        if vnew < arg { return (arg, true) }
    }
    return (vnew, false)
}
