/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* YAML config file loading (config_file.c) and the table hooks it uses. */
#ifndef HOSTLENS_CONFIG_FILE_H
#define HOSTLENS_CONFIG_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/*
 * Applies the YAML file at path on top of cfg. Keys mirror the flags
 * (data_dir or data-dir); lists are YAML sequences; `alerts` is a sequence of
 * {name, metric, op, threshold, for, severity, scope, aggregate, window},
 * each checked against the metric catalog (alert_rule_check). On error writes
 * "FILE:LINE: key 'K': problem" into err and returns -EINVAL (or -errno when
 * the file cannot be read).
 */
int config_file_load(struct config *cfg, const char *path, char *err, size_t errlen);

/* Table hooks (config.c). */
void config_list_reset(struct config *cfg, const char *key);
bool config_key_is_list(const char *key);
bool config_key_known(const char *key);

#endif
