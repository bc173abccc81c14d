// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * TCP workloads with known shapes for tests/bpf/test_net.sh. Prints one JSON
 * line per finished side with what it measured itself: ms from connect() or
 * accept() to the end of close(), and t0/t1, those instants on
 * CLOCK_MONOTONIC (comparable across the two processes).
 *   nd_tcp pair 4|6 TXN RXN HOLD_MS     client (this process) and server (a
 *                                       forked child) on loopback: the client
 *                                       sends TXN bytes, the server answers RXN
 *                                       bytes, both hold HOLD_MS, client closes
 *   nd_tcp server ADDR PORT RXN TXN READYFILE   one connection, then exit
 *   nd_tcp client ADDR PORT TXN RXN HOLD_MS
 *   nd_tcp refused 4|6                  connect to a loopback port nobody listens on
 *   nd_tcp linger 4|6                   connect, then close with SO_LINGER 0 (RST)
 *   nd_tcp many N [DEVICE]              N processes, one after another, each
 *                                       sending 1 byte over loopback TCP (and
 *                                       writing one 4 KiB O_DIRECT block to
 *                                       DEVICE): fills per-process maps
 * Exit status 0 when the side did what it was asked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int sockaddr_make(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!strcmp(addr, "4"))
		addr = "127.0.0.1";
	else if (!strcmp(addr, "6"))
		addr = "::1";
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return AF_INET6;
	}
	fprintf(stderr, "nd_tcp: bad address %s\n", addr);
	exit(2);
}

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					       ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int listener(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fam = sockaddr_make(addr, port, &ss, &len), one = 1;
	int fd = socket(fam, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 8)) {
		perror("nd_tcp: listen");
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_to(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fam = sockaddr_make(addr, port, &ss, &len);
	int fd = socket(fam, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int write_n(int fd, long n)
{
	static char buf[65536];

	memset(buf, 'x', sizeof(buf));
	while (n > 0) {
		ssize_t w = write(fd, buf, n < (long)sizeof(buf) ? (size_t)n : sizeof(buf));

		if (w <= 0)
			return -1;
		n -= w;
	}
	return 0;
}

/* Reads exactly n bytes (n < 0: until EOF); returns bytes read or -1. */
static long read_n(int fd, long n)
{
	static char buf[65536];
	long got = 0;

	while (n < 0 || got < n) {
		size_t want = n < 0 || n - got > (long)sizeof(buf) ? sizeof(buf) :
								     (size_t)(n - got);
		ssize_t r = read(fd, buf, want);

		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* accept one, read rxn, write txn, read to EOF, close */
static int serve_one(int lfd, long rxn, long txn)
{
	double t0, t1;
	long got, extra;
	int fd;

	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return 1;
	t0 = now_ms();
	got = read_n(fd, rxn);
	if (got != rxn || write_n(fd, txn))
		return 1;
	extra = read_n(fd, -1);
	close(fd);
	t1 = now_ms();
	printf("{\"side\":\"server\",\"pid\":%d,\"port\":%d,\"rx\":%ld,\"tx\":%ld,\"extra\":%ld,\"ms\":%.3f,"
	       "\"t0\":%.3f,\"t1\":%.3f}\n",
	       getpid(), port_of(lfd), got, txn, extra, t1 - t0, t0, t1);
	fflush(stdout);
	return extra == 0 ? 0 : 1;
}

static int client(const char *addr, int port, long txn, long rxn, long hold)
{
	double t0 = now_ms(), t1;
	int fd = connect_to(addr, port), lport;
	long got;

	if (fd < 0) {
		perror("nd_tcp: connect");
		return 1;
	}
	lport = port_of(fd);
	if (write_n(fd, txn))
		return 1;
	got = read_n(fd, rxn);
	sleep_ms(hold);
	close(fd);
	t1 = now_ms();
	printf("{\"side\":\"client\",\"pid\":%d,\"port\":%d,\"peer_port\":%d,\"tx\":%ld,\"rx\":%ld,\"ms\":%.3f,"
	       "\"t0\":%.3f,\"t1\":%.3f}\n",
	       getpid(), lport, port, txn, got, t1 - t0, t0, t1);
	fflush(stdout);
	return got == rxn ? 0 : 1;
}

static int pair(const char *fam, long txn, long rxn, long hold)
{
	int lfd = listener(fam, 0), port, status = 1;
	pid_t child;
	int rc;

	if (lfd < 0)
		return 1;
	port = port_of(lfd);
	fflush(stdout);
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0)
		_exit(serve_one(lfd, txn, rxn));
	close(lfd);
	rc = client(fam, port, txn, rxn, hold);
	waitpid(child, &status, 0);
	return rc || !WIFEXITED(status) || WEXITSTATUS(status);
}

static int refused(const char *fam)
{
	/* a port that was free a moment ago: bound, never listened, closed */
	int lfd = listener(fam, 0), port, fd;

	if (lfd < 0)
		return 1;
	port = port_of(lfd);
	close(lfd);
	fd = connect_to(fam, port);
	if (fd >= 0 || errno != ECONNREFUSED) {
		fprintf(stderr, "nd_tcp: connect to %d: expected ECONNREFUSED, got %s\n", port,
			fd >= 0 ? "a connection" : strerror(errno));
		return 1;
	}
	printf("{\"side\":\"refused\",\"pid\":%d,\"peer_port\":%d}\n", getpid(), port);
	return 0;
}

static int linger0(const char *fam)
{
	int lfd = listener(fam, 0), port, fd, sfd, lport;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char c;

	if (lfd < 0)
		return 1;
	port = port_of(lfd);
	fd = connect_to(fam, port);
	sfd = fd >= 0 ? accept(lfd, NULL, NULL) : -1;
	if (sfd < 0)
		return 1;
	lport = port_of(fd);
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
		return 1;
	close(fd); /* abortive close: RST */
	/* the server side sees the reset */
	if (read(sfd, &c, 1) != -1 || errno != ECONNRESET) {
		fprintf(stderr, "nd_tcp: server read after RST: expected ECONNRESET\n");
		return 1;
	}
	close(sfd);
	close(lfd);
	printf("{\"side\":\"linger\",\"pid\":%d,\"port\":%d,\"peer_port\":%d}\n", getpid(), lport,
	       port);
	return 0;
}

static int many(int n, const char *device)
{
	int lfd = listener("4", 0), port, ok = 0;
	void *block = NULL;

	if (lfd < 0)
		return 1;
	port = port_of(lfd);
	if (device && posix_memalign(&block, 4096, 4096))
		return 1;
	if (block)
		memset(block, 0, 4096);
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		pid_t child = fork();
		int status, sfd;
		char c;

		if (child < 0)
			return 1;
		if (child == 0) {
			int fd = connect_to("4", port), dfd = -1, rc = 0;

			if (fd < 0 || write(fd, "x", 1) != 1)
				rc = 1;
			if (device) {
				dfd = open(device, O_WRONLY | O_DIRECT);
				if (dfd < 0 || pwrite(dfd, block, 4096, (off_t)i * 4096) != 4096)
					rc = 1;
			}
			_exit(rc);
		}
		sfd = accept(lfd, NULL, NULL);
		if (sfd >= 0 && read(sfd, &c, 1) == 1)
			ok++;
		if (sfd >= 0)
			close(sfd);
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			ok--;
	}
	close(lfd);
	free(block);
	printf("{\"side\":\"many\",\"pid\":%d,\"n\":%d,\"ok\":%d}\n", getpid(), n, ok);
	return ok == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "pair"))
		return pair(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]));
	if (argc >= 7 && !strcmp(argv[1], "server")) {
		int lfd = listener(argv[2], atoi(argv[3]));
		FILE *f;

		if (lfd < 0)
			return 1;
		f = fopen(argv[6], "w");
		if (f) {
			fprintf(f, "%d\n", port_of(lfd));
			fclose(f);
		}
		return serve_one(lfd, atol(argv[4]), atol(argv[5]));
	}
	if (argc >= 7 && !strcmp(argv[1], "client"))
		return client(argv[2], atoi(argv[3]), atol(argv[4]), atol(argv[5]), atol(argv[6]));
	if (argc >= 3 && !strcmp(argv[1], "refused"))
		return refused(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "linger"))
		return linger0(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "many"))
		return many(atoi(argv[2]), argc >= 4 ? argv[3] : NULL);
	fprintf(stderr,
		"usage: nd_tcp pair 4|6 TXN RXN HOLD_MS | server ADDR PORT RXN TXN READYFILE |"
		" client ADDR PORT TXN RXN HOLD_MS | refused 4|6 | linger 4|6 | many N [DEVICE]\n");
	return 2;
}
