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
 * their gaps and at slice ends. Failures of these two are ignored: both are
 * courtesies.
 *
 * Then drops every capability of the calling thread (caps__drop_thread():
 * capabilities are per thread, the others keep theirs): a thread holds none
 * unless it is started with thread__setup_privileged(). Threads this thread
 * creates inherit the empty sets. A failed drop is logged as an error.
 */
void thread__setup(const char *name, bool background);

/*
 * As thread__setup(), but the thread keeps the capabilities the process kept
 * after attach (caps.h): for the one thread that attaches uprobes to new
 * processes and reads other processes' /proc files (the processor).
 */
void thread__setup_privileged(const char *name, bool background);

#endif
