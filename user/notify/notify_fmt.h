/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What an alert notification says, apart from how it travels (notify.h):
 * the subject and the plain-text body a person reads, the e-mail message
 * around them, the SNS Publish form and the Slack body; and the checks of
 * the notification options (addresses, topic ARN). Pure functions of their
 * arguments: no I/O, no clock, no global state, so the unit tests pin them.
 *
 * An alert record (docs/records.md, `alert`) gives: rule, state (firing |
 * resolved), source, metric, comparator, threshold, value, severity, for_s,
 * started_at, timestamp, resolved_at, duration_s, message, id, and an
 * optional scope (an object of label: value, or a string) when a rule
 * watches several things at once.
 */
#ifndef HOSTLENS_NOTIFY_FMT_H
#define HOSTLENS_NOTIFY_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* SNS wants a Subject of ASCII, no control characters, under 100 characters. */
#define NOTIFY_SNS_SUBJECT_MAX 99

/*
 * The region of an SNS topic ARN, arn:PARTITION:sns:REGION:ACCOUNT:TOPIC
 * (ACCOUNT 12 digits; TOPIC 1 to 256 of [A-Za-z0-9_-], ".fifo" allowed at
 * the end). 0, or -EINVAL with err naming what is wrong.
 */
int notify_sns_arn_region(const char *arn, char *region, size_t len, char *err, size_t errlen);

/*
 * The bare address of "a@example.com" or "Name <a@example.com>" into out.
 * Printable ASCII only, one '@' with text on both sides, no spaces, quotes,
 * commas or angle brackets in the address. 0 or -EINVAL.
 */
int notify_email_addr(const char *in, char *out, size_t len);

/*
 * The scope of rec as one line ("route=/api/users, method=GET", or the
 * string itself) into out; "" when the record has none.
 */
void notify_scope(const json_t *rec, char *out, size_t len);

/*
 * "[hostlens] FIRING: RULE on HOST" (RESOLVED on resolve), with " (SCOPE)"
 * when there is one, control characters as spaces, cut at a UTF-8
 * character boundary to fit len.
 */
void notify_subject(const json_t *rec, char *out, size_t len);

/*
 * subject made fit for SNS: non-ASCII characters as '?', at most
 * NOTIFY_SNS_SUBJECT_MAX characters, ending in "..." when cut. out must
 * hold NOTIFY_SNS_SUBJECT_MAX + 1 bytes.
 */
void notify_sns_subject(const char *subject, char *out, size_t len);

/*
 * The body a person reads: what happened, the rule and its condition, the
 * scope, value and threshold, the host, the times in UTC, and a link to the
 * dashboard when public_url is set ("" or NULL: none). '\n' line ends.
 * malloc'd (the caller frees), NULL on allocation failure.
 */
char *notify_text(const json_t *rec, const char *public_url);

/* Headers of an e-mail message (notify_email). */
struct notify_email_hdrs {
	const char *from;      /* as configured: "a@b" or "Name <a@b>" */
	const char *const *to; /* the same forms */
	int n_to;
	int64_t date_ms;	 /* Date: (epoch ms) */
	const char *msg_id;	 /* the unique part of Message-ID: */
	const char *in_reply_to; /* the firing message's id part, or NULL */
};

/*
 * A complete RFC 5322 message: Date, From, To, Subject (RFC 2047 encoded
 * when not ASCII), Message-ID <msg_id@DOMAIN-of-from>, In-Reply-To and
 * References when given, MIME headers for UTF-8 plain text, then text.
 * CRLF line ends throughout. malloc'd, NULL on allocation failure.
 */
char *notify_email(const struct notify_email_hdrs *h, const char *subject, const char *text);

/*
 * The body of an SNS Publish call in the Query protocol (form-encoded):
 * Action=Publish&Version=2010-03-31&TopicArn=..&Subject=..&Message=..;
 * with group_id (FIFO topics) also MessageGroupId and
 * MessageDeduplicationId=dedup_id. malloc'd, NULL on allocation failure.
 */
char *notify_sns_form(const char *arn, const char *subject, const char *message,
		      const char *group_id, const char *dedup_id);

/* {"text": "SUBJECT\nTEXT"}: a Slack (and Mattermost, Teams) incoming
 * webhook body. malloc'd, NULL on allocation failure. */
char *notify_slack(const char *subject, const char *text);

#endif
