// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: see agent.h. Threads started here: drain, processor, and (through
 * their modules) one per sink and the web server. Start order follows the
 * data flow's dependencies; a failure unwinds what was started.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>

#include "agent.h"
#include "caps.h"
#include "drain.h"
#include "eventlog.h"
#include "loader.h"
#include "log.h"
#include "processor.h"
#include "collectors/collector.h"
#include "sinks/sink.h"
#include "web/web.h"
#include "pm_http.h"

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
	struct web *web;
	bool stopped;
};

static void submit_to_sinks(void *ctx, struct record_batch *b)
{
	sinks__submit(ctx, b);
}

static json_t *sinks_stats(void *ctx)
{
	return sinks__stats_json(ctx);
}

/* POST /api/v1/filters, on the web thread: the HTTP module applies it to its
 * BPF maps at once and republishes the "filters" topic. */
static int set_filters(void *ctx, json_t *body, char *err, size_t errlen)
{
	(void)ctx;
	return http_filters_set(body, err, errlen);
}

static const struct collector_env host_env = { "/proc", "/sys", "/etc" };

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
			errno = EIO;	/* a runtime failure, not a usage error */
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
			errno = EINVAL;	/* a config error: exit 2 */
			goto fail;
		}
	}

	/* Programs are attached: give up what running no longer needs, before
	 * any thread exists (capabilities are per thread). Attaching TLS uprobes
	 * to processes started later goes through the perf uprobe PMU with this
	 * libbpf, which needs CAP_SYS_ADMIN: kept only while HTTP capture is on. */
	if (caps__drop_keeping(loader__signal_on(a->ld, "http") ? 1ull << CAP_SYS_ADMIN : 0, err, errlen)) {
		errno = EPERM;
		goto fail;
	}

	/* sinks (their threads start here) */
	a->sinks = sinks__new(&a->cfg, err, errlen);
	if (!a->sinks) {
		if (errno == ENOENT || errno == EINVAL)
			errno = EINVAL;	/* main.c: exit 2 */
		goto fail;
	}

	a->log = eventlog__new(a->cfg.log_bytes, a->cfg.log_shards ? a->cfg.log_shards : loader__nrings(a->ld));
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
	pdeps.sink_ctx = a->sinks;
	if (a->cs) {
		pdeps.collect = collectors__collect_cb;
		pdeps.collect_ctx = a->cs;
	}
	a->proc = processor__new(&pdeps);
	if (!a->proc || processor__start(a->proc)) {
		snprintf(err, errlen, "cannot start the processor thread");
		goto fail;
	}
	if (a->web && web__start(a->web)) {
		snprintf(err, errlen, "cannot start the web server thread");
		goto fail;
	}
	state__set_ready(a->st, true);
	pr_info("ready: signals cpu=%s disk=%s net=%s http=%s; dashboard http://%s/",
		loader__signal_status(a->ld, "cpu"), loader__signal_status(a->ld, "disk"),
		loader__signal_status(a->ld, "net"), loader__signal_status(a->ld, "http"), a->cfg.listen);
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

int agent__reload(struct agent *a, const struct config *cfg, char *err, size_t errlen)
{
	(void)a;
	(void)cfg;
	snprintf(err, errlen, "reload is not supported yet");
	return -EOPNOTSUPP;
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
