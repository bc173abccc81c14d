// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The sink engine: backoff and jitter bounds, cutting batches to limits,
 * delivery in submission order through the real file sink, replay of a
 * spool left by an earlier run before anything new, stats fields, and stats
 * that answer while the sink thread waits on a spool disk. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "tests/unit/frozenfs.h"
#include "sinks/sink.h"
#include "sinks/sink_util.h"
#include "sinks/spool.h"

static char dir[256];

static void test_sink_backoff_exponential_with_jitter(void)
{
	/* attempt 1: 200 ms -> [100, 200]; doubles; capped at 5000 -> [2500, 5000] */
	CHECK(sink_backoff_ms(1, 200, 5000, 0) == 100, "attempt 1, no jitter: 100");
	CHECK(sink_backoff_ms(1, 200, 5000, 100) == 200, "attempt 1, full jitter: 200");
	CHECK(sink_backoff_ms(3, 200, 5000, 0) == 400, "attempt 3: 800/2");
	CHECK(sink_backoff_ms(30, 200, 5000, 0) == 2500, "capped: 2500");
	CHECK(sink_backoff_ms(30, 200, 5000, 0xffffffffu) <= 5000, "never over the cap");
	for (uint32_t r = 0; r < 5000; r += 7) {
		int64_t d = sink_backoff_ms(4, 200, 5000, r);

		if (d < 800 || d > 1600) {
			CHECK(0, "attempt 4 within [800, 1600], got %lld for rnd %u", (long long)d,
			      r);
			break;
		}
	}
}

static void test_sink_chunks_respect_count_and_bytes(void)
{
	size_t cost[1200], n = 0, start = 0, chunks = 0, big[3] = { 3 << 20, 3 << 20, 3 << 20 };

	for (int i = 0; i < 1200; i++)
		cost[i] = 100;
	while (start < 1200) {
		size_t end = sink_chunk_end(cost, 1200, start, 500, 5 << 20);

		CHECK(end - start <= 500, "at most 500 a chunk");
		n += end - start;
		start = end;
		chunks++;
	}
	CHECK(n == 1200 && chunks == 3, "1200 records in 500+500+200, got %zu chunks", chunks);
	CHECK(sink_chunk_end(big, 3, 0, 500, 5 << 20) == 1, "3 MiB + 3 MiB > 5 MiB: one a chunk");
	CHECK(sink_chunk_end(cost, 1200, 0, 25, 0) == 25, "25 items");
	CHECK(sink_chunk_end(cost, 1200, 0, 0, 250) == 2, "bytes only: 2 x 100 <= 250");
	CHECK(sink_chunk_end(cost, 1200, 1199, 500, 10) == 1200,
	      "a record alone even over the bytes");
}

static struct record_batch *mk(const char *prefix, int bi, int n)
{
	struct record_batch *b = record_batch__new((size_t)n);

	for (int i = 0; i < n; i++) {
		char id[64];
		json_t *o = record_new("vm-metrics", "h", 1000 + i);

		snprintf(id, sizeof(id), "%s-%04d-%03d", prefix, bi, i);
		json_object_set_new(o, "id", json_string(id));
		record_batch__add(b, o);
	}
	return b;
}

static void cfg_for(struct config *cfg)
{
	config_defaults(cfg);
	snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", dir);
	snprintf(cfg->file_fsync, sizeof(cfg->file_fsync), "never");
	cfg->n_sinks = 1;
	snprintf(cfg->sinks[0], sizeof(cfg->sinks[0]), "file");
}

/* Reads the ids of records.ndjson in file order into one string. */
static char *file_ids(void)
{
	char path[300], line[4096];
	size_t cap = 1 << 20, len = 0;
	char *out = calloc(1, cap);
	FILE *f;

	snprintf(path, sizeof(path), "%s/records.ndjson", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "\"id\":\""), *e;

		if (!p)
			continue;
		p += 6;
		e = strchr(p, '"');
		if (e && len + (size_t)(e - p) + 2 < cap) {
			memcpy(out + len, p, (size_t)(e - p));
			len += (size_t)(e - p);
			out[len++] = ' ';
		}
	}
	if (f)
		fclose(f);
	return out;
}

static void rm_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) {
	}
}

