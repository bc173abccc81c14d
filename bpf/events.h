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
	HL_EV_DISK_BASE = 10,	/* disk aggregates in maps only: no events yet */
	/* net */
	HL_EV_NET_BASE = 20,
	HL_EV_TCP_CLOSE = 21,	/* struct ev_tcp_close */
	/* http */
	HL_EV_HTTP_BASE = 30,
	HL_EV_HTTP_REQ = 30,	/* struct ev_http: one completed request/response */
	/* db */
	HL_EV_DB_BASE = 40,
	HL_EV_DB_OP = 40,	/* struct ev_db: one request paired with its response */
	/* bench (drain throughput) */
	HL_EV_BENCH = 60,
	HL_EV_MAX = 64,
};

/* Kernel-side drop reasons, counted per CPU in the `drops` map. A full map
 * is counted per map, so the operator knows which limit to raise. */
enum hl_drop {
	HL_DROP_RINGBUF = 0,	/* bpf_ringbuf_reserve failed: ring full */
	HL_DROP_NORING = 1,	/* no ring for this CPU */
	HL_DROP_THREADS = 2,	/* a thread's task storage could not be had: no
				 * memory, or the kernel's recursion guard (another
				 * task-storage access in progress on this CPU) */
	/* a map update failed because the map is full, per map (sizes:
	 * --max-procs, and 4 x that for the net signal's connections) */
	HL_DROP_FULL_CPU_EXITED = 3,	/* cpu: exited (threads gone, per process) */
	HL_DROP_FULL_DISK_RQS = 4,	/* disk: rqs (block requests in flight) */
	HL_DROP_FULL_DISK_STATS = 5,	/* disk: disk_stats (device x op) */
	HL_DROP_FULL_DISK_PROCS = 6,	/* disk: disk_procs */
	HL_DROP_FULL_NET_CONNS = 7,	/* net: conns (a socket storage: no memory) */
	HL_DROP_FULL_NET_PROCS = 8,	/* net: net_procs */
	HL_DROP_FULL_HTTP_CONNS = 9,	/* http: conns (TLS, LRU: only when no entry can be taken) or a socket storage (no memory) */
	HL_DROP_MAX = 16,
};
#define HL_DROP_FULL_FIRST HL_DROP_FULL_CPU_EXITED
#define HL_DROP_FULL_LAST HL_DROP_FULL_HTTP_CONNS

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

/* On-CPU accounting of a process's exited threads (hash `exited`, key tgid):
 * the live threads' counters are in their task storage (struct thread_acct). */
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
	__u64 woke_at;		/* became runnable (woken or preempted) at; 0 when running */
	/* written by the HTTP signal (request latency breakdown) */
	__u64 downstream_ns;	/* latency of outbound HTTP requests this thread made */
	__u32 req_seq;		/* inbound requests started on this thread */
	__u32 req_inflight;	/* inbound requests started here and not yet answered */
	/* kept by the CPU signal for the per-process sums (cpu_threads) */
	__u64 switches;		/* times switched out after running */
	__u32 folded;		/* the thread exited: its counts went to `exited` */
	__u32 pad2;
};

/* One thread's CPU counters, as the cpu_threads iterator writes them. */
struct cpu_thread_rec {
	__u32 tgid;
	__u32 pad;
	__u64 oncpu_ns;		/* with the slice in progress */
	__u64 runq_ns;
	__u64 switches;
	char comm[HL_COMM_LEN];	/* the process's (group leader's) */
};

#define HL_RUNQ_SLOTS 32	/* log2 buckets of run-queue latency in us */

/* ---- disk ---- */
/*
 * Block I/O latency histogram: log2 buckets of nanoseconds, each split in 4
 * linear sub-buckets (error <= 12.5%). bpf/lathist.h maps values to slots
 * and slots back to bounds, for BPF and user space alike.
 */
#define HL_DISK_SLOTS 160	/* covers up to 2^41 ns (~36 min) */

enum hl_disk_op {
	HL_DISK_READ = 0,
	HL_DISK_WRITE = 1,
	HL_DISK_OTHER = 2,	/* flush, discard, write-zeroes, ... */
	HL_DISK_OPS = 3,
};

/* Key of the per-device stats: kernel dev_t (major << 20 | minor) and op. */
struct disk_key {
	__u32 dev;
	__u32 op;		/* enum hl_disk_op */
};

