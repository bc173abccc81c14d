// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Workload for CPU tests: burns CPU_MS of on-CPU time (measured with the
 * thread CPU clock, so run-queue waits don't count), then stays alive for
 * HOLD_MS so the agent can see it, then exits with EXIT_CODE.
 *   burn CPU_MS HOLD_MS [EXIT_CODE [THREADS]]
 * With THREADS, that many threads burn CPU_MS each and exit (joined) before
 * the hold: the process's time is then all in threads that are gone.
 * Prints "pid PID" first, "burned NS" (all threads) when done burning.
 */
#include <pthread.h>
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

static long long cpu_ms;

/* burns cpu_ms of this thread's CPU time; returns what it burned (ns) */
static long long burn(void)
{
	long long start = ns_of(CLOCK_THREAD_CPUTIME_ID);
	volatile unsigned long x = 0;

	while (ns_of(CLOCK_THREAD_CPUTIME_ID) - start < cpu_ms * 1000000LL)
		for (int i = 0; i < 10000; i++)
			x += (unsigned long)i;
	return ns_of(CLOCK_THREAD_CPUTIME_ID) - start;
}

static void *burn_thread(void *arg)
{
	*(long long *)arg = burn();
	return NULL;
}

int main(int argc, char **argv)
{
	long long hold_ms, burned = 0, each[64];
	int nthreads = argc > 4 ? atoi(argv[4]) : 0;
	pthread_t th[64];
	struct timespec hold;

	if (argc < 3) {
		fprintf(stderr, "usage: burn CPU_MS HOLD_MS [EXIT_CODE]\n");
		return 2;
	}
	cpu_ms = atoll(argv[1]);
	hold_ms = atoll(argv[2]);
	printf("pid %d\n", getpid());
	fflush(stdout);
	if (nthreads < 0 || nthreads > 64) {
		fprintf(stderr, "burn: THREADS must be 0..64\n");
		return 2;
	}
	if (!nthreads) {
		burned = burn();
	} else {
		for (int i = 0; i < nthreads; i++)
			if (pthread_create(&th[i], NULL, burn_thread, &each[i])) {
				perror("pthread_create");
				return 1;
			}
		for (int i = 0; i < nthreads; i++) {
			pthread_join(th[i], NULL);
			burned += each[i];
		}
	}
	printf("burned %lld\n", burned);
	fflush(stdout);
	hold.tv_sec = hold_ms / 1000;
	hold.tv_nsec = (hold_ms % 1000) * 1000000L;
	nanosleep(&hold, NULL);
	return argc > 3 ? atoi(argv[3]) : 0;
}
