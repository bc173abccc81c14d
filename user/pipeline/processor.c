// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* DESIGN: see processor.h. Threads: the processor thread only; the stats it
 * publishes are read by the web thread through struct state.
 * This file: the loop (fold, tick, flush, reload), the module table and the
 * comm cache; the agent's own counters and the host cards are
 * processor_stats.c. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "user/pipeline/processor.h"
#include "user/pipeline/processor_priv.h"
#include "user/pipeline/processor_stats.h"
#include "user/lib/clock.h"
#include "user/runtime/thread.h"
#include "user/pipeline/drain.h"
#include "user/runtime/log.h"
#include "user/pipeline/signal.h"
#include "user/pipeline/alerts.h"
#include "user/notify/notify.h"
#include "user/runtime/k8s.h"
#include "user/pipeline/rollup.h"
#include "user/lib/table.h"
#include "user/lib/utf8.h"

#define COMM_SLOTS 16384 /* power of 2; direct-mapped: a collision replaces */
#define FOLD_MS 20	 /* the log is folded at most this often while events come */
/* a yielding processor this late for a fold of new events or for its tick
 * gets no CPU: the host has none idle (processor__drained) */
#define STARVE_MS 100
#define HOLD_MIN_S 5 /* a raise lasts this long, doubling up to HOLD_MAX_S */
#define HOLD_MAX_S 80

struct comm_slot {
	uint32_t tgid;		   /* the key */
	uint32_t miss;		   /* /proc lookups that failed */
	char comm[UTF8_COMM_SIZE]; /* sanitized once, here (utf8.h) */
	struct proc_io io;
};

const struct config *processor__cfg(const struct processor *p)
{
	return p->d.cfg;
}
struct loader *processor__loader(const struct processor *p)
{
	return p->d.ld;
}
struct state *processor__state(const struct processor *p)
{
	return p->d.st;
}
const char *processor__source(const struct processor *p)
{
	return p->d.source;
}

int64_t processor__mono_to_ms(const struct processor *p, uint64_t ns)
{
	return (int64_t)(ns / 1000000) + p->mono_offset_ms;
}

/* One slot per tgid's home: a cache, the newest process wins. */
static const struct table_type comm_type = {
	.entry_size = sizeof(struct comm_slot),
	.key_offset = offsetof(struct comm_slot, tgid),
	.key_size = sizeof(uint32_t),
	.probe = 1,
	.hash = table_hash_id32,
	.evict = true,
};

struct proc_io *processor__proc_io(struct processor *p, uint32_t tgid, bool create)
{
	struct comm_slot *s;

	s = create ? table__insert(p->comms, &tgid, NULL) : table__find(p->comms, &tgid);
	return s ? &s->io : NULL;
}

void processor__set_comm(struct processor *p, uint32_t tgid, const char *comm)
{
	struct comm_slot *s = table__insert(p->comms, &tgid, NULL);

	s->miss = 0;
	/* the kernel's bytes become text here, once per process */
	utf8_sanitize(comm, sizeof(s->comm) - 1, s->comm, sizeof(s->comm));
}

const char *processor__comm(struct processor *p, uint32_t tgid)
{
	struct comm_slot *s = table__insert(p->comms, &tgid, NULL);
	char path[64], raw[HL_COMM_LEN + 2] = "";
	FILE *f;

	if (s->comm[0])
		return s->comm;
	if (s->miss)
		return "";
	/* first sight of a process started before us: ask /proc once */
	snprintf(path, sizeof(path), "/proc/%u/comm", tgid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(raw, sizeof(raw), f))
			raw[strcspn(raw, "\n")] = '\0';
		fclose(f);
	}
	utf8_sanitize(raw, sizeof(raw), s->comm, sizeof(s->comm));
	s->miss = s->comm[0] ? 0 : 1;
	return s->comm;
}

void processor__k8s_annotate(struct processor *p, uint32_t pid, uint64_t cgroup_id, json_t *obj)
{
	struct k8s_meta m;

	if (k8s__lookup(p->k8s, (int)pid, cgroup_id, &m))
		return;
	k8s_meta_to_json(&m, obj);
	if (m.cgroup[0]) { /* a delegated subtree's names are anyone's bytes */
		char cg[UTF8_SAFE_SIZE(sizeof(m.cgroup))];

		utf8_sanitize(m.cgroup, strnlen(m.cgroup, sizeof(m.cgroup)), cg, sizeof(cg));
		json_object_set_new(obj, "cgroup", json_string(cg));
	}
}

