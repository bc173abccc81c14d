/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The loader: checks the kernel (root, BTF, tracefs), creates the shared
 * per-CPU rings and drop counters, opens/loads/attaches one skeleton per
 * enabled signal (the signal table, signal.h) and hands out their
 * skeletons. A signal whose tracepoints are missing is turned off with a
 * warning; the rest runs.
 */
#ifndef HOSTLENS_LOADER_H
#define HOSTLENS_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/runtime/config.h"
#include "bpf/common/events.h"

struct loader;
struct bpf_object;
struct bpf_program;

#define LOADER_TRACEFS_DEFAULT "/sys/kernel/tracing"

struct loader_opts {
	const struct config *cfg;
	uint32_t bench_tgid; /* != 0: also load the drain benchmark source for this process */
	const char *tracefs; /* NULL: /sys/kernel/tracing (HOSTLENS_TRACEFS overrides) */
};

/* Loads and attaches. NULL with a one-line reason in err (and errno) when the
 * agent cannot run at all; a missing signal only warns. */
struct loader *loader__new(const struct loader_opts *opts, char *err, size_t errlen);

/* Detaches every program (maps and rings stay readable). */
void loader__detach(struct loader *ld);

/* Detaches every program and frees every map. NULL ok. */
void loader__free(struct loader *ld);

/* Number of rings (possible CPUs) and the ring map fd of cpu. */
int loader__nrings(const struct loader *ld);
int loader__ring_fd(const struct loader *ld, int cpu);

/* The skeleton of a signal's BPF object (struct <object>_bpf: typed maps
 * and programs, e.g. ((struct cpu_bpf *)skel)->maps.exited), or NULL when
 * the signal is off (or ld is NULL: unit tests). Rows sharing an object
 * get the same skeleton. */
void *loader__skel(const struct loader *ld, const char *signal);
/* A new read fd of the attached iterator program prog (close it after
 * reading to the end), or -errno. */
int loader__iter_create(const struct loader *ld, const struct bpf_program *prog);
/* The size of the map behind full-map drop reason r (signal.h: a row's
 * drops); 0 when its signal is off. */
unsigned int loader__drop_map_size(const struct loader *ld, enum hl_drop r);

/* Per-CPU drop counters of reason r, summed into per_cpu[nrings]; returns the total. */
uint64_t loader__drops(const struct loader *ld, enum hl_drop r, uint64_t *per_cpu);

/* Runs of the agent's BPF programs the kernel skipped (another run of the
 * same program already active on that CPU, e.g. a softirq nested in it):
 * the sum of every attached program's recursion_misses. */
uint64_t loader__prog_misses(const struct loader *ld);

/* "on", or "off: reason", for each known signal; NULL for an unknown name. */
const char *loader__signal_status(const struct loader *ld, const char *signal);
bool loader__signal_on(const struct loader *ld, const char *signal);

#endif