/* Per device and op, since the programs were loaded (atomic adds). */
struct disk_stat {
	__u64 ops;		/* completed requests */
	__u64 bytes;
	__u64 lat_ns;		/* sum of issue->complete latencies (timed requests) */
	__u64 timed;		/* requests with a latency (issue seen) */
	__u64 slots[HL_DISK_SLOTS];
};

/* Per process and device: who submitted the I/O. */
struct disk_proc_key {
	__u32 tgid;
	__u32 dev;
};

struct disk_proc {
	__u64 ops[2];		/* [HL_DISK_READ], [HL_DISK_WRITE] */
	__u64 bytes[2];
	char comm[HL_COMM_LEN];
};

/* ---- net ---- */
enum hl_tcp_role {
	HL_ROLE_UNKNOWN = 0,	/* connection older than the agent */
	HL_ROLE_CLIENT = 1,	/* connect() */
	HL_ROLE_SERVER = 2,	/* accept() */
};

/* One per TCP socket reaching TCP_CLOSE. The header's pid/tgid/cgroup are the
 * owner's (who connected or accepted), 0 when unknown: at close the current
 * task is often a softirq. */
struct ev_tcp_close {
	struct event_hdr h;
	__u64 start_ns;		/* 0: opened before the agent started */
	__u64 duration_ns;	/* valid only when start_ns != 0 */
	/* RFC 4898 counters of the socket; they count sequence space, so a
	 * SYN (client) and FINs add up to 2 to the data bytes */
	__u64 tx_bytes;		/* tcp_sock bytes_acked */
	__u64 rx_bytes;		/* tcp_sock bytes_received */
	__u32 retransmits;	/* tcp_sock total_retrans */
	__u16 family;		/* AF_INET / AF_INET6 */
	__u16 sport;		/* host order */
	__u16 dport;
	__u8 role;		/* enum hl_tcp_role */
	__u8 oldstate;		/* state before TCP_CLOSE (SYN_SENT: failed connect) */
	__u8 saddr[16];		/* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	char comm[HL_COMM_LEN];	/* owner's, "" when unknown */
	__u32 pad;
};

/* Per process socket traffic and TCP trouble (key tgid). */
struct net_proc {
	__u64 tx_bytes;		/* sock_send_length, AF_INET/AF_INET6 */
	__u64 rx_bytes;		/* sock_recv_length, AF_INET/AF_INET6 */
	__u64 retransmits;
	__u64 resets_sent;
	__u64 resets_received;
	char comm[HL_COMM_LEN];
};

/* Host-wide counters (per-CPU array, one slot each). */
enum hl_net_counter {
	HL_NET_RETRANSMITS = 0,
	HL_NET_RESETS_SENT = 1,
	HL_NET_RESETS_RECEIVED = 2,
	HL_NET_OPEN_ACTIVE = 3,		/* SYN_SENT */
	HL_NET_OPEN_PASSIVE = 4,	/* SYN_RECV */
	HL_NET_CLOSED = 5,
	HL_NET_TX_BYTES = 6,
	HL_NET_RX_BYTES = 7,
	HL_NET_LIVE = 8,		/* a gauge: +1 per connection opened, -1 at its close */
	HL_NET_COUNTERS = 9,
};

/* ---- http (types 30-39) ---- */
#define HL_HTTP_REQ_HEAD 256	/* request head bytes carried per request */
#define HL_HTTP_RESP_HEAD 64	/* response head bytes carried per request */

enum hl_http_dir {
	HL_HTTP_INBOUND = 1,	/* this process served the request (server) */
	HL_HTTP_OUTBOUND = 2,	/* this process made the request (client) */
};

/* How a request's end was found (ev_http.end_by). */
/* plaintext responses in flight per clock slot (http_pending, http.bpf.h) */
#define HL_HTTP_PENDING_SHIFT 27	/* a slot is 2^27 ns (134 ms) of CLOCK_MONOTONIC */
#define HL_HTTP_PENDING_SLOTS 16

