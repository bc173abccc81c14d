/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Minimal test protocol shared by every test in the suite: each case prints
 * "ok NAME", "FAIL NAME: why" or "skip NAME: why" on its own line; tests/run
 * counts those lines. A failed check says what was expected and what came.
 */
#ifndef HOSTLENS_CHECK_H
#define HOSTLENS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failed_total;
static int check_case_failed;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			if (!check_case_failed)                              \
				printf("FAIL %s: ", check_case_name);        \
			else                                                 \
				printf("     also: ");                       \
			printf(__VA_ARGS__);                                 \
			printf(" (%s:%d: %s)\n", __FILE__, __LINE__, #cond); \
			check_case_failed = 1;                               \
		}                                                            \
	} while (0)

static const char *check_case_name = "";
static int check_case_skipped;

/* Marks the case skipped: prints "skip NAME: why"; the case returns after it. */
#define SKIP(...)                                     \
	do {                                          \
		printf("skip %s: ", check_case_name); \
		printf(__VA_ARGS__);                  \
		printf("\n");                         \
		check_case_skipped = 1;               \
	} while (0)

#define RUN(fn)                                 \
	do {                                    \
		check_case_name = #fn;          \
		check_case_failed = 0;          \
		check_case_skipped = 0;         \
		fn();                           \
		if (check_case_failed)          \
			check_failed_total++;   \
		else if (!check_case_skipped)   \
			printf("ok %s\n", #fn); \
		fflush(stdout);                 \
	} while (0)

#define CHECK_DONE() return check_failed_total ? 1 : 0

#endif
