// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * hostlens: flags, signals and wiring only.
 *
 * DESIGN: threads are the drain (kernel rings -> event log), the processor
 * (log + maps -> state, records), the web server and one per sink. This main
 * thread blocks every signal in all of them and waits in sigwait(): SIGINT and
 * SIGTERM stop the agent in order (detach, last drain, last tick and flush,
 * sinks, web), SIGHUP reloads the config. Exit: 0 clean, 1 runtime, 2 usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "drain.h"
#include "eventlog.h"
#include "loader.h"
#include "log.h"
#include "processor.h"
#include "state.h"

int main(int argc, char **argv)
{
	static struct config cfg;
	struct loader_opts lopts = { .cfg = &cfg };
	struct processor_deps pdeps = { 0 };
	struct eventlog *log = NULL;
	struct loader *ld = NULL;
	struct drain *drain = NULL;
	struct processor *proc = NULL;
	struct state *st = NULL;
	char err[512] = "", source[256];
	sigset_t sigs;
	int ret, sig, rc = 1;

	ret = config_load(&cfg, argc, argv, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "hostlens: %s\n", err);
		return 2;
	}
	if (ret > 0)
		return 0;
	if (cfg.check_config) {
		config_print(&cfg, stdout);
		fprintf(stderr, "hostlens: %s: configuration is valid\n", cfg.config_file);
		return 0;
	}
	log_set_level_name(cfg.log_level);
	if (cfg.source[0])
		snprintf(source, sizeof(source), "%s", cfg.source);
	else if (gethostname(source, sizeof(source)))
		snprintf(source, sizeof(source), "unknown");

	/* every thread inherits this mask; only sigwait below takes signals */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* kernel side: rings, programs */
	ld = loader__new(&lopts, err, sizeof(err));
	if (!ld) {
		pr_err("%s", err);
		goto out;
	}
	log = eventlog__new(cfg.log_bytes, cfg.log_shards ? cfg.log_shards : loader__nrings(ld));
	st = state__new();
	if (!log || !st) {
		pr_err("out of memory setting up the event log");
		goto out;
	}
	drain = drain__new(ld, log, cfg.drain_poll_ms);
	if (!drain || drain__start(drain)) {
		pr_err("cannot start the drain thread");
		goto out;
	}

	/* user side: processor -> state/records */
	pdeps.cfg = &cfg;
	pdeps.ld = ld;
	pdeps.log = log;
	pdeps.drain = drain;
	pdeps.st = st;
	pdeps.source = source;
	proc = processor__new(&pdeps);
	if (!proc || processor__start(proc)) {
		pr_err("cannot start the processor thread");
		goto out;
	}
	state__set_ready(st, true);
	pr_info("ready: signals cpu=%s disk=%s net=%s http=%s; dashboard http://%s/",
		loader__signal_status(ld, "cpu"), loader__signal_status(ld, "disk"),
		loader__signal_status(ld, "net"), loader__signal_status(ld, "http"), cfg.listen);

	for (;;) {
		if (sigwait(&sigs, &sig))
			continue;
		if (sig == SIGHUP) {
			pr_info("SIGHUP: reload is not supported by this build; ignoring");
			continue;
		}
		pr_info("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
		break;
	}
	rc = 0;
out:
	if (st)
		state__set_ready(st, false);
	/* detach first so no new events come, then collect what is in flight */
	if (ld)
		loader__detach(ld);
	drain__stop(drain);
	processor__stop(proc);
	processor__free(proc);
	drain__free(drain);
	loader__free(ld);
	eventlog__free(log);
	state__free(st);
	return rc;
}
