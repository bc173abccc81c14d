// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Processor module for the disk signal. Once a second it reads the BPF
 * aggregates (bpf/disk/disk.bpf.c: per device+op histograms and counters, per
 * process+device ops and bytes), turns cumulative values into deltas, and
 * publishes per-device IOPS, throughput and latency percentiles ("disks"),
 * the top processes by disk I/O ("disk_processes"), summary fields, series
 * and Prometheus lines; each flush adds one disk-metrics record.
 * Processor thread only: no locks.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "bpf/common/lathist.h"
#include "user/disk/blockdev.h"
#include "user/runtime/log.h"
#include "user/lib/counters.h"
#include "user/disk/pm_disk.h"
#include "user/pipeline/processor.h"
#include "user/lib/table.h"
#include "user/lib/utf8.h"
#include "bpf/disk/disk.h"
#include "disk.skel.h"

#define MAX_DEVS 64	/* devices tracked; more are counted as dropped */
#define MAX_DPROCS 4096 /* (process, device) pairs tracked, power of 2 */
#define WIN_S 10	/* sliding window of the published percentiles */
#define TOP_PROCS 20
#define TOP_DEV_PROCS 5
#define PROM_DEVS 16			     /* devices in /metrics (bounded labels) */
#define PROC_IDLE_NS (30ull * 1000000000ull) /* unchanged this long: forget in BPF */
#define PROC_SHOW_NS (60ull * 1000000000ull) /* listed this long after its last I/O */

static const char *const op_names[HL_DISK_OPS] = { "read", "write", "other" };

struct op_acc {
	struct disk_stat prev;		    /* last cumulative value from BPF */
	uint64_t ops, bytes, lat_ns, timed; /* since the agent started */
	__u64 hist[HL_LAT_SLOTS];
	uint64_t tick_ops, tick_bytes;		    /* last tick */
	uint64_t f_ops, f_bytes, f_lat_ns, f_timed; /* since the last flush */
	__u64 f_hist[HL_LAT_SLOTS];
};

struct dev_acc {
	uint32_t dev;
	char name[UTF8_SAFE_SIZE(63)]; /* sanitized (utf8.h) */
	struct op_acc op[HL_DISK_OPS];
	__u64 win[WIN_S][HL_LAT_SLOTS]; /* per-second deltas, all ops */
	__u64 win_sum[HL_LAT_SLOTS];
	double p50_ms, p95_ms, p99_ms; /* over the window */
};

struct dproc_acc {
	uint32_t tgid, dev; /* the key (struct dproc_key) */
	bool in_bpf;
	char comm[UTF8_COMM_SIZE];	     /* sanitized (utf8.h) */
	uint64_t prev_ops[2], prev_bytes[2]; /* last value from BPF */
	uint64_t ops[2], bytes[2];	     /* since the agent started */
	uint64_t tick_bytes[2];
	uint64_t f_ops[2], f_bytes[2];
	uint64_t last_change_ns;
};

struct dproc_key {
	uint32_t tgid, dev;
};

struct disk_priv {
	int stats_fd, procs_fd;
	struct dev_acc *devs;
	int ndevs;
	uint64_t devs_dropped;
	struct table *procs; /* struct dproc_acc by dproc_key, MAX_DPROCS slots */
	int win_pos;
	uint64_t ticks;
	const char *sysfs, *procfs; /* HOSTLENS_SYSFS / HOSTLENS_PROCFS or NULL */
};

/* One process summed over devices, for the top lists. */
struct proc_sum {
	uint32_t tgid;
	const char *comm;
	uint64_t ops[2], bytes[2], tick_bytes[2], f_ops[2], f_bytes[2];
	uint64_t last_change_ns;
};

static struct dev_acc *dev_get(struct disk_priv *d, uint32_t dev)
{
	struct dev_acc *a;
	char raw[64] = "";
	int ret;

