# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The command line: --version, --help, bad flags and values exit 2 naming the
# problem, config files validated with file:line:key.
. "$(dirname "$0")/../lib.sh"

out=$("$HOSTLENS" --version 2>&1); rc=$?
if [ $rc = 0 ] && echo "$out" | grep -Eq '^hostlens [0-9]+\.[0-9]+\.[0-9]+$'; then ok version; else fail version "rc=$rc out='$out'"; fi

out=$("$HOSTLENS" --help 2>&1); rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q -- '--listen' && echo "$out" | grep -q -- '--flush-interval'; then
	ok help_lists_flags; else fail help_lists_flags "rc=$rc"; fi

expect_usage() { # name expected-substring args...
	name=$1; want=$2; shift 2
	out=$("$HOSTLENS" "$@" 2>&1); rc=$?
	if [ $rc = 2 ] && echo "$out" | grep -q -- "$want"; then ok "$name"
	else fail "$name" "expected exit 2 with '$want', got rc=$rc: $out"; fi
}
expect_usage unknown_flag "unknown option '--bogus'" --bogus
expect_usage missing_value "needs a value" --listen
expect_usage bad_interval "flush-interval: 'abc' is not a whole number" --flush-interval abc
expect_usage interval_range "from 1 to 3600" --flush-interval 0
expect_usage bad_sink "unknown sink 'kafka'" --sink kafka
expect_usage bad_listen "is not ADDR:PORT" --listen nowhere
expect_usage bad_ring "power of 2" --ring-size 3000
expect_usage bad_size "is not a size" --log-size lots
expect_usage bad_signal "unknown signal 'gpu'" --signals cpu,gpu
expect_usage stray_arg "unexpected argument 'extra'" extra
out=$(HOSTLENS_FLUSH_INTERVAL=xyz "$HOSTLENS" --summary off 2>&1); rc=$?
if [ $rc = 2 ] && echo "$out" | grep -q HOSTLENS_FLUSH_INTERVAL; then ok bad_env_var; else fail bad_env_var "rc=$rc: $out"; fi

cat >"$TMPD/good.yaml" <<'YAML'
listen: 127.0.0.1:9191
flush_interval: 5
sink: [file]
comm: [nginx, python3]
alerts:
  - {name: hot, metric: cpu_usage_pct, op: ">", threshold: 90, for: 30}
YAML
out=$("$HOSTLENS" --check-config "$TMPD/good.yaml" 2>&1); rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q 'listen: "127.0.0.1:9191"' && echo "$out" | grep -q 'flush_interval: 5' \
	&& echo "$out" | grep -q 'comm: \["nginx", "python3"\]' && echo "$out" | grep -q 'name: "hot"'; then
	ok check_config_good; else fail check_config_good "rc=$rc: $out"; fi

printf 'listen: 127.0.0.1:9191\nflush_intervall: 5\n' >"$TMPD/bad1.yaml"
out=$("$HOSTLENS" --check-config "$TMPD/bad1.yaml" 2>&1); rc=$?
if [ $rc = 2 ] && echo "$out" | grep -q "bad1.yaml:2: key 'flush_intervall': unknown option"; then
	ok check_config_unknown_key; else fail check_config_unknown_key "rc=$rc: $out"; fi

printf 'flush_interval: 5\nring_size: 12\n' >"$TMPD/bad2.yaml"
out=$("$HOSTLENS" --check-config "$TMPD/bad2.yaml" 2>&1); rc=$?
if [ $rc = 2 ] && echo "$out" | grep -q "ring-size"; then ok check_config_bad_value; else fail check_config_bad_value "rc=$rc: $out"; fi

# flags > env > file
out=$(HOSTLENS_FLUSH_INTERVAL=7 "$HOSTLENS" --config "$TMPD/good.yaml" --check-config "$TMPD/good.yaml" 2>&1)
if echo "$out" | grep -q 'flush_interval: 7' && echo "$out" | grep -q 'listen: "127.0.0.1:9191"'; then
	ok precedence_env_over_file; else fail precedence_env_over_file "$out"; fi

# Sizes: a value past 2^64 - 1 was wrapped (17179869184G is 2^64: read as 0)
# and accepted; now every size option refuses it, naming option and value,
# from a flag, the environment and a file alike. --check-config with an empty
# file: a value that slips through must not start the agent.
: >"$TMPD/empty.yaml"
CHK="--check-config $TMPD/empty.yaml"
for opt in log-size ring-size wakeup-bytes spool-max-bytes file-rotate-bytes; do
	expect_usage "size_overflow_refused_$opt" "--$opt: '17179869184G' is too large" $CHK --$opt 17179869184G
done
expect_usage size_overflow_refused_plain_bytes "--file-rotate-bytes: '18446744073709551616' is too large" \
	$CHK --file-rotate-bytes 18446744073709551616
