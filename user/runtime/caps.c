// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Capability drop after attach, and per thread (caps.h), with the raw
 * capget/capset and prctl interfaces: no libcap needed.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "user/runtime/caps.h"
#include "user/lib/uprobe_multi.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define BIT(c) (1ull << (c))

static const char *const cap_names[] = {
	"chown",
	"dac_override",
	"dac_read_search",
	"fowner",
	"fsetid",
	"kill",
	"setgid",
	"setuid",
	"setpcap",
	"linux_immutable",
	"net_bind_service",
	"net_broadcast",
	"net_admin",
	"net_raw",
	"ipc_lock",
	"ipc_owner",
	"sys_module",
	"sys_rawio",
	"sys_chroot",
	"sys_ptrace",
	"sys_pacct",
	"sys_admin",
	"sys_boot",
	"sys_nice",
	"sys_resource",
	"sys_time",
	"sys_tty_config",
	"mknod",
	"lease",
	"audit_write",
	"audit_control",
	"setfcap",
	"mac_override",
	"mac_admin",
	"syslog",
	"wake_alarm",
	"block_suspend",
	"audit_read",
	"perfmon",
	"bpf",
	"checkpoint_restore",
};

#define N_NAMES (int)(sizeof(cap_names) / sizeof(cap_names[0]))

/* Highest capability this kernel knows. */
static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = CAP_LAST_CAP;
		fclose(f);
	}
	return n > 63 ? 63 : n;
}

static int caps_get(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d)); /* valgrind does not know capget fills it */
	if (syscall(SYS_capget, &h, d))
		return -errno;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int caps_set(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
	};

	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* A program that returns 0, loaded for uprobe_multi links: fd or -errno. */
static int trivial_uprobe_multi_prog(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;
	int prog;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_KPROBE;
	a.expected_attach_type = UPROBE_MULTI_ATTACH;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t) "GPL";
	prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	return prog < 0 ? -errno : prog;
}

bool caps_uprobe_multi_ok(void)
{
	uint64_t off = 0;
	int prog, link;

	prog = trivial_uprobe_multi_prog();
	if (prog < 0)
		return false;
	/* A uprobe on "/" (a directory): a kernel that has uprobe_multi links
	 * answers EBADF, one that does not answers EINVAL. */
	link = uprobe_multi_link(prog, "/", &off, 1, false);
	if (link >= 0)
		close(link);
	close(prog);
	return link == -EBADF;
}

/*
 * After the drop the agent uses BPF only through fds it already holds: map
 * lookups and updates, and uprobe_multi links of programs loaded before. Does
 * this kernel let a thread without capabilities do that? Since 6.5 it does
 * (the CAP_BPF checks moved to map and program creation); before, with
 * kernel.unprivileged_bpf_disabled set, every bpf() command wanted CAP_BPF.
 * Asked of a forked child that drops all its capabilities; the caller has
 * one thread (caps__drop_keeping checked).
 */
static bool caps_bpf_fds_unprivileged(void)
{
	union bpf_attr a;
	int prog, map, status;
	bool ok = false;
	pid_t pid;

	prog = trivial_uprobe_multi_prog();
	if (prog < 0)
		return false;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	map = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (map < 0)
		goto close_prog;
	pid = fork();
	if (pid == 0) {
		uint32_t key = 0;
		uint64_t val = 0, off = 0;

		if (caps_set(0, 0, 0))
			_exit(2);
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)map;
		a.key = (uint64_t)(uintptr_t)&key;
		a.value = (uint64_t)(uintptr_t)&val;
		if (syscall(SYS_bpf, BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)))
			_exit(3);
		/* past every permission check, the kernel refuses the directory */
		_exit(uprobe_multi_link(prog, "/", &off, 1, false) == -EBADF ? 0 : 4);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	close(map);
close_prog:
	close(prog);
	return ok;
}

uint64_t caps_keep_mask(void)
{
	uint64_t keep = BIT(CAP_SYS_PTRACE) | BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_SYS_NICE);

	if (last_cap() < CAP_BPF)
		return keep | BIT(CAP_SYS_ADMIN); /* < 5.8: bpf() and perf need it */
	/* the perf uprobe PMU wants CAP_SYS_ADMIN (measured on 6.18); uprobe_multi
	 * links do not */
	if (!caps_uprobe_multi_ok())
		return keep | BIT(CAP_BPF) | BIT(CAP_PERFMON) | BIT(CAP_SYS_ADMIN);
	if (!caps_bpf_fds_unprivileged())
		keep |= BIT(CAP_BPF) | BIT(CAP_PERFMON);
	return keep;
}

