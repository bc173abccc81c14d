// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Loads bpf/bench/floor.bpf.c (empty programs on the agent's hot-path hooks) and
 * keeps them attached until SIGINT/SIGTERM; bench/floor.sh alternates rounds
 * with and without it.
 *   floor_load READY_FILE [GROUP...]     GROUP: sock cpu (default: all)
 * READY_FILE is created once every chosen program is attached.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Is the program named name in one of the chosen groups? */
static int chosen(const char *name, int argc, char **argv)
{
	if (argc < 3)
		return 1;
	for (int i = 2; i < argc; i++) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "floor_%s_", argv[i]);
		if (!strncmp(name, prefix, strlen(prefix)))
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct floor_bpf *skel;
	struct bpf_program *p;
	FILE *ready;
	int err, n = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: floor_load READY_FILE [sock|cpu ...]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "sock") && strcmp(argv[i], "cpu")) {
			fprintf(stderr, "floor_load: unknown group '%s' (sock, cpu)\n", argv[i]);
			return 2;
		}
	}
	skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "floor_load: open: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, skel->obj) {
		int on = chosen(bpf_program__name(p), argc, argv);

		bpf_program__set_autoload(p, on);
		n += on;
	}
	err = floor_bpf__load(skel);
	if (!err)
		err = floor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "floor_load: load/attach: %s\n", strerror(-err));
		floor_bpf__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	ready = fopen(argv[1], "w");
	if (!ready) {
		fprintf(stderr, "floor_load: %s: %s\n", argv[1], strerror(errno));
		floor_bpf__destroy(skel);
		return 1;
	}
	fprintf(ready, "%d\n", n);
	fclose(ready);
	while (!stop)
		pause();
	floor_bpf__destroy(skel);
	return 0;
}
