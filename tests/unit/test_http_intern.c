// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The table of request heads parsed before (user/http/http_intern.c). */
#include <stdio.h>
#include <string.h>

#include "tests/unit/check.h"
#include "user/http/http_intern.h"
#include "bpf/http/http.h"

static const char GET_A[] = "GET /api/orders/42 HTTP/1.1\r\nHost: shop\r\nUser-Agent: wrk\r\n\r\n";
static const char GET_B[] = "GET /api/orders/43 HTTP/1.1\r\nHost: shop\r\nUser-Agent: wrk\r\n\r\n";

static void intern_same_bytes_hit(void)
{
	struct http_intern *t = http_intern__new(64);
	struct http_intern_stats st;
	struct http_interned *a, *b;
	bool hit = true;

	CHECK(t, "table");
	if (!t)
		return;
	a = http_intern__find(t, GET_A, sizeof(GET_A) - 1, &hit);
	CHECK(!hit, "first sight is a miss");
	a->ok = true;
	snprintf(a->route, sizeof(a->route), "/api/orders/:id");
	b = http_intern__find(t, GET_A, sizeof(GET_A) - 1, &hit);
	CHECK(hit && b == a, "same bytes: the same entry (hit %d)", hit);
	CHECK(b->ok && !strcmp(b->route, "/api/orders/:id"), "the parse is kept: %s", b->route);
	http_intern__stats(t, &st);
	CHECK(st.hits == 1 && st.misses == 1 && st.evictions == 0,
	      "hits %llu misses %llu evictions %llu", (unsigned long long)st.hits,
	      (unsigned long long)st.misses, (unsigned long long)st.evictions);
	http_intern__free(t);
}

static void intern_other_bytes_miss(void)
{
	struct http_intern *t = http_intern__new(64);
	struct http_interned *a, *b;
	bool hit;

	if (!t)
		return;
	a = http_intern__find(t, GET_A, sizeof(GET_A) - 1, &hit);
	a->ok = true;
	b = http_intern__find(t, GET_B, sizeof(GET_B) - 1, &hit);
	CHECK(!hit && b != a && !b->ok, "one byte apart: a fresh entry (hit %d ok %d)", hit, b->ok);
	/* a prefix of a head is another head (a shorter capture) */
	b = http_intern__find(t, GET_A, sizeof(GET_A) - 3, &hit);
	CHECK(!hit && !b->ok, "prefix: a fresh entry (hit %d)", hit);
	http_intern__find(t, GET_A, sizeof(GET_A) - 1, &hit);
	CHECK(hit, "the first head is still there");
	http_intern__free(t);
}

/* One set of four: a fifth head evicts the least recently used one. */
static void intern_bounded_lru(void)
{
	struct http_intern *t = http_intern__new(4);
	struct http_intern_stats st;
	char head[5][32];
	bool hit;

	if (!t)
		return;
	for (int i = 0; i < 5; i++)
		snprintf(head[i], sizeof(head[i]), "GET /%d HTTP/1.1\r\n\r\n", i);
	for (int i = 0; i < 4; i++)
		http_intern__find(t, head[i], strlen(head[i]), &hit)->ok = true;
	http_intern__find(t, head[0], strlen(head[0]), &hit);	/* 0 used again: 1 is oldest */
	CHECK(hit, "head 0 kept");
	http_intern__find(t, head[4], strlen(head[4]), &hit);
	CHECK(!hit, "head 4 new");
	http_intern__find(t, head[0], strlen(head[0]), &hit);
	CHECK(hit, "head 0 (recently used) survived");
	http_intern__find(t, head[1], strlen(head[1]), &hit);
	CHECK(!hit, "head 1 (least recently used) was evicted");
	http_intern__stats(t, &st);
	CHECK(st.evictions == 2, "evictions %llu, want 2 (head 1, then to take it back)",
	      (unsigned long long)st.evictions);
	http_intern__free(t);
}

/* A flood of distinct heads: memory stays the table's, every one counted. */
static void intern_flood_counted(void)
{
	struct http_intern *t = http_intern__new(1024);
	struct http_intern_stats st;
	char head[64];
	bool hit;

	if (!t)
		return;
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(head, sizeof(head), "GET /flood/%d HTTP/1.1\r\n\r\n", i);

		CHECK(http_intern__find(t, head, (size_t)n, &hit) != NULL, "entry %d", i);
	}
	http_intern__stats(t, &st);
	CHECK(st.misses == 100000 && st.evictions == 100000 - 1024,
	      "misses %llu evictions %llu", (unsigned long long)st.misses, (unsigned long long)st.evictions);
	http_intern__free(t);
}

/* Longer than a captured head: only the first HL_HTTP_REQ_HEAD bytes count. */
static void intern_long_head_clamped(void)
{
	struct http_intern *t = http_intern__new(16);
	char big[HL_HTTP_REQ_HEAD + 64];
	bool hit;

	if (!t)
		return;
	memset(big, 'a', sizeof(big));
	http_intern__find(t, big, sizeof(big), &hit);
	big[sizeof(big) - 1] = 'b';	/* beyond the captured bytes */
	http_intern__find(t, big, sizeof(big), &hit);
	CHECK(hit, "bytes past the capture do not make another head");
	http_intern__free(t);
}

int main(void)
{
	RUN(intern_same_bytes_hit);
	RUN(intern_other_bytes_miss);
	RUN(intern_bounded_lru);
	RUN(intern_flood_counted);
	RUN(intern_long_head_clamped);
	CHECK_DONE();
}
