/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The fleet view's API paths beyond its published topics, answered on the
 * web thread without waiting for DynamoDB (web.h's get hook):
 *   GET /api/v1/fleet/hosts/{source}/series?metric=NAME
 * {source} and NAME are percent-decoded; NAME is one of fleet_metric_of's.
 */
#ifndef HOSTLENS_FLEET_API_H
#define HOSTLENS_FLEET_API_H

#include <stdint.h>
#include <jansson.h>

#include "user/fleet/fleet_series.h"

/* The status with *doc set (new reference), or 0: not a fleet path. 400 for
 * a bad source or metric; else fleet_series_ask's answer. */
int fleet_api_get(struct fleet_series *s, int64_t now_ms, const char *path, const char *query,
		  json_t **doc);

#endif