/* Topics of signals that are off (or not ticked yet) exist from the start,
 * empty: an honest "nothing seen" rather than an error. Modules replace them. */
static void publish_placeholders(struct processor *p)
{
	for (const struct signal *const *s = signals; *s; s++)
		for (const struct signal_topic *t = (*s)->topics; t && t->name; t++)
			state__publish(p->d.st, t->name,
				       t->placeholder ? json_loads(t->placeholder, 0, NULL) :
							t->placeholder_of(p->d.cfg));
	state__publish(p->d.st, "alerts",
		       json_pack("{s:[],s:[],s:[]}", "active", "recent", "rules"));
	state__publish(p->d.st, "host", json_pack("{s:s}", "source", p->d.source));
}

struct processor *processor__new(const struct processor_deps *deps)
{
	struct processor *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->d = *deps;
	/* the hostname (or --source) names every record: text from here on */
	utf8_sanitize(deps->source ? deps->source : "", 256, p->source, sizeof(p->source));
	p->d.source = p->source;
	pthread_mutex_init(&p->stop_lock, NULL);
	pthread_mutex_init(&p->reload_lock, NULL);
	pthread_cond_init(&p->stop_cond, NULL);
	p->mono_offset_ms = record_now_ms() - clock_mono_ms();
	p->comms = table__new(&comm_type, COMM_SLOTS);
	p->reader = eventlog_reader__new(deps->log, true);
	if (!p->comms || !p->reader)
		goto err;
	memset(p->dispatch, -1, sizeof(p->dispatch));
	publish_placeholders(p); /* before the modules, which replace them */
	while (signals[p->nmods])
		p->nmods++;
	p->mods = calloc((size_t)p->nmods, sizeof(*p->mods));
	if (!p->mods)
		goto err;
	for (int i = 0; i < p->nmods; i++) {
		struct pmod *m = &p->mods[i];

		m->ops = signals[i]->pmod;
		m->p = p;
		m->priv = calloc(1, m->ops->priv_size ? m->ops->priv_size : 1);
		if (!m->priv)
			goto err;
		if (m->ops->init && m->ops->init(m)) {
			pr_debug("processor: module %s is off", m->ops->name);
			continue;
		}
		m->on = true;
		for (int k = 0; k < 8 && m->ops->types[k]; k++)
			if (m->ops->types[k] < HL_EV_MAX)
				p->dispatch[m->ops->types[k]] = (int8_t)i;
	}
	p->alerts = alerts__new(deps->cfg, deps->source);
	p->metrics = metrics__new();
	p->rollups = rollups__new(deps->source, ROLLUP_WINDOW_MS);
	p->k8s = k8s__new("/", 4096);
	if (!p->alerts || !p->metrics || !p->rollups || !p->k8s)
		goto err;
	p->notify = notify__new(deps->cfg);
	if (!p->notify)
		goto err;
	if (!strcmp(deps->cfg->summary, "on"))
		p->print_summary = true;
	else if (!strcmp(deps->cfg->summary, "auto"))
		p->print_summary = isatty(STDOUT_FILENO);
	p->start_ns = p->last_tick_ns = p->last_flush_ns = clock_mono_ns();
	return p;
err:
	processor__free(p);
	errno = ENOMEM;
	return NULL;
}

static void on_log_entry(void *ctx, int shard, uint64_t seq, const void *data, uint32_t len)
{
	struct processor *p = ctx;
	const struct event_hdr *h = data;
	int8_t mi;

	(void)shard;
	(void)seq;
	if (len < sizeof(*h) || h->type >= HL_EV_MAX) {
		p->unknown_events++;
		return;
	}
	mi = p->dispatch[h->type];
	if (mi < 0) {
		p->unknown_events++;
		return;
	}
	p->mods[mi].ops->on_event(&p->mods[mi], h, data, len);
}

/* Every new log entry to the module that owns its type. */
static void fold_log(struct processor *p)
{
	uint64_t now = clock_mono_ns(), next = 0;

	for (int i = 0; i < p->nmods; i++) {
		uint64_t t;

		if (!p->mods[i].on || !p->mods[i].ops->fold)
			continue;
		t = p->mods[i].ops->fold(&p->mods[i], now);
		if (t && (!next || t < next))
			next = t;
	}
	/* read by the processor thread only (the wait loop) */
	p->mods_next_ns = next;
	while (eventlog_reader__poll(p->reader, on_log_entry, p, 65536) > 0)
		;
}

