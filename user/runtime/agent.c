// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: see agent.h. Threads started here: drain, processor, and (through
 * their modules) one per sink and the web server. Start order follows the
 * data flow's dependencies; a failure unwinds what was started.
 * Capabilities: the process drops to caps.h's kept set before the first
 * thread starts; the processor thread keeps that set, every other thread
 * (drain, sinks, web, alert webhook) drops all of its own as it starts
 * (thread.h), and the main thread keeps the set for SIGHUP's filter update.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "user/runtime/agent.h"
#include "user/runtime/caps.h"
#include "user/runtime/thread.h"
#include "user/pipeline/drain.h"
#include "user/pipeline/eventlog.h"
#include "user/pipeline/loader.h"
#include "user/runtime/log.h"
#include "user/pipeline/processor.h"
#include "collectors/collector.h"
#include "sinks/sink.h"
#include "web/web.h"
#include "user/http/http_ctl.h"
#include "user/pipeline/signal.h"

struct agent {
	struct config cfg;
	char source[256];
	struct loader *ld;
	struct eventlog *log;
	struct drain *drain;
	struct state *st;
	struct collectors *cs;
	struct processor *proc;
	struct sinks *sinks;
	struct config sink_cfg; /* the settings a->sinks was built with */
	struct web *web;
	bool stopped;
};

/* Sink hooks of the processor; they run on the processor thread, which is
 * also the only one that swaps a->sinks (on reload). */
static void submit_to_sinks(void *ctx, struct record_batch *b)
{
	struct agent *a = ctx;

	sinks__submit(a->sinks, b);
}

static json_t *sinks_stats(void *ctx)
{
	struct agent *a = ctx;

	return sinks__stats_json(a->sinks);
}

static bool sink_settings_changed(const struct config *x, const struct config *y)
{
	return x->n_sinks != y->n_sinks || memcmp(x->sinks, y->sinks, sizeof(x->sinks)) ||
	       strcmp(x->kinesis_stream, y->kinesis_stream) ||
	       strcmp(x->kinesis_partition_key, y->kinesis_partition_key) ||
	       strcmp(x->dynamodb_table, y->dynamodb_table) ||
	       x->dynamodb_ttl_days != y->dynamodb_ttl_days ||
	       x->dynamodb_create_table != y->dynamodb_create_table ||
	       x->file_rotate_bytes != y->file_rotate_bytes ||
	       x->file_rotate_seconds != y->file_rotate_seconds || x->file_keep != y->file_keep ||
	       x->file_gzip != y->file_gzip || strcmp(x->file_fsync, y->file_fsync) ||
	       x->spool_max_bytes != y->spool_max_bytes;
}

/* The old engine delivers or spools what it holds (bounded wait), then the
 * new one starts and replays the spool: nothing in flight is lost. If the
 * new settings fail, the old ones are rebuilt. */
static int reconfigure_sinks(void *ctx, const struct config *next, char *err, size_t errlen)
{
	struct agent *a = ctx;
	struct config merged = a->cfg;
	char err2[256];

	if (!sink_settings_changed(&a->cfg, next))
		return 0;
	memcpy(merged.sinks, next->sinks, sizeof(merged.sinks));
	merged.n_sinks = next->n_sinks;
	snprintf(merged.kinesis_stream, sizeof(merged.kinesis_stream), "%s", next->kinesis_stream);
	snprintf(merged.kinesis_partition_key, sizeof(merged.kinesis_partition_key), "%s",
		 next->kinesis_partition_key);
	snprintf(merged.dynamodb_table, sizeof(merged.dynamodb_table), "%s", next->dynamodb_table);
	merged.dynamodb_ttl_days = next->dynamodb_ttl_days;
	merged.dynamodb_create_table = next->dynamodb_create_table;
	merged.file_rotate_bytes = next->file_rotate_bytes;
	merged.file_rotate_seconds = next->file_rotate_seconds;
	merged.file_keep = next->file_keep;
	merged.file_gzip = next->file_gzip;
	snprintf(merged.file_fsync, sizeof(merged.file_fsync), "%s", next->file_fsync);
	merged.spool_max_bytes = next->spool_max_bytes;
	sinks__free(a->sinks);
	a->sinks = sinks__new(&merged, err, errlen);
	if (a->sinks) {
		a->sink_cfg = merged;
		pr_info("reload: sinks rebuilt");
		return 0;
	}
	a->sinks = sinks__new(&a->sink_cfg, err2, sizeof(err2));
	if (!a->sinks)
		pr_err("reload: the previous sinks could not be rebuilt either: %s", err2);
	return -EINVAL;
}

