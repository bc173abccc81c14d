/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Opens and frees the shared socket object (bpf/sock/sock.bpf.c) for the
 * signal rows that name it (.object = "sock"). */
#ifndef HOSTLENS_SOCK_OBJECT_H
#define HOSTLENS_SOCK_OBJECT_H

struct bpf_object;
struct loader_opts;

void *sock_object_open(const struct loader_opts *o, struct bpf_object **obj);
void sock_object_destroy(void *skel);

#endif
