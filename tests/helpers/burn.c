// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Workload for CPU tests: burns CPU_MS of on-CPU time (measured with the
 * thread CPU clock, so run-queue waits don't count), then stays alive for
 * HOLD_MS so the agent can see it, then exits with EXIT_CODE.
 *   burn CPU_MS HOLD_MS [EXIT_CODE]
 * Prints "pid PID" first, "burned NS" when done burning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long ns_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long long cpu_ms, hold_ms, start;
	volatile unsigned long x = 0;
	struct timespec hold;

	if (argc < 3) {
		fprintf(stderr, "usage: burn CPU_MS HOLD_MS [EXIT_CODE]\n");
		return 2;
	}
	cpu_ms = atoll(argv[1]);
	hold_ms = atoll(argv[2]);
	printf("pid %d\n", getpid());
	fflush(stdout);
	start = ns_of(CLOCK_THREAD_CPUTIME_ID);
	while (ns_of(CLOCK_THREAD_CPUTIME_ID) - start < cpu_ms * 1000000LL)
		for (int i = 0; i < 10000; i++)
			x += (unsigned long)i;
	printf("burned %lld\n", ns_of(CLOCK_THREAD_CPUTIME_ID) - start);
	fflush(stdout);
	hold.tv_sec = hold_ms / 1000;
	hold.tv_nsec = (hold_ms % 1000) * 1000000L;
	nanosleep(&hold, NULL);
	return argc > 3 ? atoi(argv[3]) : 0;
}
