/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* HTTP signal, the per-request latency breakdown (per-thread accounting).
 * Part of bpf/http/http.bpf.h, which includes its parts in order. */
#ifndef HOSTLENS_HTTP_BD_BPF_H
#define HOSTLENS_HTTP_BD_BPF_H

/* ---- latency breakdown ---- */

/* The thread's counters now: on-CPU with the slice in progress, run queue,
 * I/O wait, other blocked, downstream, block I/O bytes. */
static __always_inline void acct__read(const struct thread_acct *a, __u64 now, __u64 *v)
{
	v[0] = a->oncpu_ns + (a->last_in && now > a->last_in ? now - a->last_in : 0);
	v[1] = a->runq_ns;
	v[2] = a->io_ns;
	v[3] = a->other_ns;
	v[4] = a->downstream_ns;
	v[5] = a->io_bytes;
}

/* Server request start on the current thread (x->id), at x->now. a: that
 * thread's accounting if the caller looked it up already, else NULL. */
__noinline int bd__start(struct http_conn *c, const struct xfer *x, struct thread_acct *a)
{
	__u8 fl = HL_BD_VALID;
	__u32 tid;

	if (!c || !x)
		return 0;
	tid = (__u32)x->id;
	c->bd_flags = 0;
	if (!targ_breakdown)
		return 0;
	if (!a)
		a = thread__current();
	if (!a)
		return 0;
	if (bd_owed_any) {
		__u32 *owed = bpf_map_lookup_elem(&bd_owed, &tid);

		if (owed) {
			__u32 n = __sync_lock_test_and_set(owed, 0);

			a->req_inflight = a->req_inflight > n ? a->req_inflight - n : 0;
		}
	}
	if (a->req_inflight)
		fl |= HL_BD_SHARED; /* another request is open on this thread */
	__sync_fetch_and_add(&a->req_inflight, 1);
	c->bd_seq = __sync_add_and_fetch(&a->req_seq, 1);
	c->bd_tid = tid;
	c->bd_flags = fl;
	acct__read(a, x->now, c->bd_s);
#pragma unroll
	for (int i = 0; i < 6; i++)
		c->bd_d[i] = 0;
	return 0;
}

/* A response write x: the deltas so far, if still on the thread that read
 * the request. Returns that thread's accounting when it was looked up (for
 * bd__release in the same call), else NULL. */
static __always_inline struct thread_acct *bd__sample(struct http_conn *c, const struct xfer *x)
{
	struct thread_acct *a;
	__u64 v[6];

	if (!(c->bd_flags & HL_BD_VALID) || (c->bd_flags & HL_BD_HANDOFF))
		return NULL;
	if ((__u32)x->id != c->bd_tid) {
		c->bd_flags |= HL_BD_HANDOFF;
		return NULL;
	}
	a = thread__current();
	if (!a) {
		c->bd_flags |= HL_BD_HANDOFF; /* no accounting for the thread: deltas unknown */
		return NULL;
	}
	if (a->req_seq != c->bd_seq)
		c->bd_flags |= HL_BD_SHARED; /* another request started here since */
	acct__read(a, x->now, v);
#pragma unroll
	for (int i = 0; i < 6; i++)
		c->bd_d[i] = v[i] > c->bd_s[i] ? v[i] - c->bd_s[i] : 0;
	return a;
}

/* The request is over (answered or abandoned) in thread cur_tid: it no
 * longer occupies its thread. a: cur_tid's accounting if already looked up
 * (NULL: look it up). Another thread cannot reach that thread's storage: it
 * leaves the release in bd_owed. */
static __always_inline void bd__release(struct http_conn *c, __u32 cur_tid, struct thread_acct *a)
{
	__u32 tid, one = 1, *owed;

	if (!(c->bd_flags & HL_BD_VALID) || (c->bd_flags & BD_RELEASED))
		return;
	c->bd_flags |= BD_RELEASED;
	tid = c->bd_tid;
	if (tid == cur_tid) {
		if (!a)
			a = thread__current();
		if (a && a->req_inflight)
			__sync_fetch_and_add(&a->req_inflight, -1);
		return;
	}
	owed = bpf_map_lookup_elem(&bd_owed, &tid);
	if (owed)
		__sync_fetch_and_add(owed, 1);
	else if (bpf_map_update_elem(&bd_owed, &tid, &one, BPF_NOEXIST) &&
		 (owed = bpf_map_lookup_elem(&bd_owed, &tid)))
		__sync_fetch_and_add(owed, 1); /* lost the race to create it */
	bd_owed_any = 1;
}

/* An outbound request's latency counts against the thread that made it. */
static __always_inline void bd__downstream(__u64 lat)
{
	struct thread_acct *a;

	if (!targ_breakdown || !lat)
		return;
	a = thread__current();
	if (a)
		__sync_fetch_and_add(&a->downstream_ns, lat);
}

#endif
