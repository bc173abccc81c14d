// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: a stand-in publisher for testing the web server before (and
 * apart from) the agent's processor. Two threads: this main thread measures
 * the host from /proc once a second and publishes into struct state exactly
 * as docs/topics.md describes; the web server runs on its own thread
 * (web__start). Every number is measured here; what this program cannot
 * measure (HTTP latency, BPF drops...) is published as null or an empty
 * array, never invented. Runs until SIGTERM/SIGINT.
 *
 * Usage: webdemo [hostlens flags: --listen --tls-cert --tls-key --auth-token
 *        --web-max-conns --web-idle-timeout ...]
 * Env: WEBDEMO_DELAY_MS=N  publish (and become ready) only after N ms.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/utsname.h>

#include "user/runtime/config.h"
#include "user/pipeline/state.h"
#include "web/web.h"

#define MAX_CPUS 256
#define MAX_DEVS 64
#define PROC_SLOTS 8192

struct cpu_times {
	unsigned long long
		v[10]; /* user nice system idle iowait irq softirq steal guest guest_nice */
};

struct dev_ctr {
	char name[32];
	unsigned long long a, b, c, d; /* disks: reads, read sectors, writes, write sectors;
					 * nets: rx bytes, rx packets, tx bytes, tx packets */
};

struct proc_slot {
	int pid;
	unsigned long long ticks;
	unsigned gen;
};

struct demo {
	struct state *st;
	long hz;
	int ncpu;
	struct cpu_times total, cpus[MAX_CPUS];
	struct dev_ctr disks[MAX_DEVS], nets[MAX_DEVS];
	int ndisks, nnets;
	struct proc_slot procs[PROC_SLOTS];
	unsigned gen;
	int64_t last_ms, start_ms;
	char hostname[256];
	double tick_sum;
	unsigned long long tick_count, tick_buckets[6];
	json_t *filters;
};

static const double tick_le[6] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05 };

static int64_t now_ms(int clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned long long busy_of(const struct cpu_times *t)
{
	return t->v[0] + t->v[1] + t->v[2] + t->v[5] + t->v[6] + t->v[7];
}

static unsigned long long all_of(const struct cpu_times *t)
{
	return busy_of(t) + t->v[3] + t->v[4];
}

static double pct(unsigned long long part, unsigned long long whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Reads /proc/stat; returns the new total and per-CPU busy % into cores. */
static double read_cpu(struct demo *d, json_t *cores, json_t *prom, bool first)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[512];
	double total_pct = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		struct cpu_times t = { 0 };
		int cpu = -1, n;

		if (strncmp(line, "cpu", 3))
			break;
		if (line[3] == ' ')
			n = sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
				   &t.v[0], &t.v[1], &t.v[2], &t.v[3], &t.v[4], &t.v[5], &t.v[6],
				   &t.v[7], &t.v[8], &t.v[9]);
		else
			n = sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
				   &cpu, &t.v[0], &t.v[1], &t.v[2], &t.v[3], &t.v[4], &t.v[5],
				   &t.v[6], &t.v[7], &t.v[8], &t.v[9]) -
			    1;
		if (n < 8)
			continue;
		struct cpu_times *prev = cpu < 0 ? &d->total :
						   (cpu < MAX_CPUS ? &d->cpus[cpu] : NULL);

		if (!prev)
			continue;
		double p = pct(busy_of(&t) - busy_of(prev), all_of(&t) - all_of(prev));

		if (cpu < 0) {
			total_pct = p;
		} else {
			if (!first)
				json_array_append_new(cores, json_pack("{s:i,s:f}", "cpu", cpu,
								       "busy_pct", p));
			static const char *const modes[] = { "user",   "nice", "system",  "idle",
							     "iowait", "irq",  "softirq", "steal" };
			for (int m = 0; m < 8; m++)
				json_array_append_new(
					prom,
					json_sprintf(
						"hostlens_cpu_seconds_total{cpu=\"%d\",mode=\"%s\"} %.2f\n",
						cpu, modes[m], (double)t.v[m] / (double)d->hz));
		}
		*prev = t;
	}
	fclose(f);
	return total_pct;
}

