/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Option values by type (config_value.c), for the table's owner (config.c). */
#ifndef HOSTLENS_CONFIG_VALUE_H
#define HOSTLENS_CONFIG_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "user/runtime/config.h"

/* Parses val as row o says and stores it in cfg (a list value is appended).
 * 0, or -EINVAL with "--name: why" in err. */
int config_value_set(struct config *cfg, const struct config_opt *o, const char *val, char *err,
		     size_t errlen);

/* Does o take a list (a repeatable flag)? */
bool config_opt_is_list(const struct config_opt *o);

/* Empties o's list field (a later source replaces, not extends, an earlier one). */
void config_value_reset(struct config *cfg, const struct config_opt *o);

#endif
