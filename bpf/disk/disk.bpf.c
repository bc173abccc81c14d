// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Disk signal: block request latency (block_rq_issue -> block_rq_complete)
 * per device and op as histograms, ops and bytes counters, and the bytes and
 * ops each process submitted. Everything is aggregated here; no events.
 *
 * Who submitted a request: block_io_start fires when the request starts
 * being accounted, in the submitter's context (6.5+, queues with iostats on);
 * block_rq_insert (scheduler insert, usually the submitter too) fills in
 * when it did not; as a last resort the task current at issue.
 * The submitting thread's bytes also go to its sh_threads entry (the CPU
 * signal's per-thread accounting, shared by name) for the HTTP latency
 * breakdown: block_io_start, or block_rq_insert when io_start was not seen.
 * tp_btf programs: the agent requires kernel BTF (loader.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "bpf/common/helpers.bpf.h"
#include "bpf/common/lathist.h"
#include "bpf/common/threads.bpf.h"
#include "bpf/cpu/cpu.h"
#include "bpf/disk/disk.h"

#define REQ_OP_MASK 0xff
#define PF_KTHREAD 0x00200000

/* one request in flight */
struct rq_info {
	__u64 issue_ns; /* 0 until issued */
	__u32 tgid;	/* 0: unknown */
	__u32 pad;
	char comm[HL_COMM_LEN];
};

/* in-flight requests (key: struct request *); sized by the loader */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct rq_info);
} rqs SEC(".maps");

/* per device and op totals and latency histogram */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct disk_key);
	__type(value, struct disk_stat);
} disk_stats SEC(".maps");

/* per process and device */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct disk_proc_key);
	__type(value, struct disk_proc);
} disk_procs SEC(".maps");

/* request latency breakdown on (set by the loader) */
const volatile bool targ_thread_io = true;

/* older kernels: the disk hung off the request */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline __u32 rq_dev(struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(((struct request___old *)0)->rq_disk))
		disk = BPF_CORE_READ((struct request___old *)rq, rq_disk);
	else
		disk = BPF_CORE_READ(rq, q, disk);
	if (!disk)
		return 0;
	return ((__u32)BPF_CORE_READ(disk, major) << 20) | (__u32)BPF_CORE_READ(disk, first_minor);
}

static __always_inline __u32 rq_op(struct request *rq)
{
	__u32 op = BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK;

	return op == 0 ? HL_DISK_READ : op == 1 ? HL_DISK_WRITE : HL_DISK_OTHER;
}

/* Records the current task as the request's submitter. */
static __always_inline void who__fill(struct rq_info *ri)
{
	ri->tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(ri->comm, sizeof(ri->comm));
}

static __always_inline int rq__update(__u64 key, struct rq_info *ri, __u64 flags)
{
	if (bpf_map_update_elem(&rqs, &key, ri, flags) == 0)
		return 0;
	/* NOEXIST losing a race is fine; a full map is not */
	if (flags == BPF_NOEXIST && bpf_map_lookup_elem(&rqs, &key))
		return 0;
	drops__inc(HL_DROP_FULL_DISK_RQS);
	return -1;
}

/* The submitting (current) thread's block I/O bytes, for the breakdown. */
static __always_inline void thread__io(struct request *rq)
{
	struct thread_acct *a;

	if (!targ_thread_io)
		return;
	a = thread__current();
	if (a)
		__sync_fetch_and_add(&a->io_bytes, BPF_CORE_READ(rq, __data_len));
}

/* Submitter context: remember who. A reused request pointer starts over. */
static __always_inline int handle_io_start(struct request *rq)
{
	struct rq_info ri = {};

	who__fill(&ri);
	rq__update((__u64)rq, &ri, BPF_ANY);
	thread__io(rq);
	return 0;
}

