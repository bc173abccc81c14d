/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* HTTP signal, the process filter (written by user space at any time) and
 * what a connection is.
 * Part of bpf/http/http.bpf.h, which includes its parts in order. */
#ifndef HOSTLENS_HTTP_FILTER_BPF_H
#define HOSTLENS_HTTP_FILTER_BPF_H

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

/* The verdict for a thread, in the thread's own storage: a lookup is a walk
 * from the task (no hashing, no shared bucket: the check every socket call of
 * every process makes), a new thread decides once, and the verdict goes with
 * the thread (a later process given the same pid decides anew). exec drops
 * it (http_exec): the name it was decided on is gone. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct filter_verdict);
} filter_task SEC(".maps");

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

/* Slow path of the filter, once per thread and filter generation. */
__noinline int filter__decide(__u32 tgid, __u32 gen, __u32 n_cgroups)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct filter_verdict *v;
	char comm[HL_COMM_LEN] = {};
	__u32 ptgid, allow = 0;

	if (bpf_map_lookup_elem(&filter_pids, &tgid))
		goto out_allow;
	/* children of a chosen process (a server's forked workers) */
	ptgid = BPF_CORE_READ(t, real_parent, tgid);
	if (bpf_map_lookup_elem(&filter_pids, &ptgid))
		goto out_allow;
	BPF_CORE_READ_STR_INTO(&comm, t, group_leader, comm);
	if (bpf_map_lookup_elem(&filter_comms, comm))
		goto out_allow;
	if (n_cgroups) {
		__u64 id = bpf_get_current_cgroup_id();

		if (bpf_map_lookup_elem(&filter_cgroups, &id))
			goto out_allow;
		/* a container's processes may sit in child cgroups */
		for (int lvl = 1; lvl < 12; lvl++) {
			id = bpf_get_current_ancestor_cgroup_id(lvl);
			if (!id)
				break;
			if (bpf_map_lookup_elem(&filter_cgroups, &id))
				goto out_allow;
		}
	}
	goto out;
out_allow:
	allow = 1;
out:
	/* no storage (no memory): decided again next time, same answer */
	v = bpf_task_storage_get(&filter_task, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (v) {
		v->gen = gen;
		v->allow = allow;
	}
	return allow;
}

/* First check of every program: is this process one we capture? */
/* Filters were given at start: until user space has written them (gen 0),
 * capture nothing rather than everything in the moments after attach. */
const volatile bool targ_filter_at_start = false;
/* the agent itself: its dashboard and its sinks' HTTPS calls are not the
 * host's traffic (and would feed back into what it sends) */
const volatile __u32 targ_self_tgid = 0;

static __always_inline bool proc__allowed(struct task_struct *t, __u32 tgid,
					  struct http_filter_conf *c)
{
	struct filter_verdict *v;

	if (tgid == targ_self_tgid)
		return false;
	if (!c)
		return !targ_filter_at_start;
	if (!c->enabled)
		return !(targ_filter_at_start && c->gen == 0);
	v = bpf_task_storage_get(&filter_task, t, 0, 0);
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

/* A cast the verifier does in place (no call): loads through its result
 * are fault-safe reads of kernel memory. Linux >= 6.2, as the socket
 * tracepoints this signal hooks. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/*
 * When a send on TCP socket sk ended: the time the kernel took for its own
 * use as it transmitted, when everything written to the socket has gone out
 * (snd_nxt caught up with write_seq). tcp_write_xmit stamps tcp_clock_cache
 * (ktime_get_ns(), bpf_ktime_get_ns()'s clock) before it sends, so that
 * stamp is no earlier than the call's last byte was queued, and no later
 * than now. Data still queued: our own clock read. (An autocorked write,
 * held while earlier segments sit in a qdisc or NIC, returns without
 * tcp_write_xmit and leaves an older stamp; TCP_CORK and a closed window
 * still run it.) Shared by the socket signals (http, db) for their sends: a
 * clock read is ~30 ns of a ~150 ns socket call.
 */
static __always_inline __u64 sk__sent_at(struct sock *sk)
{
	struct tcp_sock *tp = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
	__u64 t = tp->tcp_clock_cache;

	if (t && tp->snd_nxt == tp->write_seq)
		return t;
	return bpf_ktime_get_ns();
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

#endif
