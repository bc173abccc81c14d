/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * HTTP signal (part of bpf/sock/sock.bpf.c, which owns the socket hooks and calls
 * http__xfer and http__state from them): HTTP/1.x request latency from
 * socket transfers (plaintext) and from OpenSSL's SSL_read/SSL_write (TLS),
 * with no kprobes and no syscall tracepoints.
 *
 * - sock:sock_send_length / sock_recv_length fire inside sock_sendmsg /
 *   sock_recvmsg for every socket transfer (read, recv, write, send, sendfile
 *   on a socket), in the context of the syscall: the fd and the user buffer
 *   are that syscall's arguments, still in the task's saved user registers.
 *   Enabling a syscall tracepoint would put every task of the host on the
 *   syscall slow path; these fire only for socket I/O.
 * - Per connection a small state machine pairs a request with its response:
 *   IDLE -> REQ (request bytes) -> RESP (response bytes) -> emit -> IDLE.
 *   The role (server / client) is the direction of the first request seen,
 *   so sockets opened before the agent started work the same. Server:
 *   start = request's first bytes read, end = response's last byte written.
 *   Client: start = request written, end = response's first bytes read.
 *   The record leaves, plaintext: at the next request, at close, or when the
 *   response has been idle (http_idle, an iterator user space runs); TLS:
 *   when Content-Length, the last chunk or no body says the response is
 *   complete, else at the next request / close.
 * - State lives with the socket (socket local storage, found from the
 *   struct sock the tracepoint hands over: no hash, no fd-reuse checks, gone
 *   when the socket is freed). Two storages: a 4-byte verdict for every
 *   socket an allowed process moves bytes on (not HTTP yet / switched off /
 *   TLS), and the connection state, created at the first request. An HTTP
 *   socket costs one storage lookup per call, any other socket two.
 *   close()/shutdown() and resets are seen as TCP state changes
 *   (inet_sock_set_state), in whatever context they happen.
 * - TLS connections are reported by the SSL_* uprobes, which know the fd but
 *   not the socket: their state stays in a hash keyed by (tgid, fd), with the
 *   socket remembered to notice fd reuse.
 * - One ring event (struct ev_http) per completed request. Pipelining and the
 *   HTTP/2 preface count and turn the connection off: never a guessed pair.
 * - Only the bytes the state can use are copied from user memory: a request
 *   head (256), a status line (16; for TLS a response head of 512, scanned),
 *   a peek (8), or none for sendfile bodies.
 * - The process filter (pids / comms / cgroups, changeable at run time) is
 *   checked before any per-connection work: a verdict per tgid is cached
 *   until user space bumps the filter generation, the process execs or it
 *   exits (its pid may be reused).
 * - SSL_* uprobes see plaintext; the socket fd comes from the transfer made
 *   inside the SSL call on the same thread (or from the last fd seen for the
 *   same SSL*). The ciphertext seen on the socket is skipped.
 * - Latency breakdown (server side): at a request's first bytes read the
 *   reading thread's counters in sh_threads (kept by the CPU signal at each
 *   switch; shared map) are snapshotted into the connection, and at every
 *   response write the deltas are taken again; the event carries them. The
 *   slice in progress is added to on-CPU time at both ends, so the parts add
 *   up to the window. A response written by another thread (worker pool) or
 *   a thread with other requests in flight in the window (event loop) is
 *   flagged (HL_BD_HANDOFF / HL_BD_SHARED), never passed off as exact.
 *   Outbound requests add their latency to their thread's downstream_ns.
 *   Cost: one task storage lookup per request start and per response write.
 *   A request finished by another thread than the one that read it owes its
 *   release (req_inflight) to that thread through bd_owed.
 * - Subprograms are global functions: the verifier checks each once.
 */
#ifndef HOSTLENS_HTTP_BPF_H
#define HOSTLENS_HTTP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "bpf/common/helpers.bpf.h"
#include "bpf/common/threads.bpf.h"
#include "bpf/cpu/cpu.h"
#include "bpf/http/http.h"

#define AF_INET 2
#define AF_INET6 10

#define ROLE_SERVER 1
#define ROLE_CLIENT 2

#define ST_IDLE 0
#define ST_REQ 1
#define ST_RESP 2

#define CF_OFF 0x01		/* plaintext path gave up on this connection */
#define CF_TLS_SEEN 0x02	/* TLS records seen on the socket */
#define CF_HTTP_SEEN 0x04	/* at least one request seen */
#define CF_HEAD_REQ 0x08	/* current request is HEAD: no body in the response */
#define CF_TAIL 0x10		/* no Content-Length: look for the last chunk */
#define CF_PENDING 0x20		/* plaintext response in flight, counted in http_pending */

#define IO_PLAIN 0
#define IO_IOV 1
#define IO_MSG 2
#define IO_SENDFILE 3

#define MAX_MISSES 8		/* non-HTTP payloads before a fresh socket is given up */
#define SCAN_BYTES 512		/* response head bytes scanned for Content-Length (TLS) */
#define STATUS_BYTES 16		/* response bytes read for the status (plaintext) */
#define SCAN_MASK (SCAN_BYTES - 1)
#define MAX_IOV_TAIL 8		/* iovecs walked to find a write's last bytes */
#define PSEUDO_FD 0x40000000u	/* fd space for SSL* with no known socket */

/* v = min(v, max) in a way the verifier can see */
#define CLAMP(v, max)                                                          \
	do {                                                                   \
		if ((v) > (max))                                               \
			(v) = (max);                                           \
		asm volatile("%[x] &= %[m]" : [x] "+r"(v) : [m] "i"((max) * 2 - 1)); \
		if ((v) > (max))                                               \
			(v) = (max);                                           \
	} while (0)

struct conn_key {
	__u32 tgid;
	__u32 fd;
};

struct http_conn {
	__u64 sk;		/* TLS (hash) state: the socket; another one under
				 * the fd = a new connection */
	__u64 id;		/* pid_tgid of the request's first transfer */
	__u32 fd;
	__u32 pad2;
	__u64 start_ns;
	__u64 first_resp_ns;
	__u64 last_resp_ns;
	__u64 bytes_in;
	__u64 bytes_out;
	__s64 resp_left;	/* body bytes still due; <= 0 when unknown */
	__u16 status;
	__u16 peer_port;
	__u16 req_len;
	__u16 resp_len;
	__u8 family;
	__u8 role;
	__u8 state;
	__u8 flags;
	__u8 misses;
	__u8 tls;
	__u8 pslot;		/* http_pending slot of the response in flight */
	__u8 pad;
	__u8 peer[16];
	char comm[HL_COMM_LEN];	/* of id's process: a close in softirq still names it */
	char req_head[HL_HTTP_REQ_HEAD];
	char resp_head[HL_HTTP_RESP_HEAD];
	/* latency breakdown: BD_N counters at request start, and their deltas
	 * at the last response write (see bd__start / bd__sample) */
	__u64 bd_s[6];
	__u64 bd_d[6];
	__u32 bd_tid;
	__u32 bd_seq;		/* the thread's req_seq after this request started */
	__u8 bd_flags;		/* HL_BD_* | BD_RELEASED */
	__u8 bd_pad[7];
};

