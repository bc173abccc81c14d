// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Alert notification delivery (notify.h).
 *
 * DESIGN
 * - Threads: the caller's (the processor's) submits; every configured
 *   channel has one delivery thread of its own, so a dead SMTP server never
 *   delays SNS or the webhook. A notification is formatted once on submit
 *   (notify_fmt.c: a few KB, at most a few per second) and shared by the
 *   channels, reference counted.
 * - Deduplication: the table (rule, scope) -> last state notified belongs
 *   to the submitting thread, no lock. It is bounded (NOTIFY_KEYS_MAX): when
 *   full, the least recently used entry goes, and a repeat of its state
 *   would be notified again (the safe side: a duplicate, never a loss).
 * - Each channel: a ring of NOTIFY_QUEUE_MAX notifications, its counters,
 *   one mutex never held during I/O, and a condition variable. A full ring
 *   drops its oldest notification and counts it, so submit never waits.
 *   First in, first out: on one channel a resolve never overtakes its fire.
 * - Delivery: ops->send; -EAGAIN is retried up to `attempts` times with
 *   exponential backoff (500 ms, 1 s, 2 s, 4 s, capped at 30 s) plus up to
 *   25 % jitter; any other error gives up at once. The notification at the
 *   head waits out its retries and later ones queue behind it (bounded):
 *   simple, and the order holds; a channel that is down for long drops the
 *   oldest, counted, rather than growing.
 * - Shutdown: notify__free sets stop and abort_at; a transfer in progress
 *   ends through its progress callback (aws_client__set_abort for SNS), a
 *   backoff ends at once, and what is left queued is counted as dropped.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "user/notify/notify.h"
#include "user/lib/counters.h"
#include "user/notify/notify_fmt.h"
#include "user/notify/notify_int.h"
#include "user/runtime/log.h"
#include "user/runtime/thread.h"

#define NOTIFY_KEYS_MAX 1024
#define NOTIFY_ATTEMPTS 5
#define NOTIFY_BACKOFF_MS 500
#define NOTIFY_BACKOFF_MAX_MS 30000

static const struct notify_chan_ops *const chan_table[] = {
	&webhook_notify_ops,
	&smtp_notify_ops,
	&sns_notify_ops,
};

#define N_CHAN_OPS (sizeof(chan_table) / sizeof(chan_table[0]))

struct notify_key {
	char key[64 + 1 + 256]; /* rule \x1f scope */
	bool firing;		/* the last state notified */
	char id[40];		/* its record's id */
	uint64_t used;		/* submit sequence number of the last use */
};

struct notify {
	struct notify_chan *chans[N_CHAN_OPS];
	int nchan;
	bool curl_inited;
	char public_url[CFG_STR];
	struct notify_key *keys;
	int nkeys;
	uint64_t seq;
	uint64_t deduplicated; /* atomic: read by notify__stats's thread */
};

/* ---- messages ----------------------------------------------------------- */

static void msg_put(struct notify_msg *m)
{
	if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL))
		return;
	free(m->record);
	free(m->subject);
	free(m->text);
	free(m);
}

static struct notify_msg *msg_new(const struct notify *n, const json_t *rec, const char *reply_to)
{
	struct notify_msg *m = calloc(1, sizeof(*m));
	char subject[512];

	if (!m)
		return NULL;
	m->refs = 1;
	notify_subject(rec, subject, sizeof(subject));
	m->subject = strdup(subject);
	m->text = notify_text(rec, n->public_url);
	m->record = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(10));
	if (!m->subject || !m->text || !m->record) {
		msg_put(m);
		return NULL;
	}
	snprintf(m->id, sizeof(m->id), "%s", json_string_value(json_object_get(rec, "id")) ?: "");
	snprintf(m->reply_to, sizeof(m->reply_to), "%s", reply_to);
	snprintf(m->rule, sizeof(m->rule), "%s",
		 json_string_value(json_object_get(rec, "rule")) ?: "");
	snprintf(m->state, sizeof(m->state), "%s",
		 json_string_value(json_object_get(rec, "state")) ?: "");
	m->ts_ms = (int64_t)json_number_value(json_object_get(rec, "timestamp"));
	return m;
}

/* ---- channel threads ---------------------------------------------------- */

