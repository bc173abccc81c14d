# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The notification options at config load, through the real binary's
# --check-config: a flag, a file key and a HOSTLENS_* variable each; the
# recipient list from a YAML sequence or a comma list; what --check-config
# prints loads back the same; a bad topic ARN, address or SMTP URL is
# refused with exit 2 and a line that names the option (and never echoes a
# password).
. "$(dirname "$0")/../lib.sh"

ARN=arn:aws:sns:eu-west-1:123456789012:ops-alerts
cat >"$TMPD/ok.yaml" <<YAML
alert_smtp_url: smtps://mail.example.com:465
alert_email_from: hostlens <alerts@example.com>
alert_email_to: [oncall@example.com, "Ops Team <ops@example.org>"]
alert_sns_topic_arn: $ARN
alert_webhook: https://hooks.example.com/services/X
alert_webhook_format: slack
public_url: https://hostlens.example.com/
YAML
"$HOSTLENS" --check-config "$TMPD/ok.yaml" >"$TMPD/p1" 2>"$TMPD/e1"
rc=$?
if [ $rc = 0 ] && grep -qx 'alert_email_to: \["oncall@example.com", "Ops Team <ops@example.org>"\]' "$TMPD/p1" &&
	grep -qx "alert_sns_topic_arn: \"$ARN\"" "$TMPD/p1" && grep -qx 'alert_webhook_format: "slack"' "$TMPD/p1" &&
	grep -qx 'public_url: "https://hostlens.example.com/"' "$TMPD/p1"; then
	ok config_notify_file_keys
else
	fail config_notify_file_keys "rc $rc: $(cat "$TMPD/e1") $(grep -E 'alert|public' "$TMPD/p1" | tr '\n' ' ')"
fi
"$HOSTLENS" --check-config "$TMPD/p1" >"$TMPD/p2" 2>/dev/null
# comments aside (the first print says the rules in force are the built-in ones)
grep -v '^#' "$TMPD/p1" >"$TMPD/p1.nc"; grep -v '^#' "$TMPD/p2" >"$TMPD/p2.nc"
check config_notify_print_loads_back cmp -s "$TMPD/p1.nc" "$TMPD/p2.nc"

out=$(HOSTLENS_ALERT_EMAIL_TO='a@x.io,B <b@y.io>' HOSTLENS_ALERT_SNS_TOPIC_ARN=$ARN \
	"$HOSTLENS" --check-config "$TMPD/ok.yaml" --alert-webhook-format json 2>&1)
if echo "$out" | grep -qx 'alert_email_to: \["a@x.io", "B <b@y.io>"\]' &&
	echo "$out" | grep -qx 'alert_webhook_format: "json"'; then
	ok config_notify_env_and_flags
else
	fail config_notify_env_and_flags "$(echo "$out" | grep -E 'alert_email_to|format')"
fi

# refused: exit 2, one line naming the option
refused() { # NAME WANT-IN-MESSAGE ARGS... (env set by the caller)
	name=$1 want=$2
	shift 2
	msg=$("$HOSTLENS" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc = 2 ] && echo "$msg" | grep -qF -- "$want"; then ok "$name"
	else fail "$name" "want exit 2 and '$want', got $rc: $msg"; fi
}
cat >"$TMPD/bad-arn.yaml" <<'YAML'
alert_sns_topic_arn: arn:aws:sns:eu-west-1:1234:ops
YAML
refused config_bad_arn_exit_2 "--alert-sns-topic-arn: 'arn:aws:sns:eu-west-1:1234:ops' is not an SNS topic ARN" \
	--check-config "$TMPD/bad-arn.yaml"
refused config_bad_arn_flag_exit_2 "is not an SNS topic ARN" --check-config "$TMPD/ok.yaml" \
	--alert-sns-topic-arn arn:aws:sqs:eu-west-1:123456789012:q
cat >"$TMPD/bad-to.yaml" <<'YAML'
alert_smtp_url: smtp://127.0.0.1:25
alert_email_from: alerts@example.com
alert_email_to:
  - oncall@example.com
  - "not an address"
YAML
refused config_bad_recipient_exit_2 "bad-to.yaml:5: key 'alert_email_to': --alert-email-to: 'not an address' is not an e-mail address" \
	--check-config "$TMPD/bad-to.yaml"
msg=$("$HOSTLENS" --check-config "$TMPD/ok.yaml" --alert-smtp-url 'smtp://hl:Sup3rSecret@mail.example.com' 2>&1)
rc=$?
if [ $rc = 2 ] && echo "$msg" | grep -q HOSTLENS_SMTP_PASSWORD && ! echo "$msg" | grep -q Sup3rSecret; then
	ok config_smtp_password_not_in_url
else
	fail config_smtp_password_not_in_url "want exit 2 pointing at HOSTLENS_SMTP_PASSWORD without the password; got $rc: $msg"
fi
refused config_recipients_need_smtp_url "need --alert-smtp-url" --check-config "$TMPD/bad-arn.yaml" \
	--alert-sns-topic-arn "$ARN" --alert-email-to a@example.com
finish
