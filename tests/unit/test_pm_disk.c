// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The disk processor module (user/disk/pm_disk.c) without BPF. Disk I/O has no
 * events: each tick the module folds two maps of cumulative values. Here the
 * test folds them itself (pm_disk.h) and drives the module through its ops:
 * on device 259:0 (named nvme0n1 by a sysfs fixture) 100 reads of 4 KiB at
 * 0.1 .. 10 ms, 50 writes of 64 KiB at 2 ms and 10 flushes at 5 ms, read in
 * two ticks (40 reads, then all of them), by two processes. The "disks" and
 * "disk_processes" topics, the /metrics rows and the disk-metrics record
 * have the exact counts, bytes, per-second rates and means, and percentiles
 * in the slot of the true value (bpf/common/lathist.h).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "tests/unit/pmharness.h"
#include "user/disk/pm_disk.h"
#include "user/pipeline/processor.h"

extern const struct pmod_ops pm_disk_ops;
#include "bpf/common/lathist.h"
#include "bpf/disk/disk.h"

#define DEV ((259u << 20) | 0u)
#define US 1000ull
#define MS 1000000ull

struct disk_run {
	struct pmh h;
	struct pmod m;
	json_t *rec; /* the disk-metrics record of the flush */
	char *prom;  /* the last tick's /metrics text */
	char sysfs[64];
};

/* Read i (1..100): 4 KiB at i * 100 us. */
static uint64_t read_lat(int i)
{
	return (uint64_t)i * 100 * US;
}

/* The cumulative disk_stats entries after the first nreads reads (and every write and flush). */
static void fold_stats(struct pmod *m, int nreads)
{
	struct disk_stat *v = calloc(1, sizeof(*v));
	struct disk_key k = { .dev = DEV, .op = HL_DISK_READ };

	for (int i = 1; i <= nreads; i++) {
		v->ops++;
		v->bytes += 4096;
		v->timed++;
		v->lat_ns += read_lat(i);
		v->slots[lathist_slot(read_lat(i))]++;
	}
	pm_disk_fold_stat(m, &k, v);
	memset(v, 0, sizeof(*v));
	k.op = HL_DISK_WRITE;
	v->ops = v->timed = 50;
	v->bytes = 50 * 65536;
	v->lat_ns = 50 * 2 * MS;
	v->slots[lathist_slot(2 * MS)] = 50;
	pm_disk_fold_stat(m, &k, v);
	memset(v, 0, sizeof(*v));
	k.op = HL_DISK_OTHER;
	v->ops = v->timed = 10;
	v->lat_ns = 10 * 5 * MS;
	v->slots[lathist_slot(5 * MS)] = 10;
	pm_disk_fold_stat(m, &k, v);
	free(v);
}

/* postgres did the reads and 30 of the writes, rsync the other 20. */
static void fold_procs(struct pmod *m, int nreads, uint64_t now)
{
	struct disk_proc pg = { .ops = { (uint64_t)nreads, 30 },
				.bytes = { 4096ull * (uint64_t)nreads, 30 * 65536 },
				.comm = "postgres" };
	struct disk_proc rs = { .ops = { 0, 20 }, .bytes = { 0, 20 * 65536 }, .comm = "rsync" };
	struct disk_proc_key k = { .tgid = PMH_TGID, .dev = DEV };

	pm_disk_fold_proc(m, &k, &pg, now);
	k.tgid = PMH_TGID + 1;
	pm_disk_fold_proc(m, &k, &rs, now);
}

/* One tick of the module (1 s since the last), its /metrics text kept. */
static void tick(struct disk_run *r)
{
	struct tick_ctx t = {
		.now_ns = pmh_now_ns(), .now_ms = record_now_ms(), .elapsed_s = 1.0, .st = r->h.st
	};
	struct prom w;
	size_t len = 0;

	free(r->prom);
	r->prom = NULL;
	t.summary = json_object();
	t.update = json_object();
	t.metrics = metrics__new();
	prom_init(&w, open_memstream(&r->prom, &len));
	t.prom = &w;
	r->m.ops->tick(&r->m, &t);
	if (w.f)
		fclose(w.f);
	state__publish(r->h.st, "summary", t.summary);
	json_decref(t.update);
	metrics__free(t.metrics);
}