bool notify_chan_aborted(const struct notify_chan *ch)
{
	return __atomic_load_n(&ch->abort_at, __ATOMIC_RELAXED) != 0;
}

static int curl_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	return notify_chan_aborted(ud) ? 1 : 0;
}

static size_t curl_discard(char *p, size_t sz, size_t n, void *ud)
{
	return sz * n;
}

void notify_curl_setup(struct notify_chan *ch, CURL *c, long timeout_ms)
{
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, curl_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, ch);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "hostlens/" HOSTLENS_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_discard);
}

void notify_url_origin(const char *url, char *out, size_t len)
{
	const char *sep = strstr(url, "://");
	const char *h = sep ? sep + 3 : url;
	const char *end = h + strcspn(h, "/?#");
	const char *at;

	while ((at = memchr(h, '@', (size_t)(end - h))))
		h = at + 1;
	snprintf(out, len, "%.*s%.*s", sep ? (int)(sep + 3 - url) : 0, url, (int)(end - h), h);
}

/* Waits ms or until stop; returns stop. Called with ch->mu held. */
static bool chan_wait_locked(struct notify_chan *ch, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (!ch->stop && pthread_cond_timedwait(&ch->cv, &ch->mu, &ts) != ETIMEDOUT)
		;
	return ch->stop;
}

static long chan_backoff(const struct notify_chan *ch, int attempt, unsigned int *seed)
{
	long ms = ch->backoff_ms;

	for (int i = 1; i < attempt && ms < NOTIFY_BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > NOTIFY_BACKOFF_MAX_MS)
		ms = NOTIFY_BACKOFF_MAX_MS;
	return ms + (long)(rand_r(seed) % (unsigned int)(ms / 4 + 1)); /* jitter */
}

static void *chan_main(void *arg)
{
	struct notify_chan *ch = arg;
	unsigned int seed = (unsigned int)(uintptr_t)ch ^ (unsigned int)time(NULL);
	const char *name = ch->ops->name;
	char tname[16];

	snprintf(tname, sizeof(tname), "hl-ntf-%s", name);
	thread__setup(tname, true);
	pthread_mutex_lock(&ch->mu);
	for (;;) {
		struct notify_msg *m;
		char err[512] = "";
		int ret = -EAGAIN, attempt;

		while (!ch->stop && !ch->len)
			pthread_cond_wait(&ch->cv, &ch->mu);
		if (ch->stop)
			break;
		m = ch->q[ch->head];
		ch->head = (ch->head + 1) % NOTIFY_QUEUE_MAX;
		ch->len--;
		for (attempt = 0; attempt < ch->attempts; attempt++) {
			if (attempt) {
				long ms = chan_backoff(ch, attempt, &seed);

				ch->st.retries++;
				if (attempt == 1)
					pr_warn("notify: %s: %s %s: %s; retrying in %ld ms", name,
						m->rule, m->state, err, ms);
				else
					pr_debug(
						"notify: %s: %s %s: attempt %d: %s; retrying in %ld ms",
						name, m->rule, m->state, attempt, err, ms);
				if (chan_wait_locked(ch, ms))
					break;
			}
			pthread_mutex_unlock(&ch->mu);
			err[0] = '\0';
			ret = ch->ops->send(ch, m, err, sizeof(err));
			pthread_mutex_lock(&ch->mu);
			if (ret != -EAGAIN || ch->stop)
				break;
		}
		if (!ret) {
			ch->st.sent++;
			if (attempt)
				pr_info("notify: %s: %s %s delivered at attempt %d", name, m->rule,
					m->state, attempt + 1);
		} else if (ch->stop) {
			ch->st.dropped++;
		} else {
			int made = attempt < ch->attempts ? attempt + 1 : attempt;

			ch->st.failed++;
			pr_warn("notify: %s: %s %s not delivered, gave up after %d attempt%s: %s",
				name, m->rule, m->state, made, made == 1 ? "" : "s", err);
		}
		pthread_mutex_unlock(&ch->mu);
		msg_put(m);
		pthread_mutex_lock(&ch->mu);
	}
	pthread_mutex_unlock(&ch->mu);
	return NULL;
}

