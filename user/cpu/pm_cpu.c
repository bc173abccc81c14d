// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Processor module for the CPU signal: per-process on-CPU time and CPU %,
 * per-core busy %, run-queue latency percentiles, process exec/exit.
 * Once a second: per-core and run-queue counters from per-CPU arrays, and
 * per-process sums of the threads' counters, read through the cpu_threads
 * task iterator, plus `exited` (threads gone). The kernel side aggregates:
 * user space never sees a per-switch event. Processor thread only.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "user/runtime/log.h"
#include "user/pipeline/processor.h"
#include "user/lib/quantile.h"
#include "user/lib/table.h"
#include "user/lib/utf8.h"
#include "bpf/cpu/cpu.h"
#include "cpu.skel.h"

#define TOP_PROCS 50
#define MAX_TRACK 8192 /* processes tracked in user space */
#define MAX_EXITS 512
#define RECENT_EXECS 256
#define ITER_RECS 512	   /* thread records per read() of the iterator */
#define EXITED_BATCH 256   /* `exited` entries per batch read */
#define TICK_EXIT_COMMS 64 /* commands with exits counted per tick (alert metrics) */

struct proc_acc {
	uint32_t tgid; /* the key */
	bool seen;
	bool live;		    /* live threads in this read */
	uint8_t dead_reads;	    /* reads in a row with an `exited` entry and no live thread */
	char comm[UTF8_COMM_SIZE];  /* sanitized (utf8.h) */
	uint64_t oncpu_ns, runq_ns; /* cumulative, from BPF */
	uint64_t cur_oncpu_ns, cur_runq_ns, cur_switches; /* this read's sums */
	uint64_t tick_oncpu_ns, tick_runq_ns;		  /* delta in the last tick */
	uint64_t flush_oncpu_ns, flush_runq_ns;		  /* sum since the last flush */
	uint64_t switches, flush_switches;
	uint64_t exited_ns; /* when its exit event came */
	double cpu_pct;
	double cpu_ewma;	   /* ~5 s decaying CPU %: the table's order */
	json_t *k8s;		   /* ppid, cgroup, container/pod fields: proc_meta() */
	struct proc_io io_flushed; /* processor__proc_io at the last flush */
};

struct cpu_priv {
	struct cpu_bpf *skel; /* NULL: no loader (unit tests) or the signal is off */
	int exited_fd, cores_fd, runq_fd;
	int ncpu;
	struct table *procs;	   /* struct proc_acc by tgid, MAX_TRACK slots */
	uint32_t exits[MAX_EXITS]; /* tgids to delete from `exited` after a final read */
	int nexits;
	struct cpu_thread_rec *recs;  /* iterator read buffer */
	struct proc_cpu *exited_vals; /* `exited` batch read buffer, EXITED_BATCH */
	uint32_t *exited_keys;	      /* `exited` keys met in this read */
	int nexited_keys, max_exited_keys;
	uint64_t *core_busy, *core_idle;   /* previous cumulative values */
	uint64_t *flush_busy, *flush_idle; /* sums since the last flush */
	double *core_pct;
	__u64 runq_prev[HL_RUNQ_SLOTS];
	__u64 runq_total[HL_RUNQ_SLOTS]; /* since start */
	__u64 runq_flush[HL_RUNQ_SLOTS]; /* since the last flush */
	uint64_t execs_total, exits_total, execs_flush, exits_flush;
	/* exits since the last tick, per command (the first TICK_EXIT_COMMS) and in all */
	struct {
		char comm[UTF8_COMM_SIZE]; /* sanitized (utf8.h) */
		uint32_t n, failed;
	} tick_exits[TICK_EXIT_COMMS];
	int ntick_exits;
	uint64_t tick_exits_n, tick_exits_failed;
	json_t *recent; /* recent exec/exit events, newest last */
	bool first;
};

static const struct table_type proc_acc_type = {
	.entry_size = sizeof(struct proc_acc),
	.key_offset = offsetof(struct proc_acc, tgid),
	.key_size = sizeof(uint32_t),
	.probe = 64,
	.hash = table_hash_id32,
};

static struct proc_acc *acc_get(struct cpu_priv *c, uint32_t tgid, bool create)
{
	return create ? table__insert(c->procs, &tgid, NULL) : table__find(c->procs, &tgid);
}