/* A sysfs fixture naming 259:0, a processor and the module, started. */
static int setup(struct disk_run *r)
{
	char path[128];
	FILE *fp;

	snprintf(r->sysfs, sizeof(r->sysfs), "/tmp/hl-pmdisk-XXXXXX");
	if (!mkdtemp(r->sysfs))
		return -1;
	snprintf(path, sizeof(path), "%s/dev", r->sysfs);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/dev/block", r->sysfs);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/dev/block/259:0", r->sysfs);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/dev/block/259:0/uevent", r->sysfs);
	fp = fopen(path, "w");
	if (!fp)
		return -1;
	fputs("MAJOR=259\nMINOR=0\nDEVNAME=nvme0n1\nDEVTYPE=disk\n", fp);
	fclose(fp);
	setenv("HOSTLENS_SYSFS", r->sysfs, 1);
	setenv("HOSTLENS_PROCFS", r->sysfs, 1); /* no partitions file there */
	if (pmh_start(&r->h, NULL))
		return -1;
	r->m = (struct pmod){ .ops = &pm_disk_ops, .p = r->h.p };
	r->m.priv = calloc(1, pm_disk_ops.priv_size);
	if (!r->m.priv || r->m.ops->init(&r->m))
		return -1;
	r->m.on = true;
	return 0;
}

/* setup(), two ticks (40 reads, then 100) and a flush. */
static int run(struct disk_run *r)
{
	struct flush_ctx f = { .source = "host-pm", .ts_ms = record_now_ms(), .interval_s = 2.0 };

	if (setup(r))
		return -1;
	fold_stats(&r->m, 40);
	fold_procs(&r->m, 40, pmh_now_ns());
	tick(r);
	fold_stats(&r->m, 100);
	fold_procs(&r->m, 100, pmh_now_ns());
	tick(r);
	f.batch = record_batch__new(4);
	if (!f.batch)
		return -1;
	r->m.ops->flush(&r->m, &f);
	r->rec = f.batch->n ? json_incref(f.batch->recs[0].obj) : NULL;
	record_batch__put(f.batch);
	return 0;
}

static void done(struct disk_run *r)
{
	char path[128];

	if (r->m.on)
		r->m.ops->destroy(&r->m);
	free(r->m.priv);
	json_decref(r->rec);
	free(r->prom);
	pmh_stop(&r->h);
	snprintf(path, sizeof(path), "%s/dev/block/259:0/uevent", r->sysfs);
	unlink(path);
	snprintf(path, sizeof(path), "%s/dev/block/259:0", r->sysfs);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/dev/block", r->sysfs);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/dev", r->sysfs);
	rmdir(path);
	rmdir(r->sysfs);
	unsetenv("HOSTLENS_SYSFS");
	unsetenv("HOSTLENS_PROCFS");
}

/* got (ms) lies in the lathist slot of the true value ns. */
static bool in_slot(double got_ms, uint64_t ns)
{
	__u32 s = lathist_slot(ns);

	return got_ms * 1e6 >= (double)lathist_lo(s) && got_ms * 1e6 <= (double)lathist_hi(s);
}

/* Sum of the 100 read latencies, ns: 100 us * (1 + .. + 100). */
#define READ_LAT_SUM (100 * US * 5050)

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

#define START(r)                                                                  \
	do {                                                                      \
		if (run(r)) {                                                     \
			CHECK(0, "disk module without BPF: could not be set up"); \
			done(r);                                                  \
			return;                                                   \
		}                                                                 \
	} while (0)

