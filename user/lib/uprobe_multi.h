/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * uprobe_multi links (BPF_TRACE_UPROBE_MULTI, Linux 6.6) with libbpf 1.1,
 * which predates bpf_program__attach_uprobe_multi (libbpf 1.3).
 *
 * Why: a uprobe made through the perf "uprobe" PMU (perf_event_open, what
 * libbpf's bpf_program__attach_uprobe does) needs CAP_SYS_ADMIN again since
 * the fix of c9e0924e5c2b ("perf/core: open access to probes for CAP_PERFMON
 * privileged process"; measured on 6.18), while a uprobe_multi link needs
 * only CAP_BPF and CAP_PERFMON. A program attached this way must be loaded
 * with expected_attach_type UPROBE_MULTI_ATTACH.
 */
#ifndef HOSTLENS_UPROBE_MULTI_H
#define HOSTLENS_UPROBE_MULTI_H

#include <stdbool.h>
#include <stdint.h>

/* BPF_TRACE_UPROBE_MULTI and BPF_F_UPROBE_MULTI_RETURN: not in Debian 12's
 * uapi headers. */
#define UPROBE_MULTI_ATTACH 48
#define UPROBE_MULTI_RETURN 1u

/*
 * File offset of function func in the ELF file at path (.dynsym first, then
 * .symtab; "name@VERSION" symbols match "name"), as the kernel wants it for a
 * uprobe. Returns the offset, -ENOENT when no defined function has that name,
 * -ENOEXEC when path is not a readable ELF file, or another -errno.
 */
long uprobe_func_offset(const char *path, const char *func);

/*
 * Creates a uprobe_multi link of program prog_fd on cnt offsets of the file
 * at path, for every process (pid 0), on return when retprobe. Returns the
 * link's fd (the caller closes it to detach) or -errno.
 */
int uprobe_multi_link(int prog_fd, const char *path, const uint64_t *offsets, uint32_t cnt,
		      bool retprobe);

/* uprobe_func_offset() then uprobe_multi_link() on that one offset. */
int uprobe_multi_attach(int prog_fd, const char *path, const char *func, bool retprobe);

#endif