static int cpu_init(struct pmod *m)
{
	struct cpu_priv *c = m->priv;
	struct loader *ld = processor__loader(m->p);

	/* no loader (unit tests): exec and exit events only, no map to read */
	if (ld && !loader__signal_on(ld, "cpu"))
		return -ENOENT;
	c->skel = loader__skel(ld, "cpu");
	c->exited_fd = c->skel ? bpf_map__fd(c->skel->maps.exited) : -ENOENT;
	c->cores_fd = c->skel ? bpf_map__fd(c->skel->maps.cores) : -ENOENT;
	c->runq_fd = c->skel ? bpf_map__fd(c->skel->maps.runq_hist) : -ENOENT;
	c->ncpu = libbpf_num_possible_cpus();
	c->procs = table__new(&proc_acc_type, MAX_TRACK);
	c->recs = calloc(ITER_RECS, sizeof(*c->recs));
	c->exited_vals = calloc(EXITED_BATCH, sizeof(*c->exited_vals));
	c->max_exited_keys = processor__cfg(m->p) ? processor__cfg(m->p)->max_procs : 16384;
	c->exited_keys = calloc((size_t)c->max_exited_keys, sizeof(*c->exited_keys));
	c->core_busy = calloc((size_t)c->ncpu, sizeof(uint64_t));
	c->core_idle = calloc((size_t)c->ncpu, sizeof(uint64_t));
	c->core_pct = calloc((size_t)c->ncpu, sizeof(double));
	c->flush_busy = calloc((size_t)c->ncpu, sizeof(uint64_t));
	c->flush_idle = calloc((size_t)c->ncpu, sizeof(uint64_t));
	c->recent = json_array();
	c->first = true;
	if (!c->procs || !c->recs || !c->exited_vals || !c->exited_keys || !c->core_busy ||
	    !c->core_idle || !c->core_pct || !c->flush_busy || !c->flush_idle)
		return -ENOMEM;
	return 0;
}

static void cpu_destroy(struct pmod *m)
{
	struct cpu_priv *c = m->priv;

	for (struct proc_acc *a = NULL; c->procs && (a = table__next(c->procs, a));)
		json_decref(a->k8s);
	table__free(c->procs);
	free(c->recs);
	free(c->exited_vals);
	free(c->exited_keys);
	free(c->core_busy);
	free(c->core_idle);
	free(c->core_pct);
	free(c->flush_busy);
	free(c->flush_idle);
	json_decref(c->recent);
}

static void recent_push(struct cpu_priv *c, json_t *e)
{
	json_array_append_new(c->recent, e);
	if (json_array_size(c->recent) > RECENT_EXECS)
		json_array_remove(c->recent, 0);
}

/* One exit for this tick's counts (failed: a non-zero exit code). */
static void exit_count(struct cpu_priv *c, const char *comm, bool failed)
{
	int i;

	c->tick_exits_n++;
	c->tick_exits_failed += failed;
	for (i = 0; i < c->ntick_exits; i++)
		if (!strcmp(c->tick_exits[i].comm, comm))
			break;
	if (i == c->ntick_exits) {
		if (i == TICK_EXIT_COMMS)
			return; /* in the host-wide counts only */
		snprintf(c->tick_exits[i].comm, sizeof(c->tick_exits[i].comm), "%s", comm);
		c->tick_exits[i].n = c->tick_exits[i].failed = 0;
		c->ntick_exits++;
	}
	c->tick_exits[i].n++;
	c->tick_exits[i].failed += failed;
}