static void read_mem(unsigned long long *total, unsigned long long *avail)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long v;

	*total = *avail = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
			*total = v * 1024;
		else if (sscanf(line, "MemAvailable: %llu kB", &v) == 1)
			*avail = v * 1024;
	}
	fclose(f);
}

static struct dev_ctr *dev_find(struct dev_ctr *arr, int *n, const char *name, bool *fresh)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(arr[i].name, name)) {
			*fresh = false;
			return &arr[i];
		}
	if (*n >= MAX_DEVS)
		return NULL;
	*fresh = true;
	memset(&arr[*n], 0, sizeof(arr[*n]));
	snprintf(arr[*n].name, sizeof(arr[*n].name), "%s", name);
	return &arr[(*n)++];
}

/* Whole disks only (those with a /sys/block entry). */
static void read_disks(struct demo *d, double dt, json_t *disks, json_t *prom, double *rd,
		       double *wr)
{
	FILE *f = fopen("/proc/diskstats", "r");
	char line[512], name[64], path[128];
	unsigned long long rio, rmerge, rsec, rms, wio, wmerge, wsec;
	unsigned maj, min;

	*rd = *wr = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		bool fresh;

		if (sscanf(line, "%u %u %63s %llu %llu %llu %llu %llu %llu %llu", &maj, &min, name,
			   &rio, &rmerge, &rsec, &rms, &wio, &wmerge, &wsec) != 10)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s", name);
		if (access(path, F_OK) || !strncmp(name, "loop", 4) || !strncmp(name, "ram", 3))
			continue;
		struct dev_ctr *c = dev_find(d->disks, &d->ndisks, name, &fresh);

		if (!c)
			continue;
		if (!fresh && dt > 0) {
			double r_b = (double)(rsec - c->b) * 512 / dt,
			       w_b = (double)(wsec - c->d) * 512 / dt;

			*rd += r_b;
			*wr += w_b;
			json_array_append_new(
				disks,
				json_pack("{s:s,s:f,s:f,s:f,s:f,s:n,s:n,s:n}", "device", name,
					  "reads_per_s", (double)(rio - c->a) / dt, "writes_per_s",
					  (double)(wio - c->c) / dt, "read_bytes_per_s", r_b,
					  "write_bytes_per_s", w_b, "latency_p50_ms",
					  "latency_p95_ms", "latency_p99_ms"));
		}
		c->a = rio;
		c->b = rsec;
		c->c = wio;
		c->d = wsec;
		json_array_append_new(
			prom,
			json_sprintf("hostlens_disk_read_bytes_total{device=\"%s\"} %llu\n"
				     "hostlens_disk_written_bytes_total{device=\"%s\"} %llu\n",
				     name, rsec * 512, name, wsec * 512));
	}
	fclose(f);
}

static void read_net(struct demo *d, double dt, json_t *prom, double *rx, double *tx)
{
	FILE *f = fopen("/proc/net/dev", "r");
	char line[512], name[64];
	unsigned long long rb, rp, tb, tp, x;

	*rx = *tx = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		bool fresh;

		if (!colon)
			continue;
		*colon = ' ';
		if (sscanf(line, "%63s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", name,
			   &rb, &rp, &x, &x, &x, &x, &x, &x, &tb, &tp) != 11)
			continue;
		struct dev_ctr *c = dev_find(d->nets, &d->nnets, name, &fresh);

		if (!c)
			continue;
		if (!fresh && dt > 0 && strcmp(name, "lo")) {
			*rx += (double)(rb - c->a) / dt;
			*tx += (double)(tb - c->c) / dt;
		}
		c->a = rb;
		c->c = tb;
		json_array_append_new(
			prom,
			json_sprintf("hostlens_network_receive_bytes_total{device=\"%s\"} %llu\n"
				     "hostlens_network_transmit_bytes_total{device=\"%s\"} %llu\n",
				     name, rb, name, tb));
	}
	fclose(f);
}

