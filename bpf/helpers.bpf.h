/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Small helpers shared by every program: ring reserve/submit with batched
 * wake-ups, drop counting, event header fill. */
#ifndef HOSTLENS_HELPERS_BPF_H
#define HOSTLENS_HELPERS_BPF_H

#include "maps.bpf.h"
#include "lathist.h"

/* Set by the loader before load: force a wake-up once a ring holds this many
 * bytes; below it, submit silently and let the drain's timer collect. */
const volatile __u64 targ_wakeup_bytes = 65536;

static __always_inline void drops__inc(__u32 reason)
{
	__u64 *c = bpf_map_lookup_elem(&drops, &reason);

	if (c)
		*c += 1;	/* per-CPU slot: no atomics needed */
}

/* Reserves size bytes on this CPU's ring; counts a drop and returns NULL when
 * the ring is missing or full. *ring_out is needed by rb__submit. */
static __always_inline void *rb__reserve(__u32 size, void **ring_out)
{
	__u32 cpu = bpf_get_smp_processor_id();
	void *ring = bpf_map_lookup_elem(&rings, &cpu);
	void *e;

	if (!ring) {
		drops__inc(HL_DROP_NORING);
		return NULL;
	}
	e = bpf_ringbuf_reserve(ring, size, 0);
	if (!e) {
		drops__inc(HL_DROP_RINGBUF);
		return NULL;
	}
	*ring_out = ring;
	return e;
}

static __always_inline void rb__submit(void *e, void *ring)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= targ_wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

static __always_inline void hdr__fill(struct event_hdr *h, __u16 type, __u32 size)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->type = type;
	h->cpu = (__u16)bpf_get_smp_processor_id();
	h->size = size;
	h->ts_ns = bpf_ktime_get_ns();
	h->pid = (__u32)id;
	h->tgid = id >> 32;
	h->cgroup_id = bpf_get_current_cgroup_id();
}

/* Bucket index of v in a log2 histogram of n slots: slot s holds [2^s, 2^(s+1)). */
static __always_inline __u32 log2_slot(__u64 v, __u32 n)
{
	__u32 s = v ? lathist_log2(v) : 0;

	return s < n ? s : n - 1;
}

#endif
