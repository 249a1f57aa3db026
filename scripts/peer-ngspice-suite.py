#!/usr/bin/env python3
"""Lithic against ngspice on a folder of ngspice netlists (issue 16's peer suite).

Usage: peer-ngspice-suite.py NETLIST_DIR [--out DIR] [--lithic BIN] [--jobs N] [--timeout S]
                             [--markdown FILE] [--only SUBSTRING] [--tol FRACTION]
       peer-ngspice-suite.py --render OUT_DIR/results.json --markdown FILE
           (compares the kept raw files of OUT_DIR/runs again and writes the table; no runs)

NETLIST_DIR is a checkout of ngspice's examples/ and tests/ (or any folder of netlists); it is
copied to DIR/tree first, so nothing in it is touched. Each file ending in .cir .sp .net .spice
.deck .ckt that holds an analysis card or a .control block is run:

* ngspice: `ngspice -b -r deck.raw` on a copy (SPICE_ASCIIRAWFILE=1). Where the netlist has no
  analysis card, `set appendwrite` and a `write ctl.raw` after every analysis command of its
  .control block are added, so the control block's plots are written too.
* Lithic: `lithic run NETLIST --raw lithic.raw` on the unchanged copy.

Both run in the netlist's own folder. Plots are paired by name and occurrence ("Transient
Analysis" #1 with #1, ...; among plots of one name, the one sharing most vector names), vectors by normalised name (v(x) and x are the node x, i(v1) and
v1#branch the branch current). A vector of Lithic is interpolated onto ngspice's scale (time,
frequency or sweep value) where both scales are increasing (and ngspice's onto Lithic's; the
smaller maximum counts, so coarser but exact sampling is not an error), compared pointwise where
the two scales are equal, and its error is max |Lithic − ngspice| over the vector's range in
ngspice (max − min, at least 1e-3 of its peak magnitude; the peak for a single point; at least
1e-9 A for currents, 1e-6 otherwise, outside noise plots). Complex vectors compare real and imaginary parts against
the range of the magnitude.

Status of each netlist:
  match            every common vector within TOL (default 1 % of its range)
  mismatch         some vector beyond TOL; "silent" when Lithic printed no warning other than the
                   generic ones (GENERIC_WARNINGS: .plot/.width skipped, .control handling),
                   "warned" otherwise
  input-error      Lithic exit 2; its first error line is listed (ngspice is then not run)
  lithic-fails     Lithic exit 1 (simulation failed) or a timeout
  crash            Lithic died of a signal or returned another code
  ngspice-fails    ngspice produced no plot (error, timeout, or nothing to write)
  no-common        both ran but no vector name is shared
The "needs" column names what Lithic is not meant to run (XSPICE code models, CIDER, OSDI), found
from the netlist's text, so the runnable share can be counted.
"""
import argparse
import concurrent.futures
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time

EXTENSIONS = ('.cir', '.sp', '.net', '.spice', '.deck', '.ckt')
ANALYSIS_CARD = re.compile(r'^\s*\.(tran|ac|dc|op|noise|tf|pz|sens|disto|pss|sp)\b', re.I | re.M)
CONTROL = re.compile(r'^\s*\.control\b', re.I | re.M)
CONTROL_ANALYSIS = re.compile(r'^\s*(tran|ac|dc|op|noise|tf|run|pz|sens|disto|pss|sp)\b', re.I)
# Error floors: a vector's range is taken as at least this (a 1e-11 A gmin current is not compared
# relative to itself).
ABS_CURRENT = 1e-9   # A
ABS_OTHER = 1e-6     # V, and noise / other quantities
# Warnings that do not explain a number (presentation cards, the .control handling itself): a
# mismatch with only these is counted as silent.
GENERIC_WARNINGS = (
    "'.plot' is not supported",
    "'.width' is not supported",
    "option 'lvlcod' ignored",
    '.control block skipped',
    'from the .control block',
    '.control block: ',
)


# ---------------------------------------------------------------- raw files

