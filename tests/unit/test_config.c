// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The option table's value checks (config.c): every size option refuses a
 * value past 2^64 - 1 instead of wrapping it, and a size below its minimum;
 * a URL that may carry a secret is shown by its origin only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/check.h"
#include "user/runtime/config.h"

static const char *const size_opts[] = { "log-size", "ring-size", "wakeup-bytes", "spool-max-bytes",
					 "file-rotate-bytes" };

static void test_config_size_overflow_refused_for_every_size_option(void)
{
	/* 2^64 and more, in several spellings: the shifted ones wrapped (2^64 to 0) */
	static const char *const big[] = { "17179869184G", "18446744073709551616",
					   "18014398509481984K", "99999999999999999999999" };
	struct config cfg;
	char err[256];

	for (size_t i = 0; i < sizeof(size_opts) / sizeof(size_opts[0]); i++) {
		for (size_t k = 0; k < sizeof(big) / sizeof(big[0]); k++) {
			char want[128];
			int ret;

			config_defaults(&cfg);
			err[0] = '\0';
			ret = config_set(&cfg, size_opts[i], big[k], false, err, sizeof(err));
			snprintf(want, sizeof(want), "--%s: '%s' is ", size_opts[i], big[k]);
			CHECK(ret == -EINVAL && strstr(err, want),
			      "%s %s: -EINVAL naming option and value, got %d '%s'", size_opts[i],
			      big[k], ret, err);
		}
	}
	config_defaults(&cfg);
	CHECK(config_set(&cfg, "file-rotate-bytes", "17179869183G", false, err, sizeof(err)) == 0 &&
		      cfg.file_rotate_bytes == 17179869183ull << 30,
	      "the largest whole-G size below 2^64 is taken, got '%s'", err);
	CHECK(config_set(&cfg, "log-size", "16G", false, err, sizeof(err)) == 0 &&
		      cfg.log_bytes == 16ull << 30,
	      "log-size 16G (its maximum) taken, got '%s'", err);
	CHECK(config_set(&cfg, "log-size", "1K", false, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "--log-size: '1K' is too small (at least 1M)"),
	      "below the minimum: '%s'", err);
	CHECK(config_set(&cfg, "wakeup-bytes", " 1", false, err, sizeof(err)) == -EINVAL &&
		      config_set(&cfg, "wakeup-bytes", "+1", false, err, sizeof(err)) == -EINVAL,
	      "no leading space or sign (strtoull would read ' -1' as 2^64 - 1)");
}

static void test_config_spool_zero_refused(void)
{
	struct config cfg;
	char err[256] = "";

	config_defaults(&cfg);
	CHECK(config_set(&cfg, "spool_max_bytes", "0", true, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "--spool-max-bytes: '0' is too small (at least 1M)"),
	      "got '%s'", err);
	CHECK(config_set(&cfg, "spool_max_bytes", "1M", true, err, sizeof(err)) == 0 &&
		      cfg.spool_max_bytes == 1 << 20,
	      "1M is the smallest spool, got '%s'", err);
	cfg.spool_max_bytes = 0; /* built another way: validate refuses it too */
	CHECK(config_validate(&cfg, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "--spool-max-bytes"),
	      "config_validate: '%s'", err);
}

static void test_config_url_for_log_keeps_origin_only(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "https://hooks.slack.com/services/T0/B0/s3cr3t",
		  "https://hooks.slack.com/<redacted>" },
		{ "http://user:pw@127.0.0.1:9/x?y=1", "http://127.0.0.1:9/<redacted>" },
		{ "https://example.com?token=s3cr3t", "https://example.com/<redacted>" },
		{ "https://example.com#s3cr3t", "https://example.com/<redacted>" },
		{ "https://example.com", "https://example.com" },
		{ "hooks.slack.com/services/s3cr3t", "<redacted>" },
		{ "", "" },
	};
	char out[256], tiny[24];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = config_url_for_log(cases[i].in, out, sizeof(out));

		CHECK(got == out && !strcmp(out, cases[i].want), "'%s' -> '%s', got '%s'",
		      cases[i].in, cases[i].want, out);
	}
	config_url_for_log("https://a-rather-long-host.example.com/s3cr3t", tiny, sizeof(tiny));
	CHECK(!strstr(tiny, "s3cr3t"), "a short buffer never shows the path, got '%s'", tiny);
}

int main(void)
{
	RUN(test_config_size_overflow_refused_for_every_size_option);
	RUN(test_config_spool_zero_refused);
	RUN(test_config_url_for_log_keeps_origin_only);
	CHECK_DONE();
}
