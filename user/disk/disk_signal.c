// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The disk signal's row (user/pipeline/signal.h): bpf/disk/disk.bpf.c and
 * its knobs, the processor module (pm_disk.c), its topic and full maps. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "user/pipeline/loader.h"
#include "user/pipeline/signal.h"
#include "disk.skel.h"

extern const struct pmod_ops pm_disk_ops;

/* block_io_start (6.5+) only names who submitted; without it the disk signal
 * still runs and falls back to block_rq_insert / the issuing task. */
static bool disk_tp_present(const struct loader_opts *o, const char *name)
{
	const char *env = getenv("HOSTLENS_TRACEFS");
	char path[512];

	snprintf(path, sizeof(path), "%s/events/block/%s",
		 o->tracefs ? o->tracefs :
		 env	    ? env :
			      LOADER_TRACEFS_DEFAULT,
		 name);
	return access(path, F_OK) == 0;
}

static void *disk_open(const struct loader_opts *o, struct bpf_object **obj)
{
	struct disk_bpf *s = disk_bpf__open();

	if (!s)
		return NULL;
	if (!disk_tp_present(o, "block_io_start"))
		bpf_program__set_autoload(s->progs.block_io_start_btf, false);
	s->rodata->targ_wakeup_bytes = config_wakeup_bytes(o->cfg);
	/* breakdown: the submitting thread's bytes into sh_threads (cpu's map) */
	s->rodata->targ_thread_io = o->cfg->http_breakdown && config_signal_on(o->cfg, "cpu");
	/* requests in flight are bounded by the queues' tags; procs by config */
	bpf_map__set_max_entries(s->maps.disk_procs, (__u32)o->cfg->max_procs);
	*obj = s->obj;
	return s;
}

static void disk_destroy(void *s)
{
	disk_bpf__destroy(s);
}

static struct bpf_map *disk_drop_map(void *skel, enum hl_drop r)
{
	struct disk_bpf *s = skel;

	switch (r) {
	case HL_DROP_FULL_DISK_RQS:
		return s->maps.rqs;
	case HL_DROP_FULL_DISK_STATS:
		return s->maps.disk_stats;
	case HL_DROP_FULL_DISK_PROCS:
		return s->maps.disk_procs;
	default:
		return NULL;
	}
}

const struct signal disk_signal = {
	.name = "disk",
	.default_on = true,
	.open = disk_open,
	.destroy = disk_destroy,
	.pmod = &pm_disk_ops,
	.topics =
		(const struct signal_topic[]){
			{ "disks", "[]" },
			{ NULL },
		},
	.drops =
		(const struct signal_drop[]){
			{ HL_DROP_FULL_DISK_RQS, "disk_rqs", "fixed" },
			{ HL_DROP_FULL_DISK_STATS, "disk_stats", "fixed" },
			{ HL_DROP_FULL_DISK_PROCS, "disk_procs", "--max-procs" },
			{ .name = NULL },
		},
	.drop_map = disk_drop_map,
};
