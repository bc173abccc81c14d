/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Database signal (part of bpf/sock/sock.bpf.c, which owns the socket hooks
 * and calls db__xfer and db__state from them): PostgreSQL, MySQL/MariaDB
 * and Redis operations paired request -> response on each connection, seen
 * from the process that makes them (client) and from a server on the host.
 *
 * - A protocol here is a classifier and a pairing rule, not a program: the
 *   first bytes a connection moves say what it is, once (PostgreSQL
 *   StartupMessage / SSLRequest / GSSENCRequest by length and code, or a
 *   Query / Parse message for a connection older than the agent; MySQL's
 *   server greeting, protocol 10; a RESP array "*<n>\r\n"), and which end
 *   this process is. DB_MAX_MISSES payloads that are none of these and the
 *   socket is left alone.
 * - The verdict is one byte of the socket's sk_meta storage (the 4-byte
 *   verdict the HTTP part keeps for every socket, bpf/http/http.bpf.h): a
 *   socket that is no database costs one storage lookup per call, and a
 *   database connection a second one, for its state in sk_db (created at
 *   the verdict, gone with the socket).
 * - Pairing, in order: IDLE/RESP -> REQ at the first request byte (client:
 *   written; server: read), REQ -> RESP at the first response byte, which
 *   emits one struct ev_db: latency = first response byte - first request
 *   byte, the request's first HL_DB_REQ_HEAD bytes (enough for a statement
 *   kind or a command name; user space parses them) and the response's
 *   first HL_DB_RESP_HEAD (the error marker). More request transfers before
 *   the response add to the head while it has room (a MySQL server reads a
 *   packet's header, then its payload) and are counted (nwrites, req_bytes):
 *   from the head's messages and the byte count user space tells a Redis,
 *   MySQL or PostgreSQL pipeline from one operation, and reports it as such,
 *   never as a single operation's latency. Response bytes with no request pending (a
 *   greeting, a pub/sub push) are counted, not paired.
 * - A connection that turns TLS (PostgreSQL after SSLRequest) is let go
 *   here and counted; it still counts as open. Its operations come from
 *   the OpenSSL uprobes (the http signal's, bpf/http/http_tls.bpf.h), which
 *   hand each plaintext to db__tls: classified on the first plaintext,
 *   paired the same way, state per (tgid, fd) in db_tls.
 * - Open and close of a database connection leave as ev_db flagged
 *   HL_DB_F_OPEN / HL_DB_F_CLOSE: user space keeps the open-connections
 *   gauge per server and per client process.
 * - Every lookup and ring reserve is checked; failures are counted in
 *   db_stats (HL_DB_ST_*), which user space shows.
 */
#ifndef HOSTLENS_DB_BPF_H
#define HOSTLENS_DB_BPF_H

#include "bpf/http/http.bpf.h" /* sk_meta, the process filter, transfer decoding */
#include "bpf/db/db.h"

/* the database signal is on (set by the loader) */
const volatile bool targ_db = true;

#define DBV_UNKNOWN 0
#define DBV_NO 1  /* not a database connection (or let go) */
#define DBV_YES 2 /* state in sk_db */
/* TLS only: a 4-byte read that looks like the header of a MySQL handshake
 * response (a server reads header and payload apart); the next read says */
#define DBV_MYSQL_HDR 3

#define DB_MAX_MISSES 4

#define DBS_IDLE 0
#define DBS_REQ 1
#define DBS_RESP 2
#define DBS_TLS 3 /* ciphertext: let go, kept for the open count */

struct db_conn {
	__u64 conn_id;
	__u64 id; /* pid_tgid of the request's first write/read */
	__u64 start_ns;
	__u64 req_bytes;
	__u16 nwrites;
	__u16 req_len;
	__u16 peer_port;
	__u16 local_port;
	__u8 system;
	__u8 role;
	__u8 family;
	__u8 state;
	__u8 pad[4];
	__u8 peer[16];
	__u8 local[16];
	char comm[HL_COMM_LEN];
	/* the request's first bytes, gathered over its transfers while they fit
	 * (a MySQL server reads a packet's 4-byte header, then its payload); twice
	 * the size carried, so the verifier sees any append fit */
	__u8 req_head[2 * HL_DB_REQ_HEAD];
};

/* per socket: the database connection's state, from its verdict */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct db_conn);
} sk_db SEC(".maps");

