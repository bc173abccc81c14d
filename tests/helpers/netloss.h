/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* What tests/helpers/netloss.bpf.c shares with its loader, netloss.c. */
#ifndef HOSTLENS_NETLOSS_H
#define HOSTLENS_NETLOSS_H

/* Counters, one per CPU (the loader sums them; max_len takes the largest). */
struct netloss_stats {
	__u64 seen;    /* data segments from the target, every transmission */
	__u64 dropped; /* first transmissions dropped */
	__u64 resent;  /* segments that start below the highest byte seen */
	__u64 max_len; /* largest frame the program saw, bytes */
};

#endif
