// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * File sink: NDJSON, one record a line, to <data_dir>/records.ndjson.
 * Rotation at batch boundaries once the file is file_rotate_bytes large or
 * file_rotate_seconds old: renamed to records-<UTC time>.ndjson (names sort
 * by age), gzipped to .ndjson.gz when file_gzip is on, the oldest removed
 * past file_keep. fsync policy: never, batch (fdatasync after each batch) or
 * always (O_DSYNC: each record durable before the next). A write that fails
 * (disk full) is cut back to the last whole record and reported -EAGAIN so
 * the engine spools and retries: no torn line, no record twice from a retry.
 * Runs on its own sink thread only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "sinks/sink.h"
#include "sinks/sink_util.h"
#include "user/lib/fs.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

enum fsync_policy { FSYNC_NEVER, FSYNC_BATCH, FSYNC_ALWAYS };

struct file_sink {
	char dir[PATH_MAX];
	char path[PATH_MAX];
	int fd;
	uint64_t size;
	int64_t opened_ms;
	uint64_t rotate_bytes;
	int64_t rotate_ms;
	int keep;
	bool gzip;
	enum fsync_policy fsync;
};

#define FILE_BASENAME "records.ndjson"

static int file_open(struct sink *s)
{
	struct file_sink *f = s->priv;
	struct statx stx;
	int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;

	if (f->fsync == FSYNC_ALWAYS)
		flags |= O_DSYNC;
	f->fd = open(f->path, flags, 0640);
	if (f->fd < 0) {
		int err = errno;

		snprintf(s->errmsg, sizeof(s->errmsg),
			 "cannot write %s: %s (is --data-dir writable?)", f->path, strerror(err));
		return -err;
	}
	f->opened_ms = sink_wall_ms();
	f->size = 0;
	if (!statx(f->fd, "", AT_EMPTY_PATH, STATX_SIZE | STATX_BTIME, &stx)) {
		f->size = stx.stx_size;
		/* A file left by an earlier run keeps its age (birth time where the
		 * filesystem records it). */
		if ((stx.stx_mask & STATX_BTIME) && f->size)
			f->opened_ms = (int64_t)stx.stx_btime.tv_sec * 1000 +
				       stx.stx_btime.tv_nsec / 1000000;
	}
	return 0;
}

static bool rotated_name(const char *n, bool *gz)
{
	size_t len = strlen(n);

	if (strncmp(n, "records-", 8))
		return false;
	if (len > 10 && !strcmp(n + len - 10, ".ndjson.gz")) {
		*gz = true;
		return true;
	}
	*gz = false;
	return len > 7 && !strcmp(n + len - 7, ".ndjson");
}

/* gzips dir/name to dir/name.gz (temporary name first), removes the original. */
static int file_gzip(struct sink *s, const char *name)
{
	struct file_sink *f = s->priv;
	char src[PATH_MAX + 64], tmp[PATH_MAX + 80], dst[PATH_MAX + 64];
	char buf[65536];
	int in = -1, out = -1, err = 0;
	gzFile gz = NULL;
	ssize_t n;

	snprintf(src, sizeof(src), "%s/%s", f->dir, name);
	snprintf(tmp, sizeof(tmp), "%s/%s.gz.tmp", f->dir, name);
	snprintf(dst, sizeof(dst), "%s/%s.gz", f->dir, name);
	in = open(src, O_RDONLY | O_CLOEXEC);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (in < 0 || out < 0) {
		err = -errno;
		goto out;
	}
	gz = gzdopen(dup(out), "wb6");
	if (!gz) {
		err = -ENOMEM;
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (gzwrite(gz, buf, (unsigned)n) != n) {
			int zerr;

			gzerror(gz, &zerr);
			err = zerr == Z_ERRNO ? -errno : -EIO;
			goto out;
		}
	}
	if (n < 0) {
		err = -errno;
		goto out;
	}
	if (gzclose(gz) != Z_OK) {
		gz = NULL;
		err = -(errno ? errno : EIO);
		goto out;
	}
	gz = NULL;
	if (fsync(out)) {
		err = -errno;
		goto out;
	}
	if (rename(tmp, dst)) {
		err = -errno;
		goto out;
	}
	unlink(src);
out:
	if (gz)
		gzclose(gz);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (err) {
		unlink(tmp);
		sink_log("file", "cannot gzip %s: %s (kept uncompressed)", src, strerror(-err));
	}
	return err;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* gzips rotated files still plain (gzip on) and removes the oldest past keep. */
static void file_tidy(struct sink *s)
{
	struct file_sink *f = s->priv;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(f->dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		bool gz;
		size_t len = strlen(de->d_name);

		if (len > 7 && !strcmp(de->d_name + len - 7, ".gz.tmp") &&
		    !strncmp(de->d_name, "records-", 8)) {
			unlinkat(dirfd(d), de->d_name, 0); /* a crash mid-gzip */
			continue;
		}
		if (!rotated_name(de->d_name, &gz))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*nn));

			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n) /* names is NULL when no rotated file exists: qsort(NULL, 0) is UB */
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		bool gz;

		rotated_name(names[i], &gz);
		if (i + (size_t)f->keep < n) {
			char p[PATH_MAX + 64];

			snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
			unlink(p);
		} else if (f->gzip && !gz) {
			file_gzip(s, names[i]);
		}
		free(names[i]);
	}
	free(names);
}

