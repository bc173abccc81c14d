// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Memory collector: /proc/meminfo. used = total - available (MemAvailable,
 * or MemFree + Buffers + Cached on kernels before 3.14 that lack it).
 *
 * Fields: memory_total_bytes, memory_available_bytes, memory_used_bytes,
 * memory_free_bytes, memory_buffers_bytes, memory_cached_bytes,
 * memory_used_pct, swap_total_bytes, swap_used_bytes, swap_free_bytes,
 * swap_used_pct (0 when the host has no swap).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/coll_priv.h"
#include "collectors/procfile.h"

struct memory_priv {
	struct procbuf pb;
};

static int memory_init(struct collector *c, const struct collector_env *env)
{
	struct memory_priv *p = c->priv;

	return procbuf__init(&p->pb, 8192);
}

static void memory_destroy(struct collector *c)
{
	struct memory_priv *p = c->priv;

	procbuf__free(&p->pb);
}

static int memory_collect(struct collector *c, json_t *out, uint64_t now_ns)
{
	struct memory_priv *p = c->priv;
	uint64_t total = 0, avail = 0, mfree = 0, buffers = 0, cached = 0, sreclaim = 0;
	uint64_t stotal = 0, sfree = 0, used, sused;
	bool have_total = false, have_avail = false;
	char *cur, *line;
	int err = procbuf__read(&p->pb, c->env->proc_root, "meminfo");

	if (err)
		return err;
	cur = p->pb.buf;
	while ((line = procfile_next_line(&cur))) {
		char *colon = strchr(line, ':');
		uint64_t kb;

		if (!colon)
			continue;
		*colon = '\0';
		kb = strtoull(colon + 1, NULL, 10) * 1024;
		if (!strcmp(line, "MemTotal")) {
			total = kb;
			have_total = true;
		} else if (!strcmp(line, "MemAvailable")) {
			avail = kb;
			have_avail = true;
		} else if (!strcmp(line, "MemFree")) {
			mfree = kb;
		} else if (!strcmp(line, "Buffers")) {
			buffers = kb;
		} else if (!strcmp(line, "Cached")) {
			cached = kb;
		} else if (!strcmp(line, "SReclaimable")) {
			sreclaim = kb;
		} else if (!strcmp(line, "SwapTotal")) {
			stotal = kb;
		} else if (!strcmp(line, "SwapFree")) {
			sfree = kb;
		}
	}
	if (!have_total)
		return -EAGAIN;
	if (!have_avail)
		avail = mfree + buffers + cached + sreclaim;
	if (avail > total)
		avail = total;
	used = total - avail;
	sused = stotal > sfree ? stotal - sfree : 0;

	coll_set_uint(out, "memory_total_bytes", total);
	coll_set_uint(out, "memory_available_bytes", avail);
	coll_set_uint(out, "memory_used_bytes", used);
	coll_set_uint(out, "memory_free_bytes", mfree);
	coll_set_uint(out, "memory_buffers_bytes", buffers);
	coll_set_uint(out, "memory_cached_bytes", cached);
	coll_set_real(out, "memory_used_pct", total ? 100.0 * (double)used / (double)total : 0);
	coll_set_uint(out, "swap_total_bytes", stotal);
	coll_set_uint(out, "swap_used_bytes", sused);
	coll_set_uint(out, "swap_free_bytes", stotal ? sfree : 0);
	coll_set_real(out, "swap_used_pct", stotal ? 100.0 * (double)sused / (double)stotal : 0);
	return 0;
}

const struct collector_ops memory_collector_ops = {
	.name = "memory",
	.priv_size = sizeof(struct memory_priv),
	.init = memory_init,
	.collect = memory_collect,
	.destroy = memory_destroy,
};
