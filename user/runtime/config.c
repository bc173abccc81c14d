// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * One option table drives flags (--data-dir), environment variables
 * (HOSTLENS_DATA_DIR) and config-file keys (data_dir or data-dir): the
 * agent's rows here, each sink's rows with the sink (sinks/<name>/, its ops'
 * options), merged once at start-up. Values are parsed by type
 * (config_value.c); every error names the option and the bad value.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "user/notify/notify.h"
#include "user/pipeline/alert_rules.h"
#include "user/runtime/config.h"
#include "user/runtime/config_file.h"
#include "user/runtime/config_value.h"
#include "user/runtime/log.h"
#include "user/pipeline/metrics.h"
#include "user/pipeline/signal.h"
#include "user/http/redact.h"
#include "user/runtime/yaml_quote.h"
#include "sinks/registry.h"
#include "user/fleet/fleet.h"

#define F(f) CONFIG_FIELD(f)

/* The agent's own rows. Each sink's rows (sinks/<name>/, its ops' options)
 * are merged in after SINK_ROWS_AFTER: their place in --help. */
#define SINK_ROWS_AFTER "source"

static const struct config_opt core_opts[] = {
	{ "listen", CONFIG_OPT_STR, F(listen), "127.0.0.1:9090", "ADDR:PORT",
	  "web server address" },
	{ "tls-cert", CONFIG_OPT_STR, F(tls_cert), "", "FILE",
	  "TLS certificate (PEM): serve HTTPS with ALPN h2" },
	{ "tls-key", CONFIG_OPT_STR, F(tls_key), "", "FILE", "TLS private key (PEM)" },
	{ "auth-token", CONFIG_OPT_STR, F(auth_token), "", "TOKEN",
	  "read token: 'Authorization: Bearer TOKEN' for dashboard data, API, /metrics" },
	{ "admin-token", CONFIG_OPT_STR, F(admin_token), "", "TOKEN",
	  "admin token for changes (POST /api/v1/filters); also reads" },
	{ "web-max-conns", CONFIG_OPT_INT, F(web_max_conns), "1024", "N",
	  "most concurrent web connections", 1, 100000 },
	{ "web-max-conns-per-client", CONFIG_OPT_INT, F(web_max_conns_per_client), "32", "N",
	  "most web connections from one client address", 1, 100000 },
	{ "web-idle-timeout", CONFIG_OPT_INT, F(web_idle_timeout_s), "60", "SECONDS",
	  "close web connections whose requests make no progress for", 1, 86400 },
	{ "web-request-timeout", CONFIG_OPT_INT, F(web_request_timeout_s), "10", "SECONDS",
	  "a request's headers and body must arrive within", 1, 3600 },
	{ "web-body-budget", CONFIG_OPT_SIZE, F(web_body_budget), "4M", "SIZE",
	  "request body bytes held by the web server at once" },
	{ "web-conn-body-budget", CONFIG_OPT_SIZE, F(web_conn_body_budget), "256K", "SIZE",
	  "request body bytes held for one web connection" },
	{ "web-allowed-hosts", CONFIG_OPT_HOST, F(web_allowed_hosts), NULL, "NAME[:PORT]",
	  "another Host name the web server answers to (repeatable; '*': any)" },
	{ "sink", CONFIG_OPT_SINK, F(sinks), "file", "NAME",
	  "file, kinesis or dynamodb (repeatable)" },
	{ "data-dir", CONFIG_OPT_STR, F(data_dir), "/var/lib/hostlens", "DIR",
	  "file sink output and spools" },
	{ "flush-interval", CONFIG_OPT_INT, F(flush_interval_s), "10", "SECONDS",
	  "how often records are emitted", 1, 3600 },
	{ "source", CONFIG_OPT_STR, F(source), "", "NAME",
	  "record source (default: hostname; e.g. the node name)" },
	{ "spool-max-bytes", CONFIG_OPT_SIZE, F(spool_max_bytes), "256M", "SIZE",
	  "on-disk spool per sink (at least 1M)", 1 << 20, 0 },
	{ "alert-webhook", CONFIG_OPT_STR, F(alert_webhook), "", "URL", "POST alert records here" },
	{ "alert-webhook-format", CONFIG_OPT_ENUM, F(alert_webhook_format), "json", "FORMAT",
	  "webhook body: json (the record) or slack ({\"text\": ...})", 0, 0, "json|slack" },
	{ "alert-smtp-url", CONFIG_OPT_STR, F(alert_smtp_url), "", "URL",
	  "e-mail alerts through this SMTP server (smtp://HOST:PORT or smtps://)" },
	{ "alert-email-from", CONFIG_OPT_STR, F(alert_email_from), "", "ADDRESS",
	  "From: of alert e-mails" },
	{ "alert-email-to", CONFIG_OPT_EMAIL, F(alert_email_to), NULL, "ADDRESS",
	  "e-mail alerts to this address (repeatable)" },
	{ "alert-sns-topic-arn", CONFIG_OPT_STR, F(alert_sns_topic_arn), "", "ARN",
	  "publish alerts to this Amazon SNS topic" },
	{ "public-url", CONFIG_OPT_STR, F(public_url), "", "URL",
	  "the dashboard's address as people reach it (links in alerts)" },
	{ "pid", CONFIG_OPT_PID, F(pids), NULL, "PID",
	  "capture HTTP of this process only (repeatable)" },
	{ "comm", CONFIG_OPT_COMM, F(comms), NULL, "NAME",
	  "capture HTTP of processes with this command name (repeatable)" },
	{ "cgroup", CONFIG_OPT_CGROUP, F(cgroups), NULL, "PATH|ID",
	  "capture HTTP of this cgroup or container (repeatable)" },
	{ "http-keep-query", CONFIG_OPT_BOOL, F(http_keep_query), "false", "BOOL",
	  "keep URL query strings (default: removed)" },
	{ "http-breakdown", CONFIG_OPT_BOOL, F(http_breakdown), "true", "BOOL",
	  "per-request latency breakdown (per-thread time accounting)" },
	{ "http-max-routes", CONFIG_OPT_INT, F(http_max_routes), "200", "N",
	  "routes kept per process before 'other'", 1, 100000 },
	{ "redact-segment", CONFIG_OPT_REDACT, F(redact_segments), NULL, "REGEX",
	  "path segments replaced by :redacted (repeatable)" },
	/* default: the signal table's rows that are on by default (opts_merge) */
	{ "signals", CONFIG_OPT_STR, F(signals), NULL, "LIST",
	  "kernel signals to capture (or all)" },
	{ "ring-size", CONFIG_OPT_SIZE, F(ring_bytes), "1M", "SIZE",
	  "BPF ring buffer per CPU (power of 2)" },
	{ "wakeup-bytes", CONFIG_OPT_SIZE, F(wakeup_bytes), "0", "SIZE",
	  "wake the drain after this much event data on a CPU (0: a quarter of --ring-size)" },
	{ "drain-poll-ms", CONFIG_OPT_INT, F(drain_poll_ms), "100", "MS",
	  "drain timer when no wake-up comes", 1, 1000 },
	{ "log-size", CONFIG_OPT_SIZE, F(log_bytes), "16M", "SIZE",
	  "in-memory event log, all shards", 1 << 20, 16ll << 30 },
	{ "log-shards", CONFIG_OPT_INT, F(log_shards), "0", "N",
	  "event log shards (0: one per CPU)", 0, 1024 },
	{ "max-procs", CONFIG_OPT_INT, F(max_procs), "16384", "N", "processes tracked in BPF maps",
	  256, 1 << 22 },
	{ "summary", CONFIG_OPT_ENUM, F(summary), "auto", "WHEN",
	  "terminal summary: auto, on or off", 0, 0, "auto|on|off" },
	{ "log-level", CONFIG_OPT_ENUM, F(log_level), "info", "LEVEL", "error, warn, info or debug",
	  0, 0, "error|warn|info|debug" },
};

