// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The sinks there are: adding a sink is its folder (ops, options) and a row
 * here. Apart from the engine (sink.c), so the sinks, which call the
 * engine's helpers, are not called back from it by name.
 */
#include "sinks/registry.h"

/* In the order their options are listed in --help and docs/configuration.md. */
const struct sink_ops *const sink_registry[] = {
	&kinesis_sink_ops,
	&dynamodb_sink_ops,
	&file_sink_ops,
	NULL,
};
