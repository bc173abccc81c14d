// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Kernel byte strings made safe to show (user/lib/utf8.c): what a process name
 * made of any bytes becomes in JSON (its Prometheus label: test_prom.c). */
#include <stdint.h>
#include <string.h>
#include <jansson.h>

#include "tests/unit/check.h"
#include "user/lib/utf8.h"

static const char *san(const char *in, size_t len)
{
	static char out[256];

	utf8_sanitize(in, len, out, sizeof(out));
	return out;
}

#define SAN(lit) san(lit, sizeof(lit) - 1)

static void valid_utf8_copied_unchanged(void)
{
	static const char *const ok[] = {
		"nginx",
		"caf\xc3\xa9",
		"\xe6\x97\xa5\xe6\x9c\xac",
		"\xf0\x9f\x98\x80", /* é, 日本, 😀 */
		"\xed\x9f\xbf",
		"\xee\x80\x80",
		"\xf4\x8f\xbf\xbf",
		"",
		NULL, /* U+D7FF, U+E000, U+10FFFF */
	};

	for (int i = 0; ok[i]; i++) {
		CHECK(!strcmp(san(ok[i], strlen(ok[i])), ok[i]), "'%s' changed into '%s'", ok[i],
		      san(ok[i], strlen(ok[i])));
		CHECK(utf8_is_clean(ok[i], strlen(ok[i])), "'%s' not clean", ok[i]);
	}
}

static void invalid_bytes_become_hex_escapes(void)
{
	static const struct {
		const char *in, *want, *why;
	} c[] = {
		{ "hl\xff\xfex", "hl\\xFF\\xFEx", "bytes no UTF-8 character begins with" },
		{ "a\x80z", "a\\x80z", "a lone continuation byte" },
		{ "\xc0\xaf", "\\xC0\\xAF", "overlong '/' (2 bytes)" },
		{ "\xe0\x80\xaf", "\\xE0\\x80\\xAF", "overlong '/' (3 bytes)" },
		{ "\xed\xa0\x80", "\\xED\\xA0\\x80", "a UTF-16 surrogate (U+D800)" },
		{ "\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80", "above U+10FFFF" },
		{ "\xf5\x80", "\\xF5\\x80", "lead byte F5" },
		{ "ab\xe6\x97", "ab\\xE6\\x97",
		  "a character cut short (the kernel's 15-byte comm)" },
		{ "\xc3(", "\\xC3(", "a lead byte followed by ASCII" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *got = san(c[i].in, strlen(c[i].in));

		CHECK(!strcmp(got, c[i].want), "%s: want '%s', got '%s'", c[i].why, c[i].want, got);
		CHECK(!utf8_is_clean(c[i].in, strlen(c[i].in)), "%s: called clean", c[i].why);
	}
}

static void control_characters_escaped(void)
{
	CHECK(!strcmp(SAN("a\nb\tc"), "a\\x0Ab\\x09c"), "newline and tab: got '%s'",
	      SAN("a\nb\tc"));
	CHECK(!strcmp(SAN("\x1b[31mred"), "\\x1B[31mred"), "a terminal escape: got '%s'",
	      SAN("\x1b[31mred"));
	CHECK(!strcmp(SAN("del\x7f"), "del\\x7F"), "DEL: got '%s'", SAN("del\x7f"));
}

static void reads_at_most_len_and_stops_at_nul(void)
{
	CHECK(!strcmp(san("abcdef", 3), "abc"), "len 3: got '%s'", san("abcdef", 3));
	CHECK(!strcmp(san("ab\0\xff", 4), "ab"), "NUL ends the string: got '%s'",
	      san("ab\0\xff", 4));
}

/* A small xorshift: the same inputs every run. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static bool has_control(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

static void jansson_accepts_every_result(void)
{
	/* every 1- and 2-byte string, then 20000 random 1..8-byte strings
	 * over the bytes that matter (ASCII, continuation, lead bytes) */
	static const unsigned char pick[] = {
		'a',  '\\', '"',  0x01, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2,
		0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff
	};
	unsigned char in[9];
	char out[UTF8_SAFE_SIZE(8)], again[UTF8_SAFE_SIZE(32)];
	uint32_t seed = 0x2545f491;
	int bad_json = 0, bad_idem = 0, bad_kept = 0, n = 0;

	for (int i = 0; i < 65536 + 20000; i++, n++) {
		size_t len;
		json_t *j;

		if (i < 65536) {
			in[0] = (unsigned char)(i >> 8);
			in[1] = (unsigned char)i;
			len = in[0] ? 2 : 0; /* NUL first: the empty string */
			if (in[0] && !in[1])
				len = 1;
		} else {
			len = 1 + rnd(&seed) % 8;
			for (size_t k = 0; k < len; k++)
				in[k] = pick[rnd(&seed) % sizeof(pick)];
		}
		in[len] = '\0';
		utf8_sanitize((const char *)in, len, out, sizeof(out));
		j = json_string(out);
		bad_json += !j;
		json_decref(j);
		utf8_sanitize(out, sizeof(out), again, sizeof(again));
		bad_idem += strcmp(out, again) != 0;
		/* what Jansson takes as it is (and holds no control) is kept as it is */
		j = json_string((const char *)in);
		if (j && !has_control(in, len))
			bad_kept += strcmp(out, (const char *)in) != 0;
		json_decref(j);
	}
	CHECK(!bad_json, "%d of %d results refused by json_string()", bad_json, n);
	CHECK(!bad_idem, "%d of %d results changed when sanitized again", bad_idem, n);
	CHECK(!bad_kept, "%d of %d strings Jansson accepts were changed", bad_kept, n);
}

