/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The parts of the OpenSSL uprobe attacher (http_tls.c) that read what any
 * local user can write: the ELF symbol resolver for libssl files and the
 * mount check; and the counters pm_http shows. The attacher's life cycle is
 * in http_ctl.h.
 */
#ifndef HOSTLENS_HTTP_TLS_H
#define HOSTLENS_HTTP_TLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/* Libraries probed at once; a file beyond that waits (http_tls.c DESIGN). */
#define TLS_MAX_LIBS 32

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

/*
 * True when mountinfo (a /proc/PID/mountinfo file) says the filesystem of
 * device maj:min is FUSE: its reads answer when a user's daemon decides, so
 * the attacher never opens files there (the processor thread would hang).
 */
bool tls_mount_is_fuse(const char *mountinfo, unsigned int maj, unsigned int min);

struct http_tls;

struct prom;

/* Adds "tls_libraries" ([{"path","probes"}]), "tls_libraries_full_total" and
 * "tls_libraries_evicted_total" to obj (the "http" topic), and the
 * hostlens_http_tls_libraries* families to w. */
void http_tls__publish(const struct http_tls *t, json_t *obj, struct prom *w);

#endif