/* This tick's exits and per-command CPU for the alert rules. */
static void cpu_metrics(struct cpu_priv *c, struct metrics *mx, struct proc_acc **order, int n,
			double runq_p99)
{
	struct metric_sample x;
	const char *comm;
	double busiest = 0;
	int pos = -1;

	metrics__add(mx, METRIC_PROCESS_EXITS, SCOPE_NONE, NULL, (double)c->tick_exits_n);
	metrics__add(mx, METRIC_PROCESS_EXITS_FAILED, SCOPE_NONE, NULL,
		     (double)c->tick_exits_failed);
	for (int i = 0; i < c->ntick_exits; i++) {
		metrics__add(mx, METRIC_PROCESS_EXITS, SCOPE_PROCESS, c->tick_exits[i].comm,
			     c->tick_exits[i].n);
		if (c->tick_exits[i].failed)
			metrics__add(mx, METRIC_PROCESS_EXITS_FAILED, SCOPE_PROCESS,
				     c->tick_exits[i].comm, c->tick_exits[i].failed);
	}
	c->ntick_exits = 0;
	c->tick_exits_n = c->tick_exits_failed = 0;
	if (c->first)
		return;
	metrics__set(mx, METRIC_RUNQ_P99_MS, SCOPE_NONE, NULL, runq_p99);
	for (int i = 0; i < n; i++)
		if (order[i]->cpu_pct > 0 && order[i]->comm[0])
			metrics__add(mx, METRIC_PROCESS_CPU_PCT, SCOPE_PROCESS, order[i]->comm,
				     order[i]->cpu_pct);
	while ((comm = metrics__next(mx, METRIC_PROCESS_CPU_PCT, SCOPE_PROCESS, &pos, &x)))
		if (metric_sample_value(&x) > busiest)
			busiest = metric_sample_value(&x);
	metrics__set(mx, METRIC_PROCESS_CPU_PCT, SCOPE_NONE, NULL, busiest);
}

static void cpu_on_event(struct pmod *m, const struct event_hdr *h, const void *data, uint32_t len)
{
	struct cpu_priv *c = m->priv;
	struct processor *p = m->p;

	if (h->type == HL_EV_PROC_EXEC && len >= sizeof(struct ev_proc_exec)) {
		const struct ev_proc_exec *e = data;
		char comm[UTF8_COMM_SIZE], file[UTF8_SAFE_SIZE(sizeof(e->filename))];
		struct proc_acc *a;

		/* the kernel's comm holds 15 bytes; any bytes at all (utf8.h) */
		utf8_sanitize(e->comm, HL_COMM_LEN - 1, comm, sizeof(comm));
		utf8_sanitize(e->filename, sizeof(e->filename), file, sizeof(file));
		processor__set_comm(p, h->tgid, comm);
		a = acc_get(c, h->tgid, false);
		if (a)
			snprintf(a->comm, sizeof(a->comm), "%s", comm);
		c->execs_total++;
		c->execs_flush++;
		recent_push(c, json_pack("{s:s,s:I,s:i,s:i,s:s,s:s}", "event", "exec", "ts",
					 (json_int_t)processor__mono_to_ms(p, h->ts_ns), "pid",
					 (int)h->tgid, "ppid", (int)e->ppid, "comm", comm,
					 "filename", file));
	} else if (h->type == HL_EV_PROC_EXIT && len >= sizeof(struct ev_proc_exit)) {
		const struct ev_proc_exit *e = data;
		char comm[UTF8_COMM_SIZE];

		utf8_sanitize(e->comm, HL_COMM_LEN - 1, comm, sizeof(comm));
		c->exits_total++;
		c->exits_flush++;
		/* failed: a non-zero status, or killed by a signal (a crash) */
		exit_count(c, comm, e->exit_code != 0 || e->exit_signal != 0);
		if (c->nexits < MAX_EXITS)
			c->exits[c->nexits++] = h->tgid;
		recent_push(c, json_pack("{s:s,s:I,s:i,s:s,s:i,s:i,s:b,s:f,s:f}", "event", "exit",
					 "ts", (json_int_t)processor__mono_to_ms(p, h->ts_ns),
					 "pid", (int)h->tgid, "comm", comm, "exit_code",
					 e->exit_code, "signal", e->exit_signal, "core_dumped",
					 e->core_dumped, "lifetime_ms",
					 e->start_ns && h->ts_ns > e->start_ns ?
						 (double)(h->ts_ns - e->start_ns) / 1e6 :
						 0.0,
					 "oncpu_ms", (double)e->oncpu_ns / 1e6));
	}
}

/* Adds one thread's (or a process's exited threads') counters to its
 * process for this read. */