#define N_CORE (sizeof(core_opts) / sizeof(core_opts[0]))
#define MAX_OPTS 128

/* The option table: core_opts with the sinks' rows merged in, built once at
 * start-up (the first call that needs it), read-only after. */
static const struct config_opt *opts[MAX_OPTS];
static size_t n_opts;
static pthread_once_t opts_once = PTHREAD_ONCE_INIT;

static struct config_opt signals_opt;

static void opts_merge(void)
{
	for (size_t i = 0; i < N_CORE; i++) {
		opts[n_opts++] = &core_opts[i];
		if (!strcmp(core_opts[i].name, "signals")) {
			signals_opt = core_opts[i];
			signals_opt.def = signals_default_list();
			opts[n_opts - 1] = &signals_opt;
		}
		if (strcmp(core_opts[i].name, SINK_ROWS_AFTER))
			continue;
		for (const struct sink_ops *const *s = sink_registry; *s; s++)
			for (const struct config_opt *o = (*s)->options; o && o->name; o++)
				if (n_opts < MAX_OPTS - (N_CORE - i)) /* room for the rest */
					opts[n_opts++] = o;
	}
	/* the fleet view's rows last (user/fleet/) */
	for (const struct config_opt *o = fleet_options; o->name; o++)
		if (n_opts < MAX_OPTS)
			opts[n_opts++] = o;
}

