# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Bearer token: required on everything but the probes, on both protocols;
# the query form works for EventSource; a busy port fails at start-up.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/webtest.inc"

TOK=s3cr3t-token
start_agent --auth-token "$TOK" || { fail auth-start "webdemo did not start"; finish; }
for proto in http1.1 http2-prior-knowledge; do
	expect "auth-missing-401-$proto" 401 "$(code --$proto "$URL/api/v1/summary")"
	expect "auth-wrong-401-$proto" 401 "$(code --$proto -H "Authorization: Bearer nope" "$URL/api/v1/summary")"
	expect "auth-prefix-401-$proto" 401 "$(code --$proto -H "Authorization: Bearer ${TOK}x" "$URL/api/v1/summary")"
	expect "auth-right-200-$proto" 200 "$(code --$proto -H "Authorization: Bearer $TOK" "$URL/api/v1/summary")"
	expect "auth-metrics-401-$proto" 401 "$(code --$proto "$URL/metrics")"
	expect "auth-dashboard-401-$proto" 401 "$(code --$proto "$URL/")"
	for p in /healthz /livez /readyz; do
		expect "auth-probe-open$p-$proto" 200 "$(code --$proto "$URL$p")"
	done
done
www=$(curl -s -D - -o /dev/null "$URL/api/v1/host" | tr -d '\r' | awk -F': ' 'tolower($1) == "www-authenticate" {print $2}')
expect auth-www-authenticate 'Bearer realm="hostlens"' "$www"
expect auth-query-token-200 200 "$(code "$URL/api/v1/summary?access_token=$TOK")"
expect auth-post-filters-needs-token 401 "$(code -X POST -d '{}' "$URL/api/v1/filters")"
timeout 2.5 curl -sN "$URL/api/v1/stream?access_token=$TOK" >"$TMPD/sse"
n=$(grep -c '^data: {' "$TMPD/sse")
if [ "$n" -ge 1 ]; then ok auth-sse-with-query-token; else fail auth-sse-with-query-token "$n events"; fi

# The port is taken: a second server fails at start-up, saying why.
"$HOSTLENS" --listen "127.0.0.1:$AGENT_PORT" >"$TMPD/busy.log" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "Address already in use" "$TMPD/busy.log"; then ok busy-port-fails-at-start; else fail busy-port-fails-at-start "rc $rc: $(cat "$TMPD/busy.log")"; fi
expect busy-port-first-server-unharmed 200 "$(code "$URL/healthz")"
web_done