static void acc_add(struct cpu_priv *c, struct processor *p, uint32_t tgid, uint64_t oncpu,
		    uint64_t runq, uint64_t switches, const char *comm, bool live)
{
	struct proc_acc *a = acc_get(c, tgid, true);

	if (!a)
		return;
	if (!a->seen) {
		a->seen = true;
		a->live = false;
		a->cur_oncpu_ns = a->cur_runq_ns = a->cur_switches = 0;
	}
	a->live |= live;
	a->cur_oncpu_ns += oncpu;
	a->cur_runq_ns += runq;
	a->cur_switches += switches;
	if (!a->comm[0]) { /* once per process */
		const char *known = processor__comm(p, tgid);

		if (known[0])
			snprintf(a->comm, sizeof(a->comm), "%s", known);
		else
			utf8_sanitize(comm, HL_COMM_LEN - 1, a->comm, sizeof(a->comm));
	}
}

/* The `exited` map in batches: one syscall per EXITED_BATCH processes. A
 * key-by-key walk (get_next_key, then a lookup) scanned the hash's empty
 * buckets again for every key: ~7 % of an idle processor's CPU. */
static void read_exited(struct cpu_priv *c, struct processor *p)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 keys[EXITED_BATCH], out = 0, *in = NULL;

	if (c->exited_fd < 0 || !c->exited_vals)
		return;
	for (;;) {
		__u32 count = EXITED_BATCH;
		int err = bpf_map_lookup_batch(c->exited_fd, in, &out, keys, c->exited_vals, &count,
					       &opts);

		if (err && errno != ENOENT) { /* ENOENT: the last batch, count says how many */
			pr_debug("cpu: exited map read: %s", strerror(errno));
			return;
		}
		for (__u32 i = 0; i < count && i < EXITED_BATCH; i++) {
			struct proc_cpu *v = &c->exited_vals[i];

			v->comm[HL_COMM_LEN - 1] = '\0';
			acc_add(c, p, keys[i], v->oncpu_ns, v->runq_ns, v->switches, v->comm,
				false);
			if (c->nexited_keys < c->max_exited_keys)
				c->exited_keys[c->nexited_keys++] = keys[i];
		}
		if (err)
			return;
		in = &out;
	}
}

/* Exited threads first, then the live ones: a thread exiting in between is
 * in neither (its time shows a second late), never in both. */
static void read_threads(struct cpu_priv *c, struct processor *p)
{
	ssize_t n;
	int fd;

	read_exited(c, p);
	if (!c->skel)
		return;
	fd = loader__iter_create(processor__loader(p), c->skel->progs.cpu_threads);
	if (fd < 0) {
		pr_debug("cpu: thread iterator: %s", strerror(-fd));
		return;
	}
	/* records never straddle reads: the kernel hands out whole ones */
	for (;;) {
		n = read(fd, c->recs, ITER_RECS * sizeof(*c->recs));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (size_t i = 0; i < (size_t)n / sizeof(*c->recs); i++) {
			struct cpu_thread_rec *r = &c->recs[i];

			r->comm[HL_COMM_LEN - 1] = '\0';
			acc_add(c, p, r->tgid, r->oncpu_ns, r->runq_ns, r->switches, r->comm, true);
		}
	}
	if (n < 0)
		pr_debug("cpu: thread iterator read: %s", strerror(errno));
	close(fd);
}

/* A cumulative counter's growth since the last read. Sums may dip for a
 * second (a thread exiting mid-read): the previous value is kept until the
 * sum passes it again, so nothing is counted twice. */
static uint64_t grow(uint64_t *prev, uint64_t now)
{
	uint64_t d = now > *prev ? now - *prev : 0;

	if (now > *prev)
		*prev = now;
	return d;
}

