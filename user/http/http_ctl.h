/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The HTTP capture filter (http_ctl.c): bound by the module (pm_http.c) to
 * the loaded maps; changed at run time from any thread (the web server's
 * set_filters hook) while the module lives on the processor thread.
 */
#ifndef HOSTLENS_HTTP_CTL_H
#define HOSTLENS_HTTP_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "user/runtime/config.h"
#include "user/pipeline/state.h"

struct sock_bpf;

/* Binds the filter control to the loaded HTTP maps, applies cfg's --pid,
 * --comm, --cgroup and publishes "filters". 0 or -errno (err set). */
int http_ctl__init(struct sock_bpf *skel, struct state *st, const struct config *cfg, char *err,
		   size_t errlen);
/* Unbinds (later http_filters_set calls answer -ENOENT). */
void http_ctl__fini(void);
/* Tells BPF whether SSL uprobes are attached (keeps the filter as it is). */
void http_ctl__set_tls_active(bool on);

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
