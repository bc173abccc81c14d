// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The socket object (bpf/sock/sock.bpf.c): one program per socket hook,
 * shared by the signals that work on sockets (net, http, db). Each of them names
 * it in its row (`.object = "sock"`) and sets its own knobs on it
 * (net_signal.c, http_signal.c, db_signal.c); this opens it for all of them. */
#include "user/pipeline/loader.h"
#include "user/sock/sock_object.h"
#include "sock.skel.h"

void *sock_object_open(const struct loader_opts *o, struct bpf_object **obj)
{
	struct sock_bpf *s = sock_bpf__open();

	if (!s)
		return NULL;
	s->rodata->targ_wakeup_bytes = o->cfg->wakeup_bytes;
	*obj = s->obj;
	return s;
}

void sock_object_destroy(void *s)
{
	sock_bpf__destroy(s);
}
