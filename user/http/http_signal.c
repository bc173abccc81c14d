// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The HTTP signal's row (user/pipeline/signal.h): its part of the socket
 * object (bpf/http/http.bpf.h in bpf/sock/sock.bpf.c, plus the OpenSSL
 * uprobes) and its knobs, the processor module (pm_http.c), its topics and
 * full maps. */
#include <stdint.h>
#include <sys/random.h>
#include <unistd.h>

#include "user/pipeline/loader.h"
#include "user/pipeline/signal.h"
#include "user/sock/sock_object.h"
#include "sock.skel.h"

extern const struct pmod_ops pm_http_ops;

static void http_knobs(void *skel, const struct loader_opts *o, bool on)
{
	struct sock_bpf *s = skel;
	__u32 conns = (__u32)o->cfg->max_procs; /* TLS connections: one per process on average */

	s->rodata->targ_http = on;
	s->rodata->targ_self_tgid = (__u32)getpid();
	if (getrandom((void *)&s->rodata->targ_head_seed, sizeof(s->rodata->targ_head_seed),
		      GRND_NONBLOCK) != sizeof(s->rodata->targ_head_seed))
		s->rodata->targ_head_seed = (__u64)(uintptr_t)s ^ 0x9e3779b97f4a7c15ull;
	s->rodata->targ_filter_at_start = o->cfg->n_pids || o->cfg->n_comms || o->cfg->n_cgroups;
	bpf_map__set_max_entries(s->maps.tls_conns, conns);
	bpf_map__set_max_entries(s->maps.ssl_fds, conns);
	/* breakdown: needs the CPU signal's per-thread accounting (sh_threads) */
	s->rodata->targ_breakdown = o->cfg->http_breakdown && config_signal_on(o->cfg, "cpu");
}

static struct bpf_map *http_drop_map(void *skel, enum hl_drop r)
{
	struct sock_bpf *s = skel;

	return r == HL_DROP_FULL_HTTP_CONNS ? s->maps.tls_conns : NULL;
}

/* set at start: the configured filters, and whether the breakdown runs */
static json_t *filters_placeholder(const struct config *cfg)
{
	json_t *pids = json_array(), *comms = json_array(), *cgroups = json_array();

	for (int i = 0; i < cfg->n_pids; i++)
		json_array_append_new(pids, json_integer(cfg->pids[i]));
	for (int i = 0; i < cfg->n_comms; i++)
		json_array_append_new(comms, json_string(cfg->comms[i]));
	for (int i = 0; i < cfg->n_cgroups; i++)
		json_array_append_new(cgroups, json_string(cfg->cgroups[i]));
	return json_pack("{s:o,s:o,s:o}", "pids", pids, "comms", comms, "cgroups", cgroups);
}

static json_t *breakdown_placeholder(const struct config *cfg)
{
	return json_pack("{s:b,s:i,s:i,s:i,s:[],s:[]}", "enabled",
			 cfg->http_breakdown && config_signal_on(cfg, "cpu") &&
				 config_signal_on(cfg, "http"),
			 "requests_total", 0, "approximate_total", 0, "routes_dropped_total", 0,
			 "routes", "slowest");
}

const struct signal http_signal = {
	.name = "http",
	.default_on = true,
	.open = sock_object_open,
	.destroy = sock_object_destroy,
	.object = "sock",
	.knobs = http_knobs,
	.prog_prefix = "http_",
	.pmod = &pm_http_ops,
	.topics =
		(const struct signal_topic[]){
			{ "routes", "[]" },
			{ "requests", "[]" },
			{ "filters", NULL, filters_placeholder },
			{ "breakdown", NULL, breakdown_placeholder },
			{ NULL },
		},
	.drops =
		(const struct signal_drop[]){
			{ HL_DROP_FULL_HTTP_CONNS, "http_conns",
			  "--max-procs; sockets: kernel memory" },
			{ .name = NULL },
		},
	.drop_map = http_drop_map,
};
