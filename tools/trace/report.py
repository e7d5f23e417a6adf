#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Per-call report of an mkipc trace: where each call's time went.

Reads the text of `trace-cmd report` or `perf script` (a file, or stdin
with "-") from a recording of the mkipc events with the scheduler's
sched_switch and sched_wakeup, and follows each call from the client's
mkipc_call to its mkipc_call_done:

  queue    mkipc_call .. the server's wake-up (sched_wakeup)
  wake     the wake-up .. the server switched in (sched_switch)
  take     switched in .. the server's mkipc_recv returned the call
  serve    mkipc_recv .. the server's mkipc_reply (the server's own work,
           its return to userspace and its next ioctl)
  rwake    mkipc_reply .. the client's wake-up
  rswitch  the client's wake-up .. the client switched in
  done     switched in .. mkipc_call_done

Sent messages (mkipc_send, e.g. `mkipc pingpong --naive`) are followed
to the receive that took them, in the first three phases.

A phase whose events are missing (the thread was running already, as on
two CPUs with a spinning peer, or a wake-up came before the call) is "-",
and the neighbouring phase holds its time. Times are in microseconds of
the trace clock; under emulation they are inflated, so read them against
each other, not as absolutes.

usage: report.py [--calls N] [--json] FILE|-
"""

import argparse
import json
import re
import sys

# trace-cmd: "comm-pid [cpu] ts: event: args"; perf script: "comm pid [cpu]
# ts: sys:event: args" (either may carry latency flags after the CPU).
LINE = re.compile(r'^\s*(?P<comm>.*?)[- ](?P<pid>\d+)\s+(?:\(\s*\d+\)\s+)?'
                  r'\[(?P<cpu>\d+)\]\s+(?:\S+\s+)?(?P<ts>\d+\.\d+):\s+'
                  r'(?:\w+:)?(?P<ev>\w+):\s*(?P<args>.*)$')
KV = re.compile(r'(\w+)=(\S*)')
# sched_wakeup: "comm:pid [prio] ..." or "comm=.. pid=.. ..."
WAKEE = re.compile(r'(?:^|\s)pid=(\d+)|:(\d+) \[')
# sched_switch: the part after "==>", either format
NEXT = re.compile(r'next_pid=(\d+)|:(\d+) \[')

PHASES = ['queue', 'wake', 'take', 'serve', 'rwake', 'rswitch', 'done']


def parse(f):
    """Yield (ts_us, pid, cpu, event, fields) from report lines."""
    for line in f:
        m = LINE.match(line)
        if not m:
            continue
        ev = m.group('ev')
        args = m.group('args')
        fields = dict(KV.findall(args))
        if ev == 'sched_wakeup':
            w = WAKEE.search(args)
            if not w:
                continue
            fields = {'wakee': int(w.group(1) or w.group(2))}
        elif ev == 'sched_switch':
            _, _, after = args.partition('==>')
            n = NEXT.search(after)
            if not n:
                continue
            fields = {'next': int(n.group(1) or n.group(2))}
        elif not ev.startswith('mkipc_'):
            continue
        yield (float(m.group('ts')) * 1e6, int(m.group('pid')),
               int(m.group('cpu')), ev, fields)


def path_of(paths):
    """The union of the events' path flags, in the kernel's order."""
    seen = set()
    for p in paths:
        if p and p != 'slow':
            seen.update(p.split('|'))
    order = ['direct', 'slot', 'inline', 'sync']
    return '|'.join(f for f in order if f in seen) or 'slow'


def first(events, start, end, pred):
    """The first event with index in [start, end) that pred accepts."""
    for i in range(start, end):
        if pred(events[i]):
            return i
    return None


def calls(events):
    """Follow every call that ended with a reply; yield one dict each."""
    # The client's calls, paired in order with its own call_done.
    open_call = {}
    for i, (ts, pid, cpu, ev, f) in enumerate(events):
        if ev == 'mkipc_call':
            if f.get('result') == 'ok':
                open_call[pid] = i
            continue
        if ev != 'mkipc_call_done' or pid not in open_call:
            continue
        c = open_call.pop(pid)
        token, ep = f.get('token'), f.get('ep')
        if f.get('result') != 'ok' or token in (None, '0'):
            continue
        # The server: who received this token on this endpoint.
        r = first(events, c, i, lambda e: e[3] == 'mkipc_recv' and
                  e[4].get('token') == token and e[4].get('ep') == ep)
        if r is None:
            continue
        srv = events[r][1]
        p = first(events, r, i, lambda e: e[3] == 'mkipc_reply' and
                  e[1] == srv and e[4].get('token') == token)
        if p is None:
            continue
        # The wake-ups and switch-ins between, where there were any.
        sw = first(events, c, r, lambda e: e[3] == 'sched_wakeup' and
                   e[4]['wakee'] == srv)
        ss = first(events, sw if sw is not None else c, r,
                   lambda e: e[3] == 'sched_switch' and e[4]['next'] == srv)
        cw = first(events, p, i, lambda e: e[3] == 'sched_wakeup' and
                   e[4]['wakee'] == pid)
        cs = first(events, cw if cw is not None else p, i,
                   lambda e: e[3] == 'sched_switch' and e[4]['next'] == pid)
        marks = [c, sw, ss, r, p, cw, cs, i]
        t = [events[k][0] if k is not None else None for k in marks]
        phases = {}
        last = t[0]
        for name, now in zip(PHASES, t[1:]):
            if now is None:
                phases[name] = None
                continue
            phases[name] = now - last
            last = now
        yield {
            'client': pid, 'server': srv, 'ep': int(ep),
            'token': token, 'start_us': t[0], 'total_us': t[-1] - t[0],
            'path': path_of(events[k][4].get('path') for k in (c, r, p, i)),
            'cpus': sorted({events[k][2] for k in marks if k is not None}),
            'phases': phases,
        }


def pct(q, p):
    """Nearest rank, the rule of tools/mkipc/lat.c: q sorted, p in 1..100."""
    rank = (len(q) * p + 99) // 100
    return q[max(rank, 1) - 1]


def messages(events):
    """Each sent message to the receive that took it; one dict each."""
    taken = set()
    for k, (ts, pid, cpu, ev, f) in enumerate(events):
        if ev != 'mkipc_send' or f.get('result') != 'ok':
            continue
        ep = f.get('ep')
        r = first(events, k + 1, len(events), lambda e: e[3] == 'mkipc_recv'
                  and e[4].get('ep') == ep and e[4].get('result') == 'ok'
                  and e[4].get('token') == '0' and id(e) not in taken)
        if r is None:
            continue
        taken.add(id(events[r]))
        rcv = events[r][1]
        w = first(events, k, r, lambda e: e[3] == 'sched_wakeup' and
                  e[4]['wakee'] == rcv)
        sw = first(events, w if w is not None else k, r,
                   lambda e: e[3] == 'sched_switch' and e[4]['next'] == rcv)
        t = [events[x][0] if x is not None else None for x in (k, w, sw, r)]
        phases, last = {}, t[0]
        for name, now in zip(PHASES[:3], t[1:]):
            phases[name] = None if now is None else now - last
            last = now if now is not None else last
        yield {'sender': pid, 'receiver': rcv, 'ep': int(ep),
               'total_us': t[-1] - t[0], 'phases': phases,
               'path': path_of([f.get('path'), events[r][4].get('path')])}


def summarize(items, names):
    """min, p50, p90, max of each phase (and the total) over @items."""
    out = {}
    for name in names + ['total']:
        vals = [c['total_us'] if name == 'total' else c['phases'][name]
                for c in items]
        q = sorted(v for v in vals if v is not None)
        if q:
            out[name] = {'n': len(q), 'min': q[0], 'p50': pct(q, 50),
                         'p90': pct(q, 90), 'max': q[-1]}
    return out


def print_summary(summary, names, n):
    print('# over all %d (a phase counts only where it was seen):' % n)
    print('%-8s %6s %8s %8s %8s %8s' % ('phase', 'n', 'min', 'p50', 'p90',
                                        'max'))
    for name in names + ['total']:
        s = summary.get(name)
        if s:
            print('%-8s %6d %8.1f %8.1f %8.1f %8.1f' % (
                name, s['n'], s['min'], s['p50'], s['p90'], s['max']))
        else:
            print('%-8s %6d %8s %8s %8s %8s' % (name, 0, '-', '-', '-', '-'))


def fmt(v):
    return '-' if v is None else '%.1f' % v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--calls', type=int, default=8,
                    help='calls shown one by one (default 8)')
    ap.add_argument('--json', action='store_true',
                    help='every call and the summary, as JSON')
    ap.add_argument('file', help="trace-cmd report / perf script text, or -")
    a = ap.parse_args()

    f = sys.stdin if a.file == '-' else open(a.file, encoding='utf-8',
                                             errors='replace')
    events = sorted(parse(f), key=lambda e: e[0])
    counts = {}
    for e in events:
        counts[e[3]] = counts.get(e[3], 0) + 1
    found = list(calls(events))
    msgs = list(messages(events))
    summary = summarize(found, PHASES)
    msummary = summarize(msgs, PHASES[:3])
    if a.json:
        json.dump({'events': counts, 'calls': found, 'summary': summary,
                   'messages': msgs, 'message_summary': msummary},
                  sys.stdout, indent=1)
        print()
        return 0 if found or msgs else 1

    print('# events: ' +
          ', '.join('%s %d' % kv for kv in sorted(counts.items())))
    if not found and not msgs:
        print('# no call (mkipc_call, mkipc_recv, mkipc_reply and '
              'mkipc_call_done of one token) and no message (mkipc_send '
              'and its mkipc_recv) in the trace')
        return 1
    if found:
        print('# %d calls followed; times in us of the trace clock'
              % len(found))
        print('# phases: ' + ', '.join(PHASES) +
              ' (see the top of tools/trace/report.py)')
        hdr = '%6s %6s %6s %8s' % ('client', 'server', 'cpus', 'total')
        print(hdr + ''.join('%8s' % p for p in PHASES) + '  path')
        for c in found[:a.calls]:
            row = '%6d %6d %6s %8.1f' % (c['client'], c['server'],
                                         ','.join(map(str, c['cpus'])),
                                         c['total_us'])
            row += ''.join('%8s' % fmt(c['phases'][p]) for p in PHASES)
            print(row + '  ' + c['path'])
        print_summary(summary, PHASES, len(found))
    if msgs:
        print('# %d messages (mkipc_send to its mkipc_recv) followed: '
              'queue, wake, take as for calls' % len(msgs))
        print_summary(msummary, PHASES[:3], len(msgs))
    return 0


if __name__ == '__main__':
    sys.exit(main())