static void disks_topic(void)
{
	static struct disk_run r;
	json_t *disks, *d, *rd, *wr, *top, *sum;

	START(&r);
	disks = pmh_topic(&r.h, "disks");
	d = json_array_get(disks, 0);
	CHECK(json_array_size(disks) == 1 && !strcmp(str(d, "device"), "nvme0n1") &&
		      pmh_num(d, "major") == 259 && pmh_num(d, "minor") == 0,
	      "one device, 259:0 named nvme0n1 by sysfs: got %s", str(d, "device"));
	CHECK(pmh_num(d, "reads_total") == 100 && pmh_num(d, "writes_total") == 50 &&
		      pmh_num(d, "other_ops_total") == 10 &&
		      pmh_num(d, "read_bytes_total") == 409600 &&
		      pmh_num(d, "write_bytes_total") == 3276800,
	      "totals 100/50/10 ops, 409600/3276800 bytes: got %g/%g/%g, %g/%g",
	      pmh_num(d, "reads_total"), pmh_num(d, "writes_total"), pmh_num(d, "other_ops_total"),
	      pmh_num(d, "read_bytes_total"), pmh_num(d, "write_bytes_total"));
	/* the second second: 60 more reads, no write */
	CHECK(pmh_num(d, "reads_per_s") == 60 && pmh_num(d, "writes_per_s") == 0 &&
		      pmh_num(d, "iops") == 60 && pmh_num(d, "read_bytes_per_s") == 60 * 4096,
	      "last second: 60 reads/s, 0 writes/s, 245760 B/s: got %g, %g, %g",
	      pmh_num(d, "reads_per_s"), pmh_num(d, "writes_per_s"),
	      pmh_num(d, "read_bytes_per_s"));
	CHECK(in_slot(pmh_num(d, "latency_p50_ms"), 3 * MS) &&
		      in_slot(pmh_num(d, "latency_p99_ms"), 9900 * US),
	      "10 s window of all 160: p50 in 3 ms's slot, p99 in 9.9 ms's: got %g, %g",
	      pmh_num(d, "latency_p50_ms"), pmh_num(d, "latency_p99_ms"));
	rd = json_object_get(d, "read");
	wr = json_object_get(d, "write");
	CHECK(pmh_num(rd, "ops_total") == 100 && pmh_num(rd, "timed_total") == 100 &&
		      pmh_num(rd, "latency_avg_ms") == (double)READ_LAT_SUM / 100.0 / 1e6 &&
		      pmh_num(wr, "latency_avg_ms") == 2.0,
	      "read: 100 timed, mean 5.05 ms; write mean 2 ms: got %g, %g, %g",
	      pmh_num(rd, "timed_total"), pmh_num(rd, "latency_avg_ms"),
	      pmh_num(wr, "latency_avg_ms"));
	CHECK(in_slot(pmh_num(rd, "latency_p50_ms"), 5 * MS) &&
		      in_slot(pmh_num(rd, "latency_p99_ms"), 9900 * US),
	      "read p50 in 5 ms's slot, p99 in 9.9 ms's: got %g, %g", pmh_num(rd, "latency_p50_ms"),
	      pmh_num(rd, "latency_p99_ms"));
	top = json_array_get(json_object_get(d, "top_processes"), 0);
	CHECK(!strcmp(str(top, "comm"), "postgres") && pmh_num(top, "reads") == 100 &&
		      pmh_num(top, "writes") == 30,
	      "the device's top process: postgres, 100 reads, 30 writes");
	sum = pmh_topic(&r.h, "summary");
	CHECK(pmh_num(sum, "block_read_bytes_per_s") == 60 * 4096 &&
		      pmh_num(sum, "block_write_bytes_per_s") == 0 &&
		      in_slot(pmh_num(sum, "disk_latency_p99_ms"), 9900 * US),
	      "summary: 245760 B/s read, 0 written, worst p99 in 9.9 ms's slot: got %g, %g, %g",
	      pmh_num(sum, "block_read_bytes_per_s"), pmh_num(sum, "block_write_bytes_per_s"),
	      pmh_num(sum, "disk_latency_p99_ms"));
	json_decref(sum);
	json_decref(disks);
	done(&r);
}