static void read_procs(struct cpu_priv *c, struct processor *p, double elapsed)
{
	for (struct proc_acc *a = NULL; (a = table__next(c->procs, a));)
		a->seen = false;
	c->nexited_keys = 0;
	read_threads(c, p);
	for (struct proc_acc *a = NULL; (a = table__next(c->procs, a));) {
		if (!a->seen)
			continue;
		/* no first-read special case: BPF only counts since attach */
		a->tick_oncpu_ns = grow(&a->oncpu_ns, a->cur_oncpu_ns);
		a->tick_runq_ns = grow(&a->runq_ns, a->cur_runq_ns);
		a->flush_switches += grow(&a->switches, a->cur_switches);
		a->flush_oncpu_ns += a->tick_oncpu_ns;
		a->flush_runq_ns += a->tick_runq_ns;
		a->cpu_pct = elapsed > 0 ? (double)a->tick_oncpu_ns / (elapsed * 1e9) * 100.0 : 0;
		a->cpu_ewma = 0.8 * a->cpu_ewma + 0.2 * a->cpu_pct;
	}
	/* exited processes: their final values were read above; forget them in BPF */
	for (int i = 0; i < c->nexits; i++) {
		struct proc_acc *a = acc_get(c, c->exits[i], false);

		if (c->exited_fd >= 0)
			bpf_map_delete_elem(c->exited_fd, &c->exits[i]);
		if (a)
			a->exited_ns = 1;
	}
	c->nexits = 0;
	/* A process whose exit event never came (lost with a full ring, or more
	 * exits in a second than MAX_EXITS): its `exited` entry goes once it has
	 * had no live thread for two reads in a row. The second read saw any
	 * thread that folded during the first. */
	for (int i = 0; i < c->nexited_keys; i++) {
		struct proc_acc *a = acc_get(c, c->exited_keys[i], false);

		if (a && a->live) {
			a->dead_reads = 0;
			continue;
		}
		if (!a || ++a->dead_reads >= 2)
			bpf_map_delete_elem(c->exited_fd, &c->exited_keys[i]);
	}
	/* entries gone from BPF and already flushed leave the table */
	for (struct proc_acc *a = NULL; (a = table__next(c->procs, a));) {
		if (!a->seen) {
			a->tick_oncpu_ns = a->tick_runq_ns = 0;
			a->cpu_pct = a->cpu_ewma = 0;
			if (!a->flush_oncpu_ns && !a->flush_runq_ns) {
				json_decref(a->k8s);
				table__delete(c->procs, a);
			}
		}
	}
}

static void read_cores(struct cpu_priv *c, struct tick_ctx *t, json_t *cores, double *total_pct)
{
	struct core_cpu vals[HL_MAX_CPUS];
	__u32 zero = 0;
	double sum = 0;
	int n = 0;

	*total_pct = 0;
	if (c->cores_fd < 0 || bpf_map_lookup_elem(c->cores_fd, &zero, vals))
		return;
	for (int i = 0; i < c->ncpu; i++) {
		uint64_t busy = vals[i].busy_ns, idle = vals[i].idle_ns, db, di;

		/* the slice in progress since the CPU's last switch */
		if (vals[i].last_ts && t->now_ns > vals[i].last_ts) {
			if (vals[i].last_idle)
				idle += t->now_ns - vals[i].last_ts;
			else
				busy += t->now_ns - vals[i].last_ts;
		}
		if (!vals[i].last_ts)
			continue; /* never switched: offline CPU */
		db = busy >= c->core_busy[i] ? busy - c->core_busy[i] : 0;
		di = idle >= c->core_idle[i] ? idle - c->core_idle[i] : 0;
		c->core_busy[i] = busy;
		c->core_idle[i] = idle;
		c->core_pct[i] = db + di ? (double)db * 100.0 / (double)(db + di) : 0;
		c->flush_busy[i] += db;
		c->flush_idle[i] += di;
		if (c->first)
			continue;
		json_array_append_new(cores,
				      json_pack("{s:i,s:f}", "cpu", i, "busy_pct", c->core_pct[i]));
		sum += c->core_pct[i];
		n++;
	}
	*total_pct = n ? sum / n : 0;
}

/* Upper bound (us) of log2 bucket s. */
static double runq_bucket_us(int s)
{
	return (double)(1ull << (s + 1));
}

/* Run-queue slot s holds [2^s, 2^(s+1)) us, slot 0 from 0. */
static void runq_bounds(unsigned int s, double *lo, double *hi)
{
	*lo = s ? (double)(1ull << s) : 0;
	*hi = runq_bucket_us((int)s);
}

/* The q-quantile of a run-queue histogram, in us. */
static double runq_quantile(const __u64 *h, double q)
{
	return quantile_slots(h, HL_RUNQ_SLOTS, q, runq_bounds);
}

static void read_runq(struct cpu_priv *c, __u64 *window)
{
	uint64_t vals[HL_MAX_CPUS];

	for (__u32 s = 0; s < HL_RUNQ_SLOTS; s++) {
		uint64_t sum = 0;

		window[s] = 0;
		if (c->runq_fd < 0 || bpf_map_lookup_elem(c->runq_fd, &s, vals))
			continue;
		for (int i = 0; i < c->ncpu; i++)
			sum += vals[i];
		window[s] = sum >= c->runq_prev[s] ? sum - c->runq_prev[s] : 0;
		if (c->first)
			window[s] = 0;
		c->runq_prev[s] = sum;
		c->runq_total[s] += window[s];
		c->runq_flush[s] += window[s];
	}
}

