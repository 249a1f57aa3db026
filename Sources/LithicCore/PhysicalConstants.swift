/// Physical constants, SI, exact where the 2019 SI redefinition fixes them (CODATA 2018 /
/// BIPM SI brochure, 9th edition). Every model reads them from here.
public enum PhysicalConstant {
    /// Boltzmann constant k (J/K), exact.
    public static let boltzmann = 1.380649e-23
    /// Elementary charge q (C), exact.
    public static let elementaryCharge = 1.602176634e-19
    /// Avogadro constant (1/mol), exact.
    public static let avogadro = 6.02214076e23
    /// Faraday constant F = q·N_A (C/mol).
    public static let faraday = 96485.33212
    /// Molar gas constant R = k·N_A (J/(mol K)).
    public static let gas = 8.314462618
    /// Vacuum permittivity ε0 (F/m): ngspice's `CONSTepsZero` (8.854214871e-12, 3e-8 above
    /// CODATA 2018's 8.8541878128e-12), kept so that MOSFET capacitances match ngspice's digits.
    public static let vacuumPermittivity = 8.854214871e-12
    /// 0 °C in kelvin.
    public static let zeroCelsius = 273.15

    /// Thermal voltage kT/q (V) at `temperature` (K).
    @inlinable public static func thermalVoltage(_ temperature: Double) -> Double { boltzmann * temperature / elementaryCharge }
}
