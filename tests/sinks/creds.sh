#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# AWS settings as the SDKs resolve them: each source of the credential chain
# (environment, shared credentials file with AWS_PROFILE, EKS web identity
# through STS AssumeRoleWithWebIdentity, EC2 IMDSv2) resolves against a
# loopback peer; IMDS credentials near expiry are refreshed, fresh ones are
# cached; a missing credential or region is a clear error, also from the
# sink engine; endpoint overrides; no secret in any output.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sinks.lib"
[ -x "$CREDS" ] || { fail creds_setup "$CREDS not built"; finish; }
command -v node >/dev/null || { skip creds_setup "node missing"; finish; }

PP=$(free_port)
echo "eyJhbGciOiJSUzI1NiJ9.projected-sa-token.sig" >"$TMPD/token"
node "$TOP/tests/sinks/aws_peer.js" "$PP" "$TMPD/token" arn:aws:iam::123456789012:role/hostlens 240 \
	>"$TMPD/peer.log" 2>&1 &
bg_track $!
wait_port "$PP" || { fail creds_setup "peer did not start"; finish; }
mkdir -p "$TMPD/home"
clean() { # runs sink_creds ARGS with a clean AWS environment plus what the caller exported
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
		-u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_ROLE_ARN -u AWS_SHARED_CREDENTIALS_FILE \
		-u AWS_CONFIG_FILE -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_STS -u AWS_DEFAULT_REGION \
		-u AWS_EC2_METADATA_SERVICE_ENDPOINT HOME="$TMPD/home" AWS_REGION=eu-west-1 \
		AWS_EC2_METADATA_DISABLED=true "$@" >"$TMPD/c.out" 2>"$TMPD/c.err"
	_rc=$?
	cat "$TMPD/c.out" "$TMPD/c.err" >>"$TMPD/all.out"
	cat "$TMPD/c.out"; cat "$TMPD/c.err" >&2
	return $_rc
}

out=$(clean env AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=envsecret AWS_SESSION_TOKEN=envtok "$CREDS" creds)
check creds_env [ "$out" = "source=env akid=AKIDENV secret_len=9 token=yes expires_ms=0
resolves=1" ]

cat >"$TMPD/credentials" <<'INI'
# comment
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = defaultsecret

[ci]
aws_access_key_id=AKIDCIPROFILE
aws_secret_access_key=cisecret
aws_session_token = citoken
INI
out=$(clean env AWS_SHARED_CREDENTIALS_FILE="$TMPD/credentials" AWS_PROFILE=ci "$CREDS" creds | head -1)
check creds_shared_file_profile [ "$out" = "source=profile:ci akid=AKIDCIPROFILE secret_len=8 token=yes expires_ms=0" ]
mkdir -p "$TMPD/home/.aws"; cp "$TMPD/credentials" "$TMPD/home/.aws/credentials"
out=$(clean "$CREDS" creds | head -1)
check creds_shared_file_default_home [ "$out" = "source=profile:default akid=AKIDDEFAULT secret_len=13 token=no expires_ms=0" ]
out=$(clean env AWS_PROFILE=nope "$CREDS" creds 2>&1)
case $out in *"AWS_PROFILE=nope: no aws_access_key_id in $TMPD/home/.aws/credentials"*) ok creds_unknown_profile_clear_error ;;
*) fail creds_unknown_profile_clear_error "a message naming the profile and file, got: $out" ;; esac
rm -rf "$TMPD/home/.aws"

out=$(clean env AWS_WEB_IDENTITY_TOKEN_FILE="$TMPD/token" AWS_ROLE_ARN=arn:aws:iam::123456789012:role/hostlens \
	AWS_ENDPOINT_URL_STS="http://127.0.0.1:$PP" "$CREDS" creds | head -1)
case $out in "source=web-identity akid=ASIAWEBIDENTITY1 secret_len=12 token=yes expires_ms="[0-9]*) ok creds_web_identity_sts ;;
*) fail creds_web_identity_sts "STS credentials, got: $out" ;; esac
out=$(clean env AWS_WEB_IDENTITY_TOKEN_FILE="$TMPD/token" AWS_ROLE_ARN=arn:aws:iam::123456789012:role/other \
	AWS_ENDPOINT_URL_STS="http://127.0.0.1:$PP" "$CREDS" creds 2>&1)
case $out in *"STS AssumeRoleWithWebIdentity answered HTTP 400 InvalidIdentityToken"*) ok creds_web_identity_refused_clear_error ;;
*) fail creds_web_identity_refused_clear_error "the STS refusal, got: $out" ;; esac

