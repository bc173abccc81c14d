/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Network signal (part of bpf/sock/sock.bpf.c, which owns the socket hooks and
 * calls net__xfer and net__state from them): the TCP connection lifecycle
 * from sock:inet_sock_set_state (one event per socket reaching TCP_CLOSE,
 * with duration, addresses, role, owner and the socket's byte counters), TCP
 * retransmit and reset counters,
 * and socket bytes per process from sock_send_length/sock_recv_length,
 * aggregated here (no event per send): a TCP socket adds its bytes in its
 * own storage (plain adds, no shared entry) and credits them to its owner
 * process at its first call after each tick of user space (net_epoch) and
 * when it closes; other sockets add to the calling process at once.
 *
 * Owner of a connection: the task calling connect() is current at SYN_SENT.
 * A server socket is born in softirq (SYN_RECV), so its owner is set at the
 * first send/recv on it. (Not at accept(): a syscall tracepoint, even one,
 * puts every syscall of every process on the slow path; measured here as a
 * 25-50% drop in a getppid() loop's rate.) At close, current is whoever runs
 * the softirq: never used.
 * Sockets older than the agent have no start: start_ns 0, duration unknown.
 * A connection's state is the socket's own (socket local storage): it lives
 * from SYN_SENT/SYN_RECV (or first sight) until the socket is freed, so
 * resets sent while closing are still attributed, and a send or receive
 * finds it with one storage lookup, no hash.
 */
#ifndef HOSTLENS_NET_BPF_H
#define HOSTLENS_NET_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "bpf/common/helpers.bpf.h"
#include "bpf/net/net.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define MSG_PEEK 2

/* enum tcp_state values (stable kernel ABI, include/net/tcp_states.h) */
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_CLOSE 7
#define TCP_LISTEN 10

/* one live connection */
struct conn {
	__u64 start_ns; /* 0: older than the agent */
	__u64 cgroup_id;
	__u32 tgid; /* 0: owner not known yet */
	__u32 pid;
	__u8 role;
	__u8 live; /* counted in HL_NET_LIVE (open connections) */
	__u8 pad[2];
	__u32 epoch;   /* net_epoch when the bytes were last credited */
	__u64 tx_pend; /* bytes not yet credited to the owner's net_procs */
	__u64 rx_pend;
	char comm[HL_COMM_LEN];
};

/* Bumped by user space once a tick (skeleton .bss): a socket's first call
 * after that credits its bytes to its owner. */
volatile __u32 net_epoch;

/* per TCP socket */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct conn);
} net_socks SEC(".maps");

/* per process traffic and TCP trouble; sized by the loader */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct net_proc);
} net_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HL_NET_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} net_counters SEC(".maps");

static __always_inline void counter__add(__u32 idx, __u64 v)
{
	__u64 *c = bpf_map_lookup_elem(&net_counters, &idx);

	if (c)
		*c += v; /* per-CPU slot */
}

static __always_inline void owner__fill(struct conn *c)
{
	__u64 id = bpf_get_current_pid_tgid();

	c->tgid = id >> 32;
	c->pid = (__u32)id;
	c->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(c->comm, sizeof(c->comm));
}

static __always_inline struct net_proc *nproc__get(__u32 tgid, const char *comm)
{
	struct net_proc *p = bpf_map_lookup_elem(&net_procs, &tgid);
	struct net_proc zero = {};

	if (p)
		return p;
	if (comm)
		bpf_probe_read_kernel(zero.comm, sizeof(zero.comm), comm);
	else
		bpf_get_current_comm(zero.comm, sizeof(zero.comm));
	return map__insert(&net_procs, &tgid, &zero, HL_DROP_FULL_NET_PROCS);
}

/* Credits the socket's pending bytes to its owner (known: c->tgid). */
static __always_inline void conn__fold(struct conn *c)
{
	struct net_proc *p;

	c->epoch = net_epoch;
	if (!c->tgid || (!c->tx_pend && !c->rx_pend))
		return;
	p = nproc__get(c->tgid, c->comm);
	if (p) {
		__sync_fetch_and_add(&p->tx_bytes, c->tx_pend);
		__sync_fetch_and_add(&p->rx_bytes, c->rx_pend);
	}
	c->tx_pend = c->rx_pend = 0;
}

/* Connection setup (not per send): the socket is an open connection,
 * counted once in HL_NET_LIVE however often it is set up. keep: a socket
 * that already has state keeps it (first sight of an established one). */
