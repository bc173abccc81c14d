/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Processor module of the database signal (user/db/pm_db.c). */
#ifndef HOSTLENS_PM_DB_H
#define HOSTLENS_PM_DB_H

#include "user/pipeline/processor.h"

extern const struct pmod_ops pm_db_ops;

#endif
