// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Disk collector: usage of every real mounted filesystem (statvfs over
 * /proc/self/mounts) and I/O per block device (/proc/diskstats).
 *
 * Pseudo filesystems are skipped the way df and psutil do it: a type that
 * /proc/filesystems marks "nodev" (proc, sysfs, tmpfs, cgroup, nfs, ...) is
 * not a disk, except overlay and zfs (a container's root, ZFS datasets).
 * Network filesystems are thereby left out too, so a dead NFS server cannot
 * hang the tick in statvfs. A device mounted twice is reported once.
 *
 * Block devices that never did any I/O (unused loop/ram devices) are left
 * out. Host totals (disk_*_per_s) add whole disks only (those in
 * /sys/block, not loop, ram, zram, dm-*, md*), so partitions and stacked
 * devices are not counted twice. A device seen for the first time has
 * counters but no rates until the next tick; one that vanished is dropped.
 *
 * Fields: filesystems: [{mountpoint, device, fstype, total_bytes,
 * used_bytes, free_bytes, available_bytes, used_pct, inodes_total,
 * inodes_used}], disks: [{device, partition, reads_total, writes_total,
 * read_bytes, write_bytes, read_time_ms, write_time_ms, io_time_ms,
 * in_flight, reads_per_s, writes_per_s, read_bytes_per_s,
 * write_bytes_per_s, busy_pct, read_latency_avg_ms, write_latency_avg_ms}],
 * disk_reads_per_s, disk_writes_per_s, disk_read_bytes_per_s,
 * disk_write_bytes_per_s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "collectors/coll_priv.h"
#include "collectors/procfile.h"

enum {
	DS_RD,
	DS_RD_MERGED,
	DS_RD_SECT,
	DS_RD_MS,
	DS_WR,
	DS_WR_MERGED,
	DS_WR_SECT,
	DS_WR_MS,
	DS_INFLIGHT,
	DS_IO_MS,
	DS_WEIGHTED_MS,
	DS_N
};

struct disk_dev {
	char name[32];
	uint64_t prev[DS_N], cur[DS_N];
	bool have_prev, seen, whole;
};

struct disk_priv {
	struct procbuf mounts, fstypes, stats;
	struct disk_dev *devs;
	size_t n, cap;
	uint64_t prev_ns;
	bool have_tick; /* prev_ns holds an earlier read */
	bool no_diskstats, no_mounts;
};

static int disk_init(struct collector *c, const struct collector_env *env)
{
	struct disk_priv *p = c->priv;

	return procbuf__init(&p->mounts, 8192)		?:
		       procbuf__init(&p->fstypes, 2048) ?:
							  procbuf__init(&p->stats, 8192);
}

static void disk_destroy(struct collector *c)
{
	struct disk_priv *p = c->priv;

	procbuf__free(&p->mounts);
	procbuf__free(&p->fstypes);
	procbuf__free(&p->stats);
	free(p->devs);
}

/* Decodes the octal escapes of /proc/mounts (\040 space, \011, \012, \134). */
static void mount_unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static const char *const pseudo_fallback[] = {
	"proc",	   "sysfs",	 "tmpfs",    "devtmpfs",   "devpts",	"cgroup",
	"cgroup2", "debugfs",	 "tracefs",  "securityfs", "pstore",	"bpf",
	"mqueue",  "hugetlbfs",	 "configfs", "fusectl",	   "autofs",	"binfmt_misc",
	"nsfs",	   "rpc_pipefs", "efivarfs", "ramfs",	   "selinuxfs", "nfs",
	"nfs4",	   "cifs",	 "smb3",     "fuse",	   "squashfs",	NULL,
};

/* Is fstype a pseudo filesystem? fstypes holds /proc/filesystems or "". */
static bool fs_is_pseudo(const char *fstypes, const char *fstype)
{
	if (!strcmp(fstype, "overlay") || !strcmp(fstype, "zfs"))
		return false;
	if (!strcmp(fstype, "squashfs")) /* read-only images (snaps): always 100% */
		return true;
	if (*fstypes) {
		size_t fl = strlen(fstype);

		for (const char *s = fstypes; (s = strstr(s, fstype)); s += fl) {
			/* a line is "nodev\tNAME" or "\tNAME" */
			if ((s == fstypes || s[-1] == '\t') && (s[fl] == '\n' || s[fl] == '\0')) {
				const char *bol = s;

				while (bol > fstypes && bol[-1] != '\n')
					bol--;
				return !strncmp(bol, "nodev", 5);
			}
		}
		return true; /* not a registered type: not a disk */
	}
	for (int i = 0; pseudo_fallback[i]; i++)
		if (!strcmp(pseudo_fallback[i], fstype))
			return true;
	return false;
}

static bool fs_already(json_t *arr, const char *dev)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "device")), dev))
			return true;
	return false;
}