static int cmp_cpu(const void *a, const void *b)
{
	double x = json_real_value(json_object_get(*(json_t *const *)a, "cpu_pct"));
	double y = json_real_value(json_object_get(*(json_t *const *)b, "cpu_pct"));

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Top 50 processes by CPU over the last second, from /proc/PID/stat. */
static json_t *read_procs(struct demo *d, double dt)
{
	DIR *dir = opendir("/proc");
	json_t *all = json_array(), *top = json_array();
	struct dirent *de;
	size_t n;

	d->gen++;
	if (!dir)
		return top;
	while ((de = readdir(dir))) {
		char path[64], buf[1024], comm[64];
		unsigned long long ut, st;
		int pid = atoi(de->d_name);
		FILE *f;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		char *lp = strchr(buf, '('), *rp = strrchr(buf, ')');

		if (!lp || !rp || rp < lp)
			continue;
		snprintf(comm, sizeof(comm), "%.*s", (int)(rp - lp - 1), lp + 1);
		if (sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			   &st) != 2)
			continue;
		struct proc_slot *s = NULL;

		for (unsigned i = 0; i < 16; i++) {
			struct proc_slot *c =
				&d->procs[((unsigned)pid * 2654435761u + i) % PROC_SLOTS];

			if (c->pid == pid || !c->pid || c->gen + 1 < d->gen) {
				s = c;
				break;
			}
		}
		if (!s)
			continue;
		if (s->pid == pid && dt > 0 && s->gen + 1 == d->gen)
			json_array_append_new(
				all,
				json_pack("{s:i,s:s,s:f,s:f,s:n,s:n,s:n,s:n,s:n}", "pid", pid,
					  "comm", comm, "cpu_pct",
					  pct(ut + st - s->ticks, (unsigned long long)(dt * d->hz)),
					  "oncpu_ms", (double)(ut + st) * 1000.0 / (double)d->hz,
					  "disk_read_bytes", "disk_write_bytes", "net_tx_bytes",
					  "net_rx_bytes", "container_id"));
		s->pid = pid;
		s->ticks = ut + st;
		s->gen = d->gen;
	}
	closedir(dir);
	n = json_array_size(all);
	json_t **v = calloc(n ? n : 1, sizeof(*v));

	if (v) {
		for (size_t i = 0; i < n; i++)
			v[i] = json_array_get(all, i);
		qsort(v, n, sizeof(*v), cmp_cpu);
		for (size_t i = 0; i < n && i < 50; i++)
			json_array_append(top, v[i]);
		free(v);
	}
	json_decref(all);
	return top;
}

static void publish_host(struct demo *d)
{
	struct utsname u;
	char os[256] = "Linux", line[256];
	FILE *f = fopen("/etc/os-release", "r");
	double up = 0;
	unsigned long long mt, ma;

	uname(&u);
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "PRETTY_NAME=\"%255[^\"]\"", os) == 1)
				break;
		fclose(f);
	}
	f = fopen("/proc/uptime", "r");
	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = 0;
		fclose(f);
	}
	read_mem(&mt, &ma);
	state__publish(d->st, "host",
		       json_pack("{s:s,s:s,s:s,s:s,s:I,s:i,s:I,s:I}", "hostname", d->hostname,
				 "kernel", u.release, "os", os, "arch", u.machine, "uptime_s",
				 (json_int_t)up, "cpus", d->ncpu, "mem_total_bytes", (json_int_t)mt,
				 "boot_time", (json_int_t)(time(NULL) - (time_t)up)));
}

