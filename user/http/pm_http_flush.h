/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The HTTP module's webapp-metrics record, once per flush (pm_http_flush.c). */
#ifndef HOSTLENS_PM_HTTP_FLUSH_H
#define HOSTLENS_PM_HTTP_FLUSH_H

#include "user/http/pm_http_priv.h"

/* pmod_ops.flush: one webapp-metrics record into f->batch, then the next
 * flush window starts. */
void http_flush(struct pmod *m, struct flush_ctx *f);

#endif
