/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Small helpers shared by every program: ring reserve/submit with batched
 * wake-ups, drop counting, event header fill. */
#ifndef HOSTLENS_HELPERS_BPF_H
#define HOSTLENS_HELPERS_BPF_H

#include "bpf/common/maps.bpf.h"
#include "bpf/common/lathist.h"

/* Set by the loader before load: force a wake-up once this many bytes of
 * events went into a CPU's ring since the last one; below it, submit
 * silently and let the drain's timer collect. */
const volatile __u64 targ_wakeup_bytes = 65536;

static __always_inline void drops__inc(__u32 reason)
{
	__u64 *c = bpf_map_lookup_elem(&drops, &reason);

	if (c)
		*c += 1; /* per-CPU slot: no atomics needed */
}

/* After a lookup of key in map found nothing: inserts init and returns the
 * entry (another CPU winning the insert is fine); NULL, counted as drop
 * reason full, when the map has no room. */
static __always_inline void *map__insert(void *map, const void *key, const void *init, __u32 full)
{
	if (bpf_map_update_elem(map, key, init, BPF_NOEXIST) && !bpf_map_lookup_elem(map, key)) {
		drops__inc(full);
		return NULL;
	}
	return bpf_map_lookup_elem(map, key);
}

/* Bytes reserved on this CPU since the last forced wake-up; shared by name
 * (sh_*) so every signal's events count towards the same ring. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sh_rb_pending SEC(".maps");

/* Reserves size bytes on this CPU's ring; counts a drop and returns NULL when
 * the ring is missing or full. *wake_out is the flag rb__submit passes on:
 * once targ_wakeup_bytes have gone in on this CPU since the last forced
 * wake-up, the drain is woken; otherwise its timer collects. A per-CPU count
 * (an inlined array lookup) instead of asking the ring for its fill: one
 * helper call less per event. */
static __always_inline void *rb__reserve(__u32 size, __u64 *wake_out)
{
	__u32 cpu = bpf_get_smp_processor_id(), zero = 0;
	void *ring = bpf_map_lookup_elem(&rings, &cpu);
	__u64 *pending;
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
	*wake_out = BPF_RB_NO_WAKEUP;
	pending = bpf_map_lookup_elem(&sh_rb_pending, &zero);
	if (pending) {
		*pending += size;
		if (*pending >= targ_wakeup_bytes) {
			*pending = 0;
			*wake_out = BPF_RB_FORCE_WAKEUP;
		}
	}
	return e;
}

static __always_inline void rb__submit(void *e, __u64 wake)
{
	bpf_ringbuf_submit(e, wake);
}

/* The header of an event of thread id in cgroup cg, stamped now. */
static __always_inline void hdr__fill_cg(struct event_hdr *h, __u16 type, __u32 size, __u64 id,
					 __u64 now, __u64 cg)
{
	h->type = type;
	h->cpu = (__u16)bpf_get_smp_processor_id();
	h->size = size;
	h->ts_ns = now;
	h->pid = (__u32)id;
	h->tgid = id >> 32;
	h->cgroup_id = cg;
}

/* ... of the current task's cgroup (id: bpf_get_current_pid_tgid()) */
static __always_inline void hdr__fill_at(struct event_hdr *h, __u16 type, __u32 size, __u64 id,
					 __u64 now)
{
	hdr__fill_cg(h, type, size, id, now, bpf_get_current_cgroup_id());
}

static __always_inline void hdr__fill(struct event_hdr *h, __u16 type, __u32 size)
{
	hdr__fill_at(h, type, size, bpf_get_current_pid_tgid(), bpf_ktime_get_ns());
}

/* Bucket index of v in a log2 histogram of n slots: slot s holds [2^s, 2^(s+1)). */
static __always_inline __u32 log2_slot(__u64 v, __u32 n)
{
	__u32 s = v ? lathist_log2(v) : 0;

	return s < n ? s : n - 1;
}

#endif
