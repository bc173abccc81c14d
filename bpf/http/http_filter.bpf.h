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

#endif