static int disk_filesystems(struct collector *c, struct disk_priv *p, json_t *out)
{
	const char *root = c->env->proc_root;
	const char *fstypes = "";
	char *cur, *line;
	json_t *arr;
	int err = procbuf__read(&p->mounts, root, "self/mounts");

	if (err == -ENOENT)
		err = procbuf__read(&p->mounts, root, "mounts");
	if (err)
		return err;
	if (!procbuf__read(&p->fstypes, root, "filesystems"))
		fstypes = p->fstypes.buf;

	arr = json_array();
	if (!arr)
		return -ENOMEM;
	cur = p->mounts.buf;
	while ((line = procfile_next_line(&cur))) {
		char *dev, *mnt, *type, *save = NULL;
		struct statvfs sv;
		uint64_t total, bfree, avail, used;
		json_t *o;

		dev = strtok_r(line, " ", &save);
		mnt = strtok_r(NULL, " ", &save);
		type = strtok_r(NULL, " ", &save);
		if (!dev || !mnt || !type || fs_is_pseudo(fstypes, type))
			continue;
		mount_unescape(dev);
		mount_unescape(mnt);
		if (fs_already(arr, dev))
			continue;
		if (statvfs(mnt, &sv) || !sv.f_blocks)
			continue;
		total = (uint64_t)sv.f_blocks * sv.f_frsize;
		bfree = (uint64_t)sv.f_bfree * sv.f_frsize;
		avail = (uint64_t)sv.f_bavail * sv.f_frsize;
		used = total - bfree;
		o = json_pack("{s:s,s:s,s:s}", "mountpoint", mnt, "device", dev, "fstype", type);
		if (!o)
			continue;
		coll_set_uint(o, "total_bytes", total);
		coll_set_uint(o, "used_bytes", used);
		coll_set_uint(o, "free_bytes", bfree);
		coll_set_uint(o, "available_bytes", avail);
		/* like df: the share of what non-root users can reach */
		coll_set_real(o, "used_pct",
			      used + avail ? 100.0 * (double)used / (double)(used + avail) : 0);
		coll_set_uint(o, "inodes_total", sv.f_files);
		coll_set_uint(o, "inodes_used", sv.f_files - sv.f_ffree);
		json_array_append_new(arr, o);
	}
	json_object_set_new(out, "filesystems", arr);
	return 0;
}

static bool dev_is_whole(const char *sys_root, const char *name)
{
	char rel[64];
	char path[4096];
	struct stat st;

	if (!strncmp(name, "loop", 4) || !strncmp(name, "ram", 3) || !strncmp(name, "zram", 4) ||
	    !strncmp(name, "dm-", 3) || !strncmp(name, "md", 2))
		return false;
	snprintf(rel, sizeof(rel), "block/%s", name);
	snprintf(path, sizeof(path), "%s/%s", sys_root, rel);
	return stat(path, &st) == 0;
}

static struct disk_dev *disk_dev_get(struct collector *c, struct disk_priv *p, const char *name)
{
	size_t had = p->n;
	struct disk_dev *d = named_table__get((void **)&p->devs, &p->n, &p->cap, sizeof(*d), name);

	if (d && p->n > had) /* new: is it a whole disk or a partition? */
		d->whole = dev_is_whole(c->env->sys_root, name);
	return d;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0;
}

