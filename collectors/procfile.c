// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Bounded /proc and /sys reader shared by the collectors (procfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/procfile.h"

int procbuf__init(struct procbuf *pb, size_t cap)
{
	pb->buf = malloc(cap);
	if (!pb->buf)
		return -ENOMEM;
	pb->cap = cap;
	pb->len = 0;
	pb->buf[0] = '\0';
	return 0;
}

void procbuf__free(struct procbuf *pb)
{
	free(pb->buf);
	pb->buf = NULL;
	pb->cap = pb->len = 0;
}

static int procfile_open(const char *root, const char *rel)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", root, rel);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	n = open(path, O_RDONLY | O_CLOEXEC);
	return n < 0 ? -errno : n;
}

/* Reads fd until EOF or until buf is full; returns bytes or -errno. */
static ssize_t read_all(int fd, char *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int procbuf__read(struct procbuf *pb, const char *root, const char *rel)
{
	for (;;) {
		int fd = procfile_open(root, rel);
		ssize_t n;

		if (fd < 0)
			return fd;
		n = read_all(fd, pb->buf, pb->cap - 1);
		close(fd);
		if (n < 0)
			return (int)n;
		if ((size_t)n < pb->cap - 1) {
			pb->len = (size_t)n;
			pb->buf[n] = '\0';
			return 0;
		}
		/* Full buffer: the file may be longer. Grow once and reread, so
		 * the text is one consistent snapshot (procfs regenerates it). */
		if (pb->cap >= PROCFILE_MAX)
			return -EFBIG;
		char *nb = realloc(pb->buf, pb->cap * 2);

		if (!nb)
			return -ENOMEM;
		pb->buf = nb;
		pb->cap *= 2;
	}
}

ssize_t procfile_read_small(const char *root, const char *rel, char *buf, size_t cap)
{
	int fd = procfile_open(root, rel);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = read_all(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

char *procfile_next_line(char **cur)
{
	char *s = *cur, *nl;

	if (!s || !*s)
		return NULL;
	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*cur = nl + 1;
	} else {
		*cur = s + strlen(s);
	}
	return s;
}

uint64_t counter_delta(uint64_t prev, uint64_t cur)
{
	if (cur >= prev)
		return cur - prev;
	/* 32-bit counter wrapped: prev was within 2^30 of 2^32. */
	if (prev <= UINT32_MAX && prev > UINT32_MAX - (1u << 30) && cur < (1u << 30))
		return (uint64_t)UINT32_MAX - prev + 1 + cur;
	/* 64-bit wrap, same rule. */
	if (prev > UINT64_MAX - (1ull << 62) && cur < (1ull << 62))
		return UINT64_MAX - prev + 1 + cur;
	return cur; /* reset: restarted from zero */
}

double rate_per_s(uint64_t delta, uint64_t dt_ns)
{
	if (!dt_ns)
		return 0;
	return (double)delta * 1e9 / (double)dt_ns;
}

void *named_table__get(void **base, size_t *n, size_t *cap, size_t elem_size, const char *name)
{
	char *e;

	for (size_t i = 0; i < *n; i++) {
		e = (char *)*base + i * elem_size;
		if (!strncmp(e, name, 32))
			return e;
	}
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void *nb = realloc(*base, ncap * elem_size);

		if (!nb)
			return NULL;
		*base = nb;
		*cap = ncap;
	}
	e = (char *)*base + (*n)++ * elem_size;
	memset(e, 0, elem_size);
	snprintf(e, 32, "%s", name);
	return e;
}
