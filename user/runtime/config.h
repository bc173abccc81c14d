/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Configuration: one table of options (config.c) drives the command-line
 * flags, the HOSTLENS_* environment variables and the YAML file keys, so the
 * three can never disagree. Precedence: flags > env > file > defaults.
 */
#ifndef HOSTLENS_CONFIG_H
#define HOSTLENS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>

#define CFG_MAX_SINKS 4
#define CFG_MAX_PIDS 64
#define CFG_MAX_COMMS 32
#define CFG_MAX_CGROUPS 16
#define CFG_MAX_REDACT 16
#define CFG_MAX_ALERTS 32
#define CFG_MAX_HOSTS 16
#define CFG_MAX_EMAIL_TO 16
#define CFG_STR 256
#define CFG_COMM 16

enum alert_cmp { ALERT_GT, ALERT_GE, ALERT_LT, ALERT_LE };

/* How a rule reads its metric (docs/configuration.md, "Alert rules"). */
enum alert_agg {
	ALERT_AGG_LAST,	 /* this second's value (gauges) */
	ALERT_AGG_COUNT, /* events in the window (counters) */
	ALERT_AGG_SUM,	 /* sum over the window (counters) */
	ALERT_AGG_RATE,	 /* sum over the window / window_s (counters) */
	ALERT_AGG_AVG,	 /* mean over the window (gauges) */
	ALERT_AGG_MAX,	 /* highest value in the window (gauges) */
	ALERT_AGG_MIN,	 /* lowest value in the window (gauges) */
};

#define ALERT_SCOPE_VALUE_MAX 288 /* METRIC_KEY_MAX (user/pipeline/metrics.h) */

/*
 * One rule: fire when `aggregate(metric{scope}) over window_s cmp threshold`
 * holds for `for_s`. The metric, scope and aggregate are names of the
 * catalog in user/pipeline/metrics.h, checked at load (alert_rule_check). A scope
 * without a value fans out: one alert per scope value.
 */
struct alert_rule {
	char name[64];
	char metric[64]; /* a metric of the catalog, e.g. "cpu_usage_pct" */
	enum alert_cmp cmp;
	double threshold;
	int for_s;
	char severity[16];
	char scope[16];				 /* "" host-wide, else "route", "process", ... */
	char scope_value[ALERT_SCOPE_VALUE_MAX]; /* "" with scope: fan out */
	enum alert_agg agg;
	int window_s; /* 0 with ALERT_AGG_LAST */
};

struct config {
	/* web */
	char listen[CFG_STR];
	char tls_cert[PATH_MAX];
	char tls_key[PATH_MAX];
	char auth_token[CFG_STR];  /* read role: dashboard data, API, /metrics, stream */
	char admin_token[CFG_STR]; /* admin role: state changes; also grants read */
	int web_max_conns;
	int web_max_conns_per_client;  /* per client address */
	int web_idle_timeout_s;	       /* no request progress for this long: closed */
	int web_request_timeout_s;     /* headers and body of one request arrive within */
	uint64_t web_body_budget;      /* request body bytes held, whole server */
	uint64_t web_conn_body_budget; /* request body bytes held, one connection */
	char web_allowed_hosts[CFG_MAX_HOSTS][CFG_STR]; /* extra Host names ("*": any) */
	int n_web_allowed_hosts;

	/* sinks and records; the sinks' own options are their rows' fields
	 * (sinks/<name>/: kinesis_*, dynamodb_*, file_*) */
	char sinks[CFG_MAX_SINKS][16];
	int n_sinks;
	char data_dir[PATH_MAX];
	int flush_interval_s;
	char source[CFG_STR]; /* record "source"; hostname when empty */
	char kinesis_stream[CFG_STR];
	char kinesis_partition_key[CFG_STR]; /* empty: the source host */
	char dynamodb_table[CFG_STR];
	int dynamodb_ttl_days;
	bool dynamodb_create_table;
	bool dynamodb_registry; /* host registry item for `hostlens fleet` */
	uint64_t file_rotate_bytes;
	int file_rotate_seconds;
	int file_keep;
	bool file_gzip;
	char file_fsync[16]; /* never | batch | always */
	uint64_t spool_max_bytes;
	char alert_webhook[CFG_STR];

