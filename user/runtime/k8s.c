// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * cgroup -> container -> pod (k8s.h).
 *
 * cgroup path shapes handled (v1 and v2 alike, any depth, "/.." prefixes from
 * a private cgroup namespace ignored):
 *   /kubepods/<qos>/pod<uid>/<id>                      kubelet cgroupfs driver
 *   /kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<u_i_d>.slice/
 *       cri-containerd-<id>.scope | crio-<id>.scope | docker-<id>.scope
 *                                                      kubelet systemd driver
 *   /kubepods.slice/kubepods-pod<u_i_d>.slice/...      guaranteed QoS
 *   /docker/<id>, /system.slice/docker-<id>.scope      plain docker
 *   /machine.slice/libpod-<id>.scope[/container],
 *   /user.slice/.../libpod-<id>.scope                  podman (root, rootless)
 * crio-conmon-<id> and libpod-conmon-<id> are the runtimes' monitors, not
 * containers.
 *
 * The cache is set-associative (4 ways, least recently used way replaced), so
 * a lookup touches 4 entries whatever the size. Not thread-safe by design:
 * one owner thread.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "user/runtime/k8s.h"
#include "user/lib/clock.h"
#include "user/lib/table.h"

#define K8S_WAYS 4
#define K8S_RETRY_NS (10ull * 1000000000ull)
#define K8S_KEY_PATH (1ull << 63) /* key is a hash of the cgroup path */

struct k8s_entry {
	uint64_t key;	      /* a cgroup id, or path_key() of a cgroup path */
	uint64_t used;	      /* LRU tick */
	uint64_t resolved_ns; /* when pod names were last looked for */
	struct k8s_meta meta;
};

struct k8s {
	char root[256];
	uint64_t tick;
	uint64_t retry_ns;
	uint64_t hits, misses, evictions, pod_lookups;
	struct table *cache; /* struct k8s_entry: sets of K8S_WAYS, least recently used evicted */
};

/* --- parsing --------------------------------------------------------------- */

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* "<prefix><64 hex><suffix>" exactly, over the component [c, c+n). */
static bool match_id(const char *c, size_t n, const char *prefix, const char *suffix,
		     const char **id)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);

	if (n != pl + 64 + sl || strncmp(c, prefix, pl) || strncmp(c + pl + 64, suffix, sl))
		return false;
	if (!is_hex(c + pl, 64))
		return false;
	*id = c + pl;
	return true;
}

/* Pod UID text: a UUID (36, dashes or, from systemd, underscores) or a static
 * pod's 32-hex hash. Copies it into m with dashes. */
static bool take_uid(const char *s, size_t n, struct k8s_meta *m)
{
	if (n != 36 && n != 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isxdigit((unsigned char)s[i]) || s[i] == '-' || s[i] == '_'))
			return false;
	for (size_t i = 0; i < n; i++)
		m->pod_uid[i] = s[i] == '_' ? '-' : (char)tolower((unsigned char)s[i]);
	m->pod_uid[n] = '\0';
	return true;
}

static void set_qos(struct k8s_meta *m, const char *c, size_t n)
{
	if (memmem(c, n, "burstable", 9))
		snprintf(m->qos, sizeof(m->qos), "burstable");
	else if (memmem(c, n, "besteffort", 10))
		snprintf(m->qos, sizeof(m->qos), "besteffort");
}

static bool has_prefix(const char *c, size_t n, const char *p)
{
	size_t pl = strlen(p);

	return n >= pl && !strncmp(c, p, pl);
}

