// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * HTTP capture filters: --pid / --comm / --cgroup kept in BPF maps, changed
 * at run time through http_filters_set().
 *
 * DESIGN
 * - One global control (the web server does not know the processor's
 *   modules). A mutex serializes changes; the processor thread only calls
 *   init/fini/set_tls_active, the web thread calls http_filters_set/get.
 * - Update order: fill the maps, then bump the generation in filter_conf.
 *   BPF caches a verdict per process tagged with the generation, so every
 *   process is re-decided against complete maps after the bump.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "user/http/http_ctl.h"
#include "user/runtime/log.h"
#include "bpf/http/http.h"
#include "sock.skel.h"

#define CGROOT "/sys/fs/cgroup"

static struct {
	pthread_mutex_t lock;
	bool bound;
	int conf_fd, pids_fd, comms_fd, cgroups_fd;
	struct state *st;
	struct http_filter_conf conf;
	json_t *current; /* {"pids":[],"comms":[],"cgroups":[]} */
} ctl = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Depth-limited search for a directory whose name contains id. */
static int cg_find(const char *dir, const char *id, int depth, char *out, size_t outlen)
{
	DIR *d;
	struct dirent *de;
	int ret = -ENOENT;

	if (depth > 8)
		return -ENOENT;
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	while (ret && (de = readdir(d))) {
		char sub[PATH_MAX];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= sizeof(sub))
			continue;
		if (strstr(de->d_name, id)) {
			snprintf(out, outlen, "%s", sub);
			ret = 0;
			break;
		}
		ret = cg_find(sub, id, depth + 1, out, outlen);
	}
	closedir(d);
	return ret;
}

/* Where cgroup v2 is mounted: /sys/fs/cgroup, or .../unified on hybrid hosts. */
static void cg_root(char *out, size_t len)
{
	char line[1024], mnt[512], type[64];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	snprintf(out, len, "%s", CGROOT);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		/* id parent major:minor root MOUNT opts... - TYPE source superopts */
		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", type) != 1 || strcmp(type, "cgroup2"))
			continue;
		snprintf(out, len, "%s", mnt);
		break;
	}
	fclose(f);
}

int http_cgroup_resolve(const char *cgroot, const char *spec, uint64_t *id)
{
	char rootbuf[512];
	char path[PATH_MAX];
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	struct stat st;
	int mount_id;
	bool hexid = strlen(spec) >= 12;

	if (!cgroot) {
		cg_root(rootbuf, sizeof(rootbuf));
		cgroot = rootbuf;
	}
	for (const char *c = spec; *c && hexid; c++)
		hexid = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f');
	if (spec[0] == '/' && (!strncmp(spec, cgroot, strlen(cgroot)) ||
			       !strncmp(spec, CGROOT "/", strlen(CGROOT) + 1)))
		snprintf(path, sizeof(path), "%s", spec);
	else if (spec[0] == '/')
		snprintf(path, sizeof(path), "%s%s", cgroot, spec);
	else if (hexid) {
		if (cg_find(cgroot, spec, 0, path, sizeof(path)))
			return -ENOENT;
	} else
		snprintf(path, sizeof(path), "%s/%s", cgroot, spec);
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return -ENOENT;
	/* cgroup v2: the file handle is the cgroup id (bpf_get_current_cgroup_id) */
	h.fh.handle_bytes = sizeof(h.id);
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) == 0 && h.fh.handle_bytes == 8) {
		memcpy(id, h.fh.f_handle, 8);
		return 0;
	}
	*id = (uint64_t)st.st_ino; /* same value on cgroup2 for 64-bit inodes */
	return 0;
}

static void map_clear(int fd, size_t key_size)
{
	char key[64], next[64];
	void *prev = NULL;

	/* delete from the start each time: deletion invalidates iteration */
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		bpf_map_delete_elem(fd, key);
	}
}

