#!/usr/bin/env python3
"""Compares the saved vectors of two raw files (ngspice's and Lithic's): for transients, Lithic is
interpolated onto ngspice's time points; the result is the worst deviation relative to the vector's
peak magnitude."""
import sys, struct

def read(path):
    data = open(path, 'rb').read()
    plots, i = [], 0
    while i < len(data):
        names, npts, nvars, complex_ = [], 0, 0, False
        while True:
            j = data.index(b'\n', i); line = data[i:j].decode(errors='replace'); i = j + 1
            if line.startswith('Flags:'): complex_ = 'complex' in line
            elif line.startswith('No. Variables:'): nvars = int(line.split(':')[1])
            elif line.startswith('No. Points:'): npts = int(line.split(':')[1])
            elif line.startswith('Variables:'):
                for _ in range(nvars):
                    j = data.index(b'\n', i); names.append(data[i:j].decode().split()[1].lower()); i = j + 1
            elif line.startswith('Binary:'):
                w = 16 if complex_ else 8
                vals = struct.unpack_from('<%dd' % (npts * nvars * w // 8), data, i); i += npts * nvars * w
                step = w // 8
                cols = {n: [vals[(p * nvars + k) * step] for p in range(npts)] for k, n in enumerate(names)}
                plots.append(cols); break
            elif line.startswith('Values:'):
                raise SystemExit('ASCII raw not supported here')
    return plots

def interp(xs, ys, x):
    import bisect
    k = bisect.bisect_right(xs, x)
    if k <= 0: return ys[0]
    if k >= len(xs): return ys[-1]
    t = (x - xs[k-1]) / (xs[k] - xs[k-1]) if xs[k] != xs[k-1] else 0
    return ys[k-1] + t * (ys[k] - ys[k-1])

ng, li = read(sys.argv[1])[-1], read(sys.argv[2])[-1]
worst, name = 0.0, ''
scale = 'time' if 'time' in ng else None
for n, g in ng.items():
    if n in ('time', 'v-sweep') or n not in li: continue
    peak = max(abs(v) for v in g) or 1.0
    if scale:
        err = max(abs(interp(li['time'], li[n], t) - v) for t, v in zip(ng['time'], g)) / peak
    else:
        err = max(abs(a - b) for a, b in zip(li[n], g)) / peak
    if err > worst: worst, name = err, n
print(f"{worst:.2e} ({name})")
