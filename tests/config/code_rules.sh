#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The code's own rules (CONTRIBUTING.md), checked on every run: every C file
# as .clang-format lays it out, no product file over 800 lines and no
# function over 120 (scripts/sizes.py), and no include by a path that is not
# from the repository root.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
files=$(git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^vmlinux/' || find bpf user web sinks collectors tests bench -name '*.[ch]')
if ! command -v clang-format >/dev/null; then
	fail code_rules_formatted "clang-format missing (sh scripts/setup.sh test installs it)"
else
	out=$(clang-format --dry-run $files 2>&1 | grep -m5 'warning:')
	if [ -z "$out" ]; then ok code_rules_formatted
	else fail code_rules_formatted "not as .clang-format lays it out (clang-format -i FILE): $(echo "$out" | tr '\n' ' ')"; fi
fi
out=$(python3 scripts/sizes.py)
if [ -z "$out" ]; then ok code_rules_sizes
else fail code_rules_sizes "$(echo "$out" | tr '\n' ' ')"; fi
# includes from the root: "dir/file.h" that exists from there (skeletons and vmlinux.h aside)
out=$(grep -Hn '^#include "' $files | grep -v '\.skel\.h"\|"vmlinux\.h"' | while IFS= read -r l; do
	f=$(echo "$l" | sed 's/.*#include "\([^"]*\)".*/\1/')
	[ -f "$f" ] || echo "$l"
done | head -5)
if [ -z "$out" ]; then ok code_rules_includes_from_root
else fail code_rules_includes_from_root "$(echo "$out" | tr '\n' ' ')"; fi
finish
