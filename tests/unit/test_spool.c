// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The on-disk spool: order, bounds with counted drops, replay after a reopen
 * (a restart), partial rewrite, leftovers of a crash; a failed write keeps
 * what was spooled; the index stays free while a write waits on the disk. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "tests/unit/check.h"
#include "tests/unit/frozenfs.h"
#include "sinks/spool.h"

static char dir[256];

static struct record_batch *mk(const char *prefix, int n, int pad)
{
	struct record_batch *b = record_batch__new((size_t)n);

	for (int i = 0; i < n; i++) {
		char id[64];
		json_t *o = record_new("vm-metrics", "h", 1000 + i);
		char *p = calloc(1, (size_t)pad + 1);

		memset(p, 'x', (size_t)pad);
		snprintf(id, sizeof(id), "%s-%d", prefix, i);
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "pad", json_string(p));
		free(p);
		record_batch__add(b, o);
	}
	return b;
}

static void fresh_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) {
	}
}

static void test_spool_replays_in_sequence_order(void)
{
	struct spool *sp;
	struct record_batch *a = mk("a", 3, 10), *b = mk("b", 2, 10), *c = mk("c", 1, 10), *r;
	uint64_t dropped = 0, bad = 0, seq = 0;

	fresh_dir();
	sp = spool__open(dir, 1 << 20);
	CHECK(sp, "spool opens: %s", strerror(errno));
	if (!sp)
		return;
	/* appended out of order (a held batch spooled after newer ones) */
	CHECK(spool__append(sp, 7, b, NULL, &dropped) == 0, "append 7");
	CHECK(spool__append(sp, 9, c, NULL, &dropped) == 0, "append 9");
	CHECK(spool__append(sp, 3, a, NULL, &dropped) == 0, "append 3");
	CHECK(spool__count(sp) == 3 && spool__records(sp) == 6,
	      "3 batches, 6 records, got %zu, %llu", spool__count(sp),
	      (unsigned long long)spool__records(sp));
	CHECK(spool__head(sp, &seq) && seq == 3, "head is the oldest (3), got %llu",
	      (unsigned long long)seq);
	CHECK(spool__read(sp, 3, &r, &bad) == 0 && r && r->n == 3, "batch 3 reads back 3 records");
	if (r) {
		CHECK(!strcmp(r->recs[0].id, "a-0") && !strcmp(r->recs[2].id, "a-2"),
		      "records in order");
		CHECK(r->recs[1].len == a->recs[1].len &&
			      !memcmp(r->recs[1].line, a->recs[1].line, a->recs[1].len),
		      "line identical to the original");
		record_batch__put(r);
	}
	spool__remove(sp, 3);
	CHECK(spool__head(sp, &seq) && seq == 7, "then 7, got %llu", (unsigned long long)seq);
	CHECK(spool__max_seq(sp) == 9, "max seq 9");
	CHECK(dropped == 0, "nothing dropped");
	spool__close(sp);
	record_batch__put(a);
	record_batch__put(b);
	record_batch__put(c);
}

static void test_spool_full_drops_oldest_and_counts(void)
{
	struct record_batch *b = mk("x", 4, 200); /* ~4 x 280 bytes */
	uint64_t dropped = 0, seq = 0, per;
	struct spool *sp;

	fresh_dir();
	sp = spool__open(dir, 3000);
	if (!sp) {
		CHECK(0, "open");
		return;
	}
	CHECK(spool__append(sp, 1, b, NULL, &dropped) == 0, "1");
	per = spool__bytes(sp);
	CHECK(spool__append(sp, 2, b, NULL, &dropped) == 0, "2");
	CHECK(dropped == 0 && spool__count(sp) == 2, "two fit in 3000 bytes (%llu each)",
	      (unsigned long long)per);
	CHECK(spool__append(sp, 3, b, NULL, &dropped) == 0, "3");
	CHECK(dropped == 4, "the oldest batch (4 records) dropped and counted, got %llu",
	      (unsigned long long)dropped);
	CHECK(spool__head(sp, &seq) && seq == 2, "head moved to 2, got %llu",
	      (unsigned long long)seq);
	CHECK(spool__bytes(sp) <= 3000, "within the bound: %llu",
	      (unsigned long long)spool__bytes(sp));
	spool__close(sp);

	/* a batch bigger than the whole spool: refused, counted */
	fresh_dir();
	sp = spool__open(dir, 100);
	dropped = 0;
	CHECK(spool__append(sp, 1, b, NULL, &dropped) == -EFBIG && dropped == 4,
	      "oversized batch -EFBIG and 4 counted, got %llu", (unsigned long long)dropped);
	CHECK(spool__count(sp) == 0, "nothing kept");
	spool__close(sp);
	record_batch__put(b);
}

