/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * `hostlens fleet`: the fleet view. No BPF, no root: one reader thread reads
 * back what the agents' dynamodb sink wrote (Query and BatchGetItem on keys,
 * never a Scan; docs/fleet.md) and publishes the fleet's documents into a
 * struct state, which the same web server as the agent's serves.
 *
 * Files, each calling only the ones listed after it:
 *   fleet.c         the mode: thread, refresh loop, backoff, read budget, web hooks
 *   fleet_api.c     its API paths beyond the published topics (web thread)
 *   fleet_series.c  per-host rollup series: the bounded cache the web thread asks
 *   fleet_hosts.c   the bounded host table and the documents made from it
 *   fleet_read.c    DynamoDB request bodies and answers (no network: unit tested)
 */
#ifndef HOSTLENS_FLEET_H
#define HOSTLENS_FLEET_H

#include <stddef.h>

#include "user/runtime/config.h"

/* Its rows of the option table (user/runtime/config.c merges them in). */
extern const struct config_opt fleet_options[];

struct fleet;

/* Starts the fleet view of cfg: the web server (listener bound, so a busy
 * port fails here) and the reader thread. NULL and errno with err set:
 * EINVAL for what the configuration got wrong. */
struct fleet *fleet__new(const struct config *cfg, char *err, size_t errlen);

/* SIGHUP: the refresh period, window, stale age, read budget and configured
 * sources of cfg take effect at the reader's next wake-up (a refresh at once);
 * the log names what needs a restart (the table, sizes, the web server's
 * settings). 0, or -EINVAL with err set (nothing changed). */
int fleet__reload(struct fleet *f, const struct config *cfg, char *err, size_t errlen);

/* Stops the threads (bounded wait) and frees. NULL ok. */
void fleet__free(struct fleet *f);

#endif
