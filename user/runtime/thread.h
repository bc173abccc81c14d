/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Set-up every agent thread makes first. */
#ifndef HOSTLENS_THREAD_H
#define HOSTLENS_THREAD_H

#include <stdbool.h>
#include <sys/types.h>

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

/* As thread__setup(name, true), but the thread keeps CAP_SYS_NICE (if the
 * process kept it): the drain, which takes a yielding processor back. */
void thread__setup_watchdog(const char *name);

/*
 * Yielding, for the thread whose work can wait (the processor): SCHED_IDLE,
 * which any waking thread of the host preempts at once. SCHED_BATCH only
 * keeps the agent from preempting others: a request's thread woken while a
 * batch thread runs can still wait out that thread's slice, and the
 * processor's bursts of folding then land in the application's tail
 * latency (bench/RESULTS.md, session 14). A yielding thread gets almost no
 * CPU on a host with none idle, so another thread that watches its
 * progress (the drain) takes it back to SCHED_BATCH when it falls behind.
 *
 * Leaving SCHED_IDLE takes CAP_SYS_NICE (caps.h keeps it when given, and
 * the drain holds it: thread__setup_watchdog()).
 * thread__yield_init(): once, in the main thread: true when it has
 * CAP_SYS_NICE; otherwise nothing yields (a thread that could not be taken
 * back would starve on a busy host).
 * thread__yield(tid, on): thread tid (0: the caller) to SCHED_IDLE (on) or
 * back to SCHED_BATCH. 0, -ENOTSUP when nothing yields, or -errno.
 */
bool thread__yield_init(void);
int thread__yield(pid_t tid, bool on);

#endif