int k8s_parse_cgroup_path(const char *path, struct k8s_meta *m)
{
	const char *p = path, *prev = NULL;
	size_t prev_n = 0;
	bool in_kubepods = false;
	int found = 0;

	memset(m, 0, sizeof(*m));
	snprintf(m->cgroup, sizeof(m->cgroup), "%s", path);
	while (*p) {
		const char *c, *id = NULL, *rt = NULL;
		size_t n;

		while (*p == '/')
			p++;
		c = p;
		while (*p && *p != '/' && *p != '\n')
			p++;
		n = (size_t)(p - c);
		if (*p == '\n')
			break;
		if (!n || (n == 2 && c[0] == '.' && c[1] == '.'))
			continue;

		if (has_prefix(c, n, "kubepods")) {
			in_kubepods = true;
			set_qos(m, c, n);
			/* kubepods[-<qos>]-pod<uid>.slice */
			const char *pod = NULL;

			for (size_t i = 0; i + 4 <= n; i++)
				if (!strncmp(c + i, "-pod", 4)) {
					pod = c + i + 4;
					break;
				}
			if (pod && n > 6 && !strncmp(c + n - 6, ".slice", 6))
				take_uid(pod, (size_t)(c + n - 6 - pod), m);
		} else if (in_kubepods && (n == 9 && !strncmp(c, "burstable", 9))) {
			set_qos(m, c, n);
		} else if (in_kubepods && (n == 10 && !strncmp(c, "besteffort", 10))) {
			set_qos(m, c, n);
		} else if (in_kubepods && has_prefix(c, n, "pod") && take_uid(c + 3, n - 3, m)) {
			/* cgroupfs driver: pod<uid> */
		} else if (match_id(c, n, "cri-containerd-", ".scope", &id)) {
			rt = "containerd";
		} else if (match_id(c, n, "crio-", ".scope", &id)) {
			rt = "cri-o";
		} else if (match_id(c, n, "docker-", ".scope", &id)) {
			rt = "docker";
		} else if (match_id(c, n, "libpod-", ".scope", &id) ||
			   match_id(c, n, "libpod-", "", &id)) {
			rt = "podman";
		} else if (match_id(c, n, "", "", &id)) {
			/* a bare id: the parent says whose */
			if (prev && prev_n == 6 && !strncmp(prev, "docker", 6))
				rt = "docker";
			else if (prev && prev_n == 13 && !strncmp(prev, "libpod_parent", 13))
				rt = "podman";
			else
				rt = "";
		}
		if (id) {
			memcpy(m->container_id, id, 64);
			m->container_id[64] = '\0';
			snprintf(m->runtime, sizeof(m->runtime), "%s", rt);
			found = 1;
		}
		prev = c;
		prev_n = n;
	}
	if (m->pod_uid[0] && !m->qos[0])
		snprintf(m->qos, sizeof(m->qos), "guaranteed");
	return found;
}

int k8s_parse_proc_cgroup(const char *text, size_t len, struct k8s_meta *m)
{
	/* pass 0: the v2 line; pass 1: name=systemd; pass 2: any other */
	struct k8s_meta best;
	int have = -1; /* -1 none, 0 no container, 1 container */

	memset(m, 0, sizeof(*m));
	for (int pass = 0; pass < 3 && have < 1; pass++) {
		const char *p = text, *end = text + len;

		while (p < end && have < 1) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl ? nl : end;
			const char *c1 = memchr(p, ':', (size_t)(le - p));
			const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;
			char path[sizeof(m->cgroup)];
			size_t pl;
			bool v2, sysd;
			int r;

			if (!c2)
				goto next;
			v2 = c1 - p == 1 && p[0] == '0' && c2 == c1 + 1;
			sysd = (size_t)(c2 - c1 - 1) == 12 && !strncmp(c1 + 1, "name=systemd", 12);
			if ((pass == 0 && !v2) || (pass == 1 && !sysd) ||
			    (pass == 2 && (v2 || sysd)))
				goto next;
			pl = (size_t)(le - c2 - 1);
			if (pl >= sizeof(path))
				pl = sizeof(path) - 1;
			memcpy(path, c2 + 1, pl);
			path[pl] = '\0';
			r = k8s_parse_cgroup_path(path, &best);
			best.cgroup_v2 = v2;
			/* first line seen decides when none names a container;
			 * a pod beats a plain cgroup, a real path beats the root
			 * (hybrid hosts leave everything in the v2 root) */
			if (have < 0 || r > have ||
			    (r == have && best.pod_uid[0] && !m->pod_uid[0]) ||
			    (r == have && !m->pod_uid[0] && !strcmp(m->cgroup, "/") &&
			     strcmp(best.cgroup, "/"))) {
				*m = best;
				have = r;
			}
next:
			p = le + 1;
		}
	}
	return have < 0 ? -EINVAL : have;
}