static void truncation_never_splits_an_escape_or_a_character(void)
{
	char out[8];
	size_t n;

	n = utf8_sanitize("ab\xff\xfe", 4, out, sizeof(out));
	/* "ab\xFF" is 6, "\xFE" would need 4 more */
	CHECK(n == 6 && !strcmp(out, "ab\\xFF"), "got %zu '%s'", n, out);
	n = utf8_sanitize("abcde\xe6\x97\xa5", 8, out, sizeof(out));
	CHECK(n == 5 && !strcmp(out, "abcde"), "a 3-byte character that does not fit: got %zu '%s'",
	      n, out);
	n = utf8_sanitize("abc", 3, out, 0);
	CHECK(n == 0, "outlen 0 writes nothing, got %zu", n);
}

static void worst_process_name_fits_its_buffer(void)
{
	char raw[HL_COMM_LEN], comm[UTF8_COMM_SIZE];
	size_t n;

	memset(raw, 0xff, sizeof(raw) - 1);
	raw[sizeof(raw) - 1] = '\0';
	n = utf8_sanitize(raw, sizeof(raw), comm, sizeof(comm));
	CHECK(n == 4 * (HL_COMM_LEN - 1), "15 invalid bytes: 60 characters, got %zu", n);
}

static void char_len_follows_the_rule(void)
{
	CHECK(utf8_char_len("a", 1) == 1 && utf8_char_len("\xc3\xa9", 2) == 2 &&
		      utf8_char_len("\xf0\x9f\x98\x80", 4) == 4,
	      "kept characters: their length");
	CHECK(!utf8_char_len("\n", 1) && !utf8_char_len("\x7f", 1) && !utf8_char_len("\xff", 1) &&
		      !utf8_char_len("\xc3", 1) && !utf8_char_len("a", 0),
	      "controls, invalid bytes, a cut character, nothing: 0");
}

int main(void)
{
	RUN(valid_utf8_copied_unchanged);
	RUN(invalid_bytes_become_hex_escapes);
	RUN(control_characters_escaped);
	RUN(reads_at_most_len_and_stops_at_nul);
	RUN(jansson_accepts_every_result);
	RUN(truncation_never_splits_an_escape_or_a_character);
	RUN(worst_process_name_fits_its_buffer);
	RUN(char_len_follows_the_rule);
	CHECK_DONE();
}
