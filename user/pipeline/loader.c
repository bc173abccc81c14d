// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Loader: kernel checks, shared maps, one BPF object per signal (or per
 * group of signals sharing hooks), from the signal table (signal.h): a row
 * says how to open its skeleton and set its knobs; this file knows no
 * signal by name. Rows naming the same object share one load: the first one
 * in --signals opens it, every sharing row sets its knobs on it (on or off),
 * and the programs of an off row (its prog_prefix) are not loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "user/runtime/caps.h"
#include "user/pipeline/loader.h"
#include "user/pipeline/signal.h"
#include "user/runtime/log.h"
#include "bench.skel.h"

#define TRACEFS_DEFAULT LOADER_TRACEFS_DEFAULT
#define MAX_LINKS 128
#define MAX_ROWS 32

struct signal_rt {
	const struct signal *def;
	void *skel; /* the object's skeleton (shared rows: the same one) */
	bool owner; /* this row opened skel and frees it */
	struct bpf_object *obj;
	struct bpf_link *links[MAX_LINKS];
	const struct bpf_program *link_prog[MAX_LINKS]; /* the program of links[i] */
	int nlinks;
	char status[256];
	bool on;
};

/* ---- the drain benchmark's source (--bench): a row of the loader's own ---- */
static void *bench_open(const struct loader_opts *o, struct bpf_object **obj)
{
	struct bench_bpf *s = bench_bpf__open();

	if (!s)
		return NULL;
	s->rodata->targ_wakeup_bytes = config_wakeup_bytes(o->cfg);
	s->rodata->targ_tgid = o->bench_tgid;
	*obj = s->obj;
	return s;
}

static void bench_destroy(void *s)
{
	bench_bpf__destroy(s);
}

static const struct signal bench_row = { .name = "bench",
					 .open = bench_open,
					 .destroy = bench_destroy };

struct loader {
	struct loader_opts opts;
	char tracefs[256];
	int nrings;
	int *ring_fds;
	int rings_fd;		       /* ARRAY_OF_MAPS */
	int drops_fd;		       /* PERCPU_ARRAY */
	struct signal_rt rt[MAX_ROWS]; /* signals[], then bench_row */
	int nrt;
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n;

	if (level == LIBBPF_DEBUG && log_get_level() < LOG_DEBUG)
		return 0;
	if (level == LIBBPF_INFO && log_get_level() < LOG_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	log_msg(LOG_DEBUG, "libbpf: %s", line);
	return 0;
}

/* CAP_BPF (39) + CAP_PERFMON (38), or CAP_SYS_ADMIN (21), in the effective set. */
static bool have_bpf_caps(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long eff = 0;

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff & (1ull << 21)) || ((eff & (1ull << 39)) && (eff & (1ull << 38)));
}

static int tracefs_ready(struct loader *ld, char *err, size_t errlen)
{
	char path[300];
	const char *env = getenv("HOSTLENS_TRACEFS");

	snprintf(ld->tracefs, sizeof(ld->tracefs), "%s",
		 ld->opts.tracefs ? ld->opts.tracefs :
		 env		  ? env :
				    TRACEFS_DEFAULT);
	snprintf(path, sizeof(path), "%s/events", ld->tracefs);
	if (access(path, F_OK) == 0)
		return 0;
	if (strcmp(ld->tracefs, TRACEFS_DEFAULT)) {
		snprintf(err, errlen, "tracefs: %s has no events/ directory", ld->tracefs);
		return -ENOENT;
	}
	/* not mounted at boot on some hosts: mount it ourselves */
	if (mount("tracefs", TRACEFS_DEFAULT, "tracefs", 0, NULL) && errno != EBUSY) {
		snprintf(err, errlen, "tracefs is not mounted at %s and mounting it failed: %s",
			 TRACEFS_DEFAULT, strerror(errno));
		return -errno;
	}
	if (access(path, F_OK)) {
		snprintf(err, errlen, "tracefs mounted at %s but %s is missing", TRACEFS_DEFAULT,
			 path);
		return -ENOENT;
	}
	pr_info("mounted tracefs at %s", TRACEFS_DEFAULT);
	return 0;
}

/* Does the tracepoint behind a program's section exist on this kernel? */
static bool tracepoint_exists(struct loader *ld, const char *sec, char *missing, size_t len)
{
	char path[512];
	const char *name;

	if (!strncmp(sec, "tp/", 3) || !strncmp(sec, "tracepoint/", 11)) {
		name = strchr(sec, '/') + 1; /* "cat/name" */
		snprintf(path, sizeof(path), "%s/events/%s", ld->tracefs, name);
		snprintf(missing, len, "%s", name);
		return access(path, F_OK) == 0;
	}
	if (!strncmp(sec, "tp_btf/", 7) || !strncmp(sec, "raw_tp/", 7)) {
		/* raw tracepoints are named without their category */
		static const char *cats[] = { "sched", "block",	   "sock",	  "tcp",
					      "net",   "syscalls", "raw_syscalls" };

		name = sec + 7;
		snprintf(missing, len, "%s", name);
		for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
			snprintf(path, sizeof(path), "%s/events/%s/%s", ld->tracefs, cats[i], name);
			if (access(path, F_OK) == 0)
				return true;
		}
		return false;
	}
	return true; /* uprobes and others are checked at attach */
}

