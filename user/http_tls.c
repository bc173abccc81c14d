// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * OpenSSL uprobes: finds libssl files mapped by processes (/proc/PID/maps)
 * and attaches SSL_read/SSL_write/SSL_read_ex/SSL_write_ex entry and return
 * probes once per distinct file (device + inode), for every process (pid -1):
 * the BPF side applies the process filter. Processor thread only.
 * Programs loaded for uprobe_multi (loader.c does it where the kernel has
 * them) are attached as uprobe_multi links: after the capability drop the
 * perf uprobe PMU would need CAP_SYS_ADMIN, which is gone (caps.h).
 */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "http_ctl.h"
#include "log.h"
#include "uprobe_multi.h"

#define TLS_MAX_LIBS 32
#define TLS_LINKS 8
#define SEEN_SLOTS 65536	/* pids scanned (power of 2) */

struct tls_lib {
	dev_t dev;
	ino_t ino;
	char path[256];
	struct bpf_link *links[TLS_LINKS];	/* perf uprobe PMU */
	int link_fds[TLS_LINKS];		/* or uprobe_multi links */
	int nlinks;
};

struct http_tls {
	struct bpf_object *obj;
	char proc_root[128];
	struct tls_lib libs[TLS_MAX_LIBS];
	int nlibs;
	uint32_t *seen;		/* pid per slot, 0 empty */
	unsigned int scans;
};

static const struct {
	const char *prog, *func;
	bool ret;
} probes[TLS_LINKS] = {
	{ "http_ssl_write", "SSL_write", false },
	{ "http_ssl_write_ret", "SSL_write", true },
	{ "http_ssl_read", "SSL_read", false },
	{ "http_ssl_read_ret", "SSL_read", true },
	{ "http_ssl_write_ex", "SSL_write_ex", false },
	{ "http_ssl_write_ex_ret", "SSL_write_ex", true },
	{ "http_ssl_read_ex", "SSL_read_ex", false },
	{ "http_ssl_read_ex_ret", "SSL_read_ex", true },
};

struct http_tls *http_tls__new(struct bpf_object *obj, const char *proc_root)
{
	struct http_tls *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->seen = calloc(SEEN_SLOTS, sizeof(*t->seen));
	if (!t->seen) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->obj = obj;
	snprintf(t->proc_root, sizeof(t->proc_root), "%s", proc_root ? proc_root : "/proc");
	return t;
}

void http_tls__free(struct http_tls *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nlibs; i++)
		for (int k = 0; k < t->libs[i].nlinks; k++) {
			bpf_link__destroy(t->libs[i].links[k]);
			if (t->libs[i].link_fds[k] >= 0)
				close(t->libs[i].link_fds[k]);
		}
	free(t->seen);
	free(t);
}

int http_tls__attach_path(struct http_tls *t, const char *path)
{
	enum bpf_attach_type multi = (enum bpf_attach_type)UPROBE_MULTI_ATTACH;
	struct tls_lib *lib;
	struct stat st;

	if (stat(path, &st))
		return -errno;
	for (int i = 0; i < t->nlibs; i++)
		if (t->libs[i].dev == st.st_dev && t->libs[i].ino == st.st_ino)
			return 1;
	if (t->nlibs == TLS_MAX_LIBS)
		return -ENOSPC;
	lib = &t->libs[t->nlibs];
	memset(lib, 0, sizeof(*lib));
	lib->dev = st.st_dev;
	lib->ino = st.st_ino;
	snprintf(lib->path, sizeof(lib->path), "%s", path);
	for (int i = 0; i < TLS_LINKS; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, o, .func_name = probes[i].func, .retprobe = probes[i].ret);
		struct bpf_program *prog = bpf_object__find_program_by_name(t->obj, probes[i].prog);
		struct bpf_link *l = NULL;
		int fd = -1;

		if (!prog)
			continue;
		if (bpf_program__expected_attach_type(prog) == multi) {
			fd = uprobe_multi_attach(bpf_program__fd(prog), path, probes[i].func,
						 probes[i].ret);
			if (fd < 0)
				errno = -fd;
		} else {
			l = bpf_program__attach_uprobe_opts(prog, -1, path, 0, &o);
		}
		if (!l && fd < 0) {
			/* SSL_*_ex are OpenSSL >= 1.1.1: older files lack them */
			pr_debug("http: uprobe %s in %s: %s", probes[i].func, path, strerror(errno));
			continue;
		}
		lib->links[lib->nlinks] = l;
		lib->link_fds[lib->nlinks++] = fd;
	}
	if (!lib->nlinks) {
		pr_warn("http: no SSL_read/SSL_write probe could be attached in %s", path);
		return -ENOENT;
	}
	t->nlibs++;
	pr_info("http: TLS capture attached to %s (%d probes)", path, lib->nlinks);
	return 0;
}

/* true when pid was already scanned; marks it. */
static bool seen_test_set(struct http_tls *t, uint32_t pid)
{
	uint32_t h = (pid * 2654435761u) & (SEEN_SLOTS - 1);

	for (int i = 0; i < 32; i++) {
		uint32_t *s = &t->seen[(h + (uint32_t)i) & (SEEN_SLOTS - 1)];

		if (*s == pid)
			return true;
		if (!*s) {
			*s = pid;
			return false;
		}
	}
	t->seen[h] = pid;	/* crowded: overwrite (a rescan is harmless) */
	return false;
}

static int scan_pid(struct http_tls *t, const char *pid)
{
	char path[300], line[1024], seen_paths[4][256];
	int nseen = 0, added = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/maps", t->proc_root, pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/'), lib[300];
		bool dup = false;

		if (!file || !strstr(file, "/libssl.so"))
			continue;
		file[strcspn(file, "\n")] = '\0';
		for (int i = 0; i < nseen; i++)
			dup |= !strcmp(seen_paths[i], file);
		if (dup || nseen == 4)
			continue;
		snprintf(seen_paths[nseen++], sizeof(seen_paths[0]), "%s", file);
		/* through the process's root: containers see their own files */
		snprintf(lib, sizeof(lib), "%s/%s/root%s", t->proc_root, pid, file);
		if (http_tls__attach_path(t, lib) == 0)
			added++;
	}
	fclose(f);
	return added;
}

int http_tls__scan(struct http_tls *t)
{
	struct dirent *de;
	int added = 0;
	DIR *d;

	/* every 5 minutes forget what was scanned: catches a late dlopen */
	if (++t->scans % 150 == 0)
		memset(t->seen, 0, SEEN_SLOTS * sizeof(*t->seen));
	d = opendir(t->proc_root);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid || seen_test_set(t, (uint32_t)pid))
			continue;
		added += scan_pid(t, de->d_name);
	}
	closedir(d);
	return added;
}

int http_tls__nlibs(const struct http_tls *t)
{
	return t->nlibs;
}

json_t *http_tls__json(const struct http_tls *t)
{
	json_t *a = json_array();

	for (int i = 0; i < t->nlibs; i++)
		json_array_append_new(a, json_pack("{s:s,s:i}", "path", t->libs[i].path, "probes",
						   t->libs[i].nlinks));
	return a;
}
