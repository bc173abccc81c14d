// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Test helper: resolves AWS settings the way the sinks do and prints what
 * came, never a secret (the secret key is shown only as its length).
 *   sink_creds creds [ADVANCE_S]   resolve the chain; with ADVANCE_S, move a
 *                                  fake clock on that far and ask again
 *   sink_creds region
 *   sink_creds endpoint SERVICE
 * Exit 0, or 3 with the error on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sinks/aws/aws.h"

static int64_t fake_now;

static int64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static void show(const struct aws_creds *c)
{
	printf("source=%s akid=%s secret_len=%zu token=%s expires_ms=%lld\n", c->source, c->akid,
	       strlen(c->secret), c->token[0] ? "yes" : "no", (long long)c->expires_ms);
}

int main(int argc, char **argv)
{
	char region[64] = "", err[1024] = "", out[512];
	struct aws_provider *p;
	struct aws_creds c;
	int ret;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "region")) {
		if (aws_region(region, sizeof(region), err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 3;
		}
		printf("%s\n", region);
		return 0;
	}
	if (!strcmp(argv[1], "endpoint") && argc > 2) {
		aws_region(region, sizeof(region), err, sizeof(err));
		aws_endpoint(argv[2], region[0] ? region : "us-east-1", out, sizeof(out));
		printf("%s\n", out);
		return 0;
	}
	aws_region(region, sizeof(region), err, sizeof(err));
	fake_now = (int64_t)time(NULL) * 1000;
	p = aws_provider__new(region, &aws_http_transport, fake_clock, NULL);
	if (!p)
		return 1;
	ret = aws_provider__get(p, &c, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err);
		aws_provider__free(p);
		return 3;
	}
	show(&c);
	if (argc > 2) {
		fake_now += atoll(argv[2]) * 1000;
		ret = aws_provider__get(p, &c, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "%s\n", err);
			aws_provider__free(p);
			return 3;
		}
		show(&c);
	}
	printf("resolves=%u\n", aws_provider__resolves(p));
	aws_provider__free(p);
	return 0;
}