static void chan_push(struct notify_chan *ch, struct notify_msg *m)
{
	struct notify_msg *old = NULL;

	pthread_mutex_lock(&ch->mu);
	if (ch->len == NOTIFY_QUEUE_MAX) { /* drop the oldest */
		old = ch->q[ch->head];
		ch->head = (ch->head + 1) % NOTIFY_QUEUE_MAX;
		ch->len--;
		ch->st.dropped++;
	}
	ch->q[(ch->head + ch->len) % NOTIFY_QUEUE_MAX] = m;
	ch->len++;
	ch->st.queued++;
	pthread_cond_signal(&ch->cv);
	pthread_mutex_unlock(&ch->mu);
	msg_put(old);
}

static void chan_free(struct notify_chan *ch)
{
	uint64_t dropped;

	if (!ch)
		return;
	if (ch->started) {
		pthread_mutex_lock(&ch->mu);
		ch->stop = true;
		__atomic_store_n(&ch->abort_at, 1, __ATOMIC_RELAXED); /* in the past */
		pthread_cond_broadcast(&ch->cv);
		pthread_mutex_unlock(&ch->mu);
		pthread_join(ch->thread, NULL);
	}
	while (ch->len) {
		msg_put(ch->q[ch->head]);
		ch->head = (ch->head + 1) % NOTIFY_QUEUE_MAX;
		ch->len--;
		ch->st.dropped++;
	}
	dropped = ch->st.dropped;
	if (dropped)
		pr_warn("notify: %s: %llu notification%s dropped", ch->ops->name,
			(unsigned long long)dropped, dropped == 1 ? "" : "s");
	if (ch->ops->destroy)
		ch->ops->destroy(ch);
	free(ch->priv);
	pthread_cond_destroy(&ch->cv);
	pthread_mutex_destroy(&ch->mu);
	free(ch);
}

static struct notify_chan *chan_new(const struct notify_chan_ops *ops, const struct config *cfg)
{
	struct notify_chan *ch = calloc(1, sizeof(*ch));
	pthread_condattr_t ca;
	int err;

	if (!ch)
		return NULL;
	ch->ops = ops;
	ch->attempts = NOTIFY_ATTEMPTS;
	ch->backoff_ms = NOTIFY_BACKOFF_MS;
	pthread_mutex_init(&ch->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ch->cv, &ca);
	pthread_condattr_destroy(&ca);
	ch->priv = calloc(1, ops->priv_size ? ops->priv_size : 1);
	if (!ch->priv) {
		err = ENOMEM;
		goto err_free;
	}
	err = -ops->init(ch, cfg);
	if (err)
		goto err_free;
	err = pthread_create(&ch->thread, NULL, chan_main, ch);
	if (err)
		goto err_free;
	ch->started = true;
	return ch;

err_free:
	chan_free(ch);
	errno = err;
	return NULL;
}

/* ---- the table ---------------------------------------------------------- */

struct notify *notify__new(const struct config *cfg)
{
	struct notify *n = calloc(1, sizeof(*n));
	int err;

	if (!n)
		return NULL;
	snprintf(n->public_url, sizeof(n->public_url), "%s", cfg->public_url);
	n->keys = calloc(NOTIFY_KEYS_MAX, sizeof(*n->keys));
	if (!n->keys) {
		err = ENOMEM;
		goto err_free;
	}
	for (size_t i = 0; i < N_CHAN_OPS; i++) {
		if (!chan_table[i]->wanted(cfg))
			continue;
		if (!n->curl_inited) {
			if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
				err = EIO;
				goto err_free;
			}
			n->curl_inited = true;
		}
		n->chans[n->nchan] = chan_new(chan_table[i], cfg);
		if (!n->chans[n->nchan]) {
			err = errno;
			goto err_free;
		}
		n->nchan++;
		pr_info("notify: alerts go to %s", chan_table[i]->name);
	}
	return n;

err_free:
	notify__free(n);
	errno = err;
	return NULL;
}

void notify__set_retry(struct notify *n, int attempts, long backoff_ms)
{
	for (int i = 0; i < n->nchan; i++) {
		pthread_mutex_lock(&n->chans[i]->mu);
		n->chans[i]->attempts = attempts > 0 ? attempts : 1;
		n->chans[i]->backoff_ms = backoff_ms > 0 ? backoff_ms : 1;
		pthread_mutex_unlock(&n->chans[i]->mu);
	}
}

