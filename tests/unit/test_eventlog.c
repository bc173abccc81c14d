// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The event log: order, wraparound, overwrite-oldest, exact counters, and a
 * writer racing readers on other threads. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "tests/unit/check.h"
#include "user/pipeline/eventlog.h"

struct collect {
	uint64_t n, last_val, bad_order, bytes;
	uint64_t first_val;
	int shard_seen[8];
};

static void collect_cb(void *ctx, int shard, uint64_t seq, const void *data, uint32_t len)
{
	struct collect *c = ctx;
	uint64_t v;

	memcpy(&v, data, sizeof(v));
	if (c->n && v <= c->last_val)
		c->bad_order++;
	if (!c->n)
		c->first_val = v;
	c->last_val = v;
	c->n++;
	c->bytes += len;
	c->shard_seen[shard & 7] = 1;
	(void)seq;
}

static void test_append_and_read_in_order(void)
{
	struct eventlog *log = eventlog__new(1 << 20, 1);
	struct eventlog_reader *r = eventlog_reader__new(log, true);
	struct collect c = { 0 };

	for (uint64_t i = 1; i <= 1000; i++) {
		uint64_t seq = eventlog__append(log, 0, &i, sizeof(i));

		CHECK(seq == i - 1, "seq %llu for entry %llu, expected %llu",
		      (unsigned long long)seq, (unsigned long long)i, (unsigned long long)(i - 1));
	}
	eventlog_reader__poll(r, collect_cb, &c, SIZE_MAX);
	CHECK(c.n == 1000, "read %llu entries, expected 1000", (unsigned long long)c.n);
	CHECK(c.bad_order == 0, "%llu out of order", (unsigned long long)c.bad_order);
	CHECK(c.first_val == 1 && c.last_val == 1000, "first %llu last %llu",
	      (unsigned long long)c.first_val, (unsigned long long)c.last_val);
	CHECK(eventlog_reader__lost(r) == 0, "lost %llu",
	      (unsigned long long)eventlog_reader__lost(r));
	/* nothing new: nothing delivered */
	CHECK(eventlog_reader__poll(r, collect_cb, &c, SIZE_MAX) == 0,
	      "second poll delivered entries");
	eventlog_reader__free(r);
	eventlog__free(log);
}

static void test_wraparound_overwrites_oldest_exactly(void)
{
	/* 64 KiB shard; entries of 16 + 40 = 56 bytes; odd size forces pads at the end */
	struct eventlog *log = eventlog__new(64 << 10, 1);
	struct eventlog_reader *r = eventlog_reader__new(log, true);
	struct eventlog_stats st;
	struct collect c = { 0 };
	unsigned char buf[40] = { 0 };
	const uint64_t total = 10000;

	for (uint64_t i = 1; i <= total; i++) {
		memcpy(buf, &i, sizeof(i));
		eventlog__append(log, 0, buf, sizeof(buf));
	}
	eventlog__stats(log, &st);
	CHECK(st.appended == total, "appended %llu, expected %llu", (unsigned long long)st.appended,
	      (unsigned long long)total);
	CHECK(st.used_bytes <= st.size_bytes, "used %llu > size %llu",
	      (unsigned long long)st.used_bytes, (unsigned long long)st.size_bytes);
	eventlog_reader__poll(r, collect_cb, &c, SIZE_MAX);
	/* every entry is either read or counted as overwritten: exact */
	CHECK(c.n + st.overwritten == total, "read %llu + overwritten %llu != %llu",
	      (unsigned long long)c.n, (unsigned long long)st.overwritten,
	      (unsigned long long)total);
	CHECK(eventlog_reader__lost(r) == st.overwritten, "reader lost %llu, log overwrote %llu",
	      (unsigned long long)eventlog_reader__lost(r), (unsigned long long)st.overwritten);
	CHECK(c.last_val == total, "newest entry %llu, expected %llu",
	      (unsigned long long)c.last_val, (unsigned long long)total);
	CHECK(c.first_val == st.overwritten + 1, "oldest kept %llu, expected %llu",
	      (unsigned long long)c.first_val, (unsigned long long)st.overwritten + 1);
	CHECK(c.bad_order == 0, "%llu out of order", (unsigned long long)c.bad_order);
	CHECK(st.overwritten > 0, "nothing was overwritten: the test did not wrap");
	eventlog_reader__free(r);
	eventlog__free(log);
}

static void test_reader_from_now_sees_only_new(void)
{
	struct eventlog *log = eventlog__new(1 << 20, 2);
	struct eventlog_reader *r;
	struct collect c = { 0 };

	for (uint64_t i = 1; i <= 10; i++)
		eventlog__append(log, (int)(i % 2), &i, sizeof(i));
	r = eventlog_reader__new(log, false);
	for (uint64_t i = 11; i <= 14; i++)
		eventlog__append(log, 0, &i, sizeof(i));
	eventlog_reader__poll(r, collect_cb, &c, SIZE_MAX);
	CHECK(c.n == 4 && c.first_val == 11, "got %llu entries from %llu, expected 4 from 11",
	      (unsigned long long)c.n, (unsigned long long)c.first_val);
	eventlog_reader__free(r);
	eventlog__free(log);
}

