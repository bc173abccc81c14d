// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* DESIGN: see drain.h. Threads: the drain thread writes the log and its own
 * counters (relaxed atomics so other threads can read them). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "user/pipeline/drain.h"
#include "user/runtime/log.h"
#include "user/runtime/thread.h"
#include "user/lib/clock.h"

struct drain_ring {
	struct drain *d;
	int shard;
};

struct drain {
	struct ring_buffer *rb;
	struct eventlog *log;
	struct drain_ring *rings;
	int nrings;
	int poll_ms;
	pthread_t thread;
	bool running;
	int stop;
	bool batch_start; /* next event is the first of a poll round */
	struct drain_stats st;
	void (*on_batch)(void *); /* drain__on_batch: arg stored first, fn last */
	void *on_batch_arg;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct drain_ring *r = ctx;
	struct drain *d = r->d;
	const struct event_hdr *h = data;

	if (size < sizeof(*h) || size > 65536 || h->size != size || h->type == 0 ||
	    h->type >= HL_EV_MAX) {
		__atomic_store_n(&d->st.malformed, d->st.malformed + 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (d->batch_start) {
		/* once per round, not per event: how late is the oldest event? */
		uint64_t now = clock_mono_ns(), delay = now > h->ts_ns ? now - h->ts_ns : 0;

		d->batch_start = false;
		if (delay > __atomic_load_n(&d->st.max_delay_ns, __ATOMIC_RELAXED))
			__atomic_store_n(&d->st.max_delay_ns, delay, __ATOMIC_RELAXED);
	}
	eventlog__append(d->log, r->shard, data, (uint32_t)size);
	__atomic_store_n(&d->st.events, d->st.events + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&d->st.bytes, d->st.bytes + size, __ATOMIC_RELAXED);
	d->st.by_type[h->type]++;
	return 0;
}

struct drain *drain__new(struct loader *ld, struct eventlog *log, int poll_ms)
{
	struct drain *d = calloc(1, sizeof(*d));
	int nshards = eventlog__shards(log);

	if (!d)
		return NULL;
	d->log = log;
	d->poll_ms = poll_ms;
	d->nrings = loader__nrings(ld);
	d->rings = calloc((size_t)d->nrings, sizeof(*d->rings));
	if (!d->rings)
		goto err;
	for (int i = 0; i < d->nrings; i++) {
		d->rings[i].d = d;
		d->rings[i].shard = i % nshards;
		if (!d->rb)
			d->rb = ring_buffer__new(loader__ring_fd(ld, i), on_event, &d->rings[i],
						 NULL);
		else if (ring_buffer__add(d->rb, loader__ring_fd(ld, i), on_event, &d->rings[i]))
			goto err;
		if (!d->rb)
			goto err;
	}
	return d;
err:
	pr_err("drain: cannot set up ring buffers: %s", strerror(errno));
	drain__free(d);
	return NULL;
}

void drain__on_batch(struct drain *d, void (*fn)(void *), void *arg)
{
	d->on_batch_arg = arg;
	__atomic_store_n(&d->on_batch, fn, __ATOMIC_RELEASE);
}

int drain__consume(struct drain *d)
{
	return ring_buffer__consume(d->rb);
}

static void *drain_main(void *arg)
{
	struct drain *d = arg;

	thread__setup("hl-drain", true);
	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		int n, m;

		d->batch_start = true;
		n = ring_buffer__poll(d->rb, d->poll_ms);

		if (n < 0 && n != -EINTR) {
			pr_err("drain: ring buffer poll failed: %s", strerror(-n));
			break;
		}
		__atomic_store_n(&d->st.wakeups, d->st.wakeups + 1, __ATOMIC_RELAXED);
		/* rings that held data below the wake-up threshold */
		d->batch_start = true;
		m = ring_buffer__consume(d->rb);
		if (n > 0 || m > 0) {
			void (*fn)(void *) = __atomic_load_n(&d->on_batch, __ATOMIC_ACQUIRE);

			if (fn)
				fn(d->on_batch_arg);
		}
	}
	ring_buffer__consume(d->rb);
	return NULL;
}

int drain__start(struct drain *d)
{
	int err = pthread_create(&d->thread, NULL, drain_main, d);

	if (err)
		return -err;
	d->running = true;
	return 0;
}

void drain__stop(struct drain *d)
{
	if (!d || !d->running)
		return;
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
	pthread_join(d->thread, NULL);
	d->running = false;
}

void drain__stats(const struct drain *d, struct drain_stats *st)
{
	st->events = __atomic_load_n(&d->st.events, __ATOMIC_RELAXED);
	st->bytes = __atomic_load_n(&d->st.bytes, __ATOMIC_RELAXED);
	st->malformed = __atomic_load_n(&d->st.malformed, __ATOMIC_RELAXED);
	st->wakeups = __atomic_load_n(&d->st.wakeups, __ATOMIC_RELAXED);
	st->max_delay_ns = __atomic_load_n(&d->st.max_delay_ns, __ATOMIC_RELAXED);
	for (int i = 0; i < HL_EV_MAX; i++)
		st->by_type[i] = __atomic_load_n(&d->st.by_type[i], __ATOMIC_RELAXED);
}

uint64_t drain__take_max_delay(struct drain *d)
{
	return __atomic_exchange_n(&d->st.max_delay_ns, 0, __ATOMIC_RELAXED);
}

void drain__free(struct drain *d)
{
	if (!d)
		return;
	drain__stop(d);
	ring_buffer__free(d->rb);
	free(d->rings);
	free(d);
}
