// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: the per-sink on-disk spool (spool.h). Two threads use it: the
 * processor thread appends when a sink's memory queue is full or the sink is
 * failing (sinks__submit), the sink's own thread appends what failed and
 * reads, replaces and removes the oldest batch as it replays. The stats
 * readers (web thread) only read the counters.
 *
 * Locking. One mutex (mu) guards the index (ents, bytes, nrec). It is never
 * held across slow I/O: writing a batch and its fsync happen first, unlocked,
 * into a temporary file of that writer's own (".tmp-<name>.<n>"); then, under
 * mu, the file is renamed into place, the index updated and, when the total
 * is over max_bytes, the oldest batches unlinked (metadata operations, no
 * data waits); the directory is fsynced after mu is released. Reads happen
 * unlocked as well: the index says which file, the file is opened without
 * mu. A slow disk therefore stalls only the thread writing to it, never the
 * other one or a stats reader waiting for mu.
 *
 * Ordering and at-least-once. A batch counts as spooled once its file has
 * been fsynced and renamed and the directory fsynced: spool__append returns
 * only then. A write that fails leaves the index and every older batch as
 * they were (nothing is evicted before the new batch is safe). Races with
 * the unlocked I/O: a batch evicted while it is being read is still read
 * whole (an unlinked file stays readable) or reported -ENOENT; a batch
 * evicted while it is being rewritten (spool__replace) stays evicted (the
 * rewrite checks the index under mu before its rename and drops its
 * temporary file). While writes are in flight the directory can hold up to
 * one batch per writer beyond max_bytes (two threads: two batches).
 *
 * The index is an array sorted by sequence number; the files are the truth
 * after a restart.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sinks/spool.h"
#include "user/lib/fs.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

struct spool_ent {
	uint64_t seq;
	uint64_t bytes;
	uint64_t nrec;
};

struct spool {
	char dir[PATH_MAX];
	int dirfd;
	uint64_t max_bytes;
	unsigned long tmp_seq; /* atomic: unique temporary names */
	pthread_mutex_t mu;
	struct spool_ent *ents;
	size_t n, cap;
	uint64_t bytes, nrec;
};

static void ent_name(uint64_t seq, char *buf, size_t len)
{
	snprintf(buf, len, "%016" PRIx64 ".batch", seq);
}

