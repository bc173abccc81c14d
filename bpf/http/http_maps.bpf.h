/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* HTTP signal, types, load-time constants and maps of the HTTP signal.
 * Part of bpf/http/http.bpf.h, which includes its parts in order. */
#ifndef HOSTLENS_HTTP_MAPS_BPF_H
#define HOSTLENS_HTTP_MAPS_BPF_H

#define AF_INET 2
#define AF_INET6 10

#define ROLE_SERVER 1
#define ROLE_CLIENT 2

#define ST_IDLE 0
#define ST_REQ 1
#define ST_RESP 2

#define CF_OFF 0x01	  /* plaintext path gave up on this connection */
#define CF_TLS_SEEN 0x02  /* TLS records seen on the socket */
#define CF_HTTP_SEEN 0x04 /* at least one request seen */
#define CF_HEAD_REQ 0x08  /* current request is HEAD: no body in the response */
#define CF_TAIL 0x10	  /* no Content-Length: look for the last chunk */
#define CF_PENDING 0x20	  /* plaintext response in flight, counted in http_pending */

#define IO_PLAIN 0
#define IO_IOV 1
#define IO_MSG 2
#define IO_SENDFILE 3

#define MAX_MISSES 8	/* non-HTTP payloads before a fresh socket is given up */
#define SCAN_BYTES 512	/* response head bytes scanned for Content-Length (TLS) */
#define STATUS_BYTES 16 /* response bytes read for the status (plaintext) */
#define SCAN_MASK (SCAN_BYTES - 1)
#define MAX_IOV_TAIL 8	      /* iovecs walked to find a write's last bytes */
#define PSEUDO_FD 0x40000000u /* fd space for SSL* with no known socket */

/* v = min(v, max) in a way the verifier can see */
#define CLAMP(v, max)                                                              \
	do {                                                                       \
		if ((v) > (max))                                                   \
			(v) = (max);                                               \
		asm volatile("%[x] &= %[m]" : [x] "+r"(v) : [m] "i"((max)*2 - 1)); \
		if ((v) > (max))                                                   \
			(v) = (max);                                               \
	} while (0)

struct conn_key {
	__u32 tgid;
	__u32 fd;
};

struct http_conn {
	__u64 sk; /* TLS (hash) state: the socket; another one under
				 * the fd = a new connection */
	__u64 id; /* pid_tgid of the request's first transfer */
	__u32 fd;
	__u32 pad2;
	__u64 start_ns;
	__u64 first_resp_ns;
	__u64 last_resp_ns;
	__u64 bytes_in;
	__u64 bytes_out;
	__s64 resp_left; /* body bytes still due; <= 0 when unknown */
	__u16 status;
	__u16 peer_port;
	__u16 req_len;
	__u16 sent_cpu; /* the CPU that last checked head and process were sent */
	__u8 family;
	__u8 role;
	__u8 state;
	__u8 flags;
	__u8 misses;
	__u8 tls;
	__u8 pslot; /* http_pending slot of the response in flight */
	__u8 db;    /* TLS state: database verdict (bpf/db/db.bpf.h: DBV_*) */
	__u8 peer[16];
	char comm[HL_COMM_LEN]; /* of id's process: a close in softirq still names it */
	__u64 head_hash;	/* of req_head[0..req_len) */
	__u64 proc_start;	/* start time of id's process (its group leader) */
	__u64 cgroup_id;	/* of id's thread when proc_start was read */
	__u64 sent_hash;	/* head_hash as of that check, */
	__u32 sent_gen;		/* and heads_gen */
	__u32 pad3;
	char req_head[HL_HTTP_REQ_HEAD];
	/* latency breakdown: BD_N counters at request start, and their deltas
	 * at the last response write (see bd__start / bd__sample) */
	__u64 bd_s[6];
	__u64 bd_d[6];
	__u32 bd_tid;
	__u32 bd_seq;  /* the thread's req_seq after this request started */
	__u8 bd_flags; /* HL_BD_* | BD_RELEASED */
	__u8 bd_pad[7];
};

#define BD_RELEASED 0x80 /* req_inflight of bd_tid already decremented */

/* request latency breakdown on (set by the loader: --http-breakdown, cpu on) */
const volatile bool targ_breakdown = true;
/* the HTTP signal is on (set by the loader) */
const volatile bool targ_http = true;

struct ssl_args {
	__u64 ssl;
	__u64 buf;
	__u64 lenp; /* _ex variants: size_t * with the byte count */
	__u64 ts;
	__s64 fd; /* socket seen inside the call, -1 none */
	__u8 is_write;
	__u8 ex;
};

