# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# E-mail on fire and on resolve, from a running agent to a real SMTP server
# on loopback (aiosmtpd). The rule watches a number the test controls: the
# HTTP requests per second of one server (captured by --pid), high while a
# client sends ~40 requests/s, 0 once it stops (when the firing mail is in). One message naming the rule
# goes to every alert_email_to address when the rule fires, one more when it
# resolves (a reply to the first), and nothing else; each is a proper
# message (Date, From, To, Message-ID, Subject) with a readable body.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/notify.inc"

need_root alerts_smtp || finish
srv_start MAIL smtp_server.py || { fail alerts_smtp "aiosmtpd did not start"; finish; }
"$PY" "$TOP/tests/bpf/http_delay_server.py" "$TMPD/web.port" >"$TMPD/web.log" 2>&1 &
WEB_PID=$!
on_exit "kill $WEB_PID 2>/dev/null"
wait_for 10 test -s "$TMPD/web.port" || { fail alerts_smtp "HTTP server did not start"; finish; }
cat >"$TMPD/hl.yaml" <<YAML
flush_interval: 1
public_url: https://hostlens.example.com/
alert_smtp_url: smtp://127.0.0.1:$MAIL_PORT
alert_email_from: hostlens <alerts@example.com>
alert_email_to: [oncall@example.com, "Ops Team <ops@example.org>"]
alerts:
  - {name: busy_api, metric: http_requests_per_s, op: ">", threshold: 5, for: 1, severity: warning}
YAML
start_agent --config "$TMPD/hl.yaml" --signals http --pid "$WEB_PID" --source mail-test-host ||
	{ fail alerts_smtp "agent did not start: $(tail -3 "$TMPD/agent.log")"; finish; }
# ~40 requests/s on one keep-alive connection until the firing mail is in
# (at most 30 s), then quiet
"$PY" -c '
import http.client, os, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
end = time.time() + 30
while time.time() < end and not os.path.exists(sys.argv[2]):
    c.request("GET", "/api/fast"); c.getresponse().read(); time.sleep(0.025)
' "$(cat "$TMPD/web.port")" "$MAIL_OUT/000.json"
fired=$(received "$MAIL_OUT")
wait_for 20 received_ge "$MAIL_OUT" 2
sleep 3	# nothing more may come
verdict smtp_fire_and_resolve_mails '
import email, email.utils, json, os, sys, datetime
out, fired = sys.argv[1], int(sys.argv[2])
got = sorted(f for f in os.listdir(out) if f.endswith(".json"))
if fired != 1: print("want the firing mail while the load ran, got %d mails" % fired)
if len(got) != 2: print("want 2 mails (fire, resolve), got %d" % len(got)); sys.exit()
env = [json.load(open(out + "/" + f)) for f in got]
msgs = [email.message_from_string(e["data"]) for e in env]
for e in env:
    if e["mail_from"] != "alerts@example.com": print("MAIL FROM %r" % e["mail_from"])
    if e["rcpt_tos"] != ["oncall@example.com", "ops@example.org"]: print("RCPT TO %r" % e["rcpt_tos"])
for m, state in zip(msgs, ("FIRING", "RESOLVED")):
    want = "[hostlens] %s: busy_api on mail-test-host" % state
    if m["Subject"] != want: print("Subject %r, want %r" % (m["Subject"], want))
    if m["From"] != "hostlens <alerts@example.com>": print("From %r" % m["From"])
    to = [a for _, a in email.utils.getaddresses([m["To"]])]
    if to != ["oncall@example.com", "ops@example.org"]: print("To %r" % m["To"])
    d = email.utils.parsedate_to_datetime(m["Date"])
    if abs((datetime.datetime.now(datetime.timezone.utc) - d).total_seconds()) > 120: print("Date %r" % m["Date"])
    if not (m["Message-ID"] or "").endswith("@example.com>"): print("Message-ID %r" % m["Message-ID"])
    if m.get_content_type() != "text/plain": print("type %s" % m.get_content_type())
body = [m.get_payload(decode=True).decode() for m in msgs]
for want in ("busy_api is firing on mail-test-host.", "Rule:       busy_api (severity: warning)",
             "Condition:  http_requests_per_s > 5/s for 1 s", "Host:       mail-test-host",
             "Dashboard:  https://hostlens.example.com/"):
    if want not in body[0]: print("firing body lacks %r: %r" % (want, body[0]))
if " UTC" not in body[0]: print("no UTC time in %r" % body[0])
if "busy_api has resolved on mail-test-host" not in body[1] or "Resolved:   " not in body[1]:
    print("resolved body: %r" % body[1])
if msgs[1]["In-Reply-To"] != msgs[0]["Message-ID"]: print("the resolve does not reply to the fire")
' "$MAIL_OUT" "$fired"
check smtp_counted_in_stats [ "$(nstat smtp sent)" = 2 -a "$(nstat smtp failed)" = 0 ]
check smtp_counted_in_metrics [ "$(prom 'hostlens_alert_notifications_total{channel="smtp",result="sent"}')" = 2 ]
stop_agent
finish
