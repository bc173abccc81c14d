# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# /metrics: Prometheus text that promtool accepts, values that match /proc,
# the server's own counters moving, 503 before anything was published.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/webtest.inc"

start_agent || { fail web-start "webdemo did not become ready"; finish; }
sleep 1.2
curl -s -D "$TMPD/h" "$URL/metrics" >"$TMPD/m1"
ct=$(tr -d '\r' <"$TMPD/h" | awk -F': ' 'tolower($1) == "content-type" {print $2}')
expect metrics-content-type "text/plain; version=0.0.4; charset=utf-8" "$ct"
if ! command -v promtool >/dev/null; then
	skip metrics-promtool "promtool missing (Debian package prometheus)"
elif promtool check metrics <"$TMPD/m1" >"$TMPD/lint" 2>&1; then
	ok metrics-promtool-check
else
	fail metrics-promtool-check "$(head -3 "$TMPD/lint" | tr '\n' ' ')"
fi
# Parsed by promtool's own parser too: every sample is a name, labels and a number.
if promtool check metrics <"$TMPD/m1" 2>&1 | grep -qi 'error parsing'; then
	fail metrics-parse "promtool could not parse"
else
	ok metrics-parse
fi
memtotal=$(awk '/^MemTotal/ {printf "%.0f", $2 * 1024}' /proc/meminfo)
expect metrics-memory-total-from-proc "$memtotal" "$(awk '$1 == "hostlens_memory_total_bytes" {print $2}' "$TMPD/m1")"
for s in _bucket _sum _count; do
	grep -q "^hostlens_webdemo_tick_duration_seconds$s" "$TMPD/m1" && ok "metrics-histogram$s" || fail "metrics-histogram$s" "missing"
done
# The web server's own lines follow the published text.
r1=$(awk '$1 == "hostlens_web_requests_total{protocol=\"h2\"}" {print $2}' "$TMPD/m1")
h2load -n 50 -c 1 -m 10 "$URL/healthz" >/dev/null 2>&1
h2_after() { # the counter is formatted once a second: poll a little
	curl -s "$URL/metrics" >"$TMPD/m2"
	r2=$(awk '$1 == "hostlens_web_requests_total{protocol=\"h2\"}" {print $2}' "$TMPD/m2")
	[ -n "$r1" ] && [ -n "$r2" ] && [ "$r2" -ge $((r1 + 50)) ]
}
wait_for 5 h2_after
if [ -n "$r1" ] && [ -n "$r2" ] && [ "$r2" -ge $((r1 + 50)) ]; then ok metrics-web-requests-counted; else fail metrics-web-requests-counted "h2 requests $r1 -> $r2 after 50"; fi
stop_agent

# Before the first publish: topics 503 with a JSON reason, /metrics 503 in
# plain text (a scraper is no JSON reader), probes answer.
WEBDEMO_DELAY_MS=4000 "$HOSTLENS" --listen "127.0.0.1:$AGENT_PORT" >"$TMPD/demo2.log" 2>&1 &
AGENT_PID=$!
wait_for 5 alive
expect not-published-metrics-503 503 "$(code "$URL/metrics")"
curl -s -D "$TMPD/h503" -o /dev/null "$URL/metrics"
expect not-published-metrics-plain-text "text/plain; charset=utf-8" \
	"$(tr -d '\r' <"$TMPD/h503" | awk -F': ' 'tolower($1) == "content-type" {print $2}')"
curl -s "$URL/api/v1/summary" >"$TMPD/e.json"
expect not-published-topic-503 "503" "$(code "$URL/api/v1/summary")"
case $(json "$TMPD/e.json" 'd["error"]') in *"not published"*) ok not-published-json-error ;; *) fail not-published-json-error "$(cat "$TMPD/e.json")" ;; esac
expect readyz-503-before-ready 503 "$(code "$URL/readyz")"
expect healthz-200-before-ready 200 "$(code "$URL/healthz")"
expect livez-200-before-ready 200 "$(code --http2-prior-knowledge "$URL/livez")"
wait_for 6 sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' $URL/readyz) = 200 ]" && ok readyz-200-once-ready || fail readyz-200-once-ready "still not ready"
web_done
