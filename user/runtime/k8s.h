/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Container and Kubernetes metadata for a process: its cgroup (from
 * /proc/PID/cgroup, cgroup v1 or v2) gives the container id and runtime
 * (docker, containerd, cri-o, podman) and the pod UID and QoS class; in a
 * cluster the kubelet's files on the node give the pod's name and namespace
 * and the container's name:
 *   /var/log/containers/<pod>_<namespace>_<container>-<id>.log
 *   /var/log/pods/<namespace>_<pod>_<uid>/
 *   /proc/PID/root/etc/hosts (the kubelet's etc-hosts of the pod: pod name
 *   only, the last resort; needs CAP_SYS_PTRACE for another uid)
 * No API server access is needed. Every path is read under a root prefix so
 * tests run on fixture trees.
 *
 * A struct k8s is owned by one thread (the processor); it is not locked.
 * Results are kept in a bounded cache keyed by cgroup id (or cgroup path).
 */
#ifndef HOSTLENS_K8S_H
#define HOSTLENS_K8S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct k8s_meta {
	char container_id[65]; /* 64 hex; "" when not in a container */
	char runtime[16];      /* docker | containerd | cri-o | podman | "" (unknown) */
	char pod_uid[40];      /* "" when not in a pod */
	char qos[12];	       /* guaranteed | burstable | besteffort | "" */
	char pod_name[254];    /* "" until resolved */
	char pod_namespace[64];
	char container_name[64];
	char cgroup[512]; /* the cgroup path the result came from */
	bool cgroup_v2;	  /* that path is the unified (v2) one, so the kernel's
				 * cgroup id names it; on v1 it does not */
};

/*
 * Parses one cgroup path ("/kubepods.slice/.../cri-containerd-<id>.scope").
 * Fills the container and pod fields it can find; the name fields are left
 * empty. Returns 1 when a container id was found, 0 when not (the other
 * fields may still be set, e.g. a pod's pause-less sandbox or a conmon).
 */
int k8s_parse_cgroup_path(const char *path, struct k8s_meta *m);

/*
 * Parses the text of a /proc/PID/cgroup file (v2 "0::/path" lines, v1
 * "N:controllers:/path" lines, or both on hybrid hosts). Prefers the line that
 * names a container: the v2 line first, then name=systemd, then the rest.
 * Returns 1 (container), 0 (no container) or -EINVAL (no cgroup line).
 */
int k8s_parse_proc_cgroup(const char *text, size_t len, struct k8s_meta *m);

struct k8s;

/*
 * New resolver reading under root ("" or NULL: "/"), caching up to
 * cache_entries results (rounded up to a multiple of 4, at least 64).
 * NULL and errno on failure.
 */
struct k8s *k8s__new(const char *root, size_t cache_entries);
void k8s__free(struct k8s *k);

/* How long an unresolved pod name waits before the kubelet's files are read
 * again (default 10 s). */
void k8s__set_retry_ms(struct k8s *k, unsigned int ms);

/*
 * Metadata of process pid. cgroup_id, when not 0, is the cgroup v2 id the
 * kernel reported with the event (bpf_get_current_cgroup_id()): a cached id
 * answers without reading /proc. Pod names not yet on disk are looked up
 * again at most every 10 s. The id is used as a cache key only when the
 * answer came from the v2 hierarchy (on cgroup v1 hosts every process has the
 * same v2 id). Returns 0 with *out filled, -ENOENT when the
 * process is gone and nothing is cached, or another -errno.
 */
int k8s__lookup(struct k8s *k, int pid, uint64_t cgroup_id, struct k8s_meta *out);

/* Adds the container/pod fields of m that are set to obj ("container_id",
 * "container_runtime", "container_name", "pod_uid", "pod", "namespace").
 * 0 or -ENOMEM. */
int k8s_meta_to_json(const struct k8s_meta *m, json_t *obj);

/* Cache counters: {"k8s_cache_entries", "k8s_cache_hits", "k8s_cache_misses",
 * "k8s_cache_evictions", "k8s_pod_lookups"} set on out. */
void k8s__describe(const struct k8s *k, json_t *out);

#endif
