// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * cfgcheck: the agent's configuration front end without the agent. Takes the
 * same flags, HOSTLENS_* variables and config file as hostlens, runs
 * config_load() and prints the effective configuration (config_print), so the
 * config tests and the docs check exercise the real table and loader.
 * Exit status as hostlens: 0 ok (or --help/--version), 2 usage or config error.
 */
#include <stdio.h>

#include "user/runtime/config.h"

int main(int argc, char **argv)
{
	static struct config cfg;
	char err[512] = "";
	int ret;

	ret = config_load(&cfg, argc, argv, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "hostlens: %s\n", err);
		return 2;
	}
	if (ret == 1)
		return 0;
	config_print(&cfg, stdout);
	return 0;
}
