// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: the sink engine (sink.h).
 *
 * Threads. The processor thread calls sinks__submit(); each configured sink
 * has one thread of its own (slot_main) that delivers, retries and replays.
 * The web thread reads stats through sinks__stats_json(). Per sink, one
 * mutex (slot->mu) guards the queue, the stats and the stop flag; the spool
 * has its own mutex (spool.c). No lock is shared between sinks. Lock order:
 * slot->mu, then the spool's. Neither is held across disk I/O: spool writes
 * and their fsyncs (sinks__submit, park, the rewrite of a replayed batch)
 * run with slot->mu dropped, and the spool holds its own mutex only for its
 * index (spool.c), so a slow disk stalls the thread writing to it and
 * nobody else (not the stats, not the other thread's queue work).
 *
 * Order. Every submitted batch gets a sequence number per sink. It goes to a
 * bounded memory queue (SINK_QUEUE_MAX batches) or, when that is full or the
 * sink is failing, to the on-disk spool, appended by the processor thread
 * (local disk I/O only, never a network wait); memory again if the disk
 * refuses, dropped and counted when both are full. The sink thread always takes the lowest sequence
 * number among the queue head, the spool head and a batch it holds, so
 * batches are delivered in submission order, spooled or not, also after a
 * restart (the spool keeps its sequence numbers; new ones continue above).
 *
 * Failure. A batch that fails with -EAGAIN goes to the spool at once (only
 * its records not yet delivered), so a crash during an outage loses at most
 * the memory queue, and the thread retries the spool head after an
 * exponential backoff with jitter (sink_util.h). If the spool cannot take it
 * (disk full), the thread holds it in memory and keeps retrying; new batches
 * that fit neither queue nor spool are dropped and counted. A spool that
 * overflows drops its oldest batches, counted. Records a sink rejects (over
 * its size limit) or gives up on (a non-retryable error) are counted and
 * logged. Nothing is dropped without a counter and a log line.
 *
 * Stop. sinks__free() gives every sink SINKS_STOP_MS to deliver what it
 * holds; on the first failure or at the deadline, what is left goes to the
 * spool for the next run.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "sinks/sink.h"
#include "sinks/registry.h"
#include "sinks/sink_util.h"
#include "sinks/spool.h"
#include "user/runtime/thread.h"
#include "user/lib/clock.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#define SINK_QUEUE_MAX 32
#define SINKS_STOP_MS 5000

struct qent {
	struct record_batch *b;
	uint64_t seq;
};

enum src { SRC_NONE, SRC_QUEUE, SRC_SPOOL, SRC_HELD };

struct sink_slot {
	struct sink s;
	pthread_t thr;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct qent q[SINK_QUEUE_MAX];
	size_t qh, qn;
	struct record_batch *held; /* could not be spooled (disk full) */
	unsigned char *held_mark;
	uint64_t held_seq;
	struct spool *spool;
	uint64_t next_seq;
	bool stop;
	int64_t stop_deadline;
	unsigned attempt;  /* consecutive failed attempts */
	uint64_t inflight; /* records of the batch being delivered */
	uint64_t parking;  /* records being written to the spool, unlocked */
	uint32_t rnd;
};

struct sinks {
	struct sink_slot **slots;
	size_t n;
};

static uint32_t slot_rand(struct sink_slot *sl)
{
	uint32_t x = sl->rnd; /* xorshift32 */

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return sl->rnd = x ? x : 0x9e3779b9u;
}

static void slot_error(struct sink_slot *sl, const char *msg)
{
	snprintf(sl->s.stats.last_error, sizeof(sl->s.stats.last_error), "%s", msg);
	sl->s.stats.last_error_ms = sink_wall_ms();
}

/* ---- delivery ---- */

struct outcome {
	uint64_t sent, rejected, given_up;
	int rc; /* 0 all settled, -EAGAIN some pending */
};

/* Sends the pending records of b (mark[i] == 0) in chunks cut to the sink's
 * limits. Marks what was settled. Called without slot->mu. */
static void deliver(struct sink_slot *sl, struct record_batch *b, unsigned char *mark,
		    struct outcome *o)
{
	const struct sink_ops *ops = sl->s.ops;
	size_t *idx = NULL, *cost = NULL, np = 0, start;
	struct record *view = NULL;
	unsigned char *cmark = NULL;

	memset(o, 0, sizeof(*o));
	idx = malloc(b->n * sizeof(*idx) + 1);
	cost = malloc(b->n * sizeof(*cost) + 1);
	view = malloc(b->n * sizeof(*view) + 1);
	cmark = malloc(b->n + 1);
	if (!idx || !cost || !view || !cmark) {
		snprintf(sl->s.errmsg, sizeof(sl->s.errmsg), "out of memory");
		o->rc = -EAGAIN;
		goto out;
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct record *r = &b->recs[i];
		size_t c;

		if (mark[i])
			continue;
		c = ops->record_cost ? ops->record_cost(&sl->s, r) : r->len + 1;
		if (ops->max_record_bytes && c > ops->max_record_bytes) {
			mark[i] = SINK_MARK_REJECTED;
			o->rejected++;
			sink_log(ops->name,
				 "record %s (%s) is %zu bytes, over the %zu-byte limit: rejected",
				 r->id, r->type, c, ops->max_record_bytes);
			continue;
		}
		idx[np] = i;
		cost[np++] = c;
	}
	for (start = 0; start < np;) {
		size_t end = sink_chunk_end(cost, np, start, ops->max_batch_records,
					    ops->max_batch_bytes);
		struct record_batch vb = {
			.recs = view, .n = end - start, .cap = end - start, .refcnt = 1
		};
		int rc;

		for (size_t j = start; j < end; j++)
			view[j - start] = b->recs[idx[j]];
		memset(cmark, 0, end - start);
		sl->s.mark = cmark;
		sl->s.errmsg[0] = '\0';
		rc = ops->write(&sl->s, &vb);
		sl->s.mark = NULL;
		for (size_t j = start; j < end; j++) {
			unsigned char m = rc == 0 ? SINK_MARK_DONE : cmark[j - start];

			if (!m && rc && rc != -EAGAIN)
				m = SINK_MARK_GIVEN_UP;
			mark[idx[j]] = m;
			o->sent += m == SINK_MARK_DONE;
			o->rejected += m == SINK_MARK_REJECTED;
			o->given_up += m == SINK_MARK_GIVEN_UP;
		}
		if (rc && rc != -EAGAIN)
			sink_log(ops->name, "giving up on %zu records: %s", end - start,
				 sl->s.errmsg[0] ? sl->s.errmsg : strerror(-rc));
		if (rc == -EAGAIN) {
			o->rc = -EAGAIN;
			break; /* the endpoint is in trouble: retry later, in order */
		}
		start = end;
	}
out:
	free(idx);
	free(cost);
	free(view);
	free(cmark);
}

static uint64_t count_pending(const struct record_batch *b, const unsigned char *mark)
{
	uint64_t n = 0;

	for (size_t i = 0; i < b->n; i++)
		n += !mark || !mark[i];
	return n;
}

/* Puts the pending records of b into the spool; on failure keeps them held.
 * Called on the sink thread with slot->mu held, which it drops during the
 * disk write (a slow disk must not hold up sinks__submit or the stats).
 * Takes over b and mark. */
static void park(struct sink_slot *sl, uint64_t seq, struct record_batch *b, unsigned char *mark)
{
	uint64_t dropped = 0, n = count_pending(b, mark);
	int err;

	sl->parking += n; /* still waiting: sinks__backlog must not read 0 */
	pthread_mutex_unlock(&sl->mu);
	err = spool__append(sl->spool, seq, b, mark, &dropped);
	pthread_mutex_lock(&sl->mu);
	sl->parking -= n;
	sl->s.stats.dropped += dropped;
	if (dropped)
		sink_log(sl->s.ops->name,
			 "spool full (%" PRIu64 " bytes): dropped %" PRIu64 " oldest records",
			 spool__bytes(sl->spool), dropped);
	if (!err || err == -EFBIG) {
		if (!err)
			sl->s.stats.spooled += n;
		if (sl->held == b) {
			sl->held = NULL;
			sl->held_mark = NULL;
		}
		record_batch__put(b);
		free(mark);
		return;
	}
	if (sl->held != b) {
		char msg[256];

		if (sl->held) { /* only ever one: the oldest stays, this one is lost */
			sl->s.stats.dropped += n;
			snprintf(msg, sizeof(msg), "spool: %s; dropped %" PRIu64 " records",
				 strerror(-err), n);
			slot_error(sl, msg);
			sink_log(sl->s.ops->name, "%s", msg);
			record_batch__put(b);
			free(mark);
			return;
		}
		snprintf(msg, sizeof(msg), "spool: %s; holding %" PRIu64 " records in memory",
			 strerror(-err), n);
		slot_error(sl, msg);
		sink_log(sl->s.ops->name, "%s", msg);
		sl->held = b;
		sl->held_mark = mark;
		sl->held_seq = seq;
	}
}

/* Records waiting in this sink (queue, held, spool, being spooled; a batch
 * can count twice for a moment, never zero times). slot->mu held. */
static uint64_t backlog_locked(struct sink_slot *sl)
{
	uint64_t n = spool__records(sl->spool) + sl->inflight + sl->parking;

	for (size_t k = 0; k < sl->qn; k++)
		n += sl->q[(sl->qh + k) % SINK_QUEUE_MAX].b->n;
	if (sl->held)
		n += count_pending(sl->held, sl->held_mark);
	return n;
}

static enum src pick(struct sink_slot *sl, uint64_t *seq)
{
	enum src s = SRC_NONE;
	uint64_t best = UINT64_MAX, hs;

	if (sl->qn) {
		best = sl->q[sl->qh].seq;
		s = SRC_QUEUE;
	}
	if (sl->held && sl->held_seq < best) {
		best = sl->held_seq;
		s = SRC_HELD;
	}
	if (spool__head(sl->spool, &hs) && hs < best) {
		best = hs;
		s = SRC_SPOOL;
	}
	*seq = best;
	return s;
}

static void wait_until(struct sink_slot *sl, int64_t deadline_mono)
{
	struct timespec ts;

	ts.tv_sec = deadline_mono / 1000;
	ts.tv_nsec = (deadline_mono % 1000) * 1000000;
	pthread_cond_timedwait(&sl->cv, &sl->mu, &ts);
}

/* At stop: everything still in memory goes to the spool. slot->mu held. */
static void park_all(struct sink_slot *sl)
{
	while (sl->qn) {
		struct qent e = sl->q[sl->qh];

		sl->qh = (sl->qh + 1) % SINK_QUEUE_MAX;
		sl->qn--;
		park(sl, e.seq, e.b, NULL);
	}
	if (sl->held) {
		park(sl, sl->held_seq, sl->held, sl->held_mark);
		if (sl->held) {
			uint64_t n = count_pending(sl->held, sl->held_mark);

			sl->s.stats.dropped += n;
			sink_log(sl->s.ops->name,
				 "stopping: %" PRIu64 " records could not be spooled: dropped", n);
			record_batch__put(sl->held);
			free(sl->held_mark);
			sl->held = NULL;
			sl->held_mark = NULL;
		}
	}
}

/*
 * After a temporary failure (-EAGAIN), sl->mu held: counts it and keeps the
 * records not yet settled for later, on disk if possible. Takes b and mark.
 */
static void slot_keep_rest(struct sink_slot *sl, enum src src, uint64_t seq, struct record_batch *b,
			   unsigned char *mark, const struct outcome *o)
{
	sl->s.stats.failed++;
	sl->attempt++;
	slot_error(sl, sl->s.errmsg[0] ? sl->s.errmsg : "temporary failure");
	if (src == SRC_SPOOL) {
		/* rewrite only when some records were settled; unlocked,
		 * like every spool write */
		int err = 0;

		if (o->sent + o->rejected + o->given_up) {
			pthread_mutex_unlock(&sl->mu);
			err = spool__replace(sl->spool, seq, b, mark);
			pthread_mutex_lock(&sl->mu);
		}
		if (err)
			sink_log(sl->s.ops->name, "spool: cannot rewrite batch: %s",
				 strerror(-err));
		record_batch__put(b);
		free(mark);
	} else {
		park(sl, seq, b, mark); /* takes b and mark (or holds them) */
	}
}

/* Waits out the backoff after failed attempt sl->attempt, sl->mu held (the
 * wait lets go of it); a stop ends the wait early. */
static void slot_backoff(struct sink_slot *sl)
{
	int64_t d = sink_backoff_ms(sl->attempt, SINK_BACKOFF_BASE_MS, SINK_BACKOFF_MAX_MS,
				    slot_rand(sl));
	int64_t until;

	/* Log the first failures, then at powers of two: one outage is a
	 * handful of lines, not one per retry. */
	if ((sl->attempt & (sl->attempt - 1)) == 0)
		sink_log(sl->s.ops->name,
			 "%s, %" PRIu64 " records waiting, retrying in %" PRId64 " ms (attempt %u)",
			 sl->s.errmsg[0] ? sl->s.errmsg : sl->s.stats.last_error,
			 backlog_locked(sl), d, sl->attempt);
	until = clock_mono_ms() + d;
	while (!sl->stop && clock_mono_ms() < until)
		wait_until(sl, until);
}

static void *slot_main(void *arg)
{
	struct sink_slot *sl = arg;
	const char *name = sl->s.ops->name;

	thread__setup("hl-sink", true);
	pthread_mutex_lock(&sl->mu);
	for (;;) {
		struct record_batch *b = NULL;
		unsigned char *mark = NULL;
		struct outcome o;
		uint64_t seq, bad = 0, pending;
		enum src src = pick(sl, &seq);
		bool retry = sl->attempt > 0;

		if (sl->stop && (src == SRC_NONE || clock_mono_ms() >= sl->stop_deadline))
			break;
		if (src == SRC_NONE) {
			pthread_cond_wait(&sl->cv, &sl->mu);
			continue;
		}
		if (src == SRC_QUEUE) {
			b = sl->q[sl->qh].b;
			sl->q[sl->qh].b = NULL;
			sl->qh = (sl->qh + 1) % SINK_QUEUE_MAX;
			sl->qn--;
		} else if (src == SRC_HELD) {
			b = sl->held;
			mark = sl->held_mark;
		}
		if (src == SRC_QUEUE)
			sl->inflight = b->n;
		pthread_mutex_unlock(&sl->mu);

		if (src == SRC_SPOOL) {
			int err = spool__read(sl->spool, seq, &b, &bad);

			if (err) {
				pthread_mutex_lock(&sl->mu);
				if (err != -ENOENT) {
					char msg[160];

					snprintf(msg, sizeof(msg),
						 "spool: cannot read batch %" PRIx64
						 ": %s; dropped",
						 seq, strerror(-err));
					sink_log(name, "%s", msg);
					slot_error(sl, msg);
					sl->s.stats.dropped += 1;
					spool__remove(sl->spool, seq);
				}
				continue;
			}
		}
		if (!mark)
			mark = calloc(b->n + 1, 1);
		if (!mark) {
			o.rc = -EAGAIN;
			snprintf(sl->s.errmsg, sizeof(sl->s.errmsg), "out of memory");
			o.sent = o.rejected = o.given_up = 0;
		} else {
			deliver(sl, b, mark, &o);
		}
		pending = mark ? count_pending(b, mark) : b->n;

		pthread_mutex_lock(&sl->mu);
		sl->inflight = 0;
		sl->s.stats.dropped += bad + o.rejected + o.given_up;
		sl->s.stats.rejected += o.rejected;
		sl->s.stats.sent += o.sent;
		if (retry)
			sl->s.stats.retried += o.sent;
		if (o.sent)
			sl->s.stats.last_ok_ms = sink_wall_ms();
		if (o.given_up) {
			sl->s.stats.failed++;
			slot_error(sl, sl->s.errmsg[0] ? sl->s.errmsg : "gave up");
		}
		if (o.rc == 0 || !pending) {
			if (sl->attempt)
				sink_log(name, "delivering again after %u failed attempts",
					 sl->attempt);
			sl->attempt = 0;
			if (src == SRC_SPOOL)
				spool__remove(sl->spool, seq);
			if (src == SRC_HELD) {
				sl->held = NULL;
				sl->held_mark = NULL;
			}
			record_batch__put(b);
			free(mark);
			continue;
		}

		/* -EAGAIN: keep the rest for later, on disk if possible. */
		slot_keep_rest(sl, src, seq, b, mark, &o);
		if (sl->stop) {
			park_all(sl);
			break;
		}
		slot_backoff(sl);
	}
	park_all(sl);
	pthread_mutex_unlock(&sl->mu);
	return NULL;
}

/* ---- the public API ---- */

static void slot_free(struct sink_slot *sl)
{
	if (!sl)
		return;
	while (sl->qn) {
		record_batch__put(sl->q[sl->qh].b);
		sl->qh = (sl->qh + 1) % SINK_QUEUE_MAX;
		sl->qn--;
	}
	if (sl->s.ops) {
		if (sl->s.ops->flush && sl->s.priv && sl->started)
			sl->s.ops->flush(&sl->s);
		if (sl->s.ops->destroy)
			sl->s.ops->destroy(&sl->s);
	}
	free(sl->s.priv);
	spool__close(sl->spool);
	pthread_cond_destroy(&sl->cv);
	pthread_mutex_destroy(&sl->mu);
	free(sl);
}

static struct sink_slot *slot_new(const struct sink_ops *ops, const struct config *cfg, char *err,
				  size_t errlen)
{
	struct sink_slot *sl = calloc(1, sizeof(*sl));
	pthread_condattr_t ca;
	char dir[PATH_MAX + 32];
	int ret;

	if (!sl) {
		snprintf(err, errlen, "%s: out of memory", ops->name);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&sl->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sl->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (getrandom(&sl->rnd, sizeof(sl->rnd), 0) != sizeof(sl->rnd) || !sl->rnd)
		sl->rnd = (uint32_t)clock_mono_ms() | 1;
	sl->s.ops = ops;
	sl->s.priv = calloc(1, ops->priv_size ? ops->priv_size : 1);
	if (!sl->s.priv) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", ops->name);
		goto fail;
	}
	ret = ops->init(&sl->s, cfg);
	if (ret) {
		snprintf(err, errlen, "%s: %s", ops->name,
			 sl->s.errmsg[0] ? sl->s.errmsg : strerror(-ret));
		goto fail;
	}
	snprintf(dir, sizeof(dir), "%s/spool/%s", cfg->data_dir, ops->name);
	sl->spool = spool__open(dir, cfg->spool_max_bytes);
	if (!sl->spool) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot use spool directory %s: %s", ops->name, dir,
			 strerror(errno));
		goto fail;
	}
	sl->next_seq = spool__max_seq(sl->spool);
	sl->s.stats.spool_bytes = spool__bytes(sl->spool);
	if (spool__count(sl->spool))
		sink_log(ops->name, "replaying %zu spooled batches (%" PRIu64 " records) from %s",
			 spool__count(sl->spool), spool__records(sl->spool), dir);
	return sl;
