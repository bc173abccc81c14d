// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "user/pipeline/pmods.h"

const struct pmod_ops *const pmods[] = {
	&pm_cpu_ops,
	&pm_disk_ops,
	&pm_net_ops,
	&pm_http_ops,
	&pm_db_ops,
};

const size_t pmods_count = sizeof(pmods) / sizeof(pmods[0]);
