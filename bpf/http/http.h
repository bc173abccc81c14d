/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Shared by bpf/http/ and user space (fixed-width types only): one event
 * per request/response pair, the capture filter's settings. */
#ifndef HOSTLENS_HTTP_H
#define HOSTLENS_HTTP_H

#include "bpf/common/events.h"

#define HL_HTTP_REQ_HEAD 256 /* request head bytes carried per request */

enum hl_http_dir {
	HL_HTTP_INBOUND = 1,  /* this process served the request (server) */
	HL_HTTP_OUTBOUND = 2, /* this process made the request (client) */
};

/* How a request's end was found (ev_http.end_by). */
/* plaintext responses in flight per clock slot (http_pending, http.bpf.h) */
#define HL_HTTP_PENDING_SHIFT 27 /* a slot is 2^27 ns (134 ms) of CLOCK_MONOTONIC */
#define HL_HTTP_PENDING_SLOTS 16

enum hl_http_end {
	HL_HTTP_END_LENGTH = 1,	 /* Content-Length bytes of body transferred */
	HL_HTTP_END_CHUNKED = 2, /* last chunk "0\r\n\r\n" transferred */
	HL_HTTP_END_NOBODY = 3,	 /* HEAD, 1xx/204/304: the head is all */
	HL_HTTP_END_NEXT = 4,	 /* the next request on the connection */
	HL_HTTP_END_CLOSE = 5,	 /* close() of the connection */
	HL_HTTP_END_IDLE = 6,	 /* no response bytes for the idle time (plaintext) */
};

/*
 * One per request and side, 128 bytes, once its response is done. The
 * request head is not in it: head_hash names it, and its bytes come in an
 * ev_http_head on the same CPU's ring before the first ev_http that names
 * it there (user space keeps the parse of each head; it tells BPF to send
 * a head again when it has forgotten it: http_heads, heads_gen).
 */
struct ev_http {
	struct event_hdr h; /* ts_ns: when the record was emitted */
	__u64 start_ns;	    /* request start (server: first bytes read; client: write entered) */
	__u64 latency_ns;   /* server: to the response's last byte written;
				 * client: to the response's first bytes read */
	__u64 bytes_in;	    /* read by this process for the exchange */
	__u64 bytes_out;    /* written by this process for the exchange */
	__u64 head_hash;    /* the request head's (ev_http_head) */
	__u8 peer_addr[16]; /* v4 in the first 4 bytes */
	__u8 direction;	    /* enum hl_http_dir */
	__u8 tls;	    /* 1: captured through OpenSSL uprobes */
	__u8 family;	    /* AF_INET / AF_INET6, 0 when the peer is unknown */
	__u8 end_by;	    /* enum hl_http_end */
	__u16 status;	    /* from the status line, 0 when it was not one */
	__u16 peer_port;    /* host order */
	__u16 req_len;	    /* bytes of the request head captured */
	__u8 bd_flags;	    /* HL_BD_* */
	__u8 pad;
	/* latency breakdown (inbound, HL_BD_VALID set): the serving thread's
	 * sh_threads counters, end minus start of the request window, in
	 * units of 2^HL_BD_SHIFT ns (saturating) */
	__u32 bd_tid; /* thread that read the request */
	__u32 bd_oncpu;
	__u32 bd_runq;
	__u32 bd_io;
	__u32 bd_other;	     /* blocked otherwise, outbound calls included */
	__u32 bd_downstream; /* outbound HTTP latency of the thread in the window */
	__u32 bd_io_bytes;   /* block I/O the thread submitted in the window (saturating) */
};
#define HL_BD_SHIFT 6 /* breakdown parts in 64 ns units: up to 274 s */

/* A request head's bytes, sent before the first ev_http on this CPU that
 * names it (head_hash), and again after user space asked (heads_gen). */
struct ev_http_head {
	struct event_hdr h;
	__u64 head_hash;
	__u16 len; /* valid bytes in head */
	__u8 pad[6];
	char head[HL_HTTP_REQ_HEAD];
};

/* A process the filter let through: its name, once per filter decision
 * (short-lived clients are gone from /proc by the time user space looks). */
struct ev_http_proc {
	struct event_hdr h;
	char comm[HL_COMM_LEN];
};

/* ev_http.bd_flags */
#define HL_BD_VALID 0x01   /* both snapshots taken on the thread */
#define HL_BD_HANDOFF 0x02 /* response written by another thread: deltas unknown */
#define HL_BD_SHARED 0x04  /* other requests in flight on the thread in the window */

/* Per-CPU counters of the HTTP programs (array `http_stats`). */
enum hl_http_stat {
	HL_HTTP_ST_REQUESTS = 0, /* ev_http emitted */
	HL_HTTP_ST_PIPELINED,	 /* pipelined requests: a request read before the previous was
				 * answered (connection dropped), or a response whose request
				 * shared a buffer with the previous one (not paired) */
	HL_HTTP_ST_HTTP2,	 /* "PRI * HTTP/2.0" preface seen: connection dropped */
	HL_HTTP_ST_ORPHAN_RESP,	 /* a response with no request seen (unparsed traffic) */
	HL_HTTP_ST_INCOMPLETE,	 /* request never answered (closed first) */
	HL_HTTP_ST_NOT_HTTP,	 /* sockets given up as not HTTP */
	HL_HTTP_ST_CONNS,	 /* TCP connections tracked (first transfer seen) */
	HL_HTTP_ST_TLS_NOFD,	 /* SSL calls whose socket fd was not found */
	HL_HTTP_ST_MAX = 16,
};

/* Process filter configuration (array `filter_conf`, one slot). */
struct http_filter_conf {
	__u32 enabled;	  /* 0: every process */
	__u32 gen;	  /* bumped on every change: threads decide again */
	__u32 n_cgroups;  /* cgroup ids in filter_cgroups */
	__u32 tls_active; /* SSL uprobes attached */
};

#endif
