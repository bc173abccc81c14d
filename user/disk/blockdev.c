// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Block device number -> name. See blockdev.h. No threads, no state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "user/disk/blockdev.h"

static int name_copy(const char *src, size_t n, char *name, size_t len)
{
	if (!len)
		return -ENAMETOOLONG;
	if (n >= len) {
		memcpy(name, src, len - 1);
		name[len - 1] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(name, src, n);
	name[n] = '\0';
	return 0;
}

/* DEVNAME=... from the device's uevent file. */
static int from_uevent(const char *sysfs, unsigned int major, unsigned int minor, char *name,
		       size_t len)
{
	char path[4096], line[512];
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/uevent", sysfs, major, minor);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		size_t n;

		if (strncmp(line, "DEVNAME=", 8))
			continue;
		n = strcspn(line + 8, "\r\n");
		if (n)
			ret = name_copy(line + 8, n, name, len);
		break;
	}
	fclose(f);
	return ret;
}

/* "major minor #blocks name" rows of /proc/partitions. */
static int from_partitions(const char *procfs, unsigned int major, unsigned int minor, char *name,
			   size_t len)
{
	char path[4096], line[512], dev[256];
	unsigned int ma, mi;
	unsigned long long blocks;
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/partitions", procfs);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %u %u %llu %255s", &ma, &mi, &blocks, dev) != 4)
			continue; /* header, blank line */
		if (ma == major && mi == minor) {
			ret = name_copy(dev, strlen(dev), name, len);
			break;
		}
	}
	fclose(f);
	return ret;
}

int blockdev_name(const char *sysfs_root, const char *procfs_root, unsigned int major,
		  unsigned int minor, char *name, size_t len)
{
	int ret = from_uevent(sysfs_root ? sysfs_root : "/sys", major, minor, name, len);

	if (ret != -ENOENT)
		return ret;
	return from_partitions(procfs_root ? procfs_root : "/proc", major, minor, name, len);
}