static __always_inline void conn__put(struct sock *sk, const struct conn *c, bool keep)
{
	struct conn *s = bpf_sk_storage_get(&net_socks, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	bool counted;

	if (!s) {
		drops__inc(HL_DROP_FULL_NET_CONNS); /* no memory for the socket's storage */
		return;
	}
	if (keep && (s->start_ns || s->tgid || s->live))
		return;
	counted = s->live;
	*s = *c;
	s->epoch = net_epoch;
	s->live = 1;
	if (!counted)
		counter__add(HL_NET_LIVE, 1);
}

/* The connection is closed (its entry may stay until the socket is freed). */
static __always_inline void conn__closed(struct conn *c)
{
	if (c && c->live) {
		c->live = 0;
		counter__add(HL_NET_LIVE, (__u64)-1);
	}
}

static __always_inline void close__emit(struct sock *sk, int oldstate)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	struct conn *c = bpf_sk_storage_get(&net_socks, sk, NULL, 0);
	__u16 family = sk->__sk_common.skc_family;
	struct ev_tcp_close *e;
	__u64 now = bpf_ktime_get_ns();
	__u64 wake;

	counter__add(HL_NET_CLOSED, 1);
	conn__closed(c);
	if (c)
		conn__fold(c);
	e = rb__reserve(sizeof(*e), &wake);
	if (!e)
		return;
	e->h.type = HL_EV_TCP_CLOSE;
	e->h.cpu = (__u16)bpf_get_smp_processor_id();
	e->h.size = sizeof(*e);
	e->h.ts_ns = now;
	e->h.pid = c ? c->pid : 0;
	e->h.tgid = c ? c->tgid : 0;
	e->h.cgroup_id = c ? c->cgroup_id : 0;
	e->start_ns = c ? c->start_ns : 0;
	e->duration_ns = e->start_ns && now > e->start_ns ? now - e->start_ns : 0;
	e->tx_bytes = BPF_CORE_READ(tp, bytes_acked);
	e->rx_bytes = BPF_CORE_READ(tp, bytes_received);
	e->retransmits = BPF_CORE_READ(tp, total_retrans);
	/* what the tracepoint's own fields hold (trace_inet_sock_set_state) */
	e->family = family;
	e->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->role = c ? c->role : HL_ROLE_UNKNOWN;
	e->oldstate = (__u8)oldstate;
	e->pad = 0;
	__builtin_memset(e->saddr, 0, sizeof(e->saddr));
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	if (family == AF_INET) {
		bpf_probe_read_kernel(e->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_probe_read_kernel(e->daddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_probe_read_kernel(e->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_probe_read_kernel(e->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	if (c)
		__builtin_memcpy(e->comm, c->comm, sizeof(e->comm));
	else
		__builtin_memset(e->comm, 0, sizeof(e->comm));
	/* the entry stays until tcp_destroy_sock: an abortive close (SO_LINGER
	 * 0, tcp_disconnect) sends its reset after the socket reached CLOSE */
	rb__submit(e, wake);
}

/* TCP state changes (from sock.bpf.c's inet_sock_set_state program) */
static __always_inline void net__state(struct sock *sk, int os, int ns)
{
	__u16 family = sk->__sk_common.skc_family;
	struct conn c = {};

	if (sk->sk_protocol != IPPROTO_TCP)
		return;
	if (family != AF_INET && family != AF_INET6)
		return;
	switch (ns) {
	case TCP_SYN_SENT: /* connect(): current is the client */
		c.start_ns = bpf_ktime_get_ns();
		c.role = HL_ROLE_CLIENT;
		owner__fill(&c);
		counter__add(HL_NET_OPEN_ACTIVE, 1);
		conn__put(sk, &c, false);
		break;
	case TCP_SYN_RECV: /* child of a listener, in softirq: owner at its first send/recv */
		c.start_ns = bpf_ktime_get_ns();
		c.role = HL_ROLE_SERVER;
		counter__add(HL_NET_OPEN_PASSIVE, 1);
		conn__put(sk, &c, false);
		break;
	case TCP_ESTABLISHED: /* missed the handshake start: start here */
		c.start_ns = bpf_ktime_get_ns();
		c.role = os == TCP_SYN_SENT ? HL_ROLE_CLIENT :
			 os == TCP_SYN_RECV ? HL_ROLE_SERVER :
					      HL_ROLE_UNKNOWN;
		conn__put(sk, &c, true);
		break;
	case TCP_CLOSE:
		if (os == TCP_LISTEN || os == TCP_CLOSE)
			return; /* a listener, or a socket that never connected */
		close__emit(sk, os);
		break;
	}
}

/* Process context: count bytes per process; adopt sockets without owner. */
static __always_inline void net__xfer(struct sock *sk, int ret, int flags, bool tx)
{
	__u16 family = sk->__sk_common.skc_family;
	__u32 tgid;
	struct net_proc *p;

	if (ret <= 0 || (family != AF_INET && family != AF_INET6))
		return;
	if (!tx && (flags & MSG_PEEK))
		return;
	counter__add(tx ? HL_NET_TX_BYTES : HL_NET_RX_BYTES, (__u64)ret);
	if (sk->sk_protocol == IPPROTO_TCP) {
		struct conn *c = bpf_sk_storage_get(&net_socks, sk, NULL, 0);

		if (!c && sk->__sk_common.skc_state == TCP_ESTABLISHED) {
			struct conn nc = {}; /* open before we started */

			owner__fill(&nc);
			conn__put(sk, &nc, true);
			c = bpf_sk_storage_get(&net_socks, sk, NULL, 0);
		}
		if (c) {
			if (!c->tgid)
				owner__fill(c);
			/* one socket is used by one call at a time, nearly always:
			 * plain adds (a rare concurrent call may lose its count) */
			if (tx)
				c->tx_pend += (__u64)ret;
			else
				c->rx_pend += (__u64)ret;
			if (c->epoch != net_epoch)
				conn__fold(c);
			return;
		}
	}
	/* not TCP, or no storage for the socket: the calling process, now */
	tgid = bpf_get_current_pid_tgid() >> 32;
	p = nproc__get(tgid, NULL);
	if (p) {
		if (tx)
			__sync_fetch_and_add(&p->tx_bytes, (__u64)ret);
		else
			__sync_fetch_and_add(&p->rx_bytes, (__u64)ret);
	}
}

/* Attributes a per-socket TCP event to the connection's owner, if known. */
static __always_inline void owner__count(struct sock *sk, __u32 what)
{
	struct conn *c = bpf_sk_storage_get(&net_socks, sk, NULL, 0);
	struct net_proc *p;

	if (!c || !c->tgid)
		return;
	p = nproc__get(c->tgid, c->comm);
	if (!p)
		return;
	if (what == HL_NET_RETRANSMITS)
		__sync_fetch_and_add(&p->retransmits, 1);
	else if (what == HL_NET_RESETS_SENT)
		__sync_fetch_and_add(&p->resets_sent, 1);
	else
		__sync_fetch_and_add(&p->resets_received, 1);
}

static __always_inline int handle_tcp_event(struct sock *sk, __u32 what)
{
	counter__add(what, 1);
	if (sk)
		owner__count(sk, what);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(net_retransmit, const struct sock *sk)
{
	return handle_tcp_event((struct sock *)sk, HL_NET_RETRANSMITS);
}

/* sk is NULL for a reset answering a segment no socket wanted */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(net_send_reset, const struct sock *sk)
{
	return handle_tcp_event((struct sock *)sk, HL_NET_RESETS_SENT);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(net_receive_reset, struct sock *sk)
{
	return handle_tcp_event(sk, HL_NET_RESETS_RECEIVED);
}

/*
 * Once, at start (pm_net runs it): every TCP connection already open gets
 * its state, so the open count (HL_NET_LIVE) is right from the first tick
 * rather than growing as old connections move bytes. Its owner is set at
 * its first send or receive; its start stays unknown. Listeners, request
 * and time-wait sockets are not connections (no full socket here).
 */
SEC("iter/tcp")
int net_adopt(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct conn c = {};
	struct tcp_sock *tp;
	__u8 state;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	state = tp->inet_conn.icsk_inet.sk.__sk_common.skc_state;
	if (state == TCP_LISTEN || state == TCP_CLOSE)
		return 0;
	conn__put((struct sock *)tp, &c, true);
	return 0;
}

/* the socket is going: one that never reached CLOSE leaves the open count
 * (its storage goes with it) */
SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(net_destroy_sock, struct sock *sk)
{
	struct conn *c = bpf_sk_storage_get(&net_socks, sk, NULL, 0);

	conn__closed(c);
	if (c)
		conn__fold(c); /* bytes of a socket that never reached CLOSE */
	return 0;
}

#endif
