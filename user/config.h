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
#define CFG_STR 256
#define CFG_COMM 16

enum alert_cmp { ALERT_GT, ALERT_GE, ALERT_LT, ALERT_LE };

/* One threshold rule: fire when `metric cmp threshold` holds for `for_s`. */
struct alert_rule {
	char name[64];
	char metric[64];	/* a field of a record, e.g. "cpu_usage_pct" */
	enum alert_cmp cmp;
	double threshold;
	int for_s;
	char severity[16];
};

struct config {
	/* web */
	char listen[CFG_STR];
	char tls_cert[PATH_MAX];
	char tls_key[PATH_MAX];
	char auth_token[CFG_STR];
	int web_max_conns;
	int web_idle_timeout_s;

	/* sinks and records */
	char sinks[CFG_MAX_SINKS][16];
	int n_sinks;
	char data_dir[PATH_MAX];
	int flush_interval_s;
	char source[CFG_STR];		/* record "source"; hostname when empty */
	char kinesis_stream[CFG_STR];
	char kinesis_partition_key[CFG_STR]; /* empty: the source host */
	char dynamodb_table[CFG_STR];
	int dynamodb_ttl_days;
	bool dynamodb_create_table;
	uint64_t file_rotate_bytes;
	int file_rotate_seconds;
	int file_keep;
	bool file_gzip;
	char file_fsync[16];		/* never | batch | always */
	uint64_t spool_max_bytes;
	char alert_webhook[CFG_STR];

	/* capture filters (HTTP); empty lists mean every process */
	int pids[CFG_MAX_PIDS];
	int n_pids;
	char comms[CFG_MAX_COMMS][CFG_COMM];
	int n_comms;
	char cgroups[CFG_MAX_CGROUPS][PATH_MAX];
	int n_cgroups;
	bool http_keep_query;
	bool http_breakdown;		/* per-request latency breakdown */
	int http_max_routes;
	char redact_segments[CFG_MAX_REDACT][64];
	int n_redact;

	/* engine */
	char signals[CFG_STR];		/* comma list: cpu,disk,net,http */
	uint64_t ring_bytes;		/* per CPU */
	uint64_t wakeup_bytes;		/* BPF forces a wake-up past this much data */
	int drain_poll_ms;
	uint64_t log_bytes;		/* in-memory event log, all shards */
	int log_shards;
	int max_procs;			/* BPF per-process map entries */
	char summary[8];		/* auto | on | off: terminal summary */
	char log_level[8];		/* error | warn | info | debug */

	/* alerts (config file only) */
	struct alert_rule alerts[CFG_MAX_ALERTS];
	int n_alerts;
	bool alerts_set;		/* the file gave a list: no defaults */

	/* what was asked for on the command line */
	char config_file[PATH_MAX];
	bool check_config;
};

/* Fills cfg with the embedded defaults. */
void config_defaults(struct config *cfg);

/*
 * Builds the effective configuration from argv, the environment and the file
 * named by --config / HOSTLENS_CONFIG. On a usage or config error writes one
 * line naming the problem into err and returns -EINVAL; returns 1 when
 * --help or --version was handled (output printed), 0 otherwise.
 */
int config_load(struct config *cfg, int argc, char **argv, char *err, size_t errlen);

/* Applies one "key=value"-style setting (key as flag name without "--",
 * dashes or underscores). Used by flags, env and file. 0 or -EINVAL/-ENOENT. */
int config_set(struct config *cfg, const char *key, const char *val, bool from_file, char *err,
	       size_t errlen);

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
