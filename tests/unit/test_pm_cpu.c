// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The CPU processor module (user/cpu/pm_cpu.c) without BPF. Its events are
 * process execs and exits; context switches never reach user space (the
 * kernel sums them into maps and a task iterator, absent here), so what is
 * checked is what the events carry: 3 execs (one comm with a byte that is
 * not UTF-8) and 4 exits (2 of them failing, with known lifetimes and on-CPU
 * time) give the exact exec/exit counts and recent list of the "cpu" topic
 * and of the process-metrics record, an alert rule on failed exits scoped
 * per command, and run-queue rows on /metrics that stay empty without maps.
 */
#include <string.h>

#include "tests/unit/check.h"
#include "tests/unit/pmharness.h"
#include "bpf/cpu/cpu.h"

#define S_NS 1000000000ull

static void exec_event(struct pmh *h, uint32_t tgid, const char *comm, const char *file)
{
	struct ev_proc_exec e = { 0 };

	e.h.type = HL_EV_PROC_EXEC;
	e.h.size = sizeof(e);
	e.h.ts_ns = pmh_now_ns();
	e.h.pid = e.h.tgid = tgid;
	e.ppid = 1;
	snprintf(e.comm, sizeof(e.comm), "%s", comm);
	snprintf(e.filename, sizeof(e.filename), "%s", file);
	pmh_event(h, &e, sizeof(e));
}

/* tgid exits with code after lifetime_s seconds, oncpu_ms of them on a CPU. */
static void exit_event(struct pmh *h, uint32_t tgid, const char *comm, int code,
		       uint64_t lifetime_s, uint64_t oncpu_ms)
{
	struct ev_proc_exit e = { 0 };

	e.h.type = HL_EV_PROC_EXIT;
	e.h.size = sizeof(e);
	e.h.ts_ns = pmh_now_ns();
	e.h.pid = e.h.tgid = tgid;
	e.ppid = 1;
	e.exit_code = code;
	e.start_ns = e.h.ts_ns - lifetime_s * S_NS;
	e.oncpu_ns = oncpu_ms * 1000000ull;
	snprintf(e.comm, sizeof(e.comm), "%s", comm);
	pmh_event(h, &e, sizeof(e));
}

/* 3 execs, then 4 exits: worker twice failing (code 1), backup and cron fine. */
static void feed(struct pmh *h)
{
	exec_event(h, PMH_TGID, "worker", "/usr/bin/worker");
	exec_event(h, PMH_TGID + 1, "backup", "/usr/sbin/backup");
	exec_event(h, PMH_TGID + 2, "evil\xff", "/tmp/x");
	exit_event(h, PMH_TGID, "worker", 1, 2, 1500);
	exit_event(h, PMH_TGID + 3, "worker", 1, 1, 10);
	exit_event(h, PMH_TGID + 1, "backup", 0, 30, 25000);
	exit_event(h, PMH_TGID + 4, "cron", 0, 0, 0);
	pmh_tick(h);
}