	for (int i = 0; i < d->ndevs; i++)
		if (d->devs[i].dev == dev)
			return &d->devs[i];
	if (d->ndevs == MAX_DEVS) {
		d->devs_dropped++;
		return NULL;
	}
	a = &d->devs[d->ndevs++];
	memset(a, 0, sizeof(*a));
	a->dev = dev;
	ret = blockdev_name(d->sysfs, d->procfs, blockdev_major(dev), blockdev_minor(dev), raw,
			    sizeof(raw));
	if (ret == -ENOENT)
		snprintf(raw, sizeof(raw), "%u:%u", blockdev_major(dev), blockdev_minor(dev));
	utf8_sanitize(raw, sizeof(raw), a->name, sizeof(a->name)); /* once per device */
	return a;
}

static uint32_t dproc_hash(const void *key)
{
	const struct dproc_key *k = key;

	return hash_u32(k->tgid) ^ (k->dev * 40503u);
}

static const struct table_type dproc_type = {
	.entry_size = sizeof(struct dproc_acc),
	.key_offset = offsetof(struct dproc_acc, tgid),
	.key_size = sizeof(struct dproc_key),
	.probe = 64,
	.hash = dproc_hash,
};

static struct dproc_acc *dproc_get(struct disk_priv *d, uint32_t tgid, uint32_t dev, bool create)
{
	struct dproc_key k = { .tgid = tgid, .dev = dev };

	return create ? table__insert(d->procs, &k, NULL) : table__find(d->procs, &k);
}

static int disk_init(struct pmod *m)
{
	struct disk_priv *d = m->priv;
	struct loader *ld = processor__loader(m->p);

	/* no loader (unit tests): no map to read */
	d->stats_fd = d->procs_fd = -ENOENT;
	if (ld && !loader__signal_on(ld, "disk"))
		return -ENOENT;
	if (ld) {
		struct disk_bpf *s = loader__skel(ld, "disk");

		d->stats_fd = s ? bpf_map__fd(s->maps.disk_stats) : -ENOENT;
		d->procs_fd = s ? bpf_map__fd(s->maps.disk_procs) : -ENOENT;
		if (d->stats_fd < 0 || d->procs_fd < 0)
			return -ENOENT;
	}
	d->sysfs = getenv("HOSTLENS_SYSFS");
	d->procfs = getenv("HOSTLENS_PROCFS");
	d->devs = calloc(MAX_DEVS, sizeof(*d->devs));
	d->procs = table__new(&dproc_type, MAX_DPROCS);
	if (!d->devs || !d->procs) {
		free(d->devs);
		table__free(d->procs);
		return -ENOMEM;
	}
	return 0;
}

static void disk_destroy(struct pmod *m)
{
	struct disk_priv *d = m->priv;

	free(d->devs);
	table__free(d->procs);
}

static inline uint64_t delta(uint64_t now, uint64_t prev)
{
	return now >= prev ? now - prev : now; /* a re-created entry restarts at 0 */
}

/* Folds one disk_stats entry (cumulative since load) into this tick. */
static void stat_fold(struct disk_priv *d, const struct disk_key *key, const struct disk_stat *v)
{
	struct dev_acc *a;
	struct op_acc *o;

	if (key->op >= HL_DISK_OPS)
		return;
	a = dev_get(d, key->dev);
	if (!a)
		return;
	o = &a->op[key->op];
	o->tick_ops = delta(v->ops, o->prev.ops);
	o->tick_bytes = delta(v->bytes, o->prev.bytes);
	o->ops += o->tick_ops;
	o->bytes += o->tick_bytes;
	o->f_ops += o->tick_ops;
	o->f_bytes += o->tick_bytes;
	o->lat_ns += delta(v->lat_ns, o->prev.lat_ns);
	o->f_lat_ns += delta(v->lat_ns, o->prev.lat_ns);
	o->timed += delta(v->timed, o->prev.timed);
	o->f_timed += delta(v->timed, o->prev.timed);
	for (int s = 0; s < HL_LAT_SLOTS; s++) {
		uint64_t dd = delta(v->slots[s], o->prev.slots[s]);

		o->hist[s] += dd;
		o->f_hist[s] += dd;
		a->win[d->win_pos][s] += dd;
		a->win_sum[s] += dd;
	}
	o->prev = *v;
}

