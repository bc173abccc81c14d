/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Privileges after start-up. Loading BPF programs, mounting tracefs/bpffs and
 * attaching tracepoints need more than running does; once they are done the
 * agent keeps only:
 *   CAP_BPF             map and link syscalls, loading the uprobe programs
 *                       attached to processes that start later
 *   CAP_PERFMON         perf_event_open of uprobes (and tracepoints) for those
 *                       later attaches
 *   CAP_SYS_PTRACE      /proc/PID/{maps,exe,root,environ} of processes with
 *                       other credentials or more capabilities (finding
 *                       libssl in a new process, its mount namespace's files)
 *   CAP_DAC_READ_SEARCH reading a container's files (libssl through
 *                       /proc/PID/root) whatever their owner and mode
 * CAP_SYS_ADMIN is dropped when no later step needs it: mounts are done and
 * tracepoints attach with CAP_PERFMON, but a uprobe through the perf "uprobe"
 * PMU (libbpf's bpf_program__attach_uprobe) needs CAP_SYS_ADMIN (measured on
 * 6.18), while a BPF_TRACE_UPROBE_MULTI link (Linux 6.6) needs only CAP_BPF +
 * CAP_PERFMON. So it is kept when the kernel has no uprobe_multi links
 * (caps_uprobe_multi_ok() false) or no CAP_BPF (< 5.8, where bpf() needs it);
 * uprobes attached after the drop must then be uprobe_multi links.
 * Everything else goes from the effective, permitted and inheritable sets and
 * the ambient set; from the bounding set too when CAP_SETPCAP allows it; and
 * no_new_privs is set so no execve can gain anything back.
 *
 * Capabilities are per thread: the drop must run while the process has one
 * thread (after attach, before the drain, processor and web threads start);
 * threads created later inherit the reduced sets.
 */
#ifndef HOSTLENS_CAPS_H
#define HOSTLENS_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* The capabilities kept, as a mask of (1ull << CAP_x). Probes the kernel
 * (caps_uprobe_multi_ok), so call it while still privileged. */
uint64_t caps_keep_mask(void);

/* Does this kernel attach BPF_TRACE_UPROBE_MULTI links? Needs CAP_BPF and
 * CAP_PERFMON to answer true. */
bool caps_uprobe_multi_ok(void);

/*
 * Drops every capability not in caps_keep_mask() (see above). Returns 0, or
 * -EBUSY when more than one thread runs, -EPERM/-errno when a step fails,
 * with err naming the step. A process without the kept capabilities (not
 * root) ends with none; that is not an error.
 */
int caps__drop_after_attach(char *err, size_t errlen);

/* As caps__drop_after_attach, also keeping the capabilities in extra (e.g.
 * 1ull << CAP_NET_BIND_SERVICE for a listener bound later). */
int caps__drop_keeping(uint64_t extra, char *err, size_t errlen);

/*
 * Sets on out: "cap_effective", "cap_permitted", "cap_inheritable",
 * "cap_bounding", "cap_ambient" (arrays of names like "bpf", "perfmon"),
 * "cap_effective_hex" (as /proc/PID/status CapEff) and "no_new_privs".
 * For the calling thread. 0 or -errno.
 */
int caps__describe(json_t *out);

#endif
