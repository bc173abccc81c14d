// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Helpers the engine (sink.c), the sinks and the unit tests share
 * (sink_util.h): retry backoff, cutting a batch to a sink's limits, logging,
 * the wall clock. Below the engine and the sinks: calls neither, so a
 * sink calling these never calls back into the file that drives it.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "sinks/sink_util.h"

int64_t sink_backoff_ms(unsigned attempt, int64_t base_ms, int64_t max_ms, uint32_t rnd)
{
	int64_t d = base_ms;

	for (unsigned i = 1; i < attempt && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	return d / 2 + (int64_t)(rnd % (uint32_t)(d / 2 + 1));
}

size_t sink_chunk_end(const size_t *cost, size_t n, size_t start, size_t max_records,
		      size_t max_bytes)
{
	size_t end = start, bytes = 0;

	while (end < n) {
		if (max_records && end - start >= max_records)
			break;
		if (max_bytes && end > start && bytes + cost[end] > max_bytes)
			break;
		bytes += cost[end];
		end++;
	}
	return end > start ? end : (start < n ? start + 1 : start);
}

void sink_log(const char *sink, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "hostlens: %s: %s\n", sink, buf);
}

int64_t sink_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
