// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * What one socket call or one context switch costs, for bench/floor.sh:
 *   callcost sock SECONDS    ns per 1-byte send + recv pair on a unix
 *                            socketpair (each fires sock_send_length /
 *                            sock_recv_length once)
 *   callcost switch SECONDS  ns per ping-pong of two threads pinned to CPU 0
 *                            over pipes (two switches, two wake-ups)
 * Prints one number: ns per pair / per round trip. Run alternately with and
 * without BPF programs attached, the difference is what they add.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pin0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int sock_cost(double secs)
{
	double t0, t;
	long n = 0;
	char b = 'x';
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	pin0();
	t0 = now_s();
	do {
		for (int i = 0; i < 1000; i++)
			if (send(sv[0], &b, 1, 0) != 1 || recv(sv[1], &b, 1, 0) != 1) {
				perror("send/recv");
				return 1;
			}
		n += 1000;
		t = now_s();
	} while (t - t0 < secs);
	printf("%.1f\n", (t - t0) * 1e9 / (double)n);
	return 0;
}

static int p1[2], p2[2];
static volatile int stop;

static void *ponger(void *arg)
{
	char b;

	(void)arg;
	pin0();
	while (read(p1[0], &b, 1) == 1 && !stop)
		if (write(p2[1], &b, 1) != 1)
			break;
	return NULL;
}

static int switch_cost(double secs)
{
	pthread_t th;
	double t0, t;
	long n = 0;
	char b = 'x';

	if (pipe(p1) || pipe(p2)) {
		perror("pipe");
		return 1;
	}
	pin0();
	pthread_create(&th, NULL, ponger, NULL);
	t0 = now_s();
	do {
		for (int i = 0; i < 200; i++)
			if (write(p1[1], &b, 1) != 1 || read(p2[0], &b, 1) != 1) {
				perror("pipe");
				return 1;
			}
		n += 200;
		t = now_s();
	} while (t - t0 < secs);
	stop = 1;
	if (write(p1[1], &b, 1) != 1)
		return 1;
	pthread_join(th, NULL);
	printf("%.1f\n", (t - t0) * 1e9 / (double)n);
	return 0;
}

int main(int argc, char **argv)
{
	double secs = argc > 2 ? atof(argv[2]) : 1.0;

	if (argc < 2 || secs <= 0) {
		fprintf(stderr, "usage: callcost sock|switch SECONDS\n");
		return 2;
	}
	if (!strcmp(argv[1], "sock"))
		return sock_cost(secs);
	if (!strcmp(argv[1], "switch"))
		return switch_cost(secs);
	fprintf(stderr, "callcost: unknown mode '%s' (sock, switch)\n", argv[1]);
	return 2;
}
