// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * CPU signal: on-CPU time per process and per core from sched_switch,
 * run-queue latency from sched_wakeup(_new) -> sched_switch, and process
 * exec/exit events. No event per switch, and no hash lookup either:
 * - per core: busy/idle time in a per-CPU array;
 * - per thread: on-CPU time, run-queue wait and switches in the thread's
 *   task local storage (threads.bpf.h, shared with the HTTP signal's latency
 *   breakdown); two storage lookups per switch, no shared entry;
 * - per process: user space sums the threads once a second through the
 *   cpu_threads task iterator, plus `exited`, where each thread's counters
 *   go when it exits (until the process's exit has been read).
 * Memory does not grow with the CPU count (a per-CPU hash per process did:
 * max_procs x CPUs x 40 B preallocated).
 * The scheduler hooks are tp_btf only: the tasks are read with plain loads
 * and the accounting is task local storage, which needs BTF task pointers.
 * Without kernel BTF the signal is off.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "bpf/common/helpers.bpf.h"
#include "bpf/common/threads.bpf.h"
#include "bpf/cpu/cpu.h"

#define TASK_RUNNING 0

/* per-thread I/O wait vs other blocked split for the latency breakdown */
const volatile bool targ_thread_acct = true;

/* counters of exited threads per process (key tgid); sized by the loader */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct proc_cpu);
} exited SEC(".maps");

/* busy/idle time per core, one slot per CPU */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct core_cpu);
} cores SEC(".maps");

/* run-queue latency, log2 microsecond buckets, per CPU */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HL_RUNQ_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} runq_hist SEC(".maps");

/* A task became runnable (woken); its run-queue wait starts now. */
static __always_inline void wakeup__record(struct task_struct *p)
{
	struct thread_acct *a;

	if (!p->pid)
		return;
	a = thread__get(p);
	if (a)
		a->woke_at = bpf_ktime_get_ns();
	else
		drops__inc(HL_DROP_THREADS);
}

/* prev leaves the CPU at now: close its on-CPU slice, note why it left.
 * oncpu_ns is written before last_in is cleared: the iterator reads them in
 * the other order, so a slice is never counted twice. */
static __always_inline void thread__out(struct thread_acct *a, struct task_struct *prev, __u64 now)
{
	if (a->last_in && now > a->last_in) {
		a->oncpu_ns += now - a->last_in;
		a->switches++;
	}
	asm volatile("" ::: "memory");
	a->last_in = 0;
	a->last_out = now;
	if (prev->__state == TASK_RUNNING) {
		a->out_state = HL_OUT_RUNQ;
		a->woke_at = now; /* preempted: still runnable, queued from now */
	} else if (targ_thread_acct && BPF_CORE_READ_BITFIELD(prev, in_iowait)) {
		a->out_state = HL_OUT_IO;
	} else {
		a->out_state = HL_OUT_OTHER;
	}
}

/* next enters the CPU at now, runnable since woke_at (0: unknown). */
static __always_inline void thread__in(struct thread_acct *a, __u64 now, __u64 woke_at)
{
	__u64 out = a->last_out;

	if (out && now > out) {
		if (a->out_state == HL_OUT_RUNQ || !woke_at || woke_at < out || woke_at > now) {
			if (a->out_state == HL_OUT_IO)
				a->io_ns += now - out;
			else if (a->out_state == HL_OUT_OTHER)
				a->other_ns += now - out;
			else
				a->runq_ns += now - out;
		} else {
			/* blocked until woken, then queued until now */
			if (a->out_state == HL_OUT_IO)
				a->io_ns += woke_at - out;
			else
				a->other_ns += woke_at - out;
			a->runq_ns += now - woke_at;
		}
	} else if (woke_at && now > woke_at) {
		a->runq_ns += now - woke_at; /* first run seen: queued since woken */
	}
	a->last_in = now;
	a->woke_at = 0;
	a->out_state = HL_OUT_NONE;
}

static __always_inline int handle_switch(bool preempt, struct task_struct *prev,
					 struct task_struct *next)
{
	__u32 zero = 0, prev_tid = prev->pid, next_tid = next->pid;
	__u64 now = bpf_ktime_get_ns(), woke;
	struct core_cpu *core = bpf_map_lookup_elem(&cores, &zero);
	struct thread_acct *a;

