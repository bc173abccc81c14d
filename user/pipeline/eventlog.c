// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: see eventlog.h. Threads: one writer per shard (the drain thread),
 * readers on any thread (processor, web). Ordering: the writer stores tail
 * (release) before overwriting, and head (release) after writing; readers
 * load head (acquire), copy, fence (acquire), then validate against tail.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "user/pipeline/eventlog.h"

#define ENTRY_HDR 16u
#define PAD_LEN 0xffffffffu
#define SHARD_MIN (64u << 10)
#define READ_BUF (64u << 10)
#define MARKS 128u /* chunks per shard (a power of two) */

struct entry_hdr {
	uint32_t len;
	uint32_t flags;
	uint64_t seq;
};

struct shard {
	/* writer-owned, read by readers */
	uint64_t head __attribute__((aligned(64)));
	uint64_t tail;
	uint64_t head_seq;
	uint64_t tail_seq;
	uint64_t overwritten;
	uint64_t rejected;
	/* writer only: where the first entry of each chunk (cap / MARKS bytes)
	 * of the ring starts, and its seq, so making room moves the tail a
	 * chunk at a time without reading the oldest entries' headers */
	uint64_t last_chunk; /* absolute chunk of the newest mark */
	struct mark {
		uint64_t pos, seq;
	} marks[MARKS];
	/* constant */
	uint64_t cap __attribute__((aligned(64)));
	uint64_t mask;
	uint32_t chunk_shift;
	unsigned char *buf;
};

struct eventlog {
	int nshards;
	struct shard *shards;
};

struct eventlog_reader {
	struct eventlog *log;
	uint64_t *pos;
	uint64_t *seq;
	uint64_t lost;
	unsigned char *buf; /* copy-out buffer, one entry at a time */
};

static inline uint64_t round8(uint64_t v)
{
	return (v + 7) & ~7ull;
}

struct eventlog *eventlog__new(size_t total_bytes, int nshards)
{
	struct eventlog *log;
	uint64_t per, cap = SHARD_MIN;

	if (nshards <= 0 || total_bytes == 0) {
		errno = EINVAL;
		return NULL;
	}
	per = total_bytes / (size_t)nshards;
	while (cap * 2 <= per)
		cap *= 2;
	log = calloc(1, sizeof(*log));
	if (!log)
		return NULL;
	log->shards = aligned_alloc(64, sizeof(struct shard) * (size_t)nshards);
	if (!log->shards)
		goto err;
	memset(log->shards, 0, sizeof(struct shard) * (size_t)nshards);
	log->nshards = nshards;
	for (int i = 0; i < nshards; i++) {
		struct shard *s = &log->shards[i];

		s->cap = cap;
		s->mask = cap - 1;
		s->chunk_shift = (uint32_t)__builtin_ctzll(cap / MARKS);
		s->last_chunk = UINT64_MAX;
		s->buf = aligned_alloc(64, cap);
		if (!s->buf)
			goto err;
	}
	return log;
err:
	eventlog__free(log);
	errno = ENOMEM;
	return NULL;
}

void eventlog__free(struct eventlog *log)
{
	if (!log)
		return;
	if (log->shards)
		for (int i = 0; i < log->nshards; i++)
			free(log->shards[i].buf);
	free(log->shards);
	free(log);
}

int eventlog__shards(const struct eventlog *log)
{
	return log->nshards;
}

/*
 * Writer: moves the tail to the first entry at or past byte min_tail, found
 * from the chunk marks (a chunk's first entry may start before min_tail: then
 * the next chunk's), or to head when none is left; counts what it dropped.
 * Frees up to a chunk more than asked. Reading the oldest headers one by one
 * instead was a cache miss per append under load, the drain's costliest line.
 * Caller publishes tail afterwards.
 */
static void shard_evict_to(struct shard *s, uint64_t head, uint64_t min_tail, uint64_t *tail,
			   uint64_t *tail_seq)
{
	uint64_t seq = s->head_seq, pos = head;

	for (uint64_t c = min_tail >> s->chunk_shift; c << s->chunk_shift < head; c++) {
		const struct mark *m = &s->marks[c & (MARKS - 1)];

		if (m->pos >> s->chunk_shift == c && m->pos >= min_tail && m->pos < head) {
			pos = m->pos;
			seq = m->seq;
			break;
		}
	}
	s->overwritten += seq - *tail_seq;
	*tail = pos;
	*tail_seq = seq;
}

