// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The socket object (bpf/sock/sock.bpf.c): one program per socket hook,
 * shared by the signals that work on sockets (net, http, db). Each of them names
 * it in its row (`.object = "sock"`) and sets its own knobs on it
 * (net_signal.c, http_signal.c, db_signal.c); this opens it for all of them. */
#include <stdbool.h>
#include <string.h>

#include "user/lib/uprobe_multi.h"
#include "user/pipeline/loader.h"
#include "user/runtime/caps.h"
#include "user/sock/sock_object.h"
#include "sock.skel.h"

/* The OpenSSL uprobes (ssl_*, bpf/http/http_tls.bpf.h) serve http and db:
 * loaded when either is on, attached after the capability drop
 * (user/sock/sock_shared.c), as uprobe_multi links where the kernel has
 * them, which need no CAP_SYS_ADMIN (caps.h). */
static void ssl_progs(struct sock_bpf *s, const struct config *cfg)
{
	bool on = config_signal_on(cfg, "http") || config_signal_on(cfg, "db");
	bool multi = on && caps_uprobe_multi_ok();
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, s->obj) {
		if (strncmp(bpf_program__name(prog), "ssl_", 4))
			continue;
		bpf_program__set_autoload(prog, on);
		if (multi)
			bpf_program__set_expected_attach_type(
				prog, (enum bpf_attach_type)UPROBE_MULTI_ATTACH);
	}
}

void *sock_object_open(const struct loader_opts *o, struct bpf_object **obj)
{
	struct sock_bpf *s = sock_bpf__open();

	if (!s)
		return NULL;
	s->rodata->targ_wakeup_bytes = config_wakeup_bytes(o->cfg);
	ssl_progs(s, o->cfg);
	*obj = s->obj;
	return s;
}

void sock_object_destroy(void *s)
{
	sock_bpf__destroy(s);
}