/* --- the kubelet's files ------------------------------------------------------ */

static void copy_n(char *dst, size_t dstlen, const char *s, size_t n)
{
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* /var/log/containers/<pod>_<ns>_<container>-<id>.log */
static bool from_container_logs(const struct k8s *k, struct k8s_meta *m)
{
	char dir[512], suffix[80];
	struct dirent *de;
	bool ok = false;
	size_t sl;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/var/log/containers", k->root);
	sl = (size_t)snprintf(suffix, sizeof(suffix), "-%s.log", m->container_id);
	d = opendir(dir);
	if (!d)
		return false;
	while (!ok && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		const char *a, *b;

		if (n <= sl || strcmp(de->d_name + n - sl, suffix))
			continue;
		/* the kubelet's entries are symlinks into /var/log/pods/<ns>_<pod>_<uid>/:
		 * when the target is readable it must be this pod's */
		if (de->d_type == DT_LNK) {
			char target[512], want[48];
			ssize_t tl = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);

			snprintf(want, sizeof(want), "_%s/", m->pod_uid);
			if (tl > 0) {
				target[tl] = '\0';
				if (!strstr(target, want))
					continue;
			}
		}
		a = strchr(de->d_name, '_');
		b = a ? strchr(a + 1, '_') : NULL;
		if (!a || !b || b > de->d_name + n - sl)
			continue;
		copy_n(m->pod_name, sizeof(m->pod_name), de->d_name, (size_t)(a - de->d_name));
		copy_n(m->pod_namespace, sizeof(m->pod_namespace), a + 1, (size_t)(b - a - 1));
		copy_n(m->container_name, sizeof(m->container_name), b + 1,
		       (size_t)(de->d_name + n - sl - b - 1));
		ok = true;
	}
	closedir(d);
	return ok;
}

/* /var/log/pods/<ns>_<pod>_<uid>/ */
static bool from_pod_logs(const struct k8s *k, struct k8s_meta *m)
{
	char dir[512], suffix[48];
	struct dirent *de;
	bool ok = false;
	size_t sl;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/var/log/pods", k->root);
	sl = (size_t)snprintf(suffix, sizeof(suffix), "_%s", m->pod_uid);
	d = opendir(dir);
	if (!d)
		return false;
	while (!ok && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		const char *a;

		if (n <= sl || strcmp(de->d_name + n - sl, suffix))
			continue;
		a = strchr(de->d_name, '_');
		if (!a || a >= de->d_name + n - sl)
			continue;
		copy_n(m->pod_namespace, sizeof(m->pod_namespace), de->d_name,
		       (size_t)(a - de->d_name));
		copy_n(m->pod_name, sizeof(m->pod_name), a + 1,
		       (size_t)(de->d_name + n - sl - a - 1));
		ok = true;
	}
	closedir(d);
	return ok;
}

/* The container's /etc/hosts, which is the kubelet's etc-hosts of the pod:
 * the pod's own line is the last one, "<pod IP>\t<hostname>[...]"; the
 * hostname is the pod name unless the pod set spec.hostname. No namespace
 * here. Read through /proc/PID/root (CAP_SYS_PTRACE for another uid), so the
 * agent needs no mount of the kubelet's pod directories (every pod's secrets
 * and tokens). The container owns the path: it is resolved inside that root
 * (RESOLVE_IN_ROOT, Linux 5.6), so a symlink there cannot point the agent at
 * its own files; without openat2 no symlink is followed. */
