/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Events shared by the BPF programs and user space. Fixed-width types only,
 * no pointers; every event starts with struct event_hdr and has a fixed size
 * per type. Sections per signal: each signal owns its section.
 */
#ifndef HOSTLENS_EVENTS_H
#define HOSTLENS_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define HL_COMM_LEN 16
#define HL_MAX_CPUS 1024	/* rings array size cap */

enum hl_event_type {
	HL_EV_NONE = 0,
	/* cpu */
	HL_EV_PROC_EXEC = 1,
	HL_EV_PROC_EXIT = 2,
	/* disk */
	HL_EV_DISK_BASE = 10,
	/* net */
	HL_EV_NET_BASE = 20,
	/* http */
	HL_EV_HTTP_BASE = 30,
	/* bench (drain throughput) */
	HL_EV_BENCH = 60,
	HL_EV_MAX = 64,
};

/* Kernel-side drop reasons, counted per CPU in the `drops` map. */
enum hl_drop {
	HL_DROP_RINGBUF = 0,	/* bpf_ringbuf_reserve failed: ring full */
	HL_DROP_NORING = 1,	/* no ring for this CPU */
	HL_DROP_MAPFULL = 2,	/* a hash map update failed (map full) */
	HL_DROP_MAX = 8,
};

struct event_hdr {
	__u16 type;
	__u16 cpu;
	__u32 size;		/* bytes of the whole event */
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 pid;		/* thread id */
	__u32 tgid;		/* process id */
	__u64 cgroup_id;
};

/* ---- cpu ---- */
struct ev_proc_exec {
	struct event_hdr h;
	__u32 ppid;
	__u32 pad;
	char comm[HL_COMM_LEN];
	char filename[64];
};

struct ev_proc_exit {
	struct event_hdr h;
	__u32 ppid;
	__s32 exit_code;
	__u64 start_ns;		/* task start (CLOCK_MONOTONIC) */
	__u64 oncpu_ns;		/* whole-process on-CPU time at exit (from the task) */
	char comm[HL_COMM_LEN];
};

/* Per-process on-CPU accounting, aggregated in BPF (per-CPU hash, key tgid). */
struct proc_cpu {
	__u64 oncpu_ns;
	__u64 runq_ns;		/* time runnable but waiting, summed */
	__u64 switches;
	char comm[HL_COMM_LEN];
};

/* Per-CPU busy accounting (per-CPU array, one slot). */
struct core_cpu {
	__u64 busy_ns;
	__u64 idle_ns;
	__u64 last_ts;
	__u32 last_idle;	/* 1 when the CPU last switched to idle */
	__u32 pad;
};

/*
 * Per-thread time accounting (map sh_threads, shared by name with the HTTP
 * signal so it can sample a thread at request start and end). Updated at
 * every switch of the thread; a sample adds the slice in progress.
 */
enum hl_offcpu_state { HL_OUT_NONE = 0, HL_OUT_RUNQ = 1, HL_OUT_IO = 2, HL_OUT_OTHER = 3 };

struct thread_acct {
	__u64 oncpu_ns;		/* running */
	__u64 runq_ns;		/* runnable, waiting for a CPU */
	__u64 io_ns;		/* blocked in I/O wait (in_iowait) */
	__u64 other_ns;		/* blocked otherwise: locks, sleeps, network */
	__u64 last_in;		/* switched in at */
	__u64 last_out;		/* switched out at */
	__u64 io_bytes;		/* block I/O issued by this thread */
	__u32 out_state;	/* enum hl_offcpu_state of the last switch-out */
	__u32 pad;
};

#define HL_RUNQ_SLOTS 32	/* log2 buckets of run-queue latency in us */

/* ---- bench ---- */
struct ev_bench {
	struct event_hdr h;
	__u64 seq;
	__u64 payload[2];
};

#endif