static void test_sink_engine_delivers_in_order_through_file_sink(void)
{
	char err[256] = "", want[1 << 16] = "", *got;
	struct config cfg;
	struct sinks *ss;
	json_t *st, *s0;
	size_t wl = 0;

	rm_dir();
	cfg_for(&cfg);
	ss = sinks__new(&cfg, err, sizeof(err));
	CHECK(ss, "engine starts: %s", err);
	if (!ss)
		return;
	/* 100 batches at once: more than the memory queue; the rest spools, in order */
	for (int bi = 0; bi < 100; bi++) {
		struct record_batch *b = mk("e", bi, 5);

		for (int i = 0; i < 5; i++)
			wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "e-%04d-%03d ", bi, i);
		sinks__submit(ss, b);
		record_batch__put(b);
	}
	for (int i = 0; i < 200 && sinks__backlog(ss); i++)
		usleep(10000);
	st = sinks__stats_json(ss);
	s0 = json_array_get(st, 0);
	CHECK(!strcmp(json_string_value(json_object_get(s0, "name")) ?: "", "file"), "name");
	CHECK(json_integer_value(json_object_get(s0, "sent")) == 500, "sent 500, got %lld",
	      (long long)json_integer_value(json_object_get(s0, "sent")));
	{
		static const char *const fields[] = { "name",	       "sent",	      "failed",
						      "retried",       "spooled",     "dropped",
						      "rejected",      "spool_bytes", "last_error",
						      "last_error_ms", "last_ok_ms",  NULL };

		for (int i = 0; fields[i]; i++)
			CHECK(json_object_get(s0, fields[i]), "stats field %s", fields[i]);
	}
	CHECK(json_integer_value(json_object_get(s0, "last_ok_ms")) > 0, "last_ok_ms set");
	CHECK(json_integer_value(json_object_get(s0, "dropped")) == 0, "nothing dropped");
	printf("# spooled on the way: %lld records\n",
	       (long long)json_integer_value(json_object_get(s0, "spooled")));
	json_decref(st);
	sinks__free(ss);
	got = file_ids();
	CHECK(!strcmp(got, want), "file holds every record once in submission order");
	free(got);
}

static void test_sink_engine_replays_spool_of_earlier_run_first(void)
{
	char err[256] = "", sdir[400], *got;
	struct record_batch *old1 = mk("old", 1, 3), *old2 = mk("old", 2, 2), *nb;
	uint64_t dropped = 0;
	struct config cfg;
	struct spool *sp;
	struct sinks *ss;

	rm_dir();
	/* what an earlier run left: two batches spooled for the file sink */
	snprintf(sdir, sizeof(sdir), "%s/spool/file", dir);
	sp = spool__open(sdir, 1 << 20);
	CHECK(sp, "spool");
	if (!sp)
		return;
	spool__append(sp, 11, old1, NULL, &dropped);
	spool__append(sp, 12, old2, NULL, &dropped);
	spool__close(sp);

	cfg_for(&cfg);
	ss = sinks__new(&cfg, err, sizeof(err));
	CHECK(ss, "engine starts: %s", err);
	if (!ss)
		goto out;
	nb = mk("new", 0, 2);
	sinks__submit(ss, nb);
	record_batch__put(nb);
	for (int i = 0; i < 200 && sinks__backlog(ss); i++)
		usleep(10000);
	sinks__free(ss);
	got = file_ids();
	CHECK(!strcmp(got, "old-0001-000 old-0001-001 old-0001-002 old-0002-000 old-0002-001 "
			   "new-0000-000 new-0000-001 "),
	      "spooled batches first, then the new one; got %s", got);
	free(got);
	sp = spool__open(sdir, 1 << 20);
	CHECK(sp && spool__count(sp) == 0, "spool empty after replay");
	spool__close(sp);
out:
	record_batch__put(old1);
	record_batch__put(old2);
}

static void test_sink_engine_clear_errors(void)
{
	char err[256] = "";
	struct config cfg;
	struct sinks *ss;

	cfg_for(&cfg);
	snprintf(cfg.sinks[0], sizeof(cfg.sinks[0]), "s3");
	ss = sinks__new(&cfg, err, sizeof(err));
	CHECK(!ss && strstr(err, "unknown sink 's3'"), "unknown sink named, got '%s'", err);
	cfg_for(&cfg);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "/proc/version/x");
	ss = sinks__new(&cfg, err, sizeof(err));
	CHECK(!ss && strstr(err, "file: cannot create --data-dir /proc/version/x"),
	      "unusable data dir named, got '%s'", err);
	sinks__free(ss);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * No engine lock is held across a spool write: the file sink fails (its data
 * dir, a small tmpfs, is full), the sink thread parks the batch in the spool,
 * whose disk does not answer (a frozen filesystem mounted on
 * <data_dir>/spool). Meanwhile the stats (what /api/v1/stats and /metrics
 * read on the web thread) answer at once and show the failure.
 */