static void tick(struct demo *d, bool first)
{
	int64_t t0 = now_ms(CLOCK_MONOTONIC), wall = now_ms(CLOCK_REALTIME);
	double dt = d->last_ms ? (double)(t0 - d->last_ms) / 1000.0 : 0;
	json_t *prom = json_array(), *cores = json_array(), *disks = json_array(), *summary;
	unsigned long long mt, ma;
	double cpu, rd, wr, rx, tx;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	cpu = read_cpu(d, cores, prom, first);
	read_mem(&mt, &ma);
	read_disks(d, dt, disks, prom, &rd, &wr);
	read_net(d, dt, prom, &rx, &tx);
	json_t *procs = read_procs(d, dt);

	d->last_ms = t0;
	if (first) {
		json_decref(prom);
		json_decref(cores);
		json_decref(disks);
		json_decref(procs);
		return;
	}
	double mem_pct = pct(mt - ma, mt);

	summary = json_pack("{s:I,s:s,s:f,s:f,s:I,s:I,s:f,s:f,s:f,s:f,s:n,s:n,s:n,s:n,s:n,s:n}",
			    "ts", (json_int_t)wall, "hostname", d->hostname, "cpu_pct", cpu,
			    "mem_used_pct", mem_pct, "mem_used_bytes", (json_int_t)(mt - ma),
			    "mem_total_bytes", (json_int_t)mt, "disk_read_bytes_per_s", rd,
			    "disk_write_bytes_per_s", wr, "net_rx_bytes_per_s", rx,
			    "net_tx_bytes_per_s", tx, "http_requests_per_s", "http_p95_ms",
			    "http_error_rate_pct", "active_users", "events_per_s", "drops_total");
	state__series_push(d->st, "cpu_pct", wall, cpu);
	state__series_push(d->st, "mem_used_pct", wall, mem_pct);
	state__series_push(d->st, "disk_read_bytes_per_s", wall, rd);
	state__series_push(d->st, "disk_write_bytes_per_s", wall, wr);
	state__series_push(d->st, "net_rx_bytes_per_s", wall, rx);
	state__series_push(d->st, "net_tx_bytes_per_s", wall, tx);
	state__publish(d->st, "summary", json_deep_copy(summary));
	state__publish(d->st, "cpu", json_pack("{s:o,s:n}", "cores", cores, "runq_latency_us"));
	state__publish(d->st, "disks", disks);
	state__publish(d->st, "processes", procs);
	state__publish(d->st, "connections",
		       json_pack("{s:[],s:n,s:n,s:[]}", "recent", "retransmits_total",
				 "resets_total", "peers"));
	state__publish(d->st, "routes", json_array());
	state__publish(d->st, "requests", json_array());
	/* no HTTP capture here: the breakdown is off, nothing invented */
	state__publish(d->st, "breakdown",
		       json_pack("{s:b,s:i,s:i,s:i,s:[],s:[]}", "enabled", 0, "requests_total", 0,
				 "approximate_total", 0, "routes_dropped_total", 0, "routes",
				 "slowest"));
	state__publish(d->st, "alerts", json_pack("{s:[],s:[]}", "active", "recent"));
	state__publish(d->st, "databases",
		       json_pack("{s:[],s:[],s:[],s:{},s:i}", "operations", "servers", "clients",
				 "stats", "connections_active", 0));
	state__publish(d->st, "filters", json_deep_copy(d->filters));
	state__publish(d->st, "stats",
		       json_pack("{s:s,s:I,s:n,s:n,s:[],s:n,s:n,s:{s:s,s:s,s:s,s:s},s:[]}",
				 "version", "webdemo", "uptime_s",
				 (json_int_t)((t0 - d->start_ms) / 1000), "events_total",
				 "events_per_s", "kernel_drops_per_cpu", "kernel_drops_total",
				 "log", "signals", "cpu", "off: webdemo reads /proc only", "disk",
				 "off: webdemo reads /proc only", "net",
				 "off: webdemo reads /proc only", "http",
				 "off: webdemo reads /proc only", "sinks"));
	if (d->tick_count % 60 == 0)
		publish_host(d);
	state__push_update(d->st, json_pack("{s:I,s:o,s:[],s:[]}", "ts", (json_int_t)wall,
					    "summary", summary, "requests", "alerts"));

	/* Prometheus text: measured counters and gauges, plus a histogram of
	 * how long this tick took to gather them. */
	clock_gettime(CLOCK_MONOTONIC, &b);
	double took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;

	d->tick_sum += took;
	d->tick_count++;
	for (int i = 0; i < 6; i++)
		if (took <= tick_le[i])
			d->tick_buckets[i]++;
	size_t cap = 1 << 16, len = 0;
	char *text = malloc(cap);

	if (!text)
		goto out;
#define EMIT(...)                                                      \
	do {                                                           \
		int _n = snprintf(text + len, cap - len, __VA_ARGS__); \
		if (_n > 0 && (size_t)_n < cap - len)                  \
			len += (size_t)_n;                             \
	} while (0)
	EMIT("# HELP hostlens_cpu_seconds_total Seconds each CPU spent in each mode (/proc/stat).\n"
	     "# TYPE hostlens_cpu_seconds_total counter\n");
	size_t i;
	json_t *v;

	json_array_foreach(prom, i, v)
		if (strstr(json_string_value(v), "cpu_seconds"))
			EMIT("%s", json_string_value(v));
	EMIT("# HELP hostlens_memory_total_bytes Physical memory.\n"
	     "# TYPE hostlens_memory_total_bytes gauge\nhostlens_memory_total_bytes %llu\n"
	     "# HELP hostlens_memory_available_bytes Memory available for new work.\n"
	     "# TYPE hostlens_memory_available_bytes gauge\nhostlens_memory_available_bytes %llu\n",
	     mt, ma);
	EMIT("# HELP hostlens_disk_read_bytes_total Bytes read per disk.\n"
	     "# TYPE hostlens_disk_read_bytes_total counter\n");
	json_array_foreach(prom, i, v) {
		const char *s = json_string_value(v), *nl;

		if (!strncmp(s, "hostlens_disk_read_bytes_total", 30)) {
			nl = strchr(s, '\n');
			EMIT("%.*s", (int)(nl - s + 1), s);
		}
	}
	EMIT("# HELP hostlens_disk_written_bytes_total Bytes written per disk.\n"
	     "# TYPE hostlens_disk_written_bytes_total counter\n");
	json_array_foreach(prom, i, v) {
		const char *s = json_string_value(v), *nl;

		if (!strncmp(s, "hostlens_disk_read_bytes_total", 30)) {
			nl = strchr(s, '\n');
			EMIT("%s", nl + 1);
		}
	}
	EMIT("# HELP hostlens_network_receive_bytes_total Bytes received per interface.\n"
	     "# TYPE hostlens_network_receive_bytes_total counter\n");
	json_array_foreach(prom, i, v) {
		const char *s = json_string_value(v), *nl;

		if (!strncmp(s, "hostlens_network_receive", 24)) {
			nl = strchr(s, '\n');
			EMIT("%.*s", (int)(nl - s + 1), s);
		}
	}
	EMIT("# HELP hostlens_network_transmit_bytes_total Bytes sent per interface.\n"
	     "# TYPE hostlens_network_transmit_bytes_total counter\n");
	json_array_foreach(prom, i, v) {
		const char *s = json_string_value(v), *nl;

		if (!strncmp(s, "hostlens_network_receive", 24)) {
			nl = strchr(s, '\n');
			EMIT("%s", nl + 1);
		}
	}
	EMIT("# HELP hostlens_webdemo_tick_duration_seconds Time to gather one second of /proc data.\n"
	     "# TYPE hostlens_webdemo_tick_duration_seconds histogram\n");
	for (int k = 0; k < 6; k++)
		EMIT("hostlens_webdemo_tick_duration_seconds_bucket{le=\"%g\"} %llu\n", tick_le[k],
		     d->tick_buckets[k]);
	EMIT("hostlens_webdemo_tick_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	     "hostlens_webdemo_tick_duration_seconds_sum %.6f\n"
	     "hostlens_webdemo_tick_duration_seconds_count %llu\n",
	     d->tick_count, d->tick_sum, d->tick_count);
#undef EMIT
	state__publish_text(d->st, "metrics", text, len);
	free(text);
out:
	json_decref(prom);
	state__set_ready(d->st, true);
}