expect_usage size_negative_refused "--spool-max-bytes: '-1' is not a size" $CHK --spool-max-bytes -1
expect_usage size_log_over_range "--log-size: '17G' is too large (at most 16G)" $CHK --log-size 17G
out=$(HOSTLENS_SPOOL_MAX_BYTES=17179869184G "$HOSTLENS" $CHK 2>&1); rc=$?
if [ $rc = 2 ] && echo "$out" | grep -q "HOSTLENS_SPOOL_MAX_BYTES: --spool-max-bytes: '17179869184G' is too large"; then
	ok size_overflow_refused_env; else fail size_overflow_refused_env "exit 2 naming the variable and value, got rc=$rc: $out"; fi
printf 'flush_interval: 5\nlog_size: 17179869184G\n' >"$TMPD/big.yaml"
out=$("$HOSTLENS" --check-config "$TMPD/big.yaml" 2>&1); rc=$?
if [ $rc = 2 ] && echo "$out" | grep -q "big.yaml:2: key 'log_size': --log-size: '17179869184G' is too large"; then
	ok size_overflow_refused_file; else fail size_overflow_refused_file "exit 2 naming file:line, key and value, got rc=$rc: $out"; fi

# A spool that can hold nothing (0) or less than a batch is refused.
expect_usage spool_zero_refused "--spool-max-bytes: '0' is too small (at least 1M)" $CHK --spool-max-bytes 0
printf 'spool_max_bytes: 0\n' >"$TMPD/spool0.yaml"
out=$("$HOSTLENS" --check-config "$TMPD/spool0.yaml" 2>&1); rc=$?
if [ $rc = 2 ] && echo "$out" | grep -q "spool0.yaml:1: key 'spool_max_bytes': --spool-max-bytes: '0' is too small"; then
	ok spool_zero_refused_file; else fail spool_zero_refused_file "exit 2 naming the key, got rc=$rc: $out"; fi

# Alert thresholds: nan never compares true (a rule that can never fire),
# inf always or never; strtod took both (and 1e999 as inf).
for v in nan NaN inf -inf infinity 1e999; do
	printf 'alerts:\n  - {name: hot, metric: cpu_usage_pct, op: ">", threshold: %s}\n' "$v" >"$TMPD/thr.yaml"
	out=$("$HOSTLENS" --check-config "$TMPD/thr.yaml" 2>&1); rc=$?
	if [ $rc = 2 ] && echo "$out" | grep -qF "thr.yaml:2: key 'alerts.threshold': '$v' is not a finite number"; then
		ok "alert_threshold_not_finite_refused_$v"
	else fail "alert_threshold_not_finite_refused_$v" "exit 2 naming the key and value, got rc=$rc: $out"; fi
done

# The webhook URL is a secret (a Slack URL's path is its token): the printed
# config shows its origin only.
printf 'alert_webhook: "https://hooks.slack.com/services/T0AAA/B0BBB/s3cr3tT0ken?x=1"\n' >"$TMPD/wh.yaml"
out=$("$HOSTLENS" --check-config "$TMPD/wh.yaml" 2>&1); rc=$?
if [ $rc = 0 ] && echo "$out" | grep -qxF 'alert_webhook: "https://hooks.slack.com/<redacted>"' &&
	! echo "$out" | grep -qe s3cr3t -e services -e T0AAA; then
	ok check_config_webhook_redacted
else fail check_config_webhook_redacted "exit 0, alert_webhook shown as its origin only; got rc=$rc: $(echo "$out" | grep -i -e webhook -e s3cr3t)"; fi

if [ "$(id -u)" = 0 ]; then
	# The listen address in use is a runtime condition (another agent, a
	# port not yet released), not a config error: exit 1, address named.
	BUSY=$((AGENT_PORT + 1))
	python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
open(sys.argv[2], "w").close(); time.sleep(60)' "$BUSY" "$TMPD/busy.ready" &
	HOLDER=$!
	on_exit "kill $HOLDER 2>/dev/null"
	wait_for 5 test -f "$TMPD/busy.ready"
	out=$(timeout 60 "$HOSTLENS" --listen "127.0.0.1:$BUSY" --data-dir "$TMPD/busy" --summary off 2>&1); rc=$?
	kill "$HOLDER" 2>/dev/null
	if [ $rc = 1 ] && echo "$out" | grep -q "cannot listen on 127.0.0.1:$BUSY: Address already in use"; then
		ok listen_busy_port_exits_1
	else fail listen_busy_port_exits_1 "exit 1 (runtime failure) naming 127.0.0.1:$BUSY, got rc=$rc: $out"; fi

	# not root: the loader names the problem and exits 1
	if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
		out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all \
			"$HOSTLENS" --data-dir "$TMPD/d" --listen 127.0.0.1:$AGENT_PORT --summary off 2>&1); rc=$?
		if [ $rc = 1 ] && echo "$out" | grep -q "must run as root"; then ok not_root_error
		else fail not_root_error "rc=$rc: $out"; fi
	fi
fi
finish
