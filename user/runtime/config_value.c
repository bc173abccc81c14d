// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Option values by type (config_value.h): sizes, numbers, booleans, enums
 * and the list fields, each parsed and held to its row's range, every error
 * naming the option and the bad value. config.c owns the table and calls
 * here; nothing here calls config.c.
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "user/runtime/config_value.h"
#include "user/notify/notify_fmt.h"

/*
 * "512K", "64M", "1G", "1GiB", "4096": bytes, binary multiples. -EINVAL for
 * what is not a size (also a sign or leading space: strtoull would wrap
 * "-1" to 2^64 - 1), -ERANGE when the value does not fit 64 bits.
 */
static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || end == s)
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		shift = 10;
		end++;
		break;
	case 'M':
		shift = 20;
		end++;
		break;
	case 'G':
		shift = 30;
		end++;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift && toupper((unsigned char)*end) == 'I')
		end++;
	if (shift && toupper((unsigned char)*end) == 'B')
		end++;
	if (*end)
		return -EINVAL;
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

/* A byte count as the shortest of "16G", "1M", "4K" or plain bytes. */
static const char *size_str(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "GMK";

	for (int i = 0; i < 3; i++) {
		unsigned int shift = 30 - 10 * (unsigned int)i;

		if (v >= (1ull << shift) && !(v & ((1ull << shift) - 1))) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(v >> shift), units[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

/* Parses a CONFIG_OPT_SIZE value and holds it to the option's range. */
static int set_size(const struct config_opt *o, const char *val, uint64_t *field, char *err,
		    size_t errlen)
{
	char lim[32];
	uint64_t v;
	int ret = parse_size(val, &v);

	if (ret == -EINVAL) {
		snprintf(err, errlen, "--%s: '%s' is not a size (like 512K, 64M, 1G)", o->name,
			 val);
		return ret;
	}
	if (ret == -ERANGE || (o->max && v > (uint64_t)o->max)) {
		if (o->max)
			snprintf(err, errlen, "--%s: '%s' is too large (at most %s)", o->name, val,
				 size_str((uint64_t)o->max, lim, sizeof(lim)));
		else
			snprintf(err, errlen,
				 "--%s: '%s' is too large (a size must stay below 16 EiB)", o->name,
				 val);
		return -EINVAL;
	}
	if (v < (uint64_t)o->min) {
		snprintf(err, errlen, "--%s: '%s' is too small (at least %s)", o->name, val,
			 size_str((uint64_t)o->min, lim, sizeof(lim)));
		return -EINVAL;
	}
	*field = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on") ||
	    !strcmp(s, "1"))
		*out = true;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off") ||
		 !strcmp(s, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static bool enum_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && !strncmp(p, v, n))
			return true;
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

/* Appends to one of the fixed-size list fields. */
static int list_add(struct config *cfg, const struct config_opt *o, const char *val, char *err,
		    size_t errlen)
{
	char *base = (char *)cfg + o->off;

	switch (o->type) {
	case CONFIG_OPT_SINK:
		if (strcmp(val, "file") && strcmp(val, "kinesis") && strcmp(val, "dynamodb")) {
			snprintf(err, errlen,
				 "--sink: unknown sink '%s' (file, kinesis or dynamodb)", val);
			return -EINVAL;
		}
		for (int i = 0; i < cfg->n_sinks; i++)
			if (!strcmp(cfg->sinks[i], val))
				return 0;
		if (cfg->n_sinks == CFG_MAX_SINKS)
			goto full;
		snprintf(cfg->sinks[cfg->n_sinks++], sizeof(cfg->sinks[0]), "%s", val);
		return 0;
	case CONFIG_OPT_PID: {
		char *end;
		long v;

		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || end == val || *end || v <= 0 || v > 1 << 22) {
			snprintf(err, errlen, "--pid: '%s' is not a process id", val);
			return -EINVAL;
		}
		if (cfg->n_pids == CFG_MAX_PIDS)
			goto full;
		cfg->pids[cfg->n_pids++] = (int)v;
		return 0;
	}
	case CONFIG_OPT_COMM:
		if (!*val || strlen(val) >= CFG_COMM) {
			snprintf(err, errlen,
				 "--comm: '%s' must be 1 to %d characters (the kernel's comm)", val,
				 CFG_COMM - 1);
			return -EINVAL;
		}
		if (cfg->n_comms == CFG_MAX_COMMS)
			goto full;
		snprintf(cfg->comms[cfg->n_comms++], CFG_COMM, "%s", val);
		return 0;
	case CONFIG_OPT_CGROUP:
		if (!*val || strlen(val) >= PATH_MAX) {
			snprintf(err, errlen, "--cgroup: empty or too long");
			return -EINVAL;
		}
		if (cfg->n_cgroups == CFG_MAX_CGROUPS)
			goto full;
		snprintf(cfg->cgroups[cfg->n_cgroups++], PATH_MAX, "%s", val);
		return 0;
	case CONFIG_OPT_REDACT:
		if (!*val || strlen(val) >= 64) {
			snprintf(err, errlen, "--redact-segment: '%s' must be 1 to 63 characters",
				 val);
			return -EINVAL;
		}
		{
			regex_t re;
			int rc = regcomp(&re, val, REG_EXTENDED | REG_NOSUB);

			if (rc) {
				char why[128];

				regerror(rc, &re, why, sizeof(why));
				snprintf(err, errlen,
					 "--redact-segment: '%s' is not an extended regex: %s", val,
					 why);
				return -EINVAL;
			}
			regfree(&re);
		}
		if (cfg->n_redact == CFG_MAX_REDACT)
			goto full;
		snprintf(cfg->redact_segments[cfg->n_redact++], 64, "%s", val);
		return 0;
	case CONFIG_OPT_HOST:
		if (!*val || strlen(val) >= CFG_STR || strpbrk(val, " \t/\\@?#,")) {
			snprintf(err, errlen, "--%s: '%s' is not a host name, NAME:PORT or '*'",
				 o->name, val);
			return -EINVAL;
		}
		for (int i = 0; i < cfg->n_web_allowed_hosts; i++)
			if (!strcasecmp(cfg->web_allowed_hosts[i], val))
				return 0;
		if (cfg->n_web_allowed_hosts == CFG_MAX_HOSTS)
			goto full;
		snprintf(cfg->web_allowed_hosts[cfg->n_web_allowed_hosts++], CFG_STR, "%s", val);
		return 0;
	case CONFIG_OPT_EMAIL: {
		char addr[CFG_STR];

		if (strlen(val) >= CFG_STR || notify_email_addr(val, addr, sizeof(addr))) {
			snprintf(err, errlen,
				 "--%s: '%s' is not an e-mail address (a@example.com or "
				 "Name <a@example.com>)",
				 o->name, val);
			return -EINVAL;
		}
		for (int i = 0; i < cfg->n_alert_email_to; i++)
			if (!strcmp(cfg->alert_email_to[i], val))
				return 0;
		if (cfg->n_alert_email_to == CFG_MAX_EMAIL_TO)
			goto full;
		snprintf(cfg->alert_email_to[cfg->n_alert_email_to++], CFG_STR, "%s", val);
		return 0;
	}
	default:
		break;
	}
	(void)base;
	return -EINVAL;
full:
	snprintf(err, errlen, "--%s: too many values (the limit is reached at '%s')", o->name, val);
	return -EINVAL;
}

int config_value_set(struct config *cfg, const struct config_opt *o, const char *val, char *err,
		     size_t errlen)
{
	char *field = (char *)cfg + o->off;

	switch (o->type) {
	case CONFIG_OPT_STR:
		if (strlen(val) >= o->size) {
			snprintf(err, errlen, "--%s: value longer than %zu characters", o->name,
				 o->size - 1);
			return -EINVAL;
		}
		snprintf(field, o->size, "%s", val);
		return 0;
	case CONFIG_OPT_ENUM:
		if (!enum_ok(o->choices, val)) {
			snprintf(err, errlen, "--%s: '%s' is not one of %s", o->name, val,
				 o->choices);
			return -EINVAL;
		}
		snprintf(field, o->size, "%s", val);
		return 0;
	case CONFIG_OPT_INT: {
		char *end;
		long v;

		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || end == val || *end || v < o->min || v > o->max) {
			snprintf(err, errlen, "--%s: '%s' is not a whole number from %lld to %lld",
				 o->name, val, o->min, o->max);
			return -EINVAL;
		}
		*(int *)field = (int)v;
		return 0;
	}
	case CONFIG_OPT_SIZE:
		return set_size(o, val, (uint64_t *)field, err, errlen) ? -EINVAL : 0;
	case CONFIG_OPT_BOOL:
		if (parse_bool(val, (bool *)field)) {
			snprintf(err, errlen, "--%s: '%s' is not true or false", o->name, val);
			return -EINVAL;
		}
		return 0;
	default:
		return list_add(cfg, o, val, err, errlen);
	}
}

bool config_opt_is_list(const struct config_opt *o)
{
	return o->type >= CONFIG_OPT_SINK; /* the list types come last (config.h) */
}

void config_value_reset(struct config *cfg, const struct config_opt *o)
{
	switch (o->type) {
	case CONFIG_OPT_SINK:
		cfg->n_sinks = 0;
		break;
	case CONFIG_OPT_PID:
		cfg->n_pids = 0;
		break;
	case CONFIG_OPT_COMM:
		cfg->n_comms = 0;
		break;
	case CONFIG_OPT_CGROUP:
		cfg->n_cgroups = 0;
		break;
	case CONFIG_OPT_REDACT:
		cfg->n_redact = 0;
		break;
	case CONFIG_OPT_HOST:
		cfg->n_web_allowed_hosts = 0;
		break;
	case CONFIG_OPT_EMAIL:
		cfg->n_alert_email_to = 0;
		break;
	default:
		break;
	}
}
