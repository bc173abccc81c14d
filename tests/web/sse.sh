# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Live stream: >= 3 updates in 3.5 s on both protocols; a client that comes
# back with Last-Event-ID (or ?last_event_id=) gets exactly what it missed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/webtest.inc"

start_agent || { fail web-start "webdemo did not become ready"; finish; }
sleep 1

ids() { sed -n 's/^id: //p' "$1" | tr -d '\r'; }
contiguous() { # FILE FIRST : ids rise by one from FIRST
	python3 -c 'import sys; ids=[int(x) for x in open(sys.argv[1]).read().split()]; f=int(sys.argv[2]); print(bool(ids) and ids == list(range(f, f+len(ids))))' "$1" "$2"
}

for proto in http1.1 http2-prior-knowledge; do
	timeout 3.5 curl -sN --$proto -D "$TMPD/h.$proto" "$URL/api/v1/stream" >"$TMPD/s.$proto"
	n=$(grep -c '^data: {' "$TMPD/s.$proto")
	if [ "$n" -ge 3 ]; then ok "sse-3-updates-in-3.5s-$proto"; else fail "sse-3-updates-in-3.5s-$proto" "got $n events"; fi
	ct=$(tr -d '\r' <"$TMPD/h.$proto" | awk 'tolower($1) == "content-type:" {print $2}')
	expect "sse-content-type-$proto" text/event-stream "$ct"
	ids "$TMPD/s.$proto" >"$TMPD/ids.$proto"
	first=$(head -1 "$TMPD/ids.$proto")
	expect "sse-ids-contiguous-$proto" True "$(contiguous "$TMPD/ids.$proto" "$first")"
	# Each event is a real summary: cpu_pct between 0 and 100.
	okv=$(sed -n 's/^data: //p' "$TMPD/s.$proto" | python3 -c 'import json,sys; print(all(0 <= json.loads(l)["summary"]["cpu_pct"] <= 100 for l in sys.stdin))')
	expect "sse-events-carry-summary-$proto" True "$okv"
done

# Resume: disconnect, miss ~2 updates, come back with the last id seen.
last=$(tail -1 "$TMPD/ids.http1.1")
sleep 2.2
timeout 1.5 curl -sN -H "Last-Event-ID: $last" "$URL/api/v1/stream" >"$TMPD/r1"
ids "$TMPD/r1" >"$TMPD/r1.ids"
expect sse-resume-last-event-id-starts-after "$((last + 1))" "$(head -1 "$TMPD/r1.ids")"
expect sse-resume-delivers-missed-contiguously True "$(contiguous "$TMPD/r1.ids" $((last + 1)))"
n=$(wc -l <"$TMPD/r1.ids")
if [ "$n" -ge 3 ]; then ok sse-resume-catches-up-missed; else fail sse-resume-catches-up-missed "only $n events after a 2.2 s gap"; fi

last=$(tail -1 "$TMPD/ids.http2-prior-knowledge")
timeout 1.5 curl -sN --http2-prior-knowledge "$URL/api/v1/stream?last_event_id=$last" >"$TMPD/r2"
expect sse-resume-query-param-h2 "$((last + 1))" "$(ids "$TMPD/r2" | head -1)"

# An id from a previous run (larger than any now) starts afresh, not never.
timeout 2.5 curl -sN -H "Last-Event-ID: 99999999" "$URL/api/v1/stream" >"$TMPD/r3"
n=$(grep -c '^data: {' "$TMPD/r3")
if [ "$n" -ge 1 ]; then ok sse-future-id-starts-fresh; else fail sse-future-id-starts-fresh "no events"; fi

# HEAD of the stream: headers only, the request finishes at once.
t=$(curl -s -I --max-time 3 -o /dev/null -w '%{http_code} %{content_type}' "$URL/api/v1/stream")
expect sse-head-returns-at-once "200 text/event-stream" "$t"

# Several live streams on one HTTP/2 connection, next to a normal request
# (tests/web/sse_multi.py: curl 7.88 holds a multiplexed transfer back until
# another ends, so it cannot keep two endless streams open): each stream
# delivers two updates or more in 3.5 s, the summary is answered meanwhile.
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import h2' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
	fail sse-two-streams-one-h2-connection "python3-h2 missing (scripts/setup.sh test installs it)"
else
	read -r n1 n2 st host <<EOF
$("$PY" "$(dirname "$0")/sse_multi.py" "$AGENT_PORT" 3.5 2>&1 | tail -1)
EOF
	if [ "${n1:-0}" -ge 2 ] 2>/dev/null && [ "${n2:-0}" -ge 2 ] && [ "$st" = 200 ] && [ "$host" = 1 ]; then
		ok sse-two-streams-one-h2-connection
	else
		fail sse-two-streams-one-h2-connection "events per stream '$n1' '$n2', summary status '$st', hostname '$host'"
	fi
fi
web_done
