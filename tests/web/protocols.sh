# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Every endpoint over HTTP/1.1 and HTTP/2 (prior knowledge) with curl, many
# streams on one connection with nghttp and h2load; values checked against
# /proc; errors as JSON with the right status.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/webtest.inc"

start_agent || { fail web-start "webdemo did not become ready"; finish; }

TOPICS="summary host cpu processes disks connections routes requests alerts stats filters"
for proto in http1.1 http2-prior-knowledge; do
	bad=""
	for t in $TOPICS; do
		out=$TMPD/$t.$proto
		got=$(curl -s --$proto -o "$out" -w '%{http_code} %{content_type} %{http_version}' "$URL/api/v1/$t")
		want_v=1.1; [ $proto = http1.1 ] || want_v=2
		if [ "$got" != "200 application/json $want_v" ] || ! python3 -m json.tool "$out" >/dev/null 2>&1; then
			bad="$bad $t($got)"
		fi
	done
	for p in /healthz /livez /readyz /metrics / /index.html /app.js /style.css /uPlot.iife.min.js /uPlot.min.css "/api/v1/series" "/api/v1/series?metric=cpu_pct"; do
		got=$(code --$proto "$URL$p")
		[ "$got" = 200 ] || bad="$bad $p($got)"
	done
	if [ -z "$bad" ]; then ok "every-endpoint-200-$proto"; else fail "every-endpoint-200-$proto" "not 200/JSON:$bad"; fi
done

# Real values: the host and summary documents agree with /proc.
curl -s "$URL/api/v1/host" >"$TMPD/host.json"
curl -s --http2-prior-knowledge "$URL/api/v1/summary" >"$TMPD/sum.json"
memtotal=$(awk '/^MemTotal/ {printf "%.0f", $2 * 1024}' /proc/meminfo)
expect host-mem-total-from-proc "$memtotal" "$(json "$TMPD/host.json" 'd["mem_total_bytes"]')"
expect host-hostname "$(hostname)" "$(json "$TMPD/host.json" 'd["hostname"]')"
expect host-cpus "$(nproc)" "$(json "$TMPD/host.json" 'd["cpus"]')"
cpu=$(json "$TMPD/sum.json" '0 <= d["cpu_pct"] <= 100')
expect summary-cpu-pct-in-range True "$cpu"
expect summary-http-not-invented None "$(json "$TMPD/sum.json" 'd["http_p95_ms"]')"

# Series: points rise with time; since filters; unknown metric and bad since.
curl -s "$URL/api/v1/series?metric=cpu_pct" >"$TMPD/s.json"
n=$(json "$TMPD/s.json" 'len(d["points"])')
last=$(json "$TMPD/s.json" 'd["points"][-1][0]')
if [ "${n:-0}" -ge 1 ]; then ok series-has-points; else fail series-has-points "got ${n:-nothing}"; fi
curl -s "$URL/api/v1/series?metric=cpu_pct&since=$last" >"$TMPD/s2.json"
n2=$(json "$TMPD/s2.json" 'len([p for p in d["points"] if p[0] <= '"$last"'])')
expect series-since-filters 0 "$n2"
curl -s "$URL/api/v1/series" >"$TMPD/names.json"
expect series-list-names True "$(json "$TMPD/names.json" '"cpu_pct" in d["metrics"] and "mem_used_pct" in d["metrics"]')"
expect series-unknown-404 404 "$(code "$URL/api/v1/series?metric=nope")"
expect series-bad-since-400 400 "$(code "$URL/api/v1/series?metric=cpu_pct&since=abc")"

# Errors: JSON bodies with proper codes, on both protocols.
for proto in http1.1 http2-prior-knowledge; do
	curl -s --$proto -o "$TMPD/e.json" -w '%{http_code}' "$URL/api/v1/nope" >"$TMPD/e.code"
	expect "unknown-api-404-json-$proto" "404 not found" "$(cat "$TMPD/e.code") $(json "$TMPD/e.json" 'd["error"]')"
	expect "post-on-get-only-405-$proto" 405 "$(code --$proto -X POST -d x "$URL/api/v1/summary")"
	expect "delete-405-$proto" 405 "$(code --$proto -X DELETE "$URL/metrics")"
	expect "missing-asset-404-$proto" 404 "$(code --$proto "$URL/nope.js")"
done

# HEAD: same length as GET, no body.
get_len=$(curl -s "$URL/app.js" | wc -c)
head_len=$(curl -s -I "$URL/app.js" | tr -d '\r' | awk 'tolower($1) == "content-length:" {print $2}')
expect head-content-length-matches-get "$get_len" "$head_len"