static bool from_etc_hosts(const struct k8s *k, int pid, struct k8s_meta *m)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	char path[512], line[512], name[254] = "";
	int root, fd;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/%d/root", k->root, pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return false;
	fd = (int)syscall(SYS_openat2, root, "/etc/hosts", &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		/* no openat2 (< 5.6, or valgrind): follow no symlink at all */
		int etc = openat(root, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		fd = etc < 0 ? -1 : openat(etc, "hosts", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (etc >= 0)
			close(etc);
	}
	close(root);
	if (fd < 0)
		return false;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		char ip[64], host[254];

		if (line[0] == '#' || sscanf(line, "%63s %253s", ip, host) != 2)
			continue;
		if (!strncmp(ip, "127.", 4) || strchr(ip, ':'))
			continue; /* localhost and the IPv6 boilerplate */
		snprintf(name, sizeof(name), "%s", host);
	}
	fclose(f);
	if (!name[0])
		return false;
	snprintf(m->pod_name, sizeof(m->pod_name), "%s", name);
	return true;
}

static void resolve_names(struct k8s *k, int pid, struct k8s_meta *m)
{
	if (!m->pod_uid[0] || m->pod_namespace[0])
		return;
	k->pod_lookups++;
	if (m->container_id[0] && from_container_logs(k, m))
		return;
	if (from_pod_logs(k, m))
		return;
	from_etc_hosts(k, pid, m);
}

/* --- cache -------------------------------------------------------------------- */

static uint64_t path_key(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h | K8S_KEY_PATH;
}

/* A key's home is the first entry of its set of K8S_WAYS (a multiple of
 * K8S_WAYS), so its window is exactly that set. */
static uint32_t cache_hash(const void *key)
{
	uint64_t k;

	memcpy(&k, key, sizeof(k));
	return (uint32_t)hash_mix64(k) * K8S_WAYS;
}

static bool cache_older(const void *a, const void *b)
{
	return ((const struct k8s_entry *)a)->used < ((const struct k8s_entry *)b)->used;
}

static const struct table_type cache_type = {
	.entry_size = sizeof(struct k8s_entry),
	.key_offset = offsetof(struct k8s_entry, key),
	.key_size = sizeof(uint64_t),
	.probe = K8S_WAYS,
	.hash = cache_hash,
	.evict = true,
	.evict_before = cache_older,
};

static struct k8s_entry *cache_find(struct k8s *k, uint64_t key)
{
	struct k8s_entry *e = table__find(k->cache, &key);

	if (e)
		e->used = ++k->tick;
	return e;
}

static struct k8s_entry *cache_put(struct k8s *k, uint64_t key, const struct k8s_meta *m)
{
	enum table_result r;
	struct k8s_entry *v = table__insert(k->cache, &key, &r);

	if (r == TABLE_EVICTED)
		k->evictions++;
	v->used = ++k->tick;
	v->meta = *m;
	v->resolved_ns = 0;
	return v;
}

struct k8s *k8s__new(const char *root, size_t cache_entries)
{
	struct k8s *k = calloc(1, sizeof(*k));
	size_t sets = 16;

	if (!k)
		return NULL;
	if (root && strlen(root) >= sizeof(k->root)) {
		free(k);
		errno = ENAMETOOLONG;
		return NULL;
	}
	/* "/" and "" both mean the real root: paths are built as root + "/..." */
	snprintf(k->root, sizeof(k->root), "%s", root && strcmp(root, "/") ? root : "");
	while (sets * K8S_WAYS < cache_entries)
		sets <<= 1;
	k->retry_ns = K8S_RETRY_NS;
	k->cache = table__new(&cache_type, (uint32_t)(sets * K8S_WAYS));
	if (!k->cache) {
		free(k);
		return NULL;
	}
	return k;
}

