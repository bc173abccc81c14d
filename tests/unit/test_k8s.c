// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cgroup -> container id -> pod, from fixture /proc/PID/cgroup files
 * (tests/fixtures/cgroup) and a fixture kubelet node tree (…/cgroup/root). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "user/runtime/k8s.h"

#define ID_CONTAINERD "3f2b8c6a1d9e4f5a7b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a"
#define ID_CRIO "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"
#define ID_DOCKER "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_PODMAN "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define ID_GUAR "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
#define ID_CGFS "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"
#define U1 "5b3c8f1e-2d4a-4c6b-9e8f-1a2b3c4d5e6f"
#define U2 "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
#define U3 "e4d3c2b1-a0f9-4e8d-b7c6-5a4b3c2d1e0f"
#define U4 "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

static char fx[512];

static int parse_fixture(const char *name, struct k8s_meta *m)
{
	char path[600], buf[8192];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fx, name);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("# cannot open %s: %s\n", path, strerror(errno));
		return -100;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return k8s_parse_proc_cgroup(buf, n > 0 ? (size_t)n : 0, m);
}

static const struct {
	const char *file;
	int ret;
	const char *id, *runtime, *uid, *qos, *cgroup;
} cases[] = {
	{ "v2-containerd-burstable", 1, ID_CONTAINERD, "containerd", U1, "burstable",
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5b3c8f1e_2d4a_4c6b_9e8f_1a2b3c4d5e6f.slice/cri-containerd-" ID_CONTAINERD
	  ".scope" },
	{ "v2-crio-besteffort", 1, ID_CRIO, "cri-o", U2, "besteffort", NULL },
	{ "v2-crio-conmon", 0, "", "", U2, "besteffort", NULL },
	{ "v2-cgroupns-guaranteed", 1, ID_GUAR, "containerd", U3, "guaranteed",
	  "/../../kubepods-pod" U3 ".slice/cri-containerd-" ID_GUAR ".scope" },
	{ "v2-static-pod", 1, ID_CGFS, "containerd", U4, "burstable", NULL },
	{ "v2-docker-systemd", 1, ID_DOCKER, "docker", "", "",
	  "/system.slice/docker-" ID_DOCKER ".scope" },
	{ "v2-podman", 1, ID_PODMAN, "podman", "", "",
	  "/machine.slice/libpod-" ID_PODMAN ".scope/container" },
	{ "v2-podman-rootless", 1, ID_PODMAN, "podman", "", "", NULL },
	{ "v2-podman-conmon", 0, "", "", "", "", NULL },
	{ "v2-systemd-service", 0, "", "", "", "", "/system.slice/nginx.service" },
	{ "v2-user-session", 0, "", "", "", "", "/user.slice/user-0.slice/session-3.scope" },
	{ "v2-root", 0, "", "", "", "", "/" },
	{ "v1-docker", 1, ID_DOCKER, "docker", "", "", "/docker/" ID_DOCKER },
	{ "v1-kubepods-cgroupfs", 1, ID_CGFS, "", U1, "burstable",
	  "/kubepods/burstable/pod" U1 "/" ID_CGFS },
	{ "v1-systemd-containerd", 1, ID_CONTAINERD, "containerd", U2, "besteffort", NULL },
	{ "v1-host-process", 0, "", "", "", "", "/system.slice/sshd.service" },
	{ "empty", -EINVAL, "", "", "", "", "" },
};

static void cgroup_fixtures_map_to_containers(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct k8s_meta m;
		int r = parse_fixture(cases[i].file, &m);

		CHECK(r == cases[i].ret, "%s: returns %d, got %d", cases[i].file, cases[i].ret, r);
		CHECK(!strcmp(m.container_id, cases[i].id), "%s: container id '%s', got '%s'",
		      cases[i].file, cases[i].id, m.container_id);
		CHECK(!strcmp(m.runtime, cases[i].runtime), "%s: runtime '%s', got '%s'",
		      cases[i].file, cases[i].runtime, m.runtime);
		CHECK(!strcmp(m.pod_uid, cases[i].uid), "%s: pod uid '%s', got '%s'", cases[i].file,
		      cases[i].uid, m.pod_uid);
		CHECK(!strcmp(m.qos, cases[i].qos), "%s: qos '%s', got '%s'", cases[i].file,
		      cases[i].qos, m.qos);
		CHECK(!cases[i].cgroup || !strcmp(m.cgroup, cases[i].cgroup),
		      "%s: cgroup '%s', got '%s'", cases[i].file, cases[i].cgroup, m.cgroup);
		CHECK(!m.pod_name[0] && !m.pod_namespace[0], "%s: parsing alone names no pod",
		      cases[i].file);
	}
}