static int shared_maps_create(struct loader *ld, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts);
	int tmpl;

	ld->nrings = libbpf_num_possible_cpus();
	if (ld->nrings <= 0 || ld->nrings > HL_MAX_CPUS) {
		snprintf(err, errlen, "cannot count possible CPUs (%d)", ld->nrings);
		return -EINVAL;
	}
	ld->ring_fds = calloc((size_t)ld->nrings, sizeof(int));
	if (!ld->ring_fds)
		return -ENOMEM;
	for (int i = 0; i < ld->nrings; i++)
		ld->ring_fds[i] = -1;
	tmpl = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "hl_ring", 0, 0,
			      (__u32)ld->opts.cfg->ring_bytes, NULL);
	if (tmpl < 0) {
		snprintf(err, errlen, "cannot create a %llu-byte BPF ring buffer: %s",
			 (unsigned long long)ld->opts.cfg->ring_bytes, strerror(errno));
		return -errno;
	}
	mopts.inner_map_fd = tmpl;
	ld->rings_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "rings", sizeof(__u32),
				      sizeof(__u32), (__u32)ld->nrings, &mopts);
	close(tmpl);
	if (ld->rings_fd < 0) {
		snprintf(err, errlen, "cannot create the ring array: %s", strerror(errno));
		return -errno;
	}
	for (int i = 0; i < ld->nrings; i++) {
		__u32 key = (__u32)i;

		ld->ring_fds[i] = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "hl_ring", 0, 0,
						 (__u32)ld->opts.cfg->ring_bytes, NULL);
		if (ld->ring_fds[i] < 0 ||
		    bpf_map_update_elem(ld->rings_fd, &key, &ld->ring_fds[i], BPF_ANY)) {
			snprintf(err, errlen, "cannot create ring buffer for CPU %d: %s", i,
				 strerror(errno));
			return -errno;
		}
	}
	ld->drops_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "drops", sizeof(__u32),
				      sizeof(__u64), HL_DROP_MAX, NULL);
	if (ld->drops_fd < 0) {
		snprintf(err, errlen, "cannot create the drop counters: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Maps named sh_* are shared by name between signals: the first loaded
 * signal that declares one creates it, later ones reuse its fd.
 */
static int shared_map_reuse(struct loader *ld, struct bpf_map *map)
{
	for (int i = 0; i < ld->nrt; i++) {
		struct bpf_map *m;

		if (!ld->rt[i].on || !ld->rt[i].obj)
			continue;
		m = bpf_object__find_map_by_name(ld->rt[i].obj, bpf_map__name(map));
		if (m && bpf_map__fd(m) >= 0)
			return bpf_map__reuse_fd(map, bpf_map__fd(m));
	}
	return 0; /* first one: this object creates it */
}

/* Every row sharing rt's object sets its knobs on it, on or off; an off
 * row's programs are not loaded. */
static void object_knobs(struct loader *ld, struct signal_rt *rt)
{
	for (const struct signal *const *s = signals; *s; s++) {
		const struct signal *d = *s;
		bool on = config_signal_on(ld->opts.cfg, d->name);
		struct bpf_program *prog;

		if (d != rt->def &&
		    (!d->object || !rt->def->object || strcmp(d->object, rt->def->object)))
			continue;
		if (d->knobs)
			d->knobs(rt->skel, &ld->opts, on);
		if (on || !d->prog_prefix)
			continue;
		bpf_object__for_each_program(prog, rt->obj)
			if (!strncmp(bpf_program__name(prog), d->prog_prefix,
				     strlen(d->prog_prefix)))
				bpf_program__set_autoload(prog, false);
	}
}

/* Opens, loads and attaches one signal. Failures turn the signal off. */
static void signal_start(struct loader *ld, struct signal_rt *rt)
{
	const struct signal *def = rt->def;
	struct bpf_program *prog;
	struct bpf_map *map;
	char missing[128];
	int err;

	rt->skel = def->open(&ld->opts, &rt->obj);
	if (!rt->skel) {
		snprintf(rt->status, sizeof(rt->status), "off: open failed: %s", strerror(errno));
		goto fail;
	}
	rt->owner = true;
	object_knobs(ld, rt);
	bpf_object__for_each_map(map, rt->obj) {
		const char *name = bpf_map__name(map);

		if (!strcmp(name, "rings"))
			err = bpf_map__reuse_fd(map, ld->rings_fd);
		else if (!strcmp(name, "drops"))
			err = bpf_map__reuse_fd(map, ld->drops_fd);
		else if (!strncmp(name, "sh_", 3))
			err = shared_map_reuse(ld, map);
		else
			continue;
		if (err) {
			snprintf(rt->status, sizeof(rt->status), "off: sharing map %s: %s", name,
				 strerror(-err));
			goto fail;
		}
	}
	/* every tracepoint a program attaches to must exist on this kernel */
	bpf_object__for_each_program(prog, rt->obj) {
		const char *sec = bpf_program__section_name(prog);

		if (!bpf_program__autoload(prog))
			continue;
		if (!tracepoint_exists(ld, sec, missing, sizeof(missing))) {
			snprintf(rt->status, sizeof(rt->status),
				 "off: tracepoint %s is missing on this kernel", missing);
			goto fail;
		}
	}
	err = bpf_object__load(rt->obj);
	if (err) {
		snprintf(
			rt->status, sizeof(rt->status),
			"off: BPF load failed: %s (run with --log-level debug for the verifier log)",
			strerror(-err));
		goto fail;
	}
	bpf_object__for_each_program(prog, rt->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog) || rt->nlinks == MAX_LINKS)
			continue;
		/* uprobes are attached later, per process, by their signal */
		if (!strncmp(bpf_program__section_name(prog), "uprobe", 6) ||
		    !strncmp(bpf_program__section_name(prog), "uretprobe", 9))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			snprintf(rt->status, sizeof(rt->status), "off: attach %s failed: %s",
				 bpf_program__name(prog), strerror(errno));
			goto fail;
		}
		rt->link_prog[rt->nlinks] = prog;
		rt->links[rt->nlinks++] = link;
	}
	snprintf(rt->status, sizeof(rt->status), "on");
	rt->on = true;
	return;