static void test_sink_engine_stats_answer_while_spool_disk_waits(void)
{
	char d[300], mnt[320], img[320], cmd[1200], err[256] = "", why[256];
	struct record_batch *b = mk("slow", 0, 5);
	struct sinks *ss = NULL;
	struct config cfg;
	json_t *st = NULL;
	pid_t wd = -1;
	double t0, took = 0;
	int fd;

	snprintf(d, sizeof(d), "%s-slowdisk", dir);
	snprintf(mnt, sizeof(mnt), "%s/spool", d);
	snprintf(img, sizeof(img), "%s.img", d);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && mount -t tmpfs -o size=256k hltest-sink '%s'",
		 d, d);
	if (geteuid() || system(cmd)) {
		SKIP("needs root to mount a tmpfs on %s", d);
		goto free_b;
	}
	if (frozenfs_mount(mnt, img, why, sizeof(why))) {
		SKIP("%s", why);
		goto umount_d;
	}
	cfg_for(&cfg);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", d);
	ss = sinks__new(&cfg, err, sizeof(err));
	CHECK(ss, "engine starts: %s", err);
	if (!ss)
		goto umount_spool;
	/* fill the data dir: the file sink's next write fails (-EAGAIN) */
	snprintf(cmd, sizeof(cmd), "%s/ballast", d);
	fd = open(cmd, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	for (char buf[4096] = { 0 }; fd >= 0 && write(fd, buf, sizeof(buf)) > 0;)
		;
	if (fd >= 0)
		close(fd);
	wd = frozenfs_freeze(mnt, 4);
	CHECK(wd > 0, "FIFREEZE on %s", mnt);
	if (wd <= 0)
		goto free_ss;
	sinks__submit(ss, b);
	usleep(500 * 1000); /* delivered, failed, and now parking on the frozen disk */
	t0 = mono_s();
	st = sinks__stats_json(ss);
	took = mono_s() - t0;
	frozenfs_thaw(mnt, wd);
	CHECK(took < 0.2,
	      "stats answered while the sink thread waited on the spool disk: took %.3f s "
	      "(a lock held across the spool write waits for the thaw, 4 s)",
	      took);
	{
		json_t *s0 = json_array_get(st, 0);
		json_int_t failed = json_integer_value(json_object_get(s0, "failed"));
		json_int_t spooled = json_integer_value(json_object_get(s0, "spool_batches"));
		json_int_t queued = json_integer_value(json_object_get(s0, "queued_batches"));

		/* failed, neither spooled nor queued nor held: inside the park */
		CHECK(failed >= 1 && spooled == 0 && queued == 0,
		      "measured while the failed batch was being written to the spool: failed >= 1, "
		      "0 spooled, 0 queued; got %lld, %lld, %lld (%s)",
		      (long long)failed, (long long)spooled, (long long)queued,
		      json_string_value(json_object_get(s0, "last_error")));
	}
	json_decref(st);
free_ss:
	sinks__free(ss);
umount_spool:
	frozenfs_umount(mnt, img);
umount_d:
	snprintf(cmd, sizeof(cmd), "umount '%s' 2>/dev/null || umount -l '%s'; rmdir '%s'", d, d,
		 d);
	if (system(cmd)) {
	}
free_b:
	record_batch__put(b);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hostlens-test-sink.%d", getpid());
	RUN(test_sink_backoff_exponential_with_jitter);
	RUN(test_sink_chunks_respect_count_and_bytes);
	RUN(test_sink_engine_delivers_in_order_through_file_sink);
	RUN(test_sink_engine_replays_spool_of_earlier_run_first);
	RUN(test_sink_engine_clear_errors);
	RUN(test_sink_engine_stats_answer_while_spool_disk_waits);
	rm_dir();
	CHECK_DONE();
}
