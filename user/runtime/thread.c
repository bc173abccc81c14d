// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Thread naming, scheduling policy and capabilities (thread.h). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <linux/capability.h>

#include "user/runtime/caps.h"
#include "user/runtime/log.h"
#include "user/runtime/thread.h"

static void thread_name_sched(const char *name, bool background)
{
	struct sched_param sp = { .sched_priority = 0 };

	pthread_setname_np(pthread_self(), name);
	if (background)
		pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
}

/* Names the thread, sets its policy, drops every capability but keep. */
static void setup_keeping(const char *name, bool background, uint64_t keep)
{
	int err;

	thread_name_sched(name, background);
	err = caps__drop_thread_keeping(keep);
	if (err)
		pr_err("%s: dropping this thread's capabilities: %s", name, strerror(-err));
}

void thread__setup(const char *name, bool background)
{
	setup_keeping(name, background, 0);
}

void thread__setup_privileged(const char *name, bool background)
{
	thread_name_sched(name, background);
}

void thread__setup_watchdog(const char *name)
{
	setup_keeping(name, true, 1ull << CAP_SYS_NICE);
}

static bool yield_ok;

bool thread__yield_init(void)
{
	yield_ok = caps__effective(CAP_SYS_NICE);
	return yield_ok;
}

int thread__yield(pid_t tid, bool on)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (!yield_ok)
		return -ENOTSUP;
	return sched_setscheduler(tid, on ? SCHED_IDLE : SCHED_BATCH, &sp) ? -errno : 0;
}
