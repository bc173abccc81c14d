// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Latency breakdown arithmetic: downstream taken out of "other", the gap
 * shown as unattributed, handoff and shared-thread marks. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "user/http/breakdown.h"
#include "tests/unit/check.h"
#include "bpf/common/events.h"
#include "bpf/http/http.h"

#define MS 1000000ull

static double sum_parts(const struct breakdown *b)
{
	double s = 0;

	for (int i = 0; i < BD_NPARTS; i++)
		s += b->ms[i];
	return s;
}

static void bd_exact_parts(void)
{
	struct bd_input in = { .latency_ns = 100 * MS,
			       .oncpu_ns = 40 * MS,
			       .runq_ns = 10 * MS,
			       .io_ns = 30 * MS,
			       .other_ns = 20 * MS,
			       .flags = HL_BD_VALID };
	struct breakdown b;

	CHECK(breakdown_compute(&in, &b) == 0, "valid input refused");
	CHECK(fabs(b.ms[BD_CPU] - 40) < 1e-9, "cpu %f", b.ms[BD_CPU]);
	CHECK(fabs(b.ms[BD_RUNQ] - 10) < 1e-9, "runq %f", b.ms[BD_RUNQ]);
	CHECK(fabs(b.ms[BD_IO] - 30) < 1e-9, "io %f", b.ms[BD_IO]);
	CHECK(fabs(b.ms[BD_OTHER] - 20) < 1e-9, "other %f", b.ms[BD_OTHER]);
	CHECK(b.ms[BD_DOWNSTREAM] == 0, "downstream %f", b.ms[BD_DOWNSTREAM]);
	CHECK(fabs(b.ms[BD_UNATTRIBUTED]) < 1e-9, "unattributed %f", b.ms[BD_UNATTRIBUTED]);
	CHECK(b.approx == BD_EXACT, "approx %d", b.approx);
	CHECK(breakdown_approx_reason(b.approx) == NULL, "exact has a reason");
}

static void bd_downstream_subtracted(void)
{
	/* 80 ms blocked, 50 of them waiting on an outbound call */
	struct bd_input in = { .latency_ns = 100 * MS,
			       .oncpu_ns = 20 * MS,
			       .other_ns = 80 * MS,
			       .downstream_ns = 50 * MS,
			       .flags = HL_BD_VALID };
	struct breakdown b;

	breakdown_compute(&in, &b);
	CHECK(fabs(b.ms[BD_DOWNSTREAM] - 50) < 1e-9, "downstream %f", b.ms[BD_DOWNSTREAM]);
	CHECK(fabs(b.ms[BD_OTHER] - 30) < 1e-9, "other %f, want 80 - 50", b.ms[BD_OTHER]);
	CHECK(fabs(sum_parts(&b) - 100) < 1e-9, "sum %f", sum_parts(&b));
}

static void bd_downstream_capped_by_other(void)
{
	/* the outbound call overlapped on-CPU time: never more than "other" */
	struct bd_input in = { .latency_ns = 60 * MS,
			       .oncpu_ns = 30 * MS,
			       .other_ns = 30 * MS,
			       .downstream_ns = 45 * MS,
			       .flags = HL_BD_VALID };
	struct breakdown b;

	breakdown_compute(&in, &b);
	CHECK(fabs(b.ms[BD_DOWNSTREAM] - 30) < 1e-9, "downstream %f, want capped at 30",
	      b.ms[BD_DOWNSTREAM]);
	CHECK(b.ms[BD_OTHER] == 0, "other %f", b.ms[BD_OTHER]);
	CHECK(fabs(b.ms[BD_CPU] - 30) < 1e-9, "cpu %f", b.ms[BD_CPU]);
	CHECK(fabs(sum_parts(&b) - 60) < 1e-9, "sum %f", sum_parts(&b));
}

static void bd_gap_unattributed(void)
{
	/* counters cover 70 of 100 ms: 30 ms shown as unattributed */
	struct bd_input in = {
		.latency_ns = 100 * MS, .oncpu_ns = 50 * MS, .io_ns = 20 * MS, .flags = HL_BD_VALID
	};
	struct breakdown b;

	breakdown_compute(&in, &b);
	CHECK(fabs(b.ms[BD_UNATTRIBUTED] - 30) < 1e-9, "unattributed %f", b.ms[BD_UNATTRIBUTED]);
	CHECK(fabs(sum_parts(&b) - 100) < 1e-9, "sum %f", sum_parts(&b));
}

static void bd_overcount_scaled(void)
{
	/* parts over the latency: scaled to it, nothing unattributed */
	struct bd_input in = { .latency_ns = 100 * MS,
			       .oncpu_ns = 60 * MS,
			       .other_ns = 60 * MS,
			       .flags = HL_BD_VALID };
	struct breakdown b;

	breakdown_compute(&in, &b);
	CHECK(fabs(b.ms[BD_CPU] - 50) < 1e-9 && fabs(b.ms[BD_OTHER] - 50) < 1e-9,
	      "cpu %f other %f, want 50/50", b.ms[BD_CPU], b.ms[BD_OTHER]);
	CHECK(b.ms[BD_UNATTRIBUTED] == 0, "unattributed %f", b.ms[BD_UNATTRIBUTED]);
}

static void bd_handoff_and_shared(void)
{
	struct bd_input in = { .latency_ns = 40 * MS,
			       .oncpu_ns = 10 * MS,
			       .other_ns = 30 * MS,
			       .flags = HL_BD_VALID | HL_BD_HANDOFF };
	struct breakdown b;

	breakdown_compute(&in, &b);
	CHECK(b.approx == BD_HANDOFF, "approx %d", b.approx);
	CHECK(b.ms[BD_CPU] == 0 && b.ms[BD_OTHER] == 0, "handoff keeps the reader's parts");
	CHECK(fabs(b.ms[BD_UNATTRIBUTED] - 40) < 1e-9, "unattributed %f", b.ms[BD_UNATTRIBUTED]);
	CHECK(!strcmp(breakdown_approx_reason(b.approx), "handed to another thread"), "reason");
	in.flags = HL_BD_VALID | HL_BD_SHARED;
	breakdown_compute(&in, &b);
	CHECK(b.approx == BD_SHARED, "approx %d", b.approx);
	CHECK(fabs(b.ms[BD_CPU] - 10) < 1e-9, "shared keeps the thread's parts: cpu %f",
	      b.ms[BD_CPU]);
	CHECK(!strcmp(breakdown_approx_reason(b.approx), "shared thread \u2014 approximate"),
	      "reason");
	in.flags = 0;
	CHECK(breakdown_compute(&in, &b) == -ENODATA, "no breakdown accepted");
}

static void bd_part_names(void)
{
	const char *want[] = { "cpu", "runq", "io", "downstream", "other", "unattributed" };

	for (int i = 0; i < BD_NPARTS; i++)
		CHECK(!strcmp(breakdown_part_name(i), want[i]), "part %d: %s", i,
		      breakdown_part_name(i));
}

int main(void)
{
	RUN(bd_exact_parts);
	RUN(bd_downstream_subtracted);
	RUN(bd_downstream_capped_by_other);
	RUN(bd_gap_unattributed);
	RUN(bd_overcount_scaled);
	RUN(bd_handoff_and_shared);
	RUN(bd_part_names);
	CHECK_DONE();
}