/* TLS database connections per (tgid, fd), from the OpenSSL uprobes' plaintext;
 * sk: the socket, another one under the fd = a new connection */
struct db_tls_conn {
	__u64 sk;
	struct db_conn c;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct conn_key);
	__type(value, struct db_tls_conn);
} db_tls SEC(".maps");

static const struct db_tls_conn db_tls_zero;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HL_DB_ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} db_stats SEC(".maps");

static __always_inline void db_stat__inc(__u32 s)
{
	__u64 *c = bpf_map_lookup_elem(&db_stats, &s);

	if (c)
		*c += 1;
}

/*
 * What the first bytes w (little endian, n valid) moved in direction
 * is_write say: system | role << 8, or 0 when no database protocol.
 */
__noinline int db__classify(__u64 w, __u32 n, __u32 is_write)
{
	__u8 b0 = (__u8)w, b1 = (__u8)(w >> 8), b2 = (__u8)(w >> 16), b3 = (__u8)(w >> 24);
	__u8 b4 = (__u8)(w >> 32), b5 = (__u8)(w >> 40);
	__u32 be0 = (__u32)b0 << 24 | (__u32)b1 << 16 | (__u32)b2 << 8 | b3;
	__u32 be1 = (__u32)b4 << 24 | (__u32)b5 << 16 | (__u32)(__u8)(w >> 48) << 8 |
		    (__u8)(w >> 56);
	__u32 mylen = (__u32)b0 | (__u32)b1 << 8 | (__u32)b2 << 16;
	__u32 client = is_write ? HL_DB_CLIENT : HL_DB_SERVER;
	__u32 server = is_write ? HL_DB_SERVER : HL_DB_CLIENT;

	/* StartupMessage (3.0), SSLRequest, GSSENCRequest, CancelRequest */
	if (n >= 8 && be0 >= 8 && be0 <= 10240 &&
	    (be1 == 0x00030000 || be1 == 80877103 || be1 == 80877104 || be1 == 80877102))
		return HL_DB_POSTGRES | client << 8;
	/* RESP array: "*<digit>" */
	if (n >= 4 && b0 == '*' && b1 >= '1' && b1 <= '9' &&
	    (b2 == '\r' || (b2 >= '0' && b2 <= '9')))
		return HL_DB_REDIS | client << 8;
	/* MySQL server greeting: length, sequence 0, protocol 10, version digit */
	if (n >= 6 && b3 == 0 && b4 == 0x0a && mylen >= 30 && mylen <= 1024 && b5 >= '1' &&
	    b5 <= '9')
		return HL_DB_MYSQL | server << 8;
	/* a PostgreSQL connection older than the agent: a Query or Parse */
	if (n >= 6 && (b0 == 'Q' || b0 == 'P')) {
		__u32 len = (__u32)b1 << 24 | (__u32)b2 << 16 | (__u32)b3 << 8 | b4;

		if (len >= 5 && len < (1u << 20) && b5 >= 0x20 && b5 < 0x7f)
			return HL_DB_POSTGRES | client << 8;
		if (b0 == 'P' && len >= 6 && len < (1u << 20))
			return HL_DB_POSTGRES | client << 8; /* unnamed statement: "\0" first */
	}
	return 0;
}

