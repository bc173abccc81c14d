# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# docs/configuration.md lists every metric an alert rule can name, and the
# list is the agent's own catalog: the table between the metrics markers is
# byte for byte what `hostlens --list-metrics` prints. Regenerate it with
#   sh tests/alerts/test_metrics_doc.sh --fix
. "$(dirname "$0")/../lib.sh"
DOC=$TOP/docs/configuration.md
[ -x "$HOSTLENS" ] || { fail alerts_metrics_doc "no $HOSTLENS (run make)"; finish; }
"$HOSTLENS" --list-metrics >"$TMPD/table"
rc=$?
sed -n '/^<!-- metrics:begin/,/^<!-- metrics:end -->/p' "$DOC" | sed '1d;$d' >"$TMPD/doc"
if [ "${1:-}" = --fix ]; then
	awk -v t="$TMPD/table" '
		/^<!-- metrics:begin/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
		/^<!-- metrics:end -->/ { skip = 0 }
		!skip' "$DOC" >"$TMPD/new" && cat "$TMPD/new" >"$DOC"
	echo "# $DOC: metrics table regenerated"
	finish
fi
n=$(grep -c '^| `' "$TMPD/table")
if [ $rc = 0 ] && [ "$n" -ge 30 ] && cmp -s "$TMPD/table" "$TMPD/doc"; then ok alerts_metrics_doc_is_the_catalog
else fail alerts_metrics_doc_is_the_catalog "--list-metrics exit 0 with $n metrics, the same as docs/configuration.md (sh $0 --fix); diff: $(diff "$TMPD/doc" "$TMPD/table" | head -6 | tr '\n' '|')"; fi

# every metric the built-in rules read is in that table
missing=
for m in $(: | "$HOSTLENS" --check-config /dev/null 2>/dev/null | sed -n 's/^  - {name: "[^"]*", metric: "\([^"]*\)".*/\1/p'); do
	grep -qF "| \`$m\` |" "$TMPD/doc" || missing="$missing $m"
done
if [ -z "$missing" ]; then ok alerts_builtin_metrics_documented
else fail alerts_builtin_metrics_documented "not in the docs table:$missing"; fi
finish
