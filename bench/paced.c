// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * paced: an open-loop HTTP/1.1 load generator for overhead benchmarks.
 *
 *   paced HOST PORT PATH RATE SECONDS [CONNS]
 *
 * Sends RATE requests per second for SECONDS over CONNS keep-alive
 * connections (default 16), one request in flight per connection. Request i
 * is due at start + i / RATE; it goes out on the first idle connection at
 * or after that time, and its latency runs from when it was due (not from
 * when it was sent), so a slow server is charged for the queue it causes
 * (no coordinated omission). Requests that find every connection busy wait
 * in order. Responses must carry Content-Length.
 *
 * Prints one JSON line: {"rate":..,"sent":..,"done":..,"errors":..,
 * "late":.. (due more than 1 ms before a connection was free),
 * "achieved_per_s":..,"p50_us":..,"p90_us":..,"p99_us":..,"max_us":..}.
 * One thread, epoll; every latency is kept (RATE * SECONDS of them). With
 * PACED_LAT=FILE set, they are also written there (nanoseconds, native
 * uint64, sorted): bench/paced.sh pools them over rounds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256

struct conn {
	int fd;
	bool busy;
	uint64_t due_ns; /* of the request in flight */
	char buf[16384];
	size_t have;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int conn_open(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A whole response in c->buf: its length, 0 when more is needed, -1 bad. */
static long response_len(const struct conn *c)
{
	const char *end = memmem(c->buf, c->have, "\r\n\r\n", 4), *cl;
	long body;

	if (!end)
		return c->have >= sizeof(c->buf) ? -1 : 0;
	cl = memmem(c->buf, (size_t)(end - c->buf), "Content-Length:", 15);
	if (!cl)
		cl = memmem(c->buf, (size_t)(end - c->buf), "content-length:", 15);
	if (!cl)
		return -1;
	body = strtol(cl + 15, NULL, 10);
	if (body < 0 || (size_t)(end + 4 - c->buf) + (size_t)body > sizeof(c->buf))
		return -1;
	return (size_t)(end + 4 - c->buf) + (size_t)body <= c->have ? (end + 4 - c->buf) + body : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	static struct conn conns[MAX_CONNS];
	struct epoll_event ev, evs[MAX_CONNS];
	uint64_t *lat, start, end, next_due, sent = 0, done = 0, errors = 0, late = 0;
	double rate, secs;
	char req[1024];
	const char *extra;
	int nconns, ep, reqlen;
	uint64_t total;

	if (argc < 6) {
		fprintf(stderr, "usage: %s HOST PORT PATH RATE SECONDS [CONNS [BROWSER]]\n",
			argv[0]);
		return 2;
	}
	sa.sin_port = htons((uint16_t)atoi(argv[2]));
	rate = atof(argv[4]);
	secs = atof(argv[5]);
	nconns = argc > 6 ? atoi(argv[6]) : 16;
	/* BROWSER 1: the headers a browser sends (User-Agent, Referer, Accept...) */
	extra = argc > 7 && atoi(argv[7]) ?
			"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
			"Chrome/131.0.0.0 Safari/537.36\r\nAccept: text/html,application/xhtml+xml\r\n"
			"Accept-Language: en-US,en;q=0.9\r\nReferer: https://www.google.com/\r\n" :
			"User-Agent: paced/1\r\n";
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || rate <= 0 || secs <= 0 ||
	    nconns < 1 || nconns > MAX_CONNS) {
		fprintf(stderr, "paced: bad arguments\n");
		return 2;
	}
	total = (uint64_t)(rate * secs);
	lat = calloc(total + 1, sizeof(*lat));
	reqlen = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%s\r\n%s\r\n", argv[3],
			  argv[1], argv[2], extra);
	ep = epoll_create1(0);
	if (!lat || ep < 0 || reqlen >= (int)sizeof(req))
		return 1;
	for (int i = 0; i < nconns; i++) {
		conns[i].fd = conn_open(&sa);
		if (conns[i].fd < 0) {
			perror("paced: connect");
			return 1;
		}
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
	}
	/* sleep until the next request is due, to the microsecond: a client
	 * that spins (a millisecond timeout rounds to 0 at these rates) takes a
	 * whole CPU from the server and the agent being measured */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	start = now_ns();
	end = start + (uint64_t)(secs * 1e9);
	while (done + errors < total) {
		uint64_t t = now_ns();
		struct timespec wait = { .tv_sec = 0, .tv_nsec = 100000000 };
		int n;

		/* send every request that is due, in order, on idle connections */
		for (int i = 0; i < nconns && sent < total; i++) {
			next_due = start + (uint64_t)((double)sent * 1e9 / rate);
			if (next_due > t)
				break;
			if (conns[i].busy)
				continue;
			if (write(conns[i].fd, req, (size_t)reqlen) != reqlen) {
				errors++;
				sent++;
				continue;
			}
			late += t - next_due > 1000000;
			conns[i].busy = true;
			conns[i].due_ns = next_due;
			conns[i].have = 0;
			sent++;
		}
		if (sent < total) {
			next_due = start + (uint64_t)((double)sent * 1e9 / rate);
			t = now_ns();
			uint64_t d = next_due > t ? next_due - t : 0;

			wait.tv_sec = (time_t)(d / 1000000000ull);
			wait.tv_nsec = (long)(d % 1000000000ull);
		}
		if (t > end + 5000000000ull) /* 5 s past the end: give up on the rest */
			break;
		n = epoll_pwait2(ep, evs, nconns, &wait, NULL);
		for (int k = 0; k < n; k++) {
			struct conn *c = &conns[evs[k].data.u32];
			ssize_t r = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
			long len;

			if (r <= 0) {
				fprintf(stderr, "paced: connection closed\n");
				return 1;
			}
			c->have += (size_t)r;
			len = response_len(c);
			if (len < 0) {
				fprintf(stderr, "paced: bad response\n");
				return 1;
			}
			if (len > 0 && c->busy) {
				lat[done++] = now_ns() - c->due_ns;
				c->busy = false;
				c->have = 0;
			}
		}
	}
	{
		double el = (double)(now_ns() - start) / 1e9;

		const char *dump = getenv("PACED_LAT");

		qsort(lat, done, sizeof(*lat), cmp_u64);
		if (dump && *dump) { /* for percentiles pooled over rounds */
			FILE *f = fopen(dump, "wb");

			if (!f || fwrite(lat, sizeof(*lat), done, f) != done || fclose(f)) {
				perror("paced: PACED_LAT");
				return 1;
			}
		}
#define Q(q) (done ? (double)lat[(uint64_t)((double)(done - 1) * (q))] / 1e3 : 0)
		printf("{\"rate\":%.0f,\"sent\":%llu,\"done\":%llu,\"errors\":%llu,\"late\":%llu,"
		       "\"achieved_per_s\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f}\n",
		       rate, (unsigned long long)sent, (unsigned long long)done,
		       (unsigned long long)errors, (unsigned long long)late, (double)done / el,
		       Q(0.5), Q(0.9), Q(0.99), Q(1.0));
#undef Q
	}
	for (int i = 0; i < nconns; i++)
		close(conns[i].fd);
	free(lat);
	return done == total ? 0 : 1;
}
