// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The database signal's row (user/pipeline/signal.h): its part of the socket
 * object (bpf/db/db.bpf.h in bpf/sock/sock.bpf.c) and its knob, the
 * processor module (pm_db.c) and its topic. On by default: a socket that is
 * no database costs one socket-storage lookup per call, an HTTP connection
 * none (bench/RESULTS.md, issue 20). */
#include "user/db/pm_db.h"
#include "user/pipeline/loader.h"
#include "user/pipeline/signal.h"
#include "user/sock/sock_object.h"
#include "sock.skel.h"

static void db_knobs(void *skel, const struct loader_opts *o, bool on)
{
	struct sock_bpf *s = skel;

	s->rodata->targ_db = on;
	/* the process filter (http's maps, shared) applies to database capture too */
	s->rodata->targ_filter_at_start = o->cfg->n_pids || o->cfg->n_comms || o->cfg->n_cgroups;
}

const struct signal db_signal = {
	.name = "db",
	.default_on = true,
	.open = sock_object_open,
	.destroy = sock_object_destroy,
	.object = "sock",
	.knobs = db_knobs,
	.prog_prefix = "db_",
	.pmod = &pm_db_ops,
	.topics =
		(const struct signal_topic[]){
			{ "databases",
			  "{\"operations\":[],\"servers\":[],\"clients\":[],\"stats\":{},"
			  "\"connections_active\":0}" },
			{ NULL },
		},
};