static void test_spool_survives_reopen_and_cleans_crash_leftovers(void)
{
	struct record_batch *b = mk("r", 5, 5), *r = NULL;
	unsigned char mark[5] = { 1, 0, 1, 0, 0 };
	uint64_t dropped = 0, bad = 0, seq = 0;
	struct spool *sp;
	char p[400];
	FILE *f;

	fresh_dir();
	sp = spool__open(dir, 1 << 20);
	spool__append(sp, 41, b, NULL, &dropped);
	spool__append(sp, 42, b, mark, &dropped); /* only 3 records pending */
	spool__close(sp);
	snprintf(p, sizeof(p), "%s/.tmp-000000000000002b.batch", dir);
	f = fopen(p, "w");
	if (f) {
		fputs("{\"half\":", f);
		fclose(f);
	}
	sp = spool__open(dir, 1 << 20);
	CHECK(sp && spool__count(sp) == 2 && spool__records(sp) == 8,
	      "after reopen 2 batches, 8 records, got %zu, %llu", sp ? spool__count(sp) : 0,
	      sp ? (unsigned long long)spool__records(sp) : 0ull);
	CHECK(access(p, F_OK) != 0, "half-written temporary removed");
	CHECK(spool__max_seq(sp) == 42, "sequence continues from 42");
	CHECK(spool__head(sp, &seq) && seq == 41, "head 41");
	CHECK(spool__read(sp, 42, &r, &bad) == 0 && r && r->n == 3, "batch 42 holds the 3 pending");
	if (r) {
		CHECK(!strcmp(r->recs[0].id, "r-1") && !strcmp(r->recs[1].id, "r-3"),
		      "the unmarked ones");
		/* partial delivery of the replayed batch: keep only r-4 */
		unsigned char m2[3] = { 1, 1, 0 };

		CHECK(spool__replace(sp, 42, r, m2) == 0, "replace");
		record_batch__put(r);
		r = NULL;
		CHECK(spool__read(sp, 42, &r, &bad) == 0 && r && r->n == 1 &&
			      !strcmp(r->recs[0].id, "r-4"),
		      "only r-4 left");
		if (r) {
			unsigned char m3[1] = { 1 };

			CHECK(spool__replace(sp, 42, r, m3) == 0 && spool__count(sp) == 1,
			      "fully delivered batch removed");
			record_batch__put(r);
		}
	}
	CHECK(spool__read(sp, 42, &r, &bad) == -ENOENT, "gone");
	CHECK(bad == 0, "no bad lines");
	spool__close(sp);
	record_batch__put(b);
}

/* Files in dir whose name starts with prefix. */
static int count_files(const char *d, const char *prefix)
{
	DIR *dh = opendir(d);
	struct dirent *de;
	int n = 0;

	while (dh && (de = readdir(dh)))
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	if (dh)
		closedir(dh);
	return n;
}

/*
 * A spool at its limit whose next write fails (here: a file size limit,
 * RLIMIT_FSIZE, as a full disk would) must keep the batches it holds: the
 * new batch is written first, the oldest evicted only once it is safe.
 */
static void test_spool_failed_write_keeps_old_batches(void)
{
	struct record_batch *b = mk("k", 4, 200), *r = NULL; /* ~1.1 KB a batch */
	uint64_t dropped = 0, bad = 0, seq = 0;
	struct rlimit old, small;
	struct spool *sp;
	int err;

	fresh_dir();
	sp = spool__open(dir, 3000);
	if (!sp) {
		CHECK(0, "open: %s", strerror(errno));
		record_batch__put(b);
		return;
	}
	CHECK(spool__append(sp, 1, b, NULL, &dropped) == 0, "1");
	CHECK(spool__append(sp, 2, b, NULL, &dropped) == 0, "2");
	CHECK(spool__count(sp) == 2 && dropped == 0, "two batches fill the 3000-byte spool");

	/* batch 3 needs room: without the limit the oldest would go */
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 512;
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &small);
	err = spool__append(sp, 3, b, NULL, &dropped);
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK(err < 0 && err != -EFBIG,
	      "the write fails with a disk error (not -EFBIG, which means "
	      "'larger than the spool, dropped'), got %d (%s)",
	      err, strerror(-err));
	CHECK(dropped == 0, "nothing dropped by a write that failed, got %llu",
	      (unsigned long long)dropped);
	CHECK(spool__count(sp) == 2 && spool__records(sp) == 8,
	      "both old batches kept: 2 batches, 8 "
	      "records, got %zu, %llu",
	      spool__count(sp), (unsigned long long)spool__records(sp));
	CHECK(spool__head(sp, &seq) && seq == 1, "head still 1, got %llu", (unsigned long long)seq);
	CHECK(spool__read(sp, 1, &r, &bad) == 0 && r && r->n == 4 && !bad,
	      "batch 1 reads back whole");
	record_batch__put(r);
	CHECK(count_files(dir, ".tmp-") == 0, "no temporary file left behind");

	/* the disk takes it again: now the oldest makes room */
	CHECK(spool__append(sp, 3, b, NULL, &dropped) == 0, "3 once the limit is gone");
	CHECK(dropped == 4 && spool__count(sp) == 2 && spool__head(sp, &seq) && seq == 2,
	      "batch 1 evicted after 3 is safe: dropped 4, head 2; got dropped %llu, head %llu",
	      (unsigned long long)dropped, (unsigned long long)seq);
	spool__close(sp);
	record_batch__put(b);
}

