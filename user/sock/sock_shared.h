/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What the signals that read payloads on the socket object (http, db) share,
 * on the processor thread: the process filter (user/http/http_ctl.c:
 * --pid, --comm, --cgroup; it applies to HTTP and database capture alike)
 * and the OpenSSL uprobes (user/http/http_tls.c: their plaintext goes to
 * whichever of the two the connection is). The first of the two modules to
 * start sets them up, the last to go tears them down, and either one's tick
 * looks for new libssl files (at most every SCAN_MS), so `--signals db`
 * sees TLS databases with HTTP capture off.
 */
#ifndef HOSTLENS_SOCK_SHARED_H
#define HOSTLENS_SOCK_SHARED_H

#include <stdint.h>

struct sock_bpf;
struct state;
struct config;
struct http_tls;

/* Takes a reference; the first one binds the filter to skel's maps and
 * attaches the uprobes to the system's libssl and the running processes'.
 * A bad filter is logged (capture waits for a good one), not an error. */
void sock_shared__get(struct sock_bpf *skel, struct state *st, const struct config *cfg);
/* Drops a reference; the last one detaches and unbinds. */
void sock_shared__put(void);
/* New processes' libssl files, at most once per SCAN_MS whoever calls. */
void sock_shared__tick(uint64_t now_ns);
/* The uprobe attacher (its libraries and counters), or NULL. */
const struct http_tls *sock_shared__tls(void);

#endif