static int file_rotate(struct sink *s)
{
	struct file_sink *f = s->priv;
	char name[96], dst[PATH_MAX + 96];
	int64_t now = sink_wall_ms();
	time_t secs = (time_t)(now / 1000);
	struct tm tm;
	int ret;

	if (f->fsync != FSYNC_NEVER)
		fdatasync(f->fd);
	close(f->fd);
	f->fd = -1;
	gmtime_r(&secs, &tm);
	for (int i = 0;; i++) {
		int n = snprintf(name, sizeof(name), "records-%04d%02d%02dT%02d%02d%02d.%03dZ",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				 tm.tm_min, tm.tm_sec, (int)(now % 1000));

		if (i)
			snprintf(name + n, sizeof(name) - n, "-%03d", i);
		strncat(name, ".ndjson", sizeof(name) - strlen(name) - 1);
		snprintf(dst, sizeof(dst), "%s/%s", f->dir, name);
		if (access(dst, F_OK) &&
		    (snprintf(dst + strlen(dst), 4, ".gz"), access(dst, F_OK))) {
			dst[strlen(dst) - 3] = '\0';
			break;
		}
	}
	if (rename(f->path, dst)) {
		ret = -errno;
		snprintf(s->errmsg, sizeof(s->errmsg), "rotate %s: %s", f->path, strerror(-ret));
		file_open(s);
		return ret;
	}
	ret = file_open(s);
	file_tidy(s);
	return ret;
}

static int file_init(struct sink *s, const struct config *cfg)
{
	struct file_sink *f = s->priv;
	int ret;

	f->fd = -1;
	snprintf(f->dir, sizeof(f->dir), "%s", cfg->data_dir);
	if (snprintf(f->path, sizeof(f->path), "%s/" FILE_BASENAME, cfg->data_dir) >=
	    (int)sizeof(f->path)) {
		snprintf(s->errmsg, sizeof(s->errmsg), "--data-dir too long");
		return -ENAMETOOLONG;
	}
	f->rotate_bytes = cfg->file_rotate_bytes;
	f->rotate_ms = (int64_t)cfg->file_rotate_seconds * 1000;
	f->keep = cfg->file_keep;
	f->gzip = cfg->file_gzip;
	f->fsync = !strcmp(cfg->file_fsync, "never")  ? FSYNC_NEVER :
		   !strcmp(cfg->file_fsync, "always") ? FSYNC_ALWAYS :
							FSYNC_BATCH;
	ret = fs_mkdir_p(f->dir, 0750);
	if (ret) {
		snprintf(s->errmsg, sizeof(s->errmsg), "cannot create --data-dir %s: %s", f->dir,
			 strerror(-ret));
		return ret;
	}
	ret = file_open(s);
	if (ret)
		return ret;
	file_tidy(s);
	return 0;
}

