/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The parts of the OpenSSL uprobe attacher (http_tls.c) that read what any
 * local user can write: the mount check (the ELF symbol resolver for libssl
 * files is http_tls_elf.h); its life cycle; and the counters pm_http shows.
 */
#ifndef HOSTLENS_HTTP_TLS_H
#define HOSTLENS_HTTP_TLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/* Libraries probed at once; a file beyond that waits (http_tls.c DESIGN). */
#define TLS_MAX_LIBS 32

/*
 * True when mountinfo (a /proc/PID/mountinfo file) says the filesystem of
 * device maj:min is FUSE: its reads answer when a user's daemon decides, so
 * the attacher never opens files there (the processor thread would hang).
 */
bool tls_mount_is_fuse(const char *mountinfo, unsigned int maj, unsigned int min);

struct http_tls;
struct bpf_object;

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

struct prom;

/* Adds "tls_libraries" ([{"path","probes"}]), "tls_libraries_full_total" and
 * "tls_libraries_evicted_total" to obj (the "http" topic), and the
 * hostlens_http_tls_libraries* families to w. */
void http_tls__publish(const struct http_tls *t, json_t *obj, struct prom *w);

#endif