/* POST /api/v1/filters, on the web thread: the HTTP module applies it to its
 * BPF maps at once and republishes the "filters" topic. The web thread holds
 * no capabilities (thread.h): map updates through an fd need none since Linux
 * 6.5; before, with kernel.unprivileged_bpf_disabled set, every bpf() command
 * answers EPERM there (and nothing changes), so say what to do instead. */
static int set_filters(void *ctx, json_t *body, char *err, size_t errlen)
{
	int ret;

	(void)ctx;
	ret = http_filters_set(body, err, errlen);
	if (ret == -EPERM)
		snprintf(
			err, errlen,
			"filters: on this kernel (< 6.5, kernel.unprivileged_bpf_disabled set) only "
			"a privileged thread may change BPF maps, and the web server holds no "
			"capabilities: set pid/comm/cgroup in the config file and send SIGHUP");
	return ret;
}

static const struct collector_env host_env = { "/proc", "/sys", "/etc" };

/* "ready: signals cpu=on disk=on ...; dashboard http://ADDR/": tests and
 * operators wait for this line. */
static void ready_line(const struct agent *a)
{
	char sig[512];
	size_t n = 0;

	sig[0] = '\0';
	for (const struct signal *const *s = signals; *s && n < sizeof(sig); s++)
		n += (size_t)snprintf(sig + n, sizeof(sig) - n, " %s=%s", (*s)->name,
				      loader__signal_status(a->ld, (*s)->name));
	pr_info("ready: signals%s; dashboard http://%s/", sig, a->cfg.listen);
}

struct agent *agent__new(const struct agent_opts *o, char *err, size_t errlen)
{
	struct agent *a = calloc(1, sizeof(*a));
	int saved;
	struct loader_opts lopts = { 0 };
	struct web_hooks hooks = { .set_filters = set_filters };
	struct processor_deps pdeps = { 0 };

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->cfg = *o->cfg;
	if (a->cfg.source[0])
		snprintf(a->source, sizeof(a->source), "%s", a->cfg.source);
	else if (gethostname(a->source, sizeof(a->source)))
		snprintf(a->source, sizeof(a->source), "unknown");

	/* kernel side: rings, programs */
	lopts.cfg = &a->cfg;
	a->ld = loader__new(&lopts, err, errlen);
	if (!a->ld) {
		if (errno == EINVAL)
			errno = EIO; /* a runtime failure, not a usage error */
		goto fail;
	}

	/* bind the web listener now: a busy port or bad TLS file fails start-up,
	 * and a port below 1024 is bound before capabilities go */
	a->st = state__new();
	if (!a->st) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!o->no_web) {
		a->web = web__new(&a->cfg, a->st, &hooks, err, errlen);
		if (!a->web) {
			/* web__new says EINVAL for what the config got wrong (an
			 * address that does not resolve, an unusable TLS file): exit
			 * 2. A port in use (EADDRINUSE) or an address this host does
			 * not have right now is a runtime failure: exit 1. main.c
			 * reads errno as web__new left it. */
			goto fail;
		}
	}

	/* Programs are attached: give up what running no longer needs, before
	 * any thread exists (capabilities are per thread; see caps.h for what
	 * stays and why). TLS uprobes attached to processes started later are
	 * uprobe_multi links, which need no CAP_SYS_ADMIN. Then each thread but
	 * the processor drops the rest of its own (thread__setup). */
	if (!thread__yield_init())
		pr_info("no CAP_SYS_NICE: the processor thread will not yield to the host's");
	if (caps__drop_after_attach(err, errlen)) {
		errno = EPERM;
		goto fail;
	}

	/* sinks (their threads start here) */
	a->sinks = sinks__new(&a->cfg, err, errlen);
	if (!a->sinks) {
		if (errno == ENOENT || errno == EINVAL)
			errno = EINVAL; /* main.c: exit 2 */
		goto fail;
	}

	a->log = eventlog__new(a->cfg.log_bytes,
			       a->cfg.log_shards ? a->cfg.log_shards : loader__nrings(a->ld));
	if (!a->log) {
		snprintf(err, errlen, "out of memory setting up the event log (--log-size %llu)",
			 (unsigned long long)a->cfg.log_bytes);
		goto fail;
	}
	a->drain = drain__new(a->ld, a->log, a->cfg.drain_poll_ms);
	if (!a->drain || drain__start(a->drain)) {
		snprintf(err, errlen, "cannot start the drain thread");
		goto fail;
	}

	/* host collectors over /proc and /sys */
	a->cs = collectors__new(&host_env);
	if (!a->cs)
		pr_warn("host collectors unavailable: %s", strerror(errno));

	/* user side: processor -> state and records */
	pdeps.cfg = &a->cfg;
	pdeps.ld = a->ld;
	pdeps.log = a->log;
	pdeps.drain = a->drain;
	pdeps.st = a->st;
	pdeps.source = a->source;
	pdeps.submit = submit_to_sinks;
	pdeps.sink_stats = sinks_stats;
	pdeps.reconfigure_sinks = reconfigure_sinks;
	pdeps.sink_ctx = a;
	a->sink_cfg = a->cfg;
	if (a->cs) {
		pdeps.collect = collectors__collect_cb;
		pdeps.collect_ctx = a->cs;
	}
	a->proc = processor__new(&pdeps);
	if (!a->proc || processor__start(a->proc)) {
		snprintf(err, errlen, "cannot start the processor thread");
		goto fail;
	}
	/* the processor folds when the drain brought events, not on a timer */
	drain__on_round(a->drain, processor__drained, a->proc);
	if (a->web && web__start(a->web)) {
		snprintf(err, errlen, "cannot start the web server thread");
		goto fail;
	}
	state__set_ready(a->st, true);
	ready_line(a);
	return a;
