/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The whole agent wired together: loader, event log, drain, collectors,
 * processor, sinks and web server, started in dependency order and stopped
 * in reverse (detach, last drain, last tick and flush, sinks, web).
 * main.c owns flags and signals; tests and benchmarks embed an agent too.
 */
#ifndef HOSTLENS_AGENT_H
#define HOSTLENS_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "user/runtime/config.h"
#include "user/pipeline/state.h"

struct agent;

struct agent_opts {
	const struct config *cfg;
	bool no_web; /* embedders that read the state directly */
};

/* Starts everything. NULL with a one-line reason in err on failure. */
struct agent *agent__new(const struct agent_opts *o, char *err, size_t errlen);

/* The published state (topics, series, updates). */
struct state *agent__state(struct agent *a);

/* Applies what can change safely from a reloaded config (filters, alert rules,
 * sink settings). 0, or -EINVAL with err set (nothing changed). */
int agent__reload(struct agent *a, const struct config *cfg, char *err, size_t errlen);

/* Stops in order: detach, last drain, last tick and flush, sinks, web.
 * The state stays readable until agent__free. */
void agent__stop(struct agent *a);

/* Stops (if still running) and frees. NULL ok. */
void agent__free(struct agent *a);

#endif
