#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Which source file calls (or takes the address of) which, from nm over the
built objects, and every cycle in that graph: "no file calls back into the
file that calls it" (STYLE.md), checked.

An edge A -> B means A.o has an undefined symbol (function or data) that B.o
defines. A cycle is a strongly connected component of more than one file;
each is printed with the edges inside it and the symbols behind them.

    python3 scripts/file-cycles.py [OBJDIR]     (default build/obj; run make first)

Exit status 0 when there is no cycle, 1 when there is one.
"""
import collections
import os
import subprocess
import sys


def graph(root):
    defs, undefs = {}, collections.defaultdict(set)
    for d, _, files in os.walk(root):
        for f in files:
            if not f.endswith('.o'):
                continue
            obj = os.path.join(d, f)
            src = os.path.relpath(obj, root)[:-2] + '.c'
            out = subprocess.run(['nm', obj], capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                p = line.split()
                if len(p) == 2 and p[0] == 'U':
                    undefs[src].add(p[1])
                elif len(p) == 3 and p[1] in 'TDBRVWGS':
                    defs[p[2]] = src
            undefs.setdefault(src, set())
    edges, why = collections.defaultdict(set), collections.defaultdict(set)
    for a, syms in undefs.items():
        for s in syms:
            b = defs.get(s)
            if b and b != a:
                edges[a].add(b)
                why[(a, b)].add(s)
    return list(undefs), edges, why


def cycles(nodes, edges):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out, n = {}, {}, set(), [], [], 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = n
        n += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = n
                    n += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else 'build/obj'
    nodes, edges, why = graph(root)
    found = cycles(sorted(nodes), edges)
    for comp in found:
        print('cycle:', ' '.join(comp))
        for a in comp:
            for b in sorted(edges[a] & set(comp)):
                print('    %s -> %s: %s' % (a, b, ' '.join(sorted(why[(a, b)]))))
    print('%d files, %d cycles' % (len(nodes), len(found)))
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
