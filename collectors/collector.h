/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Host collectors: one per /proc or /sys source (cpu, memory, disk, network,
 * system), behind one interface, registered in collector.c's static table.
 * All state lives in priv; a collector whose source is missing returns
 * -ENOENT once, is disabled and says so once. proc_root / sys_root let tests
 * read fixture trees.
 */
#ifndef HOSTLENS_COLLECTOR_H
#define HOSTLENS_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <jansson.h>

struct collector_env {
	const char *proc_root; /* "/proc" or a fixture tree */
	const char *sys_root;  /* "/sys" or a fixture tree */
	const char *etc_root;  /* "/etc" (os-release) or a fixture tree */
};

struct collector;

struct collector_ops {
	const char *name;
	size_t priv_size;
	int (*init)(struct collector *c, const struct collector_env *env);
	/* Adds this collector's fields to out (a vm-metrics object under
	 * construction). 0, -EAGAIN (try next tick), -ENOENT (source absent). */
	int (*collect)(struct collector *c, json_t *out, uint64_t now_ns);
	void (*destroy)(struct collector *c);
};

struct collector {
	const struct collector_ops *ops;
	void *priv;
	const struct collector_env *env;
	bool disabled;
	int last_err; /* last collect() error, logged once until it changes */
};

struct collectors; /* the set of every registered collector */

/* Builds every registered collector. env is kept by pointer: it must
 * outlive the set (tests switch env->proc_root between ticks to replay
 * fixture snapshots). NULL and errno on failure. */
struct collectors *collectors__new(const struct collector_env *env);

/* Runs every enabled collector into out. Call it once a second with a
 * monotonic now_ns: the first call sets the baseline, so rates and CPU %
 * appear from the second call on. Returns how many ran. */
int collectors__collect(struct collectors *cs, json_t *out, uint64_t now_ns);

/* collectors__collect() shaped for struct processor_deps.collect (ctx is
 * the struct collectors *). */
int collectors__collect_cb(void *ctx, json_t *out, uint64_t now_ns);

/* Is the collector `name` registered and still enabled? */
bool collectors__enabled(const struct collectors *cs, const char *name);

void collectors__free(struct collectors *cs);

#endif
