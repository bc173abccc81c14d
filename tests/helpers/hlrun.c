// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Test harness: runs the real agent (user/runtime/agent.c: loader, drain, event log,
 * collectors, processor, sinks) in-process with the given hostlens flags and, every 200 ms,
 * writes each published state topic to DIR/<topic>.json (atomically via
 * rename) so shell tests can assert on them without the web server.
 *   hlrun DIR [hostlens flags...]    stops on SIGINT/SIGTERM
 * DIR/ready appears once programs are attached.
 * Records of every flush are appended to DIR/records.ndjson (one per line).
 * Writing DIR/set_filters.json calls http_filters_set() with its contents
 * (the web server's hook); the answer lands in DIR/set_filters.result.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "user/runtime/agent.h"
#include "user/runtime/config.h"
#include "user/runtime/log.h"
#include "user/http/http_ctl.h"
#include "user/pipeline/processor.h"
#include "user/pipeline/state.h"

static volatile sig_atomic_t stop;

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static void dump(struct state *st, const char *dir, const char *topic)
{
	struct blob *b = state__get(st, topic);
	char path[4096], tmp[4200];
	FILE *f;

	if (!b)
		return;
	snprintf(path, sizeof(path), "%s/%s.json", dir, topic);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f) {
		fwrite(b->data, 1, b->len, f);
		fclose(f);
		rename(tmp, path);
	}
	blob__put(b);
}

/* The sinks' place: every record of a flush, one JSON line each. */
/* The web server's set_filters hook, driven through a file. */
static void set_filters(const char *dir)
{
	char path[4096], res[4200], err[256] = "";
	json_t *body;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/set_filters.json", dir);
	body = json_load_file(path, 0, NULL);
	if (!body)
		return;
	unlink(path);
	ret = http_filters_set(body, err, sizeof(err));
	json_decref(body);
	snprintf(res, sizeof(res), "%s/set_filters.result", dir);
	f = fopen(res, "w");
	if (f) {
		fprintf(f, "%s\n", ret ? err : "ok");
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	static const char *topics[] = { "summary",     "processes",	 "cpu",	     "disks",
					"connections", "routes",	 "requests", "alerts",
					"stats",       "host",		 "metrics",  "filters",
					"breakdown",   "disk_processes", "http",     "databases",
					NULL };
	static struct config cfg;
	struct agent_opts o = { .cfg = &cfg, .no_web = true };
	char err[512], path[4096];
	struct agent *a;
	const char *dir;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: hlrun DIR [hostlens flags]\n");
		return 2;
	}
	dir = argv[1];
	argv[1] = argv[0];
	if (config_load(&cfg, argc - 1, argv + 1, err, sizeof(err)) < 0) {
		fprintf(stderr, "hlrun: %s\n", err);
		return 2;
	}
	/* records go to DIR/records.ndjson (file sink) unless --data-dir says otherwise */
	if (!strcmp(cfg.data_dir, "/var/lib/hostlens"))
		snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", dir);
	log_set_level_name(cfg.log_level);
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	a = agent__new(&o, err, sizeof(err));
	if (!a) {
		fprintf(stderr, "hlrun: %s\n", err);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/ready", dir);
	f = fopen(path, "w");
	if (f)
		fclose(f);
	while (!stop) {
		struct timespec ts = { 0, 200 * 1000000 };

		nanosleep(&ts, NULL);
		set_filters(dir);
		for (int i = 0; topics[i]; i++)
			dump(agent__state(a), dir, topics[i]);
	}
	/* the final tick and flush happen inside agent__free: dump after it */
	agent__stop(a);
	for (int i = 0; topics[i]; i++)
		dump(agent__state(a), dir, topics[i]);
	agent__free(a);
	return 0;
}
