/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Dashboard files built into the binary by scripts/embed-assets.sh. */
#ifndef HOSTLENS_WEB_ASSETS_H
#define HOSTLENS_WEB_ASSETS_H
#include <stddef.h>

struct web_asset {
	const char *path; /* "/index.html" */
	const char *content_type;
	const unsigned char *data;
	size_t size;
};

/* NULL-path terminated table, generated at build time. */
extern const struct web_asset web_assets[];

#endif
