// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Per-request latency breakdown arithmetic (see breakdown.h). */
#include <errno.h>
#include <string.h>

#include "user/http/breakdown.h"
#include "bpf/common/events.h"
#include "bpf/http/http.h"

int breakdown_compute(const struct bd_input *in, struct breakdown *out)
{
	double lat, sum = 0, other, ds;

	memset(out, 0, sizeof(*out));
	if (!(in->flags & HL_BD_VALID))
		return -ENODATA;
	lat = (double)in->latency_ns / 1e6;
	out->latency_ms = lat;
	if (in->flags & HL_BD_HANDOFF) {
		out->approx = BD_HANDOFF;
		out->ms[BD_UNATTRIBUTED] = lat;
		return 0;
	}
	out->approx = in->flags & HL_BD_SHARED ? BD_SHARED : BD_EXACT;
	other = (double)in->other_ns / 1e6;
	ds = (double)in->downstream_ns / 1e6;
	if (ds > other)
		ds = other;
	out->ms[BD_CPU] = (double)in->oncpu_ns / 1e6;
	out->ms[BD_RUNQ] = (double)in->runq_ns / 1e6;
	out->ms[BD_IO] = (double)in->io_ns / 1e6;
	out->ms[BD_DOWNSTREAM] = ds;
	out->ms[BD_OTHER] = other - ds;
	for (int i = 0; i < BD_UNATTRIBUTED; i++)
		sum += out->ms[i];
	if (sum > lat && sum > 0) {
		/* more than the window (clock edges): scale down to the latency */
		for (int i = 0; i < BD_UNATTRIBUTED; i++)
			out->ms[i] *= lat / sum;
		return 0;
	}
	out->ms[BD_UNATTRIBUTED] = lat - sum;
	return 0;
}

const char *breakdown_part_name(int part)
{
	static const char *const names[BD_NPARTS] = {
		"cpu", "runq", "io", "downstream", "other", "unattributed",
	};

	return part >= 0 && part < BD_NPARTS ? names[part] : "?";
}

const char *breakdown_approx_reason(int approx)
{
	if (approx == BD_SHARED)
		return "shared thread \u2014 approximate";
	if (approx == BD_HANDOFF)
		return "handed to another thread";
	return NULL;
}