static void test_oversized_entry_rejected_and_counted(void)
{
	struct eventlog *log = eventlog__new(64 << 10, 1);
	static unsigned char big[32 << 10];
	struct eventlog_stats st;

	CHECK(eventlog__append(log, 0, big, sizeof(big)) == UINT64_MAX,
	      "32 KiB entry accepted in a 64 KiB shard");
	eventlog__stats(log, &st);
	CHECK(st.rejected == 1 && st.appended == 0, "rejected %llu appended %llu",
	      (unsigned long long)st.rejected, (unsigned long long)st.appended);
	eventlog__free(log);
}

static void test_max_limits_delivery(void)
{
	struct eventlog *log = eventlog__new(1 << 20, 1);
	struct eventlog_reader *r = eventlog_reader__new(log, true);
	struct collect c = { 0 };
	size_t n;

	for (uint64_t i = 1; i <= 100; i++)
		eventlog__append(log, 0, &i, sizeof(i));
	n = eventlog_reader__poll(r, collect_cb, &c, 30);
	CHECK(n == 30 && c.last_val == 30, "first poll gave %zu up to %llu", n,
	      (unsigned long long)c.last_val);
	n = eventlog_reader__poll(r, collect_cb, &c, SIZE_MAX);
	CHECK(n == 70 && c.last_val == 100 && c.bad_order == 0, "second poll gave %zu up to %llu",
	      n, (unsigned long long)c.last_val);
	eventlog_reader__free(r);
	eventlog__free(log);
}

/* ---- writer racing readers ---- */

#define RACE_N 2000000ull

struct race {
	struct eventlog *log;
	int done;
	uint64_t read_n, lost, corrupt, bad_order;
};

struct race_reader {
	struct race *rc;
	struct eventlog_reader *r;
	uint64_t n, last[4], corrupt, bad_order, lost;
};

static void race_cb(void *ctx, int shard, uint64_t seq, const void *data, uint32_t len)
{
	struct race_reader *rr = ctx;
	uint64_t v[6];

	memcpy(v, data, sizeof(v));
	/* payload: value repeated; a torn copy would mix two values */
	for (int i = 1; i < 6; i++)
		if (v[i] != v[0])
			rr->corrupt++;
	if (len != sizeof(v) || v[0] != seq)
		rr->corrupt++;
	if (rr->last[shard] && v[0] <= rr->last[shard])
		rr->bad_order++;
	rr->last[shard] = v[0];
	rr->n++;
}

static void *race_read(void *arg)
{
	struct race_reader *rr = arg;
	struct eventlog_reader *r = rr->r;

	memset(rr->last, 0, sizeof(rr->last));
	while (!__atomic_load_n(&rr->rc->done, __ATOMIC_ACQUIRE))
		eventlog_reader__poll(r, race_cb, rr, 4096);
	eventlog_reader__poll(r, race_cb, rr, SIZE_MAX);
	rr->lost = eventlog_reader__lost(r);
	eventlog_reader__free(r);
	return NULL;
}

static void test_concurrent_writer_and_readers(void)
{
	struct race rc = { .log = eventlog__new(256 << 10, 2) };
	struct race_reader rr[2] = { { .rc = &rc }, { .rc = &rc } };
	struct eventlog_stats st;
	pthread_t t[2];

	/* readers exist before the first write: every entry is theirs to read or lose */
	for (int i = 0; i < 2; i++) {
		rr[i].r = eventlog_reader__new(rc.log, true);
		pthread_create(&t[i], NULL, race_read, &rr[i]);
	}
	for (uint64_t i = 0; i < RACE_N; i++) {
		int shard = (int)(i & 1);
		uint64_t seq = i >> 1, v[6] = { seq, seq, seq, seq, seq, seq };

		eventlog__append(rc.log, shard, v, sizeof(v));
	}
	__atomic_store_n(&rc.done, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	eventlog__stats(rc.log, &st);
	for (int i = 0; i < 2; i++) {
		CHECK(rr[i].corrupt == 0, "reader %d saw %llu torn entries", i,
		      (unsigned long long)rr[i].corrupt);
		CHECK(rr[i].n > 0, "reader %d read nothing", i);
		CHECK(rr[i].bad_order == 0, "reader %d saw %llu entries out of order", i,
		      (unsigned long long)rr[i].bad_order);
		CHECK(rr[i].n + rr[i].lost == RACE_N,
		      "reader %d: read %llu + lost %llu != written %llu", i,
		      (unsigned long long)rr[i].n, (unsigned long long)rr[i].lost, RACE_N);
	}
	CHECK(st.appended == RACE_N, "appended %llu", (unsigned long long)st.appended);
	eventlog__free(rc.log);
}

int main(void)
{
	RUN(test_append_and_read_in_order);
	RUN(test_wraparound_overwrites_oldest_exactly);
	RUN(test_reader_from_now_sees_only_new);
	RUN(test_oversized_entry_rejected_and_counted);
	RUN(test_max_limits_delivery);
	RUN(test_concurrent_writer_and_readers);
	CHECK_DONE();
}
