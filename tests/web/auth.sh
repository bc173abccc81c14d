# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Bearer token: required on everything but the probes and the dashboard's
# files, on both protocols, only in the Authorization header (a token in a URL
# ends up in logs, history and Referer: ?access_token= is refused now, and the
# dashboard reads the live stream with fetch so it can send the header); a
# busy port fails at start-up. Roles, CSRF and floods: tests/web/hostile.sh.
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
	# The page holds no data and asks for the token itself; its data needs it.
	expect "auth-dashboard-shell-public-$proto" 200 "$(code --$proto "$URL/")"
	expect "auth-dashboard-script-public-$proto" 200 "$(code --$proto "$URL/app.js")"
	expect "auth-dashboard-data-401-$proto" 401 "$(code --$proto "$URL/api/v1/requests")"
	for p in /healthz /livez /readyz; do
		expect "auth-probe-open$p-$proto" 200 "$(code --$proto "$URL$p")"
	done
done
www=$(curl -s -D - -o /dev/null "$URL/api/v1/host" | tr -d '\r' | awk -F': ' 'tolower($1) == "www-authenticate" {print $2}')
expect auth-www-authenticate 'Bearer realm="hostlens"' "$www"
expect auth-query-token-refused-401 401 "$(code "$URL/api/v1/summary?access_token=$TOK")"
expect auth-query-token-stream-refused-401 401 "$(code "$URL/api/v1/stream?access_token=$TOK")"
expect auth-post-filters-needs-token 401 "$(code -X POST -H 'Content-Type: application/json' -d '{}' "$URL/api/v1/filters")"
for proto in http1.1 http2-prior-knowledge; do
	timeout 2.5 curl -sN --$proto -H "Authorization: Bearer $TOK" "$URL/api/v1/stream" >"$TMPD/sse"
	n=$(grep -c '^data: {' "$TMPD/sse")
	if [ "$n" -ge 1 ]; then ok "auth-sse-with-header-token-$proto"; else fail "auth-sse-with-header-token-$proto" "$n events"; fi
done

# The port is taken: a second server fails at start-up, saying why.
"$HOSTLENS" --listen "127.0.0.1:$AGENT_PORT" >"$TMPD/busy.log" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "Address already in use" "$TMPD/busy.log"; then ok busy-port-fails-at-start; else fail busy-port-fails-at-start "rc $rc: $(cat "$TMPD/busy.log")"; fi
expect busy-port-first-server-unharmed 200 "$(code "$URL/healthz")"
web_done
