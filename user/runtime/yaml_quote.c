// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The YAML quoting both config_print (config.c) and alert_rule_print
 * (alert_rules.c) use; in its own file so the rules, which config.c calls,
 * need not call back into config.c.
 */
#include "user/runtime/yaml_quote.h"

void yaml_print_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
