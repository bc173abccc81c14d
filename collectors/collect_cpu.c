// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * CPU collector: usage % for the whole host and per core from /proc/stat
 * deltas, frequency per core from sysfs cpufreq (scaling_cur_freq, kHz),
 * else /proc/cpuinfo "cpu MHz", else the string "unknown".
 *
 * Fields: cpu_usage_pct, cpu_user_pct, cpu_system_pct, cpu_iowait_pct,
 * cpu_steal_pct, cpu_idle_pct, cpu_freq_mhz, context_switches_per_s,
 * interrupts_per_s, procs_running, procs_blocked,
 * cpu_cores: [{cpu, usage_pct, user_pct, system_pct, iowait_pct, freq_mhz}].
 * Percentages need two reads; the first call only sets the baseline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/coll_priv.h"
#include "collectors/procfile.h"

#define CPU_MAX_CORES 8192

struct cpu_times {
	uint64_t busy, total, user, system, iowait, steal;
};

struct cpu_core {
	struct cpu_times prev, cur;
	bool have_prev;	 /* prev holds an earlier read */
	bool present;	 /* seen in the current read */
	double freq_mhz; /* < 0: unknown */
};

struct cpu_priv {
	struct procbuf pb;
	struct procbuf info; /* /proc/cpuinfo, only when cpufreq is absent */
	struct cpu_times prev_all, cur_all;
	bool have_prev;
	struct cpu_core *cores;
	int cap;      /* entries in cores */
	int max_seen; /* highest core index + 1 in the current read */
	uint64_t prev_ctxt, cur_ctxt, prev_intr, cur_intr;
	uint64_t procs_running, procs_blocked;
	uint64_t prev_ns;
	bool no_cpufreq, no_cpuinfo;
};

static int cpu_init(struct collector *c, const struct collector_env *env)
{
	struct cpu_priv *p = c->priv;
	int err = procbuf__init(&p->pb, 16384);

	if (err)
		return err;
	return procbuf__init(&p->info, 16384);
}

static void cpu_destroy(struct collector *c)
{
	struct cpu_priv *p = c->priv;

	procbuf__free(&p->pb);
	procbuf__free(&p->info);
	free(p->cores);
}