/* Validates body into the three lists; builds the canonical JSON. */
static int filters_parse(const json_t *body, json_t **canon, uint64_t *cgids, int *ncg, char *err,
			 size_t errlen)
{
	json_t *pids = json_array(), *comms = json_array(), *cgs = json_array(), *v;
	const char *key;
	size_t i;

	*ncg = 0;
	if (!json_is_object(body)) {
		snprintf(
			err, errlen,
			"filters: expected a JSON object {\"pids\":[],\"comms\":[],\"cgroups\":[]}");
		goto bad;
	}
	json_object_foreach((json_t *)body, key, v) {
		json_t *e;

		if (strcmp(key, "pids") && strcmp(key, "comms") && strcmp(key, "cgroups")) {
			snprintf(err, errlen, "filters: unknown key '%s' (pids, comms, cgroups)",
				 key);
			goto bad;
		}
		if (!json_is_array(v)) {
			snprintf(err, errlen, "filters: '%s' must be an array", key);
			goto bad;
		}
		json_array_foreach(v, i, e) {
			if (!strcmp(key, "pids")) {
				json_int_t pid = json_integer_value(e);

				if (!json_is_integer(e) || pid <= 0 || pid > 0x7fffffff) {
					snprintf(err, errlen,
						 "filters: pids[%zu] is not a process id", i);
					goto bad;
				}
				if (json_array_size(pids) >= CFG_MAX_PIDS) {
					snprintf(err, errlen, "filters: more than %d pids",
						 CFG_MAX_PIDS);
					goto bad;
				}
				json_array_append_new(pids, json_integer(pid));
			} else if (!strcmp(key, "comms")) {
				const char *s = json_string_value(e);

				if (!s || !s[0] || strlen(s) >= CFG_COMM) {
					snprintf(err, errlen,
						 "filters: comms[%zu] must be 1 to %d characters",
						 i, CFG_COMM - 1);
					goto bad;
				}
				if (json_array_size(comms) >= CFG_MAX_COMMS) {
					snprintf(err, errlen, "filters: more than %d comms",
						 CFG_MAX_COMMS);
					goto bad;
				}
				json_array_append_new(comms, json_string(s));
			} else {
				const char *s = json_string_value(e);

				if (!s || !s[0] || strlen(s) >= PATH_MAX) {
					snprintf(
						err, errlen,
						"filters: cgroups[%zu] must be a path or container id",
						i);
					goto bad;
				}
				if (*ncg >= CFG_MAX_CGROUPS) {
					snprintf(err, errlen, "filters: more than %d cgroups",
						 CFG_MAX_CGROUPS);
					goto bad;
				}
				if (http_cgroup_resolve(NULL, s, &cgids[*ncg])) {
					snprintf(
						err, errlen,
						"filters: cgroup '%s' not found (a cgroup v2 directory or a container id)",
						s);
					goto bad;
				}
				(*ncg)++;
				json_array_append_new(cgs, json_string(s));
			}
		}
	}
	*canon = json_pack("{s:o,s:o,s:o}", "pids", pids, "comms", comms, "cgroups", cgs);
	return *canon ? 0 : -ENOMEM;
bad:
	json_decref(pids);
	json_decref(comms);
	json_decref(cgs);
	return -EINVAL;
}

/* Caller holds ctl.lock. */
static int filters_apply(json_t *canon, const uint64_t *cgids, int ncg)
{
	json_t *v;
	size_t i;
	__u32 zero = 0;
	__u8 one = 1;
	int err = 0;

	map_clear(ctl.pids_fd, sizeof(__u32));
	map_clear(ctl.comms_fd, HL_COMM_LEN);
	map_clear(ctl.cgroups_fd, sizeof(__u64));
	json_array_foreach(json_object_get(canon, "pids"), i, v) {
		__u32 pid = (__u32)json_integer_value(v);

		err = err ?: bpf_map_update_elem(ctl.pids_fd, &pid, &one, BPF_ANY);
	}
	json_array_foreach(json_object_get(canon, "comms"), i, v) {
		char comm[HL_COMM_LEN] = { 0 };

		strncpy(comm, json_string_value(v), sizeof(comm) - 1);
		err = err ?: bpf_map_update_elem(ctl.comms_fd, comm, &one, BPF_ANY);
	}
	for (int k = 0; k < ncg; k++)
		err = err ?: bpf_map_update_elem(ctl.cgroups_fd, &cgids[k], &one, BPF_ANY);
	if (err)
		return -errno;
	ctl.conf.enabled = json_array_size(json_object_get(canon, "pids")) ||
			   json_array_size(json_object_get(canon, "comms")) || ncg;
	ctl.conf.n_cgroups = (__u32)ncg;
	ctl.conf.gen++;
	if (bpf_map_update_elem(ctl.conf_fd, &zero, &ctl.conf, BPF_ANY))
		return -errno;
	json_decref(ctl.current);
	ctl.current = json_incref(canon);
	state__publish(ctl.st, "filters", json_deep_copy(canon));
	return 0;
}

