/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* HTTP signal, the per-connection state machine: request, response, its end.
 * Part of bpf/http/http.bpf.h, which includes its parts in order. */
#ifndef HOSTLENS_HTTP_CONN_BPF_H
#define HOSTLENS_HTTP_CONN_BPF_H

/* ---- per-connection state machine ---- */

/* Copies words 8-byte words between 8-aligned buffers (no helper call). */
#define COPY_WORDS(dst, src, words)                                                            \
	do {                                                                                   \
		__u64 *__d = (__u64 *)(void *)(dst);                                           \
		const __u64 *__s = (const __u64 *)(const void *)(src);                         \
		_Pragma("unroll") for (int __i = 0; __i < (words); __i++) __d[__i] = __s[__i]; \
	} while (0)

/* Set at load from a random value: a peer cannot pick two heads of one hash. */
const volatile __u64 targ_head_seed = 0;

/* Copies a request head's first len bytes, in whole 8-byte words, from src
 * to dst and returns their hash (by words, the last one masked to len): one
 * pass, and only the words the head has (a 50-byte request moves 7 words,
 * not HL_HTTP_REQ_HEAD / 8). */
static __always_inline __u64 head__take(__u64 *dst, const __u64 *src, __u32 len)
{
	__u64 h = 0xcbf29ce484222325ull ^ targ_head_seed ^ len;

	for (__u32 i = 0; i < HL_HTTP_REQ_HEAD / 8; i++) {
		__u64 v;

		if (i * 8 >= len)
			break;
		v = src[i];
		dst[i] = v;
		if (len - i * 8 < 8)
			v &= (1ull << ((len - i * 8) * 8)) - 1;
		h = (h ^ v) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

/* Puts into this CPU's ring what the ev_http of c names and user space was
 * not sent on this CPU yet: the request head's bytes, the process's name.
 * The connection remembers the last check (its CPU, hash and heads_gen):
 * a keep-alive connection repeating a request skips both lookups. */
static __always_inline void conn__name(struct http_conn *c, const struct xfer *x)
{
	__u32 cpu = bpf_get_smp_processor_id(), gen = heads_gen;
	struct proc_key pk = { .tgid = (__u32)(c->id >> 32), .start_ns = c->proc_start };
	__u64 hash = c->head_hash, wake;
	struct ev_http_head *hd;
	struct ev_http_proc *pr;
	__u8 one = 1, *sent;

	if (c->sent_hash == hash && c->sent_gen == gen && c->sent_cpu == cpu)
		return;
	sent = bpf_map_lookup_elem(&http_procs, &pk);
	if (!sent || !*sent) {
		pr = rb__reserve(sizeof(*pr), &wake);
		if (!pr)
			return;
		hdr__fill_at(&pr->h, HL_EV_HTTP_PROC, sizeof(*pr), c->id, x->now);
		__builtin_memcpy(pr->comm, c->comm, sizeof(pr->comm));
		rb__submit(pr, wake);
		if (sent)
			*sent = 1;
		else
			bpf_map_update_elem(&http_procs, &pk, &one, BPF_ANY);
	}
	sent = bpf_map_lookup_elem(&http_heads, &hash);
	if (!sent || !*sent) {
		hd = rb__reserve(sizeof(*hd), &wake);
		if (!hd)
			return;
		hdr__fill_at(&hd->h, HL_EV_HTTP_HEAD, sizeof(*hd), c->id, x->now);
		hd->head_hash = hash;
		hd->len = c->req_len;
		*(__u32 *)hd->pad = 0;
		*(__u16 *)(hd->pad + 4) = 0;
		COPY_WORDS(hd->head, c->req_head, HL_HTTP_REQ_HEAD / 8);
		rb__submit(hd, wake);
		if (sent)
			*sent = 1;
		else
			bpf_map_update_elem(&http_heads, &hash, &one, BPF_ANY);
	}
	c->sent_hash = hash;
	c->sent_gen = gen;
	c->sent_cpu = (__u16)cpu;
}

/* A breakdown part in HL_BD_SHIFT units, saturating at 32 bits. */
static __always_inline __u32 bd__units(__u64 ns)
{
	ns >>= HL_BD_SHIFT;
	return ns > 0xffffffffull ? 0xffffffffu : (__u32)ns;
}

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
	conn__name(c, x);
	e = rb__reserve(sizeof(*e), &wake);
	if (!e)
		return 0;
	/* the request's process and cgroup (an end seen at close or by the idle
	 * walk runs in another task) */
	hdr__fill_cg(&e->h, HL_EV_HTTP_REQ, sizeof(*e), x->id, x->now, c->cgroup_id);
	e->start_ns = c->start_ns;
	e->latency_ns = end > c->start_ns ? end - c->start_ns : 0;
	e->bytes_in = c->bytes_in;
	e->bytes_out = c->bytes_out;
	e->head_hash = c->head_hash;
	e->direction = c->role == ROLE_SERVER ? HL_HTTP_INBOUND : HL_HTTP_OUTBOUND;
	e->tls = c->tls;
	e->family = c->family;
	e->end_by = end_by;
	e->status = c->status;
	e->peer_port = c->peer_port;
	e->req_len = c->req_len;
	__builtin_memcpy(e->peer_addr, c->peer, sizeof(e->peer_addr));
	e->bd_tid = c->bd_tid;
	e->bd_flags = c->role == ROLE_SERVER ? c->bd_flags & ~BD_RELEASED : 0;
	e->pad = 0;
	e->bd_oncpu = bd__units(c->bd_d[0]);
	e->bd_runq = bd__units(c->bd_d[1]);
	e->bd_io = bd__units(c->bd_d[2]);
	e->bd_other = bd__units(c->bd_d[3]);
	e->bd_downstream = bd__units(c->bd_d[4]);
	e->bd_io_bytes = c->bd_d[5] > 0xffffffffull ? 0xffffffffu : (__u32)c->bd_d[5];
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
	/* "HTTP/1.x NNN": a status only when three digits and a space */
	if (sc->b[9] >= '0' && sc->b[9] <= '9' && sc->b[10] >= '0' && sc->b[10] <= '9' &&
	    sc->b[11] >= '0' && sc->b[11] <= '9' && (n == 12 || sc->b[12] == ' '))
		c->status = (__u16)((sc->b[9] - '0') * 100 + (sc->b[10] - '0') * 10 +
				    (sc->b[11] - '0'));
	else
		c->status = 0;
	if (c->status >= 100 && c->status < 200)
		return 0; /* interim (100 Continue): the real response follows */
	c->state = ST_RESP;
	c->first_resp_ns = c->last_resp_ns;
	c->resp_left = 0;
	if (!x->tls) {
		pending__add(c, 1, x->now); /* ends at next request, close or idle */
		return 0;
	}
	s.n = n;
	head__scan(&s);
	nobody = (c->flags & CF_HEAD_REQ) || c->status == 204 || c->status == 304;
	c->resp_left = 0;
	if (s.hdr_end < 0)
		return 0; /* head longer than we scan: ends at next request / close */
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

/* A request starts on c: its first n bytes are in sc (head: a HEAD request).
 * a: the thread's accounting if already looked up, else NULL. */
static __always_inline void req__start(struct http_conn *c, const struct conn_key *k,
				       const struct xfer *x, const struct scratch *sc, __u32 n,
				       bool head, struct thread_acct *a)
{
	c->state = ST_REQ;
	/* the process's name, start and cgroup, read at the connection's first
	 * request and when another process makes one on it:
	 * bpf_get_current_comm (strscpy and padding) was ~7 % of the BPF time
	 * per request, the cgroup ~1 % */
	if ((__u32)(c->id >> 32) != (__u32)(x->id >> 32) || !c->proc_start) {
		bpf_get_current_comm(c->comm, sizeof(c->comm));
		c->proc_start = bpf_get_current_task_btf()->group_leader->start_time;
		c->cgroup_id = bpf_get_current_cgroup_id();
	}
	c->id = x->id;
	c->fd = k->fd;
	c->start_ns = c->role == ROLE_CLIENT && x->ts_enter ? x->ts_enter : x->now;
	if (c->role == ROLE_SERVER)
		bd__start(c, x, a);
	else
		c->bd_flags = 0;
	c->bytes_in = x->is_write ? 0 : x->total;
	c->bytes_out = x->is_write ? x->total : 0;
	c->status = 0;
	c->resp_left = 0;
	c->tls = (__u8)x->tls;
	c->misses = 0;
	c->flags |= CF_HTTP_SEEN;
	c->flags &= ~(CF_HEAD_REQ | CF_TAIL);
	if (head)
		c->flags |= CF_HEAD_REQ;
	c->req_len = (__u16)(n < HL_HTTP_REQ_HEAD ? n : HL_HTTP_REQ_HEAD);
	c->head_hash = head__take((__u64 *)(void *)c->req_head, (const __u64 *)(const void *)sc->b,
				  c->req_len);
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
		want = c->state == ST_REQ	   ? (tls ? SCAN_BYTES : STATUS_BYTES) :
		       c->state == ST_IDLE || !tls ? 8 :
						     0; /* plaintext: a second response? */
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
		c->flags |= CF_TLS_SEEN; /* ciphertext: the SSL uprobes see this */
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
			/* keep-alive: the thread that answered the last request
			 * usually reads the next; its accounting, looked up
			 * once, serves the release and the start */
			if (targ_breakdown && c->role == ROLE_SERVER && !x->foreign &&
			    c->bd_tid == (__u32)x->id)
				a = thread__current();
			conn__emit(c, k, HL_HTTP_END_NEXT, x, a);
		} else if (c->state == ST_REQ) {
			/* a second request before the first was answered */
			bd__release(c, (__u32)x->id, NULL);
			c->flags |= CF_OFF;
			c->state = ST_IDLE;
			stat__inc(HL_HTTP_ST_PIPELINED);
			return 0;
		}
		req__start(c, k, x, sc, n, kind == K_REQ_HEAD, a);
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
		return 0; /* request body */
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

#endif
