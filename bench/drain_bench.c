// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Drain throughput: a BPF program emits one event per getppid() of this
 * process; P producer threads (pinned to CPUs 0..P-1) call it in a tight loop
 * for S seconds while the real drain thread copies events into the real event
 * log. Prints one JSON line: produced, drained, kernel drops, events/s.
 *   drain_bench PRODUCERS SECONDS [RING_SIZE]
 * With DRAIN_BENCH_NOBPF=1 nothing is loaded: the syscall loop alone, the
 * baseline for the cost a traced process pays per event.
 * With DRAIN_BENCH_BURST=1 the drain thread is not started while producers
 * fill the rings (sized by RING_SIZE); then the drain consumes the backlog
 * alone and its own rate is timed: the drain's capacity, apart from what the
 * producers can generate.
 * DESIGN: producers and the drain are separate threads; counters are atomics.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "user/runtime/config.h"
#include "user/pipeline/drain.h"
#include "user/pipeline/eventlog.h"
#include "user/pipeline/loader.h"
#include "user/runtime/log.h"

static int stop;
static uint64_t produced;
static struct {
	uint64_t n;
	char pad[56];
} counts[64]; /* per producer, own cache line */

static uint64_t produced_so_far(int nprod)
{
	uint64_t sum = 0;

	for (int i = 0; i < nprod; i++)
		sum += __atomic_load_n(&counts[i].n, __ATOMIC_RELAXED);
	return sum;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *producer(void *arg)
{
	long cpu = (long)arg;
	cpu_set_t set;
	uint64_t n = 0;

	CPU_ZERO(&set);
	CPU_SET((int)cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (int i = 0; i < 256; i++)
			syscall(SYS_getppid);
		n += 256;
		__atomic_store_n(&counts[cpu].n, n, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&produced, n, __ATOMIC_RELAXED);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	struct loader_opts lo = { .cfg = &cfg };
	struct drain_stats ds;
	struct eventlog_stats ls;
	pthread_t th[64];
	struct loader *ld;
	struct eventlog *log;
	struct drain *d;
	char err[512];
	int nprod = argc > 1 ? atoi(argv[1]) : 1;
	double secs = argc > 2 ? atof(argv[2]) : 3, t0, t1;
	uint64_t kdrops;

	config_defaults(&cfg);
	cfg.signals[0] = '\0'; /* only the benchmark source */
	if (argc > 3 && config_set(&cfg, "ring-size", argv[3], false, err, sizeof(err))) {
		fprintf(stderr, "drain_bench: %s\n", err);
		return 2;
	}
	log_set_level(LOG_WARN);
	if (getenv("DRAIN_BENCH_NOBPF")) {
		t0 = now_s();
		for (long i = 0; i < nprod; i++)
			pthread_create(&th[i], NULL, producer,
				       (void *)(i % sysconf(_SC_NPROCESSORS_ONLN)));
		usleep((useconds_t)(secs * 1e6));
		__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
		for (int i = 0; i < nprod; i++)
			pthread_join(th[i], NULL);
		t1 = now_s();
		printf("{\"producers\":%d,\"seconds\":%.3f,\"produced\":%llu,\"produced_per_s\":%.0f}\n",
		       nprod, t1 - t0, (unsigned long long)produced, (double)produced / (t1 - t0));
		return 0;
	}
	lo.bench_tgid = (uint32_t)getpid();
	ld = loader__new(&lo, err, sizeof(err));
	if (!ld) {
		fprintf(stderr, "drain_bench: %s\n", err);
		return 1;
	}
	log = eventlog__new(cfg.log_bytes, loader__nrings(ld));
	d = drain__new(ld, log, cfg.drain_poll_ms);
	if (!log || !d)
		return 1;
	if (getenv("DRAIN_BENCH_BURST")) {
		uint64_t cap = cfg.ring_bytes / 64 * 9 / 10 *
			       (uint64_t)nprod; /* 56-byte records, 90% full */

		for (long i = 0; i < nprod; i++)
			pthread_create(&th[i], NULL, producer,
				       (void *)(i % sysconf(_SC_NPROCESSORS_ONLN)));
		t0 = now_s();
		while (produced_so_far(nprod) < cap && now_s() - t0 < secs)
			usleep(1000);
		__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
		for (int i = 0; i < nprod; i++)
			pthread_join(th[i], NULL);
		loader__detach(ld);
		t0 = now_s();
		while (drain__consume(d) > 0)
			;
		t1 = now_s();
		drain__stats(d, &ds);
		kdrops = loader__drops(ld, HL_DROP_RINGBUF, NULL);
		printf("{\"producers\":%d,\"produced\":%llu,\"drained\":%llu,\"kernel_drops\":%llu,"
		       "\"drain_seconds\":%.4f,\"drain_capacity_per_s\":%.0f,\"ring_bytes\":%llu}\n",
		       nprod, (unsigned long long)produced, (unsigned long long)ds.events,
		       (unsigned long long)kdrops, t1 - t0, (double)ds.events / (t1 - t0),
		       (unsigned long long)cfg.ring_bytes);
		drain__free(d);
		loader__free(ld);
		eventlog__free(log);
		return 0;
	}
	if (drain__start(d))
		return 1;
	t0 = now_s();
	for (long i = 0; i < nprod; i++)
		pthread_create(&th[i], NULL, producer, (void *)(i % sysconf(_SC_NPROCESSORS_ONLN)));
	usleep((useconds_t)(secs * 1e6));
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < nprod; i++)
		pthread_join(th[i], NULL);
	t1 = now_s();
	loader__detach(ld);
	drain__stop(d);
	drain__stats(d, &ds);
	eventlog__stats(log, &ls);
	kdrops = loader__drops(ld, HL_DROP_RINGBUF, NULL);
	printf("{\"producers\":%d,\"seconds\":%.3f,\"produced\":%llu,\"drained\":%llu,"
	       "\"kernel_drops\":%llu,\"malformed\":%llu,\"drained_per_s\":%.0f,\"in_log\":%llu,"
	       "\"polls\":%llu,\"ring_bytes\":%llu,\"produced_per_s\":%.0f}\n",
	       nprod, t1 - t0, (unsigned long long)produced, (unsigned long long)ds.events,
	       (unsigned long long)kdrops, (unsigned long long)ds.malformed,
	       (double)ds.events / (t1 - t0), (unsigned long long)ls.appended,
	       (unsigned long long)ds.wakeups, (unsigned long long)cfg.ring_bytes,
	       (double)produced / (t1 - t0));
	drain__free(d);
	loader__free(ld);
	eventlog__free(log);
	return 0;
}
