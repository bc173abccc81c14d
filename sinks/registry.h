/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The sinks there are (registry.c): the engine (sink.c) builds them by name,
 * the option table (user/runtime/config.c) merges in their options. */
#ifndef HOSTLENS_SINKS_REGISTRY_H
#define HOSTLENS_SINKS_REGISTRY_H

#include "sinks/sink.h"

/* Every sink's ops, NULL-ended. */
extern const struct sink_ops *const sink_registry[];

#endif