void k8s__set_retry_ms(struct k8s *k, unsigned int ms)
{
	k->retry_ns = (uint64_t)ms * 1000000ull;
}

void k8s__free(struct k8s *k)
{
	if (!k)
		return;
	table__free(k->cache);
	free(k);
}

static int read_proc_cgroup(const struct k8s *k, int pid, struct k8s_meta *m)
{
	char path[320], buf[8192];
	size_t len = 0;
	ssize_t n;
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/proc/%d/cgroup", k->root, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = errno == ESRCH ? -ENOENT : -errno;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (r)
		return r;
	/* a cut-off last line would name a wrong cgroup: drop it */
	if (len == sizeof(buf)) {
		while (len && buf[len - 1] != '\n')
			len--;
	}
	r = k8s_parse_proc_cgroup(buf, len, m);
	return r < 0 ? r : 0;
}

/* Looks for the pod's names when they are missing and the retry time passed;
 * pid is a process of the pod (its /etc/hosts is the last resort). */
static void maybe_resolve(struct k8s *k, int pid, struct k8s_entry *e)
{
	uint64_t now;

	if (!e->meta.pod_uid[0] || e->meta.pod_namespace[0])
		return;
	now = clock_mono_ns();
	if (e->resolved_ns && now - e->resolved_ns < k->retry_ns)
		return;
	resolve_names(k, pid, &e->meta);
	e->resolved_ns = now;
}

int k8s__lookup(struct k8s *k, int pid, uint64_t cgroup_id, struct k8s_meta *out)
{
	bool by_id = cgroup_id && cgroup_id < K8S_KEY_PATH;
	struct k8s_entry *e = NULL, copy;
	struct k8s_meta m;
	int r;

	if (by_id)
		e = cache_find(k, cgroup_id);
	if (e) {
		k->hits++;
		maybe_resolve(k, pid, e);
		*out = e->meta;
		return 0;
	}
	r = read_proc_cgroup(k, pid, &m);
	if (r)
		return r;
	e = cache_find(k, path_key(m.cgroup));
	if (e) {
		k->hits++;
	} else {
		k->misses++;
		e = cache_put(k, path_key(m.cgroup), &m);
	}
	maybe_resolve(k, pid, e);
	if (by_id && e->meta.cgroup_v2) {
		/* the id answers next time without reading /proc */
		copy = *e;
		e = cache_put(k, cgroup_id, &copy.meta);
		e->resolved_ns = copy.resolved_ns;
	}
	*out = e->meta;
	return 0;
}

int k8s_meta_to_json(const struct k8s_meta *m, json_t *obj)
{
	static const struct {
		const char *key;
		size_t off;
	} f[] = {
		{ "container_id", offsetof(struct k8s_meta, container_id) },
		{ "container_runtime", offsetof(struct k8s_meta, runtime) },
		{ "container_name", offsetof(struct k8s_meta, container_name) },
		{ "pod_uid", offsetof(struct k8s_meta, pod_uid) },
		{ "pod", offsetof(struct k8s_meta, pod_name) },
		{ "namespace", offsetof(struct k8s_meta, pod_namespace) },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		const char *v = (const char *)m + f[i].off;

		if (*v && json_object_set_new(obj, f[i].key, json_string(v)))
			return -ENOMEM;
	}
	return 0;
}

void k8s__describe(const struct k8s *k, json_t *out)
{
	json_object_set_new(out, "k8s_cache_entries",
			    json_integer((json_int_t)table__cap(k->cache)));
	json_object_set_new(out, "k8s_cache_hits", json_integer((json_int_t)k->hits));
	json_object_set_new(out, "k8s_cache_misses", json_integer((json_int_t)k->misses));
	json_object_set_new(out, "k8s_cache_evictions", json_integer((json_int_t)k->evictions));
	json_object_set_new(out, "k8s_pod_lookups", json_integer((json_int_t)k->pod_lookups));
}