static void crash_rule(struct config *cfg)
{
	cfg->alerts_set = true;
	cfg->n_alerts = 1;
	cfg->alerts[0] = (struct alert_rule){
		"crashing",	    "process_exits_failed", ALERT_GT,	   1, 0, "warning",
		.scope = "process", .agg = ALERT_AGG_COUNT, .window_s = 60
	};
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

static void cpu_topic_execs_and_exits(void)
{
	static struct pmh h;
	json_t *cpu, *recent, *e;
	char fired[256];

	PMH_START(&h, crash_rule);
	feed(&h);
	cpu = pmh_topic(&h, "cpu");
	CHECK(pmh_num(cpu, "execs_total") == 3 && pmh_num(cpu, "exits_total") == 4,
	      "3 execs, 4 exits: got %g, %g", pmh_num(cpu, "execs_total"),
	      pmh_num(cpu, "exits_total"));
	recent = json_object_get(cpu, "recent_processes");
	CHECK(json_array_size(recent) == 7,
	      "the 7 events in recent_processes (none lost to bad UTF-8): got %zu",
	      json_array_size(recent));
	e = json_array_get(recent, 0);
	CHECK(!strcmp(str(e, "event"), "exec") && !strcmp(str(e, "comm"), "worker") &&
		      !strcmp(str(e, "filename"), "/usr/bin/worker") &&
		      pmh_num(e, "pid") == PMH_TGID && pmh_num(e, "ppid") == 1,
	      "oldest first: worker's exec with its file, pid and parent");
	e = json_array_get(recent, 2);
	CHECK(!strcmp(str(e, "comm"), "evil\\xFF"),
	      "a comm byte that is not UTF-8 shown as \\xFF: got '%s'", str(e, "comm"));
	e = json_array_get(recent, 3);
	CHECK(!strcmp(str(e, "event"), "exit") && pmh_num(e, "exit_code") == 1 &&
		      pmh_num(e, "lifetime_ms") == 2000 && pmh_num(e, "oncpu_ms") == 1500,
	      "worker's exit: code 1, lived 2000 ms, 1500 ms on CPU: got %g, %g, %g",
	      pmh_num(e, "exit_code"), pmh_num(e, "lifetime_ms"), pmh_num(e, "oncpu_ms"));
	e = json_array_get(recent, 5);
	CHECK(!strcmp(str(e, "comm"), "backup") && pmh_num(e, "lifetime_ms") == 30000 &&
		      pmh_num(e, "oncpu_ms") == 25000,
	      "backup: lived 30000 ms, 25000 ms on CPU: got %g, %g", pmh_num(e, "lifetime_ms"),
	      pmh_num(e, "oncpu_ms"));
	CHECK(json_array_size(json_object_get(cpu, "cores")) == 0,
	      "no per-core rows without the cores map");
	pmh_fired(&h, "crashing", fired, sizeof(fired));
	CHECK(!strcmp(fired, "process=worker"),
	      "2 failed exits of worker fire for it, not backup or cron: got '%s'", fired);
	json_decref(cpu);
	pmh_stop(&h);
}

static void process_record_at_flush(void)
{
	static struct pmh h;
	json_t *rec;

	PMH_START(&h, NULL);
	feed(&h);
	rec = pmh_record(&h, "process-metrics");
	CHECK(rec, "a process-metrics record at the flush");
	CHECK(pmh_num(rec, "execs") == 3 && pmh_num(rec, "exits") == 4,
	      "3 execs, 4 exits in the window: got %g, %g", pmh_num(rec, "execs"),
	      pmh_num(rec, "exits"));
	CHECK(pmh_num(rec, "processes_total") == 0 &&
		      json_array_size(json_object_get(rec, "processes")) == 0 &&
		      pmh_num(rec, "oncpu_total_ms") == 0 &&
		      pmh_num(rec, "runq_latency_p99_ms") == 0,
	      "no on-CPU time or run-queue latency without the maps");
	/* the window's counts start again */
	pmh_tick(&h);
	rec = pmh_record(&h, "process-metrics");
	CHECK(pmh_num(rec, "execs") == 0 && pmh_num(rec, "exits") == 0,
	      "the next flush counts from 0: got %g, %g", pmh_num(rec, "execs"),
	      pmh_num(rec, "exits"));
	pmh_stop(&h);
}

static void prometheus_rows(void)
{
	static struct pmh h;
	char got[64];

	PMH_START(&h, NULL);
	feed(&h);
	CHECK(pmh_prom_line(&h, "# TYPE hostlens_process_cpu_seconds_total counter") &&
		      pmh_prom_line(&h, "# TYPE hostlens_cpu_busy_ratio gauge") &&
		      pmh_prom_line(&h, "# TYPE hostlens_runqueue_latency_seconds histogram"),
	      "the CPU families with their types");
	CHECK(pmh_prom(&h, "hostlens_runqueue_latency_seconds_bucket{le=\"2e-06\"}", got,
		       sizeof(got)) &&
		      !strcmp(got, "0"),
	      "run-queue bucket le=2 us (the first log2 bound) at 0: got '%s'", got);
	CHECK(pmh_prom(&h, "hostlens_runqueue_latency_seconds_count", got, sizeof(got)) &&
		      !strcmp(got, "0"),
	      "run-queue count 0 without the map: got '%s'", got);
	CHECK(!pmh_prom_line(
		      &h, "hostlens_process_cpu_seconds_total{pid=\"5000001\",comm=\"worker\"} 0"),
	      "an exited process with no on-CPU sample has no row");
	pmh_stop(&h);
}

int main(void)
{
	RUN(cpu_topic_execs_and_exits);
	RUN(process_record_at_flush);
	RUN(prometheus_rows);
	CHECK_DONE();
}
