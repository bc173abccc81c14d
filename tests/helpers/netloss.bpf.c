// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Deterministic, bounded packet loss for tests/bpf/test_net.sh: an XDP
 * program on the receiver's end of a veth pair. Of the TCP data segments
 * from targ_saddr to port targ_dport, it drops the first transmission of
 * every targ_every-th one, at most targ_max_drops per connection, and never
 * a retransmission: the sender loses each of those segments exactly once and
 * recovers with one retransmit each, whatever the timing.
 *
 * A segment is a first transmission when it starts at or past the highest
 * sequence number seen on its connection (kept per source port). This holds
 * however the sender cuts its retransmits (collapsed or split, they start
 * below that mark). Not loaded by the agent.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "tests/helpers/netloss.h"

#define ETH_P_IP 0x0800
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

const volatile __u32 targ_saddr; /* network order */
const volatile __u16 targ_dport; /* host order */
const volatile __u32 targ_every = 3;
const volatile __u32 targ_max_drops = 4;

struct flow {
	struct bpf_spin_lock lock;
	__u32 next_seq; /* one past the highest byte seen */
	__u32 segs;	/* first transmissions seen */
	__u32 dropped;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16); /* source port, host order */
	__type(value, struct flow);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct netloss_stats);
} stats SEC(".maps");

/*
 * Is [seq, end) a first transmission? Moves the flow's mark past it and, for
 * every targ_every-th first transmission up to targ_max_drops, sets *drop.
 */
static __always_inline bool flow__first_tx(struct flow *f, __u32 seq, __u32 end, bool *drop)
{
	bool first;

	bpf_spin_lock(&f->lock);
	first = (__s32)(seq - f->next_seq) >= 0;
	if ((__s32)(end - f->next_seq) > 0)
		f->next_seq = end;
	*drop = false;
	if (first && ++f->segs % targ_every == 0 && f->dropped < targ_max_drops) {
		f->dropped++;
		*drop = true;
	}
	bpf_spin_unlock(&f->lock);
	return first;
}

SEC("xdp")
int netloss_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct netloss_stats *st;
	struct ethhdr *eth = data;
	struct flow *f, fresh = {};
	struct tcphdr *th;
	struct iphdr *ih;
	__u32 zero = 0, seq, len, hl;
	__u16 sport;
	bool drop;

	st = bpf_map_lookup_elem(&stats, &zero);
	if (!st)
		return XDP_PASS;
	if ((__u64)(data_end - data) > st->max_len)
		st->max_len = data_end - data;

	/* eth / IPv4 without fragments / TCP from the sender to the port */
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ih = (void *)(eth + 1);
	if ((void *)(ih + 1) > data_end || ih->protocol != IPPROTO_TCP || ih->saddr != targ_saddr ||
	    (ih->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
		return XDP_PASS;
	hl = ih->ihl * 4;
	if (hl < sizeof(*ih))
		return XDP_PASS;
	th = (void *)ih + hl;
	if ((void *)(th + 1) > data_end || th->dest != bpf_htons(targ_dport))
		return XDP_PASS;

	/* data only: payload, and no SYN, FIN or RST */
	len = bpf_ntohs(ih->tot_len);
	hl += th->doff * 4;
	if (len <= hl || th->syn || th->fin || th->rst)
		return XDP_PASS;
	len -= hl;
	seq = bpf_ntohl(th->seq);
	st->seen++;

	sport = bpf_ntohs(th->source);
	f = bpf_map_lookup_elem(&flows, &sport);
	if (!f) {
		fresh.next_seq = seq;
		bpf_map_update_elem(&flows, &sport, &fresh, BPF_NOEXIST);
		f = bpf_map_lookup_elem(&flows, &sport);
		if (!f)
			return XDP_PASS; /* table full: no loss, the test sees it */
	}
	if (!flow__first_tx(f, seq, seq + len, &drop)) {
		st->resent++;
		return XDP_PASS;
	}
	if (!drop)
		return XDP_PASS;
	st->dropped++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
