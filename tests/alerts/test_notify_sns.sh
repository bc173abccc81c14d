# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Amazon SNS Publish from a running agent whose rule fires, against a
# loopback stand-in that recomputes every SigV4 signature with botocore
# (tests/alerts/sns_server.py): the Publish is signed for service sns in the
# region the topic ARN names (AWS_REGION says another one), goes to
# AWS_ENDPOINT_URL_SNS, and carries the TopicArn, a Subject under 100
# characters naming rule, state and host, and a Message a person can read.
# Then a wrong secret key: every attempt is refused (403
# SignatureDoesNotMatch), retried, and counted as failed; the secret never
# reaches the log.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/notify.inc"

need_root alerts_sns || finish
AK=AKIDHOSTLENSTEST
SK=wJalrXUtnFEMI/K7MDENG/bPxRfiCYHOSTLENSKEY
ARN=arn:aws:sns:eu-west-1:123456789012:ops-alerts
srv_start SNS sns_server.py "$AK" "$SK" eu-west-1 || { fail alerts_sns "SNS stand-in did not start"; finish; }
cat >"$TMPD/hl.yaml" <<YAML
flush_interval: 1
alert_sns_topic_arn: $ARN
alerts:
$HOT_RULE
YAML
export AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_REGION=us-east-1 \
	AWS_ENDPOINT_URL_SNS=http://127.0.0.1:$SNS_PORT AWS_EC2_METADATA_DISABLED=true
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL
start_agent --config "$TMPD/hl.yaml" --signals cpu --source sns-test-host ||
	{ fail alerts_sns "agent did not start: $(tail -3 "$TMPD/agent.log")"; finish; }
wait_for 20 received_ge "$SNS_OUT" 1
sleep 1
verdict sns_publish_signed_and_readable '
import json, sys
out, arn = sys.argv[1], sys.argv[2]
import os
rej = sorted(f for f in os.listdir(out) if f.startswith("rejected-"))
if rej: print("refused by the stand-in: %s" % json.load(open(out + "/" + rej[0]))); sys.exit()
got = sorted(f for f in os.listdir(out) if f[0].isdigit() and f.endswith(".json"))
if len(got) != 1: print("want one Publish, got %d" % len(got)); sys.exit()
r = json.load(open(out + "/" + got[0]))
p = r["params"]
if p.get("TopicArn") != arn: print("TopicArn %r" % p.get("TopicArn"))
s = p.get("Subject", "")
if s != "[hostlens] FIRING: always_hot on sns-test-host": print("Subject %r" % s)
m = p.get("Message", "")
for want in ("always_hot is firing on sns-test-host.", "Rule:       always_hot (severity: critical)",
             "Condition:  cpu_usage_pct > -1 % for 1 s", "Host:       sns-test-host", " UTC\n"):
    if want not in m: print("Message lacks %r: %r" % (want, m))
if "content-type" not in r["signed_headers"]: print("signed headers %s" % r["signed_headers"])
' "$SNS_OUT" "$ARN"
check sns_publish_counted [ "$(nstat sns sent)" = 1 ]
check sns_publish_in_metrics [ "$(prom 'hostlens_alert_notifications_total{channel="sns",result="sent"}')" = 1 ]
stop_agent

# a wrong secret key: 5 attempts, all refused, then failed
export AWS_SECRET_ACCESS_KEY=not-the-secret-HOSTLENS
rm -rf "$TMPD/data"
start_agent --config "$TMPD/hl.yaml" --signals cpu --source sns-test-host ||
	{ fail alerts_sns "agent did not start: $(tail -3 "$TMPD/agent.log")"; finish; }
wait_for 40 nstat_ge sns failed 1
failed=$(nstat sns failed) retries=$(nstat sns retries) sent=$(nstat sns sent)
rejected=$(received "$SNS_OUT" rejected-)
if [ "$failed" = 1 ] && [ "$retries" = 4 ] && [ "$sent" = 0 ] && [ "$rejected" = 5 ] &&
	grep -q "SignatureDoesNotMatch" "$SNS_OUT/rejected-000.json"; then
	ok sns_wrong_secret_refused_retried_failed
else
	fail sns_wrong_secret_refused_retried_failed "want 5 refusals (SignatureDoesNotMatch), retries 4, failed 1, sent 0; got refusals $rejected retries $retries failed $failed sent $sent"
fi
check sns_failure_in_metrics [ "$(prom 'hostlens_alert_notifications_total{channel="sns",result="failed"}')" = 1 ]
check sns_agent_keeps_running kill -0 "$AGENT_PID"
stop_agent
if grep -q "not-the-secret\|$SK" "$TMPD/agent.log"; then
	fail sns_secret_not_logged "$(grep -m1 "not-the-secret\|$SK" "$TMPD/agent.log")"
elif ! grep -q "sns: always_hot firing not delivered, gave up after 5 attempts: Publish: HTTP 403 SignatureDoesNotMatch" "$TMPD/agent.log"; then
	fail sns_secret_not_logged "no log line says why: $(grep notify "$TMPD/agent.log" | tail -2)"
else
	ok sns_secret_not_logged
fi
finish