#define BD_RELEASED 0x80	/* req_inflight of bd_tid already decremented */

/* request latency breakdown on (set by the loader: --http-breakdown, cpu on) */
const volatile bool targ_breakdown = true;

struct ssl_args {
	__u64 ssl;
	__u64 buf;
	__u64 lenp;		/* _ex variants: size_t * with the byte count */
	__u64 ts;
	__s64 fd;		/* socket seen inside the call, -1 none */
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
	__u64 first;		/* first contiguous piece of the data (0: none) */
	__u64 total;		/* bytes moved */
	__u64 tail;		/* address of the last 5 bytes, 0 when unknown */
	__u64 iov;		/* iovec array (readv/writev/msg), looked at only
				 * when the last bytes matter (chunked bodies) */
	__u64 ts_enter;
	__u64 id;		/* bpf_get_current_pid_tgid() of the caller */
	__u64 now;		/* bpf_ktime_get_ns() when the transfer was seen */
	__u32 first_len;
	__u32 iovcnt;
	__u8 is_write;
	__u8 tls;
	__u8 foreign;		/* not the connection's own thread (softirq, iterator):
				 * its task storage is not the request's */
};

struct scratch {
	char b[SCAN_BYTES + 64] __attribute__((aligned(8)));
};


/* per socket: what the plaintext path knows before a request is seen */
#define SKM_SEEN 0x01		/* checked: TCP over IPv4/IPv6 */
#define SKM_OFF 0x02		/* not TCP, not HTTP, or HTTP/2: nothing to do */
#define SKM_TLS 0x04		/* TLS records seen: the SSL uprobes report */

struct sk_meta {
	__u8 flags;
	__u8 misses;		/* payloads that were not HTTP */
	__u8 db;		/* database verdict (bpf/db/db.bpf.h: DBV_*) */
	__u8 db_misses;		/* payloads that were no database protocol */
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

/* ---- process filter (written by user space at any time) ---- */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct http_filter_conf);
} filter_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, char[HL_COMM_LEN]);
	__type(value, __u8);
} filter_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u8);
} filter_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct filter_verdict);
} filter_cache SEC(".maps");

static const struct http_conn conn_zero;

static __always_inline void stat__inc(__u32 s)
{
	__u64 *c = bpf_map_lookup_elem(&http_stats, &s);

	if (c)
		*c += 1;
}

static __always_inline struct http_filter_conf *filter__conf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&filter_conf, &zero);
}

/* Slow path of the filter, once per process and filter generation. */
__noinline int filter__decide(__u32 tgid, __u32 gen, __u32 n_cgroups)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct filter_verdict v = { .gen = gen, .allow = 0 };
	char comm[HL_COMM_LEN] = {};
	__u32 ptgid;

	if (bpf_map_lookup_elem(&filter_pids, &tgid))
		goto allow;
	/* children of a chosen process (a server's forked workers) */
	ptgid = BPF_CORE_READ(t, real_parent, tgid);
	if (bpf_map_lookup_elem(&filter_pids, &ptgid))
		goto allow;
	BPF_CORE_READ_STR_INTO(&comm, t, group_leader, comm);
	if (bpf_map_lookup_elem(&filter_comms, comm))
		goto allow;
	if (n_cgroups) {
		__u64 id = bpf_get_current_cgroup_id();

		if (bpf_map_lookup_elem(&filter_cgroups, &id))
			goto allow;
		/* a container's processes may sit in child cgroups */
		for (int lvl = 1; lvl < 12; lvl++) {
			id = bpf_get_current_ancestor_cgroup_id(lvl);
			if (!id)
				break;
			if (bpf_map_lookup_elem(&filter_cgroups, &id))
				goto allow;
		}
	}
	bpf_map_update_elem(&filter_cache, &tgid, &v, BPF_ANY);
	return 0;
allow:
	v.allow = 1;
	bpf_map_update_elem(&filter_cache, &tgid, &v, BPF_ANY);
	return 1;
}

/* First check of every program: is this process one we capture? */
/* Filters were given at start: until user space has written them (gen 0),
 * capture nothing rather than everything in the moments after attach. */
const volatile bool targ_filter_at_start = false;

static __always_inline bool proc__allowed(__u32 tgid, struct http_filter_conf *c)
{
	struct filter_verdict *v;

	if (!c)
		return !targ_filter_at_start;
	if (!c->enabled)
		return !(targ_filter_at_start && c->gen == 0);
	v = bpf_map_lookup_elem(&filter_cache, &tgid);
	if (v && v->gen == c->gen)
		return v->allow;
	return filter__decide(tgid, c->gen, c->n_cgroups);
}

/* The connection's peer, from its socket: 1 when it is TCP over IPv4/IPv6. */
__noinline int conn__fill(struct http_conn *c, __u64 skp)
{
	struct sock *sk = (struct sock *)skp;
	__u16 family;
	__u8 proto;

	if (!c || !sk)
		return 0;
	c->sk = skp;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	proto = (__u8)BPF_CORE_READ(sk, sk_protocol);
	if ((family != AF_INET && family != AF_INET6) || proto != 6 /* IPPROTO_TCP */)
		return 0;
	c->family = (__u8)family;
	c->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET)
		bpf_core_read(c->peer, 4, &sk->__sk_common.skc_daddr);
	else
		bpf_core_read(c->peer, 16, &sk->__sk_common.skc_v6_daddr);
	stat__inc(HL_HTTP_ST_CONNS);
	return 1;
}

/* Is the socket TCP over IPv4/IPv6? (once per socket) */
__noinline int sk__tcp(__u64 skp)
{
	struct sock *sk = (struct sock *)skp;
	__u16 family;

	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	return (family == AF_INET || family == AF_INET6) &&
	       (__u8)BPF_CORE_READ(sk, sk_protocol) == 6 /* IPPROTO_TCP */;
}

