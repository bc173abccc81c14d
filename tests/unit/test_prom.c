// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The Prometheus text writer (user/lib/prom.c): label escaping, HELP and TYPE
 * once per family, label rendering, value formats, histograms, summaries. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "user/lib/prom.h"
#include "user/lib/utf8.h"

/* A writer over a memory buffer; done() closes it and returns the text. */
struct out {
	char *buf;
	size_t len;
	FILE *f;
	struct prom w;
};

static void start(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	prom_init(&o->w, o->f);
}

static const char *done(struct out *o)
{
	fclose(o->f);
	return o->buf ? o->buf : "";
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static const char *esc(const char *s)
{
	static char out[256];

	prom_escape_label(s, out, sizeof(out));
	return out;
}

static void label_escapes_quote_backslash_and_newline(void)
{
	CHECK(!strcmp(esc("a\"b\\c"), "a\\\"b\\\\c"), "quote and backslash: got '%s'",
	      esc("a\"b\\c"));
	CHECK(!strcmp(esc("a\nb"), "a\\\\x0Ab") && !strchr(esc("a\nb"), '\n'),
	      "newline: never raw, the utf8 rule's \\x0A with its backslash escaped: got '%s'",
	      esc("a\nb"));
	CHECK(!strcmp(esc("hl\xff\xfex"), "hl\\\\xFF\\\\xFEx"), "invalid bytes: got '%s'",
	      esc("hl\xff\xfex"));
	CHECK(!strcmp(esc("caf\xc3\xa9"), "caf\xc3\xa9"), "UTF-8 kept: got '%s'",
	      esc("caf\xc3\xa9"));
	CHECK(!strcmp(esc("nginx"), "nginx"), "plain text unchanged: got '%s'", esc("nginx"));
}

static void label_escape_of_a_sanitized_name_is_that_of_the_raw_one(void)
{
	char san[64];

	utf8_sanitize("x\xff\"\\", 4, san, sizeof(san));
	CHECK(!strcmp(esc(san), esc("x\xff\"\\")) && !strcmp(esc(san), "x\\\\xFF\\\"\\\\"),
	      "modules keep sanitized names: the same label, got '%s' and '%s'", esc(san),
	      esc("x\xff\"\\"));
}

static void label_escape_never_cut_inside_an_escape(void)
{
	char out[8];
	size_t n;

	n = prom_escape_label("ab\"", out, 4);
	CHECK(n == 2 && !strcmp(out, "ab"), "an escape that does not fit: got %zu '%s'", n, out);
	n = prom_escape_label("a\xff", out, 5);
	CHECK(n == 1 && !strcmp(out, "a"), "a hex escape that does not fit: got %zu '%s'", n, out);
	n = prom_escape_label("abc", out, 0);
	CHECK(n == 0, "outlen 0 writes nothing, got %zu", n);
}

static void worst_process_name_label(void)
{
	char raw[HL_COMM_LEN], comm[UTF8_COMM_SIZE], label[2 * UTF8_COMM_SIZE];
	size_t n;

	memset(raw, 0xff, sizeof(raw) - 1);
	raw[sizeof(raw) - 1] = '\0';
	utf8_sanitize(raw, sizeof(raw), comm, sizeof(comm));
	n = prom_escape_label(comm, label, sizeof(label));
	CHECK(n == 5 * (HL_COMM_LEN - 1), "15 invalid bytes: a 75-character label, got %zu", n);
	memset(comm, '"', sizeof(comm) - 1);
	comm[sizeof(comm) - 1] = '\0';
	n = prom_escape_label(comm, label, sizeof(label));
	CHECK(n == 2 * (sizeof(comm) - 1), "a sanitized name of quotes doubles whole, got %zu", n);
}

static void help_and_type_once_per_family(void)
{
	struct out o;
	const char *t;
	bool first, second, other;

	start(&o);
	first = prom_family(&o.w, "hostlens_x_total", PROM_COUNTER, "Things (top %d).", 20);
	prom_sample_uint(&o.w, "hostlens_x_total", NULL, 1);
	second = prom_family(&o.w, "hostlens_x_total", PROM_COUNTER, "Things (top %d).", 20);
	other = prom_family(&o.w, "hostlens_y", PROM_GAUGE, "Y.");
	t = done(&o);
	CHECK(first && !second && other, "new, repeated, new: got %d %d %d", first, second, other);
	CHECK(count(t, "# HELP hostlens_x_total ") == 1 &&
		      count(t, "# TYPE hostlens_x_total ") == 1,
	      "one HELP and one TYPE for hostlens_x_total: %s", t);
	CHECK(!strcmp(t,
		      "# HELP hostlens_x_total Things (top 20).\n# TYPE hostlens_x_total counter\n"
		      "hostlens_x_total 1\n# HELP hostlens_y Y.\n# TYPE hostlens_y gauge\n"),
	      "the text: %s", t);
	free(o.buf);
}

static void type_names(void)
{
	struct out o;
	const char *t;

	start(&o);
	prom_family(&o.w, "a", PROM_COUNTER, "a");
	prom_family(&o.w, "b", PROM_GAUGE, "b");
	prom_family(&o.w, "c", PROM_HISTOGRAM, "c");
	prom_family(&o.w, "d", PROM_SUMMARY, "d");
	t = done(&o);
	CHECK(strstr(t, "# TYPE a counter\n") && strstr(t, "# TYPE b gauge\n") &&
		      strstr(t, "# TYPE c histogram\n") && strstr(t, "# TYPE d summary\n"),
	      "the four types: %s", t);
	free(o.buf);
}

static void help_escapes_backslash_and_newline_only(void)
{
	struct out o;
	const char *t;

	start(&o);
	prom_family(&o.w, "x", PROM_GAUGE, "a\\b\nc, route=\"other\"");
	t = done(&o);
	CHECK(!strcmp(t, "# HELP x a\\\\b\\nc, route=\"other\"\n# TYPE x gauge\n"),
	      "backslash and newline escaped, quotes kept: %s", t);
	free(o.buf);
}

static void labels_rendered_in_order_and_escaped(void)
{
	struct prom_labels l;
	struct out o;
	const char *t;

	start(&o);
	prom_labels_init(&l);
	prom_label_uint(&l, "pid", 42);
	prom_label(&l, "comm", "we\"ird\\");
	prom_label(&l, "op", "read");
	prom_sample_uint(&o.w, "m", &l, 7);
	prom_labels_init(&l);
	prom_sample_uint(&o.w, "n", &l, 8); /* empty: no braces */
	prom_sample_int(&o.w, "i", NULL, -3);
	t = done(&o);
	CHECK(!strcmp(t, "m{pid=\"42\",comm=\"we\\\"ird\\\\\",op=\"read\"} 7\nn 8\ni -3\n"),
	      "got: %s", t);
	free(o.buf);
}

static void labels_cut_back_to_a_mark(void)
{
	struct prom_labels l;
	size_t mark;

	prom_labels_init(&l);
	prom_label(&l, "a", "1");
	mark = l.len;
	prom_label(&l, "b", "2");
	prom_labels_cut(&l, mark);
	prom_label(&l, "c", "3");
	CHECK(!strcmp(l.s, "a=\"1\",c=\"3\"") && l.len == strlen(l.s), "got '%s' (%zu)", l.s,
	      l.len);
}

static void a_label_set_too_long_stays_well_formed(void)
{
	static char big[3 * PROM_LABELS_SIZE];
	struct prom_labels l;

	memset(big, '"', sizeof(big) - 1);
	prom_labels_init(&l);
	prom_label(&l, "a", "1");
	prom_label(&l, "big", big);
	prom_label(&l, "after", "x");
	CHECK(l.len < sizeof(l.s) && l.len == strlen(l.s), "within its buffer: %zu", l.len);
	CHECK(!strncmp(l.s, "a=\"1\",big=\"\\\"", 13) && l.s[l.len - 1] == '"' &&
		      l.s[l.len - 2] == '"' && l.s[l.len - 3] == '\\',
	      "the value cut between escapes, the quote closed: ...%s", l.s + l.len - 8);
}

static void values_formatted(void)
{
	struct out o;
	const char *t;

	start(&o);
	prom_sample_double(&o.w, "a", NULL, 0.25);
	prom_sample_double(&o.w, "b", NULL, 3);
	prom_sample_double(&o.w, "c", NULL, 1e-9);
	prom_sample_double(&o.w, "d", NULL, 0);
	prom_sample_double(&o.w, "e", NULL, NAN);
	prom_sample_double(&o.w, "f", NULL, INFINITY);
	prom_sample_double(&o.w, "g", NULL, -INFINITY);
	prom_sample_double(&o.w, "h", NULL, 12345.678901234);
	prom_sample_uint(&o.w, "i", NULL, 18446744073709551615ull);
	prom_sample_double(&o.w, "j", NULL, -1e-12);
	prom_sample_double(&o.w, "k", NULL, -2.5);
	t = done(&o);
	CHECK(!strcmp(t,
		      "a 0.25\nb 3\nc 0.000000001\nd 0\ne NaN\nf +Inf\ng -Inf\nh 12345.678901234\n"
		      "i 18446744073709551615\nj 0\nk -2.5\n"),
	      "got: %s", t);
	free(o.buf);
}

static void histogram_lines(void)
{
	static const char *const le[] = { "0.001", "0.01" };
	static const uint64_t cum[] = { 1, 3 };
	struct prom_labels l;
	struct out o;
	const char *t;

	start(&o);
	prom_labels_init(&l);
	prom_label(&l, "device", "sda");
	prom_histogram(&o.w, "h_seconds", &l, le, cum, 2, 4, 0.5);
	prom_histogram(&o.w, "u_seconds", NULL, le, cum, 1, 1, 0);
	t = done(&o);
	CHECK(!strcmp(t, "h_seconds_bucket{device=\"sda\",le=\"0.001\"} 1\n"
			 "h_seconds_bucket{device=\"sda\",le=\"0.01\"} 3\n"
			 "h_seconds_bucket{device=\"sda\",le=\"+Inf\"} 4\n"
			 "h_seconds_sum{device=\"sda\"} 0.5\n"
			 "h_seconds_count{device=\"sda\"} 4\n"
			 "u_seconds_bucket{le=\"0.001\"} 1\n"
			 "u_seconds_bucket{le=\"+Inf\"} 1\n"
			 "u_seconds_sum 0\n"
			 "u_seconds_count 1\n"),
	      "got: %s", t);
	free(o.buf);
}

static void summary_lines(void)
{
	static const char *const q[] = { "0.5", "0.99" };
	static const double v[] = { 0.001, 0.25 };
	struct prom_labels l;
	struct out o;
	const char *t;

	start(&o);
	prom_labels_init(&l);
	prom_label(&l, "part", "cpu");
	prom_summary(&o.w, "s_seconds", &l, q, v, 2, 9, 1.5);
	t = done(&o);
	CHECK(!strcmp(t, "s_seconds{part=\"cpu\",quantile=\"0.5\"} 0.001\n"
			 "s_seconds{part=\"cpu\",quantile=\"0.99\"} 0.25\n"
			 "s_seconds_sum{part=\"cpu\"} 1.5\n"
			 "s_seconds_count{part=\"cpu\"} 9\n"),
	      "got: %s", t);
	free(o.buf);
}

static void no_output_no_crash(void)
{
	struct prom w;

	prom_init(&w, NULL);
	CHECK(!prom_family(&w, "x", PROM_GAUGE, "x"), "no family written without a FILE");
	prom_sample_uint(&w, "x", NULL, 1);
	prom_sample_double(&w, "x", NULL, 1);
	prom_histogram(&w, "x", NULL, NULL, NULL, 0, 0, 0);
}

int main(void)
{
	RUN(label_escapes_quote_backslash_and_newline);
	RUN(label_escape_of_a_sanitized_name_is_that_of_the_raw_one);
	RUN(label_escape_never_cut_inside_an_escape);
	RUN(worst_process_name_label);
	RUN(help_and_type_once_per_family);
	RUN(type_names);
	RUN(help_escapes_backslash_and_newline_only);
	RUN(labels_rendered_in_order_and_escaped);
	RUN(labels_cut_back_to_a_mark);
	RUN(a_label_set_too_long_stays_well_formed);
	RUN(values_formatted);
	RUN(histogram_lines);
	RUN(summary_lines);
	RUN(no_output_no_crash);
	CHECK_DONE();
}