static void disk_processes_topic(void)
{
	static struct disk_run r;
	json_t *procs, *pg, *rs;

	START(&r);
	procs = pmh_topic(&r.h, "disk_processes");
	pg = json_array_get(procs, 0);
	rs = json_array_get(procs, 1);
	CHECK(json_array_size(procs) == 2, "two processes: got %zu", json_array_size(procs));
	CHECK(!strcmp(str(pg, "comm"), "postgres") && pmh_num(pg, "pid") == PMH_TGID &&
		      pmh_num(pg, "read_bytes") == 409600 &&
		      pmh_num(pg, "write_bytes") == 30 * 65536 &&
		      pmh_num(pg, "read_bytes_per_s") == 60 * 4096 &&
		      pmh_num(pg, "write_bytes_per_s") == 0,
	      "postgres first: 409600 read, 1966080 written, 245760 B/s read last second: got %s",
	      str(pg, "comm"));
	CHECK(!strcmp(str(rs, "comm"), "rsync") && pmh_num(rs, "writes") == 20 &&
		      pmh_num(rs, "write_bytes") == 20 * 65536,
	      "rsync: 20 writes, 1310720 bytes");
	json_decref(procs);
	done(&r);
}

static void disk_record_at_flush(void)
{
	static struct disk_run r;
	json_t *d, *top;
	double all_ns = (double)(READ_LAT_SUM + 50 * 2 * MS + 10 * 5 * MS);

	START(&r);
	CHECK(r.rec && !strcmp(str(r.rec, "type"), "disk-metrics"),
	      "a disk-metrics record at the flush");
	d = json_array_get(json_object_get(r.rec, "disks"), 0);
	CHECK(!strcmp(str(d, "device"), "nvme0n1") && pmh_num(d, "reads") == 100 &&
		      pmh_num(d, "writes") == 50 && pmh_num(d, "other_ops") == 10 &&
		      pmh_num(d, "read_bytes") == 409600 && pmh_num(d, "write_bytes") == 3276800,
	      "both ticks in the window: 100/50/10 ops, 409600/3276800 bytes: got %g/%g/%g",
	      pmh_num(d, "reads"), pmh_num(d, "writes"), pmh_num(d, "other_ops"));
	CHECK(pmh_num(d, "reads_per_s") == 50 && pmh_num(d, "iops") == 80,
	      "over the 2 s window: 50 reads/s, 80 IOPS: got %g, %g", pmh_num(d, "reads_per_s"),
	      pmh_num(d, "iops"));
	CHECK(pmh_num(d, "latency_avg_ms") == all_ns / 160.0 / 1e6,
	      "mean of the 160 timed: got %.12g", pmh_num(d, "latency_avg_ms"));
	CHECK(in_slot(pmh_num(d, "latency_p99_ms"), 9900 * US) &&
		      in_slot(pmh_num(d, "read_latency_p99_ms"), 9900 * US) &&
		      in_slot(pmh_num(d, "write_latency_p99_ms"), 2 * MS) &&
		      pmh_num(d, "latency_max_ms") ==
			      (double)lathist_hi(lathist_slot(10 * MS)) / 1e6,
	      "p99 in 9.9 ms's slot (reads too), writes' in 2 ms's, max the top of 10 ms's: got %g, %g, %g, %g",
	      pmh_num(d, "latency_p99_ms"), pmh_num(d, "read_latency_p99_ms"),
	      pmh_num(d, "write_latency_p99_ms"), pmh_num(d, "latency_max_ms"));
	top = json_array_get(json_object_get(r.rec, "top_processes"), 0);
	CHECK(!strcmp(str(top, "comm"), "postgres") && pmh_num(top, "ios") == 130 &&
		      pmh_num(top, "read_bytes") == 409600,
	      "top process postgres: 130 I/Os, 409600 bytes read");
	done(&r);
}

