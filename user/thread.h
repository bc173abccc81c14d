/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Set-up every agent thread makes first. */
#ifndef HOSTLENS_THREAD_H
#define HOSTLENS_THREAD_H

#include <stdbool.h>

/*
 * Names the calling thread (top -H, /proc/PID/task/TID/comm; at most 15
 * characters) and, with background, makes it SCHED_BATCH: its wake-ups then
 * never preempt the application's running threads (which would add the
 * agent's bursts to their tail latency); it keeps its normal CPU share, in
 * their gaps and at slice ends. Failures are ignored: both are courtesies.
 */
void thread__setup(const char *name, bool background);

#endif