static __always_inline int handle_insert(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct rq_info ri = {};

	who__fill(&ri);
	if (bpf_map_update_elem(&rqs, &key, &ri, BPF_NOEXIST) == 0) {
		thread__io(rq); /* io_start did not see it */
		return 0;
	}
	rq__update(key, &ri, BPF_NOEXIST);
	return 0;
}

static __always_inline int handle_issue(struct request *rq)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns();
	struct rq_info *ri = bpf_map_lookup_elem(&rqs, &key), fresh = {};

	if (ri) {
		ri->issue_ns = now; /* a requeued request is timed again */
		return 0;
	}
	/* no io_start/insert seen: the issuer, unless it is a kernel thread
	 * dispatching someone else's request */
	fresh.issue_ns = now;
	if (!(BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), flags) & PF_KTHREAD))
		who__fill(&fresh);
	rq__update(key, &fresh, BPF_ANY);
	return 0;
}

static __always_inline void stat__add(__u32 dev, __u32 op, __u64 bytes, __u64 lat, bool final)
{
	struct disk_key k = { .dev = dev, .op = op };
	struct disk_stat *st = bpf_map_lookup_elem(&disk_stats, &k);

	if (!st) {
		static const struct disk_stat zero;

		st = map__insert(&disk_stats, &k, &zero, HL_DROP_FULL_DISK_STATS);
		if (!st)
			return;
	}
	__sync_fetch_and_add(&st->bytes, bytes);
	if (!final)
		return;
	__sync_fetch_and_add(&st->ops, 1);
	if (lat) {
		__u32 s = lathist_slot(lat);

		__sync_fetch_and_add(&st->lat_ns, lat);
		__sync_fetch_and_add(&st->timed, 1);
		if (s < HL_LAT_SLOTS)
			__sync_fetch_and_add(&st->slots[s], 1);
	}
}

static __always_inline void proc__add(struct rq_info *ri, __u32 dev, __u32 op, __u64 bytes,
				      bool final)
{
	struct disk_proc_key k = { .tgid = ri->tgid, .dev = dev };
	struct disk_proc *p;

	if (!ri->tgid || op > HL_DISK_WRITE)
		return;
	p = bpf_map_lookup_elem(&disk_procs, &k);
	if (!p) {
		struct disk_proc zero = {};

		__builtin_memcpy(zero.comm, ri->comm, sizeof(zero.comm));
		p = map__insert(&disk_procs, &k, &zero, HL_DROP_FULL_DISK_PROCS);
		if (!p)
			return;
	}
	__sync_fetch_and_add(&p->bytes[op & 1], bytes);
	if (final)
		__sync_fetch_and_add(&p->ops[op & 1], 1);
}

/*
 * block_rq_complete fires from blk_update_request, once per partial
 * completion too: nr_bytes is what this call completed, __data_len what was
 * left before it. The request is done when nr_bytes covers the rest.
 */
static __always_inline int handle_complete(struct request *rq, unsigned int nr_bytes)
{
	__u64 key = (__u64)rq, lat = 0, now = bpf_ktime_get_ns();
	__u32 dev = rq_dev(rq), op = rq_op(rq);
	bool final = nr_bytes >= BPF_CORE_READ(rq, __data_len);
	struct rq_info *ri = bpf_map_lookup_elem(&rqs, &key);

	if (ri && final && ri->issue_ns && now > ri->issue_ns)
		lat = now - ri->issue_ns;
	stat__add(dev, op, nr_bytes, lat, final);
	if (ri) {
		proc__add(ri, dev, op, nr_bytes, final);
		if (final)
			bpf_map_delete_elem(&rqs, &key);
	}
	return 0;
}

SEC("tp_btf/block_io_start")
int BPF_PROG(block_io_start_btf, struct request *rq)
{
	return handle_io_start(rq);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(block_rq_insert_btf, struct request *rq)
{
	return handle_insert(rq);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(block_rq_issue_btf, struct request *rq)
{
	return handle_issue(rq);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_rq_complete_btf, struct request *rq, int error, unsigned int nr_bytes)
{
	return handle_complete(rq, nr_bytes);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
