// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Thread naming and scheduling policy (thread.h). */
#include <pthread.h>
#include <sched.h>

#include "thread.h"

void thread__setup(const char *name, bool background)
{
	struct sched_param sp = { .sched_priority = 0 };

	pthread_setname_np(pthread_self(), name);
	if (background)
		pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
}
