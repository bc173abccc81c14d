/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* YAML output (yaml_quote.c): what --check-config prints must load back. */
#ifndef HOSTLENS_YAML_QUOTE_H
#define HOSTLENS_YAML_QUOTE_H

#include <stdio.h>

/* Writes s to f as a YAML double-quoted scalar: '"' and '\' escaped, control
 * characters as \xNN. */
void yaml_print_quoted(FILE *f, const char *s);

#endif
