# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The webhook in Slack form: a rule fires in a running agent and a Slack-style
# receiver on loopback gets {"text": ...} naming the rule, state and host;
# the webhook counters move in /api/v1/stats and /metrics. The receiver
# refuses the first POST (503): it is retried, and the log line that says so
# names the receiver's origin, never the URL's path (a Slack webhook's secret).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/notify.inc"

need_root alerts_slack || finish
srv_start HOOK webhook_server.py 1 || { fail alerts_slack "webhook receiver did not start"; finish; }
cat >"$TMPD/hl.yaml" <<YAML
flush_interval: 1
alert_webhook: http://127.0.0.1:$HOOK_PORT/services/T0SECRET/B0SECRET/XXXXSECRET
alert_webhook_format: slack
alerts:
$HOT_RULE
YAML
start_agent --config "$TMPD/hl.yaml" --signals cpu --source slack-test-host ||
	{ fail alerts_slack "agent did not start: $(tail -3 "$TMPD/agent.log")"; finish; }
wait_for 20 received_ge "$HOOK_OUT" 1
sleep 1
verdict slack_webhook_gets_text_only '
import json, sys
got = [json.load(open(sys.argv[1] + "/%03d.json" % i)) for i in range(int(sys.argv[2]))]
if len(got) != 1: print("want one POST, got %d" % len(got)); sys.exit()
b = json.loads(got[0]["body"])
if list(b) != ["text"]: print("want only a text key, got %s" % list(b)); sys.exit()
first = b["text"].split("\n")[0]
if first != "[hostlens] FIRING: always_hot on slack-test-host": print("first line: %r" % first)
if "Rule:       always_hot (severity: critical)" not in b["text"]: print("no rule line in %r" % b["text"])
if got[0]["content_type"] != "application/json": print("Content-Type %s" % got[0]["content_type"])
' "$HOOK_OUT" "$(received "$HOOK_OUT")"
sent=$(nstat webhook sent) retries=$(nstat webhook retries)
check slack_webhook_retried_and_counted_in_stats [ "$sent" = 1 -a "${retries:-0}" -ge 1 ]
check slack_webhook_counted_in_metrics \
	[ "$(prom 'hostlens_alert_notifications_total{channel="webhook",result="sent"}')" = 1 ]
stop_agent
if grep -q SECRET "$TMPD/agent.log"; then
	fail slack_webhook_secret_not_logged "$(grep -m1 SECRET "$TMPD/agent.log")"
elif ! grep -q "webhook: always_hot firing: http://127.0.0.1:$HOOK_PORT: HTTP 503; retrying" "$TMPD/agent.log"; then
	fail slack_webhook_secret_not_logged "no log line names the failed attempt: $(grep notify "$TMPD/agent.log" | head -3)"
else
	ok slack_webhook_secret_not_logged
fi
finish