def read_raw(path):
    """All plots of an ngspice raw file (ASCII or binary): [(plotname, [names], [[values]])]."""
    with open(path, 'rb') as f:
        data = f.read()
    plots = []
    pos = 0
    n = len(data)
    while pos < n:
        # Header lines up to "Values:" or "Binary:".
        header = {}
        names = []
        while pos < n:
            end = data.find(b'\n', pos)
            if end < 0:
                end = n
            line = data[pos:end].decode('latin-1').rstrip('\r')
            pos = end + 1
            if not line.strip() and not header:
                continue
            key, _, value = line.partition(':')
            k = key.strip().lower()
            if k == 'variables':
                count = int(header.get('no. variables', '0'))
                for _ in range(count):
                    end = data.find(b'\n', pos)
                    if end < 0:
                        end = n
                    fields = data[pos:end].decode('latin-1').split()
                    pos = end + 1
                    names.append(fields[1] if len(fields) > 1 else '?')
                continue
            if k in ('values', 'binary'):
                header['_format'] = k
                break
            header[k] = value.strip()
        if '_format' not in header:
            break
        nvars = int(header.get('no. variables', '0'))
        npoints = int(header.get('no. points', '0'))
        complex_ = 'complex' in header.get('flags', '').lower()
        cols = [[] for _ in range(nvars)]
        if header['_format'] == 'binary':
            import struct
            width = 16 if complex_ else 8
            need = nvars * npoints * width
            block = data[pos:pos + need]
            pos += need
            fmt = '<' + ('dd' if complex_ else 'd') * nvars
            step = nvars * width
            for p in range(len(block) // step):
                vals = struct.unpack(fmt, block[p * step:(p + 1) * step])
                for v in range(nvars):
                    cols[v].append(complex(vals[2 * v], vals[2 * v + 1]) if complex_ else vals[v])
        else:
            tokens = []
            needed = npoints * (nvars + 1)
            while len(tokens) < needed and pos < n:
                end = data.find(b'\n', pos)
                if end < 0:
                    end = n
                line = data[pos:end].decode('latin-1')
                pos = end + 1
                if not line.strip():
                    continue
                if re.match(r'^[A-Za-z]', line):  # next plot's header: this one was short
                    pos -= len(line) + 1
                    break
                tokens.extend(line.split())
            for p in range(npoints):
                row = tokens[p * (nvars + 1):(p + 1) * (nvars + 1)]
                if len(row) < nvars + 1:
                    break
                for v in range(nvars):
                    t = row[v + 1]
                    if complex_:
                        re_, _, im = t.partition(',')
                        cols[v].append(complex(float(re_), float(im or 0)))
                    else:
                        cols[v].append(float(t.split(',')[0]))
        plots.append((header.get('plotname', '?'), names, cols))
    return plots


def normalise(name):
    s = name.strip().lower()
    m = re.fullmatch(r'v\((.+)\)', s)
    if m and ',' not in m.group(1):
        return m.group(1)
    m = re.fullmatch(r'i\((.+)\)', s)
    if m:
        return m.group(1) + '#branch'
    return s


# ---------------------------------------------------------------- comparison

def increasing(xs):
    return all(b > a for a, b in zip(xs, xs[1:]))


def interp(xs, ys, x):
    # xs increasing
    lo, hi = 0, len(xs) - 1
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xs[mid] <= x:
            lo = mid
        else:
            hi = mid
    t = (x - xs[lo]) / (xs[hi] - xs[lo])
    return ys[lo] + t * (ys[hi] - ys[lo])


def compare_plot(gp, lp):
    """Worst relative error over common vectors: (error, vector, compared count) or a reason."""
    gname, gnames, gcols = gp
    lname, lnames, lcols = lp
    if not gnames or not lnames:
        return None, 'empty plot', 0
    gscale = [v.real if isinstance(v, complex) else v for v in gcols[0]]
    lscale = [v.real if isinstance(v, complex) else v for v in lcols[0]]
    lindex = {normalise(n): i for i, n in enumerate(lnames)}
    worst, worst_name, compared = 0.0, '', 0
    same = len(gscale) == len(lscale) and all(
        abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-30) for a, b in zip(gscale, lscale))
    mode = 'pointwise' if same else ('interp' if increasing(gscale) and increasing(lscale) else None)
    if len(gscale) == 1 and len(lscale) == 1:
        mode = 'pointwise'
    if mode is None:
        return None, 'scales differ and are not increasing (%d vs %d points)' % (len(gscale), len(lscale)), 0
    single = len(gscale) == 1 and len(lscale) == 1  # .op, integrated noise: no scale vector
    for gi, gn in enumerate(gnames):
        if gi == 0 and not single:
            continue
        key = normalise(gn)
        li = lindex.get(key)
        if li is None or (li == 0 and not single):
            continue
        g = gcols[gi]
        l = lcols[li]
        if not g or not l:
            continue
        if any(isinstance(v, float) and not math.isfinite(v) for v in g):
            continue
        mags = [abs(v) for v in g]
        if any(isinstance(v, complex) for v in g):
            rng = max(mags) - min(mags)
        else:
            rng = max(g) - min(g)
        peak = max(mags)
        # A nearly constant vector is measured against 1e-3 of its peak, not its (rounding) range.
        denom = peak if len(g) == 1 else max(rng, 1e-3 * peak)
        current = key.endswith('#branch') or key.startswith(('i(', '@'))
        if 'noise' not in gname.lower():  # noise densities (V/√Hz) are compared relative to themselves
            denom = max(denom, ABS_CURRENT if current else ABS_OTHER)
        parts = [(lambda v: v.real), (lambda v: v.imag)] if any(isinstance(v, complex) for v in g) else [lambda v: v]
        err = 0.0
        for part in parts:
            gy = [part(complex(v)) if isinstance(v, complex) else part(v) for v in g]
            ly = [part(complex(v)) if isinstance(v, complex) else part(v) for v in l]
            if mode == 'pointwise':
                if len(ly) != len(gy):
                    continue
                diffs = [abs(a - b) for a, b in zip(gy, ly)]
            else:
                # Each onto the other's points; the smaller maximum is kept, so a waveform that one
                # simulator samples more coarsely (both exact at their own points) is not a mismatch.
                lo, hi = max(gscale[0], lscale[0]), min(gscale[-1], lscale[-1])
                d1 = [abs(gy[k] - interp(lscale, ly, x)) for k, x in enumerate(gscale) if lo <= x <= hi]
                d2 = [abs(ly[k] - interp(gscale, gy, x)) for k, x in enumerate(lscale) if lo <= x <= hi]
                diffs = d1 if not d2 or (d1 and max(d1) <= max(d2)) else d2
            if diffs:
                e = max(diffs) / denom
                if not math.isfinite(e):
                    e = float('inf')
                err = max(err, e)
        compared += 1
        if err > worst or not worst_name:
            worst, worst_name = err, gn
    if compared == 0:
        return None, 'no common vector', 0
    return worst, worst_name, compared


