/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Per-request latency breakdown arithmetic: from the serving thread's
 * counter deltas over a request's window (ev_http bd_* fields) to the parts
 * shown to users. Pure functions, no state.
 *
 * - downstream: outbound HTTP the thread made in the window; the thread was
 *   blocked waiting for those replies, so their time is taken out of "other"
 *   (never more than "other" holds).
 * - unattributed: latency minus the sum of the parts (the parts are scaled
 *   down to the latency if they add up to more).
 * - a response written by another thread: the deltas are unknown, the whole
 *   latency is unattributed; a thread serving other requests in the window:
 *   the parts are the thread's, marked approximate.
 */
#ifndef HOSTLENS_BREAKDOWN_H
#define HOSTLENS_BREAKDOWN_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/http/http.h"

enum bd_part {
	BD_CPU = 0,
	BD_RUNQ,
	BD_IO,
	BD_DOWNSTREAM,
	BD_OTHER,
	BD_UNATTRIBUTED,
	BD_NPARTS,
};

enum bd_approx {
	BD_EXACT = 0,
	BD_SHARED = 1,	/* other requests in flight on the thread */
	BD_HANDOFF = 2, /* answered by another thread than the reader */
};

/* The thread's counter deltas over the request window (ns). */
struct bd_input {
	uint64_t latency_ns;
	uint64_t oncpu_ns, runq_ns, io_ns, other_ns, downstream_ns;
	uint8_t flags; /* HL_BD_* of bpf/common/events.h */
};

struct breakdown {
	double ms[BD_NPARTS]; /* parts, adding up to latency_ms */
	double latency_ms;
	uint8_t approx; /* enum bd_approx */
};

/* Fills out from in. 0, or -ENODATA when the request has no breakdown. */
int breakdown_compute(const struct bd_input *in, struct breakdown *out);

/* "cpu", "runq", "io", "downstream", "other", "unattributed" */
const char *breakdown_part_name(int part);

/* NULL for exact, else "shared thread — approximate" / "handed to another thread" */
const char *breakdown_approx_reason(int approx);

#endif