static int ent_cmp(const void *a, const void *b)
{
	const struct spool_ent *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static ssize_t ent_find(struct spool *sp, uint64_t seq)
{
	size_t lo = 0, hi = sp->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (sp->ents[mid].seq == seq)
			return (ssize_t)mid;
		if (sp->ents[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Room for one more index entry, so an insert after a rename cannot fail. */
static int ent_reserve(struct spool *sp)
{
	if (sp->n == sp->cap) {
		size_t cap = sp->cap ? sp->cap * 2 : 64;
		struct spool_ent *n = realloc(sp->ents, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		sp->ents = n;
		sp->cap = cap;
	}
	return 0;
}

static int ent_insert(struct spool *sp, const struct spool_ent *e)
{
	size_t i;

	if (ent_reserve(sp))
		return -ENOMEM;
	for (i = sp->n; i > 0 && sp->ents[i - 1].seq > e->seq; i--)
		;
	memmove(&sp->ents[i + 1], &sp->ents[i], (sp->n - i) * sizeof(*e));
	sp->ents[i] = *e;
	sp->n++;
	sp->bytes += e->bytes;
	sp->nrec += e->nrec;
	return 0;
}

/* Removes index i and its file. */
static void ent_delete(struct spool *sp, size_t i)
{
	char name[64];

	ent_name(sp->ents[i].seq, name, sizeof(name));
	unlinkat(sp->dirfd, name, 0);
	sp->bytes -= sp->ents[i].bytes;
	sp->nrec -= sp->ents[i].nrec;
	memmove(&sp->ents[i], &sp->ents[i + 1], (sp->n - i - 1) * sizeof(sp->ents[0]));
	sp->n--;
}

static int read_all(int dirfd, const char *name, char **out, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

struct spool *spool__open(const char *dir, uint64_t max_bytes)
{
	struct spool *sp = calloc(1, sizeof(*sp));
	struct dirent *de;
	DIR *d = NULL;
	int err;

	if (!sp)
		return NULL;
	sp->dirfd = -1;
	pthread_mutex_init(&sp->mu, NULL);
	snprintf(sp->dir, sizeof(sp->dir), "%s", dir);
	sp->max_bytes = max_bytes;
	err = fs_mkdir_p(dir, 0750);
	if (err)
		goto fail;
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		err = -errno;
		goto fail;
	}
	if (faccessat(sp->dirfd, ".", W_OK, AT_EACCESS)) {
		err = -errno;
		goto fail;
	}
	d = fdopendir(dup(sp->dirfd));
	if (!d) {
		err = -errno;
		goto fail;
	}
	while ((de = readdir(d))) {
		struct spool_ent e = { 0 };
		char *data, *end;
		size_t len;

		if (!strncmp(de->d_name, ".tmp-", 5)) {
			unlinkat(sp->dirfd, de->d_name, 0); /* a crash mid-write */
			continue;
		}
		if (strlen(de->d_name) != 22 || strcmp(de->d_name + 16, ".batch"))
			continue;
		e.seq = strtoull(de->d_name, &end, 16);
		if (end != de->d_name + 16)
			continue;
		if (read_all(sp->dirfd, de->d_name, &data, &len))
			continue;
		e.bytes = len;
		for (size_t i = 0; i < len; i++)
			e.nrec += data[i] == '\n';
		free(data);
		err = ent_insert(sp, &e);
		if (err)
			goto fail;
	}
	closedir(d);
	if (sp->n) /* ents is NULL for an empty spool: qsort(NULL, 0) is UB */
		qsort(sp->ents, sp->n, sizeof(sp->ents[0]), ent_cmp);
	return sp;
fail:
	if (d)
		closedir(d);
	spool__close(sp);
	errno = -err;
	return NULL;
}

/*
 * Writes the unmarked records of b for batch seq into a new temporary file
 * and fsyncs it; its name goes to tmp, bytes/nrec out. Called without mu:
 * this is the slow part. On failure nothing is left behind.
 */
static int write_tmp(struct spool *sp, uint64_t seq, const struct record_batch *b,
		     const unsigned char *mark, char *tmp, size_t tmplen, uint64_t *bytes,
		     uint64_t *nrec)
{
	unsigned long n = __atomic_add_fetch(&sp->tmp_seq, 1, __ATOMIC_RELAXED);
	char name[64];
	FILE *f;
	int fd, err = 0;

	*bytes = 0;
	*nrec = 0;
	ent_name(seq, name, sizeof(name));
	snprintf(tmp, tmplen, ".tmp-%s.%lu", name, n);
	fd = openat(sp->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto fail;
	}
	errno = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (mark && mark[i])
			continue;
		if (fwrite(b->recs[i].line, 1, b->recs[i].len, f) != b->recs[i].len ||
		    fputc('\n', f) == EOF) {
			err = -(errno ? errno : EIO);
			break;
		}
		*bytes += b->recs[i].len + 1;
		(*nrec)++;
	}
	if (!err && fflush(f))
		err = -(errno ? errno : EIO);
	if (!err && fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -(errno ? errno : EIO);
	if (!err)
		return 0;
fail:
	unlinkat(sp->dirfd, tmp, 0);
	/* EFBIG here is a file size limit (RLIMIT_FSIZE, the filesystem's
	 * largest file), not "larger than the spool": no room for it */
	return err == -EFBIG ? -ENOSPC : err;
}

int spool__append(struct spool *sp, uint64_t seq, const struct record_batch *b,
		  const unsigned char *mark, uint64_t *dropped)
{
	struct spool_ent e = { .seq = seq };
	uint64_t want = 0, cnt = 0;
	char name[64], tmp[96];
	ssize_t old;
	int err;

	for (size_t i = 0; i < b->n; i++) {
		if (mark && mark[i])
			continue;
		want += b->recs[i].len + 1;
		cnt++;
	}
	if (!cnt)
		return 0;
	if (want > sp->max_bytes) {
		*dropped += cnt;
		return -EFBIG;
	}
	/* the new batch is safe on disk before anything old goes */
	err = write_tmp(sp, seq, b, mark, tmp, sizeof(tmp), &e.bytes, &e.nrec);
	if (err)
		return err;
	ent_name(seq, name, sizeof(name));
	pthread_mutex_lock(&sp->mu);
	err = ent_reserve(sp);
	if (!err && renameat(sp->dirfd, tmp, sp->dirfd, name))
		err = -errno;
	if (err)
		goto unlock;
	old = ent_find(sp, seq);
	if (old >= 0) { /* same batch spooled again: its file was just replaced */
		sp->bytes -= sp->ents[old].bytes;
		sp->nrec -= sp->ents[old].nrec;
		memmove(&sp->ents[old], &sp->ents[old + 1], (sp->n - (size_t)old - 1) * sizeof(e));
		sp->n--;
	}
	ent_insert(sp, &e); /* cannot fail: reserved */
	/* back within the bound: the oldest go first, never the batch just
	 * written (it fits by itself: checked above) */
	while (sp->bytes > sp->max_bytes) {
		size_t i = sp->ents[0].seq == seq ? 1 : 0;

		if (i >= sp->n)
			break;
		*dropped += sp->ents[i].nrec;
		ent_delete(sp, i);
	}
unlock:
	pthread_mutex_unlock(&sp->mu);
	if (err)
		unlinkat(sp->dirfd, tmp, 0);
	else
		fsync(sp->dirfd); /* the rename and the unlinks, durable */
	return err;
}

bool spool__head(struct spool *sp, uint64_t *seq)
{
	bool any;

	pthread_mutex_lock(&sp->mu);
	any = sp->n > 0;
	if (any)
		*seq = sp->ents[0].seq;
	pthread_mutex_unlock(&sp->mu);
	return any;
}

int spool__read(struct spool *sp, uint64_t seq, struct record_batch **out, uint64_t *bad)
{
	struct record_batch *b = NULL;
	char name[64], *data = NULL, *p, *nl;
	uint64_t nrec;
	size_t len;
	ssize_t i;
	int err;

	*out = NULL;
	pthread_mutex_lock(&sp->mu);
	i = ent_find(sp, seq);
	nrec = i >= 0 ? sp->ents[i].nrec : 0;
	pthread_mutex_unlock(&sp->mu);
	if (i < 0)
		return -ENOENT;
	/* unlocked: evicted meanwhile reads as -ENOENT (or whole, still open) */
	ent_name(seq, name, sizeof(name));
	err = read_all(sp->dirfd, name, &data, &len);
	if (err)
		goto out;
	b = record_batch__new(nrec + 1);
	if (!b) {
		err = -ENOMEM;
		goto out;
	}
	for (p = data; p < data + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(data + len - p));
		if (!nl)
			nl = data + len;
		if (nl == p)
			continue;
		if (b->n == b->cap) {
			struct record *r = realloc(b->recs, b->cap * 2 * sizeof(*r));

			if (!r) {
				err = -ENOMEM;
				goto out;
			}
			b->recs = r;
			b->cap *= 2;
		}
		if (record_from_line(&b->recs[b->n], p, (size_t)(nl - p)))
			(*bad)++;
		else
			b->n++;
	}
	*out = b;
	b = NULL;
out:
	free(data);
	record_batch__put(b);
	return err;
}

int spool__replace(struct spool *sp, uint64_t seq, const struct record_batch *b,
		   const unsigned char *mark)
{
	struct spool_ent e = { .seq = seq };
	char name[64], tmp[96];
	bool any = false, renamed = false;
	ssize_t i;
	int err = 0;

	for (size_t k = 0; k < b->n && !any; k++)
		any = !mark || !mark[k];
	if (any) {
		/* written unlocked; the index is asked again before the rename */
		pthread_mutex_lock(&sp->mu);
		i = ent_find(sp, seq);
		pthread_mutex_unlock(&sp->mu);
		if (i < 0)
			return 0; /* dropped meanwhile: stays dropped */
		err = write_tmp(sp, seq, b, mark, tmp, sizeof(tmp), &e.bytes, &e.nrec);
		if (err)
			return err; /* the old file stays as it was */
	}
	ent_name(seq, name, sizeof(name));
	pthread_mutex_lock(&sp->mu);
	i = ent_find(sp, seq);
	if (i < 0)
		goto unlock;
	if (!any) { /* every record settled */
		ent_delete(sp, (size_t)i);
		goto unlock;
	}
	if (renameat(sp->dirfd, tmp, sp->dirfd, name)) {
		err = -errno;
		goto unlock;
	}
	renamed = true;
	sp->bytes = sp->bytes - sp->ents[i].bytes + e.bytes;
	sp->nrec = sp->nrec - sp->ents[i].nrec + e.nrec;
	sp->ents[i] = e;
unlock:
	pthread_mutex_unlock(&sp->mu);
	if (renamed)
		fsync(sp->dirfd);
	else if (any)
		unlinkat(sp->dirfd, tmp, 0);
	return err;
}

void spool__remove(struct spool *sp, uint64_t seq)
{
	ssize_t i;

	pthread_mutex_lock(&sp->mu);
	i = ent_find(sp, seq);
	if (i >= 0)
		ent_delete(sp, (size_t)i);
	pthread_mutex_unlock(&sp->mu);
}

uint64_t spool__bytes(struct spool *sp)
{
	uint64_t v;

	pthread_mutex_lock(&sp->mu);
	v = sp->bytes;
	pthread_mutex_unlock(&sp->mu);
	return v;
}

size_t spool__count(struct spool *sp)
{
	size_t v;

	pthread_mutex_lock(&sp->mu);
	v = sp->n;
	pthread_mutex_unlock(&sp->mu);
	return v;
}

uint64_t spool__records(struct spool *sp)
{
	uint64_t v;

	pthread_mutex_lock(&sp->mu);
	v = sp->nrec;
	pthread_mutex_unlock(&sp->mu);
	return v;
}

uint64_t spool__max_seq(struct spool *sp)
{
	uint64_t v;

	pthread_mutex_lock(&sp->mu);
	v = sp->n ? sp->ents[sp->n - 1].seq : 0;
	pthread_mutex_unlock(&sp->mu);
	return v;
}

void spool__close(struct spool *sp)
{
	if (!sp)
		return;
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	pthread_mutex_destroy(&sp->mu);
	free(sp->ents);
	free(sp);
}
