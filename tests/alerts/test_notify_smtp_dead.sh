# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# A dead SMTP server (a closed port): the agent whose rule fires tries the
# e-mail 5 times with growing waits, then counts it failed, and all along
# keeps running and answering /healthz at once: delivery never holds up
# the agent.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/notify.inc"

need_root alerts_smtp_dead || finish
DEAD=$(free_port)
cat >"$TMPD/hl.yaml" <<YAML
flush_interval: 1
alert_smtp_url: smtp://127.0.0.1:$DEAD
alert_email_from: alerts@example.com
alert_email_to: [oncall@example.com]
alerts:
$HOT_RULE
YAML
start_agent --config "$TMPD/hl.yaml" --signals cpu ||
	{ fail alerts_smtp_dead "agent did not start: $(tail -3 "$TMPD/agent.log")"; finish; }
healthz_fast() { # 200 within a second
	[ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$AGENT_PORT/healthz")" = 200 ]
}
wait_for 20 nstat_ge smtp retries 1
check smtp_dead_healthz_while_retrying healthz_fast
wait_for 40 nstat_ge smtp failed 1
failed=$(nstat smtp failed) retries=$(nstat smtp retries) sent=$(nstat smtp sent)
if [ "$failed" = 1 ] && [ "$retries" = 4 ] && [ "$sent" = 0 ]; then
	ok smtp_dead_retried_then_failed
else
	fail smtp_dead_retried_then_failed "want retries 4, failed 1, sent 0; got retries $retries failed $failed sent $sent"
fi
check smtp_dead_failure_in_metrics \
	[ "$(prom 'hostlens_alert_notifications_total{channel="smtp",result="failed"}')" = 1 ]
if kill -0 "$AGENT_PID" 2>/dev/null && healthz_fast; then ok smtp_dead_agent_keeps_running
else fail smtp_dead_agent_keeps_running "agent gone or /healthz slow"; fi
check smtp_dead_logged grep -q "smtp: always_hot firing not delivered, gave up after 5 attempts: smtp://127.0.0.1:$DEAD" "$TMPD/agent.log"
stop_agent
finish