struct slow_append {
	struct spool *sp;
	struct record_batch *b;
	uint64_t dropped;
	int err;
	int done; /* atomic */
};

static void *slow_append_main(void *arg)
{
	struct slow_append *a = arg;

	a->err = spool__append(a->sp, 2, a->b, NULL, &a->dropped);
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The spool's mutex is never held across disk I/O: while one thread's append
 * waits on a disk that does not answer (a frozen filesystem), another thread
 * still reads the counters, the head and an already spooled batch at once.
 * (The stats reader is the web thread; the other writer the processor.)
 */
static void test_spool_index_free_while_a_write_waits_on_disk(void)
{
	struct slow_append a = { 0 };
	struct record_batch *r = NULL;
	char mnt[300], img[310], sdir[340], why[256];
	uint64_t seq = 0, bad = 0, bytes;
	pthread_t thr;
	pid_t wd;
	double t0, took;
	size_t n;
	int rr;
	bool waiting;

	snprintf(mnt, sizeof(mnt), "%s-frozen", dir);
	snprintf(img, sizeof(img), "%s.img", mnt);
	if (frozenfs_mount(mnt, img, why, sizeof(why))) {
		SKIP("%s", why);
		return;
	}
	snprintf(sdir, sizeof(sdir), "%s/spool/file", mnt);
	a.b = mk("f", 3, 50);
	a.sp = spool__open(sdir, 1 << 20);
	CHECK(a.sp, "open on the loop filesystem: %s", strerror(errno));
	if (!a.sp)
		goto out;
	CHECK(spool__append(a.sp, 1, a.b, NULL, &a.dropped) == 0, "batch 1");
	wd = frozenfs_freeze(mnt, 4);
	CHECK(wd > 0, "FIFREEZE on %s", mnt);
	if (wd <= 0)
		goto out;
	pthread_create(&thr, NULL, slow_append_main, &a);
	usleep(300 * 1000); /* the append is now inside its write, waiting */
	t0 = mono_s();
	bytes = spool__bytes(a.sp);
	n = spool__count(a.sp);
	spool__head(a.sp, &seq);
	rr = spool__read(a.sp, 1, &r, &bad);
	took = mono_s() - t0;
	waiting = !__atomic_load_n(&a.done, __ATOMIC_ACQUIRE);
	frozenfs_thaw(mnt, wd);
	pthread_join(thr, NULL);
	CHECK(waiting, "the other append was still waiting on the frozen disk when measured");
	CHECK(took < 0.2,
	      "counters, head and a read answered while the other append waited on the "
	      "disk: took %.3f s (a lock held across the write waits for the thaw, 4 s)",
	      took);
	CHECK(bytes > 0 && n == 1 && seq == 1 && rr == 0 && r && r->n == 3,
	      "what was there before: 1 batch of 3, head 1; got %zu batches, head %llu, read %d", n,
	      (unsigned long long)seq, rr);
	CHECK(a.err == 0 && spool__count(a.sp) == 2,
	      "the waiting append completes after the thaw: "
	      "err %d, %zu batches",
	      a.err, spool__count(a.sp));
out:
	record_batch__put(r);
	spool__close(a.sp);
	record_batch__put(a.b);
	frozenfs_umount(mnt, img);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hostlens-test-spool.%d/spool/file", getpid());
	RUN(test_spool_replays_in_sequence_order);
	RUN(test_spool_full_drops_oldest_and_counts);
	RUN(test_spool_survives_reopen_and_cleans_crash_leftovers);
	RUN(test_spool_failed_write_keeps_old_batches);
	RUN(test_spool_index_free_while_a_write_waits_on_disk);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf /tmp/hostlens-test-spool.%d", getpid());
		if (system(cmd)) {
		}
	}
	CHECK_DONE();
}