/* (Re)starts the TLS state of (tgid, fd) for socket sk. 1 when tracked. */
__noinline int conn__from_sk(struct conn_key *k, __u64 skp)
{
	struct http_conn *c;

	if (!k || !skp)
		return 0;
	if (bpf_map_update_elem(&tls_conns, k, &conn_zero, BPF_ANY)) {
		drops__inc(HL_DROP_FULL_HTTP_CONNS);
		return 0;
	}
	c = bpf_map_lookup_elem(&tls_conns, k);
	if (!c)
		return 0;
	c->flags = CF_TLS_SEEN;
	return conn__fill(c, skp);
}

/* ---- payload classification ---- */
#define K_OTHER 0
#define K_REQ 1
#define K_REQ_HEAD 2
#define K_RESP 3
#define K_H2 4
#define K_TLS 5

/* w holds the first 8 bytes (little endian), n how many are valid. */
static __always_inline int payload__kind(__u64 w, __u32 n)
{
	__u32 w4 = (__u32)w;
	__u8 b4 = (__u8)(w >> 32);

	if (n >= 3 && ((__u8)w == 0x16 || (__u8)w == 0x17) && (__u8)(w >> 8) == 0x03)
		return K_TLS;
	if (n < 5)
		return K_OTHER;
	if (w4 == 0x20544547)				/* "GET " */
		return K_REQ;
	if (w4 == 0x54534f50 && b4 == ' ')		/* "POST " */
		return K_REQ;
	if (w4 == 0x20545550)				/* "PUT " */
		return K_REQ;
	if (w4 == 0x44414548 && b4 == ' ')		/* "HEAD " */
		return K_REQ_HEAD;
	if (n >= 7 && (w & 0xffffffffffffffull) == 0x2e312f50545448ull) /* "HTTP/1." */
		return K_RESP;
	if (n >= 7 && (w & 0xffffffffffffffull) == 0x204554454c4544ull) /* "DELETE " */
		return K_REQ;
	if (n >= 6 && (w & 0xffffffffffffull) == 0x204843544150ull)	/* "PATCH " */
		return K_REQ;
	if (n >= 8 && w == 0x20534e4f4954504full)			/* "OPTIONS " */
		return K_REQ;
	if (n >= 8 && w == 0x5448202a20495250ull)			/* "PRI * HT" */
		return K_H2;
	return K_OTHER;
}

/* ---- response head scan (Content-Length, end of head) ---- */
static __always_inline __u64 lower8(const char *p)
{
	__u64 x;

	__builtin_memcpy(&x, p, 8);
	return x | 0x2020202020202020ull;
}

/* A head line starting at p with a 'c' or 'C': Content-Length? */
__noinline int line__check(__u32 p, struct scan_ctx *s)
{
	__u32 zero = 0, q = p & SCAN_MASK;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);
	const char *b;
	__s64 v = 0;
	int digits = 0;

	if (!sc || !s)
		return 0;
	b = sc->b;
	if (s->clen >= 0 || p + 16 >= s->n)
		return 0;
	/* "content-length:" is 15 bytes: compare 8 + 8 (the 16th byte masked) */
	if (lower8(b + q) != 0x2d746e65746e6f63ull)		/* "content-" */
		return 0;
	if ((lower8(b + q + 8) & 0x00ffffffffffffffull) != 0x003a6874676e656cull) /* "length:" */
		return 0;
	q += 15;
#pragma unroll
	for (int i = 0; i < 16; i++) {
		char c = b[q + i];

		if (p + 15 + i >= s->n)
			break;
		if (c == ' ' && !digits)
			continue;
		if (c < '0' || c > '9')
			break;
		v = v * 10 + (c - '0');
		digits++;
	}
	if (digits && digits < 16)
		s->clen = v;
	return 0;
}

/* Scans the response head in the scratch buffer, 8 bytes at a time: only
 * words holding a '\n' are looked at more closely, and of the lines they
 * start only the empty one (end of head) and those starting with 'c'
 * (Content-Length) cost more than a byte compare. */
__noinline int head__scan(struct scan_ctx *s)
{
	__u32 zero = 0;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);

	if (!sc || !s)
		return 0;
	for (__u32 i = 0; i < SCAN_BYTES / 8; i++) {
		__u32 base = (i * 8) & SCAN_MASK;
		__u64 w, x, m;

		if (base >= s->n)
			break;
		__builtin_memcpy(&w, sc->b + base, 8);
		x = w ^ 0x0a0a0a0a0a0a0a0aull;
		/* bit 8j+7 set: byte j of x is zero, so byte j of w is a '\n'
		 * (or a 0x0b above one: rechecked below) */
		m = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
		for (int k = 0; k < 8 && m; k++) {
			/* j = index of the lowest set byte: 1 << 8j times this
			 * constant has j in its top byte */
			__u32 j = (__u32)((((m & -m) >> 7) * 0x0001020304050607ull) >> 56);
			__u32 p = base + j + 1;
			char c;

			m &= m - 1;
			if (p >= s->n || sc->b[(p - 1) & SCAN_MASK] != '\n')
				continue;
			c = sc->b[p & SCAN_MASK];
			if (c == '\r') {
				if (p + 1 < s->n && sc->b[(p & SCAN_MASK) + 1] == '\n') {
					s->hdr_end = (__s32)(p + 2);
					return 0;
				}
			} else if ((c | 0x20) == 'c' && s->clen < 0) {
				line__check(p, s);
			}
		}
	}
	return 0;
}

/* Does a transfer in this direction carry requests on c (role known)? */
static __always_inline bool conn__reqdir(const struct http_conn *c, __u32 is_write)
{
	return c->role == ROLE_SERVER ? !is_write : is_write;
}

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

/* Server request start on the current thread (x->id), at x->now. */
__noinline int bd__start(struct http_conn *c, const struct xfer *x)
{
	struct thread_acct *a;
	__u8 fl = HL_BD_VALID;
	__u32 tid;

	if (!c || !x)
		return 0;
	tid = (__u32)x->id;
	c->bd_flags = 0;
	if (!targ_breakdown)
		return 0;
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
		fl |= HL_BD_SHARED;	/* another request is open on this thread */
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
		c->bd_flags |= HL_BD_HANDOFF;	/* no accounting for the thread: deltas unknown */
		return NULL;
	}
	if (a->req_seq != c->bd_seq)
		c->bd_flags |= HL_BD_SHARED;	/* another request started here since */
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
		__sync_fetch_and_add(owed, 1);	/* lost the race to create it */
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

/* ---- per-connection state machine ---- */

