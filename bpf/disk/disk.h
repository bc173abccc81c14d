/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Shared by bpf/disk/ and user space (fixed-width types only):
 * disk: per-device and per-process block I/O aggregates. */
#ifndef HOSTLENS_DISK_H
#define HOSTLENS_DISK_H

#include "bpf/common/events.h"
#include "bpf/common/lathist.h" /* block I/O latency: HL_LAT_SLOTS slots */

enum hl_disk_op {
	HL_DISK_READ = 0,
	HL_DISK_WRITE = 1,
	HL_DISK_OTHER = 2, /* flush, discard, write-zeroes, ... */
	HL_DISK_OPS = 3,
};

/* Key of the per-device stats: kernel dev_t (major << 20 | minor) and op. */
struct disk_key {
	__u32 dev;
	__u32 op; /* enum hl_disk_op */
};

/* Per device and op, since the programs were loaded (atomic adds). */
struct disk_stat {
	__u64 ops; /* completed requests */
	__u64 bytes;
	__u64 lat_ns; /* sum of issue->complete latencies (timed requests) */
	__u64 timed;  /* requests with a latency (issue seen) */
	__u64 slots[HL_LAT_SLOTS];
};

/* Per process and device: who submitted the I/O. */
struct disk_proc_key {
	__u32 tgid;
	__u32 dev;
};

struct disk_proc {
	__u64 ops[2]; /* [HL_DISK_READ], [HL_DISK_WRITE] */
	__u64 bytes[2];
	char comm[HL_COMM_LEN];
};

#endif
