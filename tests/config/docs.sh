# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# docs/configuration.md documents every option of the table (user/runtime/config.c's
# rows and the sinks' merged in, as --help prints it): one row with its file
# key, flag, environment variable and the same default. docs/operations.md
# covers what operators need.
. "$(dirname "$0")/../lib.sh"

CFG=$BUILD/tests/helpers/cfgcheck
DOC=$TOP/docs/configuration.md
OPS=$TOP/docs/operations.md
[ -x "$CFG" ] || { fail docs-helper "no $CFG (run make)"; finish; }
"$CFG" --help >"$TMPD/help"
n=0 missing=
# "  --name ARG   help text [default]"
sed -n 's/^  --\([a-z-]*\) \([^ ]*\) .*/\1/p' "$TMPD/help" | grep -vx -e config -e check-config -e list-metrics -e version -e help >"$TMPD/names"
while read -r name; do
	n=$((n + 1))
	key=$(echo "$name" | tr - _)
	env=HOSTLENS_$(echo "$name" | tr a-z- A-Z_)
	def=$(grep -E "^  --$name " "$TMPD/help" | sed -n 's/.* \[\(.*\)\]$/\1/p')
	row=$(grep -F "| \`$key\` |" "$DOC" | grep -F "\`--$name " | grep -F "\`$env\`")
	if [ -z "$row" ]; then
		missing="$missing $name(row)"
	elif [ -n "$def" ] && ! echo "$row" | grep -qF "| \`$def\` |"; then
		missing="$missing $name(default $def)"
	elif [ -z "$def" ] && ! echo "$row" | grep -qF "\`$env\` | |"; then
		missing="$missing $name(empty default)"
	fi
done <"$TMPD/names"
if [ "$n" -ge 30 ] && [ -z "$missing" ]; then ok docs-every-option-documented
else fail docs-every-option-documented "$n options in --help, each with key, flag, env and default; wrong:$missing"; fi

# and nothing documented that the table does not have
extra=
for key in $(sed -n 's/^| `\([a-z_]*\)` | `--.*/\1/p' "$DOC"); do
	grep -qx "$(echo "$key" | tr _ -)" "$TMPD/names" || extra="$extra $key"
done
check docs-no-phantom-options [ -z "$extra" ]
[ -z "$extra" ] || echo "# documented but not in the table:$extra"

missing=
for f in --config --check-config --list-metrics --version --help; do
	grep -qF "| \`$f" "$DOC" || missing="$missing $f"
done
check docs-other-flags [ -z "$missing" ]

# operations: deploy, upgrade, troubleshooting and the data policy
why=
for want in 'docker build -f deploy/Dockerfile' 'kubectl apply -f deploy/kubernetes/' \
	'## Upgrade' '/sys/kernel/btf' 'tracefs' 'tracepoint' 'drops' 'Authorization' 'Cookie' \
	'query string' 'bodies' 'privileged: true' 'CapEff'; do
	grep -qiF -- "$want" "$OPS" 2>/dev/null || why="$why '$want'"
done
if [ -z "$why" ]; then ok docs-operations-topics
else fail docs-operations-topics "docs/operations.md lacks:$why"; fi
finish