	/* alert notifications (user/notify/notify.h); alert_webhook above */
	char alert_webhook_format[8]; /* json | slack */
	char alert_smtp_url[CFG_STR]; /* smtp://HOST[:PORT] or smtps:// */
	char alert_email_from[CFG_STR];
	char alert_email_to[CFG_MAX_EMAIL_TO][CFG_STR];
	int n_alert_email_to;
	char alert_sns_topic_arn[CFG_STR];
	char public_url[CFG_STR]; /* the dashboard as people reach it: links */

	/* capture filters (HTTP); empty lists mean every process */
	int pids[CFG_MAX_PIDS];
	int n_pids;
	char comms[CFG_MAX_COMMS][CFG_COMM];
	int n_comms;
	char cgroups[CFG_MAX_CGROUPS][PATH_MAX];
	int n_cgroups;
	bool http_keep_query;
	bool http_breakdown; /* per-request latency breakdown */
	int http_max_routes;
	char redact_segments[CFG_MAX_REDACT][64];
	int n_redact;

	/* engine */
	char signals[CFG_STR]; /* comma list: cpu,disk,net,http */
	uint64_t ring_bytes;   /* per CPU */
	uint64_t wakeup_bytes; /* BPF forces a wake-up past this much data */
	int drain_poll_ms;
	uint64_t log_bytes; /* in-memory event log, all shards */
	int log_shards;
	int max_procs;	   /* BPF per-process map entries */
	char summary[8];   /* auto | on | off: terminal summary */
	char log_level[8]; /* error | warn | info | debug */

	/* alerts (config file only); config_load puts the built-in rules here
	 * when the file gives no list */
	struct alert_rule alerts[CFG_MAX_ALERTS];
	int n_alerts;
	bool alerts_set; /* the file gave a list: no built-in rules */

	/* hostlens fleet (user/fleet/): its rows are fleet_options */
	int fleet_refresh_s;  /* read the table this often */
	int fleet_window_min; /* hosts seen within this are listed */
	int fleet_stale_min;  /* ... and marked stale past this */
	int fleet_max_hosts;
	int fleet_max_series;	  /* per-host rollup series kept */
	int fleet_read_units;	  /* read capacity units a second, at most */
	char fleet_sources[4096]; /* comma list: sources read without a registry */

	/* what was asked for on the command line */
	char config_file[PATH_MAX];
	bool check_config;
};

/* The kinds of value an option takes; the last seven are lists (repeatable). */
enum config_opt_type {
	CONFIG_OPT_STR,
	CONFIG_OPT_INT,
	CONFIG_OPT_SIZE,
	CONFIG_OPT_BOOL,
	CONFIG_OPT_ENUM,
	CONFIG_OPT_SINK,
	CONFIG_OPT_PID,
	CONFIG_OPT_COMM,
	CONFIG_OPT_CGROUP,
	CONFIG_OPT_REDACT,
	CONFIG_OPT_HOST,
	CONFIG_OPT_EMAIL,
};

/*
 * One row of the option table: flag --name, file key name (or with '_'),
 * variable HOSTLENS_NAME. config.c holds the agent's rows; a sink declares
 * its own ({ NULL }-ended, in its folder) and names them in its ops'
 * options: config.c merges them in at start-up.
 */
struct config_opt {
	const char *name;
	enum config_opt_type type;
	size_t off, size; /* the field in struct config (strings: buffer size) */
	const char *def;  /* default as text; NULL: none */
	const char *arg;  /* metavar in --help */
	const char *help;
	long long min, max;  /* INT range; SIZE bytes (max 0: only 2^64 - 1) */
	const char *choices; /* ENUM: "a|b|c" */
};

/* off and size of a struct config field, for a row. */
#define CONFIG_FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)