fail:
	pr_warn("signal %s: %s", def->name, rt->status + (strncmp(rt->status, "off: ", 5) ? 0 : 5));
	for (int i = 0; i < rt->nlinks; i++)
		bpf_link__destroy(rt->links[i]);
	rt->nlinks = 0;
	if (rt->skel)
		def->destroy(rt->skel);
	rt->skel = NULL;
	rt->owner = false;
	rt->obj = NULL;
}

/* A row whose object an earlier row already started (or failed to) takes
 * that one's object and outcome. */
static bool signal_share(struct loader *ld, struct signal_rt *rt)
{
	for (struct signal_rt *o = ld->rt; o < rt; o++) {
		if (!rt->def->object || !o->def->object ||
		    strcmp(rt->def->object, o->def->object) || !o->status[0] ||
		    !strcmp(o->status, "off: not in --signals"))
			continue;
		rt->obj = o->obj;
		rt->skel = o->skel;
		rt->on = o->on;
		snprintf(rt->status, sizeof(rt->status), "%s", o->status);
		if (!rt->on)
			pr_warn("signal %s: %s", rt->def->name, rt->status + 5);
		return true;
	}
	return false;
}

struct loader *loader__new(const struct loader_opts *opts, char *err, size_t errlen)
{
	struct loader *ld;
	bool any = false;
	int ret;

	if (!have_bpf_caps()) {
		snprintf(err, errlen,
			 "must run as root (or with CAP_BPF and CAP_PERFMON): try sudo");
		errno = EPERM;
		return NULL;
	}
	/* CO-RE relocations and the tp_btf programs need the kernel's BTF */
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(err, errlen,
			 "this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): "
			 "CO-RE programs need CONFIG_DEBUG_INFO_BTF=y");
		errno = ENOENT;
		return NULL;
	}
	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return NULL;
	ld->opts = *opts;
	ld->rings_fd = ld->drops_fd = -1;
	libbpf_set_print(libbpf_print);
	ret = tracefs_ready(ld, err, errlen);
	if (ret)
		goto fail;
	ret = shared_maps_create(ld, err, errlen);
	if (ret)
		goto fail;
	for (const struct signal *const *s = signals; *s && ld->nrt < MAX_ROWS - 1; s++)
		ld->rt[ld->nrt++].def = *s;
	ld->rt[ld->nrt++].def = &bench_row;
	for (int i = 0; i < ld->nrt; i++) {
		struct signal_rt *rt = &ld->rt[i];

		if (rt->def == &bench_row) {
			if (!opts->bench_tgid) {
				snprintf(rt->status, sizeof(rt->status), "off: benchmark only");
				continue;
			}
		} else if (!config_signal_on(opts->cfg, rt->def->name)) {
			snprintf(rt->status, sizeof(rt->status), "off: not in --signals");
			continue;
		}
		if (!signal_share(ld, rt))
			signal_start(ld, rt);
		any |= rt->on;
	}
	if (!any) {
		snprintf(err, errlen, "no signal could be started (see the warnings above)");
		ret = -ENOENT;
		goto fail;
	}
	return ld;