/* Alert rules over this second's metrics; transitions ship at once. */
static json_t *eval_alerts(struct processor *p, struct tick_ctx *t)
{
	json_t *tr = json_array();
	size_t i;
	json_t *rec;

	if (alerts__eval(p->alerts, t->metrics, t->now_ms, tr) > 0 && p->d.submit) {
		struct record_batch *b = record_batch__new(json_array_size(tr));

		if (b) {
			json_array_foreach(tr, i, rec)
				record_batch__add(b, json_incref(rec));
			p->records_total += b->n;
			p->d.submit(p->d.sink_ctx, b);
			record_batch__put(b);
		}
	}
	json_array_foreach(tr, i, rec) {
		pr_info("alert: %s %s: %s", json_string_value(json_object_get(rec, "rule")),
			json_string_value(json_object_get(rec, "state")),
			json_string_value(json_object_get(rec, "message")));
		notify__submit(p->notify, rec);
	}
	state__publish(t->st, "alerts", alerts__state_json(p->alerts));
	return tr;
}

static void flush(struct processor *p, uint64_t now, int64_t now_ms, bool final)
{
	struct flush_ctx f = {
		.source = p->d.source,
		.ts_ms = now_ms,
		.interval_s = (double)(now - p->last_flush_ns) / 1e9,
		.rollups = p->rollups,
	};

	f.batch = record_batch__new(64);
	if (!f.batch)
		return;
	/* rates need two collections: the first tick only sets baselines */
	if (p->last_vm && p->ticks >= 2) {
		json_t *vm = record_new("vm-metrics", p->d.source, now_ms);

		json_object_update(vm, p->last_vm);
		json_object_set_new(vm, "window_s", json_real(f.interval_s));
		record_batch__add(f.batch, vm);
	}
	for (int i = 0; i < p->nmods; i++)
		if (p->mods[i].on && p->mods[i].ops->flush)
			p->mods[i].ops->flush(&p->mods[i], &f);
	/* 5-minute rollups of what this flush produced (finished windows appended) */
	rollups__fold_batch(p->rollups, f.batch, now_ms, final);
	if (p->d.submit && f.batch->n) {
		p->records_total += f.batch->n;
		p->d.submit(p->d.sink_ctx, f.batch);
	}
	record_batch__put(f.batch);
	p->last_flush_ns = now;
	p->ticks_since_flush = 0;
}

int processor__reload(struct processor *p, const struct config *cfg)
{
	struct config *c = malloc(sizeof(*c)), *old;

	if (!c)
		return -ENOMEM;
	*c = *cfg;
	pthread_mutex_lock(&p->reload_lock);
	old = p->pending;
	p->pending = c;
	pthread_mutex_unlock(&p->reload_lock);
	free(old);
	return 0;
}

/*
 * On the processor thread, between flushes: sinks are rebuilt (the old engine
 * delivers or spools what it holds, the new one replays the spool), alert
 * rules replaced keeping the state of unchanged rules, and the settings the
 * modules read each tick copied into the live config.
 */
static void apply_reload(struct processor *p)
{
	struct config *next, *live = (struct config *)p->d.cfg;
	char err[512];
	bool ok = true;

	pthread_mutex_lock(&p->reload_lock);
	next = p->pending;
	p->pending = NULL;
	pthread_mutex_unlock(&p->reload_lock);
	if (!next)
		return;
	if (alerts__set_rules(p->alerts, next)) {
		pr_err("reload: alert rules not changed: out of memory");
		ok = false;
	} else {
		memcpy(live->alerts, next->alerts, sizeof(live->alerts));
		live->n_alerts = next->n_alerts;
		live->alerts_set = next->alerts_set;
	}
	if (p->d.reconfigure_sinks &&
	    p->d.reconfigure_sinks(p->d.sink_ctx, next, err, sizeof(err))) {
		pr_err("reload: sinks not changed: %s", err);
		ok = false;
	}
	live->http_keep_query = next->http_keep_query;
	live->http_max_routes = next->http_max_routes;
	live->flush_interval_s = next->flush_interval_s;
	if (ok)
		p->reloads++;
	else
		p->reload_failures++;
	free(next);
}

