/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Internal to collectors/: the registered ops and small shared helpers. */
#ifndef HOSTLENS_COLL_PRIV_H
#define HOSTLENS_COLL_PRIV_H

#include <stdint.h>
#include <jansson.h>

#include "collectors/collector.h"

extern const struct collector_ops cpu_collector_ops;
extern const struct collector_ops memory_collector_ops;
extern const struct collector_ops disk_collector_ops;
extern const struct collector_ops network_collector_ops;
extern const struct collector_ops system_collector_ops;

/* One warning line (user/runtime/log.h) prefixed "collector NAME: ". */
void collector_log(const struct collector *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sets obj[key] to a real (rounded to 3 decimals) or an integer. */
void coll_set_real(json_t *obj, const char *key, double v);
void coll_set_uint(json_t *obj, const char *key, uint64_t v);

#endif