# ---------------------------------------------------------------- running

def needs(text):
    # Cards only: .control blocks and comment lines left out (`alter`, `nu` would look like A/N cards).
    text = re.sub(r'^\s*\.control\b.*?^\s*\.endc\b', '', text, flags=re.I | re.M | re.S)
    text = '\n'.join(l for l in text.split('\n') if not l.lstrip().startswith(('*', '$', ';')))
    found = []
    if re.search(r'^\s*a\w*\s', text, re.I | re.M) or re.search(r'\.model\s+\S+\s+d_\w+', text, re.I):
        found.append('xspice')
    if re.search(r'^\s*\.?(model\s+\S+\s+)?numd\b|^\s*\.model\s+\S+\s+num(d|os|bjt)\b|^\s*[dq]\S*\s.*\bnum', text, re.I | re.M) and 'cider' in text.lower():
        found.append('cider')
    elif re.search(r'^\s*\.model\s+\S+\s+num(d|os|bjt|mos)\b', text, re.I | re.M):
        found.append('cider')
    if re.search(r'pre_osdi|\.osdi\b|^\s*n\w*\s', text, re.I | re.M):
        found.append('osdi')
    return found


def ngspice_copy(text, raw_ctl):
    """The netlist with `write` after each .control analysis (only when there is no analysis card)."""
    if ANALYSIS_CARD.search(text) or not CONTROL.search(text):
        return text, False
    out = []
    inside = False
    for line in text.split('\n'):
        s = line.strip().lower()
        if s.startswith('.control'):
            out.append(line)
            out.append('set appendwrite')
            inside = True
            continue
        if s.startswith('.endc'):
            inside = False
        out.append(line)
        if inside and CONTROL_ANALYSIS.match(line):
            out.append('write %s' % raw_ctl)
    return '\n'.join(out), True