void processor__tick(struct processor *p, bool force_flush)
{
	uint64_t now = clock_mono_ns();
	struct tick_ctx t = {
		.now_ns = now,
		.now_ms = record_now_ms(),
		.elapsed_s = (double)(now - p->last_tick_ns) / 1e9,
		.st = p->d.st,
	};
	char *prom_buf = NULL;
	size_t prom_len = 0;
	struct prom prom;
	json_t *alerts_tr;

	apply_reload(p);
	/* every new log entry, then every module's view of its maps */
	fold_log(p);
	t.summary = json_pack("{s:I,s:s}", "ts", (json_int_t)t.now_ms, "hostname", p->d.source);
	t.update = json_pack("{s:I}", "ts", (json_int_t)t.now_ms);
	metrics__reset(p->metrics);
	t.metrics = p->metrics;
	prom_init(&prom, open_memstream(&prom_buf, &prom_len));
	t.prom = &prom;
	if (p->d.collect) {
		json_t *vm = json_object();

		p->d.collect(p->d.collect_ctx, vm, now);
		json_decref(p->last_vm);
		p->last_vm = vm;
		processor_vm_metrics(t.metrics, vm);
	}
	for (int i = 0; i < p->nmods; i++)
		if (p->mods[i].on && p->mods[i].ops->tick)
			p->mods[i].ops->tick(&p->mods[i], &t);
	processor_vm_publish(p, &t);
	processor_stats_publish(p, &t); /* before the rules: it puts the agent's health */
	alerts_tr = eval_alerts(p, &t);
	if (prom.f) {
		fclose(prom.f);
		state__publish_text(p->d.st, "metrics", prom_buf, prom_len);
		free(prom_buf);
	}
	if (p->print_summary)
		processor_print_summary(p, &t);
	json_object_set(t.update, "summary", t.summary);
	json_object_set_new(t.update, "alerts", alerts_tr);
	if (!json_object_get(t.update, "requests"))
		json_object_set_new(t.update, "requests", json_array());
	state__push_update(p->d.st, t.update);
	state__publish(p->d.st, "summary", t.summary);
	p->last_tick_ns = now;
	p->ticks++;
	/* counted in ticks, not measured: a tick that runs a few ms late (the
	 * thread is SCHED_BATCH) must not push the next flush a tick further */
	if (force_flush || ++p->ticks_since_flush >= (unsigned int)p->d.cfg->flush_interval_s)
		flush(p, now, t.now_ms, force_flush);
}

/* When the thread must wake next (stop_lock held): the next tick, a
 * module's fold deadline, FOLD_MS after the last fold when the drain
 * kicked. */
static uint64_t wake_at(const struct processor *p)
{
	uint64_t at = p->next_tick_ns;

	if (p->mods_next_ns && p->mods_next_ns < at)
		at = p->mods_next_ns;
	if (p->kicked && p->last_fold_ns + FOLD_MS * 1000000ull < at)
		at = p->last_fold_ns + FOLD_MS * 1000000ull;
	return at;
}

/* How long a raise holds (stop_lock held): raises that follow each other
 * hold longer, so a host that stays busy does not make the processor fall
 * behind every HOLD_MIN_S. */
static unsigned int next_hold(const struct processor *p, uint64_t now)
{
	if (!p->lowered_ns || now >= p->lowered_ns + 2ull * p->hold_s * 1000000000ull)
		return HOLD_MIN_S;
	return p->hold_s * 2 > HOLD_MAX_S ? HOLD_MAX_S : p->hold_s * 2;
}

void processor__drained(void *arg, int events)
{
	struct processor *p = arg;
	uint64_t now = clock_mono_ns();

	pthread_mutex_lock(&p->stop_lock);
	/* late: a kicked fold, or the tick, STARVE_MS past when it was due */
	if (p->yielding &&
	    ((p->kicked && now > p->last_fold_ns + (FOLD_MS + STARVE_MS) * 1000000ull) ||
	     now > p->next_tick_ns + STARVE_MS * 1000000ull) &&
	    thread__yield(p->tid, false) == 0) {
		p->hold_s = next_hold(p, now);
		p->yielding = false;
		p->raised_ns = now;
		p->raises++;
	}
	if (events <= 0) {
		pthread_mutex_unlock(&p->stop_lock);
		return;
	}
	p->kicked = true;
	/* a sleeping thread is woken when FOLD_MS have passed since its last
	 * fold; a kick sooner than that only marks the log (the next kick, or
	 * the thread's own deadline, folds it): one wake-up per kick at most */
	if (p->waiting && now >= p->last_fold_ns + FOLD_MS * 1000000ull)
		pthread_cond_signal(&p->stop_cond);
	pthread_mutex_unlock(&p->stop_lock);
}

