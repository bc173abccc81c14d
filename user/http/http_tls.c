// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * OpenSSL uprobes: finds libssl files mapped by processes (/proc/PID/maps)
 * and attaches SSL_read/SSL_write/SSL_read_ex/SSL_write_ex entry and return
 * probes once per distinct file, for every process (pid -1): the BPF side
 * applies the process filter. Processor thread only.
 * Programs loaded for uprobe_multi (loader.c does it where the kernel has
 * them) are attached as uprobe_multi links: after the capability drop the
 * perf uprobe PMU would need CAP_SYS_ADMIN, which is gone (caps.h).
 *
 * DESIGN
 * - A file is known by the device and inode that /proc/PID/maps gives for
 *   the mapping: the real file, the inode the kernel's uprobe lands on
 *   (overlayfs containers of one image share it).
 * - The files are anyone's: a local user can map a file named libssl.so of
 *   their own making. It is opened once, inside the process's root (openat2
 *   RESOLVE_IN_ROOT: the container's symlinks cannot point at the host's
 *   files), non-blocking (a FIFO), regular files only, never on FUSE (a
 *   user's daemon would hold the read, and the processor thread with it).
 *   Its symbols are read with the bounded resolver (http_tls_elf.c: no libelf, no
 *   mmap: a file truncated under us is a short read, not a SIGBUS), and the
 *   probes are attached through /proc/self/fd/N: the file parsed and the file
 *   probed are one inode, whatever the path points at a moment later. A file
 *   that gives no probe is remembered (TLS_BAD_SLOTS) and not read again.
 * - The table holds TLS_MAX_LIBS files. Every scan (2 s) reads the maps of
 *   processes not seen before and attaches new files to free slots. A sweep
 *   reads every process's maps, detaches the files that no process maps any
 *   more (the system's libssl, attached at start, stays) and attaches what
 *   waits. Sweeps run every 5 minutes, and when a new file found the table
 *   full (at most once per TLS_SWEEP_MIN_SCANS scans). A file a sweep finds
 *   no slot for is counted (tls_libraries_full_total), logged at most once a
 *   minute, and retried at the next sweep: no file waits silently.
 * - Detaching is slow: the kernel waits for RCU grace periods at each
 *   uprobe's removal (~150 ms a probe, ~1.2 s a file, measured on 6.18), and
 *   a sweep may drop 32 files. So the processor thread only hands the links
 *   to the reaper: up to TLS_REAP_WORKERS threads, started when there is
 *   work and gone when it is done, destroy them side by side (their grace
 *   periods overlap). Until then the old probes still fire for a process
 *   that maps the file again (none did at the sweep). A full queue, or a
 *   thread that cannot start, means destroying on the processor thread.
 *   http_tls__free hands over every link and waits for the reaper.
 */
#include <errno.h>
#include <dirent.h>
#include <pthread.h>
#include <elf.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <bpf/libbpf.h>

#include "user/http/http_ctl.h"
#include "user/http/http_tls.h"
#include "user/http/http_tls_elf.h"
#include "user/lib/counters.h"
#include "user/runtime/log.h"
#include "user/runtime/thread.h"
#include "user/lib/uprobe_multi.h"
#include "user/lib/table.h"
#include "user/lib/utf8.h"

#define TLS_LINKS 8
#define TLS_FUNCS 4
#define SEEN_SLOTS 65536      /* pids scanned (power of 2) */
#define TLS_BAD_SLOTS 64      /* files that gave no probe (a ring) */
#define TLS_PATH_MAX 1024     /* longer mapped paths are not probed */
#define TLS_SWEEP_EVERY 150   /* scans (2 s each): a sweep every 5 minutes */
#define TLS_SWEEP_MIN_SCANS 5 /* 10 s between sweeps a full table asks for */
#define TLS_LOG_EVERY 30      /* scans between two "table full" lines: 1 minute */
#define TLS_REAP_WORKERS 8    /* threads destroying links at once */
#define TLS_REAP_MAX (2 * TLS_MAX_LIBS * TLS_LINKS) /* links waiting for them */

/* Pids scanned: 32 slots from a pid's home; crowded, the home slot is
 * overwritten (a rescan is harmless). */
static const struct table_type seen_type = {
	.entry_size = sizeof(uint32_t),
	.key_size = sizeof(uint32_t),
	.probe = 32,
	.hash = table_hash_id32,
	.evict = true,
};

struct tls_key {
	uint64_t dev, ino;
};

/* One probe: a libbpf link (perf uprobe PMU) or a uprobe_multi link's fd. */
struct tls_link {
	struct bpf_link *l;
	int fd; /* -1 with l */
};

struct tls_lib {
	bool used, pinned, mapped;
	struct tls_key key;
	char path[UTF8_SAFE_SIZE(127)]; /* for display: sanitized, maybe cut */
	struct tls_link links[TLS_LINKS];
	int nlinks;
};

/* A file a sweep found without probes. */
struct tls_wait {
	uint32_t pid;
	struct tls_key key;
	char file[TLS_PATH_MAX]; /* the path in the process's root */
};

/* Links on their way out (DESIGN above). */
struct tls_reaper {
	pthread_mutex_t lock;
	pthread_cond_t idle; /* the last worker left */
	struct tls_link q[TLS_REAP_MAX];
	unsigned int head, n; /* a ring */
	int workers;
	uint64_t reaped;
};

struct http_tls {
	struct bpf_object *obj;
	struct tls_reaper reap;
	char proc_root[128];
	struct tls_lib libs[TLS_MAX_LIBS];
	struct tls_key bad[TLS_BAD_SLOTS];
	unsigned int nbad;     /* written so far; the ring wraps */
	struct tls_wait *wait; /* TLS_MAX_LIBS entries */
	int nwait;
	uint64_t wait_overflow; /* files beyond the wait list in this sweep */
	struct table *seen;	/* pids scanned (seen_type) */
	unsigned int scans, next_sweep, next_full_log;
	bool want_sweep;
	uint64_t full_total, evicted_total;
	char line[TLS_PATH_MAX + 128]; /* a maps line */
};

static const struct {
	const char *prog;
	int func; /* index into funcs[] */
	bool ret;
} probes[TLS_LINKS] = {
	{ "ssl_write", 0, false },    { "ssl_write_ret", 0, true },
	{ "ssl_read", 1, false },     { "ssl_read_ret", 1, true },
	{ "ssl_write_ex", 2, false }, { "ssl_write_ex_ret", 2, true },
	{ "ssl_read_ex", 3, false },  { "ssl_read_ex_ret", 3, true },
};

static const char *const funcs[TLS_FUNCS] = { "SSL_write", "SSL_read", "SSL_write_ex",
					      "SSL_read_ex" };

bool tls_mount_is_fuse(const char *mountinfo, unsigned int maj, unsigned int min)
{
	char line[1024];
	bool fuse = false;
	FILE *f = fopen(mountinfo, "re");

	if (!f)
		return false;
	/* "36 35 0:52 / /mnt rw,nosuid - fuse.sshfs host:/ rw": field 3 is
	 * the device, the type follows " - " */
	while (!fuse && fgets(line, sizeof(line), f)) {
		unsigned int a, b;
		char *sep = strstr(line, " - ");

		if (sscanf(line, "%*u %*u %u:%u", &a, &b) == 2 && a == maj && b == min && sep)
			fuse = !strncmp(sep + 3, "fuse", 4);
	}
	fclose(f);
	return fuse;
}

/* ---- the reaper ---- */

static void tls_link_destroy(struct tls_link k)
{
	if (k.l)
		bpf_link__destroy(k.l);
	else if (k.fd >= 0)
		close(k.fd);
}

/* With r->lock held and r->n > 0: destroys the oldest link, unlocked. */
static void reaper_take_one(struct tls_reaper *r)
{
	struct tls_link l = r->q[r->head];

	r->head = (r->head + 1) % TLS_REAP_MAX;
	r->n--;
	pthread_mutex_unlock(&r->lock);
	tls_link_destroy(l);
	pthread_mutex_lock(&r->lock);
	r->reaped++;
}

static void *reaper_main(void *arg)
{
	struct tls_reaper *r = arg;

	thread__setup("hl-tls-reap", true);
	pthread_mutex_lock(&r->lock);
	while (r->n) {
		reaper_take_one(r);
	}
	if (!--r->workers)
		pthread_cond_broadcast(&r->idle);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Hands links to the reaper (on this thread when it cannot take them). */
static void reaper_put(struct tls_reaper *r, struct tls_link *links, int n)
{
	pthread_attr_t attr;
	int sync = 0;

	pthread_mutex_lock(&r->lock);
	for (int i = 0; i < n; i++) {
		if (r->n == TLS_REAP_MAX) {
			links[sync++] = links[i]; /* destroyed below */
			continue;
		}
		r->q[(r->head + r->n) % TLS_REAP_MAX] = links[i];
		r->n++;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (r->workers < TLS_REAP_WORKERS && (unsigned int)r->workers < r->n) {
		pthread_t th;

		if (pthread_create(&th, &attr, reaper_main, r))
			break;
		r->workers++;
	}
	pthread_attr_destroy(&attr);
	/* no worker at all: this thread does the work */
	while (!r->workers && r->n) {
		reaper_take_one(r);
	}
	pthread_mutex_unlock(&r->lock);
	for (int i = 0; i < sync; i++)
		tls_link_destroy(links[i]);
}

/* Waits until every link handed over is destroyed. */
static void reaper_drain(struct tls_reaper *r)
{
	pthread_mutex_lock(&r->lock);
	while (r->workers || r->n)
		pthread_cond_wait(&r->idle, &r->lock);
	pthread_mutex_unlock(&r->lock);
}

/* ---- the table ---- */

struct http_tls *http_tls__new(struct bpf_object *obj, const char *proc_root)
{
	struct http_tls *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->seen = table__new(&seen_type, SEEN_SLOTS);
	t->wait = calloc(TLS_MAX_LIBS, sizeof(*t->wait));
	if (!t->seen || !t->wait) {
		table__free(t->seen);
		free(t->wait);
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->obj = obj;
	pthread_mutex_init(&t->reap.lock, NULL);
	pthread_cond_init(&t->reap.idle, NULL);
	snprintf(t->proc_root, sizeof(t->proc_root), "%s", proc_root ? proc_root : "/proc");
	return t;
}

/* Frees the slot; its links go to the reaper. */
static void lib_detach(struct http_tls *t, struct tls_lib *lib)
{
	reaper_put(&t->reap, lib->links, lib->nlinks);
	memset(lib, 0, sizeof(*lib));
}

void http_tls__free(struct http_tls *t)
{
	if (!t)
		return;
	for (int i = 0; i < TLS_MAX_LIBS; i++)
		if (t->libs[i].used)
			lib_detach(t, &t->libs[i]);
	reaper_drain(&t->reap);
	pthread_cond_destroy(&t->reap.idle);
	pthread_mutex_destroy(&t->reap.lock);
	table__free(t->seen);
	free(t->wait);
	free(t);
}

static struct tls_lib *lib_find(struct http_tls *t, const struct tls_key *key)
{
	for (int i = 0; i < TLS_MAX_LIBS; i++)
		if (t->libs[i].used && t->libs[i].key.dev == key->dev &&
		    t->libs[i].key.ino == key->ino)
			return &t->libs[i];
	return NULL;
}

static struct tls_lib *lib_free_slot(struct http_tls *t)
{
	for (int i = 0; i < TLS_MAX_LIBS; i++)
		if (!t->libs[i].used)
			return &t->libs[i];
	return NULL;
}

static bool is_bad(const struct http_tls *t, const struct tls_key *key)
{
	unsigned int n = t->nbad < TLS_BAD_SLOTS ? t->nbad : TLS_BAD_SLOTS;

	for (unsigned int i = 0; i < n; i++)
		if (t->bad[i].dev == key->dev && t->bad[i].ino == key->ino)
			return true;
	return false;
}

static void mark_bad(struct http_tls *t, const struct tls_key *key)
{
	t->bad[t->nbad++ % TLS_BAD_SLOTS] = *key;
}

/*
 * Attaches the probes to the file open at fd (known as key, shown as path)
 * in lib, a free slot. 0, or -errno (the file is marked bad when it is no
 * usable libssl).
 */
static int lib_attach(struct http_tls *t, struct tls_lib *lib, int fd, const struct tls_key *key,
		      const char *path, bool pinned)
{
	uint64_t offs[TLS_FUNCS];
	char fdpath[64];
	int n;

	n = tls_elf_func_offsets(fd, funcs, TLS_FUNCS, offs);
	if (n <= 0) {
		pr_debug("http: %s: no SSL_read/SSL_write symbols (%s)", path,
			 n ? strerror(-n) : "none");
		if (n != -ENOMEM && n != -EINTR)
			mark_bad(t, key);
		return n ? n : -ENOENT;
	}
	memset(lib, 0, sizeof(*lib));
	/* by the open file: what was parsed is what is probed */
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	for (int i = 0; i < TLS_LINKS; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, o, .retprobe = probes[i].ret);
		struct bpf_program *prog = bpf_object__find_program_by_name(t->obj, probes[i].prog);
		struct tls_link k = { .fd = -1 };

		/* SSL_*_ex are OpenSSL >= 1.1.1: older files lack them */
		if (!prog || !offs[probes[i].func])
			continue;
		if (bpf_program__expected_attach_type(prog) ==
		    (enum bpf_attach_type)UPROBE_MULTI_ATTACH) {
			k.fd = uprobe_multi_link(bpf_program__fd(prog), fdpath,
						 &offs[probes[i].func], 1, probes[i].ret);
			if (k.fd < 0)
				errno = -k.fd;
		} else {
			k.l = bpf_program__attach_uprobe_opts(prog, -1, fdpath,
							      offs[probes[i].func], &o);
		}
		if (!k.l && k.fd < 0) {
			pr_debug("http: uprobe %s in %s: %s", funcs[probes[i].func], path,
				 strerror(errno));
			continue;
		}
		lib->links[lib->nlinks++] = k;
	}
	if (!lib->nlinks) {
		pr_warn("http: no SSL_read/SSL_write probe could be attached in %s", path);
		mark_bad(t, key);
		return -ENOENT;
	}
	lib->used = true;
	lib->pinned = pinned;
	lib->mapped = true;
	lib->key = *key;
	utf8_sanitize(path, strlen(path), lib->path, sizeof(lib->path));
	pr_info("http: TLS capture attached to %s (%d probes)", lib->path, lib->nlinks);
	return 0;
}

int http_tls__attach_path(struct http_tls *t, const char *path)
{
	struct tls_lib *lib;
	struct tls_key key;
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	key = (struct tls_key){ (uint64_t)st.st_dev, (uint64_t)st.st_ino };
	if (lib_find(t, &key)) {
		ret = 1;
		goto out;
	}
	lib = lib_free_slot(t);
	ret = lib ? lib_attach(t, lib, fd, &key, path, true) : -ENOSPC;
out:
	close(fd);
	return ret;
}

/* Opens file as process pid sees it (inside its root), for reading only:
 * a regular file, not on FUSE. fd or -errno. */
static int open_in_root(struct http_tls *t, uint32_t pid, const char *file,
			const struct tls_key *key)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char path[TLS_PATH_MAX + 192];
	struct stat st;
	int dfd, fd;

	snprintf(path, sizeof(path), "%s/%u/mountinfo", t->proc_root, pid);
	if (tls_mount_is_fuse(path, major((dev_t)key->dev), minor((dev_t)key->dev)))
		return -EPERM;
	snprintf(path, sizeof(path), "%s/%u/root", t->proc_root, pid);
	dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, dfd, file, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) { /* Linux < 5.6 */
		snprintf(path, sizeof(path), "%s/%u/root%s", t->proc_root, pid, file);
		fd = open(path, (int)how.flags);
	}
	if (fd < 0) {
		fd = -errno;
		close(dfd);
		return fd;
	}
	close(dfd);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* Attaches the file of a mapping in a free slot. 0 or -errno. */
static int attach_mapped(struct http_tls *t, struct tls_lib *lib, uint32_t pid, const char *file,
			 const struct tls_key *key)
{
	int fd = open_in_root(t, pid, file, key), ret;

	if (fd < 0)
		return fd;
	ret = lib_attach(t, lib, fd, key, file, false);
	close(fd);
	return ret;
}

/* true when pid was already scanned; marks it. */
static bool seen_test_set(struct http_tls *t, uint32_t pid)
{
	enum table_result r;

	table__insert(t->seen, &pid, &r);
	return r == TABLE_FOUND;
}

/* Adds a file to the sweep's wait list (once per file). */
static void wait_add(struct http_tls *t, uint32_t pid, const char *file, const struct tls_key *key)
{
	for (int i = 0; i < t->nwait; i++)
		if (t->wait[i].key.dev == key->dev && t->wait[i].key.ino == key->ino)
			return;
	if (t->nwait == TLS_MAX_LIBS) {
		t->wait_overflow++; /* more than the table could take anyway */
		return;
	}
	t->wait[t->nwait].pid = pid;
	t->wait[t->nwait].key = *key;
	memcpy(t->wait[t->nwait].file, file, strlen(file) + 1); /* < TLS_PATH_MAX */
	t->nwait++;
}

/*
 * Reads the maps of pid. Each libssl mapping: a known file is marked mapped;
 * a new one is attached to a free slot (a scan: want_sweep when there is
 * none) or put on the wait list (a sweep). Returns files attached.
 */
static int scan_pid(struct http_tls *t, uint32_t pid, bool sweep)
{
	char path[160], seen_paths[4][TLS_PATH_MAX];
	int nseen = 0, added = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u/maps", t->proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(t->line, sizeof(t->line), f)) {
		char *file = strchr(t->line, '/'), *nl = strchr(t->line, '\n');
		unsigned int maj, min;
		unsigned long long ino;
		struct tls_key key;
		struct tls_lib *lib;
		bool dup = false;
		size_t len;

		if (!nl && !feof(f)) { /* a path longer than the buffer: skip the line */
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (!file || !strstr(file, "/libssl.so"))
			continue;
		if (sscanf(t->line, "%*s %*s %*s %x:%x %llu", &maj, &min, &ino) != 3 || !ino)
			continue;
		key = (struct tls_key){ (uint64_t)makedev(maj, min), (uint64_t)ino };
		lib = lib_find(t, &key);
		if (lib) {
			lib->mapped = true;
			continue;
		}
		file[strcspn(file, "\n")] = '\0';
		len = strlen(file);
		/* a deleted file cannot be opened by its path any more */
		if (len >= TLS_PATH_MAX || (len > 10 && !strcmp(file + len - 10, " (deleted)")))
			continue;
		for (int i = 0; i < nseen; i++)
			dup |= !strcmp(seen_paths[i], file);
		if (dup || nseen == 4 || is_bad(t, &key))
			continue;
		memcpy(seen_paths[nseen++], file, len + 1);
		if (sweep) {
			wait_add(t, pid, file, &key);
			continue;
		}
		lib = lib_free_slot(t);
		if (!lib)
			t->want_sweep = true;
		else if (attach_mapped(t, lib, pid, file, &key) == 0)
			added++;
	}
	fclose(f);
	return added;
}

/* Every pid under proc_root through scan_pid (only those not seen before,
 * unless all). */
static int scan_pids(struct http_tls *t, bool all)
{
	struct dirent *de;
	int added = 0;
	DIR *d = opendir(t->proc_root);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid || pid > UINT32_MAX)
			continue;
		if (seen_test_set(t, (uint32_t)pid) && !all)
			continue;
		added += scan_pid(t, (uint32_t)pid, all);
	}
	closedir(d);
	return added;
}

/* Detaches what no process maps, attaches what waits; counts what does not fit. */
static int sweep(struct http_tls *t)
{
	int added = 0, nlibs = 0;
	uint64_t refused;
	const char *first = NULL;

	for (int i = 0; i < TLS_MAX_LIBS; i++)
		t->libs[i].mapped = t->libs[i].pinned;
	t->nwait = 0;
	t->wait_overflow = 0;
	scan_pids(t, true);
	for (int i = 0; i < TLS_MAX_LIBS; i++) {
		struct tls_lib *lib = &t->libs[i];

		if (lib->used && !lib->mapped) {
			pr_debug("http: TLS capture detached from %s: no process maps it",
				 lib->path);
			lib_detach(t, lib);
			t->evicted_total++;
		}
	}
	refused = t->wait_overflow;
	for (int i = 0; i < t->nwait; i++) {
		struct tls_wait *w = &t->wait[i];
		struct tls_lib *lib;

		if (lib_find(t, &w->key) || is_bad(t, &w->key))
			continue;
		lib = lib_free_slot(t);
		if (!lib) {
			if (!first)
				first = w->file;
			refused++;
			continue;
		}
		if (attach_mapped(t, lib, w->pid, w->file, &w->key) == 0)
			added++;
	}
	t->want_sweep = refused > 0; /* retried at the next sweep */
	t->next_sweep = t->scans + TLS_SWEEP_MIN_SCANS;
	if (refused) {
		t->full_total += refused;
		for (int i = 0; i < TLS_MAX_LIBS; i++)
			nlibs += t->libs[i].used;
		if ((int)(t->scans - t->next_full_log) >= 0) {
			char shown[UTF8_SAFE_SIZE(127)];

			utf8_sanitize(first ? first : "", 127, shown, sizeof(shown));
			pr_warn("http: TLS library table full: %d libssl files in use by running processes are probed, %llu more are not (%s%s); TLS requests through them are not seen; retrying every %d s",
				nlibs, (unsigned long long)refused, first ? "first: " : "", shown,
				TLS_SWEEP_MIN_SCANS * 2);
			t->next_full_log = t->scans + TLS_LOG_EVERY;
		}
	}
	return added;
}

int http_tls__scan(struct http_tls *t)
{
	int added;

	t->scans++;
	/* every 5 minutes: forget what was scanned (catches a late dlopen) and sweep */
	if (t->scans % TLS_SWEEP_EVERY == 0) {
		table__clear(t->seen);
		return sweep(t);
	}
	added = scan_pids(t, false);
	if (t->want_sweep && (int)(t->scans - t->next_sweep) >= 0)
		added += sweep(t);
	return added;
}

int http_tls__nlibs(const struct http_tls *t)
{
	int n = 0;

	for (int i = 0; i < TLS_MAX_LIBS; i++)
		n += t->libs[i].used;
	return n;
}

json_t *http_tls__json(const struct http_tls *t)
{
	json_t *a = json_array();

	for (int i = 0; i < TLS_MAX_LIBS; i++)
		if (t->libs[i].used)
			json_array_append_new(a, json_pack("{s:s,s:i}", "path", t->libs[i].path,
							   "probes", t->libs[i].nlinks));
	return a;
}

/* The table's counters: the "http" topic's and /metrics' */
struct tls_counts {
	uint64_t libs, full, evicted;
};

#define STR_(x) #x
#define STR(x) STR_(x)
static const struct counter_row tls_rows[] = {
	COUNTER_ROW_UINT(NULL, "hostlens_http_tls_libraries", PROM_GAUGE,
			 "libssl files with SSL_read/SSL_write probes attached now.",
			 struct tls_counts, libs),
	COUNTER_ROW_UINT("tls_libraries_full_total", "hostlens_http_tls_libraries_full_total",
			 PROM_COUNTER,
			 "libssl files left unprobed because the table of " STR(
				 TLS_MAX_LIBS) " was full of files in use (each retry counts).",
			 struct tls_counts, full),
	COUNTER_ROW_UINT("tls_libraries_evicted_total", "hostlens_http_tls_libraries_evicted_total",
			 PROM_COUNTER,
			 "libssl files detached because no process mapped them any more.",
			 struct tls_counts, evicted),
};

void http_tls__publish(const struct http_tls *t, json_t *obj, struct prom *w)
{
	const struct tls_counts c = {
		.libs = (uint64_t)http_tls__nlibs(t),
		.full = t->full_total,
		.evicted = t->evicted_total,
	};

	json_object_set_new(obj, "tls_libraries", http_tls__json(t));
	counters_json(tls_rows, sizeof(tls_rows) / sizeof(tls_rows[0]), &c, obj);
	counters_prom(w, tls_rows, sizeof(tls_rows) / sizeof(tls_rows[0]), &c);
}