static int disk_io(struct collector *c, struct disk_priv *p, json_t *out, uint64_t now_ns)
{
	uint64_t dt = now_ns - p->prev_ns;
	double t_rd = 0, t_wr = 0, t_rdb = 0, t_wrb = 0;
	char *cur, *line;
	json_t *arr;
	size_t w;
	int err = procbuf__read(&p->stats, c->env->proc_root, "diskstats");

	if (err)
		return err;
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		p->devs[i].seen = false;
	cur = p->stats.buf;
	while ((line = procfile_next_line(&cur))) {
		unsigned long long v[DS_N] = { 0 };
		unsigned int maj, min;
		char name[32];
		struct disk_dev *d;
		json_t *o;

		if (sscanf(line,
			   "%u %u %31s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &maj, &min, name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
			   &v[8], &v[9], &v[10]) < 14)
			continue;
		if (v[DS_RD] + v[DS_WR] == 0)
			continue;
		d = disk_dev_get(c, p, name);
		if (!d)
			continue;
		d->seen = true;
		for (int k = 0; k < DS_N; k++)
			d->cur[k] = v[k];

		o = json_pack("{s:s,s:b}", "device", name, "partition", !d->whole);
		if (!o)
			continue;
		coll_set_uint(o, "reads_total", d->cur[DS_RD]);
		coll_set_uint(o, "writes_total", d->cur[DS_WR]);
		coll_set_uint(o, "read_bytes", d->cur[DS_RD_SECT] * 512);
		coll_set_uint(o, "write_bytes", d->cur[DS_WR_SECT] * 512);
		coll_set_uint(o, "read_time_ms", d->cur[DS_RD_MS]);
		coll_set_uint(o, "write_time_ms", d->cur[DS_WR_MS]);
		coll_set_uint(o, "io_time_ms", d->cur[DS_IO_MS]);
		coll_set_uint(o, "in_flight", d->cur[DS_INFLIGHT]);
		if (d->have_prev && dt) {
			uint64_t drd = counter_delta(d->prev[DS_RD], d->cur[DS_RD]);
			uint64_t dwr = counter_delta(d->prev[DS_WR], d->cur[DS_WR]);
			uint64_t drb = counter_delta(d->prev[DS_RD_SECT], d->cur[DS_RD_SECT]) * 512;
			uint64_t dwb = counter_delta(d->prev[DS_WR_SECT], d->cur[DS_WR_SECT]) * 512;
			uint64_t dio = counter_delta(d->prev[DS_IO_MS], d->cur[DS_IO_MS]);
			double busy = 100.0 * (double)dio * 1e6 / (double)dt;

			coll_set_real(o, "reads_per_s", rate_per_s(drd, dt));
			coll_set_real(o, "writes_per_s", rate_per_s(dwr, dt));
			coll_set_real(o, "read_bytes_per_s", rate_per_s(drb, dt));
			coll_set_real(o, "write_bytes_per_s", rate_per_s(dwb, dt));
			coll_set_real(o, "busy_pct", busy > 100 ? 100 : busy);
			coll_set_real(o, "read_latency_avg_ms",
				      ratio(counter_delta(d->prev[DS_RD_MS], d->cur[DS_RD_MS]),
					    drd));
			coll_set_real(o, "write_latency_avg_ms",
				      ratio(counter_delta(d->prev[DS_WR_MS], d->cur[DS_WR_MS]),
					    dwr));
			if (d->whole) {
				t_rd += rate_per_s(drd, dt);
				t_wr += rate_per_s(dwr, dt);
				t_rdb += rate_per_s(drb, dt);
				t_wrb += rate_per_s(dwb, dt);
			}
		}
		json_array_append_new(arr, o);
	}
	/* Forget devices that vanished; keep the order of the rest. */
	for (size_t i = w = 0; i < p->n; i++) {
		struct disk_dev *d = &p->devs[i];

		if (!d->seen)
			continue;
		memcpy(d->prev, d->cur, sizeof(d->prev));
		d->have_prev = true;
		if (w != i)
			p->devs[w] = *d;
		w++;
	}
	p->n = w;
	json_object_set_new(out, "disks", arr);
	if (p->have_tick) {
		coll_set_real(out, "disk_reads_per_s", t_rd);
		coll_set_real(out, "disk_writes_per_s", t_wr);
		coll_set_real(out, "disk_read_bytes_per_s", t_rdb);
		coll_set_real(out, "disk_write_bytes_per_s", t_wrb);
	}
	p->prev_ns = now_ns;
	p->have_tick = true;
	return 0;
}

static int disk_collect(struct collector *c, json_t *out, uint64_t now_ns)
{
	struct disk_priv *p = c->priv;
	int err_fs = -ENOENT, err_io = -ENOENT;

	if (!p->no_mounts) {
		err_fs = disk_filesystems(c, p, out);
		if (err_fs == -ENOENT) {
			p->no_mounts = true;
			collector_log(c, "%s/self/mounts missing: no filesystem usage",
				      c->env->proc_root);
		}
	}
	if (!p->no_diskstats) {
		err_io = disk_io(c, p, out, now_ns);
		if (err_io == -ENOENT) {
			p->no_diskstats = true;
			collector_log(c, "%s/diskstats missing: no disk I/O", c->env->proc_root);
		}
	}
	if (p->no_mounts && p->no_diskstats)
		return -ENOENT;
	if (err_fs && err_fs != -ENOENT)
		return err_fs;
	if (err_io && err_io != -ENOENT)
		return err_io;
	return 0;
}

const struct collector_ops disk_collector_ops = {
	.name = "disk",
	.priv_size = sizeof(struct disk_priv),
	.init = disk_init,
	.collect = disk_collect,
	.destroy = disk_destroy,
};