static void *processor_main(void *arg)
{
	struct processor *p = arg;
	struct timespec ts;

	/* TLS uprobes on new processes, other processes' /proc files (caps.h) */
	thread__setup_privileged("hl-processor", true);
	pthread_mutex_lock(&p->stop_lock);
	p->tid = gettid();
	p->yielding = thread__yield(0, true) == 0;
	p->next_tick_ns = clock_mono_ns() + 1000000000ull;
	while (!p->stop) {
		/* folds come when the drain brought events (short bursts of work
		 * rather than long ones that delay the application, so the log
		 * only has to hold a fraction of a second), ticks every second;
		 * an idle agent wakes for ticks and what modules ask for */
		uint64_t now = clock_mono_ns(), at = wake_at(p);
		bool tick;

		if (now < at) {
			ts.tv_sec = (time_t)(at / 1000000000ull);
			ts.tv_nsec = (long)(at % 1000000000ull);
			p->waiting = true;
			pthread_cond_timedwait(&p->stop_cond, &p->stop_lock, &ts);
			p->waiting = false;
			continue; /* stopped, kicked or timed out: look again */
		}
		p->kicked = false;
		p->last_fold_ns = now;
		p->folds++;
		tick = now >= p->next_tick_ns;
		if (tick) {
			/* a 1 s grid; after a stall, on from now (under the lock:
			 * the drain reads it, processor__drained) */
			p->next_tick_ns += 1000000000ull;
			if (p->next_tick_ns <= now)
				p->next_tick_ns = now + 1000000000ull;
		}
		pthread_mutex_unlock(&p->stop_lock);
		if (tick) {
			processor__tick(p, false);
		} else {
			fold_log(p);
		}
		pthread_mutex_lock(&p->stop_lock);
		if (!p->yielding && p->raised_ns) { /* raised: yield again once the hold is over */
			now = clock_mono_ns();
			if (now >= p->raised_ns + (uint64_t)p->hold_s * 1000000000ull &&
			    thread__yield(0, true) == 0) {
				p->yielding = true;
				p->lowered_ns = now;
			}
		}
	}
	pthread_mutex_unlock(&p->stop_lock);
	return NULL;
}

int processor__start(struct processor *p)
{
	pthread_condattr_t ca;
	int err;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&p->stop_cond);
	pthread_cond_init(&p->stop_cond, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&p->thread, NULL, processor_main, p);
	if (err)
		return -err;
	p->running = true;
	return 0;
}

void processor__stop(struct processor *p)
{
	if (!p || !p->running)
		return;
	pthread_mutex_lock(&p->stop_lock);
	p->stop = 1;
	if (p->yielding)
		thread__yield(p->tid, false); /* to stop at once on a busy host */
	pthread_cond_signal(&p->stop_cond);
	pthread_mutex_unlock(&p->stop_lock);
	pthread_join(p->thread, NULL);
	p->running = false;
	processor__tick(p, true); /* what the drain left, and a final flush */
	pr_info("processor: %llu records handed to the sinks, %llu folds",
		(unsigned long long)p->records_total, (unsigned long long)p->folds);
}

void processor__free(struct processor *p)
{
	if (!p)
		return;
	if (p->mods)
		for (int i = 0; i < p->nmods; i++) {
			if (p->mods[i].on && p->mods[i].ops->destroy)
				p->mods[i].ops->destroy(&p->mods[i]);
			free(p->mods[i].priv);
		}
	free(p->mods);
	json_decref(p->last_vm);
	alerts__free(p->alerts);
	metrics__free(p->metrics);
	k8s__free(p->k8s);
	rollups__free(p->rollups);
	notify__free(p->notify);
	eventlog_reader__free(p->reader);
	table__free(p->comms);
	free(p->pending);
	pthread_mutex_destroy(&p->reload_lock);
	pthread_mutex_destroy(&p->stop_lock);
	pthread_cond_destroy(&p->stop_cond);
	free(p);
}