/* Copies words 8-byte words between 8-aligned buffers (no helper call). */
#define COPY_WORDS(dst, src, words)                                            \
	do {                                                                   \
		__u64 *__d = (__u64 *)(void *)(dst);                           \
		const __u64 *__s = (const __u64 *)(const void *)(src);         \
		_Pragma("unroll") for (int __i = 0; __i < (words); __i++)      \
			__d[__i] = __s[__i];                                   \
	} while (0)

/* The request on c is complete: one ring event. x: the transfer (or close)
 * that ended it (its caller and time); a: the caller's thread accounting if
 * already looked up, else NULL. */
__noinline int conn__emit(struct http_conn *c, struct conn_key *k, __u8 end_by,
			  const struct xfer *x, struct thread_acct *a)
{
	struct ev_http *e;
	__u64 end, wake;

	if (!c || !k || !x)
		return 0;
	end = c->role == ROLE_SERVER ? c->last_resp_ns : c->first_resp_ns;
	c->state = ST_IDLE;
	if (c->flags & CF_PENDING)
		pending__add(c, -1, 0);
	c->flags &= ~(CF_TAIL | CF_HEAD_REQ);
	if (c->role == ROLE_SERVER)
		bd__release(c, x->foreign ? 0 : (__u32)x->id, a);
	else if (end > c->start_ns && !x->foreign)
		bd__downstream(end - c->start_ns);
	e = rb__reserve(sizeof(*e), &wake);
	if (!e)
		return 0;
	hdr__fill_at(&e->h, HL_EV_HTTP_REQ, sizeof(*e), x->id, x->now);
	__builtin_memcpy(e->comm, c->comm, sizeof(e->comm));
	e->start_ns = c->start_ns;
	e->latency_ns = end > c->start_ns ? end - c->start_ns : 0;
	e->bytes_in = c->bytes_in;
	e->bytes_out = c->bytes_out;
	e->fd = (__s32)c->fd;
	e->direction = c->role == ROLE_SERVER ? HL_HTTP_INBOUND : HL_HTTP_OUTBOUND;
	e->tls = c->tls;
	e->family = c->family;
	e->end_by = end_by;
	e->status = c->status;
	e->peer_port = c->peer_port;
	e->req_len = c->req_len;
	e->resp_len = c->resp_len;
	__builtin_memcpy(e->peer_addr, c->peer, sizeof(e->peer_addr));
	COPY_WORDS(e->req_head, c->req_head, HL_HTTP_REQ_HEAD / 8);
	COPY_WORDS(e->resp_head, c->resp_head, HL_HTTP_RESP_HEAD / 8);
	e->bd_tid = c->bd_tid;
	e->bd_flags = c->role == ROLE_SERVER ? c->bd_flags & ~BD_RELEASED : 0;
	e->bd_pad[0] = e->bd_pad[1] = e->bd_pad[2] = 0;
	e->bd_oncpu_ns = c->bd_d[0];
	e->bd_runq_ns = c->bd_d[1];
	e->bd_io_ns = c->bd_d[2];
	e->bd_other_ns = c->bd_d[3];
	e->bd_downstream_ns = c->bd_d[4];
	e->bd_io_bytes = c->bd_d[5];
	rb__submit(e, wake);
	stat__inc(HL_HTTP_ST_REQUESTS);
	return 0;
}

/* Address of the transfer's last 5 bytes (0: unknown): a plain buffer's is
 * known; an iovec array is walked (up to MAX_IOV_TAIL) only now, since only
 * chunked bodies ask. */
static __always_inline __u64 xfer__tail(const struct xfer *x)
{
	struct iovec v;
	__u64 off = 0;

	if (x->tail || !x->iov || x->total < 5)
		return x->tail;
	for (__u32 i = 0; i < MAX_IOV_TAIL && i < x->iovcnt; i++) {
		if (bpf_probe_read_user(&v, sizeof(v), (void *)(x->iov + i * sizeof(v))))
			return 0;
		if (off + v.iov_len >= x->total)
			return x->total - off >= 5 ? (__u64)v.iov_base + (x->total - off) - 5 : 0;
		off += v.iov_len;
	}
	return 0;
}

/* Has the transfer x (its last 5 bytes) finished a chunked body? */
static __always_inline bool tail__last_chunk(const struct xfer *x)
{
	__u64 tail = xfer__tail(x);
	char t[5] = {};

	if (!tail || bpf_probe_read_user(t, 5, (void *)tail))
		return false;
	return t[0] == '0' && t[1] == '\r' && t[2] == '\n' && t[3] == '\r' && t[4] == '\n';
}

/* The response's first bytes (n of them in the scratch buffer): status,
 * head copy, and how its end will be known. Plaintext (sk_http) responses
 * end at the next request, at close or when idle (http_idle): their writes
 * after the first cost an add and a store. TLS ones (keyed by fd, out of
 * the idle iterator's reach) are followed to their end: Content-Length,
 * the last chunk, or no body. */
__noinline int conn__resp_start(struct http_conn *c, struct conn_key *k, const struct xfer *x,
				__u32 n, struct thread_acct *a)
{
	struct scan_ctx s = { .hdr_end = -1, .clen = -1 };
	__u32 zero = 0;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);
	bool nobody;

	if (!sc || !c || !k || !x || n < 12)
		return 0;
	c->status = (__u16)((sc->b[9] - '0') * 100 + (sc->b[10] - '0') * 10 + (sc->b[11] - '0'));
	if (c->status >= 100 && c->status < 200)
		return 0;		/* interim (100 Continue): the real response follows */
	c->state = ST_RESP;
	c->first_resp_ns = c->last_resp_ns;
	COPY_WORDS(c->resp_head, sc->b, HL_HTTP_RESP_HEAD / 8);
	c->resp_len = n < HL_HTTP_RESP_HEAD ? n : HL_HTTP_RESP_HEAD;
	c->resp_left = 0;
	if (!x->tls) {
		pending__add(c, 1, x->now);	/* ends at next request, close or idle */
		return 0;
	}
	s.n = n;
	head__scan(&s);
	nobody = (c->flags & CF_HEAD_REQ) || c->status == 204 || c->status == 304;
	c->resp_left = 0;
	if (s.hdr_end < 0)
		return 0;		/* head longer than we scan: ends at next request / close */
	if (nobody) {
		conn__emit(c, k, HL_HTTP_END_NOBODY, x, a);
		return 0;
	}
	if (s.clen >= 0) {
		c->resp_left = s.clen - (__s64)(x->total - (__u64)s.hdr_end);
		if (c->resp_left <= 0)
			conn__emit(c, k, HL_HTTP_END_LENGTH, x, a);
		return 0;
	}
	c->flags |= CF_TAIL;
	if (tail__last_chunk(x))
		conn__emit(c, k, HL_HTTP_END_CHUNKED, x, a);
	return 0;
}

