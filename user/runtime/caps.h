/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Privileges after start-up. Loading BPF programs, creating maps and
 * attaching tracepoints need CAP_BPF, CAP_PERFMON (and CAP_SYS_ADMIN to mount
 * tracefs when the host has not); once they are done, the process keeps only
 * what the signals still use:
 *   CAP_SYS_PTRACE      /proc/PID/{maps,root,io,environ} of processes with
 *                       other credentials or more capabilities: finding libssl
 *                       in a new process, and its path in the process's mount
 *                       namespace that the TLS uprobes are set on
 *   CAP_DAC_READ_SEARCH reading and walking to a container's files (libssl's
 *                       symbols through /proc/PID/root) whatever their owner
 *                       and mode
 *   CAP_SYS_NICE        taking the processor thread back from SCHED_IDLE when
 *                       it falls behind on a host with no idle CPU (the drain
 *                       thread does, thread.h); kept only when given: without
 *                       it the processor does not yield
 * and, only on kernels that need them for what follows:
 *   CAP_BPF, CAP_PERFMON  map syscalls through the fds already held, and TLS
 *                       uprobe links of programs already loaded. A thread with
 *                       no capabilities does both since Linux 6.5 (the checks
 *                       moved to map and program creation; before, with
 *                       kernel.unprivileged_bpf_disabled set, every bpf()
 *                       command wanted CAP_BPF): probed at the drop by a child
 *                       that drops everything and tries.
 *   CAP_SYS_ADMIN       a kernel without uprobe_multi links (< 6.6): uprobes
 *                       then go through the perf uprobe PMU, which wants
 *                       CAP_SYS_ADMIN (again, since the fix of c9e0924e5c2b;
 *                       measured on 6.18); or without CAP_BPF (< 5.8), where
 *                       bpf() and perf want it for everything.
 * uprobe_multi links need neither CAP_SYS_ADMIN nor, on a program loaded
 * before, CAP_BPF/CAP_PERFMON (uprobe_multi.h; measured on 6.18).
 * Everything else goes from the effective, permitted and inheritable sets and
 * the ambient set; from the bounding set too when CAP_SETPCAP allows it; and
 * no_new_privs is set so no execve can gain anything back.
 *
 * Capabilities are per thread: the drop must run while the process has one
 * thread (after attach, before the drain, processor and web threads start);
 * threads created later inherit the reduced sets. Threads that need none of
 * them (the web server, which parses what any client sends; the sinks; the
 * alert webhook) then drop all of theirs with caps__drop_thread()
 * (thread__setup() does it), the drain all but CAP_SYS_NICE, so only the
 * main and processor threads hold the kept set.
 */
#ifndef HOSTLENS_CAPS_H
#define HOSTLENS_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* The capabilities kept, as a mask of (1ull << CAP_x). Probes the kernel
 * (caps_uprobe_multi_ok, and a forked child for the fd operations), so call
 * it while still privileged and with one thread. */
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
 * Drops every capability of the calling thread (effective, permitted and
 * inheritable sets; capset(2) with pid 0 changes this thread only). The
 * other threads keep theirs. 0, or -errno when capset/capget fail or a set
 * is not empty afterwards (-EPERM).
 */
int caps__drop_thread(void);

/* As caps__drop_thread, but keeping those of the capabilities in keep (a
 * mask of (1ull << CAP_x)) that the thread has. */
int caps__drop_thread_keeping(uint64_t keep);

/* Is cap in the calling thread's effective set? */
bool caps__effective(int cap);

/*
 * Sets on out: "cap_effective", "cap_permitted", "cap_inheritable",
 * "cap_bounding", "cap_ambient" (arrays of names like "bpf", "perfmon"),
 * "cap_effective_hex" (as /proc/PID/status CapEff) and "no_new_privs".
 * For the calling thread. 0 or -errno.
 */
int caps__describe(json_t *out);

#endif
