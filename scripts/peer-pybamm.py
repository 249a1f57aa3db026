"""PyBaMM's Thevenin ECM on the protocol of examples/cycling/cccv.cir (the cycler benchmark peer).

Same cell: Chen2020 NMC811 OCV on the y window 0.8540 → 0.2638, R0 = 30 mΩ, R1 = 20 mΩ, C1 = 500 F,
1 Ah, SOC0 = 0.5, isothermal. Prints JSON: cycles, wall time, per-cycle time, last discharge capacity.
Usage: peer-pybamm.py CYCLES
"""
import json, sys, time
import pybamm

cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 50
model = pybamm.equivalent_circuit.Thevenin()
params = model.default_parameter_values

def ocv(soc):
    y = 0.8540 - soc * (0.8540 - 0.2638)
    t = pybamm.tanh
    return (-0.8090 * y + 4.4875 - 0.0428 * t(18.5138 * (y - 0.5542))
            - 17.7326 * t(15.7890 * (y - 0.3117)) + 17.5842 * t(15.9308 * (y - 0.3120)))

params.update({
    "Open-circuit voltage [V]": ocv,
    "Entropic change [V/K]": 0,
    "R0 [Ohm]": 0.03, "R1 [Ohm]": 0.02, "C1 [F]": 500,
    "Cell capacity [A.h]": 1.0, "Nominal cell capacity [A.h]": 1.0,
    "Initial SoC": 0.5,
    "Upper voltage cut-off [V]": 4.5, "Lower voltage cut-off [V]": 3.0,
}, check_already_exists=False)
experiment = pybamm.Experiment([(
    "Charge at 0.5C until 4.2 V", "Hold at 4.2 V until C/20", "Rest for 10 minutes",
    "Discharge at 1C until 3.65 V", "Rest for 10 minutes")] * cycles)
start = time.perf_counter()
sim = pybamm.Simulation(model, parameter_values=params, experiment=experiment)
solution = sim.solve()
wall = time.perf_counter() - start
last = solution.cycles[-1].steps[3]
t = last["Time [s]"].entries
i = last["Current [A]"].entries
q = float(abs(((i[1:] + i[:-1]) * 0.5 * (t[1:] - t[:-1])).sum()) / 3600)
print(json.dumps({"cycles": cycles, "wall_s": wall, "per_cycle_s": wall / cycles, "last_discharge_ah": q, "version": pybamm.__version__}))
