/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Per-thread time accounting (struct thread_acct): kept by the CPU signal at
 * every switch and wake-up, added to by the disk signal (bytes submitted) and
 * read by the HTTP signal (request latency breakdown). Task local storage: a
 * lookup is a walk from the task (no hashing, no shared bucket), and the
 * entry goes away with the thread. Shared by name: the loader hands the first
 * object's map fd to the others. Needs BTF task pointers (tp_btf programs,
 * or bpf_get_current_task_btf()).
 */
#ifndef HOSTLENS_THREADS_BPF_H
#define HOSTLENS_THREADS_BPF_H

#include "bpf/common/events.h"
#include "bpf/cpu/cpu.h"

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_acct);
} sh_threads SEC(".maps");

/* Task t's accounting, created at first sight (the CPU signal's switches
 * and wake-ups); NULL only when the kernel cannot allocate it. */
static __always_inline struct thread_acct *thread__get(struct task_struct *t)
{
	return bpf_task_storage_get(&sh_threads, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/* Task t's accounting, NULL when the CPU signal has not seen it switch yet
 * (readers never create it). */
static __always_inline struct thread_acct *thread__peek(struct task_struct *t)
{
	return bpf_task_storage_get(&sh_threads, t, 0, 0);
}

/* The current thread's accounting, as thread__peek. */
static __always_inline struct thread_acct *thread__current(void)
{
	return thread__peek(bpf_get_current_task_btf());
}

#endif