static int cmp_pct(const void *a, const void *b)
{
	const struct proc_acc *x = *(const struct proc_acc *const *)a,
			      *y = *(const struct proc_acc *const *)b;

	if (x->cpu_ewma != y->cpu_ewma)
		return x->cpu_ewma < y->cpu_ewma ? 1 : -1;
	return x->oncpu_ns < y->oncpu_ns ? 1 : x->oncpu_ns > y->oncpu_ns ? -1 : 0;
}

static int cmp_flush(const void *a, const void *b)
{
	const struct proc_acc *x = *(const struct proc_acc *const *)a,
			      *y = *(const struct proc_acc *const *)b;

	return x->flush_oncpu_ns < y->flush_oncpu_ns ? 1 :
	       x->flush_oncpu_ns > y->flush_oncpu_ns ? -1 :
						       0;
}

static json_t *hist_json(const __u64 *h)
{
	json_t *arr = json_array();

	for (int s = 0; s < HL_RUNQ_SLOTS; s++)
		if (h[s])
			json_array_append_new(arr,
					      json_pack("{s:f,s:I}", "le_us", runq_bucket_us(s),
							"count", (json_int_t)h[s]));
	return arr;
}

/*
 * The fields of a process that do not change while it runs (parent; cgroup
 * and container from processor__k8s_annotate), read from /proc once per
 * process, when it first reaches a table or a record. A process gone before
 * that has none of them.
 */
static json_t *proc_meta(struct processor *p, struct proc_acc *a)
{
	char path[64], buf[512], *s;
	FILE *f;

	if (a->k8s)
		return a->k8s;
	a->k8s = json_object();
	snprintf(path, sizeof(path), "/proc/%u/stat", a->tgid);
	f = fopen(path, "re");
	if (f) { /* "pid (comm) state ppid ...": comm may hold spaces and ')' */
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		int ppid;

		buf[n] = '\0';
		s = strrchr(buf, ')');
		if (s && sscanf(s + 1, " %*c %d", &ppid) == 1)
			json_object_set_new(a->k8s, "ppid", json_integer(ppid));
		fclose(f);
	}
	processor__k8s_annotate(p, a->tgid, 0, a->k8s);
	return a->k8s;
}

/* What a process's disk and socket counters moved since the last flush. */
static void proc_io_window(struct processor *p, struct proc_acc *a, json_t *e)
{
	struct proc_io *io = processor__proc_io(p, a->tgid, false);
	struct proc_io now = io ? *io : (struct proc_io){ 0 }, *was = &a->io_flushed;

#define IO_DELTA(f) (now.f >= was->f ? now.f - was->f : now.f)
	if (e) {
		json_object_set_new(e, "disk_read_bytes",
				    json_integer((json_int_t)IO_DELTA(disk_read_bytes)));
		json_object_set_new(e, "disk_write_bytes",
				    json_integer((json_int_t)IO_DELTA(disk_write_bytes)));
		json_object_set_new(e, "net_tx_bytes",
				    json_integer((json_int_t)IO_DELTA(net_tx_bytes)));
		json_object_set_new(e, "net_rx_bytes",
				    json_integer((json_int_t)IO_DELTA(net_rx_bytes)));
	}
#undef IO_DELTA
	*was = now;
}

/* Prometheus: bounded cardinality (top 20 processes by CPU), per-core busy
 * ratio, the run-queue latency histogram. */