def run(cmd, cwd, timeout, env=None):
    t0 = time.time()
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace'), time.time() - t0
    except subprocess.TimeoutExpired:
        return 'timeout', '', '', time.time() - t0


def one(path, tree, work, lithic, timeout, tol):
    rel = os.path.relpath(path, tree)
    d = os.path.dirname(path)
    tag = re.sub(r'[^A-Za-z0-9]+', '_', rel)
    wdir = os.path.join(work, 'runs', tag)
    os.makedirs(wdir, exist_ok=True)
    with open(path, 'rb') as f:
        text = f.read().decode('utf-8', 'replace')
    res = {'netlist': rel, 'needs': needs(text)}
    deck_raw = os.path.join(wdir, 'deck.raw')
    ctl_raw = os.path.join(wdir, 'ctl.raw')
    for p in (deck_raw, ctl_raw):
        if os.path.exists(p):
            os.remove(p)
    lraw = os.path.join(wdir, 'lithic.raw')
    if os.path.exists(lraw):
        os.remove(lraw)
    lrc, lout, lerr, lt = run([lithic, 'run', os.path.basename(path), '-o', os.path.join(wdir, 'out'), '--raw', lraw], d, timeout)
    res['lithic_rc'] = lrc
    res['lithic_s'] = round(lt, 2)
    warnings = [l for l in lerr.split('\n') if ': warning:' in l]
    res['warnings'] = [w for w in warnings if not any(g in w for g in GENERIC_WARNINGS)]
    errors = [l for l in lerr.split('\n') if ': error:' in l or l.startswith('error')]
    if lrc == 'timeout':
        res['status'], res['detail'] = 'lithic-fails', 'timeout after %d s' % timeout
    elif lrc == 2:
        res['status'] = 'input-error'
        res['detail'] = (errors[0] if errors else lerr.strip().split('\n')[-1] if lerr.strip() else 'exit 2')
    elif lrc == 1:
        res['status'] = 'lithic-fails'
        res['detail'] = (errors[0] if errors else (lerr.strip().split('\n') or ['exit 1'])[-1])
    elif lrc != 0:
        res['status'], res['detail'] = 'crash', 'exit %s: %s' % (lrc, lerr.strip()[-300:])
    if 'status' in res:  # Lithic did not run it: ngspice's result is not needed
        return res
    copy_text, ctl = ngspice_copy(text, ctl_raw)
    ncopy = os.path.join(d, os.path.basename(path) + '.__ngspice.cir')
    with open(ncopy, 'w', encoding='utf-8') as f:
        f.write(copy_text)
    env = dict(os.environ, SPICE_ASCIIRAWFILE='1')
    nrc, nout, nerr, nt = run(['ngspice', '-b', '-r', deck_raw, os.path.basename(ncopy)], d, timeout, env)
    os.remove(ncopy)
    gplots = []
    for p in ([ctl_raw] if ctl else []) + [deck_raw]:
        if os.path.exists(p):
            try:
                gplots = read_raw(p)
            except Exception as e:  # a raw file ngspice left half-written
                gplots = []
            if gplots:
                break
    res['ngspice_rc'] = nrc
    res['ngspice_s'] = round(nt, 2)
    if not gplots:
        res['status'] = 'ngspice-fails'
        msg = [l for l in (nout + nerr).split('\n') if 'rror' in l]
        res['detail'] = (msg[0].strip() if msg else 'no plot written (rc %s)' % nrc)[:200]
        return res
    return compare_runs(res, gplots, lraw, tol)


