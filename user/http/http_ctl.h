/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Internal pieces of the HTTP module: the filter control (http_ctl.c) and
 * the OpenSSL uprobe attacher (http_tls.c). Used by pm_http.c only. */
#ifndef HOSTLENS_HTTP_CTL_H
#define HOSTLENS_HTTP_CTL_H

#include <stdbool.h>
#include <jansson.h>

#include "user/runtime/config.h"
#include "user/pipeline/loader.h"
#include "user/pipeline/state.h"

/* Binds the filter control to the loaded HTTP maps, applies cfg's --pid,
 * --comm, --cgroup and publishes "filters". 0 or -errno (err set). */
int http_ctl__init(struct loader *ld, struct state *st, const struct config *cfg, char *err,
		   size_t errlen);
/* Unbinds (later http_filters_set calls answer -ENOENT). */
void http_ctl__fini(void);
/* Tells BPF whether SSL uprobes are attached (keeps the filter as it is). */
void http_ctl__set_tls_active(bool on);

struct http_tls;

/* Attacher for SSL_read/SSL_write(_ex) uprobes, one set per libssl file. */
struct http_tls *http_tls__new(struct bpf_object *obj, const char *proc_root);
/* Scans processes not seen before for a mapped libssl and attaches to new
 * ones; returns how many libraries were newly attached. */
int http_tls__scan(struct http_tls *t);
/* Attaches to a libssl file by path (e.g. the system's, before any process
 * maps it). 0, 1 when already attached, or -errno. */
int http_tls__attach_path(struct http_tls *t, const char *path);
int http_tls__nlibs(const struct http_tls *t);
/* [{"path","links"}] new reference */
json_t *http_tls__json(const struct http_tls *t);
void http_tls__free(struct http_tls *t);

#endif