/* A setting a reload cannot change (the mode needs a restart for it). */
struct config_restart_only {
	const char *name; /* as in the config file */
	size_t off, size;
};
#define CONFIG_RESTART_ONLY(n, f)  \
	{                          \
		n, CONFIG_FIELD(f) \
	}
/* the web server's (the agent's and the fleet view's) */
#define CONFIG_RESTART_ONLY_WEB                                                            \
	CONFIG_RESTART_ONLY("listen", listen), CONFIG_RESTART_ONLY("tls_cert", tls_cert),  \
		CONFIG_RESTART_ONLY("tls_key", tls_key),                                   \
		CONFIG_RESTART_ONLY("auth_token", auth_token),                             \
		CONFIG_RESTART_ONLY("admin_token", admin_token),                           \
		CONFIG_RESTART_ONLY("web_max_conns", web_max_conns),                       \
		CONFIG_RESTART_ONLY("web_max_conns_per_client", web_max_conns_per_client), \
		CONFIG_RESTART_ONLY("web_idle_timeout", web_idle_timeout_s),               \
		CONFIG_RESTART_ONLY("web_request_timeout", web_request_timeout_s),         \
		CONFIG_RESTART_ONLY("web_body_budget", web_body_budget),                   \
		CONFIG_RESTART_ONLY("web_conn_body_budget", web_conn_body_budget),         \
		CONFIG_RESTART_ONLY("web_allowed_hosts", web_allowed_hosts)

/* Logs each of the n settings of fields that differs between the running
 * configuration x and the reloaded y ("takes effect at the next restart"). */
void config_warn_restart_only(const struct config *x, const struct config *y,
			      const struct config_restart_only *fields, size_t n);

/* Fills cfg with the embedded defaults. */
void config_defaults(struct config *cfg);

/*
 * Builds the effective configuration from argv, the environment and the file
 * named by --config / HOSTLENS_CONFIG. Without an `alerts` list in the file,
 * cfg->alerts holds the built-in rules whose signal is on. On a usage or
 * config error writes one line naming the problem into err and returns
 * -EINVAL; returns 1 when --help, --version or --list-metrics was handled
 * (output printed), 0 otherwise.
 */
int config_load(struct config *cfg, int argc, char **argv, char *err, size_t errlen);

/* Applies one "key=value"-style setting (key as flag name without "--",
 * dashes or underscores). Used by flags, env and file. 0 or -EINVAL/-ENOENT. */
int config_set(struct config *cfg, const char *key, const char *val, bool from_file, char *err,
	       size_t errlen);

/*
 * Applies the YAML file at path on top of cfg (config_file.c reads it, the
 * table here takes each key). On error writes "FILE:LINE: key 'K': problem"
 * into err and returns -EINVAL, or -errno when the file cannot be read.
 */
int config_apply_file(struct config *cfg, const char *path, char *err, size_t errlen);

/* The wake-up threshold in effect: --wakeup-bytes, or a quarter of the ring. */
uint64_t config_wakeup_bytes(const struct config *cfg);

/* Checks cross-field constraints. 0 or -EINVAL with err set. */
int config_validate(const struct config *cfg, char *err, size_t errlen);

/* Prints the effective configuration as YAML (for --check-config). */
void config_print(const struct config *cfg, void *file /* FILE* */);

/* Is signal `name` enabled in cfg->signals? */
bool config_signal_on(const struct config *cfg, const char *name);

/* Does the sink `name` appear in --sink? */
bool config_has_sink(const struct config *cfg, const char *name);

/*
 * A URL that may carry a secret in its path or query (alert_webhook: a Slack
 * URL holds its token) as it may be logged or printed: scheme://host[:port]
 * followed by "/<redacted>" when anything came after the host; userinfo is
 * dropped; "<redacted>" when url is not scheme://host. Writes into out
 * (truncated to outlen) and returns out.
 */
const char *config_url_for_log(const char *url, char *out, size_t outlen);

/* Prints --help. */
void config_usage(void *file /* FILE* */);

#endif