fail:
	saved = errno;
	agent__free(a);
	errno = saved;
	return NULL;
}

struct state *agent__state(struct agent *a)
{
	return a->st;
}

/* Settings that only a restart can change: named in the log when they differ. */
static const struct config_restart_only restart_only[] = {
	CONFIG_RESTART_ONLY_WEB,
	CONFIG_RESTART_ONLY("data_dir", data_dir),
	CONFIG_RESTART_ONLY("source", source),
	CONFIG_RESTART_ONLY("signals", signals),
	CONFIG_RESTART_ONLY("ring_size", ring_bytes),
	CONFIG_RESTART_ONLY("wakeup_bytes", wakeup_bytes),
	CONFIG_RESTART_ONLY("log_size", log_bytes),
	CONFIG_RESTART_ONLY("log_shards", log_shards),
	CONFIG_RESTART_ONLY("max_procs", max_procs),
	CONFIG_RESTART_ONLY("alert_webhook", alert_webhook),
	CONFIG_RESTART_ONLY("redact_segment", redact_segments),
	CONFIG_RESTART_ONLY("alert_webhook_format", alert_webhook_format),
	CONFIG_RESTART_ONLY("alert_smtp_url", alert_smtp_url),
	CONFIG_RESTART_ONLY("alert_email_from", alert_email_from),
	CONFIG_RESTART_ONLY("alert_email_to", alert_email_to),
	CONFIG_RESTART_ONLY("alert_sns_topic_arn", alert_sns_topic_arn),
	CONFIG_RESTART_ONLY("public_url", public_url),
};

int agent__reload(struct agent *a, const struct config *cfg, char *err, size_t errlen)
{
	json_t *filters = json_pack("{s:[],s:[],s:[]}", "pids", "comms", "cgroups");
	int ret = 0;

	config_warn_restart_only(&a->cfg, cfg, restart_only,
				 sizeof(restart_only) / sizeof(restart_only[0]));
	/* capture filters: straight into the HTTP module's BPF maps */
	for (int i = 0; i < cfg->n_pids; i++)
		json_array_append_new(json_object_get(filters, "pids"), json_integer(cfg->pids[i]));
	for (int i = 0; i < cfg->n_comms; i++)
		json_array_append_new(json_object_get(filters, "comms"),
				      json_string(cfg->comms[i]));
	for (int i = 0; i < cfg->n_cgroups; i++)
		json_array_append_new(json_object_get(filters, "cgroups"),
				      json_string(cfg->cgroups[i]));
	if (loader__signal_on(a->ld, "http")) {
		ret = http_filters_set(filters, err, errlen);
		if (ret) {
			json_decref(filters);
			return ret;
		}
	}
	json_decref(filters);
	/* alert rules, sink settings, record options: on the processor thread */
	ret = processor__reload(a->proc, cfg);
	if (ret)
		snprintf(err, errlen, "out of memory");
	return ret;
}

void agent__stop(struct agent *a)
{
	if (a->stopped)
		return;
	a->stopped = true;
	if (a->st)
		state__set_ready(a->st, false);
	/* detach first so no new events come, then collect what is in flight */
	if (a->ld)
		loader__detach(a->ld);
	drain__stop(a->drain);
	processor__stop(a->proc);
	/* the processor's final flush is queued: deliver or spool it */
	sinks__free(a->sinks);
	a->sinks = NULL;
	web__free(a->web);
	a->web = NULL;
}

void agent__free(struct agent *a)
{
	if (!a)
		return;
	agent__stop(a);
	processor__free(a->proc);
	drain__free(a->drain);
	loader__free(a->ld);
	collectors__free(a->cs);
	sinks__free(a->sinks);
	eventlog__free(a->log);
	state__free(a->st);
	free(a);
}
