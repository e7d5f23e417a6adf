#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks a `trace-cmd report -t` of N mkipc calls (mkipc_trace_test.sh).

Each mkipc_call must be followed by the server's mkipc_recv and
mkipc_reply of the call's token and then the client's mkipc_call_done of
it, in that order, by the right threads, on one endpoint, all "ok".
Prints what is wrong (at most five lines); exit 0 if nothing is.

usage: mkipc_trace_order.py REPORT N
"""
import re
import sys

lines = open(sys.argv[1]).read().splitlines()
want = int(sys.argv[2])
ev = []
for ln in lines:
    m = re.match(r'\s*.*?-(\d+)\s+\[\d+\]\s+([\d.]+):\s+(\w+):\s*(.*)$', ln)
    if m and m.group(3).startswith('mkipc_'):
        ev.append((int(m.group(1)), m.group(3),
                   dict(re.findall(r'(\w+)=(\S*)', m.group(4)))))
bad = []
calls = [i for i, e in enumerate(ev) if e[1] == 'mkipc_call']
dones = [i for i, e in enumerate(ev) if e[1] == 'mkipc_call_done']
if len(calls) != want or len(dones) != want:
    bad.append('%d mkipc_call, %d mkipc_call_done, want %d each'
               % (len(calls), len(dones), want))
for c, d in zip(calls, dones):
    pid, _, f = ev[c]
    tok, ep = ev[d][2].get('token'), f.get('ep')
    seq = [(e[1], e[0]) for e in ev[c:d + 1]
           if e[1] in ('mkipc_call', 'mkipc_call_done') and e[0] == pid
           or e[2].get('token') == tok and e[1] in ('mkipc_recv',
                                                   'mkipc_reply')]
    names = [s[0] for s in seq]
    if names != ['mkipc_call', 'mkipc_recv', 'mkipc_reply',
                 'mkipc_call_done']:
        bad.append('token %s: %s' % (tok, ' '.join(names)))
        continue
    srv = seq[1][1]
    if srv == pid or seq[2][1] != srv or ev[d][0] != pid:
        bad.append('token %s: threads %s' % (tok, [s[1] for s in seq]))
    for e in ev[c:d + 1]:
        if e[1] in names and e[2].get('ep') not in (ep, None) and \
           e[2].get('token') == tok:
            bad.append('token %s: endpoint %s, not %s'
                       % (tok, e[2].get('ep'), ep))
    if any(e[2].get('result') != 'ok' for e in ev[c:d + 1]
           if e[1] in names and (e[2].get('token') == tok or e[0] == pid)):
        bad.append('token %s: a result not ok' % tok)
for b in bad[:5]:
    print(b)
sys.exit(1 if bad else 0)