def compare_runs(res, gplots, lraw, tol):
    """Status, worst error and detail of a run from ngspice's plots and Lithic's raw file."""
    try:
        lplots = read_raw(lraw) if os.path.exists(lraw) else []
    except Exception as e:
        lplots = []
    worst, worst_where, compared, reasons = 0.0, '', 0, []
    seen_g, seen_l = {}, {}
    by_name_l = {}
    for lp in lplots:
        by_name_l.setdefault(lp[0].lower(), []).append(lp)
    used = set()
    for gp in gplots:
        k = gp[0].lower()
        i = seen_g.get(k, 0)
        seen_g[k] = i + 1
        mine = [lp for lp in by_name_l.get(k, []) if id(lp) not in used]
        if not mine:
            reasons.append('Lithic has no plot "%s" #%d' % (gp[0], i + 1))
            continue
        # The first unused plot of that name sharing the most vector names (two .tf cards of
        # different inputs: ngspice writes them in another order).
        names = set(normalise(n) for n in gp[1])
        best = max(mine, key=lambda lp: (len(names & set(normalise(n) for n in lp[1])), -mine.index(lp)))
        used.add(id(best))
        e, where, c = compare_plot(gp, best)
        if e is None:
            reasons.append('%s: %s' % (gp[0], where))
            continue
        compared += c
        if e >= worst:
            worst, worst_where = e, '%s %s' % (gp[0], where)
    res['compared'] = compared
    res['missing'] = reasons
    if compared == 0:
        res['status'] = 'no-common'
        res['detail'] = '; '.join(reasons)[:300]
        return res
    res['max_error'] = worst
    res['worst'] = worst_where
    if worst <= tol:
        res['status'] = 'match'
        res['detail'] = 'max %.2g of range (%d vectors)' % (worst, compared)
    else:
        res['status'] = 'mismatch-warned' if res['warnings'] else 'mismatch-silent'
        res['detail'] = 'max %.3g of range at %s' % (worst, worst_where)
    return res


