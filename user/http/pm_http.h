/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The HTTP module's run-time controls, callable from any thread (the web
 * server's set_filters hook). The module itself (pm_http_ops) lives on the
 * processor thread.
 */
#ifndef HOSTLENS_PM_HTTP_H
#define HOSTLENS_PM_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/*
 * Replaces the HTTP capture filters with body:
 *   {"pids":[123],"comms":["nginx"],"cgroups":["/sys/fs/cgroup/x.slice" | "<container id>"]}
 * Missing keys mean empty lists; all lists empty = capture every process.
 * Takes effect in BPF at once (running processes included) and publishes the
 * "filters" topic. 0; -EINVAL with a one-line reason in err for a bad body
 * or an unknown cgroup/container; -ENOENT when the HTTP signal is off.
 * Thread-safe.
 */
int http_filters_set(const json_t *body, char *err, size_t errlen);

/* The current filters as {"pids":[],"comms":[],"cgroups":[]} (new reference),
 * or NULL when the HTTP signal is off. Thread-safe. */
json_t *http_filters_get(void);

/*
 * Resolves a cgroup given as a path (absolute, or relative to
 * /sys/fs/cgroup) or a container id (searched for under /sys/fs/cgroup) to
 * the cgroup v2 id BPF sees. 0 or -ENOENT. cgroot NULL: /sys/fs/cgroup.
 */
int http_cgroup_resolve(const char *cgroot, const char *spec, uint64_t *id);

#endif