void notify__free(struct notify *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->nchan; i++)
		chan_free(n->chans[i]);
	if (n->curl_inited)
		curl_global_cleanup();
	free(n->keys);
	free(n);
}

/* The dedup entry of key: the existing one, or a fresh one (the least
 * recently used when the table is full), marked by *fresh. */
static struct notify_key *key_get(struct notify *n, const char *key, bool *fresh)
{
	struct notify_key *lru = NULL;

	*fresh = false;
	for (int i = 0; i < n->nkeys; i++) {
		if (!strcmp(n->keys[i].key, key))
			return &n->keys[i];
		if (!lru || n->keys[i].used < lru->used)
			lru = &n->keys[i];
	}
	*fresh = true;
	if (n->nkeys < NOTIFY_KEYS_MAX)
		lru = &n->keys[n->nkeys++];
	memset(lru, 0, sizeof(*lru));
	snprintf(lru->key, sizeof(lru->key), "%s", key);
	return lru;
}

int notify__submit(struct notify *n, const json_t *rec)
{
	const char *state = json_string_value(json_object_get(rec, "state"));
	const char *rule = json_string_value(json_object_get(rec, "rule"));
	const char *id = json_string_value(json_object_get(rec, "id"));
	char scope[256], key[sizeof(((struct notify_key *)0)->key)];
	struct notify_msg *m = NULL;
	struct notify_key *k;
	bool firing, fresh;

	if (!state || !rule || (strcmp(state, "firing") && strcmp(state, "resolved")))
		return 0;
	firing = !strcmp(state, "firing");
	notify_scope(rec, scope, sizeof(scope));
	snprintf(key, sizeof(key), "%s\x1f%s", rule, scope);
	k = key_get(n, key, &fresh);
	if (!fresh && k->firing == firing) {
		__atomic_add_fetch(&n->deduplicated, 1, __ATOMIC_RELAXED);
		k->used = ++n->seq;
		return 0;
	}
	if (n->nchan) {
		m = msg_new(n, rec, !firing ? k->id : "");
		if (!m) {
			if (fresh) /* leave no entry that says it was notified */
				k->key[0] = '\0';
			return -ENOMEM;
		}
	}
	k->firing = firing;
	k->used = ++n->seq;
	snprintf(k->id, sizeof(k->id), "%s", firing && id ? id : "");
	if (!m)
		return 0;
	m->refs = n->nchan;
	for (int i = 0; i < n->nchan; i++)
		chan_push(n->chans[i], m);
	return n->nchan;
}

/* ---- counters ----------------------------------------------------------- */

int notify__chan_stats(struct notify *n, const char *channel, struct notify_chan_stats *st)
{
	for (int i = 0; i < n->nchan; i++) {
		struct notify_chan *ch = n->chans[i];

		if (strcmp(ch->ops->name, channel))
			continue;
		pthread_mutex_lock(&ch->mu);
		*st = ch->st;
		pthread_mutex_unlock(&ch->mu);
		return 0;
	}
	memset(st, 0, sizeof(*st));
	return -ENOENT;
}

uint64_t notify__deduplicated(const struct notify *n)
{
	return __atomic_load_n(&n->deduplicated, __ATOMIC_RELAXED);
}

/* A channel's counters: the "stats" topic's notifications.CHANNEL, and
 * hostlens_alert_notifications_total{channel, result}. */
static const struct counter_row chan_rows[] = {
	COUNTER_ROW_UINT("queued", NULL, 0, NULL, struct notify_chan_stats, queued),
#define RESULT(f)                                                                                      \
	{                                                                                              \
		.key = #f, .name = "hostlens_alert_notifications_total", .type = PROM_COUNTER,         \
		.help = "Alert notifications per channel: sent, failed (given up), retries (attempts " \
			"after a failed one), dropped (queue full or shutdown).",                      \
		.off = offsetof(struct notify_chan_stats, f), .label = "result", .label_value = #f     \
	}
	RESULT(sent),
	RESULT(failed),
	RESULT(retries),
	RESULT(dropped),
#undef RESULT
};

struct notify_stats {
	uint64_t deduplicated;
};

