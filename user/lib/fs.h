/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* File-system helpers the sinks and the agent share. No state, any thread. */
#ifndef HOSTLENS_FS_H
#define HOSTLENS_FS_H

#include <sys/types.h>

/* mkdir -p: path and every missing parent, with mode; an existing directory
 * is fine. 0 or -errno (-ENAMETOOLONG past PATH_MAX). */
int fs_mkdir_p(const char *path, mode_t mode);

#endif
