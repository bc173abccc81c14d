/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Alert notifications: each `alert` record the rule engine emits (firing or
 * resolved) goes to every configured channel: a webhook (the record as
 * JSON, or a Slack-style {"text": ...}), e-mail over SMTP, and Amazon SNS
 * Publish. One notification per transition per rule and scope: a record
 * that repeats the last state notified for its rule and scope is counted
 * as deduplicated and sent nowhere. Each channel delivers on a thread of
 * its own, with retries, backoff and jitter, from a bounded queue (the
 * oldest is dropped and counted when it is full): the caller never waits.
 * What a notification says is notify_fmt.h; the channels are
 * notify_{webhook,smtp,sns}.c behind the ops of notify_int.h.
 */
#ifndef HOSTLENS_NOTIFY_H
#define HOSTLENS_NOTIFY_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "user/runtime/config.h"

struct prom;

struct notify;

/* Per-channel counters; notify__chan_stats. */
struct notify_chan_stats {
	uint64_t queued;  /* notifications handed to the channel */
	uint64_t sent;	  /* delivered */
	uint64_t retries; /* attempts after a failed one */
	uint64_t failed;  /* given up: last attempt failed, or a refusal not worth retrying */
	uint64_t dropped; /* queue full (oldest dropped), or left at shutdown */
};

/*
 * The channels cfg configures (alert_webhook, alert_smtp_url, alert_sns_topic_arn;
 * none is fine: then submit only deduplicates), each with its thread started.
 * No network I/O here: SNS credentials are resolved on the channel's thread.
 * NULL and errno on failure (ENOMEM, or pthread_create's error).
 */
struct notify *notify__new(const struct config *cfg);

/*
 * Hands one alert record to every channel (the caller keeps rec). Ignores
 * records whose state is not firing or resolved. Returns the number of
 * channels it was queued to (0 when deduplicated or no channel), or
 * -ENOMEM. Call from one thread (the processor's): never blocks on I/O.
 */
int notify__submit(struct notify *n, const json_t *rec);

/*
 * Counters into stats (the "stats" topic: "notifications": {CHANNEL:
 * {queued, sent, retries, failed, dropped}}, "notifications_deduplicated_total")
 * and into prom (hostlens_alert_notifications_total{channel, result}).
 * Either may be NULL.
 */
void notify__stats(struct notify *n, json_t *stats, struct prom *prom);

/* One channel's counters ("webhook", "smtp", "sns"): 0, or -ENOENT when that
 * channel is not configured. Thread-safe. */
int notify__chan_stats(struct notify *n, const char *channel, struct notify_chan_stats *st);

/* Notifications not sent because they repeated their rule's last state. */
uint64_t notify__deduplicated(const struct notify *n);

/*
 * Retry policy: attempts per notification and the first backoff (doubled
 * each retry, up to 30 s, plus up to 25 % jitter). Defaults 5 and 500 ms;
 * tests shorten them. Before the first submit.
 */
void notify__set_retry(struct notify *n, int attempts, long backoff_ms);

/* Stops every channel thread (a transfer in progress is aborted, a backoff
 * ends at once), counts what is left queued as dropped, frees. NULL is fine. */
void notify__free(struct notify *n);

/*
 * Checks the notification options of cfg (called by config_validate): the
 * SNS topic ARN, the SMTP URL (smtp:// or smtps://, no user:password in it)
 * with alert_email_from and at least one alert_email_to, the webhook and
 * public URLs (http:// or https://). 0, or -EINVAL with err set.
 */
int notify_config_check(const struct config *cfg, char *err, size_t errlen);

#endif