static void prometheus_rows(void)
{
	static const struct pmh_series want[] = {
		{ "hostlens_disk_ops_total{device=\"nvme0n1\",op=\"read\"}", "100" },
		{ "hostlens_disk_ops_total{device=\"nvme0n1\",op=\"other\"}", "10" },
		{ "hostlens_disk_bytes_total{device=\"nvme0n1\",op=\"write\"}", "3276800" },
		{ "hostlens_disk_io_latency_seconds_bucket{device=\"nvme0n1\",op=\"read\",le=\"0.001048576\"}",
		  "10" },
		{ "hostlens_disk_io_latency_seconds_bucket{device=\"nvme0n1\",op=\"read\",le=\"+Inf\"}",
		  "100" },
		{ "hostlens_disk_io_latency_seconds_sum{device=\"nvme0n1\",op=\"read\"}", "0.505" },
		{ "hostlens_disk_io_latency_seconds_count{device=\"nvme0n1\",op=\"write\"}", "50" },
		{ "hostlens_process_disk_bytes_total{pid=\"5000001\",comm=\"postgres\",op=\"read\"}",
		  "409600" },
		{ "hostlens_process_disk_bytes_total{pid=\"5000002\",comm=\"rsync\",op=\"write\"}",
		  "1310720" },
		{ "hostlens_disk_devices_dropped_total", "0" },
	};
	static struct disk_run r;

	START(&r);
	pmh_check_series(r.prom, want, sizeof(want) / sizeof(want[0]));
	done(&r);
}

/* The device percentiles cover the last 10 ticks: 100 reads of 8 ms in the
 * first, then 1 read of 100 us per tick; the 11th tick drops the first. */
static void window_slides(void)
{
	static struct disk_run r;
	struct disk_stat *v = calloc(1, sizeof(*v));
	struct disk_key k = { .dev = DEV, .op = HL_DISK_READ };
	json_t *disks = NULL, *d = NULL;
	double p99[12] = { 0 };

	if (!v || setup(&r)) {
		CHECK(0, "disk module without BPF: could not be set up");
		free(v);
		done(&r);
		return;
	}
	for (int t = 1; t <= 11; t++) {
		uint64_t n = t == 1 ? 100 : 1, lat = t == 1 ? 8 * MS : 100 * US;

		v->ops += n;
		v->timed += n;
		v->lat_ns += n * lat;
		v->slots[lathist_slot(lat)] += n;
		pm_disk_fold_stat(&r.m, &k, v);
		tick(&r);
		json_decref(disks);
		disks = pmh_topic(&r.h, "disks");
		d = json_array_get(disks, 0);
		p99[t] = pmh_num(d, "latency_p99_ms");
	}
	CHECK(in_slot(p99[10], 8 * MS),
	      "tick 10: the first tick's 8 ms reads still in the window: p99 %g", p99[10]);
	CHECK(in_slot(p99[11], 100 * US), "tick 11: they left it, p99 in 100 us's slot: got %g",
	      p99[11]);
	CHECK(in_slot(pmh_num(json_object_get(d, "read"), "latency_p99_ms"), 8 * MS),
	      "the read totals keep them: p99 since start in 8 ms's slot: got %g",
	      pmh_num(json_object_get(d, "read"), "latency_p99_ms"));
	json_decref(disks);
	free(v);
	done(&r);
}

int main(void)
{
	RUN(disks_topic);
	RUN(disk_processes_topic);
	RUN(disk_record_at_flush);
	RUN(prometheus_rows);
	RUN(window_slides);
	CHECK_DONE();
}