/*
 * Bytes moved on a connection. x->first/first_len: the first contiguous
 * piece of the data (0 for sendfile), total: all bytes moved, tail: address
 * of the last 5 bytes when known. At most one copy from user memory, sized
 * by what the state can expect: a request head (256), a response's status
 * line (16; 512 for TLS, scanned for Content-Length), a peek (8), or
 * nothing for the body of a response.
 */
__noinline int conn__data(struct http_conn *c, struct conn_key *k, const struct xfer *x)
{
	__u32 zero = 0, n, want, is_write, tls;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);
	struct thread_acct *a = NULL;
	__u64 now, w = 0, total;
	bool reqdir;
	int kind = K_OTHER;

	if (!c || !k || !x || !sc)
		return 0;
	now = x->now;
	total = x->total;
	is_write = x->is_write;
	tls = x->tls;
	reqdir = conn__reqdir(c, is_write);
	if (!c->role)
		want = HL_HTTP_REQ_HEAD;
	else if (reqdir)
		want = c->state == ST_REQ ? 8 : HL_HTTP_REQ_HEAD;
	else
		want = c->state == ST_REQ ? (tls ? SCAN_BYTES : STATUS_BYTES) :
		       c->state == ST_IDLE || !tls ? 8 : 0;	/* plaintext: a second response? */
	n = x->first_len < want ? x->first_len : want;
	if (n && n <= STATUS_BYTES && x->first) {
		/* small reads (peeks, status lines) land on the stack: the
		 * kernel's usercopy check of a stack buffer is a range compare,
		 * of map memory a page-table walk */
		__u64 sb[STATUS_BYTES / 8] = {};

		CLAMP(n, STATUS_BYTES);
		if (bpf_probe_read_user(sb, n, (void *)x->first))
			n = 0;
		__builtin_memcpy(sc->b, sb, sizeof(sb));
		w = sb[0];
	} else {
		CLAMP(n, SCAN_BYTES);
		if (n && x->first && !bpf_probe_read_user(sc->b, n, (void *)x->first))
			__builtin_memcpy(&w, sc->b, 8);
		else
			n = 0;
	}
	if (n)
		kind = payload__kind(w, n);
	if (kind == K_TLS && !tls) {
		c->flags |= CF_TLS_SEEN;	/* ciphertext: the SSL uprobes see this */
		return 2;
	}
	if (kind == K_H2) {
		c->flags |= CF_OFF;
		c->state = ST_IDLE;
		stat__inc(HL_HTTP_ST_HTTP2);
		return 0;
	}
	if ((kind == K_REQ || kind == K_REQ_HEAD) && !c->role) {
		c->role = is_write ? ROLE_CLIENT : ROLE_SERVER;
		reqdir = true;
	}
	if ((kind == K_REQ || kind == K_REQ_HEAD) && reqdir) {
		if (c->state == ST_RESP) {
			conn__emit(c, k, HL_HTTP_END_NEXT, x, NULL);
		} else if (c->state == ST_REQ) {
			/* a second request before the first was answered */
			bd__release(c, (__u32)x->id, NULL);
			c->flags |= CF_OFF;
			c->state = ST_IDLE;
			stat__inc(HL_HTTP_ST_PIPELINED);
			return 0;
		}
		c->state = ST_REQ;
		c->id = x->id;
		c->fd = k->fd;
		bpf_get_current_comm(c->comm, sizeof(c->comm));
		c->start_ns = c->role == ROLE_CLIENT && x->ts_enter ? x->ts_enter : now;
		if (c->role == ROLE_SERVER)
			bd__start(c, x);
		else
			c->bd_flags = 0;
		c->bytes_in = is_write ? 0 : total;
		c->bytes_out = is_write ? total : 0;
		c->status = 0;
		c->resp_len = 0;
		c->resp_left = 0;
		c->tls = (__u8)tls;
		c->misses = 0;
		c->flags |= CF_HTTP_SEEN;
		c->flags &= ~(CF_HEAD_REQ | CF_TAIL);
		if (kind == K_REQ_HEAD)
			c->flags |= CF_HEAD_REQ;
		COPY_WORDS(c->req_head, sc->b, HL_HTTP_REQ_HEAD / 8);
		c->req_len = (__u16)(n < HL_HTTP_REQ_HEAD ? n : HL_HTTP_REQ_HEAD);
		return 0;
	}
	if (c->state == ST_IDLE) {
		if (kind == K_RESP && !reqdir && (c->flags & CF_HTTP_SEEN))
			/* a response to a request that came in the same buffer as the
			 * previous one (pipelining): only the first was paired */
			stat__inc(HL_HTTP_ST_PIPELINED);
		else if (kind == K_RESP)
			stat__inc(HL_HTTP_ST_ORPHAN_RESP);
		else if (!(c->flags & (CF_HTTP_SEEN | CF_TLS_SEEN)) && ++c->misses >= MAX_MISSES) {
			c->flags |= CF_OFF;
			stat__inc(HL_HTTP_ST_NOT_HTTP);
		}
		return 0;
	}
	if (c->state == ST_RESP && !reqdir && kind == K_RESP && !tls) {
		/* a second response before another request: pipelined requests
		 * (read in one go). The first is paired, the rest are not. */
		conn__emit(c, k, HL_HTTP_END_NEXT, x, NULL);
		stat__inc(HL_HTTP_ST_PIPELINED);
		return 0;
	}
	if (is_write)
		c->bytes_out += total;
	else
		c->bytes_in += total;
	if (reqdir)
		return 0;		/* request body */
	c->last_resp_ns = now;
	if (c->role == ROLE_SERVER)
		a = bd__sample(c, x);
	if (c->state == ST_REQ) {
		if (kind == K_RESP)
			conn__resp_start(c, k, x, n, a);
		return 0;
	}
	/* ST_RESP: more of the response */
	if (c->resp_left > 0) {
		c->resp_left -= (__s64)total;
		if (c->resp_left <= 0)
			conn__emit(c, k, HL_HTTP_END_LENGTH, x, a);
	} else if ((c->flags & CF_TAIL) && tail__last_chunk(x)) {
		conn__emit(c, k, HL_HTTP_END_CHUNKED, x, a);
	}
	return 0;
}

/* ---- syscall programs ---- */