# IMDSv2: credentials valid 240 s, inside the 5 min refresh window: the second
# ask (60 s later on a fake clock) resolves again and gets the next key.
out=$(clean env -u AWS_EC2_METADATA_DISABLED AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$PP" "$CREDS" creds 60)
l1=$(echo "$out" | sed -n 1p | cut -d' ' -f1-4); l2=$(echo "$out" | sed -n 2p | cut -d' ' -f1-4)
if [ "$l1" = "source=imds akid=ASIAIMDS1 secret_len=13 token=yes" ] && [ "$l2" = "source=imds akid=ASIAIMDS2 secret_len=13 token=yes" ] \
	&& echo "$out" | grep -q '^resolves=2$'; then ok creds_imdsv2_refreshed_before_expiry
else fail creds_imdsv2_refreshed_before_expiry "ASIAIMDS1 then ASIAIMDS2 in 2 resolves, got: $out"; fi
# Web identity credentials valid 1 h: asked again 10 min later, still cached.
out=$(clean env AWS_WEB_IDENTITY_TOKEN_FILE="$TMPD/token" AWS_ROLE_ARN=arn:aws:iam::123456789012:role/hostlens \
	AWS_ENDPOINT_URL="http://127.0.0.1:$PP" "$CREDS" creds 600)
check creds_cached_until_refresh_window [ "$(echo "$out" | tail -1)" = resolves=1 ]

out=$(clean "$CREDS" creds 2>&1); rc=$?
case "$rc:$out" in "3:no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_WEB_IDENTITY_TOKEN_FILE"*) ok creds_missing_clear_error ;;
*) fail creds_missing_clear_error "exit 3 and 'no AWS credentials: set ...', got $rc: $out" ;; esac
out=$(clean env -u AWS_EC2_METADATA_DISABLED AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1 "$CREDS" creds 2>&1); rc=$?
case "$rc:$out" in "3:no AWS credentials"*) ok creds_missing_no_imds_clear_error ;;
*) fail creds_missing_no_imds_clear_error "no IMDS answering means no credentials, got $rc: $out" ;; esac
out=$(clean "$DRIVER" --set sink=kinesis --set data-dir="$TMPD/dd" 2>&1); rc=$?
case "$rc:$out" in "2:sink_driver: kinesis: no AWS credentials: set AWS_ACCESS_KEY_ID"*) ok creds_missing_engine_refuses_to_start ;;
*) fail creds_missing_engine_refuses_to_start "exit 2 naming the kinesis sink, got $rc: $out" ;; esac
out=$(clean env -u AWS_REGION AWS_ACCESS_KEY_ID=A AWS_SECRET_ACCESS_KEY=B "$DRIVER" --set sink=dynamodb --set data-dir="$TMPD/dd" 2>&1); rc=$?
case "$rc:$out" in "2:sink_driver: dynamodb: no AWS region: set AWS_REGION"*) ok creds_missing_region_clear_error ;;
*) fail creds_missing_region_clear_error "exit 2 and 'no AWS region', got $rc: $out" ;; esac
printf '[profile ci]\nregion = ap-south-1\n' >"$TMPD/config"
out=$(clean env -u AWS_REGION AWS_CONFIG_FILE="$TMPD/config" AWS_PROFILE=ci "$CREDS" region)
check creds_region_from_profile [ "$out" = ap-south-1 ]
out=$(clean env -u AWS_REGION AWS_DEFAULT_REGION=us-west-2 "$CREDS" region)
check creds_region_default_env [ "$out" = us-west-2 ]

e1=$(clean "$CREDS" endpoint kinesis)
e2=$(clean env AWS_ENDPOINT_URL=http://127.0.0.1:9/ "$CREDS" endpoint dynamodb)
e3=$(clean env AWS_ENDPOINT_URL=http://a:1 AWS_ENDPOINT_URL_DYNAMODB=http://b:2 "$CREDS" endpoint dynamodb)
check creds_endpoint_resolution [ "$e1|$e2|$e3" = "https://kinesis.eu-west-1.amazonaws.com|http://127.0.0.1:9|http://b:2" ]
if [ ! -s "$TMPD/all.out" ] || grep -q "secret-1\|imds-secret\|envsecret\|cisecret\|defaultsecret\|citoken\|session-token\|projected-sa-token" "$TMPD/all.out" "$TMPD/peer.log"; then
	fail creds_no_secret_logged "a secret in a log"; else ok creds_no_secret_logged; fi
finish
