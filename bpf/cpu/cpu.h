/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Shared by bpf/cpu/ and user space (fixed-width types only):
 * CPU: process exec/exit events, per-process and per-core time, per-thread
 * off-CPU accounting (shared with disk and http through sh_threads). */
#ifndef HOSTLENS_CPU_H
#define HOSTLENS_CPU_H

#include "bpf/common/events.h"

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
	__u64 start_ns;	  /* task start (CLOCK_MONOTONIC) */
	__u64 oncpu_ns;	  /* whole-process on-CPU time at exit (from the task) */
	__u8 exit_signal; /* the signal that ended it (0: it exited) */
	__u8 core_dumped;
	__u8 pad[6];
	char comm[HL_COMM_LEN];
};

/* On-CPU accounting of a process's exited threads (hash `exited`, key tgid):
 * the live threads' counters are in their task storage (struct thread_acct). */
struct proc_cpu {
	__u64 oncpu_ns;
	__u64 runq_ns; /* time runnable but waiting, summed */
	__u64 switches;
	char comm[HL_COMM_LEN];
};

/* Per-CPU busy accounting (per-CPU array, one slot). */
struct core_cpu {
	__u64 busy_ns;
	__u64 idle_ns;
	__u64 last_ts;
	__u32 last_idle; /* 1 when the CPU last switched to idle */
	__u32 pad;
};

/*
 * Per-thread time accounting (map sh_threads, shared by name with the HTTP
 * signal so it can sample a thread at request start and end). Updated at
 * every switch of the thread; a sample adds the slice in progress.
 */
enum hl_offcpu_state { HL_OUT_NONE = 0, HL_OUT_RUNQ = 1, HL_OUT_IO = 2, HL_OUT_OTHER = 3 };

struct thread_acct {
	__u64 oncpu_ns;	 /* running */
	__u64 runq_ns;	 /* runnable, waiting for a CPU */
	__u64 io_ns;	 /* blocked in I/O wait (in_iowait) */
	__u64 other_ns;	 /* blocked otherwise: locks, sleeps, network */
	__u64 last_in;	 /* switched in at */
	__u64 last_out;	 /* switched out at */
	__u64 io_bytes;	 /* block I/O issued by this thread */
	__u32 out_state; /* enum hl_offcpu_state of the last switch-out */
	__u32 pad;
	__u64 woke_at; /* became runnable (woken or preempted) at; 0 when running */
	/* written by the HTTP signal (request latency breakdown) */
	__u64 downstream_ns; /* latency of outbound HTTP requests this thread made */
	__u32 req_seq;	     /* inbound requests started on this thread */
	__u32 req_inflight;  /* inbound requests started here and not yet answered */
	/* kept by the CPU signal for the per-process sums (cpu_threads) */
	__u64 switches; /* times switched out after running */
	__u32 folded;	/* the thread exited: its counts went to `exited` */
	__u32 pad2;
};

/* One thread's CPU counters, as the cpu_threads iterator writes them. */
struct cpu_thread_rec {
	__u32 tgid;
	__u32 pad;
	__u64 oncpu_ns; /* with the slice in progress */
	__u64 runq_ns;
	__u64 switches;
	char comm[HL_COMM_LEN]; /* the process's (group leader's) */
};

#define HL_RUNQ_SLOTS 32 /* log2 buckets of run-queue latency in us */

#endif