enum hl_http_end {
	HL_HTTP_END_LENGTH = 1,	/* Content-Length bytes of body transferred */
	HL_HTTP_END_CHUNKED = 2,	/* last chunk "0\r\n\r\n" transferred */
	HL_HTTP_END_NOBODY = 3,	/* HEAD, 1xx/204/304: the head is all */
	HL_HTTP_END_NEXT = 4,	/* the next request on the connection */
	HL_HTTP_END_CLOSE = 5,	/* close() of the connection */
	HL_HTTP_END_IDLE = 6,	/* no response bytes for the idle time (plaintext) */
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
	/* latency breakdown (inbound, HL_BD_VALID set): the serving thread's
	 * sh_threads counters, end minus start of the request window */
	__u32 bd_tid;		/* thread that read the request */
	__u8 bd_flags;		/* HL_BD_* */
	__u8 bd_pad[3];
	__u64 bd_oncpu_ns;
	__u64 bd_runq_ns;
	__u64 bd_io_ns;
	__u64 bd_other_ns;	/* blocked otherwise, outbound calls included */
	__u64 bd_downstream_ns;	/* outbound HTTP latency of the thread in the window */
	__u64 bd_io_bytes;	/* block I/O the thread submitted in the window */
};

/* ev_http.bd_flags */
#define HL_BD_VALID 0x01	/* both snapshots taken on the thread */
#define HL_BD_HANDOFF 0x02	/* response written by another thread: deltas unknown */
#define HL_BD_SHARED 0x04	/* other requests in flight on the thread in the window */

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

/* ---- db ---- */
#define HL_DB_REQ_HEAD 64	/* request bytes carried: enough for a statement kind or command */
#define HL_DB_RESP_HEAD 32	/* response bytes carried: enough for the error marker */

enum hl_db_system {
	HL_DB_NONE = 0,
	HL_DB_POSTGRES = 1,
	HL_DB_MYSQL = 2,
	HL_DB_REDIS = 3,
	HL_DB_SYSTEMS = 4,
};

enum hl_db_role {
	HL_DB_CLIENT = 1,	/* this process sends the requests */
	HL_DB_SERVER = 2,	/* this process answers them (a database on the host) */
};

/* ev_db.flags */
#define HL_DB_F_MULTI 0x01	/* the request took several writes before the first response
				 * byte: a pipeline for Redis (not paired: counted) */

/*
 * One database operation: a request (what the client wrote, from its first
 * byte) paired with the first bytes of its response. Emitted at the
 * response's first bytes; latency = first response byte - first request byte.
 */
struct ev_db {
	struct event_hdr h;	/* pid/tgid/comm: the process that made the request
				 * (client) or read it (server) */
	__u64 conn_id;		/* connection identity for the agent's life (prepared statements) */
	__u64 start_ns;		/* first request byte moved */
	__u64 latency_ns;	/* to the first response byte moved */
	__u64 req_bytes;	/* request bytes moved before the response */
	__u8 system;		/* enum hl_db_system */
	__u8 role;		/* enum hl_db_role */
	__u8 family;		/* AF_INET / AF_INET6 */
	__u8 flags;		/* HL_DB_F_* */
	__u16 peer_port;	/* the other end, host order */
	__u16 local_port;	/* this end, host order (server role: the listening port) */
	__u16 req_len;		/* valid bytes in req_head */
	__u16 resp_len;		/* valid bytes in resp_head */
	__u16 nwrites;		/* request writes before the response (1 normally) */
	__u16 pad;
	__u8 peer_addr[16];	/* v4 in the first 4 bytes */
	__u8 local_addr[16];
	char comm[HL_COMM_LEN];
	__u8 req_head[HL_DB_REQ_HEAD];
	__u8 resp_head[HL_DB_RESP_HEAD];
};

/* Per-CPU counters of the database part of the socket programs (array `db_stats`). */
enum hl_db_stat {
	HL_DB_ST_OPS = 0,	/* ev_db emitted */
	HL_DB_ST_CONNS,		/* connections classified as a database */
	HL_DB_ST_UNCLASSIFIED,	/* TCP sockets whose first bytes were no database protocol */
	HL_DB_ST_ORPHAN_RESP,	/* response bytes with no request pending (greeting, push) */
	HL_DB_ST_UNANSWERED,	/* a request pending at close */
	HL_DB_ST_TLS,		/* connections that turned TLS (not read here) */
	HL_DB_ST_NO_STORAGE,	/* a socket storage could not be had */
	HL_DB_ST_MAX = 8,
};

/* ---- bench ---- */
struct ev_bench {
	struct event_hdr h;
	__u64 seq;
	__u64 payload[2];
};

#endif