static void lookalikes_are_not_containers(void)
{
	struct k8s_meta m;

	/* 63 and 65 hex digits, upper case, a .scope that is not a runtime's */
	CHECK(k8s_parse_cgroup_path("/docker/" ID_DOCKER "0", &m) == 0, "65 hex");
	CHECK(k8s_parse_cgroup_path("/system.slice/docker-" ID_DOCKER ".service", &m) == 0,
	      ".service");
	CHECK(k8s_parse_cgroup_path("/process_api/500456c9cfe246b3e06929f11130c881", &m) == 0,
	      "32 hex outside kubepods is no container");
	CHECK(k8s_parse_cgroup_path("/system.slice/run-r0123.scope", &m) == 0 && !m.pod_uid[0],
	      "transient unit");
	CHECK(k8s_parse_cgroup_path("/system.slice/pod" U1 ".service", &m) == 0 && !m.pod_uid[0],
	      "pod<uid> outside kubepods is no pod");
	CHECK(k8s_parse_cgroup_path("/kubepods/besteffort/pod" U1, &m) == 0 &&
		      !strcmp(m.pod_uid, U1) && !strcmp(m.qos, "besteffort"),
	      "pod cgroup itself: pod, no container; got '%s' '%s'", m.pod_uid, m.qos);
}

static struct k8s *fixture_node(void)
{
	char root[600];
	struct k8s *k;

	snprintf(root, sizeof(root), "%s/root", fx);
	k = k8s__new(root, 64);
	CHECK(k, "k8s__new: %s", strerror(errno));
	return k;
}

static void pod_names_from_kubelet_files(void)
{
	struct k8s *k = fixture_node();
	struct k8s_meta m;
	int r;

	if (!k)
		return;
	/* /var/log/containers gives pod, namespace and container name */
	r = k8s__lookup(k, 1001, 0, &m);
	CHECK(r == 0, "pid 1001: %d", r);
	CHECK(!strcmp(m.pod_name, "web-7d9f8c6b5-x2k4q") && !strcmp(m.pod_namespace, "shop") &&
		      !strcmp(m.container_name, "nginx") && !strcmp(m.container_id, ID_CONTAINERD),
	      "pid 1001: shop/web-7d9f8c6b5-x2k4q nginx, got '%s'/'%s' '%s'", m.pod_namespace,
	      m.pod_name, m.container_name);
	/* only /var/log/pods knows the pod: names, no container name */
	r = k8s__lookup(k, 1002, 0, &m);
	CHECK(r == 0 && !strcmp(m.pod_name, "node-exporter-8zq2m") &&
		      !strcmp(m.pod_namespace, "monitoring") && !m.container_name[0],
	      "pid 1002: monitoring/node-exporter-8zq2m, got %d '%s'/'%s' '%s'", r, m.pod_namespace,
	      m.pod_name, m.container_name);
	/* only the container's /etc/hosts (the kubelet's etc-hosts): the pod's
	 * hostname, no namespace */
	r = k8s__lookup(k, 1003, 0, &m);
	CHECK(r == 0 && !strcmp(m.pod_name, "batch-runner-0") && !m.pod_namespace[0] &&
		      !strcmp(m.pod_uid, U3),
	      "pid 1003: batch-runner-0 from etc-hosts, got %d '%s'/'%s'", r, m.pod_namespace,
	      m.pod_name);
	/* not in a pod */
	r = k8s__lookup(k, 1004, 0, &m);
	CHECK(r == 0 && !m.container_id[0] && !m.pod_uid[0] &&
		      !strcmp(m.cgroup, "/system.slice/nginx.service"),
	      "pid 1004: host service, got %d '%s' '%s'", r, m.container_id, m.cgroup);
	/* in a pod the kubelet has no files for: uid, no names */
	r = k8s__lookup(k, 1005, 0, &m);
	CHECK(r == 0 && !strcmp(m.pod_uid, U4) && !m.pod_name[0], "pid 1005: got %d '%s' '%s'", r,
	      m.pod_uid, m.pod_name);
	r = k8s__lookup(k, 99999, 0, &m);
	CHECK(r == -ENOENT, "a gone process: -ENOENT, got %d", r);
	k8s__free(k);
}

