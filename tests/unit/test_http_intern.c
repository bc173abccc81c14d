// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The table of request heads by the hash BPF gave them (user/http/http_intern.c). */
#include <stdio.h>
#include <string.h>

#include "tests/unit/check.h"
#include "user/http/http_intern.h"
#include "bpf/http/http.h"

static void intern_put_then_get(void)
{
	struct http_intern *t = http_intern__new(64);
	struct http_intern_stats st;
	struct http_interned *a, *b;
	const struct http_interned *g;
	bool fresh = false;

	CHECK(t, "table");
	if (!t)
		return;
	CHECK(!http_intern__get(t, 42), "a hash never put is not held");
	a = http_intern__put(t, 42, &fresh);
	CHECK(fresh && !a->ok && !a->route[0], "first put: a fresh, empty entry (fresh %d)", fresh);
	a->ok = true;
	snprintf(a->route, sizeof(a->route), "/api/orders/:id");
	g = http_intern__get(t, 42);
	CHECK(g == a && g->ok && !strcmp(g->route, "/api/orders/:id"), "get finds the parse");
	b = http_intern__put(t, 42, &fresh);
	CHECK(!fresh && b == a && b->ok,
	      "the same head again (another CPU): kept, not parsed again");
	CHECK(!http_intern__get(t, 43), "another hash is another head");
	http_intern__stats(t, &st);
	CHECK(st.heads == 2 && st.hits == 1 && st.misses == 2 && st.evictions == 0,
	      "heads %llu hits %llu misses %llu evictions %llu", (unsigned long long)st.heads,
	      (unsigned long long)st.hits, (unsigned long long)st.misses,
	      (unsigned long long)st.evictions);
	http_intern__free(t);
}

/* One set of four: a fifth head evicts the least recently used one, and a
 * reclaimed entry starts empty. */
static void intern_bounded_lru(void)
{
	struct http_intern *t = http_intern__new(4);
	struct http_intern_stats st;
	bool fresh;

	if (!t)
		return;
	for (uint64_t i = 0; i < 4; i++)
		http_intern__put(t, 100 + i, &fresh)->ok = true;
	CHECK(http_intern__get(t, 100), "head 0 held"); /* used again: 1 is oldest */
	CHECK(http_intern__put(t, 104, &fresh) && fresh, "head 4 new");
	CHECK(http_intern__get(t, 100), "head 0 (recently used) survived");
	CHECK(!http_intern__get(t, 101), "head 1 (least recently used) was evicted");
	CHECK(!http_intern__put(t, 101, &fresh)->ok && fresh, "taken back: empty, to be parsed");
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
	bool fresh;

	if (!t)
		return;
	for (uint64_t i = 0; i < 100000; i++)
		CHECK(http_intern__put(t, i * 0x9e3779b97f4a7c15ull, &fresh) != NULL, "entry %llu",
		      (unsigned long long)i);
	http_intern__stats(t, &st);
	CHECK(st.heads == 100000 && st.evictions == 100000 - 1024, "heads %llu evictions %llu",
	      (unsigned long long)st.heads, (unsigned long long)st.evictions);
	http_intern__free(t);
}

int main(void)
{
	RUN(intern_put_then_get);
	RUN(intern_bounded_lru);
	RUN(intern_flood_counted);
	CHECK_DONE();
}
