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
	HL_EV_HTTP_REQ = 30,	/* struct ev_http: one completed request/response */
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

#define HL_RUNQ_SLOTS 32	/* log2 buckets of run-queue latency in us */

/* ---- http (types 30-39) ---- */
#define HL_HTTP_REQ_HEAD 256	/* request head bytes carried per request */
#define HL_HTTP_RESP_HEAD 64	/* response head bytes carried per request */

enum hl_http_dir {
	HL_HTTP_INBOUND = 1,	/* this process served the request (server) */
	HL_HTTP_OUTBOUND = 2,	/* this process made the request (client) */
};

/* How a request's end was found (ev_http.end_by). */
enum hl_http_end {
	HL_HTTP_END_LENGTH = 1,	/* Content-Length bytes of body transferred */
	HL_HTTP_END_CHUNKED = 2,	/* last chunk "0\r\n\r\n" transferred */
	HL_HTTP_END_NOBODY = 3,	/* HEAD, 1xx/204/304: the head is all */
	HL_HTTP_END_NEXT = 4,	/* the next request on the connection */
	HL_HTTP_END_CLOSE = 5,	/* close() of the connection */
};

struct ev_http {
	struct event_hdr h;	/* ts_ns: when the record was emitted */
	__u64 start_ns;		/* request start (server: first bytes read; client: write entered) */
	__u64 latency_ns;	/* server: to the response's last byte written;
				 * client: to the response's first bytes read */
	__u64 bytes_in;		/* read by this process for the exchange */
	__u64 bytes_out;	/* written by this process for the exchange */
	__s32 fd;		/* socket fd; >= 0x40000000 when only the SSL* was known */
	__u8 direction;		/* enum hl_http_dir */
	__u8 tls;		/* 1: captured through OpenSSL uprobes */
	__u8 family;		/* AF_INET / AF_INET6, 0 when the peer is unknown */
	__u8 end_by;		/* enum hl_http_end */
	__u16 status;		/* parsed in BPF from the status line, 0 when none */
	__u16 peer_port;	/* host order */
	__u16 req_len;		/* valid bytes in req_head */
	__u16 resp_len;		/* valid bytes in resp_head */
	__u8 peer_addr[16];	/* v4 in the first 4 bytes */
	char comm[HL_COMM_LEN];	/* the process (group leader) */
	char req_head[HL_HTTP_REQ_HEAD];
	char resp_head[HL_HTTP_RESP_HEAD];
};

/* Per-CPU counters of the HTTP programs (array `http_stats`). */
enum hl_http_stat {
	HL_HTTP_ST_REQUESTS = 0,	/* ev_http emitted */
	HL_HTTP_ST_PIPELINED,		/* pipelined requests: a request read before the previous was
				 * answered (connection dropped), or a response whose request
				 * shared a buffer with the previous one (not paired) */
	HL_HTTP_ST_HTTP2,		/* "PRI * HTTP/2.0" preface seen: connection dropped */
	HL_HTTP_ST_ORPHAN_RESP,		/* a response with no request seen (unparsed traffic) */
	HL_HTTP_ST_INCOMPLETE,		/* request never answered (closed first) */
	HL_HTTP_ST_NOT_HTTP,		/* sockets given up as not HTTP */
	HL_HTTP_ST_CONNS,		/* TCP connections tracked (first transfer seen) */
	HL_HTTP_ST_TLS_NOFD,		/* SSL calls whose socket fd was not found */
	HL_HTTP_ST_MAX = 16,
};

/* Process filter configuration (array `filter_conf`, one slot). */
struct http_filter_conf {
	__u32 enabled;		/* 0: every process */
	__u32 gen;		/* bumped on every change: invalidates filter_cache */
	__u32 n_cgroups;	/* cgroup ids in filter_cgroups */
	__u32 tls_active;	/* SSL uprobes attached */
};

/* ---- bench ---- */
struct ev_bench {
	struct event_hdr h;
	__u64 seq;
	__u64 payload[2];
};

#endif
