#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""The size rules of CONTRIBUTING.md: no product file over 800 lines, no
function over 120. Prints what breaks them; exits 1 if anything does.
A function is a top-level body opened by a line "{" after its signature
and closed by a line "}" (the tree's layout: clang-format, .clang-format)."""
import os
import sys

ROOTS = ["bpf", "user", "web", "sinks", "collectors"]
bad = []
for root in ROOTS:
    for dp, dn, fn in os.walk(root):
        if "node_modules" in dp:
            continue
        for f in sorted(fn):
            if not f.endswith((".c", ".h")):
                continue
            p = os.path.join(dp, f)
            lines = open(p, errors="replace").read().split("\n")
            if len(lines) - 1 > 800:
                bad.append("%s: %d lines (at most 800)" % (p, len(lines) - 1))
            start = None
            for i, l in enumerate(lines):
                if l == "{" and i > 0 and lines[i - 1].rstrip().endswith(")"):
                    start = i
                elif l == "}" and start is not None:
                    if i - start - 1 > 120:
                        bad.append("%s:%d: function of %d lines (at most 120)" % (p, start, i - start - 1))
                    start = None
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
