# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Configuration front end: good files give the expected effective config, each
# kind of bad file is refused with FILE:LINE and the key named, precedence is
# flags > env > file > defaults, and --check-config prints what would run.
# Runs the real table and loader through tests/helpers/cfgcheck (and the agent
# binary itself for --check-config once it exists).
. "$(dirname "$0")/../lib.sh"

CFG=$BUILD/tests/helpers/cfgcheck
FX=$TOP/tests/fixtures/config
[ -x "$CFG" ] || { fail config-helper "no $CFG (run make)"; finish; }

# Keep the caller's environment out of the results.
for v in $(env | sed -n 's/^\(HOSTLENS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

# has OUTFILE LINE... : every line is present verbatim
has() {
	f=$1; shift
	for l in "$@"; do
		grep -qxF -- "$l" "$f" || { echo "missing '$l' in: $(tr '\n' '|' <"$f")"; return 1; }
	done
}

# --- good files -------------------------------------------------------------
"$CFG" --config "$FX/good-full.yaml" >"$TMPD/full" 2>"$TMPD/full.err"
rc=$?
why=$(has "$TMPD/full" \
	'listen: "0.0.0.0:9443"' 'sink: ["kinesis", "dynamodb"]' 'data_dir: "/srv/hostlens"' \
	'flush_interval: 15' 'source: "node-a"' 'dynamodb_ttl_days: 7' 'dynamodb_create_table: true' \
	'file_rotate_bytes: 134217728' 'file_gzip: true' 'file_fsync: "always"' \
	'spool_max_bytes: 1073741824' 'pid: [101, 202]' 'comm: ["nginx", "gunicorn"]' \
	'cgroup: ["/kubepods.slice"]' 'http_max_routes: 50' 'ring_size: 524288' \
	'wakeup_bytes: 32768' 'log_size: 33554432' 'summary: "off"' 'log_level: "debug"' \
	'web_idle_timeout: 60' 'kinesis_partition_key: ""' \
	'  - {name: "high-cpu", metric: "cpu_usage_pct", op: ">", threshold: 90, for: 60, severity: "critical"}' \
	'  - {name: "slow-api", metric: "api_latency_p95_ms", op: ">=", threshold: 250.5, for: 30, severity: "warning"}')
if [ $rc = 0 ] && [ -z "$why" ]; then ok good-full-file-effective-config
else fail good-full-file-effective-config "exit 0 and every value from the file (defaults elsewhere); got exit $rc $(cat "$TMPD/full.err") $why"; fi

n=$(grep -c '^  - {name' "$TMPD/full")
check good-full-file-two-alert-rules [ "$n" = 2 ]

"$CFG" --config "$FX/good-dashes.yaml" >"$TMPD/dashes" 2>&1
why=$(has "$TMPD/dashes" 'data_dir: "/tmp/hostlens-dashes"' 'flush_interval: 5' 'http_keep_query: true')
if [ -z "$why" ]; then ok good-file-dashed-keys
else fail good-file-dashed-keys "data-dir/flush-interval/http-keep-query accepted like the flags; $why"; fi

"$CFG" >"$TMPD/defaults" 2>&1
"$CFG" --config "$FX/good-empty.yaml" >"$TMPD/empty" 2>&1
rc=$?
if [ $rc = 0 ] && cmp -s "$TMPD/defaults" "$TMPD/empty"; then ok good-empty-file-is-defaults
else fail good-empty-file-is-defaults "an empty file changes nothing; exit $rc, diff: $(diff "$TMPD/defaults" "$TMPD/empty" | head -5)"; fi

why=$(has "$TMPD/defaults" 'listen: "127.0.0.1:9090"' 'sink: ["file"]' 'data_dir: "/var/lib/hostlens"' \
	'flush_interval: 10' 'kinesis_stream: "real-time-analytics-stream"' \
	'dynamodb_table: "analytics-data"' 'http_keep_query: false' 'alerts:' \
	'  - {name: "cpu_high", metric: "cpu_usage_pct", op: ">", threshold: 80, for: 120, severity: "warning"}')
if [ -z "$why" ]; then ok defaults-match-the-design-table
else fail defaults-match-the-design-table "$why"; fi

# The printed config is itself a valid config that loads to the same thing.
"$CFG" --config "$TMPD/full" >"$TMPD/full2" 2>&1
if cmp -s "$TMPD/full" "$TMPD/full2"; then ok printed-config-round-trips
else fail printed-config-round-trips "reloading the output changes it: $(diff "$TMPD/full" "$TMPD/full2" | head -6 | tr '\n' '|')"; fi

# A secret is never echoed by the effective-config print.
"$CFG" --auth-token s3cr3t-token-value >"$TMPD/tok" 2>&1
if grep -q 's3cr3t' "$TMPD/tok"; then fail auth-token-not-printed "token text in the output"
elif grep -qxF 'auth_token: "<set>"' "$TMPD/tok"; then ok auth-token-not-printed
else fail auth-token-not-printed "auth_token: \"<set>\"; got $(grep auth_token "$TMPD/tok")"; fi

# --- bad files: exit 2 and the exact FILE:LINE: key '...' message ---------------
bad() { # NAME FILE EXPECTED-SUBSTRING
	name=$1; file=$FX/$2; want=$3
	"$CFG" --config "$file" >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	if [ $rc = 2 ] && grep -qF -- "$want" "$TMPD/err" && [ ! -s "$TMPD/out" ]; then ok "$name"
	else fail "$name" "exit 2 and '$want'; got exit $rc: $(cat "$TMPD/err")"; fi
}
bad bad-unknown-key bad-unknown-key.yaml "$FX/bad-unknown-key.yaml:2: key 'flush_intervall': unknown option"
bad bad-int bad-int.yaml "$FX/bad-int.yaml:3: key 'flush_interval': --flush-interval: 'ten' is not a whole number from 1 to 3600"
bad bad-size bad-size.yaml "$FX/bad-size.yaml:1: key 'ring_size': --ring-size: '12Q' is not a size"
bad bad-bool bad-bool.yaml "$FX/bad-bool.yaml:1: key 'file_gzip': --file-gzip: 'maybe' is not true or false"
bad bad-list-where-scalar bad-list-for-scalar.yaml "$FX/bad-list-for-scalar.yaml:1: key 'listen': takes one value, not a list"
bad bad-alert-op bad-alert-op.yaml "$FX/bad-alert-op.yaml:4: key 'alerts.op': '=>' is not >, >=, < or <="
bad bad-yaml-syntax bad-yaml-syntax.yaml "$FX/bad-yaml-syntax.yaml:3: YAML error: did not find expected ',' or ']' (while parsing a flow sequence on line 2)"
bad bad-duplicate-key bad-duplicate-key.yaml "$FX/bad-duplicate-key.yaml:3: key 'flush_interval': given twice (first on line 1)"
bad bad-redact-regex bad-redact-regex.yaml "$FX/bad-redact-regex.yaml:2: key 'redact_segment': --redact-segment: '^[0-9+\$' is not an extended regex"

"$CFG" --config "$TMPD/does-not-exist.yaml" >/dev/null 2>"$TMPD/err"
rc=$?
if [ $rc = 2 ] && grep -qF "$TMPD/does-not-exist.yaml: cannot read config file: No such file or directory" "$TMPD/err"; then
	ok missing-file-named
else fail missing-file-named "exit 2 naming the file; got $rc $(cat "$TMPD/err")"; fi

"$CFG" --flush-interval 0 >/dev/null 2>"$TMPD/err"
rc=$?
if [ $rc = 2 ] && grep -qF -- "--flush-interval: '0' is not a whole number from 1 to 3600" "$TMPD/err"; then ok bad-flag-value
else fail bad-flag-value "exit 2, range named; got $rc $(cat "$TMPD/err")"; fi

"$CFG" --no-such-flag >/dev/null 2>"$TMPD/err"
rc=$?
if [ $rc = 2 ] && grep -qF "unknown option '--no-such-flag'" "$TMPD/err"; then ok unknown-flag
else fail unknown-flag "exit 2; got $rc $(cat "$TMPD/err")"; fi

HOSTLENS_RING_SIZE=3M "$CFG" >/dev/null 2>"$TMPD/err"
rc=$?
if [ $rc = 2 ] && grep -qF -- "--ring-size: 3145728 is not a power of 2" "$TMPD/err"; then ok env-value-validated
else fail env-value-validated "exit 2 for a ring size that is not a power of 2; got $rc $(cat "$TMPD/err")"; fi

# --- precedence: flags > env > file > defaults ------------------------------------
printf 'flush_interval: 20\nsink: [kinesis]\nsource: from-file\n' >"$TMPD/prec.yaml"
val() { sed -n "s/^$1: //p" "$TMPD/p"; }
"$CFG" >"$TMPD/p"; d=$(val flush_interval)
"$CFG" --config "$TMPD/prec.yaml" >"$TMPD/p"; f=$(val flush_interval); fs=$(val sink)
HOSTLENS_FLUSH_INTERVAL=30 HOSTLENS_SINK=dynamodb,file "$CFG" --config "$TMPD/prec.yaml" >"$TMPD/p"
e=$(val flush_interval); es=$(val sink); esrc=$(val source)
HOSTLENS_FLUSH_INTERVAL=30 HOSTLENS_SINK=dynamodb,file "$CFG" --config "$TMPD/prec.yaml" \
	--flush-interval 40 --sink file >"$TMPD/p"
g=$(val flush_interval); gs=$(val sink)
got="$d/$f/$e/$g $fs/$es/$gs $esrc"
want='10/20/30/40 ["kinesis"]/["dynamodb", "file"]/["file"] "from-file"'
if [ "$got" = "$want" ]; then ok precedence-flags-env-file-defaults
else fail precedence-flags-env-file-defaults "defaults/file/env/flag = $want; got $got"; fi

# HOSTLENS_CONFIG names the file when --config is not given; --config wins.
printf 'flush_interval: 7\n' >"$TMPD/other.yaml"
a=$(HOSTLENS_CONFIG="$TMPD/prec.yaml" "$CFG" | sed -n 's/^flush_interval: //p')
b=$(HOSTLENS_CONFIG="$TMPD/prec.yaml" "$CFG" --config "$TMPD/other.yaml" | sed -n 's/^flush_interval: //p')
if [ "$a/$b" = "20/7" ]; then ok config-file-from-env
else fail config-file-from-env "HOSTLENS_CONFIG file 20, --config file 7; got $a/$b"; fi

# --- --check-config ------------------------------------------------------------
"$CFG" --check-config "$FX/good-full.yaml" >"$TMPD/cc" 2>&1
if cmp -s "$TMPD/cc" "$TMPD/full"; then ok check-config-prints-effective-config
else fail check-config-prints-effective-config "same output as --config; $(diff "$TMPD/cc" "$TMPD/full" | head -4)"; fi

if [ -x "$HOSTLENS" ]; then
	"$HOSTLENS" --check-config "$FX/good-full.yaml" >"$TMPD/hc" 2>"$TMPD/hc.err"
	rc=$?
	why=$(has "$TMPD/hc" 'listen: "0.0.0.0:9443"' 'sink: ["kinesis", "dynamodb"]' 'flush_interval: 15' \
		'  - {name: "high-cpu", metric: "cpu_usage_pct", op: ">", threshold: 90, for: 60, severity: "critical"}')
	if [ $rc = 0 ] && [ -z "$why" ]; then ok hostlens-check-config-good
	else fail hostlens-check-config-good "exit 0 and the effective config; got $rc $(head -3 "$TMPD/hc.err") $why"; fi
	"$HOSTLENS" --check-config "$FX/bad-int.yaml" >/dev/null 2>"$TMPD/hb"
	rc=$?
	if [ $rc = 2 ] && grep -qF "$FX/bad-int.yaml:3: key 'flush_interval'" "$TMPD/hb"; then ok hostlens-check-config-bad
	else fail hostlens-check-config-bad "exit 2 naming file:line:key; got $rc $(cat "$TMPD/hb")"; fi
else
	SKIP_OK_IN_CI=1 skip hostlens-check-config "build/hostlens not built yet (main.c lands with the foundation)"
fi
finish
