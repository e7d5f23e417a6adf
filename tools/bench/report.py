#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The mkipc benchmark report, from one results folder.

tools/bench/suite.sh leaves the raw output of every run in RESULTS/raw/
(manifest.tsv lists them, meta.env describes the machine). This program
reads them and writes:

  - the tables, on stdout;
  - RESULTS/results.json: every run and every aggregate, through json.dump;
  - RESULTS/plots/*.svg and *.png (gnuplot), their data in plots/*.dat;
  - RESULTS/RESULTS.md: the run, the claims table and the main tables.

One rule everywhere: a run's percentiles are the tools' nearest-rank
percentiles of its own samples (tools/mkipc/lat.c; the distributions here
use the same rule); a row's figure is the median over its rounds of the
runs' figure, its min the least min and its max the greatest max. A ratio
divides two rows of the same rounds: the median of the per-round ratios,
with their least and greatest beside it.

usage: report.py RESULTS [--claims FILE] [--no-plots] [--quiet]
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def nearest_rank(sorted_vals, pct):
    """The nearest-rank percentile, as tools/mkipc/lat.c computes it."""
    n = len(sorted_vals)
    rank = (n * pct + 99) // 100
    return sorted_vals[rank - 1 if rank else 0]


def median(vals):
    vals = sorted(v for v in vals if v is not None)
    if not vals:
        return None
    return statistics.median(vals)


def kv_words(text):
    """key=value words of a line or of a params string, as a dict."""
    out = {}
    for w in text.split():
        if '=' in w:
            k, v = w.split('=', 1)
            out[k] = v
    return out


def num(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return int(f) if f.is_integer() and 'e' not in str(v).lower() else f


# --- reading the folder ---

def parse_text(path):
    """perf's text (usecs/op) or a debugfs job's key=value line."""
    with open(path, errors='replace') as f:
        text = f.read()
    m = re.search(r'([0-9.]+)\s+usecs/op', text)
    if m:
        return {'avg_ns': float(m.group(1)) * 1000.0}
    line = text.strip().splitlines()[-1] if text.strip() else ''
    return {k: num(v) for k, v in kv_words(line).items()}


def load(resdir):
    raw = os.path.join(resdir, 'raw')
    meta = {}
    with open(os.path.join(raw, 'meta.env')) as f:
        for line in f:
            if '=' in line:
                k, v = line.rstrip('\n').split('=', 1)
                if re.fullmatch(r'[a-z_0-9]+', k):
                    meta[k] = v
    runs = []
    with open(os.path.join(raw, 'manifest.tsv')) as f:
        header = f.readline().rstrip('\n').split('\t')
        for line in f:
            r = dict(zip(header, line.rstrip('\n').split('\t')))
            r['rep'] = int(r['rep'])
            r['rc'] = int(r['rc'])
            r['params'] = {k: num(v) for k, v in kv_words(r['params']).items()}
            path = os.path.join(raw, r['file'])
            r['data'] = None
            r['error'] = None
            try:
                if r['kind'] == 'json':
                    with open(path) as jf:
                        r['data'] = json.load(jf)
                else:
                    r['data'] = parse_text(path)
            except (OSError, ValueError) as e:
                r['error'] = '%s: %s' % (r['file'], e)
            if r['rc'] != 0 and not r['error']:
                r['error'] = 'exit status %d' % r['rc']
            samples = os.path.join(raw, r['name'] + '.samples')
            if r['rep'] == 1 and not r['error'] and os.path.exists(samples):
                r['samples_file'] = samples
            runs.append(r)
    return meta, runs


# --- one row a measurement ---

class Row:
    """One measurement: its runs, one a round, and their figures."""

    def __init__(self, name, suite, params):
        self.name = name
        self.suite = suite
        self.params = params
        self.by_rep = {}	# rep -> figures of that run
        self.errors = []
        self.samples_file = None

    def add(self, rep, figs):
        self.by_rep[rep] = figs

    def vals(self, key):
        return [f[key] for f in self.by_rep.values()
                if f.get(key) is not None]

    def med(self, key):
        return median(self.vals(key))

    def lo(self, key):
        v = self.vals(key)
        return min(v) if v else None

    def hi(self, key):
        v = self.vals(key)
        return max(v) if v else None

    def summary(self):
        keys = set()
        for f in self.by_rep.values():
            keys.update(k for k, v in f.items()
                        if isinstance(v, (int, float)))
        out = {'rounds': len(self.by_rep)}
        for k in sorted(keys):
            out[k + '_median'] = self.med(k)
            out[k + '_min'] = self.lo(k)
            out[k + '_max'] = self.hi(k)
        return out


def lat_figs(res):
    """The figures of a tool's "results" object (lat.c's keys)."""
    figs = {}
    for k in ('samples', 'min_ns', 'avg_ns', 'p50_ns', 'p99_ns', 'max_ns'):
        if k in res:
            figs[k] = res[k]
    return figs


def build_rows(runs, meta):
    rows = {}
    order = []
    problems = []

    def get(name, suite, params):
        if name not in rows:
            rows[name] = Row(name, suite, params)
            order.append(name)
        return rows[name]

    for r in runs:
        if r['error']:
            problems.append('%s round %d: %s' % (r['name'], r['rep'],
                                                   r['error']))
        d = r['data']
        if d is None:
            continue
        if r['name'] in ('sw_all', 'kp_sw_all', 'kp_sw_all_kpf') or \
           (isinstance(d, dict) and d.get('command') == 'switch'):
            for v in d.get('runs', []):
                if not isinstance(v, dict):
                    continue
                if not v.get('count') or v.get('error'):
                    # One CPU refuses the cross variants; anything
                    # else is a variant that failed.
                    if not (v.get('cross') and meta.get('ncpu') == '1'):
                        problems.append(
                            'switch %s/%s fpu=%s prefetch=%s cross=%s '
                            'round %d: count %s, error %s' % (
                                v.get('mech'), v.get('mm'), v.get('fpu'),
                                v.get('prefetch'), v.get('cross'),
                                r['rep'], v.get('count'), v.get('error')))
                    if not v.get('count'):
                        continue
                nm = 'sw_%s_%s' % (v['mech'], v['mm'])
                if v.get('fpu'):
                    nm += '_fpu'
                if v.get('prefetch'):
                    nm += '_prefetch'
                if v.get('cross'):
                    nm += '_cross'
                # The companion patch's prefetching on (make patch-bench).
                if r['params'].get('kprefetch') == 'on':
                    nm += '_kpf'
                p = {'mech': v['mech'], 'mm': v['mm'],
                     'fpu': int(bool(v.get('fpu'))),
                     'prefetch': int(bool(v.get('prefetch'))),
                     'cpus': 'two' if v.get('cross') else 'one',
                     'iters': v.get('iters')}
                row = get(nm, 'switch', p)
                figs = {k: v[k] for k in ('count', 'min_ns', 'avg_ns',
                                          'max_ns') if k in v}
                figs['cut_short'] = int(v['count'] < v.get('iters', 0))
                row.add(r['rep'], figs)
            continue
        row = get(r['name'], r['suite'], r['params'])
        if r.get('samples_file'):
            row.samples_file = r['samples_file']
        if r['error']:
            row.errors.append(r['error'])
        if r['kind'] == 'kjob':
            figs = dict(d)
            if 'ns' in d and 'items' in r['params']:
                items = r['params']['items']
                figs['mops'] = items * 1000.0 / d['ns'] if d['ns'] else None
                figs['ns_per_item'] = d['ns'] / items if items else None
            bad = []
            if r['name'].startswith('queue_'):
                bad = [k for k in ('lost', 'dup', 'order_errors',
                                   'timed_out') if d.get(k)]
                if d.get('enqueued') != (d.get('dequeued') or 0) + \
                   (d.get('drained') or 0):
                    bad.append('enqueued')
            elif r['name'].startswith('handoff_'):
                if d.get('stalls'):
                    bad.append('stalls')
                if d.get('completed') != d.get('round_trips'):
                    bad.append('completed')
            if bad:
                problems.append('%s round %d broke its checks (%s): %s' % (
                    r['name'], r['rep'], ', '.join(bad),
                    ' '.join('%s=%s' % kv for kv in d.items())))
            row.add(r['rep'], figs)
        elif r['kind'] == 'text':
            row.add(r['rep'], dict(d))
        elif isinstance(d, dict):
            res = d.get('results', {})
            if not isinstance(res, dict):
                res = {}
            # pingpong: the figures in "results"; prio-inv, prio-wake
            # and contend: in "results"."latency" (prio-inv's calls
            # begun while the load spun in "latency_load_spinning").
            figs = lat_figs(res.get('latency', res))
            for k, v in res.items():
                if isinstance(v, (int, float)) and k not in figs:
                    figs[k] = v
            for sub in ('client_calls', 'server_calls'):
                if isinstance(res.get(sub), dict):
                    figs[sub + '_min'] = res[sub].get('min')
                    figs[sub + '_max'] = res[sub].get('max')
            if isinstance(res.get('latency_load_spinning'), dict):
                for k, v in lat_figs(res['latency_load_spinning']).items():
                    figs['spin_' + k] = v
            kc = d.get('counters')
            if isinstance(kc, dict):
                for k in ('direct', 'queued', 'khandoff'):
                    if isinstance(kc.get(k), (int, float)):
                        figs[k] = kc[k]
                if figs.get('direct') is not None and \
                   figs.get('queued') is not None and \
                   figs['direct'] + figs['queued']:
                    figs['queued_share'] = figs['queued'] / (
                        figs['direct'] + figs['queued'])
            to = d.get('timer_overhead_ns')
            if isinstance(to, dict) and 'median' in to:
                figs['clock_read_ns'] = to['median']
            row.add(r['rep'], figs)
    return rows, order, problems


def ratio(rows, num_name, den_name, key):
    """Per-round ratios of two rows: (median, least, greatest, rounds)."""
    a = rows.get(num_name)
    b = rows.get(den_name)
    if not a or not b:
        return None
    per = []
    for rep, fa in a.by_rep.items():
        fb = b.by_rep.get(rep)
        if fb and fa.get(key) is not None and fb.get(key):
            per.append(fa[key] / fb[key])
    if not per:
        return None
    return {'median': statistics.median(per), 'min': min(per),
            'max': max(per), 'rounds': len(per)}


# --- printing ---

def fmt(v, digits=0):
    if v is None:
        return '-'
    if isinstance(v, float) and digits == 0 and abs(v) >= 100:
        return '%.0f' % v
    if isinstance(v, float):
        return ('%.' + str(digits or 2) + 'f') % v
    return str(v)


def table(out, headers, rows_, md=None):
    widths = [len(h) for h in headers]
    cells = [[fmt(c) if not isinstance(c, str) else c for c in r]
             for r in rows_]
    for r in cells:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    line = '  '.join(h.ljust(w) if i == 0 else h.rjust(w)
                     for i, (h, w) in enumerate(zip(headers, widths)))
    out.append(line)
    for r in cells:
        out.append('  '.join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(r, widths))))
    if md is not None:
        md.append('| ' + ' | '.join(headers) + ' |')
        md.append('|' + '|'.join('---' for _ in headers) + '|')
        for r in cells:
            md.append('| ' + ' | '.join(c.replace('|', '/') for c in r)
                      + ' |')
        md.append('')


def section(out, md, title, md_title):
    """A table's heading: on the terminal, and in RESULTS.md."""
    out.append('')
    out.append(title)
    md.append(md_title)
    md.append('')


def rstr(r):
    if r is None:
        return '-'
    if r['rounds'] > 1:
        return '%.2f (%.2f-%.2f)' % (r['median'], r['min'], r['max'])
    return '%.2f' % r['median']


def verdict(r, lim):
    if r is None:
        return 'n/a'
    if 'max' in lim:
        ok = r['median'] <= lim['max']
    else:
        ok = r['median'] >= lim['min']
    return 'met' if ok else 'missed'


def limit_str(lim):
    if 'max' in lim:
        return '<= %.2f' % lim['max']
    if 'min' in lim:
        return '>= %.2f' % lim['min']
    return '-'


IPC_SETS = [
    ('thr1', 'threads, one CPU'),
    ('proc1', 'processes, one CPU (the client holds a send descriptor only)'),
    ('thr2', 'threads, two CPUs (client on CPU 0, server on CPU 1)'),
    ('proc2', 'processes, two CPUs'),
]
# Distinct colors for the peers' lines (none black: that is mkipc's).
PEER_COLORS = ['#9400d3', '#009e73', '#56b4e9', '#e69f00', '#c8b400',
               '#0072b2', '#e51e10', '#8b4513', '#ff69b4', '#808080']
PEERS = ['mkipc', 'minimal', 'futex', 'yield', 'pipe', 'eventfd', 'unix',
         'mq', 'binder', 'perf_pipe']


def report(meta, rows, order, problems, cfg, out, md, figs):
    guest = meta.get('guest') == '1'
    clock = [v for r in rows.values() for v in r.vals('clock_read_ns')]
    clock_ns = median(clock)
    res = {'meta': meta, 'clock_read_ns': clock_ns, 'tables': {}}

    out.append('# mkipc benchmark report')
    for k in ('date', 'commit', 'kernel', 'cpu', 'ncpu', 'mode',
              'clocksource', 'machine'):
        if k in meta:
            out.append('# %-12s %s' % (k + ':', meta[k]))
    out.append('# %-12s %s rounds a row, %s run, suites %s, %s s' % (
        'run:', meta.get('reps'), 'full' if meta.get('full') == '1'
        else 'quick', meta.get('suites'), meta.get('elapsed_s', '?')))
    if clock_ns is not None:
        out.append('# %-12s %s ns (clock_gettime() pairs, median over the '
                   'round-trip runs; every timed sample includes one)'
                   % ('clock read:', fmt(clock_ns)))
    if guest:
        out.append('# Under emulation absolute times are inflated and '
                   'distorted: read the ratios.')
    md.append('<!-- SPDX-License-Identifier: GPL-2.0 -->')
    md.append('<!-- written by tools/bench/report.py from %s -->'
              % meta.get('results_dir', 'a results folder'))
    md.append('')
    md.append('# mkipc benchmark results')
    md.append('')
    md.append('| | |')
    md.append('|---|---|')
    for k in ('date', 'commit', 'kernel', 'cpu', 'ncpu', 'mode',
              'clocksource', 'machine', 'reps', 'suites', 'elapsed_s'):
        if k in meta:
            md.append('| %s | %s |' % (k, meta[k]))
    if clock_ns is not None:
        md.append('| one clock read | %s ns |' % fmt(clock_ns))
    md.append('')
    if guest:
        md.append('A guest under QEMU TCG: absolute times are inflated '
                  'and distorted; every figure that counts is a ratio of '
                  'two rows measured in the same rounds of this run.')
        md.append('')

    # the claims first in RESULTS.md, after the tables on the terminal
    claims_out, claims_md, claims_res = claims(rows, cfg, meta)
    md.extend(claims_md)
    res['claims'] = claims_res

    # round trips
    for set_, what in IPC_SETS:
        names = [n for n in order if rows[n].params.get('set') == set_]
        if not names:
            continue
        base = set_ + '_futex'
        section(out, md, '## Round trips, %s: ns; vs futex = p50 (perf: avg) '
                'over the size-0 futex row\'s, per round' % what,
                '## Round trips: %s' % what)
        trs = []
        for n in names:
            r = rows[n]
            key = 'avg_ns' if r.params.get('transport') == 'perf_pipe' \
                else 'p50_ns'
            bkey = 'avg_ns' if key == 'avg_ns' else 'p50_ns'
            rr = ratio(rows, n, base, key) if key == 'p50_ns' else \
                ratio(rows, n, base, bkey)
            trs.append([n, str(r.params.get('transport')),
                        str(r.params.get('size', 0)), r.lo('min_ns'),
                        r.med('p50_ns'), r.med('p99_ns'), r.hi('max_ns'),
                        r.med('avg_ns'), rstr(rr)])
        table(out, ['row', 'transport', 'size', 'min', 'p50', 'p99', 'max',
                    'avg', 'vs futex (0 B)'], trs, md)
        res['tables']['rtt_' + set_] = trs

    # mkipc against its peers, at each size
    section(out, md, '## mkipc against each peer: mkipc p50 / peer p50 (perf '
            'pipe: avg), per round; below 1: mkipc is faster',
            '## mkipc against each peer (p50 ratio; below 1 mkipc is '
            'faster)')
    prs = []
    for set_, _ in IPC_SETS:
        for size in (0, 64, 1024, 4096):
            sfx = '' if size == 0 else '_%d' % size
            m = set_ + '_mkipc' + sfx
            if m not in rows:
                continue
            cells = [set_, str(size)]
            for peer in PEERS[1:]:
                p = set_ + '_' + peer + sfx
                key = 'avg_ns' if peer == 'perf_pipe' else 'p50_ns'
                r = ratio(rows, m, p, key)
                cells.append('%.2f' % r['median'] if r else '-')
            prs.append(cells)
    table(out, ['set', 'size'] + PEERS[1:], prs, md)
    res['tables']['mkipc_vs_peers'] = prs

    # targets
    section(out, md, '## Targets (tools/bench/claims.json): ratio of the '
            'medians per round, with the rounds\' range',
            '## The project\'s targets')
    trs = []
    res['targets'] = []
    for t in cfg.get('targets', []):
        r = ratio(rows, t['num'], t['den'], t['stat'])
        v = verdict(r, t)
        trs.append([t['set'], t['what'], rstr(r), limit_str(t), v,
                    t['stat']])
        res['targets'].append(dict(t, value=r, verdict=v))
    table(out, ['set', 'ratio', 'value', 'target', 'verdict', 'basis'],
          trs, md)

    # ablation
    abl = [n for n in order if rows[n].params.get('set') in ('abl', 'abl2')]
    if abl:
        section(out, md, '## Ablation (threads): each optimization off alone, '
                'naive = all off; vs_full = row / full, p50 and avg',
                '## Ablation')
        ars = []
        for n in abl:
            r = rows[n]
            full = r.params['set'] + '_full'
            ars.append([n, str(r.params.get('cpus')), r.med('p50_ns'),
                        r.med('p99_ns'), r.med('avg_ns'),
                        rstr(ratio(rows, n, full, 'p50_ns')),
                        rstr(ratio(rows, n, full, 'avg_ns'))])
        table(out, ['row', 'cpus', 'p50', 'p99', 'avg', 'p50 vs full',
                    'avg vs full'], ars, md)
        res['tables']['ablation'] = ars
        figs['ablation'] = [(n, ratio(rows, n, rows[n].params['set']
                                      + '_full', 'p50_ns'))
                            for n in abl if rows[n].params['set'] == 'abl']

    # contention
    con = [n for n in order if rows[n].suite == 'contend']
    if con:
        section(out, md, '## Contention: M clients x N servers on one endpoint; '
                'calls/s (median over rounds), a call\'s p50/p99 (ns)',
                '## Contention')
        crs = []
        for n in con:
            r = rows[n]
            crs.append([n, str(r.params.get('clients')),
                        str(r.params.get('servers')),
                        str(r.params.get('opt')), r.med('calls_per_s'),
                        r.med('p50_ns'), r.med('p99_ns'),
                        r.med('client_calls_min'), r.med('client_calls_max'),
                        '%.2f' % r.med('queued_share')
                        if r.med('queued_share') is not None else '-'])
        table(out, ['row', 'M', 'N', 'queue', 'calls/s', 'p50', 'p99',
                    'client min', 'client max', 'queued'], crs, md)
        res['tables']['contention'] = crs
        figs['contention'] = {n: (rows[n].params, rows[n].med('calls_per_s'))
                              for n in con}

    # priority
    pri = [n for n in order if rows[n].suite == 'prio']
    if pri:
        section(out, md, '## Priority: inheritance (prio-inv) and the completion '
                'boost (prio-wake), on against off, ns',
                '## Priority inheritance and boost')
        prs = []
        for n in pri:
            r = rows[n]
            prs.append([n, ' '.join('%s=%s' % kv for kv in
                                    r.params.items()),
                        r.med('p50_ns'), r.med('p99_ns'), r.med('max_ns'),
                        r.med('avg_ns')])
        table(out, ['row', 'params', 'p50', 'p99', 'max', 'avg'], prs, md)
        pairs = [('prio_inv_on', 'prio_inv_off'),
                 ('prio_wake_boost', 'prio_wake_noboost'),
                 ('prio_wake_boost100', 'prio_wake_noboost12'),
                 ('pp_track_boost', 'pp_track_off'),
                 ('pp_pi_fifo_on', 'pp_pi_fifo_off')]
        prr = []
        for on, off in pairs:
            if on in rows and off in rows:
                prr.append([on + ' / ' + off,
                            rstr(ratio(rows, on, off, 'p50_ns')),
                            rstr(ratio(rows, on, off, 'p99_ns')),
                            rstr(ratio(rows, on, off, 'max_ns'))])
        table(out, ['pair (on / off)', 'p50', 'p99', 'max'], prr, md)
        res['tables']['prio'] = prs
        res['tables']['prio_ratios'] = prr

    # switch
    sw = [n for n in order if rows[n].suite == 'switch'
          and not n.startswith('sw_native')]
    if sw:
        yld = median(v / 2 for v in rows['sw_native_yield'].vals('avg_ns')) \
            if 'sw_native_yield' in rows else None
        ftx = median(v / 2 for v in rows['sw_native_futex'].vals('avg_ns')) \
            if 'sw_native_futex' in rows else None
        section(out, md, '## Context-switch hand-offs (switch_opt.c), ns a '
                'hand-off (avg, median over rounds); natives per switch '
                '= round trip / 2: futex %s, yield %s'
                % (fmt(ftx), fmt(yld)),
                '## Context-switch hand-offs')
        srs = []
        for n in sw:
            r = rows[n]
            a = r.med('avg_ns')
            srs.append([n, a, r.med('min_ns'),
                        '%.2f' % (a / ftx) if a and ftx else '-',
                        '%.2f' % (a / yld) if a and yld else '-',
                        str(sum(r.vals('cut_short')))])
        table(out, ['variant', 'avg', 'min', 'vs futex', 'vs yield',
                    'cut short'], srs, md)
        res['tables']['switch'] = srs
        figs['switch'] = [(n, rows[n].med('avg_ns')) for n in sw
                          if not n.endswith('_cross')]

    # queues
    q = [n for n in order if rows[n].suite == 'queue']
    if q:
        section(out, md, '## Kernel queues (kthreads): Mops/s, median over rounds; '
                'lfq/spin per round; wake paths ns',
                '## Kernel queues and wake paths')
        qrs = []
        qfig = []
        qmin = cfg.get('queue_lfq_over_spin_min', 1.3)
        for n in q:
            if not n.startswith('queue_lfq_'):
                continue
            sp = n.replace('queue_lfq_', 'queue_spin_')
            r = rows[n]
            t = {'min': qmin} if r.params['producers'] >= 2 and \
                r.params['consumers'] >= 2 else None
            rr = ratio(rows, n, sp, 'mops')
            qrs.append(['%sx%s' % (r.params['producers'],
                                   r.params['consumers']),
                        r.med('mops'), rows[sp].med('mops') if sp in rows
                        else None, rstr(rr),
                        verdict(rr, t) if t else '-'])
            qfig.append(('%sx%s' % (r.params['producers'],
                                    r.params['consumers']),
                         r.med('mops'),
                         rows[sp].med('mops') if sp in rows else None))
        table(out, ['PxC', 'lfq Mops', 'spin Mops', 'lfq/spin',
                    'target >= %.2f' % qmin], qrs, md)
        wrs = []
        for n in q:
            if n.startswith('queue_'):
                continue
            r = rows[n]
            key = 'ns_per_wake' if 'nosleeper' in n else 'ns_per_round_trip'
            base = n.replace('owaitq', 'stock')
            rr = ratio(rows, n, base, key) if base != n else None
            wrs.append([n, r.med(key), rstr(rr)])
        table(out, ['wake path', 'ns', 'vs stock'], wrs, md)
        res['tables']['queue'] = qrs
        res['tables']['wake'] = wrs
        figs['queue'] = qfig

    uq = os.path.join(meta.get('results_path', ''), 'userq-bench.json')
    if os.path.exists(uq):
        with open(uq) as f:
            u = json.load(f)
        section(out, md, '## Userspace queues on the host\'s own CPUs '
                '(tools/userq, FULL=1): %s items, %s runs, Mops/s median'
                % (u.get('items'), u.get('reps')),
                '## Userspace queues on the host\'s own CPUs')
        urs = [[r['queue'], str(r['producers']), str(r['consumers']),
                r.get('mops_median'), r.get('ns_per_item')]
               for r in u.get('results', [])]
        table(out, ['queue', 'P', 'C', 'Mops/s', 'ns/item'], urs, md)
        res['tables']['userq'] = urs

    out.append('')
    out.extend(claims_out)
    if problems:
        section(out, md, '## Runs that failed or broke their checks',
                '## Runs that failed or broke their checks')
        out.extend('  ' + p for p in problems)
        md.extend('- ' + p for p in problems)
        md.append('')
    res['problems'] = problems
    return res


def claims(rows, cfg, meta):
    out = ['## The design\'s claims against what this run measured '
           '(ratios of rows in the same rounds)']
    md = ['## The design\'s claims', '',
          'Each claim of ../shared/design/ipc-optimization-design.md '
          'beside the ratio this run measured for it, from '
          'tools/bench/claims.json.', '']
    res = []
    trs = []
    guest = meta.get('guest') == '1'
    for c in cfg.get('claims', []):
        if 'row' in c:
            # An absolute claim: a time, which only a host can give.
            row = rows.get(c['row'])
            a = row.med(c['stat']) if row else None
            r = {'median': a / c['max_abs'], 'min': a / c['max_abs'],
                 'max': a / c['max_abs'], 'rounds': 1,
                 'absolute': a} if a else None
            if guest:
                v = 'not measurable here: an absolute time, from a guest'
            elif r is None:
                v = 'not measurable here: %s was not run' % c['row']
            else:
                v = 'confirmed' if a <= c['max_abs'] else 'refuted'
            res.append(dict(c, value=r, verdict=v))
            trs.append([c['id'], c['design'], c['comparable'],
                        '%s (%s)' % (c['row'], c['stat']),
                        fmt(a) + ' ns' if a else '-',
                        '<= %d ns' % c['max_abs'], v])
            continue
        r = ratio(rows, c['num'], c['den'], c['stat'])
        if c.get('not_measurable'):
            v = 'not measurable: ' + c['not_measurable']
        elif c.get('info'):
            v = 'information only: ' + c['info']
        elif r is None:
            v = 'not measurable here: %s or %s was not run' % (c['num'],
                                                                c['den'])
        elif c.get('min_queued') and (rows[c['num']].med('queued_share') or
                                      0) < c['min_queued']:
            v = ('not measurable here: %.0f %% of the calls waited in the '
                 'queue, under %.0f %%' % (
                     100 * (rows[c['num']].med('queued_share') or 0),
                     100 * c['min_queued']))
        else:
            ok = r['median'] <= c['max'] if 'max' in c else \
                r['median'] >= c['min']
            if c.get('project_bound'):
                v = ('met' if ok else 'missed') + ' (the project\'s bound)'
            else:
                v = 'confirmed' if ok else 'refuted'
        if r and r['rounds'] > 1 and ('max' in c or 'min' in c) and \
           not c.get('not_measurable'):
            lim = c.get('max', c.get('min'))
            if r['min'] <= lim <= r['max']:
                v += ' (rounds straddle the bound)'
        res.append(dict(c, value=r, verdict=v))
        trs.append([c['id'], c['design'], c['comparable'],
                    '%s / %s (%s)' % (c['num'], c['den'], c['stat']),
                    rstr(r), limit_str(c), v])
    table(out, ['claim', 'measured', 'claim means', 'verdict'],
          [[t[0], t[4], t[5], t[6].split(':')[0]] for t in trs])
    out.append('(what each claim says and which rows stand for it: '
               'RESULTS.md and tools/bench/claims.json)')
    md.append('| claim | design says | comparable here | rows | measured '
              '| claim means | verdict |')
    md.append('|---|---|---|---|---|---|---|')
    for t in trs:
        md.append('| ' + ' | '.join(s.replace('|', '/') for s in t) + ' |')
    md.append('')
    if meta.get('guest') == '1':
        md.append('The design\'s absolute figures (2.5 -> 1.2 us, XanMod '
                  '~0.5 us) cannot be checked in a guest under emulation: '
                  'only a `make bench HOST=1` run on real hardware gives '
                  'absolute times.')
        md.append('')
    return out, md, res


# --- plots ---

def gnuplot(plotdir, name, script, notes):
    if not shutil.which('gnuplot'):
        notes.append('gnuplot not found: no %s plot' % name)
        return []
    made = []
    for term, ext in (('svg size 900,560 dynamic font "sans,12"', 'svg'),
                      ('pngcairo size 900,560 font "sans,11"', 'png')):
        path = os.path.join(plotdir, name + '.' + ext)
        full = 'set terminal %s\nset output "%s"\n%s\nunset output\n' % (
            term, path, script)
        p = subprocess.run(['gnuplot'], input=full, text=True,
                           capture_output=True)
        if p.returncode != 0 or p.stderr.strip():
            # gnuplot reads on past an error in its input: any word on
            # stderr is one.
            notes.append('gnuplot on %s: %s' % (name, p.stderr.strip()))
            if p.returncode != 0:
                continue
        if ext == 'svg':
            # The license line every file of the tree carries, so that
            # a plot can be committed as it is (docs/plots/).
            with open(path) as f:
                lines = f.readlines()
            lines.insert(1 if lines and lines[0].startswith('<?xml')
                         else 0,
                         '<!-- SPDX-License-Identifier: GPL-2.0 -->\n')
            with open(path, 'w') as f:
                f.writelines(lines)
        made.append(path)
    return made


def read_samples(path, notes):
    try:
        with open(path) as f:
            return sorted(int(line.split()[0]) for line in f
                          if line.strip())
    except (OSError, ValueError, IndexError) as e:
        notes.append('%s: unreadable (%s): left out of the plot' % (path, e))
        return []


def plots(resdir, rows, order, meta, figs, notes):
    plotdir = os.path.join(resdir, 'plots')
    os.makedirs(plotdir, exist_ok=True)
    made = []
    # The plots' second title line: the kernel and where it ran.
    env = '%s, %s, %s CPUs' % (meta.get('kernel', '?'),
                               'TCG guest: read ratios'
                               if meta.get('guest') == '1' else
                               meta.get('machine', 'host'),
                               meta.get('ncpu', '?'))
    for set_, what in IPC_SETS:
        series = []
        for n in order:
            r = rows[n]
            if r.params.get('set') != set_ or not r.samples_file or \
               r.params.get('size') not in (0, None):
                continue
            s = read_samples(r.samples_file, notes)
            if not s:
                continue
            dat = os.path.join(plotdir, 'cdf_%s_%s.dat' % (set_, n))
            with open(dat, 'w') as f:
                f.write('# %s: latency (ns) and the fraction of round trips '
                        'at or below it (%d samples, round 1)\n'
                        % (n, len(s)))
                step = max(1, len(s) // 400)
                for i in range(0, len(s), step):
                    f.write('%d %.5f\n' % (s[i], (i + 1) / len(s)))
                f.write('%d 1.0\n' % s[-1])
            series.append((r.params.get('transport'), dat,
                           nearest_rank(s, 99)))
        if not series:
            continue
        xmax = max(p99 for _, _, p99 in series) * 1.5
        # mkipc in black and thicker; each peer a color of its own.
        plot = ', '.join('"%s" using 1:2 with lines %s title "%s"'
                         % (d, 'lw 3 lc rgb "black"' if t == 'mkipc'
                            else 'lw 2 lc rgb "%s"'
                            % PEER_COLORS[i % len(PEER_COLORS)], t)
                         for i, (t, d, _) in enumerate(series))
        made += gnuplot(plotdir, 'cdf_' + set_, '''
set title "Round-trip latency, %s: every round trip of round 1\\n%s" noenhanced
set xlabel "round trip (ns, log scale; up to 1.5 x the slowest p99)"
set ylabel "fraction of round trips"
set logscale x
set xrange [*:%d]
set yrange [0:1]
set grid
set key bottom right
plot %s''' % (what, env, xmax, plot), notes)
    if figs.get('ablation'):
        dat = os.path.join(plotdir, 'ablation.dat')
        with open(dat, 'w') as f:
            f.write('# row p50_over_full min max\n')
            for n, r in figs['ablation']:
                if r:
                    label = n.replace('abl_', '')
                    if label == 'futex':
                        label = 'futex(Linux)'
                    f.write('%s %.4f %.4f %.4f\n' % (label,
                                                     r['median'], r['min'],
                                                     r['max']))
        made += gnuplot(plotdir, 'ablation', '''
set title "Ablation: p50 round trip with one optimization off, over the full path\\n%s" noenhanced
set ylabel "p50 / full path (above 1: turning it off costs time)"
set style fill solid 0.6
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set xtics rotate by -30 noenhanced
plot "%s" using 0:2:xtic(1) with boxes notitle, "" using 0:2:3:4 with yerrorbars lc rgb "black" title "range over rounds", 1 with lines dt 2 lc rgb "gray" notitle''' % (env, dat), notes)
    if figs.get('contention'):
        dat = os.path.join(plotdir, 'contention.dat')
        by_n = {}
        for n, (p, cps) in figs['contention'].items():
            if p.get('opt') != 'full' or cps is None:
                continue
            by_n.setdefault(p['servers'], []).append((p['clients'], cps))
        blocks = []
        with open(dat, 'w') as f:
            for srv in sorted(by_n):
                f.write('# servers=%d: clients calls_per_s\n' % srv)
                for m, cps in sorted(by_n[srv]):
                    f.write('%d %.1f\n' % (m, cps))
                f.write('\n\n')
                blocks.append(srv)
        plot = ', '.join('"%s" index %d using 1:2 with linespoints lw 2 '
                         'title "servers=%d"' % (dat, i, s)
                         for i, s in enumerate(blocks))
        made += gnuplot(plotdir, 'contention', '''
set title "Contention on one endpoint: calls per second against clients\\n%s" noenhanced
set xlabel "clients"
set ylabel "calls per second"
set logscale x 2
set xrange [0.8:10]
set xtics (1, 2, 4, 8)
set yrange [0:*]
set grid
set key top left
plot %s''' % (env, plot), notes)
    if figs.get('queue'):
        dat = os.path.join(plotdir, 'queue.dat')
        with open(dat, 'w') as f:
            f.write('# PxC lfq_mops spin_mops\n')
            for pc, a, b in figs['queue']:
                f.write('%s %s %s\n' % (pc, a if a is not None else 'NaN',
                                        b if b is not None else 'NaN'))
        made += gnuplot(plotdir, 'queue', '''
set title "Kernel queue throughput against producers x consumers\\n%s" noenhanced
set xlabel "producers x consumers (kthreads)"
set ylabel "Mops/s (an item enqueued and dequeued)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.6
set yrange [0:*]
set grid ytics
plot "%s" using 2:xtic(1) title "lock-free (lfq)", "" using 3 title "spinlock"''' % (env, dat), notes)
    if figs.get('switch'):
        dat = os.path.join(plotdir, 'switch.dat')
        with open(dat, 'w') as f:
            f.write('# variant avg_ns\n')
            for n, a in figs['switch']:
                if a is not None:
                    f.write('%s %.1f\n' % (n.replace('sw_', ''), a))
        made += gnuplot(plotdir, 'switch', '''
set title "Kthread hand-off cost by variant, one CPU\\n%s" noenhanced
set ylabel "ns a hand-off (avg)"
set style fill solid 0.6
set boxwidth 0.7
set yrange [0:*]
set grid ytics
set xtics rotate by -60 font ",8" noenhanced
plot "%s" using 0:2:xtic(1) with boxes notitle''' % (env, dat), notes)
    return made


PLOT_SAYS = {
    'cdf': 'The distribution of every round trip of the first round, mkipc '
           '(black) against each native peer: the further left, the '
           'faster; the flat top is the tail.',
    'ablation': 'p50 with each optimization off alone, over the full '
                'path: a bar above 1 is an optimization that helps.',
    'contention': 'Calls per second on one endpoint against the number '
                  'of clients, one line per number of servers.',
    'queue': 'The kernel queues\' throughput by producers x consumers, '
             'lock-free against spinlock.',
    'switch': 'What a kthread hand-off costs, by variant, on one CPU.',
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('results', help='a results folder (results/bench-*)')
    ap.add_argument('--claims', default=os.path.join(HERE, 'claims.json'))
    ap.add_argument('--no-plots', action='store_true')
    ap.add_argument('--quiet', action='store_true',
                    help='write the files, print nothing')
    a = ap.parse_args()

    meta, runs = load(a.results)
    meta['results_dir'] = os.path.basename(os.path.abspath(a.results))
    meta['results_path'] = os.path.abspath(a.results)
    with open(a.claims) as f:
        cfg = json.load(f)
    rows, order, problems = build_rows(runs, meta)
    if meta.get('planned', '').isdigit() and \
       len(runs) < int(meta['planned']):
        problems.insert(0, 'the run was cut short: %d of %s planned runs '
                        'are in the manifest (the guest\'s time limit?)'
                        % (len(runs), meta['planned']))
    out, md, figs = [], [], {}
    res = report(meta, rows, order, problems, cfg, out, md, figs)
    notes = []
    made = [] if a.no_plots else plots(a.results, rows, order, meta, figs,
                                       notes)
    if made:
        md.append('## Plots')
        md.append('')
        for p in made:
            if p.endswith('.svg'):
                rel = os.path.relpath(p, a.results)
                base = os.path.basename(p)[:-4]
                md.append(PLOT_SAYS.get(base.split('_')[0], base))
                md.append('')
                md.append('![%s](%s)' % (base, rel))
                md.append('')
    res['rows'] = {n: dict(suite=rows[n].suite, params=rows[n].params,
                           summary=rows[n].summary(),
                           rounds={str(k): v for k, v in
                                   sorted(rows[n].by_rep.items())})
                   for n in order}
    res['runs'] = [{k: r[k] for k in ('suite', 'name', 'rep', 'kind',
                                        'file', 'rc', 'secs', 'params',
                                        'error')} for r in runs]
    res['plots'] = [os.path.relpath(p, a.results) for p in made]
    res['notes'] = notes
    with open(os.path.join(a.results, 'results.json'), 'w') as f:
        json.dump(res, f, indent=1, sort_keys=True)
        f.write('\n')
    with open(os.path.join(a.results, 'RESULTS.md'), 'w') as f:
        f.write('\n'.join(md) + '\n')
    if not a.quiet:
        print('\n'.join(out))
        for n in notes:
            print('# ' + n)
        print('# report: %s/results.json, RESULTS.md, %d plot files'
              % (a.results, len(made)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
