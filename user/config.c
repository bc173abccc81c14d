// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * One option table drives flags (--data-dir), environment variables
 * (HOSTLENS_DATA_DIR) and config-file keys (data_dir or data-dir). Values are
 * parsed by type; every error names the option and the bad value.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notify.h"
#include "notify_fmt.h"
#include "alert_rules.h"
#include "config.h"
#include "config_file.h"
#include "metrics.h"
#include "redact.h"
#include "yaml_quote.h"

enum opt_type { T_STR, T_INT, T_SIZE, T_BOOL, T_SINK, T_PID, T_COMM, T_CGROUP, T_REDACT, T_ENUM,
		T_HOST, T_EMAIL };

struct opt {
	const char *name;
	enum opt_type type;
	size_t off, size;	/* field offset and size (strings: buffer size) */
	const char *def;	/* default as text; NULL: none */
	const char *arg;	/* metavar in --help */
	const char *help;
	long long min, max;	/* T_INT range; T_SIZE bytes (max 0: only 2^64 - 1) */
	const char *choices;	/* T_ENUM: "a|b|c" */
};

#define F(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)

static const struct opt opts[] = {
	{ "listen", T_STR, F(listen), "127.0.0.1:9090", "ADDR:PORT", "web server address" },
	{ "tls-cert", T_STR, F(tls_cert), "", "FILE", "TLS certificate (PEM): serve HTTPS with ALPN h2" },
	{ "tls-key", T_STR, F(tls_key), "", "FILE", "TLS private key (PEM)" },
	{ "auth-token", T_STR, F(auth_token), "", "TOKEN", "read token: 'Authorization: Bearer TOKEN' for dashboard data, API, /metrics" },
	{ "admin-token", T_STR, F(admin_token), "", "TOKEN", "admin token for changes (POST /api/v1/filters); also reads" },
	{ "web-max-conns", T_INT, F(web_max_conns), "1024", "N", "most concurrent web connections", 1, 100000 },
	{ "web-max-conns-per-client", T_INT, F(web_max_conns_per_client), "32", "N", "most web connections from one client address", 1, 100000 },
	{ "web-idle-timeout", T_INT, F(web_idle_timeout_s), "60", "SECONDS", "close web connections whose requests make no progress for", 1, 86400 },
	{ "web-request-timeout", T_INT, F(web_request_timeout_s), "10", "SECONDS", "a request's headers and body must arrive within", 1, 3600 },
	{ "web-body-budget", T_SIZE, F(web_body_budget), "4M", "SIZE", "request body bytes held by the web server at once" },
	{ "web-conn-body-budget", T_SIZE, F(web_conn_body_budget), "256K", "SIZE", "request body bytes held for one web connection" },
	{ "web-allowed-hosts", T_HOST, F(web_allowed_hosts), NULL, "NAME[:PORT]", "another Host name the web server answers to (repeatable; '*': any)" },
	{ "sink", T_SINK, F(sinks), "file", "NAME", "file, kinesis or dynamodb (repeatable)" },
	{ "data-dir", T_STR, F(data_dir), "/var/lib/hostlens", "DIR", "file sink output and spools" },
	{ "flush-interval", T_INT, F(flush_interval_s), "10", "SECONDS", "how often records are emitted", 1, 3600 },
	{ "source", T_STR, F(source), "", "NAME", "record source (default: hostname; e.g. the node name)" },
	{ "kinesis-stream", T_STR, F(kinesis_stream), "real-time-analytics-stream", "NAME", "Kinesis stream" },
	{ "kinesis-partition-key", T_STR, F(kinesis_partition_key), "", "KEY", "Kinesis partition key (default: source)" },
	{ "dynamodb-table", T_STR, F(dynamodb_table), "analytics-data", "NAME", "DynamoDB table" },
	{ "dynamodb-ttl-days", T_INT, F(dynamodb_ttl_days), "30", "DAYS", "expires_at = timestamp + DAYS (0: no TTL)", 0, 36500 },
	{ "dynamodb-create-table", T_BOOL, F(dynamodb_create_table), "false", "BOOL", "create the table if missing (on-demand)" },
	{ "file-rotate-bytes", T_SIZE, F(file_rotate_bytes), "64M", "SIZE", "rotate the records file past this size (0: by age only)" },
	{ "file-rotate-seconds", T_INT, F(file_rotate_seconds), "3600", "SECONDS", "rotate the records file after this age", 1, 30 * 86400 },
	{ "file-keep", T_INT, F(file_keep), "10", "N", "rotated files kept", 0, 10000 },
	{ "file-gzip", T_BOOL, F(file_gzip), "false", "BOOL", "gzip rotated files" },
	{ "file-fsync", T_ENUM, F(file_fsync), "batch", "POLICY", "never, batch or always", 0, 0, "never|batch|always" },
	{ "spool-max-bytes", T_SIZE, F(spool_max_bytes), "256M", "SIZE", "on-disk spool per sink (at least 1M)", 1 << 20, 0 },
	{ "alert-webhook", T_STR, F(alert_webhook), "", "URL", "POST alert records here" },
	{ "alert-webhook-format", T_ENUM, F(alert_webhook_format), "json", "FORMAT", "webhook body: json (the record) or slack ({\"text\": ...})", 0, 0, "json|slack" },
	{ "alert-smtp-url", T_STR, F(alert_smtp_url), "", "URL", "e-mail alerts through this SMTP server (smtp://HOST:PORT or smtps://)" },
	{ "alert-email-from", T_STR, F(alert_email_from), "", "ADDRESS", "From: of alert e-mails" },
	{ "alert-email-to", T_EMAIL, F(alert_email_to), NULL, "ADDRESS", "e-mail alerts to this address (repeatable)" },
	{ "alert-sns-topic-arn", T_STR, F(alert_sns_topic_arn), "", "ARN", "publish alerts to this Amazon SNS topic" },
	{ "public-url", T_STR, F(public_url), "", "URL", "the dashboard's address as people reach it (links in alerts)" },
	{ "pid", T_PID, F(pids), NULL, "PID", "capture HTTP of this process only (repeatable)" },
	{ "comm", T_COMM, F(comms), NULL, "NAME", "capture HTTP of processes with this command name (repeatable)" },
	{ "cgroup", T_CGROUP, F(cgroups), NULL, "PATH|ID", "capture HTTP of this cgroup or container (repeatable)" },
	{ "http-keep-query", T_BOOL, F(http_keep_query), "false", "BOOL", "keep URL query strings (default: removed)" },
	{ "http-breakdown", T_BOOL, F(http_breakdown), "true", "BOOL", "per-request latency breakdown (per-thread time accounting)" },
	{ "http-max-routes", T_INT, F(http_max_routes), "200", "N", "routes kept per process before 'other'", 1, 100000 },
	{ "redact-segment", T_REDACT, F(redact_segments), NULL, "REGEX", "path segments replaced by :redacted (repeatable)" },
	{ "signals", T_STR, F(signals), "cpu,disk,net,http", "LIST", "kernel signals to capture" },
	{ "ring-size", T_SIZE, F(ring_bytes), "1M", "SIZE", "BPF ring buffer per CPU (power of 2)" },
	{ "wakeup-bytes", T_SIZE, F(wakeup_bytes), "64K", "SIZE", "wake the drain after this much event data on a CPU" },
	{ "drain-poll-ms", T_INT, F(drain_poll_ms), "10", "MS", "drain timer when no wake-up comes", 1, 1000 },
	{ "log-size", T_SIZE, F(log_bytes), "16M", "SIZE", "in-memory event log, all shards", 1 << 20, 16ll << 30 },
	{ "log-shards", T_INT, F(log_shards), "0", "N", "event log shards (0: one per CPU)", 0, 1024 },
	{ "max-procs", T_INT, F(max_procs), "16384", "N", "processes tracked in BPF maps", 256, 1 << 22 },
	{ "summary", T_ENUM, F(summary), "auto", "WHEN", "terminal summary: auto, on or off", 0, 0, "auto|on|off" },
	{ "log-level", T_ENUM, F(log_level), "info", "LEVEL", "error, warn, info or debug", 0, 0, "error|warn|info|debug" },
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

static const struct opt *opt_find(const char *key)
{
	char norm[64];
	size_t i;

	for (i = 0; key[i] && i < sizeof(norm) - 1; i++)
		norm[i] = key[i] == '_' ? '-' : (char)tolower((unsigned char)key[i]);
	norm[i] = '\0';
	for (i = 0; i < N_OPTS; i++)
		if (!strcmp(opts[i].name, norm))
			return &opts[i];
	return NULL;
}

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
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case '\0': break;
	default: return -EINVAL;
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

/* Parses a T_SIZE value and holds it to the option's range. */
static int set_size(const struct opt *o, const char *val, uint64_t *field, char *err, size_t errlen)
{
	char lim[32];
	uint64_t v;
	int ret = parse_size(val, &v);

	if (ret == -EINVAL) {
		snprintf(err, errlen, "--%s: '%s' is not a size (like 512K, 64M, 1G)", o->name, val);
		return ret;
	}
	if (ret == -ERANGE || (o->max && v > (uint64_t)o->max)) {
		if (o->max)
			snprintf(err, errlen, "--%s: '%s' is too large (at most %s)", o->name, val,
				 size_str((uint64_t)o->max, lim, sizeof(lim)));
		else
			snprintf(err, errlen, "--%s: '%s' is too large (a size must stay below 16 EiB)", o->name,
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
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on") || !strcmp(s, "1"))
		*out = true;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off") || !strcmp(s, "0"))
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
static int list_add(struct config *cfg, const struct opt *o, const char *val, char *err, size_t errlen)
{
	char *base = (char *)cfg + o->off;

	switch (o->type) {
	case T_SINK:
		if (strcmp(val, "file") && strcmp(val, "kinesis") && strcmp(val, "dynamodb")) {
			snprintf(err, errlen, "--sink: unknown sink '%s' (file, kinesis or dynamodb)", val);
			return -EINVAL;
		}
		for (int i = 0; i < cfg->n_sinks; i++)
			if (!strcmp(cfg->sinks[i], val))
				return 0;
		if (cfg->n_sinks == CFG_MAX_SINKS)
			goto full;
		snprintf(cfg->sinks[cfg->n_sinks++], sizeof(cfg->sinks[0]), "%s", val);
		return 0;
	case T_PID: {
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
	case T_COMM:
		if (!*val || strlen(val) >= CFG_COMM) {
			snprintf(err, errlen, "--comm: '%s' must be 1 to %d characters (the kernel's comm)",
				 val, CFG_COMM - 1);
			return -EINVAL;
		}
		if (cfg->n_comms == CFG_MAX_COMMS)
			goto full;
		snprintf(cfg->comms[cfg->n_comms++], CFG_COMM, "%s", val);
		return 0;
	case T_CGROUP:
		if (!*val || strlen(val) >= PATH_MAX) {
			snprintf(err, errlen, "--cgroup: empty or too long");
			return -EINVAL;
		}
		if (cfg->n_cgroups == CFG_MAX_CGROUPS)
			goto full;
		snprintf(cfg->cgroups[cfg->n_cgroups++], PATH_MAX, "%s", val);
		return 0;
	case T_REDACT:
		if (!*val || strlen(val) >= 64) {
			snprintf(err, errlen, "--redact-segment: '%s' must be 1 to 63 characters", val);
			return -EINVAL;
		}
		{
			regex_t re;
			int rc = regcomp(&re, val, REG_EXTENDED | REG_NOSUB);

			if (rc) {
				char why[128];

				regerror(rc, &re, why, sizeof(why));
				snprintf(err, errlen, "--redact-segment: '%s' is not an extended regex: %s",
					 val, why);
				return -EINVAL;
			}
			regfree(&re);
		}
		if (cfg->n_redact == CFG_MAX_REDACT)
			goto full;
		snprintf(cfg->redact_segments[cfg->n_redact++], 64, "%s", val);
		return 0;
	case T_HOST:
		if (!*val || strlen(val) >= CFG_STR || strpbrk(val, " \t/\\@?#,")) {
			snprintf(err, errlen, "--%s: '%s' is not a host name, NAME:PORT or '*'", o->name, val);
			return -EINVAL;
		}
		for (int i = 0; i < cfg->n_web_allowed_hosts; i++)
			if (!strcasecmp(cfg->web_allowed_hosts[i], val))
				return 0;
		if (cfg->n_web_allowed_hosts == CFG_MAX_HOSTS)
			goto full;
		snprintf(cfg->web_allowed_hosts[cfg->n_web_allowed_hosts++], CFG_STR, "%s", val);
		return 0;
	case T_EMAIL: {
		char addr[CFG_STR];

		if (strlen(val) >= CFG_STR || notify_email_addr(val, addr, sizeof(addr))) {
			snprintf(err, errlen, "--%s: '%s' is not an e-mail address (a@example.com or "
					      "Name <a@example.com>)", o->name, val);
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

int config_set(struct config *cfg, const char *key, const char *val, bool from_file, char *err,
	       size_t errlen)
{
	const struct opt *o = opt_find(key);
	char *field;

	(void)from_file;
	if (!o) {
		snprintf(err, errlen, "unknown option '%s'", key);
		return -ENOENT;
	}
	field = (char *)cfg + o->off;
	switch (o->type) {
	case T_STR:
		if (strlen(val) >= o->size) {
			snprintf(err, errlen, "--%s: value longer than %zu characters", o->name, o->size - 1);
			return -EINVAL;
		}
		snprintf(field, o->size, "%s", val);
		return 0;
	case T_ENUM:
		if (!enum_ok(o->choices, val)) {
			snprintf(err, errlen, "--%s: '%s' is not one of %s", o->name, val, o->choices);
			return -EINVAL;
		}
		snprintf(field, o->size, "%s", val);
		return 0;
	case T_INT: {
		char *end;
		long v;

		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || end == val || *end || v < o->min || v > o->max) {
			snprintf(err, errlen, "--%s: '%s' is not a whole number from %lld to %lld", o->name,
				 val, o->min, o->max);
			return -EINVAL;
		}
		*(int *)field = (int)v;
		return 0;
	}
	case T_SIZE:
		return set_size(o, val, (uint64_t *)field, err, errlen) ? -EINVAL : 0;
	case T_BOOL:
		if (parse_bool(val, (bool *)field)) {
			snprintf(err, errlen, "--%s: '%s' is not true or false", o->name, val);
			return -EINVAL;
		}
		return 0;
	default:
		return list_add(cfg, o, val, err, errlen);
	}
}

static bool opt_is_list(const struct opt *o)
{
	return o->type == T_SINK || o->type == T_PID || o->type == T_COMM || o->type == T_CGROUP ||
	       o->type == T_REDACT || o->type == T_HOST || o->type == T_EMAIL;
}

/* Empties a list field (a later source replaces, not extends, an earlier one). */
static void list_reset(struct config *cfg, const struct opt *o)
{
	switch (o->type) {
	case T_SINK: cfg->n_sinks = 0; break;
	case T_PID: cfg->n_pids = 0; break;
	case T_COMM: cfg->n_comms = 0; break;
	case T_CGROUP: cfg->n_cgroups = 0; break;
	case T_REDACT: cfg->n_redact = 0; break;
	case T_HOST: cfg->n_web_allowed_hosts = 0; break;
	case T_EMAIL: cfg->n_alert_email_to = 0; break;
	default: break;
	}
}

/* One key of the config file, as config_file.c read it: the table decides
 * what the key accepts. A list in the file replaces the list before it. */
static int file_entry(void *ctx, const struct config_file_entry *e, char *err, size_t errlen)
{
	struct config *cfg = ctx;
	const struct opt *o = opt_find(e->key);

	if (!o) {
		snprintf(err, errlen, "unknown option");
		return -EINVAL;
	}
	switch (e->kind) {
	case CONFIG_FILE_LIST:
		if (!opt_is_list(o)) {
			snprintf(err, errlen, "takes one value, not a list");
			return -EINVAL;
		}
		list_reset(cfg, o);
		return 0;
	case CONFIG_FILE_SCALAR:
		if (opt_is_list(o))
			list_reset(cfg, o);
		/* fall through */
	case CONFIG_FILE_ITEM:
		return config_set(cfg, e->key, e->value, true, err, errlen);
	default:
		snprintf(err, errlen, "value must be a scalar");
		return -EINVAL;
	}
}

int config_apply_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	return config_file_load(cfg, path, file_entry, cfg, err, errlen);
}

void config_defaults(struct config *cfg)
{
	char err[256];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < N_OPTS; i++)
		if (opts[i].def)
			config_set(cfg, opts[i].name, opts[i].def, false, err, sizeof(err));
}

bool config_signal_on(const struct config *cfg, const char *name)
{
	size_t n = strlen(name);
	const char *p = cfg->signals;

	while (*p) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		if (len == n && !strncmp(p, name, n))
			return true;
		if (len == 3 && !strncmp(p, "all", 3))
			return true;
		p = c ? c + 1 : p + len;
	}
	return false;
}

bool config_has_sink(const struct config *cfg, const char *name)
{
	for (int i = 0; i < cfg->n_sinks; i++)
		if (!strcmp(cfg->sinks[i], name))
			return true;
	return false;
}

/* Is the signal behind rule r's metric on? The collectors ("host") and the
 * agent's own counters ("agent") always are. */
static bool rule_signal_on(const struct config *cfg, const struct alert_rule *r)
{
	const char *sig = alert_rule_signal(r);

	return sig && (!strcmp(sig, "host") || !strcmp(sig, "agent") || config_signal_on(cfg, sig));
}

/* Every rule names a metric the agent will produce: in the catalog, fitting
 * its scope and aggregate, from a signal that is on. */
static int validate_alerts(const struct config *cfg, char *err, size_t errlen)
{
	for (int i = 0; i < cfg->n_alerts; i++) {
		const struct alert_rule *r = &cfg->alerts[i];
		const char *field;
		char e[384];

		if (alert_rule_check(r, &field, e, sizeof(e))) {
			snprintf(err, errlen, "alerts: rule '%s': %s", r->name, e);
			return -EINVAL;
		}
		if (!rule_signal_on(cfg, r)) {
			snprintf(err, errlen, "alerts: rule '%s': metric '%s' comes from the %s signal, which is off (signals: %s)",
				 r->name, r->metric, alert_rule_signal(r), cfg->signals);
			return -EINVAL;
		}
	}
	return 0;
}

/* Without an `alerts` list from the file: the built-in rules whose signal is on. */
static void alerts_builtin(struct config *cfg)
{
	struct alert_rule all[CFG_MAX_ALERTS];
	int n = alert_rules_builtin(all, CFG_MAX_ALERTS);

	cfg->n_alerts = 0;
	for (int i = 0; i < n; i++)
		if (rule_signal_on(cfg, &all[i]))
			cfg->alerts[cfg->n_alerts++] = all[i];
}

int config_validate(const struct config *cfg, char *err, size_t errlen)
{
	const char *colon = strrchr(cfg->listen, ':');
	const char *p = cfg->signals;

	if (!colon || colon == cfg->listen || !colon[1] || atoi(colon + 1) <= 0 || atoi(colon + 1) > 65535) {
		snprintf(err, errlen, "--listen: '%s' is not ADDR:PORT", cfg->listen);
		return -EINVAL;
	}
	if (cfg->admin_token[0] && !strcmp(cfg->admin_token, cfg->auth_token)) {
		snprintf(err, errlen, "--admin-token must differ from --auth-token (the read token would change state)");
		return -EINVAL;
	}
	if (cfg->web_conn_body_budget < 64 * 1024 || cfg->web_body_budget < cfg->web_conn_body_budget) {
		snprintf(err, errlen, "--web-conn-body-budget must be at least 64K (one request body) and "
			 "no more than --web-body-budget");
		return -EINVAL;
	}
	if (!!cfg->tls_cert[0] != !!cfg->tls_key[0]) {
		snprintf(err, errlen, "--tls-cert and --tls-key go together");
		return -EINVAL;
	}
	if (cfg->ring_bytes < 4096 || (cfg->ring_bytes & (cfg->ring_bytes - 1)) ||
	    cfg->ring_bytes > (1ull << 30)) {
		snprintf(err, errlen, "--ring-size: %llu is not a power of 2 from 4K to 1G",
			 (unsigned long long)cfg->ring_bytes);
		return -EINVAL;
	}
	if (cfg->wakeup_bytes >= cfg->ring_bytes) {
		snprintf(err, errlen, "--wakeup-bytes must be less than --ring-size");
		return -EINVAL;
	}
	/* config_set holds each size to its range; these guard a config built
	 * another way */
	if (cfg->log_bytes < (1 << 20) || cfg->log_bytes > (16ull << 30)) {
		snprintf(err, errlen, "--log-size: %llu is out of range (1M to 16G)",
			 (unsigned long long)cfg->log_bytes);
		return -EINVAL;
	}
	if (cfg->spool_max_bytes < (1 << 20)) {
		snprintf(err, errlen, "--spool-max-bytes: %llu is too small (at least 1M)",
			 (unsigned long long)cfg->spool_max_bytes);
		return -EINVAL;
	}
	if (cfg->n_sinks == 0) {
		snprintf(err, errlen, "--sink: at least one sink is needed");
		return -EINVAL;
	}
	if (!cfg->data_dir[0]) {
		snprintf(err, errlen, "--data-dir: empty");
		return -EINVAL;
	}
	if (notify_config_check(cfg, err, errlen))
		return -EINVAL;
	while (*p) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		if (!((len == 3 && (!strncmp(p, "cpu", 3) || !strncmp(p, "net", 3) || !strncmp(p, "all", 3))) ||
		      (len == 4 && (!strncmp(p, "disk", 4) || !strncmp(p, "http", 4))))) {
			snprintf(err, errlen, "--signals: unknown signal '%.*s' (cpu, disk, net, http, all)",
				 (int)len, p);
			return -EINVAL;
		}
		p = c ? c + 1 : p + len;
	}
	return validate_alerts(cfg, err, errlen);
}

void config_usage(void *file)
{
	FILE *f = file;

	fprintf(f, "Usage: hostlens [OPTIONS]\n"
		   "eBPF host observability agent: CPU, disk, network and HTTP latency from the\n"
		   "kernel, metric records to file/Kinesis/DynamoDB, live dashboard over HTTP/2.\n\n"
		   "Every option is also a config-file key (data_dir: ...) and an environment\n"
		   "variable (HOSTLENS_DATA_DIR). Precedence: flags > env > file > defaults.\n\n");
	fprintf(f, "  %-34s %s\n", "--config FILE", "load a YAML config file");
	fprintf(f, "  %-34s %s\n", "--check-config FILE", "validate FILE, print the effective config, exit");
	for (size_t i = 0; i < N_OPTS; i++) {
		char lhs[64];

		snprintf(lhs, sizeof(lhs), "--%s %s", opts[i].name, opts[i].arg);
		fprintf(f, "  %-34s %s", lhs, opts[i].help);
		if (opts[i].def && *opts[i].def)
			fprintf(f, " [%s]", opts[i].def);
		fprintf(f, "\n");
	}
	fprintf(f, "  %-34s %s\n", "--list-metrics", "print the metrics alert rules can name (markdown) and exit");
	fprintf(f, "  %-34s %s\n", "--version", "print the version and exit");
	fprintf(f, "  %-34s %s\n", "--help", "this text");
	fprintf(f, "\nExit status: 0 clean stop, 1 runtime failure, 2 usage or config error.\n");
}

const char *config_url_for_log(const char *url, char *out, size_t outlen)
{
	static const char mark[] = "/<redacted>";
	size_t len = strlen(url);
	int n;

	if (!outlen)
		return "";
	out[0] = '\0';
	if (!len)
		return out;
	n = redact_url_origin(url, len, out, outlen);
	if (n < 0) {	/* not scheme://host: nothing of it is safe to show */
		snprintf(out, outlen, "<redacted>");
		return out;
	}
	/* anything after the authority (path, query, fragment) may be the secret;
	 * the mark shows that something was there */
	if (strpbrk(strstr(url, "://") + 3, "/?#") && (size_t)n + sizeof(mark) <= outlen)
		memcpy(out + n, mark, sizeof(mark));
	return out;
}

static void print_str_list(FILE *f, const char *key, const char *base, size_t stride, int n)
{
	fprintf(f, "%s: [", key);
	for (int k = 0; k < n; k++) {
		if (k)
			fputs(", ", f);
		yaml_print_quoted(f, base + (size_t)k * stride);
	}
	fprintf(f, "]\n");
}

void config_print(const struct config *cfg, void *file)
{
	FILE *f = file;

	for (size_t i = 0; i < N_OPTS; i++) {
		const struct opt *o = &opts[i];
		const char *field = (const char *)cfg + o->off;
		char key[64];

		snprintf(key, sizeof(key), "%s", o->name);
		for (char *k = key; *k; k++)
			if (*k == '-')
				*k = '_';
		switch (o->type) {
		case T_STR:
		case T_ENUM:
			fprintf(f, "%s: ", key);
			/* a secret is never echoed: say only that it is set; a
			 * webhook URL (a Slack URL holds its token) shows its origin */
			if ((o->off == offsetof(struct config, auth_token) ||
			     o->off == offsetof(struct config, admin_token)) && *field) {
				yaml_print_quoted(f, "<set>");
			} else if (o->off == offsetof(struct config, alert_webhook)) {
				char safe[CFG_STR];

				yaml_print_quoted(f, config_url_for_log(field, safe, sizeof(safe)));
			} else {
				yaml_print_quoted(f, field);
			}
			fputc('\n', f);
			break;
		case T_INT:
			fprintf(f, "%s: %d\n", key, *(const int *)field);
			break;
		case T_SIZE:
			fprintf(f, "%s: %llu\n", key, (unsigned long long)*(const uint64_t *)field);
			break;
		case T_BOOL:
			fprintf(f, "%s: %s\n", key, *(const bool *)field ? "true" : "false");
			break;
		case T_SINK:
			print_str_list(f, key, cfg->sinks[0], sizeof(cfg->sinks[0]), cfg->n_sinks);
			break;
		case T_PID:
			fprintf(f, "%s: [", key);
			for (int k = 0; k < cfg->n_pids; k++)
				fprintf(f, "%s%d", k ? ", " : "", cfg->pids[k]);
			fprintf(f, "]\n");
			break;
		case T_COMM:
			print_str_list(f, key, cfg->comms[0], sizeof(cfg->comms[0]), cfg->n_comms);
			break;
		case T_CGROUP:
			print_str_list(f, key, cfg->cgroups[0], sizeof(cfg->cgroups[0]), cfg->n_cgroups);
			break;
		case T_REDACT:
			print_str_list(f, key, cfg->redact_segments[0], sizeof(cfg->redact_segments[0]), cfg->n_redact);
			break;
		case T_HOST:
			print_str_list(f, key, cfg->web_allowed_hosts[0], sizeof(cfg->web_allowed_hosts[0]),
				       cfg->n_web_allowed_hosts);
			break;
		case T_EMAIL:
			print_str_list(f, key, cfg->alert_email_to[0], sizeof(cfg->alert_email_to[0]),
				       cfg->n_alert_email_to);
			break;
		}
	}
	/* the rules in force: the file's, or the built-in ones */
	if (!cfg->alerts_set && cfg->n_alerts)
		fprintf(f, "# alerts: the built-in rules (the file gives no alerts list)\n");
	fprintf(f, "alerts:%s\n", cfg->n_alerts ? "" : " []");
	for (int k = 0; k < cfg->n_alerts; k++)
		alert_rule_print(&cfg->alerts[k], f);
}

/* Applies HOSTLENS_* variables. */
static int config_from_env(struct config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < N_OPTS; i++) {
		char var[80], *p;
		const char *val;
		int ret;

		snprintf(var, sizeof(var), "HOSTLENS_%s", opts[i].name);
		for (p = var; *p; p++)
			*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
		val = getenv(var);
		if (!val)
			continue;
		if (opt_is_list(&opts[i])) {
			/* comma-separated list replaces the default */
			char buf[4096], *save = NULL, *tok;

			list_reset(cfg, &opts[i]);
			snprintf(buf, sizeof(buf), "%s", val);
			for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				ret = config_set(cfg, opts[i].name, tok, false, err, errlen);
				if (ret)
					goto bad;
			}
			continue;
		}
		ret = config_set(cfg, opts[i].name, val, false, err, errlen);
		if (ret) {
bad:;
			char tmp[512];

			snprintf(tmp, sizeof(tmp), "%s: %s", var, err);
			snprintf(err, errlen, "%s", tmp);
			return -EINVAL;
		}
	}
	return 0;
}

int config_load(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	struct option lopts[N_OPTS + 5];
	const char *file = getenv("HOSTLENS_CONFIG");
	bool lists_reset[N_OPTS] = { 0 };
	int c, idx, ret;
	size_t i;

	config_defaults(cfg);
	for (i = 0; i < N_OPTS; i++)
		lopts[i] = (struct option){ opts[i].name, required_argument, NULL, 1000 + (int)i };
	lopts[N_OPTS] = (struct option){ "config", required_argument, NULL, 'c' };
	lopts[N_OPTS + 1] = (struct option){ "check-config", required_argument, NULL, 'C' };
	lopts[N_OPTS + 2] = (struct option){ "version", no_argument, NULL, 'V' };
	lopts[N_OPTS + 3] = (struct option){ "help", no_argument, NULL, 'h' };
	lopts[N_OPTS + 4] = (struct option){ "list-metrics", no_argument, NULL, 'M' };
	/* terminator */
	struct option all[N_OPTS + 6];

	memcpy(all, lopts, sizeof(lopts));
	all[N_OPTS + 5] = (struct option){ 0 };

	/* Pass 1: find --config/--check-config/--help/--version; report unknown flags. */
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hV", all, &idx)) != -1) {
		switch (c) {
		case 'h':
			config_usage(stdout);
			return 1;
		case 'V':
			printf("hostlens %s\n", HOSTLENS_VERSION);
			return 1;
		case 'M':
			metric_defs_print(stdout);
			return 1;
		case 'c':
			file = optarg;
			break;
		case 'C':
			file = optarg;
			cfg->check_config = true;
			break;
		case '?':
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c' (see --help)", optopt);
			else
				snprintf(err, errlen, "unknown option '%s' (see --help)", argv[optind - 1]);
			return -EINVAL;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			break;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}

	/* Layers: defaults < file < env < flags. */
	if (file && *file) {
		snprintf(cfg->config_file, sizeof(cfg->config_file), "%s", file);
		ret = config_apply_file(cfg, file, err, errlen);
		if (ret)
			return ret;
	}
	ret = config_from_env(cfg, err, errlen);
	if (ret)
		return ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":hV", all, &idx)) != -1) {
		const struct opt *o;

		if (c < 1000)
			continue;
		o = &opts[c - 1000];
		if (opt_is_list(o) && !lists_reset[c - 1000]) {
			list_reset(cfg, o);
			lists_reset[c - 1000] = true;
		}
		ret = config_set(cfg, o->name, optarg, false, err, errlen);
		if (ret)
			return -EINVAL;
	}
	if (!cfg->alerts_set)
		alerts_builtin(cfg);	/* signals are final now */
	return config_validate(cfg, err, errlen);
}
