// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Thread naming, scheduling policy and capabilities (thread.h). */
#include <pthread.h>
#include <sched.h>
#include <string.h>

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

void thread__setup(const char *name, bool background)
{
	int err;

	thread_name_sched(name, background);
	err = caps__drop_thread();
	if (err)
		pr_err("%s: dropping this thread's capabilities: %s", name, strerror(-err));
}

void thread__setup_privileged(const char *name, bool background)
{
	thread_name_sched(name, background);
}
