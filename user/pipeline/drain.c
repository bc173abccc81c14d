// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* DESIGN: see drain.h. Threads: the drain thread writes the log and its own
 * counters (relaxed atomics so other threads can read them). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "user/pipeline/drain.h"
#include "user/runtime/log.h"
#include "user/runtime/thread.h"
#include "user/lib/clock.h"

/*
 * A BPF ring buffer read in place (the kernel's layout, as libbpf maps it):
 * a writable page holding the consumer position, then a read-only page
 * holding the producer position followed by the data, mapped twice so a
 * record that wraps reads as one. libbpf's ring_buffer stores the consumer
 * position after every record: a write to a line every producing CPU reads
 * at each reserve, so it moved between CPUs once an event. This one stores
 * it once a round (and every CONSUMER_STEP bytes of a long one).
 */
#define CONSUMER_STEP (64u << 10)

struct drain_ring {
	struct drain *d;
	int shard;
	unsigned long mask;  /* data bytes - 1 */
	unsigned long *cons; /* consumer position (ours to write) */
	unsigned long *prod; /* producer position (the kernel's) */
	char *data;
	size_t page;
};

struct drain {
	int epfd;
	struct eventlog *log;
	struct drain_ring *rings;
	int nrings;
	int poll_ms;
	pthread_t thread;
	bool running;
	int stop;
	bool batch_start; /* next event is the first of a poll round */
	struct drain_stats st;
	void (*on_round)(void *, int); /* drain__on_round: arg stored first, fn last */
	void *on_round_arg;
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

static int ring_map(struct drain_ring *r, int fd, int epfd);

struct drain *drain__new(struct loader *ld, struct eventlog *log, int poll_ms)
{
	struct drain *d = calloc(1, sizeof(*d));
	int nshards = eventlog__shards(log);

	if (!d)
		return NULL;
	d->epfd = -1;
	d->log = log;
	d->poll_ms = poll_ms;
	d->nrings = loader__nrings(ld);
	d->rings = calloc((size_t)d->nrings, sizeof(*d->rings));
	if (!d->rings)
		goto err;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		goto err;
	for (int i = 0; i < d->nrings; i++) {
		d->rings[i].d = d;
		d->rings[i].shard = i % nshards;
		if (ring_map(&d->rings[i], loader__ring_fd(ld, i), d->epfd))
			goto err;
	}
	return d;
err:
	pr_err("drain: cannot set up ring buffers: %s", strerror(errno));
	drain__free(d);
	return NULL;
}

void drain__on_round(struct drain *d, void (*fn)(void *, int), void *arg)
{
	d->on_round_arg = arg;
	__atomic_store_n(&d->on_round, fn, __ATOMIC_RELEASE);
}

/* Maps the ring of map fd and adds it to the epoll set. 0 or -1 (errno). */
static int ring_map(struct drain_ring *r, int fd, int epfd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct epoll_event ev = { .events = EPOLLIN };
	void *p;

	r->page = (size_t)sysconf(_SC_PAGESIZE);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -1;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1))) {
		errno = EINVAL;
		return -1;
	}
	r->mask = info.max_entries - 1;
	p = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	r->cons = p;
	p = mmap(NULL, r->page + 2 * (size_t)info.max_entries, PROT_READ, MAP_SHARED, fd,
		 (off_t)r->page);
	if (p == MAP_FAILED)
		return -1;
	r->prod = p;
	r->data = (char *)p + r->page;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void ring_unmap(struct drain_ring *r)
{
	if (r->cons)
		munmap(r->cons, r->page);
	if (r->prod)
		munmap(r->prod, r->page + 2 * (r->mask + 1));
}

/* Every committed record of r, in order; a record still being written
 * (busy) ends the round. Returns the records given to on_event. */
static int ring_consume(struct drain_ring *r)
{
	unsigned long cons = *r->cons, stored = cons;
	unsigned long prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
	int n = 0;

	while (cons < prod) {
		uint32_t *hdr = (uint32_t *)(r->data + (cons & r->mask));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		cons += (BPF_RINGBUF_HDR_SZ + (len & ~BPF_RINGBUF_DISCARD_BIT) + 7) & ~7ul;
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			on_event(r, (char *)hdr + BPF_RINGBUF_HDR_SZ, len);
			n++;
		}
		if (cons - stored >= CONSUMER_STEP) { /* room for the producers */
			__atomic_store_n(r->cons, cons, __ATOMIC_RELEASE);
			stored = cons;
		}
		if (cons >= prod)
			prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
	}
	if (cons != stored)
		__atomic_store_n(r->cons, cons, __ATOMIC_RELEASE);
	return n;
}

int drain__consume(struct drain *d)
{
	int n = 0;

	for (int i = 0; i < d->nrings; i++)
		n += ring_consume(&d->rings[i]);
	return n;
}

static void *drain_main(void *arg)
{
	struct drain *d = arg;

	thread__setup_watchdog("hl-drain"); /* it takes a lagging processor back (thread.h) */
	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		/* which ring woke us does not matter: every ring is consumed */
		struct epoll_event ev;
		void (*fn)(void *, int);
		int m;

		if (epoll_wait(d->epfd, &ev, 1, d->poll_ms) < 0 && errno != EINTR) {
			pr_err("drain: ring buffer poll failed: %s", strerror(errno));
			break;
		}
		__atomic_store_n(&d->st.wakeups, d->st.wakeups + 1, __ATOMIC_RELAXED);
		/* every ring: those that woke us and those below the threshold */
		d->batch_start = true;
		m = drain__consume(d);
		fn = __atomic_load_n(&d->on_round, __ATOMIC_ACQUIRE);
		if (fn)
			fn(d->on_round_arg, m);
	}
	drain__consume(d);
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
	for (int i = 0; d->rings && i < d->nrings; i++)
		ring_unmap(&d->rings[i]);
	if (d->epfd >= 0)
		close(d->epfd);
	free(d->rings);
	free(d);
}
