// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * hostlens: flags, signals and wiring only.
 *
 * DESIGN: every thread (drain, processor, web, sinks; see agent.c) is started
 * with SIGINT, SIGTERM and SIGHUP blocked; this main thread takes them in
 * sigwait(). SIGINT/SIGTERM stop the agent in order, SIGHUP reloads the
 * config file. `hostlens fleet` runs the fleet view instead (user/fleet/).
 * Exit: 0 clean stop, 1 runtime failure, 2 usage or config error.
 *
 * First of all the process makes itself non-dumpable, with no core size: it
 * holds captured request heads, tokens and credentials in memory, and a core
 * file (or a ptrace/procfs read by another process of the same uid without
 * CAP_SYS_PTRACE) would hand them out.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "user/runtime/agent.h"
#include "user/runtime/config.h"
#include "user/runtime/log.h"
#include "user/fleet/fleet.h"

/* No core dumps, no ptrace or /proc/PID/{mem,environ,maps} reads by a
 * process without CAP_SYS_PTRACE. 0 or -errno. */
static int no_dumps(void)
{
	struct rlimit zero = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) || setrlimit(RLIMIT_CORE, &zero))
		return -errno;
	return 0;
}

/* SIGHUP: the command line and the config file read again, handed to the
 * mode's reload (agent__reload, fleet__reload). */
static void reload(int (*apply)(void *, const struct config *, char *, size_t), void *mode,
		   int argc, char **argv)
{
	static struct config next;
	char err[512];

	if (config_load(&next, argc, argv, err, sizeof(err)) < 0) {
		pr_err("SIGHUP: config not reloaded: %s", err);
		return;
	}
	if (apply(mode, &next, err, sizeof(err)))
		pr_err("SIGHUP: config not reloaded: %s", err);
	else
		pr_info("SIGHUP: configuration reloaded");
}

static int agent_reload(void *a, const struct config *cfg, char *err, size_t errlen)
{
	return agent__reload(a, cfg, err, errlen);
}

static int fleet_reload(void *f, const struct config *cfg, char *err, size_t errlen)
{
	return fleet__reload(f, cfg, err, errlen);
}

/* Waits for SIGINT or SIGTERM (logged), reloading the mode on each SIGHUP. */
static void wait_stop(sigset_t *sigs, int (*apply)(void *, const struct config *, char *, size_t),
		      void *mode, int argc, char **argv)
{
	int sig;

	for (;;) {
		if (sigwait(sigs, &sig))
			continue;
		if (sig != SIGHUP)
			break;
		reload(apply, mode, argc, argv);
	}
	pr_info("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

/* Blocks the stop signals in every thread to come (sigwait takes them). */
static void block_signals(sigset_t *sigs)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* `hostlens fleet [OPTIONS]`: the fleet view (user/fleet/), no BPF, no root.
 * SIGHUP reloads (fleet__reload); SIGINT/SIGTERM stop it. */
static int fleet_main(int argc, char **argv)
{
	static struct config cfg;
	char err[512] = "";
	struct fleet *f;
	sigset_t sigs;
	int ret;

	ret = config_load(&cfg, argc, argv, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "hostlens fleet: %s\n", err);
		return 2;
	}
	if (ret > 0)
		return 0;
	if (cfg.check_config) {
		config_print(&cfg, stdout);
		return 0;
	}
	log_set_level_name(cfg.log_level);
	block_signals(&sigs);
	f = fleet__new(&cfg, err, sizeof(err));
	if (!f) {
		int config_error = errno == EINVAL;

		pr_err("fleet: %s", err);
		return config_error ? 2 : 1;
	}
	wait_stop(&sigs, fleet_reload, f, argc, argv);
	fleet__free(f);
	return 0;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	struct agent_opts o = { .cfg = &cfg };
	struct agent *a;
	char err[512] = "";
	sigset_t sigs;
	int ret;

	/* Two malloc arenas, not one per thread that allocates: the processor
	 * and the web server build and free JSON all day, and each per-thread
	 * arena keeps its own freed memory as RSS. They share little, so
	 * contention stays low. */
	mallopt(M_ARENA_MAX, 2);
	ret = no_dumps();
	if (ret) {
		fprintf(stderr, "hostlens: cannot turn core dumps off: %s\n", strerror(-ret));
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "fleet"))
		return fleet_main(argc - 1, argv + 1);
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

	/* every thread inherits this mask; only sigwait below takes signals */
	block_signals(&sigs);
	/* a file size limit (ulimit -f) is a write error the sinks handle
	 * (spool it, hold it, count it), not a reason to dump core */
	signal(SIGXFSZ, SIG_IGN);

	a = agent__new(&o, err, sizeof(err));
	if (!a) {
		int config_error = errno == EINVAL;

		pr_err("%s", err);
		return config_error ? 2 : 1;
	}
	wait_stop(&sigs, agent_reload, a, argc, argv);
	agent__free(a);
	return 0;
}