# Embedded assets are byte-identical to the sources.
for a in app.js style.css index.html; do
	if curl -s --http2-prior-knowledge "$URL/$a" | cmp -s - "$TOP/web/assets/$a"; then ok "asset-bytes-$a"; else fail "asset-bytes-$a" "served bytes differ from web/assets/$a"; fi
done
if curl -s "$URL/uPlot.iife.min.js" | cmp -s - "$TOP/web/node_modules/uplot/dist/uPlot.iife.min.js"; then ok asset-chart-library-embedded; else fail asset-chart-library-embedded "uPlot differs"; fi

# POST /api/v1/filters goes through the hook and is published back.
got=$(code -X POST -H 'Content-Type: application/json' -d '{"pids":[1],"comms":["nginx"]}' "$URL/api/v1/filters")
expect filters-post-200 200 "$got"
sleep 1.2
curl -s "$URL/api/v1/filters" >"$TMPD/f.json"
expect filters-read-back "[1] ['nginx'] []" "$(json "$TMPD/f.json" 'str(d["pids"])+" "+str(d["comms"])+" "+str(d["cgroups"])')"
# State changes need Content-Type: application/json (tests/web/hostile.sh: CSRF).
curl -s --http2-prior-knowledge -o "$TMPD/fe.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"pids":"x"}' "$URL/api/v1/filters" >"$TMPD/fe.code"
expect filters-invalid-400-h2 "400 pids must be an array" "$(cat "$TMPD/fe.code") $(json "$TMPD/fe.json" 'd["error"]')"
expect filters-not-json-400 400 "$(code -X POST -H 'Content-Type: application/json' -d 'nope' "$URL/api/v1/filters")"
expect filters-get-405-on-put 405 "$(code -X PUT -d '{}' "$URL/api/v1/filters")"

# nghttp: many requests multiplexed on one connection, all answered.
urls=""
for t in $TOPICS metrics; do
	case $t in metrics) urls="$urls $URL/metrics" ;; *) urls="$urls $URL/api/v1/$t" ;; esac
done
n200=$(nghttp -v $urls 2>&1 | grep -c ':status: 200')
expect nghttp-multiplexed-all-200 12 "$n200"
# A tiny receive window (2^10 bytes) forces flow control on a large asset.
if nghttp -w 10 -W 10 -d /dev/null "$URL/uPlot.iife.min.js" >/dev/null 2>&1 &&
   nghttp -w 10 -W 10 "$URL/uPlot.iife.min.js" 2>/dev/null | cmp -s - "$TOP/web/node_modules/uplot/dist/uPlot.iife.min.js"; then
	ok h2-flow-control-small-window
else
	fail h2-flow-control-small-window "body differs under a 1 KiB window"
fi

# h2load: many concurrent streams over a few connections.
for p in /api/v1/summary /app.js /metrics; do
	h2load -n 4000 -c 8 -m 100 "$URL$p" >"$TMPD/h2load.out" 2>&1
	line=$(grep '^requests:' "$TMPD/h2load.out")
	case $line in
	*"4000 succeeded, 0 failed, 0 errored"*) ok "h2load-100-streams$p" ;;
	*) fail "h2load-100-streams$p" "$line" ;;
	esac
done
h2load -n 2000 -c 4 -m 1 --h1 "$URL/api/v1/summary" >"$TMPD/h1load.out" 2>&1
line=$(grep '^requests:' "$TMPD/h1load.out")
case $line in *"2000 succeeded, 0 failed, 0 errored"*) ok h2load-h1-keepalive ;; *) fail h2load-h1-keepalive "$line" ;; esac
status=$(grep -A1 '^status codes:' "$TMPD/h2load.out" | head -1)
case $status in *"4000 2xx"*) ok h2load-all-2xx ;; *) fail h2load-all-2xx "$status" ;; esac

# HTTP/1.1 pipelining: three requests in one write, three answers in order.
python3 - "$AGENT_PORT" >"$TMPD/pipe.out" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
h = b"Host: 127.0.0.1:%d\r\n" % int(sys.argv[1])     # the server answers to its own address
s.sendall(b"GET /healthz HTTP/1.1\r\n" + h + b"\r\nGET /api/v1/nope HTTP/1.1\r\n" + h +
          b"\r\nGET /readyz HTTP/1.1\r\n" + h + b"Connection: close\r\n\r\n")
buf = b""
s.settimeout(5)
while True:
    d = s.recv(65536)
    if not d: break
    buf += d
import re
print(" ".join(re.findall(r"HTTP/1\.1 (\d+)", buf.decode())))
PY
expect h1-pipelining-in-order "200 404 200" "$(cat "$TMPD/pipe.out")"
web_done
