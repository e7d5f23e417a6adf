#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Put several `make bench` runs side by side, one column a run.

Each DIR is a results folder (results/bench-<time>/) holding the
results.json written by tools/bench/report.py. Printed on stdout, and with
--md FILE also written as Markdown: the runs, the round trips against
futex, mkipc against each peer (0 B), the priority on/off ratios, the
targets and claims, and the context-switch hand-offs against futex.

The aim is to compare one benchmark on several kernels (say Linux 6.1,
6.12 and 6.12 PREEMPT_RT). Every figure shown is a ratio within one run:
each kernel against its own native baselines (futex, pipe, ...) measured
in the same rounds on the same kernel. Absolute times are never compared
across runs (a guest's are inflated and distorted by emulation), which is
why the priority table's ns rows are left out; the one exception is a
claim on an absolute time, whose ratio to the design's bound is shown
for a host run only. A run whose results.json is missing, or that lacks a
table, gets '-' cells and a note on stderr.

usage: compare.py [--md FILE] DIR [DIR...]
"""

import argparse
import json
import os
import re
import sys

# Headers of the tables in results.json, as report.py writes them.
RTT_SETS = ['thr1', 'proc1', 'thr2', 'proc2']
RTT_HEADER = ['row', 'transport', 'size', 'min', 'p50', 'p99', 'max',
              'avg', 'vs futex (0 B)']
PEERS = ['mkipc', 'minimal', 'futex', 'yield', 'pipe', 'eventfd', 'unix',
         'mq', 'binder', 'perf_pipe']
PEERS_HEADER = ['set', 'size'] + PEERS[1:]
PRIO_RATIOS_HEADER = ['pair (on / off)', 'p50', 'p99', 'max']
SWITCH_HEADER = ['variant', 'avg', 'min', 'vs futex', 'vs yield',
                 'cut short']


def table(out, headers, rows_, md, left=1):
    """Aligned text into out (the first left columns flush left, the rest
    flush right), and a Markdown table into md."""
    widths = [len(h) for h in headers]
    for r in rows_:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    for r in [headers] + rows_:
        out.append('  '.join(c.ljust(w) if i < left else c.rjust(w)
                             for i, (c, w) in enumerate(zip(r, widths))))
    md.append('| ' + ' | '.join(headers) + ' |')
    md.append('|' + '|'.join('---' for _ in headers) + '|')
    for r in rows_:
        md.append('| ' + ' | '.join(c.replace('|', '/') for c in r) + ' |')
    md.append('')


def section(out, md, title):
    out.append('')
    out.append(title)
    md.append('## ' + title)
    md.append('')


def merge(lists):
    """The union of several ordered lists of keys, keeping their order."""
    keys = []
    for lst in lists:
        pos = -1
        for k in lst:
            if k in keys:
                pos = keys.index(k)
            else:
                pos += 1
                keys.insert(pos, k)
    return keys


def short_kernel(k):
    """6.1.0-57-amd64 -> 6.1, 6.12.57+deb13-rt-amd64 -> 6.12-rt."""
    m = re.match(r'\d+\.\d+', k)
    if not m:
        return k
    rt = any(re.fullmatch(r'rt\d*', t) for t in re.split(r'[-+._~]', k))
    return m.group(0) + ('-rt' if rt else '')


def load(d):
    name = os.path.basename(os.path.normpath(d))
    run = {'dir': name, 'res': None}
    path = os.path.join(d, 'results.json')
    try:
        with open(path) as f:
            run['res'] = json.load(f)
    except (OSError, ValueError) as e:
        print('compare.py: %s: cannot read results.json (%s)' % (d, e),
              file=sys.stderr)
    if run['res'] is not None and not isinstance(run['res'], dict):
        print('compare.py: %s: results.json is not an object' % d,
              file=sys.stderr)
        run['res'] = None
    meta = (run['res'] or {}).get('meta') or {}
    run['meta'] = meta
    run['label'] = short_kernel(meta['kernel']) if 'kernel' in meta \
        else name
    return run


def label_runs(runs):
    """Column labels: the short kernel, plus the folder's time on a clash."""
    labels = [r['label'] for r in runs]
    for r in runs:
        if labels.count(r['label']) > 1:
            r['label'] += ' ' + r['dir'].rsplit('-', 1)[-1]
    labels = [r['label'] for r in runs]
    for r in runs:
        if labels.count(r['label']) > 1:
            r['label'] = r['dir']


def per_run(runs, name, cells):
    """For each run, {key: cell} from cells(row) over table name's rows;
    a note on stderr for a readable run that lacks the table."""
    per = []
    for r in runs:
        tables = (r['res'] or {}).get('tables', {})
        if name not in tables and r['res'] is not None:
            print('compare.py: %s: no table %s' % (r['dir'], name),
                  file=sys.stderr)
        per.append({k: v for row in tables.get(name, [])
                    for k, v in cells(row)})
    return per


def side_by_side(out, md, runs, title, first, per):
    """One line a key (skipped when every run lacks it), a column a run."""
    rows_ = []
    for k in merge([list(p) for p in per]):
        cells = [str(p[k]) if p.get(k) is not None else '-' for p in per]
        if all(c == '-' for c in cells):
            continue
        rows_.append(list(k if isinstance(k, tuple) else (k,)) + cells)
    if rows_:
        section(out, md, title)
        table(out, first + [r['label'] for r in runs], rows_, md, len(first))


def header(out, md, runs):
    names = ['folder', 'kernel', 'date', 'commit', 'guest/host', 'cpus',
             'clocksource', 'full/quick', 'rounds']
    cols = []
    for r in runs:
        m = r['meta']
        cols.append([r['dir'], m.get('kernel', '-'), m.get('date', '-'),
                     m.get('commit', '-'),
                     {'1': 'guest', '0': 'host'}.get(m.get('guest'), '-'),
                     m.get('ncpu', '-'), m.get('clocksource', '-'),
                     {'1': 'full', '0': 'quick'}.get(m.get('full'), '-'),
                     m.get('reps', '-')])
    section(out, md, 'Runs')
    table(out, ['run'] + [r['label'] for r in runs],
          [[n] + [str(c[i]) for c in cols] for i, n in enumerate(names)], md)


def verdict_cell(item, guest):
    """'median verdict' of a target or claim, '-' for what is missing."""
    v = item.get('verdict') or '-'
    v = v.split(':')[0].replace(' (rounds straddle the bound)',
                                ' (straddles)')
    v = v.replace(" (the project's bound)", '')
    val = item.get('value') or {}
    med = val.get('median')
    if med is None or (guest and 'absolute' in val):
        return '- ' + v
    return '%.2f %s' % (med, v)


def main():
    ap = argparse.ArgumentParser(
        description='Compare `make bench` runs side by side (ratios only).')
    ap.add_argument('--md', metavar='FILE',
                    help='also write the tables as Markdown to FILE')
    ap.add_argument('dirs', nargs='+', metavar='DIR',
                    help='results folder holding results.json')
    a = ap.parse_args()

    runs = [load(d) for d in a.dirs]
    if all(r['res'] is None for r in runs):
        print('compare.py: no run could be read', file=sys.stderr)
        return 1
    label_runs(runs)
    out = ['# mkipc benchmark comparison: %d runs; every figure is a ratio '
           'within one run, never an absolute time' % len(runs)]
    md = ['<!-- SPDX-License-Identifier: GPL-2.0 -->',
          '<!-- written by tools/bench/compare.py -->', '',
          '# mkipc benchmark comparison', '',
          'Every figure is a ratio measured within one run: each kernel '
          'against its own native baselines, in the same rounds. Absolute '
          'times are never compared across runs.', '']
    header(out, md, runs)

    col = RTT_HEADER.index('vs futex (0 B)')
    for s in RTT_SETS:
        per = per_run(runs, 'rtt_' + s, lambda row: [(row[0], row[col])])
        side_by_side(out, md, runs,
                     'Round trips, %s: p50 (perf_pipe: avg) / the 0 B futex '
                     'ping-pong measured in the same run on the same kernel;'
                     ' median (range) over rounds' % s, ['row'], per)

    size = PEERS_HEADER.index('size')
    per = per_run(runs, 'mkipc_vs_peers', lambda row: [
        ((row[0], peer), row[i]) for i, peer in enumerate(PEERS_HEADER)
        if i > size and row[size] == '0'])
    side_by_side(out, md, runs, 'mkipc against each peer, 0 B: mkipc p50 / '
                 'peer p50 in the same run (median over rounds; below 1 '
                 'mkipc is faster)', ['set', 'peer'], per)

    per = per_run(runs, 'prio_ratios', lambda row: [
        ((row[0], stat), row[i])
        for i, stat in enumerate(PRIO_RATIOS_HEADER) if i > 0])
    side_by_side(out, md, runs, 'Priority: on / off ratio of each pair in '
                 'the same run (the absolute ns rows are not comparable '
                 'across kernels and are left out)',
                 ['pair (on / off)', 'stat'], per)

    for what, first in (('targets', ['set', 'target']), ('claims', ['claim'])):
        per = []
        for r in runs:
            items = (r['res'] or {}).get(what)
            if items is None and r['res'] is not None:
                print('compare.py: %s: no %s' % (r['dir'], what),
                      file=sys.stderr)
            guest = r['meta'].get('guest') == '1'
            cells = {}
            for t in items or []:
                if what == 'targets':
                    key = (t.get('set', '?'), t.get('what', '?'))
                else:
                    key = t.get('id', '?')
                cells[key] = verdict_cell(t, guest)
            per.append(cells)
        side_by_side(out, md, runs, '%s (tools/bench/claims.json): median '
                     'ratio over rounds and verdict, per run'
                     % what.capitalize(), first, per)

    col = SWITCH_HEADER.index('vs futex')
    per = per_run(runs, 'switch', lambda row: [(row[0], row[col])])
    side_by_side(out, md, runs, 'Context-switch hand-offs: avg / the native '
                 'futex switch (round trip / 2) measured in the same run',
                 ['variant'], per)

    print('\n'.join(out))
    if a.md:
        try:
            with open(a.md, 'w') as f:
                f.write('\n'.join(md) + '\n')
        except OSError as e:
            print('compare.py: %s: %s' % (a.md, e), file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