static int thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int caps__drop_keeping(uint64_t extra, char *err, size_t errlen)
{
	uint64_t eff, prm, inh, keep;
	int n, ret, top = last_cap();

	n = thread_count();
	if (n > 1) {
		snprintf(
			err, errlen,
			"caps: %d threads run; capabilities are per thread, drop them before starting threads",
			n);
		return -EBUSY;
	}
	ret = caps_get(&eff, &prm, &inh);
	if (ret) {
		snprintf(err, errlen, "caps: capget: %s", strerror(-ret));
		return ret;
	}
	keep = (caps_keep_mask() | extra) & prm;

	/* 1. Bounding set and securebits: both need CAP_SETPCAP, so before the
	 * capset that removes it. Without it (a container given only what it
	 * needs) no_new_privs below does the same job for execve. */
	if (eff & BIT(CAP_SETPCAP)) {
		for (int c = 0; c <= top; c++) {
			if (keep & BIT(c))
				continue;
			if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
			    prctl(PR_CAPBSET_DROP, c, 0, 0, 0)) {
				ret = -errno;
				snprintf(err, errlen,
					 "caps: dropping cap %d from the bounding set: %s", c,
					 strerror(errno));
				return ret;
			}
		}
		/* uid 0 gets no capabilities from execve, and no ambient raise */
		if (prctl(PR_SET_SECUREBITS,
			  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
				  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
			  0, 0, 0) &&
		    errno != EPERM) {
			ret = -errno;
			snprintf(err, errlen, "caps: securebits: %s", strerror(errno));
			return ret;
		}
	}
	/* 2. Ambient set: nothing is passed to children. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		ret = -errno;
		snprintf(err, errlen, "caps: clearing the ambient set: %s", strerror(errno));
		return ret;
	}
	/* 3. no_new_privs: execve can never add privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ret = -errno;
		snprintf(err, errlen, "caps: no_new_privs: %s", strerror(errno));
		return ret;
	}
	/* 4. Effective and permitted: the kept set; inheritable: empty. */
	ret = caps_set(keep, keep, 0);
	if (ret) {
		snprintf(err, errlen, "caps: capset: %s", strerror(-ret));
		return ret;
	}
	ret = caps_get(&eff, &prm, &inh);
	if (ret || eff != keep || prm != keep || inh) {
		snprintf(
			err, errlen,
			"caps: after capset the sets are eff %#llx prm %#llx inh %#llx, wanted %#llx",
			(unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh,
			(unsigned long long)keep);
		return ret ? ret : -EPERM;
	}
	return 0;
}

int caps__drop_after_attach(char *err, size_t errlen)
{
	return caps__drop_keeping(0, err, errlen);
}

int caps__drop_thread(void)
{
	return caps__drop_thread_keeping(0);
}

int caps__drop_thread_keeping(uint64_t keep)
{
	uint64_t eff, prm, inh;
	int ret;

	ret = caps_get(&eff, &prm, &inh);
	if (ret)
		return ret;
	keep &= prm;
	/* the raw syscall changes the calling thread only: glibc broadcasts
	 * setuid() and friends to every thread, never capset() */
	ret = caps_set(keep, keep, 0);
	if (ret)
		return ret;
	ret = caps_get(&eff, &prm, &inh);
	if (ret)
		return ret;
	return (eff & ~keep) || (prm & ~keep) || inh ? -EPERM : 0;
}

bool caps__effective(int cap)
{
	uint64_t eff, prm, inh;

	return caps_get(&eff, &prm, &inh) == 0 && (eff & BIT(cap));
}

static json_t *names(uint64_t mask)
{
	json_t *a = json_array();

	for (int c = 0; a && c < 64; c++) {
		char num[16];

		if (!(mask & BIT(c)))
			continue;
		if (c < N_NAMES) {
			json_array_append_new(a, json_string(cap_names[c]));
		} else {
			snprintf(num, sizeof(num), "cap_%d", c);
			json_array_append_new(a, json_string(num));
		}
	}
	return a;
}

int caps__describe(json_t *out)
{
	uint64_t eff, prm, inh, bnd = 0, amb = 0;
	int ret, top = last_cap();
	char hex[24];

	ret = caps_get(&eff, &prm, &inh);
	if (ret)
		return ret;
	for (int c = 0; c <= top; c++) {
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			bnd |= BIT(c);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			amb |= BIT(c);
	}
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)eff);
	if (json_object_set_new(out, "cap_effective", names(eff)) ||
	    json_object_set_new(out, "cap_permitted", names(prm)) ||
	    json_object_set_new(out, "cap_inheritable", names(inh)) ||
	    json_object_set_new(out, "cap_bounding", names(bnd)) ||
	    json_object_set_new(out, "cap_ambient", names(amb)) ||
	    json_object_set_new(out, "cap_effective_hex", json_string(hex)) ||
	    json_object_set_new(out, "no_new_privs",
				json_boolean(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)))
		return -ENOMEM;
	return 0;
}