fail:
	slot_free(sl);
	errno = -ret;
	return NULL;
}

struct sinks *sinks__new(const struct config *cfg, char *err, size_t errlen)
{
	struct sinks *ss = calloc(1, sizeof(*ss));
	int ret = 0;

	if (!ss || !(ss->slots = calloc(CFG_MAX_SINKS, sizeof(*ss->slots)))) {
		free(ss);
		snprintf(err, errlen, "sinks: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < cfg->n_sinks; i++) {
		const struct sink_ops *ops = NULL;
		struct sink_slot *sl;

		for (size_t k = 0; sink_registry[k]; k++)
			if (!strcmp(sink_registry[k]->name, cfg->sinks[i]))
				ops = sink_registry[k];
		if (!ops) {
			snprintf(err, errlen, "unknown sink '%s'", cfg->sinks[i]);
			ret = -EINVAL;
			goto fail;
		}
		sl = slot_new(ops, cfg, err, errlen);
		if (!sl) {
			ret = -errno;
			goto fail;
		}
		ss->slots[ss->n++] = sl;
	}
	for (size_t i = 0; i < ss->n; i++) {
		ret = -pthread_create(&ss->slots[i]->thr, NULL, slot_main, ss->slots[i]);
		if (ret) {
			snprintf(err, errlen, "%s: cannot start thread: %s",
				 ss->slots[i]->s.ops->name, strerror(-ret));
			goto fail;
		}
		ss->slots[i]->started = true;
	}
	return ss;
fail:
	sinks__free(ss);
	errno = ret ? -ret : EINVAL;
	return NULL;
}

void sinks__submit(struct sinks *ss, struct record_batch *b)
{
	if (!ss || !b || !b->n)
		return;
	for (size_t i = 0; i < ss->n; i++) {
		struct sink_slot *sl = ss->slots[i];
		uint64_t seq;

		pthread_mutex_lock(&sl->mu);
		seq = ++sl->next_seq;
		/* A sink that is failing or behind: the batch waits on disk, in
		 * order, so a crash during an outage loses nothing spooled. Memory
		 * is the fallback when the disk refuses (full). */
		if (sl->attempt || sl->qn == SINK_QUEUE_MAX) {
			uint64_t dropped = 0;
			int err;

			/* The write and its fsync run without slot->mu: the sink
			 * thread keeps delivering and the stats keep answering
			 * while the disk is slow. Order holds: this thread is the
			 * only one that makes sequence numbers, and it makes the
			 * next one only after this batch is in the spool (or the
			 * queue), so nothing newer can overtake it. */
			sl->parking += b->n;
			pthread_mutex_unlock(&sl->mu);
			err = spool__append(sl->spool, seq, b, NULL, &dropped);
			pthread_mutex_lock(&sl->mu);
			sl->parking -= b->n;
			sl->s.stats.dropped += dropped;
			if (dropped)
				sink_log(sl->s.ops->name,
					 "spool full: dropped %" PRIu64 " records "
					 "(oldest first)",
					 dropped);
			if (!err)
				sl->s.stats.spooled += b->n;
			if (!err || err == -EFBIG)
				goto next;
			if (sl->qn == SINK_QUEUE_MAX) {
				char msg[200];

				sl->s.stats.dropped += b->n;
				snprintf(msg, sizeof(msg),
					 "queue full and spool: %s; dropped %zu records",
					 strerror(-err), b->n);
				slot_error(sl, msg);
				sink_log(sl->s.ops->name, "%s", msg);
				goto next;
			}
		}
		sl->q[(sl->qh + sl->qn) % SINK_QUEUE_MAX] =
			(struct qent){ .b = record_batch__get(b), .seq = seq };
		sl->qn++;
next:
		pthread_cond_signal(&sl->cv);
		pthread_mutex_unlock(&sl->mu);
	}
}

json_t *sinks__stats_json(struct sinks *ss)
{
	json_t *arr = json_array();

	for (size_t i = 0; ss && arr && i < ss->n; i++) {
		struct sink_slot *sl = ss->slots[i];
		struct sink_stats st;
		uint64_t sb = spool__bytes(sl->spool), sr = spool__records(sl->spool);
		size_t sn = spool__count(sl->spool), queued;

		pthread_mutex_lock(&sl->mu);
		sl->s.stats.spool_bytes = sb;
		st = sl->s.stats;
		queued = sl->qn + (sl->held != NULL);
		pthread_mutex_unlock(&sl->mu);
		json_array_append_new(
			arr,
			json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:I,s:I}",
				  "name", sl->s.ops->name, "sent", (json_int_t)st.sent, "failed",
				  (json_int_t)st.failed, "retried", (json_int_t)st.retried,
				  "spooled", (json_int_t)st.spooled, "dropped",
				  (json_int_t)st.dropped, "rejected", (json_int_t)st.rejected,
				  "spool_bytes", (json_int_t)sb, "spool_batches", (json_int_t)sn,
				  "spool_records", (json_int_t)sr, "queued_batches",
				  (json_int_t)queued, "last_error", st.last_error, "last_error_ms",
				  (json_int_t)st.last_error_ms, "last_ok_ms",
				  (json_int_t)st.last_ok_ms));
	}
	return arr;
}

uint64_t sinks__backlog(struct sinks *ss)
{
	uint64_t n = 0;

	for (size_t i = 0; ss && i < ss->n; i++) {
		struct sink_slot *sl = ss->slots[i];

		pthread_mutex_lock(&sl->mu);
		n += backlog_locked(sl);
		pthread_mutex_unlock(&sl->mu);
	}
	return n;
}

void sinks__free(struct sinks *ss)
{
	if (!ss)
		return;
	for (size_t i = 0; i < ss->n; i++) {
		struct sink_slot *sl = ss->slots[i];

		pthread_mutex_lock(&sl->mu);
		sl->stop = true;
		sl->stop_deadline = clock_mono_ms() + SINKS_STOP_MS;
		/* a call still running past the deadline is cut (its batch is spooled) */
		__atomic_store_n(&sl->s.abort_at_ms, sl->stop_deadline, __ATOMIC_RELAXED);
		pthread_cond_signal(&sl->cv);
		pthread_mutex_unlock(&sl->mu);
	}
	for (size_t i = 0; i < ss->n; i++) {
		if (ss->slots[i]->started)
			pthread_join(ss->slots[i]->thr, NULL);
		slot_free(ss->slots[i]);
	}
	free(ss->slots);
	free(ss);
}
