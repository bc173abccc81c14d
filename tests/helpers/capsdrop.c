// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * capsdrop: runs caps__drop_after_attach() as the agent does, then shows what
 * is left and proves what still works and what no longer does:
 *   status: the Cap and NoNewPrivs lines of /proc/self/status
 *   describe: caps__describe() as JSON
 *   probe NAME ok|errno: reading /proc/1/stat, and /proc/PID/maps and
 *   /proc/PID/root/... of a root process that kept every capability (that
 *   needs CAP_SYS_PTRACE); through maps and programs made before the drop,
 *   as the agent makes them: map update and lookup by fd, uprobes on this
 *   program (perf PMU and uprobe_multi link; hits read back from the map);
 *   and what may fail now: making a new map or program (where CAP_BPF
 *   went), mount, chown, setuid, raising a dropped capability.
 * Usage: capsdrop [--no-drop] [--threads]   (--threads starts a thread first:
 * the drop must refuse). Exit 0 when the drop did what was asked.
 *        capsdrop --read-capless PATH: drops every capability of this (one
 *        thread) process with caps__drop_thread(), then reads PATH and prints
 *        "read ok" or "read <strerror>": what a process of the same uid with
 *        no capabilities may read (of a non-dumpable process: nothing from
 *        /proc/PID/{environ,maps,mem}). Exit 0 when the drop worked.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "user/runtime/caps.h"
#include "user/lib/uprobe_multi.h"

static void probe(const char *name, int err)
{
	printf("probe %s %s\n", name, err ? strerror(err) : "ok");
}

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static int map_create(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	return (int)sys_bpf(BPF_MAP_CREATE, &a);
}

static uint64_t map_read(int fd)
{
	union bpf_attr a;
	uint32_t key = 0;
	uint64_t v = 0;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)&v;
	if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a))
		return (uint64_t)-1;
	return v;
}

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/* *(u64 *)map[0] += 1; return 0 */
static int prog_load_as(int type, int attach, int map_fd, char *log, size_t loglen)
{
	struct bpf_insn insns[] = {
		INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 1),
		INSN(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 1, 0, BPF_ADD),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = (uint32_t)type;
	a.expected_attach_type = (uint32_t)attach;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = (uint32_t)loglen;
	a.log_level = 1;
	return (int)sys_bpf(BPF_PROG_LOAD, &a);
}

static int prog_load(int type, int map_fd, char *log, size_t loglen)
{
	return prog_load_as(type, 0, map_fd, log, loglen);
}

__attribute__((noinline)) int uprobe_target(int x)
{
	__asm__ volatile("" : "+r"(x) : : "memory");
	return x + 1;
}

/* File offset of uprobe_target in /proc/self/exe, from /proc/self/maps. */
static long target_offset(char *exe, size_t exelen)
{
	uintptr_t addr = (uintptr_t)&uprobe_target;
	char line[512];
	long off = -1;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, pgoff;
		char path[400] = "";

		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %399s", &lo, &hi, &pgoff, path) < 3)
			continue;
		if (addr >= lo && addr < hi) {
			off = (long)(addr - lo + pgoff);
			snprintf(exe, exelen, "%s", path);
			break;
		}
	}
	fclose(f);
	return off;
}

static int read_int_file(const char *path, int *v)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return errno;
	ok = fscanf(f, "%d", v) == 1;
	fclose(f);
	return ok ? 0 : EINVAL;
}

/* What the agent makes while privileged and uses after the drop. */
struct prepared {
	int perf_map, perf_prog;   /* a uprobe program for the perf PMU */
	int multi_map, multi_prog; /* one loaded for uprobe_multi links */
};

static void prepare(struct prepared *pp)
{
	char log[4096] = "";

	pp->perf_map = map_create();
	pp->multi_map = map_create();
	pp->perf_prog = -1;
	pp->multi_prog = -1;
	if (pp->perf_map >= 0)
		pp->perf_prog = prog_load(BPF_PROG_TYPE_KPROBE, pp->perf_map, log, sizeof(log));
	if (pp->perf_map >= 0 && pp->perf_prog < 0)
		fprintf(stderr, "uprobe prog load: %s\n%s\n", strerror(errno), log);
	if (pp->multi_map >= 0)
		pp->multi_prog = prog_load_as(BPF_PROG_TYPE_KPROBE, UPROBE_MULTI_ATTACH,
					      pp->multi_map, log, sizeof(log));
}

/* A uprobe through the perf PMU, with a program loaded before the drop. */
static void probe_uprobe(const struct prepared *pp)
{
	struct perf_event_attr attr;
	char exe[400];
	int type, pfd, err;
	long off;

	err = read_int_file("/sys/bus/event_source/devices/uprobe/type", &type);
	if (err) {
		probe("uprobe_perf_attach", err);
		return;
	}
	off = target_offset(exe, sizeof(exe));
	if (pp->perf_prog < 0 || off < 0) {
		probe("uprobe_perf_attach", off < 0 ? ENOENT : EBADF);
		return;
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (uint32_t)type;
	attr.config1 = (uint64_t)(uintptr_t)exe;
	attr.config2 = (uint64_t)off;
	pfd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0 || ioctl(pfd, PERF_EVENT_IOC_SET_BPF, pp->perf_prog) ||
	    ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0)) {
		probe("uprobe_perf_attach", errno);
	} else {
		int s = 0;

		for (int i = 0; i < 5; i++)
			s += uprobe_target(i);
		printf("uprobe_perf_hits %llu (calls 5, sum %d)\n",
		       (unsigned long long)map_read(pp->perf_map), s);
		probe("uprobe_perf_attach", 0);
	}
	if (pfd >= 0)
		close(pfd);
}