static void cpu_prom(struct cpu_priv *c, struct prom *w, struct proc_acc **order, int n)
{
	char le_text[HL_RUNQ_SLOTS][24];
	const char *le[HL_RUNQ_SLOTS];
	uint64_t cum[HL_RUNQ_SLOTS], acc = 0;
	struct prom_labels l;
	double sum = 0;

	prom_family(w, "hostlens_process_cpu_seconds_total", PROM_COUNTER,
		    "On-CPU time per process (top 20).");
	for (int i = 0; i < n && i < 20; i++) {
		prom_labels_init(&l);
		prom_label_uint(&l, "pid", order[i]->tgid);
		prom_label(&l, "comm", order[i]->comm);
		prom_sample_double(w, "hostlens_process_cpu_seconds_total", &l,
				   (double)order[i]->oncpu_ns / 1e9);
	}
	prom_family(w, "hostlens_cpu_busy_ratio", PROM_GAUGE,
		    "Busy fraction of each core over the last second.");
	for (int i = 0; i < c->ncpu; i++) {
		if (!c->core_busy[i] && !c->core_idle[i])
			continue;
		prom_labels_init(&l);
		prom_label_uint(&l, "cpu", (unsigned int)i);
		prom_sample_double(w, "hostlens_cpu_busy_ratio", &l, c->core_pct[i] / 100);
	}
	for (int s = 0; s < HL_RUNQ_SLOTS; s++) {
		acc += c->runq_total[s];
		cum[s] = acc;
		snprintf(le_text[s], sizeof(le_text[s]), "%g", runq_bucket_us(s) / 1e6);
		le[s] = le_text[s];
		/* log2 buckets: the sum is estimated at bucket midpoints */
		sum += (double)c->runq_total[s] * (runq_bucket_us(s) * 0.75) / 1e6;
	}
	prom_family(w, "hostlens_runqueue_latency_seconds", PROM_HISTOGRAM,
		    "Time runnable tasks waited for a CPU.");
	prom_histogram(w, "hostlens_runqueue_latency_seconds", NULL, le, cum, HL_RUNQ_SLOTS, acc,
		       sum);
}

static void cpu_tick(struct pmod *m, struct tick_ctx *t)
{
	struct cpu_priv *c = m->priv;
	static struct proc_acc *order[MAX_TRACK];
	__u64 window[HL_RUNQ_SLOTS];
	json_t *procs, *cores = json_array(), *cpu;
	double total_pct, p50, p99;
	int n = 0;

	read_procs(c, m->p, t->elapsed_s);
	read_cores(c, t, cores, &total_pct);
	read_runq(c, window);
	for (struct proc_acc *a = NULL; (a = table__next(c->procs, a));)
		if (a->seen)
			order[n++] = a;
	qsort(order, (size_t)n, sizeof(order[0]), cmp_pct);
	procs = json_array();
	for (int i = 0; i < n && i < TOP_PROCS; i++) {
		struct proc_acc *a = order[i];

		struct proc_io *io = processor__proc_io(m->p, a->tgid, false);
		json_t *e = json_pack("{s:i,s:s,s:f,s:f,s:f,s:f}", "pid", (int)a->tgid, "comm",
				      a->comm, "cpu_pct", a->cpu_pct, "oncpu_ms",
				      (double)a->oncpu_ns / 1e6, "runq_ms",
				      (double)a->tick_runq_ns / 1e6, "oncpu_total_s",
				      (double)a->oncpu_ns / 1e9);

		json_object_update(e, proc_meta(m->p, a));
		if (io) {
			json_object_set_new(e, "disk_read_bytes",
					    json_integer((json_int_t)io->disk_read_bytes));
			json_object_set_new(e, "disk_write_bytes",
					    json_integer((json_int_t)io->disk_write_bytes));
			json_object_set_new(e, "net_tx_bytes",
					    json_integer((json_int_t)io->net_tx_bytes));
			json_object_set_new(e, "net_rx_bytes",
					    json_integer((json_int_t)io->net_rx_bytes));
		}
		json_array_append_new(procs, e);
	}
	p50 = runq_quantile(window, 0.5) / 1000.0;
	p99 = runq_quantile(window, 0.99) / 1000.0;
	cpu = json_pack("{s:o,s:f,s:{s:f,s:f,s:o},s:o,s:I,s:I}", "cores", cores, "busy_pct",
			total_pct, "runq_latency_us", "p50", runq_quantile(c->runq_total, 0.5),
			"p99", runq_quantile(c->runq_total, 0.99), "buckets",
			hist_json(c->runq_total), "recent_processes", json_deep_copy(c->recent),
			"execs_total", (json_int_t)c->execs_total, "exits_total",
			(json_int_t)c->exits_total);
	state__publish(t->st, "processes", procs);
	state__publish(t->st, "cpu", cpu);
	cpu_metrics(c, t->metrics, order, n, p99);
	if (!c->first) {
		json_object_set_new(t->summary, "cpu_busy_pct", json_real(total_pct));
		json_object_set_new(t->summary, "runq_p50_ms", json_real(p50));
		json_object_set_new(t->summary, "runq_p99_ms", json_real(p99));
		state__series_push(t->st, "runq_p99_ms", t->now_ms, p99);
		state__series_push(t->st, "cpu_busy_pct", t->now_ms, total_pct);
	}

	cpu_prom(c, t->prom, order, n);
	c->first = false;
}

