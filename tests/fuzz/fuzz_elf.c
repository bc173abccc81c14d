// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libFuzzer target: the ELF symbol resolver of the OpenSSL attacher
 * (user/http/http_tls.c), fed files as a local user could write them and map as
 * libssl.so. The bytes go through a memfd, as a file would: every read is
 * the resolver's own, so ASan sees its buffers, not ours. An offset it
 * answers must lie inside the file. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "user/http/http_tls_elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "SSL_write", "SSL_read", "SSL_write_ex",
					     "SSL_read_ex" };
	static int fd = -1;
	uint64_t offs[4];
	int n;

	if (fd < 0) {
		fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	n = tls_elf_func_offsets(fd, names, 4, offs);
	if (n > 4)
		abort();
	for (int k = 0; k < 4; k++)
		if (offs[k] >= size && offs[k])
			abort();
	return 0;
}
