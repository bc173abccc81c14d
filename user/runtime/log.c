// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "user/runtime/log.h"

static enum log_level cur_level = LOG_INFO;

void log_set_level(enum log_level lvl)
{
	__atomic_store_n(&cur_level, lvl, __ATOMIC_RELAXED);
}

void log_set_level_name(const char *name)
{
	static const char *names[] = { "error", "warn", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(name, names[i]))
			log_set_level((enum log_level)i);
}

enum log_level log_get_level(void)
{
	return __atomic_load_n(&cur_level, __ATOMIC_RELAXED);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *tags[] = { "error: ", "warning: ", "", "debug: " };
	char line[1024];
	va_list ap;
	int n;

	if (lvl > log_get_level())
		return;
	n = snprintf(line, sizeof(line), "hostlens: %s", tags[lvl]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}