static void cpu_flush(struct pmod *m, struct flush_ctx *f)
{
	struct cpu_priv *c = m->priv;
	static struct proc_acc *order[MAX_TRACK];
	json_t *rec, *cores, *procs = json_array();
	uint64_t total_ns = 0;
	int n = 0;

	for (struct proc_acc *a = NULL; (a = table__next(c->procs, a));)
		if (a->flush_oncpu_ns || a->flush_runq_ns)
			order[n++] = a;
	qsort(order, (size_t)n, sizeof(order[0]), cmp_flush);
	for (int i = 0; i < n; i++) {
		struct proc_acc *a = order[i];

		total_ns += a->flush_oncpu_ns;
		if (i < TOP_PROCS) {
			json_t *e = json_pack(
				"{s:i,s:s,s:f,s:f,s:f,s:I,s:b}", "pid", (int)a->tgid, "comm",
				a->comm, "cpu_pct",
				f->interval_s > 0 ?
					(double)a->flush_oncpu_ns / (f->interval_s * 1e9) * 100 :
					0,
				"oncpu_ms", (double)a->flush_oncpu_ns / 1e6, "runq_wait_ms",
				(double)a->flush_runq_ns / 1e6, "context_switches",
				(json_int_t)a->flush_switches, "exited", a->exited_ns != 0);

			json_object_update(e, proc_meta(m->p, a));
			proc_io_window(m->p, a, e);
			json_array_append_new(procs, e);
		} else {
			proc_io_window(m->p, a, NULL);
		}
		a->flush_oncpu_ns = a->flush_runq_ns = a->flush_switches = 0;
		if (a->exited_ns) {
			json_decref(a->k8s);
			table__delete(c->procs, a);
		}
	}
	rec = record_new("process-metrics", f->source, f->ts_ms);
	cores = json_array();
	for (int i = 0; i < c->ncpu; i++) {
		uint64_t b = c->flush_busy[i], d = c->flush_busy[i] + c->flush_idle[i];

		if (d)
			json_array_append_new(cores, json_pack("{s:i,s:f}", "cpu", i, "busy_pct",
							       (double)b * 100.0 / (double)d));
		c->flush_busy[i] = c->flush_idle[i] = 0;
	}
	json_object_set_new(rec, "window_s", json_real(f->interval_s));
	json_object_set_new(rec, "processes_total", json_integer(n));
	json_object_set_new(rec, "oncpu_total_ms", json_real((double)total_ns / 1e6));
	json_object_set_new(rec, "cores", cores);
	json_object_set_new(rec, "runq_latency_p50_ms",
			    json_real(runq_quantile(c->runq_flush, 0.5) / 1000));
	json_object_set_new(rec, "runq_latency_p95_ms",
			    json_real(runq_quantile(c->runq_flush, 0.95) / 1000));
	json_object_set_new(rec, "runq_latency_p99_ms",
			    json_real(runq_quantile(c->runq_flush, 0.99) / 1000));
	json_object_set_new(rec, "execs", json_integer((json_int_t)c->execs_flush));
	json_object_set_new(rec, "exits", json_integer((json_int_t)c->exits_flush));
	json_object_set_new(rec, "processes", procs);
	record_batch__add(f->batch, rec);
	memset(c->runq_flush, 0, sizeof(c->runq_flush));
	c->execs_flush = c->exits_flush = 0;
}

const struct pmod_ops pm_cpu_ops = {
	.name = "cpu",
	.priv_size = sizeof(struct cpu_priv),
	.types = { HL_EV_PROC_EXEC, HL_EV_PROC_EXIT },
	.init = cpu_init,
	.on_event = cpu_on_event,
	.tick = cpu_tick,
	.flush = cpu_flush,
	.destroy = cpu_destroy,
};
