/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Inside notify: the channel interface. A channel is a struct of function
 * pointers and its private state; notify.c owns its queue, thread, retries
 * and counters, so a channel only says how to deliver one notification.
 */
#ifndef HOSTLENS_NOTIFY_INT_H
#define HOSTLENS_NOTIFY_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>

#include "user/runtime/config.h"
#include "user/notify/notify.h"

/* One notification, made once on submit and shared (read-only) by the
 * channels; freed when the last one lets go. */
struct notify_msg {
	int refs;	   /* atomic */
	char *record;	   /* the alert record, compact JSON */
	char *subject;	   /* notify_subject() */
	char *text;	   /* notify_text() */
	char id[40];	   /* the record's id */
	char reply_to[40]; /* on resolve: the id of the firing record notified, or "" */
	char rule[64];
	char state[16];
	int64_t ts_ms; /* the record's timestamp */
};

struct notify_chan;

struct notify_chan_ops {
	const char *name; /* the channel label in stats and /metrics */
	size_t priv_size;
	/* Is this channel configured in cfg? */
	bool (*wanted)(const struct config *cfg);
	/* On the caller's thread, no I/O: copy settings into ch->priv. 0 or -errno. */
	int (*init)(struct notify_chan *ch, const struct config *cfg);
	/*
	 * On the channel's thread: one attempt. 0 delivered, -EAGAIN worth
	 * retrying, another -errno given up. err says why (never a secret).
	 * Transfers must end soon once notify_chan_aborted(ch).
	 */
	int (*send)(struct notify_chan *ch, const struct notify_msg *m, char *err, size_t errlen);
	/* After the thread ended; also on a half-built channel. */
	void (*destroy)(struct notify_chan *ch);
};

extern const struct notify_chan_ops webhook_notify_ops, smtp_notify_ops, sns_notify_ops;

#define NOTIFY_QUEUE_MAX 64

struct notify_chan {
	const struct notify_chan_ops *ops;
	void *priv;
	/* CLOCK_MONOTONIC ms from which transfers abort, 0: none (atomic);
	 * notify__free sets it (the form aws_client__set_abort reads). */
	int64_t abort_at;

	/* notify.c only */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop; /* under mu */
	struct notify_msg *q[NOTIFY_QUEUE_MAX];
	size_t head, len;
	struct notify_chan_stats st; /* under mu */
	int attempts;
	long backoff_ms;
};

/* Has shutdown asked this channel's transfers to stop? */
bool notify_chan_aborted(const struct notify_chan *ch);

/* The options every libcurl channel sets after curl_easy_reset: no
 * signals, timeout_ms for connect and for the whole transfer, a progress
 * callback that aborts at shutdown, the User-Agent, the response body
 * discarded. */
void notify_curl_setup(struct notify_chan *ch, CURL *c, long timeout_ms);

/* scheme://host[:port] of url into out, without user, path or query (which
 * can hold a secret, as Slack's webhook paths do): for log lines. */
void notify_url_origin(const char *url, char *out, size_t len);

#endif
