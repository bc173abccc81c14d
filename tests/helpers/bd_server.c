// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: thread-per-connection HTTP/1.1 test server with requests of known
 * cost, for the latency breakdown tests. The main thread accepts; each
 * connection gets its own detached thread that reads one request, does the
 * route's work, answers (Content-Length, Connection: close) and exits. No
 * state is shared between threads but the read-only options.
 *
 *   bd_server PORTFILE [--file PATH] [--down PORT]
 *
 * Routes (the first path segment; the rest is free, e.g. /cpu/3):
 *   /cpu     burns 50 ms of the thread's CPU time
 *   /sleep   sleeps 50 ms
 *   /io      reads 8 MiB of PATH with O_DIRECT (1 MiB reads)
 *   /down    GET /sleep from the server on 127.0.0.1:PORT, from this thread
 *   /runq    burns 50 ms of CPU (run it pinned with busy neighbours)
 *   other    answers at once
 * Every answer carries X-Cost-Ms: the measured cost of the route's work
 * (cpu: thread CPU time; sleep, down: wall time of the call; io, runq:
 * wall time minus the thread's CPU time, i.e. the time spent waiting) and
 * X-Wait-Ms (cpu: wall time minus CPU time of the burn) and X-Cpu-Ms (io: the
 * thread's CPU time spent issuing the reads).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IO_TOTAL (8u << 20)
#define IO_CHUNK (1u << 20)

static const char *io_path;
static int down_port;

static double ms_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* burns ms of this thread's CPU time; returns the wall time it took */
static double burn(double ms)
{
	double c0 = ms_of(CLOCK_THREAD_CPUTIME_ID), w0 = ms_of(CLOCK_MONOTONIC);
	volatile unsigned long x = 0;

	while (ms_of(CLOCK_THREAD_CPUTIME_ID) - c0 < ms)
		for (int i = 0; i < 2000; i++)
			x += (unsigned long)i;
	return ms_of(CLOCK_MONOTONIC) - w0;
}

/* reads IO_TOTAL with O_DIRECT; *cpu_ms gets the thread's CPU time of it */
static double do_io(double *cpu_ms)
{
	double w0 = ms_of(CLOCK_MONOTONIC), c0 = ms_of(CLOCK_THREAD_CPUTIME_ID);
	void *buf = NULL;
	int fd, bad = 0;

	if (!io_path || posix_memalign(&buf, 4096, IO_CHUNK))
		return -1;
	fd = open(io_path, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		free(buf);
		return -1;
	}
	for (unsigned int off = 0; off < IO_TOTAL; off += IO_CHUNK)
		if (pread(fd, buf, IO_CHUNK, off) != (ssize_t)IO_CHUNK)
			bad = 1;
	close(fd);
	free(buf);
	if (bad)
		return -1;
	*cpu_ms = ms_of(CLOCK_THREAD_CPUTIME_ID) - c0;
	return ms_of(CLOCK_MONOTONIC) - w0 - *cpu_ms;
}

static double do_down(void)
{
	static const char req[] = "GET /sleep HTTP/1.1\r\nHost: down\r\nConnection: close\r\n\r\n";
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)down_port) };
	double w0 = ms_of(CLOCK_MONOTONIC);
	char buf[1024];
	ssize_t n;
	int fd;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) || write(fd, req, sizeof(req) - 1) < 0) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return ms_of(CLOCK_MONOTONIC) - w0;
}

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char req[2048], path[256] = "", resp[512];
	struct timespec ts = { 0, 50 * 1000000L };
	size_t got = 0;
	double cost = 0, wait = 0, cpu = 0, w;
	ssize_t n;
	int len;

	while (got < sizeof(req) - 1 && (n = read(fd, req + got, sizeof(req) - 1 - got)) > 0) {
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	if (!got || sscanf(req, "%*s %255s", path) != 1)
		goto out;
	if (!strncmp(path, "/cpu", 4)) {
		wait = burn(50) - 50; /* a busy host can still make it wait */
		cost = 50;
	} else if (!strncmp(path, "/sleep", 6)) {
		w = ms_of(CLOCK_MONOTONIC);
		nanosleep(&ts, NULL);
		cost = ms_of(CLOCK_MONOTONIC) - w;
	} else if (!strncmp(path, "/io", 3)) {
		cost = do_io(&cpu);
	} else if (!strncmp(path, "/down", 5)) {
		cost = do_down();
	} else if (!strncmp(path, "/runq", 5)) {
		cost = burn(50) - 50;
	}
	len = snprintf(resp, sizeof(resp),
		       "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
		       "X-Cost-Ms: %.3f\r\nX-Wait-Ms: %.3f\r\nX-Cpu-Ms: %.3f\r\n"
		       "Connection: close\r\n\r\nok\n",
		       cost < 0 ? "500 Internal Server Error" : "200 OK", cost, wait, cpu);
	if (write(fd, resp, (size_t)len) < 0)
		perror("write");
out:
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	pthread_attr_t attr;
	int lfd, one = 1;
	FILE *pf;

	if (argc < 2) {
		fprintf(stderr, "usage: bd_server PORTFILE [--file PATH] [--down PORT]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--file"))
			io_path = argv[i + 1];
		else if (!strcmp(argv[i], "--down"))
			down_port = atoi(argv[i + 1]);
	}
	signal(SIGPIPE, SIG_IGN);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 128) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al)) {
		perror("bd_server: listen");
		return 1;
	}
	pf = fopen(argv[1], "w");
	if (!pf) {
		perror(argv[1]);
		return 1;
	}
	fprintf(pf, "%u\n", ntohs(a.sin_port));
	fclose(pf);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		pthread_t t;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("accept");
			return 1;
		}
		if (pthread_create(&t, &attr, serve, (void *)(long)fd)) {
			close(fd);
			continue;
		}
	}
}
