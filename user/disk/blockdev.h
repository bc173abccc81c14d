/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Block device numbers to names: <sysfs>/dev/block/MAJ:MIN/uevent (DEVNAME=),
 * then <procfs>/partitions. Roots are parameters so tests read fixture trees.
 */
#ifndef HOSTLENS_BLOCKDEV_H
#define HOSTLENS_BLOCKDEV_H

#include <stddef.h>
#include <stdint.h>

/* Kernel-internal dev_t (as block tracepoints and struct gendisk give it):
 * major in the top 12 bits, minor in the low 20. */
static inline unsigned int blockdev_major(uint32_t kdev)
{
	return kdev >> 20;
}
static inline unsigned int blockdev_minor(uint32_t kdev)
{
	return kdev & 0xfffff;
}

/*
 * Writes the device name of major:minor into name ("sda", "nvme0n1p2",
 * "mapper/x" as DEVNAME gives it). sysfs_root/procfs_root NULL mean /sys and
 * /proc. Returns 0, -ENOENT when neither source knows the device, or
 * -ENAMETOOLONG when the name does not fit (name then holds a truncated copy).
 */
int blockdev_name(const char *sysfs_root, const char *procfs_root, unsigned int major,
		  unsigned int minor, char *name, size_t len);

#endif
