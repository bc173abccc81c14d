// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The on-disk spool: order, bounds with counted drops, replay after a reopen
 * (a restart), partial rewrite, leftovers of a crash. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "check.h"
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
	if (system(cmd)) {}
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
	CHECK(spool__count(sp) == 3 && spool__records(sp) == 6, "3 batches, 6 records, got %zu, %llu",
	      spool__count(sp), (unsigned long long)spool__records(sp));
	CHECK(spool__head(sp, &seq) && seq == 3, "head is the oldest (3), got %llu", (unsigned long long)seq);
	CHECK(spool__read(sp, 3, &r, &bad) == 0 && r && r->n == 3, "batch 3 reads back 3 records");
	if (r) {
		CHECK(!strcmp(r->recs[0].id, "a-0") && !strcmp(r->recs[2].id, "a-2"), "records in order");
		CHECK(r->recs[1].len == a->recs[1].len && !memcmp(r->recs[1].line, a->recs[1].line, a->recs[1].len),
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
	struct record_batch *b = mk("x", 4, 200);	/* ~4 x 280 bytes */
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
	CHECK(spool__head(sp, &seq) && seq == 2, "head moved to 2, got %llu", (unsigned long long)seq);
	CHECK(spool__bytes(sp) <= 3000, "within the bound: %llu", (unsigned long long)spool__bytes(sp));
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
	spool__append(sp, 42, b, mark, &dropped);	/* only 3 records pending */
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
		CHECK(!strcmp(r->recs[0].id, "r-1") && !strcmp(r->recs[1].id, "r-3"), "the unmarked ones");
		/* partial delivery of the replayed batch: keep only r-4 */
		unsigned char m2[3] = { 1, 1, 0 };

		CHECK(spool__replace(sp, 42, r, m2) == 0, "replace");
		record_batch__put(r);
		r = NULL;
		CHECK(spool__read(sp, 42, &r, &bad) == 0 && r && r->n == 1 && !strcmp(r->recs[0].id, "r-4"),
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

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hostlens-test-spool.%d/spool/file", getpid());
	RUN(test_spool_replays_in_sequence_order);
	RUN(test_spool_full_drops_oldest_and_counts);
	RUN(test_spool_survives_reopen_and_cleans_crash_leftovers);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf /tmp/hostlens-test-spool.%d", getpid());
		if (system(cmd)) {}
	}
	CHECK_DONE();
}
