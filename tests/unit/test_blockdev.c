// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Block device number -> name over fixture /sys and /proc trees built in a
 * temporary directory: uevent DEVNAME first, /proc/partitions as fallback. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "user/disk/blockdev.h"

static char root[256], sys_root[300], proc_root[300];

static void put(const char *rel, const char *text)
{
	char path[1024], dir[1024], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	/* mkdir -p of the parent */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	for (char *p = dir + strlen(root) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0755);
			*p = '/';
		}
	}
	mkdir(dir, 0755);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void fixture(void)
{
	snprintf(root, sizeof(root), "/tmp/hostlens-blockdev.XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(sys_root, sizeof(sys_root), "%s/sys", root);
	snprintf(proc_root, sizeof(proc_root), "%s/proc", root);
	put("sys/dev/block/8:0/uevent", "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\nDISKSEQ=9\n");
	put("sys/dev/block/259:3/uevent",
	    "MAJOR=259\nMINOR=3\nDEVNAME=nvme0n1p2\nDEVTYPE=partition\nPARTN=2\n");
	put("sys/dev/block/7:3/uevent", "MAJOR=7\nMINOR=3\nDEVNAME=loop3\r\nDEVTYPE=disk\n");
	/* a minor beyond 255 (extended minors) */
	put("sys/dev/block/8:272/uevent", "MAJOR=8\nMINOR=272\nDEVNAME=sdq\n");
	/* uevent without DEVNAME: fall back to /proc/partitions */
	put("sys/dev/block/254:0/uevent", "MAJOR=254\nMINOR=0\nDEVTYPE=disk\n");
	put("sys/dev/block/253:1/uevent", "MAJOR=253\nMINOR=1\nDEVNAME=\n");
	put("sys/dev/block/11:0/uevent",
	    "MAJOR=11\nMINOR=0\nDEVNAME=a-device-name-that-is-far-too-long-for-the-buffer\n");
	put("proc/partitions", "major minor  #blocks  name\n\n"
			       " 254        0  268435456 vda\n"
			       " 254        1    1048576 vda1\n"
			       " 253        1     512000 dm-1\n"
			       "   8        0  104857600 sda-from-partitions\n"
			       "garbage line\n");
}

static void unfixture(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", root);
}

static void uevent_devname(void)
{
	char name[64];

	CHECK(blockdev_name(sys_root, proc_root, 8, 0, name, sizeof(name)) == 0, "8:0 resolves");
	CHECK(!strcmp(name, "sda"), "uevent wins over partitions: expected sda, got %s", name);
	CHECK(blockdev_name(sys_root, proc_root, 259, 3, name, sizeof(name)) == 0 &&
		      !strcmp(name, "nvme0n1p2"),
	      "expected nvme0n1p2, got %s", name);
	CHECK(blockdev_name(sys_root, proc_root, 8, 272, name, sizeof(name)) == 0 &&
		      !strcmp(name, "sdq"),
	      "extended minor: expected sdq, got %s", name);
}

static void uevent_crlf(void)
{
	char name[64];

	CHECK(blockdev_name(sys_root, proc_root, 7, 3, name, sizeof(name)) == 0 &&
		      !strcmp(name, "loop3"),
	      "expected loop3 without the CR, got '%s'", name);
}

static void partitions_fallback(void)
{
	char name[64];

	CHECK(blockdev_name(sys_root, proc_root, 254, 0, name, sizeof(name)) == 0 &&
		      !strcmp(name, "vda"),
	      "uevent without DEVNAME: expected vda from partitions, got %s", name);
	CHECK(blockdev_name(sys_root, proc_root, 254, 1, name, sizeof(name)) == 0 &&
		      !strcmp(name, "vda1"),
	      "no sysfs entry: expected vda1 from partitions, got %s", name);
	CHECK(blockdev_name(sys_root, proc_root, 253, 1, name, sizeof(name)) == 0 &&
		      !strcmp(name, "dm-1"),
	      "empty DEVNAME: expected dm-1 from partitions, got %s", name);
}

static void unknown_device(void)
{
	char name[64] = "untouched";

	CHECK(blockdev_name(sys_root, proc_root, 9, 9, name, sizeof(name)) == -ENOENT,
	      "unknown 9:9 must be -ENOENT");
	CHECK(blockdev_name("/nonexistent", "/nonexistent", 8, 0, name, sizeof(name)) == -ENOENT,
	      "missing roots must be -ENOENT");
}

static void too_long(void)
{
	char name[8];

	CHECK(blockdev_name(sys_root, proc_root, 11, 0, name, sizeof(name)) == -ENAMETOOLONG,
	      "a name longer than the buffer is -ENAMETOOLONG");
	CHECK(!strcmp(name, "a-devic"), "truncated and terminated: got '%s'", name);
}

static void kernel_devt(void)
{
	uint32_t kdev = (259u << 20) | 3u;

	CHECK(blockdev_major(kdev) == 259 && blockdev_minor(kdev) == 3,
	      "259:3 from the kernel dev_t");
	kdev = (8u << 20) | 0xfffffu;
	CHECK(blockdev_major(kdev) == 8 && blockdev_minor(kdev) == 0xfffff, "20-bit minor");
}

static void real_sysfs(void)
{
	char name[64];

	/* every device the running kernel lists resolves the same from both sources */
	FILE *f = fopen("/proc/partitions", "r");
	char line[256], dev[128];
	unsigned int ma, mi;
	unsigned long long blocks;
	int n = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %u %u %llu %127s", &ma, &mi, &blocks, dev) != 4)
			continue;
		CHECK(blockdev_name(NULL, NULL, ma, mi, name, sizeof(name)) == 0 &&
			      !strcmp(name, dev),
		      "%u:%u: expected %s, got %s", ma, mi, dev, name);
		n++;
	}
	fclose(f);
	CHECK(n > 0, "this host lists at least one block device");
}

int main(void)
{
	fixture();
	RUN(uevent_devname);
	RUN(uevent_crlf);
	RUN(partitions_fallback);
	RUN(unknown_device);
	RUN(too_long);
	RUN(kernel_devt);
	RUN(real_sysfs);
	unfixture();
	CHECK_DONE();
}
