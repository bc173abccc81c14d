/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The ELF symbol resolver the OpenSSL uprobe attacher reads libssl files
 * with (http_tls_elf.c): bounded, for files any local user can write. */
#ifndef HOSTLENS_HTTP_TLS_ELF_H
#define HOSTLENS_HTTP_TLS_ELF_H

#include <stdint.h>

/*
 * Limits on a file the resolver takes. A real libssl.so.3 is ~700 KB with
 * ~30 sections and ~1,100 dynamic symbols (~6,000 more in an unstripped
 * .symtab, ~200 KB of names).
 */
#define TLS_ELF_MAX_FILE (256ull << 20)
#define TLS_ELF_MAX_SECTIONS 256
#define TLS_ELF_MAX_SYMS 65536
#define TLS_ELF_MAX_STRTAB (1u << 20)

/*
 * Finds the file offsets (what a uprobe takes) of the functions names[0..n)
 * in the ELF file open at fd: a shared object or executable in this
 * machine's byte order, 64- or 32-bit. Looks in the first .dynsym, then the
 * first .symtab, for defined STT_FUNC symbols ("name@VERSION" matches name); a global
 * definition wins over a weak one, two global ones at different places
 * answer none. The offset is the symbol's address less its section's
 * address plus the section's file offset, as libbpf computes it.
 * offs[i] = 0 when names[i] is not found. Reads only what the headers point
 * at, each read checked against the file size and the limits above (at most
 * ~5 MB in all), into exact-size buffers; never maps the file.
 * Returns how many names were found, -EINVAL for a file that is not such an
 * ELF or breaks a limit, or -errno of a failed read.
 */
int tls_elf_func_offsets(int fd, const char *const *names, int n, uint64_t *offs);

#endif