void pm_disk_fold_stat(struct pmod *m, const struct disk_key *key, const struct disk_stat *v)
{
	stat_fold(m->priv, key, v);
}

static void read_stats(struct disk_priv *d)
{
	struct disk_key key, next, *prev = NULL;
	struct disk_stat v;

	while (d->stats_fd >= 0 && bpf_map_get_next_key(d->stats_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (key.op < HL_DISK_OPS && !bpf_map_lookup_elem(d->stats_fd, &key, &v))
			stat_fold(d, &key, &v);
	}
	for (int i = 0; i < d->ndevs; i++) {
		struct dev_acc *a = &d->devs[i];

		a->p50_ms = lathist_quantile(a->win_sum, HL_LAT_SLOTS, 0.50) / 1e6;
		a->p95_ms = lathist_quantile(a->win_sum, HL_LAT_SLOTS, 0.95) / 1e6;
		a->p99_ms = lathist_quantile(a->win_sum, HL_LAT_SLOTS, 0.99) / 1e6;
	}
}

/* Folds one disk_procs entry (cumulative since it was created) into this tick. */
static void proc_fold(struct disk_priv *d, struct processor *p, const struct disk_proc_key *key,
		      const struct disk_proc *v, uint64_t now_ns)
{
	struct dproc_acc *a = dproc_get(d, key->tgid, key->dev, true);
	bool changed = false;

	if (!a)
		return;
	a->in_bpf = true;
	if (!a->comm[0]) {
		const char *known = processor__comm(p, key->tgid);

		if (known[0])
			snprintf(a->comm, sizeof(a->comm), "%s", known);
		else
			utf8_sanitize(v->comm, HL_COMM_LEN - 1, a->comm, sizeof(a->comm));
		a->last_change_ns = now_ns;
	}
	for (int o = 0; o < 2; o++) {
		uint64_t dops = delta(v->ops[o], a->prev_ops[o]);
		uint64_t dbytes = delta(v->bytes[o], a->prev_bytes[o]);

		changed |= dops || dbytes;
		a->ops[o] += dops;
		a->bytes[o] += dbytes;
		a->f_ops[o] += dops;
		a->f_bytes[o] += dbytes;
		a->tick_bytes[o] = dbytes;
		a->prev_ops[o] = v->ops[o];
		a->prev_bytes[o] = v->bytes[o];
	}
	if (changed) {
		struct proc_io *io = processor__proc_io(p, key->tgid, true);

		io->disk_read_bytes += a->tick_bytes[0];
		io->disk_write_bytes += a->tick_bytes[1];
		a->last_change_ns = now_ns;
	}
}

void pm_disk_fold_proc(struct pmod *m, const struct disk_proc_key *key, const struct disk_proc *v,
		       uint64_t now_ns)
{
	proc_fold(m->priv, m->p, key, v, now_ns);
}

static void read_procs(struct disk_priv *d, struct processor *p, uint64_t now_ns)
{
	struct disk_proc_key key, next, *prev = NULL;
	struct disk_proc v;

	while (d->procs_fd >= 0 && bpf_map_get_next_key(d->procs_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(d->procs_fd, &key, &v))
			proc_fold(d, p, &key, &v, now_ns);
	}
	for (struct dproc_acc *a = NULL; (a = table__next(d->procs, a));) {
		/* idle in BPF for a while: free its slot there (a later I/O
		 * re-creates it from zero, which delta() expects) */
		if (a->in_bpf && now_ns - a->last_change_ns > PROC_IDLE_NS) {
			struct disk_proc_key k = { .tgid = a->tgid, .dev = a->dev };

			if (d->procs_fd >= 0)
				bpf_map_delete_elem(d->procs_fd, &k);
			a->in_bpf = false;
			memset(a->prev_ops, 0, sizeof(a->prev_ops));
			memset(a->prev_bytes, 0, sizeof(a->prev_bytes));
		}
		if (!a->in_bpf && now_ns - a->last_change_ns > PROC_SHOW_NS && !a->f_ops[0] &&
		    !a->f_ops[1] && !a->f_bytes[0] && !a->f_bytes[1])
			table__delete(d->procs, a);
	}
}

/*
 * After a tick has published: the next tick's values start from 0, the
 * window moves one second (its oldest second leaves) and every process
 * counts as gone from BPF until the next read (or fold) finds it.
 */
static void tick_end(struct disk_priv *d)
{
	d->win_pos = (d->win_pos + 1) % WIN_S;
	for (int i = 0; i < d->ndevs; i++) {
		struct dev_acc *a = &d->devs[i];

		for (int o = 0; o < HL_DISK_OPS; o++)
			a->op[o].tick_ops = a->op[o].tick_bytes = 0;
		for (int s = 0; s < HL_LAT_SLOTS; s++)
			a->win_sum[s] -= a->win[d->win_pos][s];
		memset(a->win[d->win_pos], 0, sizeof(a->win[0]));
	}
	for (struct dproc_acc *a = NULL; (a = table__next(d->procs, a));) {
		a->in_bpf = false;
		a->tick_bytes[0] = a->tick_bytes[1] = 0;
	}
}

static int cmp_tgid(const void *x, const void *y)
{
	const struct dproc_acc *a = *(const struct dproc_acc *const *)x;
	const struct dproc_acc *b = *(const struct dproc_acc *const *)y;

	return a->tgid < b->tgid ? -1 : a->tgid > b->tgid;
}

static int cmp_sum_total(const void *x, const void *y)
{
	const struct proc_sum *a = x, *b = y;
	uint64_t ta = a->bytes[0] + a->bytes[1], tb = b->bytes[0] + b->bytes[1];

	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

static int cmp_sum_flush(const void *x, const void *y)
{
	const struct proc_sum *a = x, *b = y;
	uint64_t ta = a->f_bytes[0] + a->f_bytes[1], tb = b->f_bytes[0] + b->f_bytes[1];

	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

/* Sums (process, device) pairs per process into out (MAX_DPROCS entries);
 * dev != 0 restricts to one device. Returns the count. */
static int procs_sum(struct disk_priv *d, uint32_t dev, struct proc_sum *out)
{
	static struct dproc_acc *order[MAX_DPROCS];
	int n = 0, k = 0;

	for (struct dproc_acc *a = NULL; (a = table__next(d->procs, a));)
		if (!dev || a->dev == dev)
			order[n++] = a;
	qsort(order, (size_t)n, sizeof(order[0]), cmp_tgid);
	for (int i = 0; i < n; i++) {
		struct dproc_acc *a = order[i];
		struct proc_sum *s;

		if (!k || out[k - 1].tgid != a->tgid) {
			s = &out[k++];
			memset(s, 0, sizeof(*s));
			s->tgid = a->tgid;
			s->comm = a->comm;
		}
		s = &out[k - 1];
		for (int o = 0; o < 2; o++) {
			s->ops[o] += a->ops[o];
			s->bytes[o] += a->bytes[o];
			s->tick_bytes[o] += a->tick_bytes[o];
			s->f_ops[o] += a->f_ops[o];
			s->f_bytes[o] += a->f_bytes[o];
		}
		if (a->last_change_ns > s->last_change_ns)
			s->last_change_ns = a->last_change_ns;
	}
	return k;
}

static json_t *procs_json(const struct proc_sum *s, int n, int max, double elapsed, uint64_t now_ns)
{
	json_t *arr = json_array();

	for (int i = 0, shown = 0; i < n && shown < max; i++) {
		if (now_ns - s[i].last_change_ns > PROC_SHOW_NS)
			continue;
		json_array_append_new(
			arr,
			json_pack("{s:i,s:s,s:I,s:I,s:I,s:I,s:f,s:f}", "pid", (int)s[i].tgid,
				  "comm", s[i].comm, "reads", (json_int_t)s[i].ops[0], "writes",
				  (json_int_t)s[i].ops[1], "read_bytes", (json_int_t)s[i].bytes[0],
				  "write_bytes", (json_int_t)s[i].bytes[1], "read_bytes_per_s",
				  elapsed > 0 ? (double)s[i].tick_bytes[0] / elapsed : 0.0,
				  "write_bytes_per_s",
				  elapsed > 0 ? (double)s[i].tick_bytes[1] / elapsed : 0.0));
		shown++;
	}
	return arr;
}

static json_t *op_json(const struct op_acc *o)
{
	return json_pack("{s:I,s:I,s:I,s:f,s:f,s:f,s:f}", "ops_total", (json_int_t)o->ops,
			 "bytes_total", (json_int_t)o->bytes, "timed_total", (json_int_t)o->timed,
			 "latency_avg_ms",
			 o->timed ? (double)o->lat_ns / (double)o->timed / 1e6 : 0.0,
			 "latency_p50_ms", lathist_quantile(o->hist, HL_LAT_SLOTS, 0.50) / 1e6,
			 "latency_p95_ms", lathist_quantile(o->hist, HL_LAT_SLOTS, 0.95) / 1e6,
			 "latency_p99_ms", lathist_quantile(o->hist, HL_LAT_SLOTS, 0.99) / 1e6);
}

static int cmp_dev_ops(const void *x, const void *y)
{
	const struct dev_acc *a = *(const struct dev_acc *const *)x,
			     *b = *(const struct dev_acc *const *)y;
	uint64_t ta = a->op[0].ops + a->op[1].ops + a->op[2].ops;
	uint64_t tb = b->op[0].ops + b->op[1].ops + b->op[2].ops;

	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

/* A device's totals: the "disks" topic's, and /metrics' (device="...", op). */
#define OPS "hostlens_disk_ops_total", "Completed block requests."
#define BYTES "hostlens_disk_bytes_total", "Bytes moved by completed block requests."
#define BY_(k, n, h, f, o)                                                            \
	{                                                                             \
		.key = (k), .name = (n), .type = PROM_COUNTER, .help = (h),           \
		.off = offsetof(struct dev_acc, f), .label = "op", .label_value = (o) \
	}
#define BY(k, ...) BY_(k, __VA_ARGS__) /* lets a family macro stand for name, help */
static const struct counter_row dev_rows[] = {
	BY("reads_total", OPS, op[HL_DISK_READ].ops, "read"),
	BY("writes_total", OPS, op[HL_DISK_WRITE].ops, "write"),
	BY("other_ops_total", OPS, op[HL_DISK_OTHER].ops, "other"),
	BY("read_bytes_total", BYTES, op[HL_DISK_READ].bytes, "read"),
	BY("write_bytes_total", BYTES, op[HL_DISK_WRITE].bytes, "write"),
};
#undef BY
#undef BY_
#undef BYTES
#undef OPS

/* The latency histogram of one device and op: power-of-two bounds (1 us ..
 * 16 s) are slot boundaries. */
static void prom_latency(struct prom *w, const struct prom_labels *l, const struct op_acc *a)
{
	enum { FIRST = 10, LAST = 34, NB = LAST - FIRST + 1 };
	char le_text[NB][24];
	const char *le[NB];
	uint64_t cum[NB], acc = 0;
	int s = 0;

	for (int e = FIRST; e <= LAST; e++) {
		for (; s < HL_LAT_SLOTS && lathist_hi((__u32)s) <= (1ull << e); s++)
			acc += a->hist[s];
		cum[e - FIRST] = acc;
		snprintf(le_text[e - FIRST], sizeof(le_text[0]), "%.9g", (double)(1ull << e) / 1e9);
		le[e - FIRST] = le_text[e - FIRST];
	}
	prom_histogram(w, "hostlens_disk_io_latency_seconds", l, le, cum, NB, a->timed,
		       (double)a->lat_ns / 1e9);
}

/* device="dev",op="op" */
static void dev_labels(struct prom_labels *l, const char *dev, const char *op)
{
	prom_labels_init(l);
	prom_label(l, "device", dev);
	prom_label(l, "op", op);
}

static void prom_write(struct disk_priv *d, struct prom *w, const struct proc_sum *top, int ntop)
{
	struct dev_acc *order[MAX_DEVS];
	const char *names[MAX_DEVS];
	const void *snaps[MAX_DEVS];
	struct prom_labels l;
	int n = d->ndevs;

	for (int i = 0; i < n; i++)
		order[i] = &d->devs[i];
	qsort(order, (size_t)n, sizeof(order[0]), cmp_dev_ops);
	if (n > PROM_DEVS)
		n = PROM_DEVS;
	prom_family(w, "hostlens_disk_io_latency_seconds", PROM_HISTOGRAM,
		    "Block request latency, issue to completion.");
	for (int i = 0; i < n; i++)
		for (int o = 0; o < 2; o++) {
			dev_labels(&l, order[i]->name, op_names[o]);
			prom_latency(w, &l, &order[i]->op[o]);
		}
	for (int i = 0; i < n; i++) {
		names[i] = order[i]->name;
		snaps[i] = order[i];
	}
	counters_prom_each(w, dev_rows, sizeof(dev_rows) / sizeof(dev_rows[0]), snaps, (size_t)n,
			   "device", names);
	prom_family(w, "hostlens_process_disk_bytes_total", PROM_COUNTER,
		    "Block I/O bytes submitted per process (top %d).", TOP_PROCS);
	for (int i = 0; i < ntop && i < TOP_PROCS; i++)
		for (int o = 0; o < 2; o++) {
			prom_labels_init(&l);
			prom_label_uint(&l, "pid", top[i].tgid);
			prom_label(&l, "comm", top[i].comm);
			prom_label(&l, "op", op_names[o]);
			prom_sample_uint(w, "hostlens_process_disk_bytes_total", &l,
					 top[i].bytes[o]);
		}
	prom_family(w, "hostlens_disk_devices_dropped_total", PROM_COUNTER,
		    "Devices beyond the tracking limit.");
	prom_sample_uint(w, "hostlens_disk_devices_dropped_total", NULL, d->devs_dropped);
}

static void disk_tick(struct pmod *m, struct tick_ctx *t)
{
	struct disk_priv *d = m->priv;
	static struct proc_sum sums[MAX_DPROCS];
	double el = t->elapsed_s > 0 ? t->elapsed_s : 1, rd_bps = 0, wr_bps = 0, worst_p99 = 0;
	uint64_t ops = 0, bytes = 0;
	json_t *devs = json_array();
	int n;

	read_stats(d);
	read_procs(d, m->p, t->now_ns);
	for (int i = 0; i < d->ndevs; i++) {
		struct dev_acc *a = &d->devs[i];
		struct op_acc *r = &a->op[HL_DISK_READ], *w = &a->op[HL_DISK_WRITE],
			      *x = &a->op[HL_DISK_OTHER];
		json_t *e;

		n = procs_sum(d, a->dev, sums);
		qsort(sums, (size_t)n, sizeof(sums[0]), cmp_sum_total);
		e = json_pack("{s:s,s:i,s:i,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:o,s:o,s:o}", "device",
			      a->name, "major", (int)blockdev_major(a->dev), "minor",
			      (int)blockdev_minor(a->dev), "reads_per_s", (double)r->tick_ops / el,
			      "writes_per_s", (double)w->tick_ops / el, "iops",
			      (double)(r->tick_ops + w->tick_ops + x->tick_ops) / el,
			      "read_bytes_per_s", (double)r->tick_bytes / el, "write_bytes_per_s",
			      (double)w->tick_bytes / el, "latency_p50_ms", a->p50_ms,
			      "latency_p95_ms", a->p95_ms, "latency_p99_ms", a->p99_ms, "read",
			      op_json(r), "write", op_json(w), "top_processes",
			      procs_json(sums, n, TOP_DEV_PROCS, el, t->now_ns));
		counters_json(dev_rows, sizeof(dev_rows) / sizeof(dev_rows[0]), a, e);
		json_array_append_new(devs, e);
		rd_bps += (double)r->tick_bytes / el;
		wr_bps += (double)w->tick_bytes / el;
		if (a->p99_ms > worst_p99)
			worst_p99 = a->p99_ms;
		ops += r->tick_ops + w->tick_ops + x->tick_ops;
		bytes += r->tick_bytes + w->tick_bytes;
		/* alert metrics per device; counters only when they moved */
		metrics__set(t->metrics, METRIC_DISK_LATENCY_P99_MS, SCOPE_DEVICE, a->name,
			     a->p99_ms);
		if (r->tick_ops + w->tick_ops + x->tick_ops)
			metrics__add(t->metrics, METRIC_DISK_OPS, SCOPE_DEVICE, a->name,
				     (double)(r->tick_ops + w->tick_ops + x->tick_ops));
		if (r->tick_bytes + w->tick_bytes)
			metrics__add(t->metrics, METRIC_DISK_BYTES, SCOPE_DEVICE, a->name,
				     (double)(r->tick_bytes + w->tick_bytes));
	}
	state__publish(t->st, "disks", devs);
	n = procs_sum(d, 0, sums);
	qsort(sums, (size_t)n, sizeof(sums[0]), cmp_sum_total);
	state__publish(t->st, "disk_processes", procs_json(sums, n, TOP_PROCS, el, t->now_ns));

	json_object_set_new(t->summary, "block_read_bytes_per_s", json_real(rd_bps));
	json_object_set_new(t->summary, "block_write_bytes_per_s", json_real(wr_bps));
	json_object_set_new(t->summary, "disk_latency_p99_ms", json_real(worst_p99));
	metrics__set(t->metrics, METRIC_DISK_LATENCY_P99_MS, SCOPE_NONE, NULL, worst_p99);
	metrics__add(t->metrics, METRIC_DISK_OPS, SCOPE_NONE, NULL, (double)ops);
	metrics__add(t->metrics, METRIC_DISK_BYTES, SCOPE_NONE, NULL, (double)bytes);
	state__series_push(t->st, "block_read_bytes_per_s", t->now_ms, rd_bps);
	state__series_push(t->st, "block_write_bytes_per_s", t->now_ms, wr_bps);
	prom_write(d, t->prom, sums, n);
	d->ticks++;
	tick_end(d);
}

static void disk_flush(struct pmod *m, struct flush_ctx *f)
{
	struct disk_priv *d = m->priv;
	static struct proc_sum sums[MAX_DPROCS];
	double iv = f->interval_s > 0 ? f->interval_s : 1, worst_p99 = 0;
	json_t *rec, *devs = json_array(), *procs = json_array();
	int n;

	for (int i = 0; i < d->ndevs; i++) {
		struct dev_acc *a = &d->devs[i];
		struct op_acc *r = &a->op[HL_DISK_READ], *w = &a->op[HL_DISK_WRITE],
			      *x = &a->op[HL_DISK_OTHER];
		__u64 all[HL_LAT_SLOTS];
		uint64_t timed = r->f_timed + w->f_timed + x->f_timed;
		double p99, max_ms = 0;

		for (int s = 0; s < HL_LAT_SLOTS; s++) {
			all[s] = r->f_hist[s] + w->f_hist[s] + x->f_hist[s];
			if (all[s]) /* the top bucket's bound: within 25% above */
				max_ms = (double)lathist_hi((__u32)s) / 1e6;
		}
		p99 = lathist_quantile(all, HL_LAT_SLOTS, 0.99) / 1e6;
		if (p99 > worst_p99)
			worst_p99 = p99;
		json_array_append_new(
			devs,
			json_pack(
				"{s:s,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f}",
				"device", a->name, "reads", (json_int_t)r->f_ops, "writes",
				(json_int_t)w->f_ops, "other_ops", (json_int_t)x->f_ops,
				"read_bytes", (json_int_t)r->f_bytes, "write_bytes",
				(json_int_t)w->f_bytes, "reads_per_s", (double)r->f_ops / iv,
				"writes_per_s", (double)w->f_ops / iv, "iops",
				(double)(r->f_ops + w->f_ops + x->f_ops) / iv, "read_bytes_per_s",
				(double)r->f_bytes / iv, "write_bytes_per_s",
				(double)w->f_bytes / iv, "latency_avg_ms",
				timed ? (double)(r->f_lat_ns + w->f_lat_ns + x->f_lat_ns) /
						(double)timed / 1e6 :
					0.0,
				"latency_p50_ms", lathist_quantile(all, HL_LAT_SLOTS, 0.50) / 1e6,
				"latency_p95_ms", lathist_quantile(all, HL_LAT_SLOTS, 0.95) / 1e6,
				"latency_p99_ms", p99, "latency_max_ms", max_ms,
				"read_latency_p99_ms",
				lathist_quantile(r->f_hist, HL_LAT_SLOTS, 0.99) / 1e6,
				"write_latency_p99_ms",
				lathist_quantile(w->f_hist, HL_LAT_SLOTS, 0.99) / 1e6));
		for (int o = 0; o < HL_DISK_OPS; o++) {
			struct op_acc *op = &a->op[o];

			op->f_ops = op->f_bytes = op->f_lat_ns = op->f_timed = 0;
			memset(op->f_hist, 0, sizeof(op->f_hist));
		}
	}
	n = procs_sum(d, 0, sums);
	qsort(sums, (size_t)n, sizeof(sums[0]), cmp_sum_flush);
	for (int i = 0; i < n && i < TOP_PROCS; i++) {
		if (!sums[i].f_ops[0] && !sums[i].f_ops[1] && !sums[i].f_bytes[0] &&
		    !sums[i].f_bytes[1])
			break;
		json_array_append_new(procs,
				      json_pack("{s:i,s:s,s:I,s:I,s:I,s:I,s:I}", "pid",
						(int)sums[i].tgid, "comm", sums[i].comm, "reads",
						(json_int_t)sums[i].f_ops[0], "writes",
						(json_int_t)sums[i].f_ops[1], "ios",
						(json_int_t)(sums[i].f_ops[0] + sums[i].f_ops[1]),
						"read_bytes", (json_int_t)sums[i].f_bytes[0],
						"write_bytes", (json_int_t)sums[i].f_bytes[1]));
	}
	for (struct dproc_acc *a = NULL; (a = table__next(d->procs, a));) {
		memset(a->f_ops, 0, sizeof(a->f_ops));
		memset(a->f_bytes, 0, sizeof(a->f_bytes));
	}
	rec = record_new("disk-metrics", f->source, f->ts_ms);
	if (!rec) {
		json_decref(devs);
		json_decref(procs);
		return;
	}
	/* docs/records.md: disk-metrics */
	json_object_set_new(rec, "window_s", json_real(f->interval_s));
	json_object_set_new(rec, "disk_latency_p99_ms", json_real(worst_p99));
	json_object_set_new(rec, "disks", devs);
	json_object_set_new(rec, "top_processes", procs);
	record_batch__add(f->batch, rec);
}

const struct pmod_ops pm_disk_ops = {
	.name = "disk",
	.priv_size = sizeof(struct disk_priv),
	.types = { 0 },
	.init = disk_init,
	.tick = disk_tick,
	.flush = disk_flush,
	.destroy = disk_destroy,
};