/* The first iovec of an iovec transfer; the rest only if asked (xfer__tail). */
static __always_inline void iov__first(struct xfer *x, __u64 iov, __u32 cnt)
{
	struct iovec v;

	if (!cnt || bpf_probe_read_user(&v, sizeof(v), (void *)iov))
		return;
	x->first = (__u64)v.iov_base;
	x->first_len = v.iov_len < x->total ? (__u32)v.iov_len : (__u32)x->total;
	x->iov = iov;
	x->iovcnt = cnt;
}

/*
 * Socket transfers, from the sock:sock_send_length / sock_recv_length
 * tracepoints: they fire inside sock_sendmsg/sock_recvmsg, for sockets only,
 * in the context of the syscall that moved the bytes. No syscall tracepoint
 * is used at all, so the processes on the host keep their syscall fast path.
 * The fd and user buffer are the syscall's own arguments, still in the task's
 * saved user registers; the syscall number says which family (and excludes
 * io_uring, kernel threads and in-kernel senders). Cheapest rejects first.
 */
#if defined(__TARGET_ARCH_arm64)
#define NR_read 63
#define NR_write 64
#define NR_readv 65
#define NR_writev 66
#define NR_sendfile 71
#define NR_close 57
#define NR_sendto 206
#define NR_recvfrom 207
#define NR_shutdown 210
#define NR_sendmsg 211
#define NR_recvmsg 212
#define REGS_NR(r) ((r)->syscallno)
#define REGS_ARG0(r) ((r)->regs[0])
#define REGS_ARG1(r) ((r)->regs[1])
#define REGS_ARG2(r) ((r)->regs[2])
#else
#define NR_read 0
#define NR_write 1
#define NR_close 3
#define NR_readv 19
#define NR_writev 20
#define NR_sendfile 40
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_shutdown 48
#define REGS_NR(r) ((r)->orig_ax)
#define REGS_ARG0(r) ((r)->di)
#define REGS_ARG1(r) ((r)->si)
#define REGS_ARG2(r) ((r)->dx)
#endif
#define PF_KTHREAD 0x00200000
#define MSG_PEEK 2

/* kind of transfer of syscall nr in direction is_write, or -1 */
static __always_inline int io__kind(long nr, __u8 is_write)
{
	switch (nr) {
	case NR_read:
	case NR_recvfrom:
		return is_write ? -1 : IO_PLAIN;
	case NR_readv:
		return is_write ? -1 : IO_IOV;
	case NR_recvmsg:
		return is_write ? -1 : IO_MSG;
	case NR_write:
	case NR_sendto:
		return is_write ? IO_PLAIN : -1;
	case NR_writev:
		return is_write ? IO_IOV : -1;
	case NR_sendmsg:
		return is_write ? IO_MSG : -1;
	case NR_sendfile:
		return is_write ? IO_SENDFILE : -1;
	}
	return -1;
}

/* The current task, NULL for kernel threads (no user registers). */
static __always_inline struct task_struct *user__task(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return (t->flags & PF_KTHREAD) ? NULL : t;
}

/* bpf_get_current_pid_tgid() of t, read from the task (no helper call) */
static __always_inline __u64 task__id(const struct task_struct *t)
{
	return (__u64)(__u32)t->tgid << 32 | (__u32)t->pid;
}

/* The SSL call running on this thread, if any, learns its socket fd. */
static __always_inline bool ssl__claim(struct http_filter_conf *fc, __u64 id, __u32 fd)
{
	__u32 tid = (__u32)id;
	struct ssl_args *s;

	if (!fc || !fc->tls_active)
		return false;
	s = bpf_map_lookup_elem(&ssl_args, &tid);
	if (!s)
		return false;
	s->fd = fd;
	return true;
}

/* The TLS state of (tgid, fd) belongs to socket sk: a socket seen under an
 * fd whose state names another one means the fd was reused (the old
 * connection's close was not seen); state made by SSL_* before any socket
 * call adopts it. */
__noinline int tls__sock(__u32 tgid, __u32 fd, __u64 skp, __u64 id)
{
	struct conn_key k = { .tgid = tgid, .fd = fd };
	struct http_conn *c = bpf_map_lookup_elem(&tls_conns, &k);
	struct xfer x = {};

	if (c && c->sk == skp)
		return 0;
	if (c && !c->sk) {
		conn__fill(c, skp);
		return 0;
	}
	if (c) {
		x.id = id;
		x.now = bpf_ktime_get_ns();
		if (c->state == ST_RESP)
			conn__emit(c, &k, HL_HTTP_END_CLOSE, &x, NULL);
		else if (c->state == ST_REQ)
			bd__release(c, (__u32)id, NULL);
	}
	return conn__from_sk(&k, skp);
}

/* A socket with no connection state yet: the first bytes say whether one
 * starts (a request), or what the socket is. Returns the kind (K_*). */
__noinline int xfer__peek(const struct xfer *x)
{
	__u64 w = 0;	/* on the stack: see conn__data */
	__u32 n;

	if (!x || !x->first)
		return K_OTHER;
	n = x->first_len < 8 ? x->first_len : 8;
	CLAMP(n, 8);
	if (!n || bpf_probe_read_user(&w, n, (void *)x->first))
		return K_OTHER;
	return payload__kind(w, n);
}

/* The socket's address as a number, read from the tracepoint's first
 * argument: global functions take no kernel pointers, and the verifier
 * turns none into a number. Only on the rare paths (a new socket, TLS). */
static __always_inline __u64 sk__addr(void *ctx)
{
	__u64 a = 0;

	bpf_probe_read_kernel(&a, sizeof(a), ctx);
	return a;
}

/* the state of a socket with no connection yet; SKM_OFF when nothing to do */
static __always_inline struct sk_meta *meta__get(void *ctx, struct sock *sk)
{
	struct sk_meta *m = bpf_sk_storage_get(&sk_meta, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);

	if (!m) {
		drops__inc(HL_DROP_FULL_HTTP_CONNS);	/* no memory for the socket's storage */
		return NULL;
	}
	if (!(m->flags & SKM_SEEN))
		m->flags = SKM_SEEN | (sk__tcp(sk__addr(ctx)) ? 0 : SKM_OFF);
	return m;
}

/* 1 when the transfer belonged to an HTTP connection (other signals need not
 * look at it), else 0 */
