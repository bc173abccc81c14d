/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What every signal shares with user space: event types, kernel-side drop
 * reasons, the event header. Fixed-width types only, no pointers; every
 * event starts with struct event_hdr and has a fixed size per type. Each
 * signal's own events and map values are in bpf/<signal>/<signal>.h.
 */
#ifndef HOSTLENS_EVENTS_H
#define HOSTLENS_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define HL_COMM_LEN 16
#define HL_MAX_CPUS 1024 /* rings array size cap */

enum hl_event_type {
	HL_EV_NONE = 0,
	/* cpu */
	HL_EV_PROC_EXEC = 1,
	HL_EV_PROC_EXIT = 2,
	/* disk */
	HL_EV_DISK_BASE = 10, /* disk aggregates in maps only: no events yet */
	/* net */
	HL_EV_NET_BASE = 20,
	HL_EV_TCP_CLOSE = 21, /* struct ev_tcp_close */
	/* http */
	HL_EV_HTTP_BASE = 30,
	HL_EV_HTTP_REQ = 30,  /* struct ev_http: one completed request/response */
	HL_EV_HTTP_HEAD = 31, /* struct ev_http_head: a request head's bytes, once */
	HL_EV_HTTP_PROC = 32, /* struct ev_http_proc: a traced process's name */
	/* db */
	HL_EV_DB_BASE = 40,
	HL_EV_DB_OP = 40, /* struct ev_db: one request paired with its response */
	/* bench (drain throughput) */
	HL_EV_BENCH = 60,
	HL_EV_MAX = 64,
};

/* Kernel-side drop reasons, counted per CPU in the `drops` map. A full map
 * is counted per map, so the operator knows which limit to raise. */
enum hl_drop {
	HL_DROP_RINGBUF = 0, /* bpf_ringbuf_reserve failed: ring full */
	HL_DROP_NORING = 1,  /* no ring for this CPU */
	HL_DROP_THREADS = 2, /* a thread's task storage could not be had: no
				 * memory, or the kernel's recursion guard (another
				 * task-storage access in progress on this CPU) */
	/* a map update failed because the map is full, per map (sizes:
	 * --max-procs, and 4 x that for the net signal's connections) */
	HL_DROP_FULL_CPU_EXITED = 3, /* cpu: exited (threads gone, per process) */
	HL_DROP_FULL_DISK_RQS = 4,   /* disk: rqs (block requests in flight) */
	HL_DROP_FULL_DISK_STATS = 5, /* disk: disk_stats (device x op) */
	HL_DROP_FULL_DISK_PROCS = 6, /* disk: disk_procs */
	HL_DROP_FULL_NET_CONNS = 7,  /* net: conns (a socket storage: no memory) */
	HL_DROP_FULL_NET_PROCS = 8,  /* net: net_procs */
	HL_DROP_FULL_HTTP_CONNS =
		9, /* http: conns (TLS, LRU: only when no entry can be taken) or a socket storage (no memory) */
	HL_DROP_MAX = 16,
};
#define HL_DROP_FULL_FIRST HL_DROP_FULL_CPU_EXITED
#define HL_DROP_FULL_LAST HL_DROP_FULL_HTTP_CONNS

struct event_hdr {
	__u16 type;
	__u16 cpu;
	__u32 size;  /* bytes of the whole event */
	__u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 pid;   /* thread id */
	__u32 tgid;  /* process id */
	__u64 cgroup_id;
};

#endif
