/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* HTTP signal, the socket hooks' part (http__xfer, http__state), exec/exit,
 * the idle iterator.
 * Part of bpf/http/http.bpf.h, which includes its parts in order. */
#ifndef HOSTLENS_HTTP_SOCK_BPF_H
#define HOSTLENS_HTTP_SOCK_BPF_H

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
	__u64 w = 0; /* on the stack: see conn__data */
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

/* A TLS record moved inside SSL_read/SSL_write of thread id on fd: that
 * call learns its fd, the TLS state its socket. False when no SSL call of
 * the thread is in progress. */
static __always_inline bool tls__handoff(void *ctx, struct http_filter_conf *fc, __u64 id, __u32 fd)
{
	if (!ssl__claim(fc, id, fd))
		return false;
	tls__sock((__u32)(id >> 32), fd, sk__addr(ctx), id);
	return true;
}

/* the state of a socket with no connection yet; SKM_OFF when nothing to do */
static __always_inline struct sk_meta *meta__get(void *ctx, struct sock *sk)
{
	struct sk_meta *m = bpf_sk_storage_get(&sk_meta, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);

	if (!m) {
		drops__inc(HL_DROP_FULL_HTTP_CONNS); /* no memory for the socket's storage */
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
	if (!proc__allowed(t, k.tgid, fc))
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
			if (tls__handoff(ctx, fc, id, k.fd))
				return 0;
		} else if (c->flags & CF_OFF) {
			return 0;
		}
	} else {
		m = meta__get(ctx, sk);
		if (!m)
			return 0;
		if (m->flags & SKM_TLS) {
			if (tls__handoff(ctx, fc, id, k.fd))
				return 0; /* inside SSL_read/SSL_write: that call reports */
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
	default: /* sendfile: only the byte count */
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
			m->flags |= SKM_TLS; /* ciphertext: the SSL uprobes see this */
			tls__handoff(ctx, fc, id, k.fd);
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
	x.now = is_write ? sk__sent_at(sk) : bpf_ktime_get_ns();
	if (conn__data(c, &k, &x) == 2)
		tls__handoff(ctx, fc, id, k.fd); /* first TLS record met inside SSL_* */
	return 1; /* an HTTP connection's transfer: no other protocol to look for */
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

	if (newstate != 4 /* FIN_WAIT1 */ && newstate != 9 /* LAST_ACK */ &&
	    newstate != 7 /* CLOSE */)
		return 0;
	c = bpf_sk_storage_get(&sk_http, sk, NULL, 0);
	if (c) {
		struct conn_key k = { .tgid = (__u32)(c->id >> 32), .fd = c->fd };
		struct xfer x = { .id = c->id };
		__u64 cur = bpf_get_current_pid_tgid();

		if (cur >> 32 == c->id >> 32)
			x.id = cur; /* the closing thread of the process */
		else
			x.foreign = 1; /* a reset in softirq, or another process */
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

/* exec replaces the program: the filter's verdict (comm) must be redone,
 * and the process named again (same pid, same start, a new name) */
SEC("tp/sched/sched_process_exec")
int http_exec(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct proc_key pk = { .tgid = t->tgid, .start_ns = t->group_leader->start_time };

	bpf_task_storage_delete(&filter_task, t);
	bpf_map_delete_elem(&http_procs, &pk);
	return 0;
}

/*
 * A process that is gone takes its name along (its threads' verdicts go with
 * their storage). Once per process, by the last thread out (signal->live has
 * reached 0 when this tracepoint fires, as cpu.bpf.c counts on too).
 */
SEC("tp/sched/sched_process_exit")
int http_exit(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct proc_key pk = {};

	if (t->signal->live.counter != 0)
		return 0;
	/* a process that reuses the pid has another start, and is named anew */
	pk.tgid = t->tgid;
	pk.start_ns = t->group_leader->start_time;
	bpf_map_delete_elem(&http_procs, &pk);
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

#endif
