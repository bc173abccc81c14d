/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Shared bounded reader for small /proc and /sys files. A struct procbuf is
 * owned by one collector and reused every tick: a read costs open+read+close
 * and no allocation, except that the buffer doubles (up to PROCFILE_MAX) the
 * first time a file does not fit, e.g. /proc/stat on a 128-CPU host.
 */
#ifndef HOSTLENS_PROCFILE_H
#define HOSTLENS_PROCFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#define PROCFILE_MAX (4u << 20)

struct procbuf {
	char *buf;
	size_t cap;
	size_t len;
};

/* Prepares pb with an initial capacity. 0 or -ENOMEM. */
int procbuf__init(struct procbuf *pb, size_t cap);
void procbuf__free(struct procbuf *pb);

/*
 * Reads the whole file root/rel (rel starts without '/') into pb->buf,
 * NUL-terminated; pb->len is its length. 0, -ENOENT (or another -errno
 * from open/read), -EFBIG when the file exceeds PROCFILE_MAX.
 */
int procbuf__read(struct procbuf *pb, const char *root, const char *rel);

/*
 * Reads a small file (one value, e.g. a sysfs attribute) into buf of size
 * cap, NUL-terminated, trailing newline removed. Returns the length or
 * -errno. Never allocates.
 */
ssize_t procfile_read_small(const char *root, const char *rel, char *buf, size_t cap);

/*
 * Returns the next line of the text at *cur (NUL-terminating it in place)
 * and advances *cur past it; NULL at the end.
 */
char *procfile_next_line(char **cur);

/*
 * Increase of a monotonic counter between two reads. cur < prev means the
 * counter wrapped or was reset: a 32-bit or 64-bit wrap is recognised when
 * prev was near the top of that range (the increase is then small);
 * anything else is a reset (device re-created, driver reloaded), and the
 * counter is taken to have restarted from zero, so the increase is cur.
 */
uint64_t counter_delta(uint64_t prev, uint64_t cur);

/* Per-second rate of delta over dt_ns (0 when dt_ns is 0). */
double rate_per_s(uint64_t delta, uint64_t dt_ns);

/*
 * A growing table of per-device entries whose first member is char name[32]
 * (disks, interfaces): returns the entry named name, or appends a zeroed one
 * with that name (table doubled as needed). NULL on allocation failure.
 */
void *named_table__get(void **base, size_t *n, size_t *cap, size_t elem_size, const char *name);

#endif
