// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: test driver for the real sink engine. The main thread plays the
 * processor: it builds record batches and hands them to sinks__submit() at a
 * fixed pace; the engine's own threads deliver. Ids are deterministic
 * ("<prefix>-<batch>-<index>") and written to --ids so a test can compare
 * what was produced with what each destination holds. SIGTERM/SIGINT stops
 * producing and frees the engine (which spools what it could not deliver),
 * as the agent does. Options:
 *   --set KEY=VALUE     a config option (config_set; sink= resets the list)
 *   --batches N --records M --interval-ms T --pad BYTES --prefix P
 *   --type T            record type (default vm-metrics)
 *   --same-ts           every record of a batch shares one timestamp
 *   --big-every K       every K-th record gets --big-pad bytes of padding
 *   --ids FILE --stats FILE
 *   --drain-s S         after producing, wait up to S s for an empty backlog
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sinks/sink.h"
#include "user/runtime/config.h"
#include "user/pipeline/record.h"

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

static void write_stats(struct sinks *ss, const char *path)
{
	char tmp[4200];
	json_t *st;
	FILE *f;

	if (!path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	st = sinks__stats_json(ss);
	f = fopen(tmp, "w");
	if (f) {
		json_dumpf(st, f, JSON_COMPACT);
		fputc('\n', f);
		fclose(f);
		rename(tmp, path);
	}
	json_decref(st);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR && !stop)
		;
}

int main(int argc, char **argv)
{
	long batches = 1, records = 10, interval = 0, pad = 0, big_every = 0, big_pad = 0;
	double drain = 10;
	const char *prefix = "r", *ids_path = NULL, *stats_path = NULL, *type = "vm-metrics";
	bool same_ts = false, sinks_reset = false;
	char err[512], *padbuf = NULL, *bigbuf = NULL;
	struct config cfg;
	struct sinks *ss;
	FILE *ids = NULL;
	int rc = 0;

	config_defaults(&cfg);
	snprintf(cfg.source, sizeof(cfg.source), "test-host");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--same-ts")) {
			same_ts = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "sink_driver: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--set")) {
			char key[64], *eq = strchr(v, '=');

			if (!eq || eq - v >= (long)sizeof(key)) {
				fprintf(stderr, "sink_driver: --set KEY=VALUE\n");
				return 2;
			}
			snprintf(key, sizeof(key), "%.*s", (int)(eq - v), v);
			if (!strcmp(key, "sink") && !sinks_reset) {
				cfg.n_sinks = 0;
				sinks_reset = true;
			}
			if (config_set(&cfg, key, eq + 1, false, err, sizeof(err))) {
				fprintf(stderr, "sink_driver: %s\n", err);
				return 2;
			}
		} else if (!strcmp(a, "--batches")) {
			batches = atol(v);
		} else if (!strcmp(a, "--records")) {
			records = atol(v);
		} else if (!strcmp(a, "--interval-ms")) {
			interval = atol(v);
		} else if (!strcmp(a, "--pad")) {
			pad = atol(v);
		} else if (!strcmp(a, "--big-every")) {
			big_every = atol(v);
		} else if (!strcmp(a, "--big-pad")) {
			big_pad = atol(v);
		} else if (!strcmp(a, "--prefix")) {
			prefix = v;
		} else if (!strcmp(a, "--type")) {
			type = v;
		} else if (!strcmp(a, "--ids")) {
			ids_path = v;
		} else if (!strcmp(a, "--stats")) {
			stats_path = v;
		} else if (!strcmp(a, "--drain-s")) {
			drain = atof(v);
		} else {
			fprintf(stderr, "sink_driver: unknown option %s\n", a);
			return 2;
		}
	}
	padbuf = malloc((size_t)pad + 1);
	bigbuf = malloc((size_t)big_pad + 1);
	if (!padbuf || !bigbuf)
		return 1;
	memset(padbuf, 'p', (size_t)pad);
	padbuf[pad] = '\0';
	memset(bigbuf, 'B', (size_t)big_pad);
	bigbuf[big_pad] = '\0';
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);

	ss = sinks__new(&cfg, err, sizeof(err));
	if (!ss) {
		fprintf(stderr, "sink_driver: %s\n", err);
		rc = 2;
		goto out;
	}
	if (ids_path && !(ids = fopen(ids_path, "a"))) {
		perror(ids_path);
		rc = 1;
		goto out;
	}
	for (long bi = 0; bi < batches && !stop; bi++) {
		struct record_batch *b = record_batch__new((size_t)records);
		int64_t ts = record_now_ms();

		if (!b) {
			rc = 1;
			break;
		}
		for (long i = 0; i < records; i++) {
			char id[96];
			json_t *o = record_new(type, cfg.source, same_ts ? ts : ts + i);
			long n = bi * records + i;

			snprintf(id, sizeof(id), "%s-%ld-%ld", prefix, bi, i);
			json_object_set_new(o, "id", json_string(id));
			json_object_set_new(o, "seq", json_integer(n));
			json_object_set_new(o, "cpu_usage_pct", json_real(12.5 + (double)(i % 7)));
			json_object_set_new(o, "healthy", json_boolean(i % 2));
			json_object_set_new(o, "note", json_null());
			json_object_set_new(o, "disk",
					    json_pack("{s:i,s:[i,s,b]}", "reads", (int)i, "list", 1,
						      "x", 1));
			json_object_set_new(
				o, "pad",
				json_string(big_every && n % big_every == big_every - 1 ? bigbuf :
											  padbuf));
			if (record_batch__add(b, o)) {
				rc = 1;
				break;
			}
		}
		sinks__submit(ss, b);
		/* ids are written once submitted: a crash test never expects a
		 * record that was not handed over */
		for (size_t i = 0; ids && i < b->n; i++)
			fprintf(ids, "%s\n", b->recs[i].id);
		if (ids)
			fflush(ids);
		record_batch__put(b);
		write_stats(ss, stats_path);
		if (interval && bi + 1 < batches)
			sleep_ms(interval);
	}
	for (long t = 0; !stop && t < (long)(drain * 10) && sinks__backlog(ss); t++) {
		sleep_ms(100);
		write_stats(ss, stats_path);
	}
	write_stats(ss, stats_path);
	printf("backlog %llu\n", (unsigned long long)sinks__backlog(ss));
out:
	sinks__free(ss);
	if (ids)
		fclose(ids);
	free(padbuf);
	free(bigbuf);
	return rc;
}