static void opts_init(void)
{
	pthread_once(&opts_once, opts_merge);
}

static const struct config_opt *opt_find(const char *key)
{
	char norm[64];
	size_t i;

	opts_init();
	for (i = 0; key[i] && i < sizeof(norm) - 1; i++)
		norm[i] = key[i] == '_' ? '-' : (char)tolower((unsigned char)key[i]);
	norm[i] = '\0';
	for (i = 0; i < n_opts; i++)
		if (!strcmp(opts[i]->name, norm))
			return opts[i];
	return NULL;
}

int config_set(struct config *cfg, const char *key, const char *val, bool from_file, char *err,
	       size_t errlen)
{
	const struct config_opt *o = opt_find(key);

	(void)from_file;
	if (!o) {
		snprintf(err, errlen, "unknown option '%s'", key);
		return -ENOENT;
	}
	return config_value_set(cfg, o, val, err, errlen);
}

/* One key of the config file, as config_file.c read it: the table decides
 * what the key accepts. A list in the file replaces the list before it. */
static int file_entry(void *ctx, const struct config_file_entry *e, char *err, size_t errlen)
{
	struct config *cfg = ctx;
	const struct config_opt *o = opt_find(e->key);

	if (!o) {
		snprintf(err, errlen, "unknown option");
		return -EINVAL;
	}
	switch (e->kind) {
	case CONFIG_FILE_LIST:
		if (!config_opt_is_list(o)) {
			snprintf(err, errlen, "takes one value, not a list");
			return -EINVAL;
		}
		config_value_reset(cfg, o);
		return 0;
	case CONFIG_FILE_SCALAR:
		if (config_opt_is_list(o))
			config_value_reset(cfg, o);
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

	opts_init();
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < n_opts; i++)
		if (opts[i]->def)
			config_set(cfg, opts[i]->name, opts[i]->def, false, err, sizeof(err));
}