static const struct counter_row notify_rows[] = {
	COUNTER_ROW_UINT(
		"notifications_deduplicated_total",
		"hostlens_alert_notifications_deduplicated_total", PROM_COUNTER,
		"Alert records not notified: they repeated the last state notified for their rule and scope.",
		struct notify_stats, deduplicated),
};

void notify__stats(struct notify *n, json_t *stats, struct prom *prom)
{
	const size_t nrows = sizeof(chan_rows) / sizeof(chan_rows[0]);
	struct notify_chan_stats st[N_CHAN_OPS];
	const char *names[N_CHAN_OPS];
	const void *snaps[N_CHAN_OPS];
	struct notify_stats ns = { .deduplicated = notify__deduplicated(n) };

	for (int i = 0; i < n->nchan; i++) {
		names[i] = n->chans[i]->ops->name;
		notify__chan_stats(n, names[i], &st[i]);
		snaps[i] = &st[i];
	}
	if (stats) {
		json_t *chans = json_object();

		for (int i = 0; i < n->nchan; i++) {
			json_t *c = json_object();

			counters_json(chan_rows, nrows, &st[i], c);
			json_object_set_new(chans, names[i], c);
		}
		json_object_set_new(stats, "notifications", chans);
		counters_json(notify_rows, 1, &ns, stats);
	}
	if (!prom)
		return;
	counters_prom_each(prom, chan_rows, nrows, snaps, (size_t)n->nchan, "channel", names);
	counters_prom(prom, notify_rows, 1, &ns);
}

/* ---- options ------------------------------------------------------------ */

static bool has_scheme(const char *url, const char *const *schemes)
{
	for (; *schemes; schemes++) {
		size_t l = strlen(*schemes);

		if (!strncasecmp(url, *schemes, l) && url[l] && url[l] != '/')
			return true;
	}
	return false;
}

int notify_config_check(const struct config *cfg, char *err, size_t errlen)
{
	static const char *const http[] = { "http://", "https://", NULL };
	static const char *const smtp[] = { "smtp://", "smtps://", NULL };
	char region[64], addr[CFG_STR], why[400];

	if (cfg->alert_sns_topic_arn[0] &&
	    notify_sns_arn_region(cfg->alert_sns_topic_arn, region, sizeof(region), why,
				  sizeof(why))) {
		snprintf(err, errlen, "--alert-sns-topic-arn: %s", why);
		return -EINVAL;
	}
	if (cfg->alert_webhook[0] && !has_scheme(cfg->alert_webhook, http)) {
		snprintf(err, errlen, "--alert-webhook: not an http:// or https:// URL");
		return -EINVAL;
	}
	if (cfg->public_url[0] && !has_scheme(cfg->public_url, http)) {
		snprintf(err, errlen, "--public-url: '%s' is not an http:// or https:// URL",
			 cfg->public_url);
		return -EINVAL;
	}
	if (!cfg->alert_smtp_url[0]) {
		if (cfg->alert_email_from[0] || cfg->n_alert_email_to) {
			snprintf(err, errlen,
				 "--alert-email-from and --alert-email-to need --alert-smtp-url");
			return -EINVAL;
		}
		return 0;
	}
	if (!has_scheme(cfg->alert_smtp_url, smtp)) {
		snprintf(err, errlen,
			 "--alert-smtp-url: '%s' is not smtp://HOST[:PORT] or smtps://HOST[:PORT]",
			 cfg->alert_smtp_url);
		return -EINVAL;
	}
	{
		const char *h = strstr(cfg->alert_smtp_url, "://") + 3;

		if (memchr(h, '@', strcspn(h, "/?#"))) {
			snprintf(
				err, errlen,
				"--alert-smtp-url: no user or password in the URL: set "
				"HOSTLENS_SMTP_USER and HOSTLENS_SMTP_PASSWORD in the environment");
			return -EINVAL;
		}
	}
	if (notify_email_addr(cfg->alert_email_from, addr, sizeof(addr))) {
		snprintf(err, errlen,
			 "--alert-email-from: '%s' is not an e-mail address (a@example.com "
			 "or Name <a@example.com>)",
			 cfg->alert_email_from);
		return -EINVAL;
	}
	if (!cfg->n_alert_email_to) {
		snprintf(err, errlen, "--alert-smtp-url needs at least one --alert-email-to");
		return -EINVAL;
	}
	return 0;
}
