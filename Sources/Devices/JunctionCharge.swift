import Glibc

/// Depletion charge (C) and capacitance (F) of a pn junction at voltage `v` (V): zero-bias
/// capacitance `c0` (F), built-in potential `pb` (V), grading `m`, and above `fc·pb` the linear
/// extension of the capacitance that SPICE uses to avoid the singularity at `pb` (Nagel 1975;
/// ngspice `dioload.c`). Grading 0 is a constant capacitance. Shared by every junction device.
@inline(__always)
func depletionCharge(_ v: Double, c0: Double, pb: Double, m: Double, fc: Double) -> (charge: Double, capacitance: Double) {
    guard c0 > 0 else { return (0, 0) }
    if m == 0 { return (c0 * v, c0) }
    if v < fc * pb {
        let a = 1 - v / pb
        let s = exp(-m * log(a))
        return (pb * c0 * (1 - a * s) / (1 - m), c0 * s)
    }
    let f1 = pb * (1 - pow(1 - fc, 1 - m)) / (1 - m)
    let f2 = pow(1 - fc, 1 + m)
    let f3 = 1 - fc * (1 + m)
    return (c0 * f1 + c0 / f2 * (f3 * (v - fc * pb) + m / (2 * pb) * (v * v - fc * pb * fc * pb)),
            c0 / f2 * (f3 + m * v / pb))
}
