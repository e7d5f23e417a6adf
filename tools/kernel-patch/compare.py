#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Stock against patched: the two runs of make patch-bench side by side.

usage: compare.py [--md FILE] STOCK_RESULTS PATCHED_RESULTS

Each argument is a results folder of make bench with SUITES=kpatch (its
results.json, written by tools/bench/report.py). A row's figure is its p50
round trip, divided by the stock kernel's sched_yield round trip (p50)
between two threads, or two processes, on one CPU: the floor the patch's
direct hand-off is to beat (target: mkipc at most 0.8 of it). A switch
variant, which times one hand-off, is divided by half that round trip (two
switches).

Two statistics over a run's rounds, side by side: the median, and the best
round (the lowest). Under QEMU's TCG on this project's machines a round
runs in one of two speed states, the slow one about twice the fast (seen
with one vCPU and with two, on stock and patched kernels alike), and a
row's rounds fall into either; the best round is the row's cost in the
fast state, the median mixes the two. Both are printed; neither is tuned.
"""
import argparse
import importlib.util
import json
import os
import statistics
import sys

# The side-by-side table of make bench-compare (tools/bench/compare.py),
# loaded by its path: this file has the same name.
_spec = importlib.util.spec_from_file_location(
    'bench_compare', os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                  '..', 'bench', 'compare.py'))
_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench)
bench_table = _bench.table


def table(out, md, headers, rows):
    bench_table(out, [str(h) for h in headers],
                [[str(c) for c in r] for r in rows], md)

TARGET = 0.8


def load(d):
    with open(os.path.join(d, 'results.json')) as f:
        return json.load(f)


def vals(res, row, key):
    r = res['rows'].get(row)
    if not r:
        return []
    return [f[key] for f in r['rounds'].values() if f.get(key) is not None]


def med(res, row, key):
    v = vals(res, row, key)
    return statistics.median(v) if v else None


def best(res, row, key):
    v = vals(res, row, key)
    return min(v) if v else None


def within(res, row, base, key):
    """Median of the per-round ratios row/base within one run."""
    a = res['rows'].get(row)
    b = res['rows'].get(base)
    if not a or not b:
        return None
    per = []
    for rep, fa in a['rounds'].items():
        fb = b['rounds'].get(rep)
        if fb and fa.get(key) is not None and fb.get(key):
            per.append(fa[key] / fb[key])
    return statistics.median(per) if per else None


def fmt(v, d=2):
    return '-' if v is None else ('%.' + str(d) + 'f') % v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--md', help='also write the tables as Markdown here')
    ap.add_argument('stock')
    ap.add_argument('patched')
    a = ap.parse_args()
    st, pa = load(a.stock), load(a.patched)
    out, md = [], []
    bad = 0

    def meta(res, k):
        return res.get('meta', {}).get(k, '?')

    for name, res, d in (('stock', st, a.stock), ('patched', pa, a.patched)):
        line = '# %-8s %s, kernel %s, %s rounds, %s' % (
            name, d, meta(res, 'kernel'), meta(res, 'reps'),
            meta(res, 'mode'))
        out.append(line)
        md.append('- ' + line[2:])
    md.append('')

    out.append('')
    out.append('Round trips on one CPU, p50 over the stock kernel\'s sched_yield'
               ' round trip, best rounds and medians (target for mkipc,'
               ' patched: <= %.1f)' % TARGET)
    md.append('Round trips on one CPU, p50 over the stock kernel\'s '
              'sched_yield round trip, best rounds and medians (target for '
              'mkipc, patched: <= %.1f):' % TARGET)
    md.append('')
    rows = []
    for set_, what in (('kp_thr1', 'threads'), ('kp_proc1', 'processes')):
        fb = best(st, set_ + '_yield', 'p50_ns')
        fm = med(st, set_ + '_yield', 'p50_ns')
        if not fb or not fm:
            out.append('# no %s_yield row in the stock run' % set_)
            bad = 1
            continue
        for t, label in (('yield', 'sched_yield'), ('futex', 'futex'),
                         ('mkipc', 'mkipc'),
                         ('mkipc_nokh', 'mkipc, hand-off off')):
            row = '%s_%s' % (set_, t)
            srow = row if t != 'mkipc_nokh' else ''
            sb, sm = best(st, srow, 'p50_ns'), med(st, srow, 'p50_ns')
            pb, pm = best(pa, row, 'p50_ns'), med(pa, row, 'p50_ns')
            if sb is None and pb is None:
                continue
            kh = '-'
            r = pa['rows'].get(row)
            if r and t.startswith('mkipc'):
                n = r['params'].get('iters')
                k = med(pa, row, 'khandoff')
                if n and k is not None:
                    # The tool's warm-up calls count too (a tenth more).
                    kh = fmt(k / (n * 1.1))
            verdict = ''
            if t == 'mkipc' and pb is not None:
                verdict = 'met' if pb / fb <= TARGET else 'missed'
            rows.append(['%s %s' % (what, label),
                         fmt(sb / fb if sb else None),
                         fmt(pb / fb if pb else None),
                         fmt(pb / sb if pb and sb else None),
                         fmt(sm / fm if sm else None),
                         fmt(pm / fm if pm else None),
                         fmt(pm / sm if pm and sm else None),
                         kh, verdict])
    hdr = ['row', 'stock best', 'patched best', 'patched/stock',
           'stock median', 'patched median', 'patched/stock',
           'hand-offs/rt', 'target (best)']
    table(out, md, hdr, rows)

    # The switch variants (switch_opt.c): one hand-off each, the best
    # round's average.
    floor = best(st, 'kp_thr1_yield', 'p50_ns')
    names = [n for n, r in st['rows'].items() if r['suite'] == 'switch']
    # The kernel's hand-off (mech khandoff) runs on the patched kernel only.
    names += [n for n, r in pa['rows'].items() if r['suite'] == 'switch'
              and n not in names and not n.endswith('_kpf')]
    out.append('')
    out.append('Switch variants (one hand-off, avg, best round), over half '
               'the stock kernel\'s best sched_yield round trip between '
               'threads')
    md.append('Switch variants (one hand-off, avg, best round), over half '
              'the stock kernel\'s best sched_yield round trip between '
              'threads:')
    md.append('')
    rows = []
    for n in names:
        s = best(st, n, 'avg_ns')
        p = best(pa, n, 'avg_ns')
        pf = best(pa, n + '_kpf', 'avg_ns')
        h = floor / 2 if floor else None
        rows.append([n[3:], fmt(s / h if s and h else None),
                     fmt(p / h if p and h else None),
                     fmt(pf / h if pf and h else None),
                     fmt(p / s if p and s else None),
                     fmt(pf / p if pf and p else None)])
    table(out, md, ['variant', 'stock', 'patched', 'patched+prefetch',
                    'patched/stock', 'prefetch on/off'], rows)

    # The patched kernel's own count of a switch's cycles.
    a0 = best(pa, 'kp_acct', 'cycles_avg')
    a1 = best(pa, 'kp_acct_kpf', 'cycles_avg')
    out.append('')
    out.append('__switch_to_asm() cycles per switch (patched kernel, CPU 0, '
               'sched_yield ping-pong; switch_acct)')
    md.append('`__switch_to_asm()` cycles per switch (patched kernel, '
              'CPU 0, sched_yield ping-pong; switch_acct):')
    md.append('')
    table(out, md, ['prefetch', 'cycles (best round)', 'on/off'],
          [['off', fmt(a0, 0), ''],
           ['on', fmt(a1, 0), fmt(a1 / a0 if a0 and a1 else None)]])

    print('\n'.join(out))
    if a.md:
        with open(a.md, 'w') as f:
            f.write('\n'.join(md) + '\n')
    return bad


if __name__ == '__main__':
    sys.exit(main())
