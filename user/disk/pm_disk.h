/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The disk module (pm_disk.c) has no events: each tick it reads two BPF maps
 * of cumulative values (bpf/disk/disk.bpf.c) and folds every entry into its
 * per-device and per-process counts. These fold one entry the way that read
 * does, into the tick to come, for the unit tests (no BPF there). Processor
 * thread only; m is a module of pm_disk_ops, started.
 */
#ifndef HOSTLENS_PM_DISK_H
#define HOSTLENS_PM_DISK_H

#include <stdint.h>

#include "user/pipeline/processor.h"
#include "bpf/disk/disk.h"

/* One disk_stats entry: device and op, cumulative since the programs loaded. */
void pm_disk_fold_stat(struct pmod *m, const struct disk_key *key, const struct disk_stat *v);

/* One disk_procs entry: process and device, cumulative since the entry was
 * created; now_ns (CLOCK_MONOTONIC) is when it was read. */
void pm_disk_fold_proc(struct pmod *m, const struct disk_proc_key *key, const struct disk_proc *v,
		       uint64_t now_ns);

#endif
