/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A disk that does not answer, for tests of who waits on disk I/O: a small
 * ext4 image loop-mounted on a directory and frozen (FIFREEZE), so every
 * write, create and fsync on it blocks until it is thawed. Needs root and
 * mkfs.ext4; frozenfs_mount() says why when it cannot.
 *
 * A blocked writer cannot be killed, so a freeze always comes with a
 * watchdog process that thaws the filesystem after a deadline, whatever
 * happens to the test (a failed check, a crash).
 */
#ifndef HOSTLENS_TEST_FROZENFS_H
#define HOSTLENS_TEST_FROZENFS_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>

/* Mounts a fresh 16 MiB ext4 on dir (created), its image at img. 0, or -1
 * with why set. */
static inline int frozenfs_mount(const char *dir, const char *img, char *why, size_t whylen)
{
	char cmd[4096];

	if (geteuid()) {
		snprintf(why, whylen, "needs root (mount, FIFREEZE)");
		return -1;
	}
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s' && truncate -s 16M '%s' && mkfs.ext4 -q -F '%s' >/dev/null 2>&1 && "
		 "mount -o loop '%s' '%s'",
		 dir, img, img, img, dir);
	if (system(cmd)) {
		snprintf(why, whylen,
			 "cannot loop-mount an ext4 image on %.100s (mkfs.ext4, loop devices)",
			 dir);
		snprintf(cmd, sizeof(cmd), "rm -f '%s'", img);
		if (system(cmd)) {
		}
		return -1;
	}
	return 0;
}

static inline int frozenfs_ioctl(const char *dir, unsigned long req)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret, unused = 0;

	if (fd < 0)
		return -errno;
	/* the kernel ignores the argument; a valid address keeps valgrind quiet
	 * (FIFREEZE is declared _IOWR(.., int)) */
	ret = ioctl(fd, req, &unused) ? -errno : 0;
	close(fd);
	return ret;
}

/* Freezes dir; returns the watchdog's pid (it thaws after watchdog_s), or -1. */
static inline pid_t frozenfs_freeze(const char *dir, unsigned int watchdog_s)
{
	pid_t pid = fork();

	if (pid == 0) { /* async-signal-safe calls only: the parent may have threads */
		int fd, unused = 0;

		sleep(watchdog_s);
		fd = open(dir, O_RDONLY | O_DIRECTORY);
		if (fd >= 0)
			ioctl(fd, FITHAW, &unused);
		_exit(0);
	}
	if (pid < 0)
		return -1;
	if (frozenfs_ioctl(dir, FIFREEZE)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* Thaws dir (no-op when the watchdog already did) and reaps the watchdog. */
static inline void frozenfs_thaw(const char *dir, pid_t watchdog)
{
	frozenfs_ioctl(dir, FITHAW);
	if (watchdog > 0) {
		kill(watchdog, SIGKILL);
		waitpid(watchdog, NULL, 0);
	}
}

/* Unmounts dir and removes its image. */
static inline void frozenfs_umount(const char *dir, const char *img)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "umount '%s' 2>/dev/null || umount -l '%s'; rm -f '%s'", dir,
		 dir, img);
	if (system(cmd)) {
	}
}

#endif