int http_filters_set(const json_t *body, char *err, size_t errlen)
{
	uint64_t cgids[CFG_MAX_CGROUPS];
	json_t *canon = NULL;
	int ncg, ret;

	pthread_mutex_lock(&ctl.lock);
	if (!ctl.bound) {
		snprintf(err, errlen, "filters: the HTTP signal is off");
		ret = -ENOENT;
		goto out;
	}
	ret = filters_parse(body, &canon, cgids, &ncg, err, errlen);
	if (ret)
		goto out;
	ret = filters_apply(canon, cgids, ncg);
	if (ret)
		snprintf(err, errlen, "filters: BPF map update failed: %s", strerror(-ret));
	else
		pr_info("http: capture filters now %s",
			ctl.conf.enabled ? "set" : "off (every process)");
out:
	pthread_mutex_unlock(&ctl.lock);
	json_decref(canon);
	return ret;
}

json_t *http_filters_get(void)
{
	json_t *r = NULL;

	pthread_mutex_lock(&ctl.lock);
	if (ctl.bound && ctl.current)
		r = json_deep_copy(ctl.current);
	pthread_mutex_unlock(&ctl.lock);
	return r;
}

int http_ctl__init(struct sock_bpf *skel, struct state *st, const struct config *cfg, char *err,
		   size_t errlen)
{
	json_t *body, *pids = json_array(), *comms = json_array(), *cgs = json_array();
	int ret;

	for (int i = 0; i < cfg->n_pids; i++)
		json_array_append_new(pids, json_integer(cfg->pids[i]));
	for (int i = 0; i < cfg->n_comms; i++)
		json_array_append_new(comms, json_string(cfg->comms[i]));
	for (int i = 0; i < cfg->n_cgroups; i++)
		json_array_append_new(cgs, json_string(cfg->cgroups[i]));
	body = json_pack("{s:o,s:o,s:o}", "pids", pids, "comms", comms, "cgroups", cgs);
	pthread_mutex_lock(&ctl.lock);
	ctl.conf_fd = skel ? bpf_map__fd(skel->maps.filter_conf) : -ENOENT;
	ctl.pids_fd = skel ? bpf_map__fd(skel->maps.filter_pids) : -ENOENT;
	ctl.comms_fd = skel ? bpf_map__fd(skel->maps.filter_comms) : -ENOENT;
	ctl.cgroups_fd = skel ? bpf_map__fd(skel->maps.filter_cgroups) : -ENOENT;
	ctl.st = st;
	memset(&ctl.conf, 0, sizeof(ctl.conf));
	ctl.bound = ctl.conf_fd >= 0 && ctl.pids_fd >= 0 && ctl.comms_fd >= 0 &&
		    ctl.cgroups_fd >= 0;
	pthread_mutex_unlock(&ctl.lock);
	if (!ctl.bound) {
		snprintf(err, errlen, "http: filter maps missing");
		json_decref(body);
		return -ENOENT;
	}
	ret = http_filters_set(body, err, errlen);
	json_decref(body);
	if (ret && ret != -ENOENT) {
		/* a filter that cannot be applied (an unknown cgroup...) must not
		 * turn into "capture everything": capture nothing until it is fixed */
		__u32 zero = 0;

		pthread_mutex_lock(&ctl.lock);
		ctl.conf.enabled = 1;
		ctl.conf.gen++;
		bpf_map_update_elem(ctl.conf_fd, &zero, &ctl.conf, BPF_ANY);
		json_decref(ctl.current);
		ctl.current =
			json_pack("{s:[],s:[],s:[],s:s}", "pids", "comms", "cgroups", "error", err);
		state__publish(ctl.st, "filters", json_deep_copy(ctl.current));
		pthread_mutex_unlock(&ctl.lock);
	}
	return ret;
}

void http_ctl__fini(void)
{
	pthread_mutex_lock(&ctl.lock);
	ctl.bound = false;
	json_decref(ctl.current);
	ctl.current = NULL;
	pthread_mutex_unlock(&ctl.lock);
}

void http_ctl__set_tls_active(bool on)
{
	__u32 zero = 0;

	pthread_mutex_lock(&ctl.lock);
	if (ctl.bound) {
		ctl.conf.tls_active = on;
		bpf_map_update_elem(ctl.conf_fd, &zero, &ctl.conf, BPF_ANY);
	}
	pthread_mutex_unlock(&ctl.lock);
}
