// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Where the AWS calls go, as the SDKs decide it (aws.h): the region (from
 * the environment or the profile in ~/.aws/config), a service's endpoint,
 * and the INI reader that both the config file and the shared credentials
 * file (aws_creds.c) are read with. No I/O but reading those files.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/aws/aws.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int aws_ini_get(const char *path, const char *section, const char *key, char *out, size_t len)
{
	char line[4096 + 256];
	bool in = false;
	int ret = -ENOENT;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *eq;

		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (!end)
				continue;
			*end = '\0';
			in = !strcmp(trim(s + 1), section);
			continue;
		}
		if (!in || !(eq = strchr(s, '=')))
			continue;
		*eq = '\0';
		if (strcmp(trim(s), key))
			continue;
		ret = (size_t)snprintf(out, len, "%s", trim(eq + 1)) >= len ? -EINVAL : 0;
		break;
	}
	fclose(f);
	return ret;
}

int aws_region(char *out, size_t len, char *err, size_t errlen)
{
	const char *v = getenv("AWS_REGION");
	const char *prof = getenv("AWS_PROFILE");
	const char *path = getenv("AWS_CONFIG_FILE");
	const char *home = getenv("HOME");
	char buf[4096], sect[256];

	if (!v || !*v)
		v = getenv("AWS_DEFAULT_REGION");
	if (v && *v) {
		snprintf(out, len, "%s", v);
		return 0;
	}
	if ((!path || !*path) && home && *home) {
		snprintf(buf, sizeof(buf), "%s/.aws/config", home);
		path = buf;
	}
	if (path && *path) {
		if (prof && *prof && strcmp(prof, "default"))
			snprintf(sect, sizeof(sect), "profile %s", prof);
		else
			snprintf(sect, sizeof(sect), "default");
		if (!aws_ini_get(path, sect, "region", out, len) && *out)
			return 0;
	}
	snprintf(err, errlen,
		 "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in the "
		 "profile of ~/.aws/config)");
	return -ENOENT;
}

int aws_endpoint(const char *service, const char *region, char *out, size_t len)
{
	char name[96] = "AWS_ENDPOINT_URL_";
	size_t o = strlen(name);
	const char *v;
	int n;

	for (const char *s = service; *s && o + 1 < sizeof(name); s++)
		name[o++] = (*s == ' ' || *s == '-') ? '_' : (char)toupper((unsigned char)*s);
	name[o] = '\0';
	v = getenv(name);
	if (!v || !*v)
		v = getenv("AWS_ENDPOINT_URL");
	if (v && *v)
		n = snprintf(out, len, "%s", v);
	else
		n = snprintf(out, len, "https://%s.%s.amazonaws.com", service, region);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
	return 0;
}
