/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The processor's modules, one per signal, in pmods.c's table. */
#ifndef HOSTLENS_PMODS_H
#define HOSTLENS_PMODS_H

#include <stddef.h>

#include "user/pipeline/processor.h"

extern const struct pmod_ops pm_cpu_ops;
extern const struct pmod_ops pm_disk_ops;
extern const struct pmod_ops pm_net_ops;
extern const struct pmod_ops pm_http_ops;
extern const struct pmod_ops pm_db_ops;

extern const struct pmod_ops *const pmods[];
extern const size_t pmods_count;

#endif