static void meta_json_fields(void)
{
	struct k8s *k = fixture_node();
	struct k8s_meta m;
	json_t *o = json_object();
	char *s;

	if (!k)
		return;
	k8s__lookup(k, 1001, 0, &m);
	CHECK(k8s_meta_to_json(&m, o) == 0, "to_json");
	s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	CHECK(s && !strcmp(s,
			   "{\"container_id\":\"" ID_CONTAINERD "\",\"container_name\":\"nginx\","
			   "\"container_runtime\":\"containerd\",\"namespace\":\"shop\","
			   "\"pod\":\"web-7d9f8c6b5-x2k4q\",\"pod_uid\":\"" U1 "\"}"),
	      "got %s", s);
	free(s);
	json_decref(o);
	o = json_object();
	k8s__lookup(k, 1004, 0, &m);
	k8s_meta_to_json(&m, o);
	CHECK(json_object_size(o) == 0, "a host process adds no fields, got %zu",
	      json_object_size(o));
	json_decref(o);
	k8s__free(k);
}

/* A scratch node tree in /tmp the test can change. */
static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void cache_by_cgroup_id_and_retry(void)
{
	char root[] = "/tmp/hostlens-k8s.XXXXXX", p[512];
	struct k8s_meta m;
	struct k8s *k;
	json_t *d;
	int r;

	if (!mkdtemp(root)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(p, sizeof(p), "%s/proc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/proc/2001", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/proc/2001/cgroup", root);
	write_file(p, "0::/kubepods.slice/kubepods-pod" U1 ".slice/cri-containerd-" ID_CONTAINERD
		      ".scope\n");
	k = k8s__new(root, 8);
	if (!k) {
		CHECK(0, "k8s__new");
		return;
	}
	k8s__set_retry_ms(k, 0);
	r = k8s__lookup(k, 2001, 4242, &m);
	CHECK(r == 0 && !strcmp(m.container_id, ID_CONTAINERD) && !m.pod_name[0],
	      "first lookup: container, no pod files yet; got %d '%s'", r, m.pod_name);
	/* the process is gone; the cgroup id still answers from the cache */
	unlink(p);
	r = k8s__lookup(k, 2001, 4242, &m);
	CHECK(r == 0 && !strcmp(m.container_id, ID_CONTAINERD), "by cgroup id: got %d", r);
	r = k8s__lookup(k, 2001, 0, &m);
	CHECK(r == -ENOENT, "without an id the gone process is -ENOENT, got %d", r);
	/* the kubelet writes the pod's log dir later: the retry picks it up */
	snprintf(p, sizeof(p), "%s/var", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/var/log", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/var/log/pods", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/var/log/pods/default_late-pod_" U1, root);
	mkdir(p, 0755);
	r = k8s__lookup(k, 2001, 4242, &m);
	CHECK(r == 0 && !strcmp(m.pod_name, "late-pod") && !strcmp(m.pod_namespace, "default"),
	      "retry resolves default/late-pod, got '%s'/'%s'", m.pod_namespace, m.pod_name);
	rmdir(p);
	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	CHECK(system(p) == 0, "cleanup");

	/* bounded: 64 entries (the minimum) whatever is asked, evictions counted */
	for (uint64_t id = 1; id <= 500; id++)
		k8s__lookup(k, 2001, id, &m); /* all -ENOENT: nothing cached */
	d = json_object();
	k8s__describe(k, d);
	CHECK(json_integer_value(json_object_get(d, "k8s_cache_entries")) == 64,
	      "64 entries, got %lld",
	      (long long)json_integer_value(json_object_get(d, "k8s_cache_entries")));
	CHECK(json_integer_value(json_object_get(d, "k8s_cache_hits")) == 2, "2 hits, got %lld",
	      (long long)json_integer_value(json_object_get(d, "k8s_cache_hits")));
	/* retry 0: every lookup of the unresolved pod reads the files (3) */
	CHECK(json_integer_value(json_object_get(d, "k8s_pod_lookups")) == 3,
	      "3 pod lookups, got %lld",
	      (long long)json_integer_value(json_object_get(d, "k8s_pod_lookups")));
	json_decref(d);
	k8s__free(k);
}

/* Does this kernel (and valgrind) have openat2? */
static bool have_openat2(void)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd >= 0)
		close(fd);
	return fd >= 0 || errno != ENOSYS;
}

/* The last-resort pod name comes from the container's /etc/hosts, a path the
 * container controls: an absolute symlink there resolves inside the
 * container's root (without openat2: is not followed), never to a file of
 * the agent's. */
static void etc_hosts_symlink_stays_in_container(void)
{
	static const char cg[] =
		"0::/kubepods.slice/kubepods-pod11112222_3333_4444_8555_666677778888.slice/"
		"cri-containerd-c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00.scope\n";
	char t[] = "/tmp/test_k8s.XXXXXX", p[700], leak[700], root[700];
	struct k8s_meta m;
	struct k8s *k;
	int r;

	CHECK(mkdtemp(t), "mkdtemp: %s", strerror(errno));
	/* the agent's side: a file the container must not make it read */
	snprintf(leak, sizeof(leak), "%s/agent-file", t);
	write_file(leak, "10.9.9.9\tleaked-name\n");
	for (int pid = 1007; pid <= 1008; pid++) {
		snprintf(p, sizeof(p), "mkdir -p %s/root/proc/%d/root/etc", t, pid);
		CHECK(system(p) == 0, "%s", p);
		snprintf(p, sizeof(p), "%s/root/proc/%d/cgroup", t, pid);
		write_file(p, cg);
	}
	/* pid 1007: /etc/hosts -> the agent's file, by absolute path */
	snprintf(p, sizeof(p), "%s/root/proc/1007/root/etc/hosts", t);
	CHECK(symlink(leak, p) == 0, "symlink: %s", strerror(errno));
	/* pid 1008: /etc/hosts -> /etc/hosts.real, inside the container */
	snprintf(p, sizeof(p), "%s/root/proc/1008/root/etc/hosts.real", t);
	write_file(p, "127.0.0.1\tlocalhost\n10.1.1.1\tinside-name\n");
	snprintf(p, sizeof(p), "%s/root/proc/1008/root/etc/hosts", t);
	CHECK(symlink("/etc/hosts.real", p) == 0, "symlink: %s", strerror(errno));

	snprintf(root, sizeof(root), "%s/root", t);
	k = k8s__new(root, 64);
	CHECK(k, "k8s__new: %s", strerror(errno));
	if (k) {
		r = k8s__lookup(k, 1007, 0, &m);
		CHECK(r == 0 && !strcmp(m.pod_uid, "11112222-3333-4444-8555-666677778888") &&
			      !m.pod_name[0],
		      "pid 1007: pod uid, no name (the symlink leaves the container); got %d '%s' '%s'",
		      r, m.pod_uid, m.pod_name);
		k8s__free(k);
		k = k8s__new(root, 64);
		r = k ? k8s__lookup(k, 1008, 0, &m) : -1;
		if (have_openat2())
			CHECK(r == 0 && !strcmp(m.pod_name, "inside-name"),
			      "pid 1008: inside-name through a symlink inside the container; got %d '%s'",
			      r, m.pod_name);
		else
			CHECK(r == 0 && !m.pod_name[0],
			      "pid 1008, no openat2: no symlink followed, no name; got %d '%s'", r,
			      m.pod_name);
		k8s__free(k);
	}
	snprintf(p, sizeof(p), "rm -rf %s", t);
	CHECK(system(p) == 0, "%s", p);
}

static void cache_eviction_keeps_bound(void)
{
	char root[600];
	struct k8s_meta m;
	struct k8s *k;
	json_t *d;
	int bad = 0;

	snprintf(root, sizeof(root), "%s/root", fx);
	k = k8s__new(root, 64);
	if (!k)
		return;
	/* 1000 distinct cgroup ids for one live process: at most 64 kept */
	for (uint64_t id = 1; id <= 1000; id++)
		if (k8s__lookup(k, 1001, id, &m) || strcmp(m.pod_name, "web-7d9f8c6b5-x2k4q"))
			bad++;
	CHECK(!bad, "every lookup answered, %d did not", bad);
	d = json_object();
	k8s__describe(k, d);
	CHECK(json_integer_value(json_object_get(d, "k8s_cache_evictions")) >= 1000 - 64 - 1,
	      "evictions past the bound, got %lld",
	      (long long)json_integer_value(json_object_get(d, "k8s_cache_evictions")));
	/* the pod files were read once: the path entry carried the names */
	CHECK(json_integer_value(json_object_get(d, "k8s_pod_lookups")) == 1,
	      "1 pod lookup, got %lld",
	      (long long)json_integer_value(json_object_get(d, "k8s_pod_lookups")));
	json_decref(d);
	k8s__free(k);
}

/* On a cgroup v1 (or hybrid) host the v2 id is the same for many processes:
 * it must not become a cache key, or one process's container would be
 * reported for another. */
static void v1_host_cgroup_id_not_a_key(void)
{
	char root[] = "/tmp/hostlens-k8s1.XXXXXX", p[512];
	struct k8s_meta m;
	struct k8s *k;
	int r;

	if (!mkdtemp(root)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(p, sizeof(p), "%s/proc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/proc/3001", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/proc/3001/cgroup", root);
	write_file(p,
		   "4:memory:/docker/" ID_DOCKER "\n1:name=systemd:/docker/" ID_DOCKER "\n0::/\n");
	snprintf(p, sizeof(p), "%s/proc/3002", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/proc/3002/cgroup", root);
	write_file(
		p,
		"4:memory:/system.slice/cron.service\n1:name=systemd:/system.slice/cron.service\n0::/\n");
	k = k8s__new(root, 64);
	r = k ? k8s__lookup(k, 3001, 1, &m) : -1;
	CHECK(r == 0 && !strcmp(m.container_id, ID_DOCKER) && !m.cgroup_v2,
	      "pid 3001 in docker (from a v1 line), got %d '%s' v2=%d", r, m.container_id,
	      m.cgroup_v2);
	r = k ? k8s__lookup(k, 3002, 1, &m) : -1;
	CHECK(r == 0 && !m.container_id[0] && !strcmp(m.cgroup, "/system.slice/cron.service"),
	      "pid 3002 with the same v2 id 1 is a host service, got %d '%s' '%s'", r,
	      m.container_id, m.cgroup);
	k8s__free(k);
	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	CHECK(system(p) == 0, "cleanup");
}

static void own_process_on_this_host(void)
{
	struct k8s *k = k8s__new("/", 64);
	struct k8s_meta m, want;
	char buf[8192];
	ssize_t n;
	int fd, r;

	if (!k)
		return;
	r = k8s__lookup(k, getpid(), 0, &m);
	fd = open("/proc/self/cgroup", O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (fd >= 0)
		close(fd);
	CHECK(r == 0 && n > 0, "lookup of self: %d", r);
	k8s_parse_proc_cgroup(buf, n > 0 ? (size_t)n : 0, &want);
	CHECK(!strcmp(m.cgroup, want.cgroup) && !strcmp(m.container_id, want.container_id),
	      "real /proc: '%s' '%s', got '%s' '%s'", want.cgroup, want.container_id, m.cgroup,
	      m.container_id);
	k8s__free(k);
}

int main(void)
{
	const char *top = getenv("TOP");

	snprintf(fx, sizeof(fx), "%s/tests/fixtures/cgroup", top && *top ? top : ".");
	RUN(cgroup_fixtures_map_to_containers);
	RUN(lookalikes_are_not_containers);
	RUN(pod_names_from_kubelet_files);
	RUN(meta_json_fields);
	RUN(cache_by_cgroup_id_and_retry);
	RUN(etc_hosts_symlink_stays_in_container);
	RUN(cache_eviction_keeps_bound);
	RUN(v1_host_cgroup_id_not_a_key);
	RUN(own_process_on_this_host);
	CHECK_DONE();
}