/* A BPF_TRACE_UPROBE_MULTI link (Linux 6.6) of a program loaded before the
 * drop: how the agent attaches TLS uprobes to processes that start later. */
static void probe_uprobe_multi(const struct prepared *pp)
{
	char exe[400];
	uint64_t off;
	long o;
	int link;

	o = target_offset(exe, sizeof(exe));
	if (pp->multi_prog < 0 || o < 0) {
		probe("uprobe_multi_attach", o < 0 ? ENOENT : EBADF);
		return;
	}
	off = (uint64_t)o;
	link = uprobe_multi_link(pp->multi_prog, exe, &off, 1, false);
	if (link < 0) {
		probe("uprobe_multi_attach", -link);
	} else {
		int sum = 0;

		for (int i = 0; i < 5; i++)
			sum += uprobe_target(i);
		printf("uprobe_multi_hits %llu (calls 5, sum %d)\n",
		       (unsigned long long)map_read(pp->multi_map), sum);
		probe("uprobe_multi_attach", 0);
		close(link);
	}
}

static void probe_read(const char *name, const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	int err = n < 0 ? errno : 0;

	if (fd >= 0)
		close(fd);
	probe(name, err);
}

static void *idle(void *arg)
{
	pause();
	return arg;
}

/* --read-capless PATH */
static int read_capless(const char *path)
{
	int err = caps__drop_thread();

	if (err) {
		printf("drop %s\n", strerror(-err));
		return 1;
	}
	probe_read("read", path);
	return 0;
}

int main(int argc, char **argv)
{
	bool drop = true, threads = false;
	struct prepared pp;
	char err[256] = "", line[256], tmpf[] = "/tmp/capsdrop.XXXXXX";
	json_t *d;
	FILE *f;
	int ret = 0, fd;
	pid_t child;

	if (argc == 3 && !strcmp(argv[1], "--read-capless"))
		return read_capless(argv[2]);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-drop"))
			drop = false;
		else if (!strcmp(argv[i], "--threads"))
			threads = true;
	}
	if (threads) {
		pthread_t t;

		pthread_create(&t, NULL, idle, NULL);
	}
	/* a root process with every capability, started before the drop: reading
	 * its /proc/PID/maps afterwards needs CAP_SYS_PTRACE */
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	prepare(&pp);
	if (drop) {
		ret = caps__drop_keeping(
			getenv("CAPSDROP_EXTRA") ? strtoull(getenv("CAPSDROP_EXTRA"), NULL, 0) : 0,
			err, sizeof(err));
		printf("drop %d %s\n", ret, err);
		if (ret) {
			kill(child, SIGKILL);
			return 1;
		}
	}
	f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10))
			printf("status %s", line);
	if (f)
		fclose(f);
	d = json_object();
	if (!caps__describe(d)) {
		char *s = json_dumps(d, JSON_COMPACT);

		printf("describe %s\n", s);
		free(s);
	}
	json_decref(d);

	probe_read("read_proc1_stat", "/proc/1/stat");
	snprintf(line, sizeof(line), "/proc/%d/maps", (int)child);
	probe_read("read_privileged_child_maps", line);
	snprintf(line, sizeof(line), "/proc/%d/root/etc/os-release", (int)child);
	probe_read("read_privileged_child_root", line);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* the maps and programs made before the drop still work through their fds */
	{
		union bpf_attr a;
		uint32_t key = 0;
		uint64_t v = 41;

		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)pp.multi_map;
		a.key = (uint64_t)(uintptr_t)&key;
		a.value = (uint64_t)(uintptr_t)&v;
		probe("bpf_map_update_by_fd", sys_bpf(BPF_MAP_UPDATE_ELEM, &a) ? errno : 0);
		v = 0;
		probe("bpf_map_lookup_by_fd", sys_bpf(BPF_MAP_LOOKUP_ELEM, &a) ? errno :
					      v == 41			       ? 0 :
										 EIO);
		v = 0;
		sys_bpf(BPF_MAP_UPDATE_ELEM, &a);
	}
	probe_uprobe(&pp);
	probe_uprobe_multi(&pp);
	/* making new ones is over once CAP_BPF is gone */
	fd = map_create();
	probe("bpf_map_create", fd < 0 ? errno : 0);
	if (fd >= 0)
		close(fd);
	{
		char log[4096];

		fd = prog_load(BPF_PROG_TYPE_KPROBE, pp.multi_map, log, sizeof(log));
		probe("bpf_prog_load", fd < 0 ? errno : 0);
		if (fd >= 0)
			close(fd);
	}
	probe("mount_tmpfs", mount("none", "/mnt", "tmpfs", MS_RDONLY, NULL) ? errno : 0);
	fd = mkstemp(tmpf);
	probe("chown", fd >= 0 && fchown(fd, 1234, 1234) ? errno : 0);
	if (fd >= 0) {
		close(fd);
		unlink(tmpf);
	}
	probe("setuid", syscall(SYS_setuid, 1234) ? errno : 0);
	{
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct c[2] = {
			{ 1u << CAP_SYS_ADMIN % 32, 1u << CAP_SYS_ADMIN % 32, 0 }, { 0, 0, 0 }
		};

		probe("raise_sys_admin", syscall(SYS_capset, &h, c) ? errno : 0);
	}
	fflush(stdout);
	/* what an execve'd child gets (no_new_privs, securebits) */
	execl("/bin/sh", "sh", "-c",
	      "grep -E '^Cap(Eff|Prm)' /proc/self/status | sed 's/^/child /'", (char *)NULL);
	return 1;
}
