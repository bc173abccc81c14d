// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The CPU signal's row (user/pipeline/signal.h): bpf/cpu/cpu.bpf.c and its
 * knobs, the processor module (pm_cpu.c), its topics and full maps. */
#include "user/pipeline/loader.h"
#include "user/pipeline/signal.h"
#include "cpu.skel.h"

extern const struct pmod_ops pm_cpu_ops;

static void *cpu_open(const struct loader_opts *o, struct bpf_object **obj)
{
	struct cpu_bpf *s = cpu_bpf__open();

	if (!s)
		return NULL;
	s->rodata->targ_wakeup_bytes = config_wakeup_bytes(o->cfg);
	s->rodata->targ_thread_acct = o->cfg->http_breakdown;
	bpf_map__set_max_entries(s->maps.exited, (__u32)o->cfg->max_procs);
	*obj = s->obj;
	return s;
}

static void cpu_destroy(void *s)
{
	cpu_bpf__destroy(s);
}

static struct bpf_map *cpu_drop_map(void *skel, enum hl_drop r)
{
	struct cpu_bpf *s = skel;

	return r == HL_DROP_FULL_CPU_EXITED ? s->maps.exited : NULL;
}

const struct signal cpu_signal = {
	.name = "cpu",
	.default_on = true,
	.open = cpu_open,
	.destroy = cpu_destroy,
	.pmod = &pm_cpu_ops,
	.topics =
		(const struct signal_topic[]){
			{ "cpu",
			  "{\"cores\":[],\"busy_pct\":null,\"runq_latency_us\":{\"p50\":null,\"p99\":null,"
			  "\"buckets\":[]},\"recent_processes\":[],\"execs_total\":0,\"exits_total\":0}" },
			{ "processes", "[]" },
			{ NULL },
		},
	.drops =
		(const struct signal_drop[]){
			{ HL_DROP_FULL_CPU_EXITED, "cpu_exited", "--max-procs" },
			{ .name = NULL },
		},
	.drop_map = cpu_drop_map,
};
