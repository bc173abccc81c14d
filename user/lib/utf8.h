/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Kernel byte strings made safe to show. What the kernel hands over (a
 * process's comm, an exec filename, a cgroup path, a hostname, a file path)
 * is bytes, not text: any user can exec a file named "\xff\xfe". Jansson
 * refuses a string that is not UTF-8 (json_string() answers NULL, so the
 * whole object is lost) and Prometheus refuses the whole scrape.
 *
 * The rule, applied once where such a string enters a cache or a document:
 * every byte that does not begin a well-formed UTF-8 character (RFC 3629: no
 * overlong forms, no UTF-16 surrogates, nothing above U+10FFFF), and every
 * ASCII control character (0x00-0x1f, 0x7f: they would reach logs and
 * terminals), becomes the four ASCII characters "\xHH" (upper-case hex).
 * Everything else is copied. The result is valid UTF-8 without control
 * characters; two different names stay different; applying the rule again
 * changes nothing. A name that really contains the text "\xFF" reads the
 * same as one holding that byte: the price of staying readable.
 *
 * Pure functions over caller-owned buffers: no allocation, any thread.
 */
#ifndef HOSTLENS_UTF8_H
#define HOSTLENS_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "bpf/common/events.h"

/* Bytes a sanitized copy of n input bytes may need, NUL included. */
#define UTF8_SAFE_SIZE(n) ((n)*4 + 1)
/* A sanitized process name (the kernel keeps 15 bytes of it). */
#define UTF8_COMM_SIZE UTF8_SAFE_SIZE(HL_COMM_LEN - 1)

/*
 * Copies at most len bytes of in (stopping at a NUL) into out as valid UTF-8,
 * escaping as described above. out is always NUL-terminated when outlen > 0;
 * when it is too small the copy stops before a character or an escape that
 * does not fit whole. Returns the length written.
 */
size_t utf8_sanitize(const char *in, size_t len, char *out, size_t outlen);

/* True when s[0..len) (NUL ends it early) would be copied unchanged. */
bool utf8_is_clean(const char *s, size_t len);

/*
 * The rule for one position: the length (1-4) of the character at s that is
 * copied unchanged (n bytes available, no NUL among them), or 0 when the
 * byte s[0] becomes "\xHH". For writers that escape more (prom.h).
 */
size_t utf8_char_len(const char *s, size_t n);

#endif
