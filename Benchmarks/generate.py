#!/usr/bin/env python3
"""Writes the benchmark netlists of issue 2 into a folder (plain ngspice syntax, run unchanged by
both ngspice and Lithic)."""
import sys, os, random

def rc_ladder(n):
    lines = [f"RC ladder {n} sections", "V1 n0 0 PULSE(0 1 0 1n 1n 5u 10u)"]
    for k in range(n):
        lines.append(f"R{k} n{k} n{k+1} 1")
        lines.append(f"C{k} n{k+1} 0 1p")
    lines += [".tran 10n 20u", f".save v(n{n//2}) v(n{n})", ".end"]
    return "\n".join(lines) + "\n"

def rc_mesh(n):
    lines = [f"RC mesh {n}x{n}", "V1 in 0 PULSE(0 1 0 1n 1n 5n 10n)", "Rin in m0_0 50"]
    for i in range(n):
        for j in range(n):
            if j + 1 < n: lines.append(f"Rh{i}_{j} m{i}_{j} m{i}_{j+1} 100")
            if i + 1 < n: lines.append(f"Rv{i}_{j} m{i}_{j} m{i+1}_{j} 100")
            lines.append(f"C{i}_{j} m{i}_{j} 0 1p")
    lines += [".tran 20p 20n", f".save v(m0_0) v(m{n//2}_{n//2}) v(m{n-1}_{n-1})", ".end"]
    return "\n".join(lines) + "\n"

def crossbar_resistive(n, seed=1):
    rnd = random.Random(seed)
    lines = [f"Resistive crossbar {n}x{n}"]
    for i in range(n):
        lines.append(f"V{i} vin{i} 0 DC {0.1 + 0.2 * rnd.random():.4f}")
        lines.append(f"Rs{i} vin{i} w{i}_0 2.5")
        for j in range(n - 1):
            lines.append(f"Rw{i}_{j} w{i}_{j} w{i}_{j+1} 2.5")
    for j in range(n):
        for i in range(n - 1):
            lines.append(f"Rb{i}_{j} b{i}_{j} b{i+1}_{j} 2.5")
        lines.append(f"Vsense{j} b{n-1}_{j} 0 DC 0")
    for i in range(n):
        for j in range(n):
            lines.append(f"Rx{i}_{j} w{i}_{j} b{i}_{j} {10e3 + 90e3 * rnd.random():.1f}")
    lines += [".op", f".save i(vsense0) i(vsense{n-1})", ".end"]
    return "\n".join(lines) + "\n"

def crossbar_memristive(n, seed=2):
    rnd = random.Random(seed)
    lines = [f"Memristive crossbar {n}x{n} (B-source memristors, state on 1 F capacitors)",
             ".param ron=10k roff=100k vt=0.3 k=2000"]
    for i in range(n):
        lines.append(f"V{i} vin{i} 0 SIN(0 0.6 1k)")
        lines.append(f"Rs{i} vin{i} w{i}_0 2.5")
        for j in range(n - 1):
            lines.append(f"Rw{i}_{j} w{i}_{j} w{i}_{j+1} 2.5")
    for j in range(n):
        for i in range(n - 1):
            lines.append(f"Rb{i}_{j} b{i}_{j} b{i+1}_{j} 2.5")
        lines.append(f"Vsense{j} b{n-1}_{j} 0 DC 0")
    for i in range(n):
        for j in range(n):
            a, b, x = f"w{i}_{j}", f"b{i}_{j}", f"x{i}_{j}"
            x0 = 0.2 + 0.6 * rnd.random()
            # i = v / R(x), R(x) = ron*x + roff*(1-x); dx/dt = k*(v-vt)*(v>vt) + k*(v+vt)*(v<-vt), windowed x(1-x)
            lines.append(f"Bm{i}_{j} {a} {b} I=v({a},{b})/({{ron}}*v({x})+{{roff}}*(1-v({x})))")
            lines.append(f"Bx{i}_{j} 0 {x} I={{k}}*(max(v({a},{b})-{{vt}},0)+min(v({a},{b})+{{vt}},0))*v({x})*(1-v({x}))+1e-9*(0.5-v({x}))")
            lines.append(f"Cx{i}_{j} {x} 0 1 IC={x0:.4f}")
    # 30 periods of the 1 kHz drive: ngspice 39 needs about a minute on the 32×32 array here, the
    # scale of the figure (62 s), so fixed start-up costs do not decide the ratio.
    lines += [".tran 10u 30m uic", f".save i(vsense0) i(vsense{n-1}) v(x0_0)", ".end"]
    return "\n".join(lines) + "\n"

CASES = {
    "rc_ladder_10k": lambda: rc_ladder(10_000),
    "rc_ladder_100k": lambda: rc_ladder(100_000),
    "rc_mesh_30": lambda: rc_mesh(30),
    "rc_mesh_70": lambda: rc_mesh(70),
    "crossbar_op_64": lambda: crossbar_resistive(64),
    "crossbar_op_128": lambda: crossbar_resistive(128),
    "memristive_16": lambda: crossbar_memristive(16),
    "memristive_32": lambda: crossbar_memristive(32),
}

if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    names = sys.argv[2:] or list(CASES)
    for name in names:
        with open(os.path.join(out, name + ".cir"), "w") as f:
            f.write(CASES[name]())
        print(name)