static int file_write(struct sink *s, const struct record_batch *b)
{
	struct file_sink *f = s->priv;
	struct iovec iov[IOV_MAX];
	uint64_t start;
	size_t i = 0;
	int err = 0;

	if (f->fd < 0 && file_open(s))
		return -EAGAIN;
	if (f->size && ((f->rotate_bytes && f->size >= f->rotate_bytes) ||
			sink_wall_ms() - f->opened_ms >= f->rotate_ms)) {
		if (file_rotate(s) && f->fd < 0)
			return -EAGAIN;
	}
	start = f->size;
	while (i < b->n) {
		size_t niov = 0, want = 0, per = f->fsync == FSYNC_ALWAYS ? 1 : IOV_MAX / 2;
		size_t first = i;

		for (; i < b->n && niov / 2 < per; i++) {
			iov[niov++] = (struct iovec){ b->recs[i].line, b->recs[i].len };
			iov[niov++] = (struct iovec){ (void *)"\n", 1 };
			want += b->recs[i].len + 1;
		}
		while (want) {
			ssize_t n = writev(f->fd, iov, (int)niov);
			size_t left;

			if (n < 0) {
				if (errno == EINTR)
					continue;
				err = -errno;
				goto fail;
			}
			f->size += (uint64_t)n;
			want -= (size_t)n;
			/* advance the iovecs past what was written */
			left = (size_t)n;
			while (niov && left >= iov[0].iov_len) {
				left -= iov[0].iov_len;
				memmove(iov, iov + 1, --niov * sizeof(iov[0]));
			}
			if (niov && left) {
				iov[0].iov_base = (char *)iov[0].iov_base + left;
				iov[0].iov_len -= left;
			}
		}
		if (f->fsync == FSYNC_ALWAYS) {
			start = f->size; /* each record durable: mark it delivered */
			s->mark[first] = SINK_MARK_DONE;
		}
	}
	if (f->fsync == FSYNC_BATCH && fdatasync(f->fd)) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	/* Cut back to the last whole record so a retry does not tear or repeat. */
	if (ftruncate(f->fd, (off_t)start) == 0)
		f->size = start;
	snprintf(s->errmsg, sizeof(s->errmsg), "write %s: %s", f->path, strerror(-err));
	return -EAGAIN;
}

static int file_flush(struct sink *s)
{
	struct file_sink *f = s->priv;

	if (f->fd >= 0 && f->fsync != FSYNC_NEVER && fdatasync(f->fd))
		return -errno;
	return 0;
}

static void file_destroy(struct sink *s)
{
	struct file_sink *f = s->priv;

	if (f && f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
}

/* Its rows of the option table (user/runtime/config.c merges them in). */
static const struct config_opt file_options[] = {
	{ "file-rotate-bytes", CONFIG_OPT_SIZE, CONFIG_FIELD(file_rotate_bytes), "64M", "SIZE",
	  "rotate the records file past this size (0: by age only)" },
	{ "file-rotate-seconds", CONFIG_OPT_INT, CONFIG_FIELD(file_rotate_seconds), "3600",
	  "SECONDS", "rotate the records file after this age", 1, 30 * 86400 },
	{ "file-keep", CONFIG_OPT_INT, CONFIG_FIELD(file_keep), "10", "N", "rotated files kept", 0,
	  10000 },
	{ "file-gzip", CONFIG_OPT_BOOL, CONFIG_FIELD(file_gzip), "false", "BOOL",
	  "gzip rotated files" },
	{ "file-fsync", CONFIG_OPT_ENUM, CONFIG_FIELD(file_fsync), "batch", "POLICY",
	  "never, batch or always", 0, 0, "never|batch|always" },
	{ NULL },
};

const struct sink_ops file_sink_ops = {
	.options = file_options,
	.name = "file",
	.priv_size = sizeof(struct file_sink),
	.init = file_init,
	.write = file_write,
	.flush = file_flush,
	.destroy = file_destroy,
};