def markdown(results, revision, tol):
    order = ['match', 'mismatch-silent', 'mismatch-warned', 'no-common', 'input-error', 'lithic-fails', 'crash', 'ngspice-fails']
    counts = {k: 0 for k in order}
    rcounts = {k: 0 for k in order}
    for r in results:
        counts[r['status']] = counts.get(r['status'], 0) + 1
        if not r['needs']:
            rcounts[r['status']] = rcounts.get(r['status'], 0) + 1
    out = []
    out.append('Source: %s; %d netlists; match = every common vector within %.3g of its range.' % (revision, len(results), tol))
    out.append('')
    out.append('| status | all | runnable (no XSPICE / CIDER / OSDI) |')
    out.append('|---|---:|---:|')
    for k in order:
        out.append('| %s | %d | %d |' % (k, counts.get(k, 0), rcounts.get(k, 0)))
    out.append('')
    silent = [r for r in results if r['status'] == 'mismatch-silent']
    out.append('Silent wrong numbers (exit 0, beyond tolerance, no specific warning): %d' % len(silent))
    out.append('')
    for r in silent:
        out.append('- `%s`: %s' % (r['netlist'], r['detail']))
    out.append('')
    out.append('| netlist | needs | status | detail | warnings |')
    out.append('|---|---|---|---|---:|')
    for r in sorted(results, key=lambda r: r['netlist']):
        detail = str(r.get('detail', '')).replace('|', '\\|').replace('\n', ' ')
        detail = re.sub(r'^\S*/', '', detail)
        if len(detail) > 160:
            detail = detail[:157] + '...'
        out.append('| %s | %s | %s | %s | %d |' % (r['netlist'], ','.join(r['needs']), r['status'], detail, len(r.get('warnings', []))))
    return '\n'.join(out) + '\n', counts, rcounts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('folder', nargs='?', default='')
    ap.add_argument('--out', default='.build-ngspice-suite')
    ap.add_argument('--lithic', default=os.environ.get('LITHIC_BINARY', '.build/debug/lithic'))
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--timeout', type=float, default=120)
    ap.add_argument('--tol', type=float, default=0.01)
    ap.add_argument('--markdown', default=None)
    ap.add_argument('--only', default=None)
    ap.add_argument('--revision', default=None)
    ap.add_argument('--render', default=None, help='re-render a results.json (no runs)')
    a = ap.parse_args()
    if a.render:
        with open(a.render) as f:
            results = json.load(f)
        runs = os.path.join(os.path.dirname(os.path.abspath(a.render)), 'runs')
        for r in results:  # the comparison again from the kept raw files (comparer changes)
            if r['status'] in ('match', 'mismatch-silent', 'mismatch-warned', 'no-common'):
                wdir = os.path.join(runs, re.sub(r'[^A-Za-z0-9]+', '_', r['netlist']))
                gplots = []
                for p in ('ctl.raw', 'deck.raw'):
                    if os.path.exists(os.path.join(wdir, p)):
                        gplots = read_raw(os.path.join(wdir, p))
                        if gplots:
                            break
                if gplots:
                    compare_runs(r, gplots, os.path.join(wdir, 'lithic.raw'), a.tol)
        for r in results:
            r['warnings'] = [w for w in r.get('warnings', []) if not any(g in w for g in GENERIC_WARNINGS)]
            if r['status'].startswith('mismatch'):
                r['status'] = 'mismatch-warned' if r['warnings'] else 'mismatch-silent'
        md, counts, rcounts = markdown(results, a.revision or a.folder, a.tol)
        with open(a.markdown or '/dev/stdout', 'w') as f:
            f.write(md)
        print('counts (all):', json.dumps(counts), file=sys.stderr)
        print('counts (runnable):', json.dumps(rcounts), file=sys.stderr)
        return
    lithic = os.path.abspath(a.lithic)
    work = os.path.abspath(a.out)
    tree = os.path.join(work, 'tree')
    if os.path.exists(tree):
        shutil.rmtree(tree)
    shutil.copytree(a.folder, tree, symlinks=True)
    files = []
    for root, _, names in os.walk(tree):
        for nm in sorted(names):
            if not nm.lower().endswith(EXTENSIONS):
                continue
            p = os.path.join(root, nm)
            try:
                with open(p, 'rb') as f:
                    t = f.read().decode('utf-8', 'replace')
            except OSError:
                continue
            if not (ANALYSIS_CARD.search(t) or CONTROL.search(t)):
                continue
            if a.only and a.only not in os.path.relpath(p, tree):
                continue
            files.append(p)
    files.sort()
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = {ex.submit(one, p, tree, work, lithic, a.timeout, a.tol): p for p in files}
        for fut in concurrent.futures.as_completed(futs):
            try:
                r = fut.result()
            except Exception as e:
                r = {'netlist': os.path.relpath(futs[fut], tree), 'needs': [], 'status': 'ngspice-fails', 'detail': 'comparer: %s' % e}
            results.append(r)
            print('%-60s %-16s %s' % (r['netlist'], r['status'], str(r.get('detail', ''))[:100]), flush=True)
    with open(os.path.join(work, 'results.json'), 'w') as f:
        json.dump(sorted(results, key=lambda r: r['netlist']), f, indent=1)
    md, counts, rcounts = markdown(results, a.revision or a.folder, a.tol)
    if a.markdown:
        with open(a.markdown, 'w') as f:
            f.write(md)
    print()
    print('counts (all):', json.dumps(counts))
    print('counts (runnable):', json.dumps(rcounts))


if __name__ == '__main__':
    main()
