// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The network signal's row (user/pipeline/signal.h): its part of the
 * socket object (bpf/net/net.bpf.h in bpf/sock/sock.bpf.c) and its knobs,
 * the processor module (pm_net.c), its topic and full maps. */
#include "user/pipeline/loader.h"
#include "user/pipeline/signal.h"
#include "user/sock/sock_object.h"
#include "sock.skel.h"

extern const struct pmod_ops pm_net_ops;

static void net_knobs(void *skel, const struct loader_opts *o, bool on)
{
	struct sock_bpf *s = skel;

	s->rodata->targ_net = on;
	bpf_map__set_max_entries(s->maps.net_procs, (__u32)o->cfg->max_procs);
}

static struct bpf_map *net_drop_map(void *skel, enum hl_drop r)
{
	struct sock_bpf *s = skel;

	switch (r) {
	case HL_DROP_FULL_NET_CONNS:
		return s->maps.net_socks;
	case HL_DROP_FULL_NET_PROCS:
		return s->maps.net_procs;
	default:
		return NULL;
	}
}

const struct signal net_signal = {
	.name = "net",
	.default_on = true,
	.open = sock_object_open,
	.destroy = sock_object_destroy,
	.object = "sock",
	.knobs = net_knobs,
	.prog_prefix = "net_",
	.pmod = &pm_net_ops,
	.topics =
		(const struct signal_topic[]){
			{ "connections",
			  "{\"recent\":[],\"retransmits_total\":0,\"resets_total\":0,"
			  "\"connections_active\":0}" },
			{ NULL },
		},
	.drops =
		(const struct signal_drop[]){
			{ HL_DROP_FULL_NET_CONNS, "net_conns", "sockets: kernel memory" },
			{ HL_DROP_FULL_NET_PROCS, "net_procs", "--max-procs" },
			{ .name = NULL },
		},
	.drop_map = net_drop_map,
};