struct ssl_key {
	__u64 ssl;
	__u32 tgid;
	__u32 pad;
};

struct filter_verdict {
	__u32 gen;
	__u32 allow;
};

struct scan_ctx {
	__u32 n;
	__s32 hdr_end;
	__s64 clen;
};

/* One transfer, seen on a socket tracepoint or an SSL_* return. */
struct xfer {
	__u64 first; /* first contiguous piece of the data (0: none) */
	__u64 total; /* bytes moved */
	__u64 tail;  /* address of the last 5 bytes, 0 when unknown */
	__u64 iov;   /* iovec array (readv/writev/msg), looked at only
				 * when the last bytes matter (chunked bodies) */
	__u64 ts_enter;
	__u64 id;  /* bpf_get_current_pid_tgid() of the caller */
	__u64 now; /* bpf_ktime_get_ns() when the transfer was seen */
	__u32 first_len;
	__u32 iovcnt;
	__u8 is_write;
	__u8 tls;
	__u8 foreign; /* not the connection's own thread (softirq, iterator):
				 * its task storage is not the request's */
};

struct scratch {
	char b[SCAN_BYTES + 64] __attribute__((aligned(8)));
};

/* per socket: what the plaintext path knows before a request is seen */
#define SKM_SEEN 0x01 /* checked: TCP over IPv4/IPv6 */
#define SKM_OFF 0x02  /* not TCP, not HTTP, or HTTP/2: nothing to do */
#define SKM_TLS 0x04  /* TLS records seen: the SSL uprobes report */

struct sk_meta {
	__u8 flags;
	__u8 misses;	/* payloads that were not HTTP */
	__u8 db;	/* database verdict (bpf/db/db.bpf.h: DBV_*) */
	__u8 db_misses; /* payloads that were no database protocol */
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sk_meta);
} sk_meta SEC(".maps");

/* per socket: plaintext HTTP connection state, from its first request */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct http_conn);
} sk_http SEC(".maps");

/* TLS connection state per (tgid, fd); sized by the loader */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct conn_key);
	__type(value, struct http_conn);
} tls_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct ssl_args);
} ssl_args SEC(".maps");

/* Releases owed to threads whose request was answered or dropped by
 * another thread (worker pools): tid -> count, settled at that thread's next
 * request start. bd_owed_any is set at the first hand-off and stays set:
 * until then no request start looks in bd_owed. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} bd_owed SEC(".maps");

__u64 bd_owed_any;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ssl_key);
	__type(value, __u32);
} ssl_fds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/*
 * What user space has been sent on each CPU's ring: request heads (by
 * hash) and process names (by tgid). An ev_http names its head and process
 * only; their ev_http_head and ev_http_proc went into the same ring before
 * it, so the processor (which reads each ring in order) has them first.
 * User space deletes a head it no longer holds and bumps heads_gen (the
 * connections' own cache of "sent") so it comes again.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u8);
} http_heads SEC(".maps");

/* a process: its pid and its start (a reused pid is another process) */
struct proc_key {
	__u32 tgid;
	__u32 pad;
	__u64 start_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct proc_key);
	__type(value, __u8);
} http_procs SEC(".maps");

volatile __u32 heads_gen; /* bumped by user space (skeleton .bss) */

/*
 * Plaintext responses in flight, by the 2^27 ns (134 ms) slot of the clock
 * they started in, HL_HTTP_PENDING_SLOTS slots round: +1 on one CPU, -1 on
 * maybe another, so only a slot's sum over CPUs means something. User space
 * walks the idle iterator only when a response that started two or more
 * slots ago is still open: never under steady keep-alive traffic, where
 * each response ends at the next request within milliseconds.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HL_HTTP_PENDING_SLOTS);
	__type(key, __u32);
	__type(value, __s64);
} http_pending SEC(".maps");

static __always_inline void pending__add(struct http_conn *c, __s64 d, __u64 now)
{
	__u32 slot;
	__s64 *n;

	if (d > 0) {
		c->flags |= CF_PENDING;
		c->pslot = (__u8)((now >> HL_HTTP_PENDING_SHIFT) % HL_HTTP_PENDING_SLOTS);
	} else {
		c->flags &= ~CF_PENDING;
	}
	slot = c->pslot % HL_HTTP_PENDING_SLOTS;
	n = bpf_map_lookup_elem(&http_pending, &slot);
	if (n)
		*n += d;
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HL_HTTP_ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} http_stats SEC(".maps");

#endif