void config_warn_restart_only(const struct config *x, const struct config *y,
			      const struct config_restart_only *fields, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp((const char *)x + fields[i].off, (const char *)y + fields[i].off,
			   fields[i].size))
			pr_warn("reload: %s changed: it takes effect at the next restart",
				fields[i].name);
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
			snprintf(
				err, errlen,
				"alerts: rule '%s': metric '%s' comes from the %s signal, which is off (signals: %s)",
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

/* Each forced wake-up is a self-IPI in the traced task (an exit to the
 * hypervisor in a VM): a quarter of the ring wakes 4x less often than the
 * 64K it was and leaves three quarters for the drain to be scheduled. */
uint64_t config_wakeup_bytes(const struct config *cfg)
{
	return cfg->wakeup_bytes ? cfg->wakeup_bytes : cfg->ring_bytes / 4;
}

int config_validate(const struct config *cfg, char *err, size_t errlen)
{
	const char *colon = strrchr(cfg->listen, ':');
	const char *p = cfg->signals;

	if (!colon || colon == cfg->listen || !colon[1] || atoi(colon + 1) <= 0 ||
	    atoi(colon + 1) > 65535) {
		snprintf(err, errlen, "--listen: '%s' is not ADDR:PORT", cfg->listen);
		return -EINVAL;
	}
	if (cfg->admin_token[0] && !strcmp(cfg->admin_token, cfg->auth_token)) {
		snprintf(
			err, errlen,
			"--admin-token must differ from --auth-token (the read token would change state)");
		return -EINVAL;
	}
	if (cfg->web_conn_body_budget < 64 * 1024 ||
	    cfg->web_body_budget < cfg->web_conn_body_budget) {
		snprintf(err, errlen,
			 "--web-conn-body-budget must be at least 64K (one request body) and "
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
	if (cfg->wakeup_bytes && cfg->wakeup_bytes >= cfg->ring_bytes) {
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

		char name[32];

		snprintf(name, sizeof(name), "%.*s",
			 (int)(len < sizeof(name) ? len : sizeof(name) - 1), p);
		if (len >= sizeof(name) || (strcmp(name, "all") && !signal_find(name))) {
			snprintf(err, errlen, "--signals: unknown signal '%.*s' (%s, all)",
				 (int)len, p, signals_names_list());
			return -EINVAL;
		}
		p = c ? c + 1 : p + len;
	}
	return validate_alerts(cfg, err, errlen);
}

void config_usage(void *file)
{
	FILE *f = file;

	fprintf(f,
		"Usage: hostlens [OPTIONS]\n"
		"       hostlens fleet [OPTIONS]   the fleet dashboard over the DynamoDB table\n"
		"                                  (--dynamodb-table, --listen, --fleet-*)\n"
		"eBPF host observability agent: CPU, disk, network and HTTP latency from the\n"
		"kernel, metric records to file/Kinesis/DynamoDB, live dashboard over HTTP/2.\n\n"
		"Every option is also a config-file key (data_dir: ...) and an environment\n"
		"variable (HOSTLENS_DATA_DIR). Precedence: flags > env > file > defaults.\n\n");
	fprintf(f, "  %-34s %s\n", "--config FILE", "load a YAML config file");
	fprintf(f, "  %-34s %s\n", "--check-config FILE",
		"validate FILE, print the effective config, exit");
	opts_init();
	for (size_t i = 0; i < n_opts; i++) {
		char lhs[64];

		snprintf(lhs, sizeof(lhs), "--%s %s", opts[i]->name, opts[i]->arg);
		fprintf(f, "  %-34s %s", lhs, opts[i]->help);
		if (opts[i]->def && *opts[i]->def)
			fprintf(f, " [%s]", opts[i]->def);
		fprintf(f, "\n");
	}
	fprintf(f, "  %-34s %s\n", "--list-metrics",
		"print the metrics alert rules can name (markdown) and exit");
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
	if (n < 0) { /* not scheme://host: nothing of it is safe to show */
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

	opts_init();
	for (size_t i = 0; i < n_opts; i++) {
		const struct config_opt *o = opts[i];
		const char *field = (const char *)cfg + o->off;
		char key[64];

		snprintf(key, sizeof(key), "%s", o->name);
		for (char *k = key; *k; k++)
			if (*k == '-')
				*k = '_';
		switch (o->type) {
		case CONFIG_OPT_STR:
		case CONFIG_OPT_ENUM:
			fprintf(f, "%s: ", key);
			/* a secret is never echoed: say only that it is set; a
			 * webhook URL (a Slack URL holds its token) shows its origin */
			if ((o->off == offsetof(struct config, auth_token) ||
			     o->off == offsetof(struct config, admin_token)) &&
			    *field) {
				yaml_print_quoted(f, "<set>");
			} else if (o->off == offsetof(struct config, alert_webhook)) {
				char safe[CFG_STR];

				yaml_print_quoted(f, config_url_for_log(field, safe, sizeof(safe)));
			} else {
				yaml_print_quoted(f, field);
			}
			fputc('\n', f);
			break;
		case CONFIG_OPT_INT:
			fprintf(f, "%s: %d\n", key, *(const int *)field);
			break;
		case CONFIG_OPT_SIZE:
			fprintf(f, "%s: %llu\n", key, (unsigned long long)*(const uint64_t *)field);
			break;
		case CONFIG_OPT_BOOL:
			fprintf(f, "%s: %s\n", key, *(const bool *)field ? "true" : "false");
			break;
		case CONFIG_OPT_SINK:
			print_str_list(f, key, cfg->sinks[0], sizeof(cfg->sinks[0]), cfg->n_sinks);
			break;
		case CONFIG_OPT_PID:
			fprintf(f, "%s: [", key);
			for (int k = 0; k < cfg->n_pids; k++)
				fprintf(f, "%s%d", k ? ", " : "", cfg->pids[k]);
			fprintf(f, "]\n");
			break;
		case CONFIG_OPT_COMM:
			print_str_list(f, key, cfg->comms[0], sizeof(cfg->comms[0]), cfg->n_comms);
			break;
		case CONFIG_OPT_CGROUP:
			print_str_list(f, key, cfg->cgroups[0], sizeof(cfg->cgroups[0]),
				       cfg->n_cgroups);
			break;
		case CONFIG_OPT_REDACT:
			print_str_list(f, key, cfg->redact_segments[0],
				       sizeof(cfg->redact_segments[0]), cfg->n_redact);
			break;
		case CONFIG_OPT_HOST:
			print_str_list(f, key, cfg->web_allowed_hosts[0],
				       sizeof(cfg->web_allowed_hosts[0]), cfg->n_web_allowed_hosts);
			break;
		case CONFIG_OPT_EMAIL:
			print_str_list(f, key, cfg->alert_email_to[0],
				       sizeof(cfg->alert_email_to[0]), cfg->n_alert_email_to);
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
	opts_init();
	for (size_t i = 0; i < n_opts; i++) {
		char var[80], *p;
		const char *val;
		int ret;

		snprintf(var, sizeof(var), "HOSTLENS_%s", opts[i]->name);
		for (p = var; *p; p++)
			*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
		val = getenv(var);
		if (!val)
			continue;
		if (config_opt_is_list(opts[i])) {
			/* comma-separated list replaces the default */
			char buf[4096], *save = NULL, *tok;

			config_value_reset(cfg, opts[i]);
			snprintf(buf, sizeof(buf), "%s", val);
			for (tok = strtok_r(buf, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				ret = config_set(cfg, opts[i]->name, tok, false, err, errlen);
				if (ret)
					goto bad;
			}
			continue;
		}
		ret = config_set(cfg, opts[i]->name, val, false, err, errlen);
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
	struct option all[MAX_OPTS + 6]; /* the table's flags, ours, the terminator */
	const char *file = getenv("HOSTLENS_CONFIG");
	bool lists_reset[MAX_OPTS] = { 0 };
	int c, idx, ret;
	size_t i;

	config_defaults(cfg);
	for (i = 0; i < n_opts; i++)
		all[i] = (struct option){ opts[i]->name, required_argument, NULL, 1000 + (int)i };
	all[n_opts] = (struct option){ "config", required_argument, NULL, 'c' };
	all[n_opts + 1] = (struct option){ "check-config", required_argument, NULL, 'C' };
	all[n_opts + 2] = (struct option){ "version", no_argument, NULL, 'V' };
	all[n_opts + 3] = (struct option){ "help", no_argument, NULL, 'h' };
	all[n_opts + 4] = (struct option){ "list-metrics", no_argument, NULL, 'M' };
	all[n_opts + 5] = (struct option){ 0 };

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
				snprintf(err, errlen, "unknown option '%s' (see --help)",
					 argv[optind - 1]);
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
		const struct config_opt *o;

		if (c < 1000)
			continue;
		o = opts[c - 1000];
		if (config_opt_is_list(o) && !lists_reset[c - 1000]) {
			config_value_reset(cfg, o);
			lists_reset[c - 1000] = true;
		}
		ret = config_set(cfg, o->name, optarg, false, err, errlen);
		if (ret)
			return -EINVAL;
	}
	if (!cfg->alerts_set)
		alerts_builtin(cfg); /* signals are final now */
	return config_validate(cfg, err, errlen);
}