/* The connection's two ends, from its socket (skp: struct sock *). */
__noinline int db__conn_init(struct db_conn *c, __u64 skp)
{
	struct sock *sk = (struct sock *)skp;
	__u16 family;

	if (!c || !sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	c->family = (__u8)family;
	c->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	c->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (family == AF_INET) {
		bpf_core_read(c->peer, 4, &sk->__sk_common.skc_daddr);
		bpf_core_read(c->local, 4, &sk->__sk_common.skc_rcv_saddr);
	} else {
		bpf_core_read(c->peer, 16, &sk->__sk_common.skc_v6_daddr);
		bpf_core_read(c->local, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	}
	c->conn_id = bpf_ktime_get_ns() ^ ((__u64)bpf_get_smp_processor_id() << 54);
	return 1;
}

/* One transfer of a database connection, as db__data sees it. */
struct db_io {
	__u64 first; /* user address of the first contiguous piece, 0 none */
	__u64 total; /* bytes moved */
	__u64 id;
	__u64 now;
	__u32 first_len;
	__u32 is_write;
};

__noinline int db__emit(struct db_conn *c, const struct db_io *io)
{
	struct ev_db *e;
	__u64 wake;
	__u32 n;

	if (!c || !io)
		return 0;
	e = rb__reserve(sizeof(*e), &wake);
	if (!e)
		return 0;
	hdr__fill_at(&e->h, HL_EV_DB_OP, sizeof(*e), c->id, io->now);
	e->conn_id = c->conn_id;
	e->start_ns = c->start_ns;
	e->latency_ns = io->now - c->start_ns;
	e->req_bytes = c->req_bytes;
	e->system = c->system;
	e->role = c->role;
	e->family = c->family;
	e->flags = c->nwrites > 1 ? HL_DB_F_MULTI : 0;
	e->peer_port = c->peer_port;
	e->local_port = c->local_port;
	e->req_len = c->req_len;
	e->nwrites = c->nwrites;
	e->pad = 0;
	__builtin_memcpy(e->peer_addr, c->peer, sizeof(e->peer_addr));
	__builtin_memcpy(e->local_addr, c->local, sizeof(e->local_addr));
	__builtin_memcpy(e->comm, c->comm, sizeof(e->comm));
	__builtin_memcpy(e->req_head, c->req_head,
			 sizeof(e->req_head)); /* the first HL_DB_REQ_HEAD */
	n = io->first_len < HL_DB_RESP_HEAD ? io->first_len : HL_DB_RESP_HEAD;
	CLAMP(n, HL_DB_RESP_HEAD);
	if (!io->first || bpf_probe_read_user(e->resp_head, n, (void *)io->first))
		n = 0;
	e->resp_len = (__u16)n;
	rb__submit(e, wake);
	db_stat__inc(HL_DB_ST_OPS);
	return 1;
}

/* A connection's open (classified) or close, for the open-connections
 * gauge: an ev_db with no request, flagged HL_DB_F_OPEN / HL_DB_F_CLOSE. */
__noinline int db__mark(struct db_conn *c, __u32 flag, __u64 now)
{
	struct ev_db *e;
	__u64 wake;

	if (!c)
		return 0;
	e = rb__reserve(sizeof(*e), &wake);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	hdr__fill_at(&e->h, HL_EV_DB_OP, sizeof(*e), c->id, now);
	e->conn_id = c->conn_id;
	e->system = c->system;
	e->role = c->role;
	e->family = c->family;
	e->flags = (__u8)flag;
	e->peer_port = c->peer_port;
	e->local_port = c->local_port;
	__builtin_memcpy(e->peer_addr, c->peer, sizeof(e->peer_addr));
	__builtin_memcpy(e->local_addr, c->local, sizeof(e->local_addr));
	__builtin_memcpy(e->comm, c->comm, sizeof(e->comm));
	rb__submit(e, wake);
	return 1;
}

/* The pairing state machine; 1 when the connection turned TLS (let go). */
__noinline int db__data(struct db_conn *c, const struct db_io *io)
{
	bool reqdir;
	__u32 n;

	if (!c || !io || c->state == DBS_TLS)
		return 0;
	reqdir = c->role == HL_DB_CLIENT ? io->is_write : !io->is_write;
	if (reqdir) {
		if (c->state == DBS_REQ) {
			__u32 off = c->req_len;

			c->nwrites++;
			c->req_bytes += io->total;
			if (off >= HL_DB_REQ_HEAD || !io->first)
				return 0;
			n = io->first_len < HL_DB_REQ_HEAD - off ? io->first_len :
								   HL_DB_REQ_HEAD - off;
			CLAMP(n, HL_DB_REQ_HEAD);
			off &= HL_DB_REQ_HEAD - 1;
			if (bpf_probe_read_user(c->req_head + off, n, (void *)io->first))
				return 0;
			c->req_len = (__u16)(off + n);
			/* a TLS record right after the request (MySQL's SSL request
			 * packet gets no answer: the ClientHello follows) */
			if (n >= 3 && c->req_head[off] == 0x16 &&
			    c->req_head[(off + 1) & (2 * HL_DB_REQ_HEAD - 1)] == 0x03)
				return 1;
			return 0;
		}
		c->state = DBS_REQ;
		c->id = io->id;
		c->start_ns = io->now;
		c->req_bytes = io->total;
		c->nwrites = 1;
		bpf_get_current_comm(c->comm, sizeof(c->comm));
		n = io->first_len < HL_DB_REQ_HEAD ? io->first_len : HL_DB_REQ_HEAD;
		CLAMP(n, HL_DB_REQ_HEAD);
		if (!io->first || bpf_probe_read_user(c->req_head, n, (void *)io->first))
			n = 0;
		c->req_len = (__u16)n;
		/* a TLS record (ClientHello after SSLRequest): ciphertext from here */
		if (n >= 3 && c->req_head[0] == 0x16 && c->req_head[1] == 0x03)
			return 1;
		return 0;
	}
	if (c->state != DBS_REQ) {
		if (c->state == DBS_IDLE)
			db_stat__inc(HL_DB_ST_ORPHAN_RESP);
		return 0;
	}
	c->state = DBS_RESP;
	db__emit(c, io);
	return 0;
}

/* the first user bytes of a transfer of kind (IO_*) with arguments regs */
static __always_inline void db__buf(struct pt_regs *regs, int kind, int ret, struct db_io *io)
{
	__u64 buf = REGS_ARG1(regs);
	struct xfer x = {};

	x.total = (__u64)ret;
	switch (kind) {
	case IO_PLAIN:
		io->first = buf;
		io->first_len = (__u32)ret;
		return;
	case IO_IOV:
		iov__first(&x, buf, (__u32)REGS_ARG2(regs));
		break;
	case IO_MSG: {
		struct user_msghdr mh;

		if (bpf_probe_read_user(&mh, sizeof(mh), (void *)buf))
			return;
		iov__first(&x, (__u64)mh.msg_iov, (__u32)mh.msg_iovlen);
		break;
	}
	default: /* sendfile: no bytes to look at */
		return;
	}
	io->first = x.first;
	io->first_len = x.first_len;
}

/* A new socket's first payloads: a database connection starts, or not. */
__noinline int db__verdict(const struct db_io *io)
{
	__u64 w = 0;
	__u32 n;

	if (!io || !io->first)
		return 0;
	n = io->first_len < 8 ? io->first_len : 8;
	CLAMP(n, 8);
	if (!n || bpf_probe_read_user(&w, n, (void *)io->first))
		return 0;
	return db__classify(w, n, io->is_write);
}

/* A TLS database connection's record moved inside SSL_read/SSL_write: that
 * call's fd and socket (bpf/http/http_sock.bpf.h's hand-off). */
static __always_inline void db__tls_claim(void *ctx, struct task_struct *t)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
	__u64 id = task__id(t);
	__u32 fd;

	if (!regs)
		return;
	fd = (__u32)REGS_ARG0(regs);
	tls__handoff(ctx, filter__conf(), id, fd);
}

static __always_inline int db__xfer(void *ctx, struct sock *sk, int ret, int flags, __u8 is_write)
{
	struct task_struct *t;
	struct pt_regs *regs;
	struct db_io io = {};
	struct db_conn *c;
	struct sk_meta *m;
	int kind, v;

	if (ret <= 0 || (!is_write && (flags & MSG_PEEK)))
		return 0;
	/* the verdict: the only cost for a socket that is no database */
	m = bpf_sk_storage_get(&sk_meta, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (!m) {
		db_stat__inc(HL_DB_ST_NO_STORAGE);
		return 0;
	}
	if (m->db == DBV_NO)
		return 0;
	t = user__task();
	if (!t)
		return 0;
	c = NULL;
	if (m->db == DBV_UNKNOWN) {
		/* once per socket: not TCP, nothing more to look at */
		if (!sk__tcp(sk__addr(ctx))) {
			m->db = DBV_NO;
			return 0;
		}
		if (!proc__allowed(t, (__u32)t->tgid, filter__conf()))
			return 0;
	} else {
		c = bpf_sk_storage_get(&sk_db, sk, NULL, 0);
		if (!c)
			return 0;
		if (c->state == DBS_TLS) {
			/* ciphertext: the SSL uprobes report (db__tls); with HTTP
			 * capture off, this hands them the socket (http__xfer does
			 * it otherwise) */
			if (!targ_http)
				db__tls_claim(ctx, t);
			return 0;
		}
	}
	regs = (struct pt_regs *)bpf_task_pt_regs(t);
	if (!regs)
		return 0;
	kind = io__kind(REGS_NR(regs), is_write);
	if (kind < 0)
		return 0;
	io.total = (__u64)ret;
	io.is_write = is_write;
	io.id = task__id(t);
	db__buf(regs, kind, ret, &io);
	if (!c) {
		v = db__verdict(&io);
		if (!v) {
			if (++m->db_misses >= DB_MAX_MISSES) {
				m->db = DBV_NO;
				db_stat__inc(HL_DB_ST_UNCLASSIFIED);
			}
			return 0;
		}
		c = bpf_sk_storage_get(&sk_db, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
		if (!c) {
			db_stat__inc(HL_DB_ST_NO_STORAGE);
			return 0;
		}
		db__conn_init(c, sk__addr(ctx));
		c->system = (__u8)v;
		c->role = (__u8)(v >> 8);
		c->id = io.id;
		bpf_get_current_comm(c->comm, sizeof(c->comm));
		m->db = DBV_YES;
		db_stat__inc(HL_DB_ST_CONNS);
		db__mark(c, HL_DB_F_OPEN, bpf_ktime_get_ns());
	}
	io.now = is_write ? sk__sent_at(sk) : bpf_ktime_get_ns(); /* TCP: see sk__tcp above */
	if (db__data(c, &io)) {
		c->state = DBS_TLS; /* still counted open until it closes */
		db_stat__inc(HL_DB_ST_TLS);
	}
	return 0;
}

/* MySQL over TLS: the greeting and the SSL request went in plaintext on the
 * socket; the first plaintext inside TLS is the client's handshake response,
 * sequence 2, capabilities with CLIENT_PROTOCOL_41 (0x200) and CLIENT_SSL
 * (0x800). system | role << 8, or 0. */
__noinline int db__tls_mysql(const struct db_io *io)
{
	__u8 b[8] = {};
	__u32 len;

	if (!io || !io->first || io->first_len < 8 ||
	    bpf_probe_read_user(b, sizeof(b), (void *)io->first))
		return 0;
	len = (__u32)b[0] | (__u32)b[1] << 8 | (__u32)b[2] << 16;
	if (b[3] != 2 || len < 32 || len > 4096 || (b[5] & 0x0a) != 0x0a)
		return 0;
	return HL_DB_MYSQL | (io->is_write ? HL_DB_CLIENT : HL_DB_SERVER) << 8;
}

/* MySQL server over TLS, reading a packet's header and payload apart: a
 * 4-byte read of sequence 2 and a handshake response's length (1), then its
 * payload: capabilities with PROTOCOL_41 and SSL, 23 zero filler bytes from
 * offset 9 (2). 0 when neither. */
__noinline int db__tls_mysql_split(const struct db_io *io, __u8 pending)
{
	__u8 b[32] = {};
	__u64 filler = 0;
	__u32 len, i;

	if (!io || !io->first || io->is_write)
		return 0;
	if (!pending) {
		if (io->first_len != 4 || bpf_probe_read_user(b, 4, (void *)io->first))
			return 0;
		len = (__u32)b[0] | (__u32)b[1] << 8 | (__u32)b[2] << 16;
		return b[3] == 2 && len >= 32 && len <= 4096 ? 1 : 0;
	}
	if (io->first_len < 32 || bpf_probe_read_user(b, sizeof(b), (void *)io->first))
		return 0;
	for (i = 9; i < 32; i++)
		filler |= b[i];
	return (b[1] & 0x0a) == 0x0a && !filler ? 2 : 0;
}

/*
 * TLS (called from the SSL_* uretprobes, bpf/http/http_tls.bpf.h, with the
 * HTTP part's state of (tgid, fd) and the plaintext moved): the first
 * plaintext of the connection says whether it is a database's (PostgreSQL's
 * StartupMessage after SSLRequest, a MySQL greeting, a RESP array), once,
 * in the HTTP state's db byte; then it is paired like a plaintext
 * connection, its state in db_tls. Its open and close are the socket's
 * (the connection was classified there before it turned TLS). 1 when the
 * plaintext was a database connection's.
 */
__noinline int db__tls(struct conn_key *k, struct http_conn *c, const struct xfer *x)
{
	struct db_tls_conn *t;
	struct db_io io = {};
	int v;

	if (!targ_db || !k || !c || !x || c->db == DBV_NO)
		return 0;
	io.first = x->first;
	io.first_len = x->first_len;
	io.total = x->total;
	io.id = x->id;
	io.now = x->now;
	io.is_write = x->is_write;
	t = bpf_map_lookup_elem(&db_tls, k);
	if (c->db == DBV_YES && t && t->sk == c->sk) {
		db__data(&t->c, &io);
		return 1;
	}
	if (c->flags & CF_HTTP_SEEN) {
		c->db = DBV_NO;
		return 0;
	}
	if (c->db == DBV_MYSQL_HDR) {
		if (db__tls_mysql_split(&io, 1) != 2) {
			c->db = DBV_NO;
			return 0;
		}
		/* the handshake response's payload: classified, no request (the
		 * next header read starts one) */
		v = HL_DB_MYSQL | HL_DB_SERVER << 8;
		goto classified;
	}
	v = db__verdict(&io);
	if (!v)
		v = db__tls_mysql(&io);
	if (!v && db__tls_mysql_split(&io, 0) == 1) {
		c->db = DBV_MYSQL_HDR;
		return 1;
	}
	if (!v) {
		c->db = DBV_NO;
		return 0;
	}
classified:
	if (bpf_map_update_elem(&db_tls, k, &db_tls_zero, BPF_ANY)) {
		db_stat__inc(HL_DB_ST_NO_STORAGE);
		return 0;
	}
	t = bpf_map_lookup_elem(&db_tls, k);
	if (!t)
		return 0;
	t->sk = c->sk;
	db__conn_init(&t->c, c->sk);
	t->c.system = (__u8)v;
	t->c.role = (__u8)(v >> 8);
	if (c->db != DBV_MYSQL_HDR)
		db__data(&t->c, &io);
	c->db = DBV_YES;
	return 1;
}

/* A closing connection: a request still unanswered is counted, the state goes. */
static __always_inline int db__state(void *ctx, struct sock *sk, int newstate)
{
	struct db_conn *c;
	struct sk_meta *m;

	if (newstate != 4 /* FIN_WAIT1 */ && newstate != 9 /* LAST_ACK */ &&
	    newstate != 7 /* CLOSE */)
		return 0;
	m = bpf_sk_storage_get(&sk_meta, sk, NULL, 0);
	if (!m || m->db != DBV_YES)
		return 0;
	c = bpf_sk_storage_get(&sk_db, sk, NULL, 0);
	/* a request still pending, unless it was the goodbye that has no answer
	 * (PostgreSQL Terminate 'X', MySQL COM_QUIT, Redis QUIT is answered) */
	if (c && c->state == DBS_REQ &&
	    !(c->system == HL_DB_POSTGRES && c->req_len && c->req_head[0] == 'X') &&
	    !(c->system == HL_DB_MYSQL && c->req_len >= 5 && c->req_head[4] == 0x01))
		db_stat__inc(HL_DB_ST_UNANSWERED);
	db__mark(c, HL_DB_F_CLOSE, bpf_ktime_get_ns());
	m->db = DBV_NO;
	bpf_sk_storage_delete(&sk_db, sk);
	return 0;
}

#endif