static __always_inline int http__xfer(void *ctx, struct sock *sk, int ret, int flags, __u8 is_write)
{
	struct http_filter_conf *fc;
	struct task_struct *t;
	struct xfer x = {};
	struct conn_key k;
	struct http_conn *c;
	struct sk_meta *m = NULL;
	struct pt_regs *regs;
	__u64 id, buf;
	int kind;

	if (ret <= 0 || (!is_write && (flags & MSG_PEEK)))
		return 0;
	/* ids from the task itself: helper calls are what costs here */
	t = user__task();
	if (!t)
		return 0;
	k.tgid = (__u32)t->tgid;
	fc = filter__conf();
	if (!proc__allowed(k.tgid, fc))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(t);
	if (!regs)
		return 0;
	kind = io__kind(REGS_NR(regs), is_write);
	if (kind < 0)
		return 0;
	id = x.id = task__id(t);
	k.fd = (__u32)REGS_ARG0(regs);
	c = bpf_sk_storage_get(&sk_http, sk, NULL, 0);
	if (c) {
		if (c->flags & CF_TLS_SEEN) {
			/* plaintext turned TLS (a CONNECT tunnel): SSL_* reports */
			if (ssl__claim(fc, id, k.fd)) {
				tls__sock(k.tgid, k.fd, sk__addr(ctx), id);
				return 0;
			}
		} else if (c->flags & CF_OFF) {
			return 0;
		}
	} else {
		m = meta__get(ctx, sk);
		if (!m)
			return 0;
		if (m->flags & SKM_TLS) {
			if (ssl__claim(fc, id, k.fd)) {
				tls__sock(k.tgid, k.fd, sk__addr(ctx), id);
				return 0;	/* inside SSL_read/SSL_write: that call reports */
			}
		} else if (m->flags & SKM_OFF) {
			return 0;
		}
	}
	buf = REGS_ARG1(regs);
	x.total = (__u64)ret;
	x.is_write = is_write;
	switch (kind) {
	case IO_PLAIN:
		x.first = buf;
		x.first_len = (__u32)ret;
		if (ret >= 5)
			x.tail = buf + (__u64)ret - 5;
		break;
	case IO_IOV:
		iov__first(&x, buf, (__u32)REGS_ARG2(regs));
		break;
	case IO_MSG: {
		struct user_msghdr mh;

		if (bpf_probe_read_user(&mh, sizeof(mh), (void *)buf))
			return 0;
		iov__first(&x, (__u64)mh.msg_iov, (__u32)mh.msg_iovlen);
		break;
	}
	default:	/* sendfile: only the byte count */
		break;
	}
	if (m) {
		switch (xfer__peek(&x)) {
		case K_REQ:
		case K_REQ_HEAD:
			c = bpf_sk_storage_get(&sk_http, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
			if (!c) {
				drops__inc(HL_DROP_FULL_HTTP_CONNS);
				return 0;
			}
			conn__fill(c, sk__addr(ctx));
			break;
		case K_TLS:
			m->flags |= SKM_TLS;	/* ciphertext: the SSL uprobes see this */
			if (ssl__claim(fc, id, k.fd))
				tls__sock(k.tgid, k.fd, sk__addr(ctx), id);
			return 0;
		case K_H2:
			m->flags |= SKM_OFF;
			stat__inc(HL_HTTP_ST_HTTP2);
			return 0;
		case K_RESP:
			stat__inc(HL_HTTP_ST_ORPHAN_RESP);
			return 0;
		default:
			if (++m->misses >= MAX_MISSES) {
				m->flags |= SKM_OFF;
				stat__inc(HL_HTTP_ST_NOT_HTTP);
			}
			return 0;
		}
	}
	x.now = bpf_ktime_get_ns();
	if (conn__data(c, &k, &x) == 2 && ssl__claim(fc, id, k.fd))
		tls__sock(k.tgid, k.fd, sk__addr(ctx), id);	/* first TLS record met inside SSL_* */
	return 1;	/* an HTTP connection's transfer: no other protocol to look for */
}

/* The connection is closing: a response still being written ends here
 * (close-delimited bodies), an unanswered request is counted. x: the time,
 * and the caller (the closing process, or the connection's own when the
 * close comes from elsewhere: a reset in softirq). */
__noinline int conn__close(struct http_conn *c, struct conn_key *k, const struct xfer *x)
{
	if (!c || !k || !x)
		return 0;
	if (c->state == ST_RESP) {
		conn__emit(c, k, HL_HTTP_END_CLOSE, x, NULL);
	} else if (c->state == ST_REQ) {
		stat__inc(HL_HTTP_ST_INCOMPLETE);
		bd__release(c, x->foreign ? 0 : (__u32)x->id, NULL);
	}
	return 0;
}

/* TLS state (keyed by fd): only the closing syscall names the fd */
static __always_inline void tls__close(__u64 sk)
{
	struct xfer x = {};
	struct task_struct *t;
	struct conn_key k;
	struct http_conn *c;
	struct pt_regs *regs;
	long nr;

	t = user__task();
	if (!t)
		return;
	regs = (struct pt_regs *)bpf_task_pt_regs(t);
	if (!regs)
		return;
	nr = REGS_NR(regs);
	if (nr != NR_close && nr != NR_shutdown)
		return;
	k.tgid = (__u32)t->tgid;
	k.fd = (__u32)REGS_ARG0(regs);
	c = bpf_map_lookup_elem(&tls_conns, &k);
	if (!c || c->sk != sk)
		return;
	x.id = task__id(t);
	x.now = bpf_ktime_get_ns();
	conn__close(c, &k, &x);
	bpf_map_delete_elem(&tls_conns, &k);
}

/*
 * close()/shutdown() of a TCP socket moves it to FIN_WAIT1 or LAST_ACK, a
 * reset or the end of a close to CLOSE: the connection's state goes.
 */
static __always_inline int http__state(void *ctx, struct sock *sk, int newstate)
{
	struct http_conn *c;
	struct sk_meta *m;
	bool tls;

	if (newstate != 4 /* FIN_WAIT1 */ && newstate != 9 /* LAST_ACK */ && newstate != 7 /* CLOSE */)
		return 0;
	c = bpf_sk_storage_get(&sk_http, sk, NULL, 0);
	if (c) {
		struct conn_key k = { .tgid = (__u32)(c->id >> 32), .fd = c->fd };
		struct xfer x = { .id = c->id };
		__u64 cur = bpf_get_current_pid_tgid();

		if (cur >> 32 == c->id >> 32)
			x.id = cur;	/* the closing thread of the process */
		else
			x.foreign = 1;	/* a reset in softirq, or another process */
		x.now = bpf_ktime_get_ns();
		tls = c->flags & CF_TLS_SEEN;
		conn__close(c, &k, &x);
		bpf_sk_storage_delete(&sk_http, sk);
	} else {
		m = bpf_sk_storage_get(&sk_meta, sk, NULL, 0);
		tls = m && (m->flags & SKM_TLS);
	}
	if (tls)
		tls__close(sk__addr(ctx));
	return 0;
}

/* exec replaces the program: the filter's verdict (comm) must be redone */
SEC("tp/sched/sched_process_exec")
int http_exec(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	bpf_map_delete_elem(&filter_cache, &tgid);
	return 0;
}

/*
 * A process that is gone takes its verdict along: the cache is keyed by tgid,
 * and a later process given the same pid (fork without exec: a pre-fork
 * server's worker) would otherwise inherit it until the next filter change.
 * Once per process, by the last thread out (signal->live has reached 0 when
 * this tracepoint fires, as cpu.bpf.c counts on too); nothing of the dying
 * process can decide again afterwards (no send, receive or SSL call is left),
 * and its pid is free for reuse only after this.
 */
SEC("tp/sched/sched_process_exit")
int http_exit(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 tgid = t->tgid;

	if (t->signal->live.counter != 0)
		return 0;
	bpf_map_delete_elem(&filter_cache, &tgid);
	return 0;
}

/*
 * A plaintext response is over when the next request comes, at close, or
 * here: pm_http runs this iterator over the host's TCP sockets when a
 * response that started two or more slots ago is still open (http_pending), and a
 * connection whose response has had no bytes for targ_idle_ns leaves its
 * record (so one that then stays open idle still reaches the feed in
 * time). A response that pauses longer than that mid-body is cut there
 * (its later bytes are not counted). (An iterator over the sk_http map's
 * elements would visit only HTTP sockets; this kernel refuses to load one
 * that calls bpf_sk_storage_get, EPERM.)
 */
const volatile __u64 targ_idle_ns = 250000000;

SEC("iter/tcp")
int http_idle(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct xfer x = { .foreign = 1 };
	struct http_conn *c;
	struct tcp_sock *tp;
	struct conn_key k;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	c = bpf_sk_storage_get(&sk_http, (struct sock *)tp, NULL, 0);
	if (!c || c->state != ST_RESP)
		return 0;
	x.now = bpf_ktime_get_ns();
	if (x.now < c->last_resp_ns + targ_idle_ns)
		return 0;
	x.id = c->id;
	k.tgid = (__u32)(c->id >> 32);
	k.fd = c->fd;
	conn__emit(c, &k, HL_HTTP_END_IDLE, &x, NULL);
	return 0;
}

/* ---- OpenSSL (attached per libssl by user space) ---- */

static __always_inline int ssl__enter(void *ssl, const void *buf, void *lenp, __u8 is_write,
				      __u8 ex)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ssl_args a = {
		.ssl = (__u64)ssl, .buf = (__u64)buf, .lenp = (__u64)lenp,
		.fd = -1, .is_write = is_write, .ex = ex,
	};

	if (!proc__allowed(id >> 32, filter__conf()))
		return 0;
	a.ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&ssl_args, (__u32 *)&id, &a, BPF_ANY);
	return 0;
}