fail:
	loader__free(ld);
	errno = -ret;
	return NULL;
}

void loader__detach(struct loader *ld)
{
	for (int i = 0; i < ld->nrt; i++) {
		struct signal_rt *rt = &ld->rt[i];

		for (int k = 0; k < rt->nlinks; k++)
			bpf_link__destroy(rt->links[k]);
		rt->nlinks = 0;
	}
}

void loader__free(struct loader *ld)
{
	if (!ld)
		return;
	for (int i = 0; i < ld->nrt; i++) {
		struct signal_rt *rt = &ld->rt[i];

		for (int k = 0; k < rt->nlinks; k++)
			bpf_link__destroy(rt->links[k]);
		if (rt->owner)
			rt->def->destroy(rt->skel);
	}
	if (ld->ring_fds)
		for (int i = 0; i < ld->nrings; i++)
			if (ld->ring_fds[i] >= 0)
				close(ld->ring_fds[i]);
	free(ld->ring_fds);
	if (ld->rings_fd >= 0)
		close(ld->rings_fd);
	if (ld->drops_fd >= 0)
		close(ld->drops_fd);
	free(ld);
}

int loader__nrings(const struct loader *ld)
{
	return ld->nrings;
}

int loader__ring_fd(const struct loader *ld, int cpu)
{
	return cpu >= 0 && cpu < ld->nrings ? ld->ring_fds[cpu] : -EINVAL;
}

static const struct signal_rt *rt_find(const struct loader *ld, const char *signal)
{
	for (int i = 0; i < ld->nrt; i++)
		if (!strcmp(ld->rt[i].def->name, signal))
			return &ld->rt[i];
	return NULL;
}

void *loader__skel(const struct loader *ld, const char *signal)
{
	const struct signal_rt *rt = ld ? rt_find(ld, signal) : NULL;

	return rt && rt->on ? rt->skel : NULL;
}

int loader__iter_create(const struct loader *ld, const struct bpf_program *prog)
{
	/* the links are the row's that loaded the object (shared objects) */
	for (int r = 0; ld && r < ld->nrt; r++) {
		const struct signal_rt *o = &ld->rt[r];

		for (int i = 0; i < o->nlinks; i++)
			if (o->link_prog[i] == prog)
				return bpf_iter_create(bpf_link__fd(o->links[i]));
	}
	return -ENOENT;
}

unsigned int loader__drop_map_size(const struct loader *ld, enum hl_drop r)
{
	const struct signal *owner = NULL;
	const struct signal_rt *rt;
	struct bpf_map *m;

	if (!signal_drop_find(r, &owner) || !owner->drop_map)
		return 0;
	rt = rt_find(ld, owner->name);
	m = rt && rt->on ? owner->drop_map(rt->skel, r) : NULL;
	return m ? bpf_map__max_entries(m) : 0;
}

uint64_t loader__prog_misses(const struct loader *ld)
{
	uint64_t n = 0;

	for (int i = 0; i < ld->nrt; i++) {
		const struct signal_rt *rt = &ld->rt[i];

		for (int k = 0; k < rt->nlinks; k++) {
			struct bpf_prog_info info;
			__u32 len = sizeof(info);

			memset(&info, 0, sizeof(info));
			if (!bpf_obj_get_info_by_fd(bpf_program__fd(rt->link_prog[k]), &info, &len))
				n += info.recursion_misses;
		}
	}
	return n;
}

uint64_t loader__drops(const struct loader *ld, enum hl_drop r, uint64_t *per_cpu)
{
	__u64 vals[HL_MAX_CPUS];
	__u32 key = (__u32)r;
	uint64_t total = 0;

	if (bpf_map_lookup_elem(ld->drops_fd, &key, vals))
		return 0;
	for (int i = 0; i < ld->nrings; i++) {
		if (per_cpu)
			per_cpu[i] = vals[i];
		total += vals[i];
	}
	return total;
}

const char *loader__signal_status(const struct loader *ld, const char *signal)
{
	const struct signal_rt *rt = rt_find(ld, signal);

	if (rt)
		return rt->status;
	if (signal_find(signal))
		return config_signal_on(ld->opts.cfg, signal) ? "off: not built yet" :
								"off: not in --signals";
	return NULL;
}

bool loader__signal_on(const struct loader *ld, const char *signal)
{
	const struct signal_rt *rt = rt_find(ld, signal);

	return rt && rt->on;
}
