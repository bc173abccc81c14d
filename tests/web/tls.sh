# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# TLS with a self-signed certificate: ALPN picks h2 (curl, nghttp, h2load),
# http/1.1 still works, bad key files fail at start-up with a message.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/webtest.inc"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$TMPD/key.pem" -out "$TMPD/cert.pem" \
	>/dev/null 2>&1 || { fail tls-cert "openssl req failed"; finish; }
start_agent --tls-cert "$TMPD/cert.pem" --tls-key "$TMPD/key.pem" || { fail tls-start "webdemo did not start"; finish; }
S=https://127.0.0.1:$AGENT_PORT

expect tls-alpn-h2-curl "2 200" "$(curl -sk --http2 -o /dev/null -w '%{http_version} %{http_code}' "$S/api/v1/summary")"
expect tls-verified-with-ca "200" "$(curl -s --cacert "$TMPD/cert.pem" -o /dev/null -w '%{http_code}' "$S/healthz")"
expect tls-http1.1-via-alpn "1.1 200" "$(curl -sk --http1.1 -o /dev/null -w '%{http_version} %{http_code}' "$S/api/v1/host")"
alpn=$(echo | openssl s_client -connect 127.0.0.1:$AGENT_PORT -alpn h2,http/1.1 2>/dev/null | sed -n 's/^ALPN protocol: //p')
expect tls-openssl-sees-alpn-h2 h2 "$alpn"
n200=$(nghttp -v "$S/api/v1/summary" "$S/metrics" "$S/" 2>&1 | grep -c ':status: 200')
expect tls-nghttp-three-streams 3 "$n200"
h2load -n 2000 -c 4 -m 50 "$S/api/v1/summary" >"$TMPD/h2load" 2>&1
grep -q 'Application protocol: h2' "$TMPD/h2load" && ok tls-h2load-negotiated-h2 || fail tls-h2load-negotiated-h2 "$(grep -i protocol "$TMPD/h2load")"
line=$(grep '^requests:' "$TMPD/h2load")
case $line in *"2000 succeeded, 0 failed, 0 errored"*) ok tls-h2load-all-succeed ;; *) fail tls-h2load-all-succeed "$line" ;; esac
timeout 3.5 curl -skN --http2 "$S/api/v1/stream" >"$TMPD/sse"
n=$(grep -c '^data: {' "$TMPD/sse")
if [ "$n" -ge 3 ]; then ok tls-sse-over-h2; else fail tls-sse-over-h2 "$n events"; fi
# Plain HTTP on the TLS port: refused politely, server unharmed.
curl -s --max-time 3 "http://127.0.0.1:$AGENT_PORT/healthz" >/dev/null 2>&1
expect tls-survives-plaintext-client 200 "$(curl -sk -o /dev/null -w '%{http_code}' "$S/healthz")"
stop_agent

# Wrong files: web__new fails, the message names the file, exit status 1.
"$HOSTLENS" --listen 127.0.0.1:$AGENT_PORT --tls-cert "$TMPD/nope.pem" --tls-key "$TMPD/key.pem" >"$TMPD/bad.log" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "nope.pem" "$TMPD/bad.log"; then ok tls-missing-cert-fails-at-start; else fail tls-missing-cert-fails-at-start "rc $rc: $(cat "$TMPD/bad.log")"; fi
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other -keyout "$TMPD/key2.pem" -out "$TMPD/cert2.pem" >/dev/null 2>&1
"$HOSTLENS" --listen 127.0.0.1:$AGENT_PORT --tls-cert "$TMPD/cert.pem" --tls-key "$TMPD/key2.pem" >"$TMPD/bad2.log" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "key2.pem" "$TMPD/bad2.log"; then ok tls-mismatched-key-fails-at-start; else fail tls-mismatched-key-fails-at-start "rc $rc: $(cat "$TMPD/bad2.log")"; fi
web_done
