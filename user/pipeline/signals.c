// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The signals, one row each (signal.h). Adding a signal: its folders and a
 * row here. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "user/pipeline/signal.h"

extern const struct signal cpu_signal, disk_signal, net_signal, http_signal, db_signal;

const struct signal *const signals[] = {
	&cpu_signal, &disk_signal, &net_signal, &http_signal, &db_signal, NULL,
};

const struct signal *signal_find(const char *name)
{
	for (const struct signal *const *s = signals; *s; s++)
		if (!strcmp((*s)->name, name))
			return *s;
	return NULL;
}

const struct signal_drop *signal_drop_find(enum hl_drop r, const struct signal **owner)
{
	for (const struct signal *const *s = signals; *s; s++)
		for (const struct signal_drop *d = (*s)->drops; d && d->name; d++)
			if (d->reason == r) {
				if (owner)
					*owner = *s;
				return d;
			}
	return NULL;
}

static char default_list[256], names_list[256];
static pthread_once_t lists_once = PTHREAD_ONCE_INIT;

static void lists_build(void)
{
	size_t d = 0, n = 0;

	for (const struct signal *const *s = signals; *s; s++) {
		if ((*s)->default_on)
			d += (size_t)snprintf(default_list + d, sizeof(default_list) - d, "%s%s",
					      d ? "," : "", (*s)->name);
		n += (size_t)snprintf(names_list + n, sizeof(names_list) - n, "%s%s", n ? ", " : "",
				      (*s)->name);
	}
}

const char *signals_default_list(void)
{
	pthread_once(&lists_once, lists_build);
	return default_list;
}

const char *signals_names_list(void)
{
	pthread_once(&lists_once, lists_build);
	return names_list;
}