static __always_inline int ssl__exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid(), n = 0;
	__u32 tid = (__u32)id;
	struct xfer x = {};
	struct ssl_args *a = bpf_map_lookup_elem(&ssl_args, &tid);
	struct conn_key k = { .tgid = id >> 32 };
	struct ssl_key sk = {};
	struct http_conn *c;
	__u32 *fdp;

	if (!a)
		return 0;
	if (a->ex) {
		if (ret != 1 || !a->lenp || bpf_probe_read_user(&n, sizeof(n), (void *)a->lenp))
			goto out;
	} else {
		if (ret <= 0)
			goto out;
		n = (__u64)ret;
	}
	sk.ssl = a->ssl;
	sk.tgid = k.tgid;
	if (a->fd >= 0) {
		k.fd = (__u32)a->fd;
		bpf_map_update_elem(&ssl_fds, &sk, &k.fd, BPF_ANY);
	} else {
		fdp = bpf_map_lookup_elem(&ssl_fds, &sk);
		if (fdp) {
			k.fd = *fdp;
		} else {
			k.fd = PSEUDO_FD | ((__u32)(a->ssl >> 4) & (PSEUDO_FD - 1));
			stat__inc(HL_HTTP_ST_TLS_NOFD);
		}
	}
	c = bpf_map_lookup_elem(&tls_conns, &k);
	if (!c) {
		c = map__insert(&tls_conns, &k, &conn_zero, HL_DROP_FULL_HTTP_CONNS);
		if (!c)
			goto out;
	}
	c->flags |= CF_TLS_SEEN;
	x.first = a->buf;
	x.first_len = (__u32)n;
	x.total = n;
	x.tail = n >= 5 ? a->buf + n - 5 : 0;
	x.ts_enter = a->ts;
	x.id = id;
	x.now = bpf_ktime_get_ns();
	x.is_write = a->is_write;
	x.tls = 1;
	conn__data(c, &k, &x);
out:
	bpf_map_delete_elem(&ssl_args, &tid);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(http_ssl_write, void *ssl, const void *buf, int num)
{
	return ssl__enter(ssl, buf, NULL, 1, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(http_ssl_write_ret, int ret)
{
	return ssl__exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(http_ssl_read, void *ssl, void *buf, int num)
{
	return ssl__enter(ssl, buf, NULL, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(http_ssl_read_ret, int ret)
{
	return ssl__exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(http_ssl_write_ex, void *ssl, const void *buf, size_t num, size_t *written)
{
	return ssl__enter(ssl, buf, written, 1, 1);
}

SEC("uretprobe")
int BPF_KRETPROBE(http_ssl_write_ex_ret, int ret)
{
	return ssl__exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(http_ssl_read_ex, void *ssl, void *buf, size_t num, size_t *readbytes)
{
	return ssl__enter(ssl, buf, readbytes, 0, 1);
}

SEC("uretprobe")
int BPF_KRETPROBE(http_ssl_read_ex_ret, int ret)
{
	return ssl__exit(ret);
}


_Static_assert(__builtin_offsetof(struct http_conn, req_head) % 8 == 0 &&
	       __builtin_offsetof(struct http_conn, resp_head) % 8 == 0,
	       "http_conn heads are copied in 8-byte words");
_Static_assert(__builtin_offsetof(struct ev_http, req_head) % 8 == 0 &&
	       __builtin_offsetof(struct ev_http, resp_head) % 8 == 0,
	       "ev_http heads are copied in 8-byte words");
_Static_assert(sizeof(struct ev_http) % 8 == 0, "ev_http stays 8-byte aligned");

#endif
