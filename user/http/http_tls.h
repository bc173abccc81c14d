/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The parts of the OpenSSL uprobe attacher (http_tls.c) that read what any
 * local user can write: the mount check (the ELF symbol resolver for libssl
 * files is http_tls_elf.h); and the counters pm_http shows. The attacher's
 * life cycle is in http_ctl.h.
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

struct prom;

/* Adds "tls_libraries" ([{"path","probes"}]), "tls_libraries_full_total" and
 * "tls_libraries_evicted_total" to obj (the "http" topic), and the
 * hostlens_http_tls_libraries* families to w. */
void http_tls__publish(const struct http_tls *t, json_t *obj, struct prom *w);

#endif
