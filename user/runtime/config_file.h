/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * YAML config file reader (config_file.c). It knows YAML, not the options:
 * each top-level key goes to a function the option table's owner passes in
 * (config.c), which decides what the key accepts. Only `alerts`, a list of
 * rules rather than an option, is read here.
 */
#ifndef HOSTLENS_CONFIG_FILE_H
#define HOSTLENS_CONFIG_FILE_H

#include <stddef.h>

#include "user/runtime/config.h"

/* The shape of the value the reader found under a key. */
enum config_file_kind {
	CONFIG_FILE_SCALAR,  /* key: value */
	CONFIG_FILE_LIST,    /* key: [a, b]: a list starts (value NULL); its items follow */
	CONFIG_FILE_ITEM,    /* one scalar item of that list */
	CONFIG_FILE_MAPPING, /* key: {a: b} (value NULL) */
};

/* What the reader emits, in file order. */
struct config_file_entry {
	const char *key;   /* as written: data_dir or data-dir */
	const char *value; /* NULL for CONFIG_FILE_LIST and CONFIG_FILE_MAPPING */
	size_t line;	   /* 1-based line of the key (of the item, for an item) */
	enum config_file_kind kind;
};

/* Takes one entry. On a problem writes it into err (the reader puts
 * "FILE:LINE: key 'K': " before it) and returns nonzero: reading stops. */
typedef int config_file_entry_fn(void *ctx, const struct config_file_entry *e, char *err,
				 size_t errlen);

/*
 * Reads the YAML file at path: a mapping whose keys go to on_entry(ctx, ...),
 * except `alerts`, a sequence of {name, metric, op, threshold, for, severity,
 * scope, aggregate, window} put in cfg->alerts, each checked against the
 * metric catalog (alert_rule_check). A key given twice is an error. On error
 * writes "FILE:LINE: key 'K': problem" into err and returns -EINVAL (or
 * -errno when the file cannot be read).
 */
int config_file_load(struct config *cfg, const char *path, config_file_entry_fn *on_entry,
		     void *ctx, char *err, size_t errlen);

#endif