	/* prev ran from the last switch on this CPU until now */
	if (core) {
		if (core->last_ts) {
			__u64 delta = now - core->last_ts;

			if (core->last_idle)
				core->idle_ns += delta;
			else
				core->busy_ns += delta;
		}
		core->last_ts = now;
		core->last_idle = next_tid == 0;
	}
	if (prev_tid) {
		a = thread__get(prev);
		if (a)
			thread__out(a, prev, now);
		else
			drops__inc(HL_DROP_THREADS);
	}
	if (!next_tid)
		return 0;
	a = thread__get(next);
	if (!a) {
		drops__inc(HL_DROP_THREADS);
		return 0;
	}
	woke = a->woke_at;
	if (woke && now > woke) {
		__u32 slot = log2_slot((now - woke) / 1000, HL_RUNQ_SLOTS);
		__u64 *c = bpf_map_lookup_elem(&runq_hist, &slot);

		if (c)
			*c += 1;
	}
	thread__in(a, now, woke);
	return 0;
}
SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(preempt, prev, next);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup_btf, struct task_struct *p)
{
	wakeup__record(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new_btf, struct task_struct *p)
{
	wakeup__record(p);
	return 0;
}

SEC("tp/sched/sched_process_exec")
int sched_process_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	unsigned int off = ctx->__data_loc_filename & 0xffff;
	struct ev_proc_exec *e;
	__u64 wake;

	e = rb__reserve(sizeof(*e), &wake);
	if (!e)
		return 0;
	hdr__fill(&e->h, HL_EV_PROC_EXEC, sizeof(*e));
	e->ppid = BPF_CORE_READ(t, real_parent, tgid);
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
	rb__submit(e, wake);
	return 0;
}

/* A thread exits: its counters, with the slice it is running, go to its
 * process's entry in `exited`; the iterator no longer reports it. */
static __always_inline void thread__fold(struct task_struct *t)
{
	struct thread_acct *a = thread__peek(t);
	__u32 tgid = t->tgid;
	struct proc_cpu *e;
	__u64 now, on;

	if (!a || a->folded)
		return;
	a->folded = 1;
	now = bpf_ktime_get_ns();
	on = a->oncpu_ns + (a->last_in && now > a->last_in ? now - a->last_in : 0);
	e = bpf_map_lookup_elem(&exited, &tgid);
	if (!e) {
		struct proc_cpu zero = {};

		bpf_probe_read_kernel(zero.comm, sizeof(zero.comm), t->group_leader->comm);
		e = map__insert(&exited, &tgid, &zero, HL_DROP_FULL_CPU_EXITED);
		if (!e)
			return;
	}
	__sync_fetch_and_add(&e->oncpu_ns, on);
	__sync_fetch_and_add(&e->runq_ns, a->runq_ns);
	__sync_fetch_and_add(&e->switches, a->switches);
}

SEC("tp/sched/sched_process_exit")
int sched_process_exit(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct ev_proc_exit *e;
	__u64 wake;

	thread__fold(t); /* every thread */
	/* the event once per process: the last thread out (signal->live reached 0) */
	if (t->signal->live.counter != 0)
		return 0;
	e = rb__reserve(sizeof(*e), &wake);
	if (!e)
		return 0;
	hdr__fill(&e->h, HL_EV_PROC_EXIT, sizeof(*e));
	e->ppid = t->real_parent->tgid;
	/* wait(2)'s status: the exit status in bits 8-15, or the signal that
	 * killed it in bits 0-6 (bit 7: core dumped) */
	e->exit_code = (t->exit_code >> 8) & 0xff;
	e->exit_signal = t->exit_code & 0x7f;
	e->core_dumped = (t->exit_code >> 7) & 1;
	*(__u32 *)e->pad = 0;
	*(__u16 *)(e->pad + 4) = 0;
	e->start_ns = t->start_time;
	e->oncpu_ns = t->signal->sum_sched_runtime + t->se.sum_exec_runtime;
	bpf_probe_read_kernel(e->comm, sizeof(e->comm), t->group_leader->comm);
	rb__submit(e, wake);
	return 0;
}

/*
 * Every live thread's counters, for user space to sum per process (read
 * once a second). oncpu_ns is read before last_in (thread__out writes them
 * in the other order): a slice racing with a switch-out is left out of this
 * read, never counted twice.
 */
SEC("iter/task")
int cpu_threads(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct cpu_thread_rec r = {};
	struct thread_acct *a;
	__u64 last_in, now;

	if (!t)
		return 0;
	a = thread__peek(t);
	if (!a || a->folded)
		return 0;
	r.tgid = t->tgid;
	r.oncpu_ns = a->oncpu_ns;
	asm volatile("" ::: "memory");
	last_in = a->last_in;
	now = bpf_ktime_get_ns();
	if (last_in && now > last_in)
		r.oncpu_ns += now - last_in;
	r.runq_ns = a->runq_ns;
	r.switches = a->switches;
	bpf_probe_read_kernel(r.comm, sizeof(r.comm), t->group_leader->comm);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