uint64_t eventlog__append(struct eventlog *log, int shard, const void *data, uint32_t len)
{
	struct shard *s = &log->shards[shard];
	uint64_t need = ENTRY_HDR + round8(len), head = s->head, tail = s->tail;
	uint64_t tail_seq = s->tail_seq, off = head & s->mask, pad = 0;
	struct entry_hdr *h;
	uint64_t seq;

	if (need > s->cap / 4 || len == PAD_LEN) {
		__atomic_store_n(&s->rejected, s->rejected + 1, __ATOMIC_RELAXED);
		return UINT64_MAX;
	}
	if (off + need > s->cap)
		pad = s->cap - off;
	if (head + pad + need - tail > s->cap) {
		shard_evict_to(s, head, head + pad + need - s->cap, &tail, &tail_seq);
		/* publish the new tail before the bytes behind it change */
		__atomic_store_n(&s->tail_seq, tail_seq, __ATOMIC_RELAXED);
		__atomic_store_n(&s->tail, tail, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_RELEASE);
	}
	if (pad) {
		h = (void *)(s->buf + off);
		h->len = PAD_LEN;
		head += pad;
		off = 0;
	}
	h = (void *)(s->buf + off);
	seq = s->head_seq;
	if (head >> s->chunk_shift != s->last_chunk) {
		s->last_chunk = head >> s->chunk_shift;
		s->marks[s->last_chunk & (MARKS - 1)] = (struct mark){ head, seq };
	}
	h->len = len;
	h->flags = 0;
	h->seq = seq;
	memcpy(h + 1, data, len);
	s->head_seq = seq + 1;
	__atomic_store_n(&s->head, head + need, __ATOMIC_RELEASE);
	return seq;
}

void eventlog__stats(const struct eventlog *log, struct eventlog_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->shards = log->nshards;
	for (int i = 0; i < log->nshards; i++) {
		const struct shard *s = &log->shards[i];
		uint64_t head = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE);
		uint64_t tail = __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE);

		st->appended += __atomic_load_n(&s->head_seq, __ATOMIC_RELAXED);
		st->overwritten += __atomic_load_n(&s->overwritten, __ATOMIC_RELAXED);
		st->rejected += __atomic_load_n(&s->rejected, __ATOMIC_RELAXED);
		st->used_bytes += head - tail;
		st->size_bytes += s->cap;
	}
}

uint64_t eventlog__shard_next_seq(const struct eventlog *log, int shard)
{
	return __atomic_load_n(&log->shards[shard].head_seq, __ATOMIC_ACQUIRE);
}

struct eventlog_reader *eventlog_reader__new(struct eventlog *log, bool from_oldest)
{
	struct eventlog_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->log = log;
	r->pos = calloc((size_t)log->nshards, sizeof(uint64_t));
	r->seq = calloc((size_t)log->nshards, sizeof(uint64_t));
	r->buf = malloc(READ_BUF);
	if (!r->pos || !r->seq || !r->buf) {
		eventlog_reader__free(r);
		errno = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < log->nshards; i++) {
		struct shard *s = &log->shards[i];

		/* The seq is only a baseline: the first entry read carries its own
		 * seq, and any gap between the two is counted as lost. Loaded in
		 * the order that can only under-state the baseline. */
		if (from_oldest) {
			r->seq[i] = __atomic_load_n(&s->tail_seq, __ATOMIC_ACQUIRE);
			r->pos[i] = __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE);
		} else {
			r->pos[i] = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE);
			r->seq[i] = __atomic_load_n(&s->head_seq, __ATOMIC_ACQUIRE);
		}
	}
	return r;
}

void eventlog_reader__free(struct eventlog_reader *r)
{
	if (!r)
		return;
	free(r->pos);
	free(r->seq);
	free(r->buf);
	free(r);
}

/* The reader fell behind the writer's tail: jump there. What it skipped is
 * counted when the next entry's seq shows the gap. */
static void reader_resync(struct eventlog_reader *r, int i, struct shard *s)
{
	r->pos[i] = __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE);
}

size_t eventlog_reader__poll(struct eventlog_reader *r, eventlog_cb cb, void *ctx, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < r->log->nshards && n < max; i++) {
		struct shard *s = &r->log->shards[i];
		uint64_t head = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE);

		while (r->pos[i] < head && n < max) {
			uint64_t pos = r->pos[i], off = pos & s->mask;
			struct entry_hdr h;

			if (pos < __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE)) {
				reader_resync(r, i, s);
				continue;
			}
			memcpy(&h, s->buf + off, sizeof(h));
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (pos < __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE)) {
				reader_resync(r, i, s);
				continue;
			}
			if (h.len == PAD_LEN) {
				r->pos[i] = pos + (s->cap - off);
				continue;
			}
			if (h.len > READ_BUF || off + ENTRY_HDR + h.len > s->cap) {
				/* torn header: only possible if overwritten meanwhile */
				reader_resync(r, i, s);
				continue;
			}
			memcpy(r->buf, s->buf + off + ENTRY_HDR, h.len);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (pos < __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE)) {
				reader_resync(r, i, s);
				continue;
			}
			r->pos[i] = pos + ENTRY_HDR + round8(h.len);
			if (h.seq > r->seq[i])
				r->lost += h.seq - r->seq[i];
			r->seq[i] = h.seq + 1;
			cb(ctx, i, h.seq, r->buf, h.len);
			n++;
		}
	}
	return n;
}

uint64_t eventlog_reader__lost(const struct eventlog_reader *r)
{
	return r->lost;
}