static void cpu_parse_times(const char *s, struct cpu_times *t)
{
	unsigned long long v[10] = { 0 };

	sscanf(s, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
	       &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	/* user nice system idle iowait irq softirq steal (guest is inside user) */
	t->total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	t->busy = t->total - v[3] - v[4];
	t->user = v[0] + v[1];
	t->system = v[2] + v[5] + v[6];
	t->iowait = v[4];
	t->steal = v[7];
}

static int cpu_core_slot(struct cpu_priv *p, int idx)
{
	if (idx < 0 || idx >= CPU_MAX_CORES)
		return -ERANGE;
	if (idx >= p->cap) {
		int ncap = p->cap ? p->cap : 8;

		while (ncap <= idx)
			ncap *= 2;
		struct cpu_core *n = realloc(p->cores, (size_t)ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		memset(n + p->cap, 0, (size_t)(ncap - p->cap) * sizeof(*n));
		p->cores = n;
		p->cap = ncap;
	}
	return 0;
}

static int cpu_read_stat(struct cpu_priv *p, const char *proc_root)
{
	char *cur, *line;
	int err = procbuf__read(&p->pb, proc_root, "stat");

	if (err)
		return err;
	for (int i = 0; i < p->cap; i++)
		p->cores[i].present = false;
	p->max_seen = 0;
	cur = p->pb.buf;
	while ((line = procfile_next_line(&cur))) {
		if (!strncmp(line, "cpu ", 4)) {
			cpu_parse_times(line + 4, &p->cur_all);
		} else if (!strncmp(line, "cpu", 3)) {
			char *end;
			long idx = strtol(line + 3, &end, 10);

			if (end == line + 3 || *end != ' ')
				continue;
			err = cpu_core_slot(p, (int)idx);
			if (err)
				return err;
			cpu_parse_times(end + 1, &p->cores[idx].cur);
			p->cores[idx].present = true;
			if (idx + 1 > p->max_seen)
				p->max_seen = (int)idx + 1;
		} else if (!strncmp(line, "ctxt ", 5)) {
			p->cur_ctxt = strtoull(line + 5, NULL, 10);
		} else if (!strncmp(line, "intr ", 5)) {
			p->cur_intr = strtoull(line + 5, NULL, 10);
		} else if (!strncmp(line, "procs_running ", 14)) {
			p->procs_running = strtoull(line + 14, NULL, 10);
		} else if (!strncmp(line, "procs_blocked ", 14)) {
			p->procs_blocked = strtoull(line + 14, NULL, 10);
		}
	}
	return 0;
}

/* Frequencies from sysfs cpufreq; false when no core has it. */
static bool cpu_read_cpufreq(struct cpu_priv *p, const char *sys_root)
{
	bool any = false;

	for (int i = 0; i < p->max_seen; i++) {
		char rel[96], val[32];

		if (!p->cores[i].present)
			continue;
		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cpufreq/scaling_cur_freq", i);
		if (procfile_read_small(sys_root, rel, val, sizeof(val)) > 0) {
			p->cores[i].freq_mhz = strtod(val, NULL) / 1000.0;
			any = true;
		}
	}
	return any;
}

/* Frequencies from /proc/cpuinfo "cpu MHz" per processor. */
static bool cpu_read_cpuinfo(struct cpu_priv *p, const char *proc_root)
{
	char *cur, *line;
	int idx = -1;
	bool any = false;

	if (procbuf__read(&p->info, proc_root, "cpuinfo"))
		return false;
	cur = p->info.buf;
	while ((line = procfile_next_line(&cur))) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		if (!strncmp(line, "processor", 9)) {
			idx = atoi(colon + 1);
		} else if (!strncmp(line, "cpu MHz", 7) && idx >= 0 && idx < p->max_seen &&
			   p->cores[idx].present) {
			p->cores[idx].freq_mhz = strtod(colon + 1, NULL);
			any = true;
		}
	}
	return any;
}

static double pct(uint64_t part, uint64_t whole)
{
	double v;

	if (!whole)
		return 0;
	v = 100.0 * (double)part / (double)whole;
	return v > 100.0 ? 100.0 : v;
}

static void cpu_put_pcts(json_t *o, const char *prefix, const struct cpu_times *a,
			 const struct cpu_times *b)
{
	uint64_t dt = counter_delta(a->total, b->total);
	char key[48];

	snprintf(key, sizeof(key), "%susage_pct", prefix);
	coll_set_real(o, key, pct(counter_delta(a->busy, b->busy), dt));
	snprintf(key, sizeof(key), "%suser_pct", prefix);
	coll_set_real(o, key, pct(counter_delta(a->user, b->user), dt));
	snprintf(key, sizeof(key), "%ssystem_pct", prefix);
	coll_set_real(o, key, pct(counter_delta(a->system, b->system), dt));
	snprintf(key, sizeof(key), "%siowait_pct", prefix);
	coll_set_real(o, key, pct(counter_delta(a->iowait, b->iowait), dt));
	snprintf(key, sizeof(key), "%ssteal_pct", prefix);
	coll_set_real(o, key, pct(counter_delta(a->steal, b->steal), dt));
}

static int cpu_collect(struct collector *c, json_t *out, uint64_t now_ns)
{
	struct cpu_priv *p = c->priv;
	json_t *cores;
	double fsum = 0;
	int fn = 0;
	bool freq = false;
	int err = cpu_read_stat(p, c->env->proc_root);

	if (err)
		return err;

	for (int i = 0; i < p->max_seen; i++)
		p->cores[i].freq_mhz = -1;
	if (!p->no_cpufreq) {
		freq = cpu_read_cpufreq(p, c->env->sys_root);
		if (!freq) {
			p->no_cpufreq = true;
			collector_log(c, "no cpufreq in %s, using %s/cpuinfo", c->env->sys_root,
				      c->env->proc_root);
		}
	}
	if (!freq && !p->no_cpuinfo) {
		freq = cpu_read_cpuinfo(p, c->env->proc_root);
		if (!freq) {
			p->no_cpuinfo = true;
			collector_log(c, "no CPU frequency source: cpu_freq_mhz is \"unknown\"");
		}
	}

	if (p->have_prev) {
		uint64_t dt = counter_delta(p->prev_all.total, p->cur_all.total);

		cpu_put_pcts(out, "cpu_", &p->prev_all, &p->cur_all);
		coll_set_real(
			out, "cpu_idle_pct",
			dt ? 100.0 - pct(counter_delta(p->prev_all.busy, p->cur_all.busy), dt) : 0);
		coll_set_real(out, "context_switches_per_s",
			      rate_per_s(counter_delta(p->prev_ctxt, p->cur_ctxt),
					 now_ns - p->prev_ns));
		coll_set_real(out, "interrupts_per_s",
			      rate_per_s(counter_delta(p->prev_intr, p->cur_intr),
					 now_ns - p->prev_ns));
	}
	coll_set_uint(out, "procs_running", p->procs_running);
	coll_set_uint(out, "procs_blocked", p->procs_blocked);

	cores = json_array();
	if (!cores)
		return -ENOMEM;
	for (int i = 0; i < p->max_seen; i++) {
		struct cpu_core *k = &p->cores[i];
		json_t *o;

		if (!k->present) {
			k->have_prev = false; /* offline: no delta across the gap */
			continue;
		}
		o = json_pack("{s:i}", "cpu", i);
		if (!o)
			continue;
		if (k->have_prev && p->have_prev)
			cpu_put_pcts(o, "", &k->prev, &k->cur);
		if (k->freq_mhz >= 0) {
			coll_set_real(o, "freq_mhz", k->freq_mhz);
			fsum += k->freq_mhz;
			fn++;
		} else {
			json_object_set_new(o, "freq_mhz", json_string("unknown"));
		}
		json_array_append_new(cores, o);
		k->prev = k->cur;
		k->have_prev = true;
	}
	for (int i = p->max_seen; i < p->cap; i++)
		p->cores[i].have_prev = false;
	if (fn)
		coll_set_real(out, "cpu_freq_mhz", fsum / fn);
	else
		json_object_set_new(out, "cpu_freq_mhz", json_string("unknown"));
	json_object_set_new(out, "cpu_cores", cores);

	p->prev_all = p->cur_all;
	p->prev_ctxt = p->cur_ctxt;
	p->prev_intr = p->cur_intr;
	p->prev_ns = now_ns;
	p->have_prev = true;
	return 0;
}

const struct collector_ops cpu_collector_ops = {
	.name = "cpu",
	.priv_size = sizeof(struct cpu_priv),
	.init = cpu_init,
	.collect = cpu_collect,
	.destroy = cpu_destroy,
};