/* POST /api/v1/filters: validates and republishes, as the agent does. */
static int set_filters(void *ctx, json_t *body, char *err, size_t errlen)
{
	struct demo *d = ctx;
	static const char *const keys[] = { "pids", "comms", "cgroups" };
	json_t *next = json_object();

	for (int k = 0; k < 3; k++) {
		json_t *a = json_object_get(body, keys[k]), *v;
		size_t i;

		if (!a)
			a = json_array();
		else
			json_incref(a);
		if (!json_is_array(a)) {
			snprintf(err, errlen, "%s must be an array", keys[k]);
			json_decref(a);
			goto bad;
		}
		json_array_foreach(a, i, v) {
			if (k == 0 ? !json_is_integer(v) || json_integer_value(v) <= 0 :
				     !json_is_string(v)) {
				snprintf(err, errlen, "%s[%zu] must be %s", keys[k], i,
					 k == 0 ? "a positive integer" : "a string");
				json_decref(a);
				goto bad;
			}
		}
		json_object_set_new(next, keys[k], a);
	}
	json_decref(d->filters);
	d->filters = next;
	state__publish(d->st, "filters", json_deep_copy(next));
	return 0;
bad:
	json_decref(next);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	static struct demo d;
	struct config cfg;
	struct web_hooks hooks = { .ctx = &d, .set_filters = set_filters };
	char err[512];
	struct web *w;
	sigset_t set;
	int rc, sig;
	const char *delay = getenv("WEBDEMO_DELAY_MS");
	int64_t publish_at;

	rc = config_load(&cfg, argc, argv, err, sizeof(err));
	if (rc) {
		if (rc < 0)
			fprintf(stderr, "webdemo: %s\n", err);
		return rc < 0 ? 2 : 0;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	d.st = state__new();
	d.hz = sysconf(_SC_CLK_TCK);
	d.ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	d.start_ms = now_ms(CLOCK_MONOTONIC);
	d.filters = json_pack("{s:[],s:[],s:[]}", "pids", "comms", "cgroups");
	gethostname(d.hostname, sizeof(d.hostname) - 1);
	w = web__new(&cfg, d.st, &hooks, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "webdemo: %s\n", err);
		state__free(d.st);
		json_decref(d.filters);
		return 1;
	}
	rc = web__start(w);
	if (rc) {
		fprintf(stderr, "webdemo: web__start: %s\n", strerror(-rc));
		web__free(w);
		state__free(d.st);
		return 1;
	}
	printf("webdemo: listening on %s%s\n", cfg.listen, cfg.tls_cert[0] ? " (TLS)" : "");
	fflush(stdout);
	publish_at = now_ms(CLOCK_MONOTONIC) + (delay ? atoi(delay) : 0);
	tick(&d, true);
	/* Ticks on a fixed 1 s grid, however long one took, as the processor. */
	int64_t next = now_ms(CLOCK_MONOTONIC) + 1000;

	for (;;) {
		int64_t wait = next - now_ms(CLOCK_MONOTONIC);
		struct timespec ts = { 0, 0 };

		if (wait > 0) {
			ts.tv_sec = wait / 1000;
			ts.tv_nsec = (wait % 1000) * 1000000;
			sig = sigtimedwait(&set, NULL, &ts);
			if (sig == SIGTERM || sig == SIGINT)
				break;
			if (sig > 0)
				continue;
		}
		next += 1000;
		if (next < now_ms(CLOCK_MONOTONIC))
			next = now_ms(CLOCK_MONOTONIC) + 1000; /* fell far behind: skip */
		if (now_ms(CLOCK_MONOTONIC) >= publish_at) {
			bool was = state__ready(d.st);

			tick(&d, false);
			if (!was) {
				printf("hostlens: ready\n");
				fflush(stdout);
			}
		}
	}
	web__free(w);
	state__free(d.st);
	json_decref(d.filters);
	return 0;
}
