/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* HTTP signal, payload classification and the response head scan.
 * Part of bpf/http/http.bpf.h, which includes its parts in order. */
#ifndef HOSTLENS_HTTP_PARSE_BPF_H
#define HOSTLENS_HTTP_PARSE_BPF_H

/* ---- payload classification ---- */
#define K_OTHER 0
#define K_REQ 1
#define K_REQ_HEAD 2
#define K_RESP 3
#define K_H2 4
#define K_TLS 5

/* w holds the first 8 bytes (little endian), n how many are valid. */
static __always_inline int payload__kind(__u64 w, __u32 n)
{
	__u32 w4 = (__u32)w;
	__u8 b4 = (__u8)(w >> 32);

	if (n >= 3 && ((__u8)w == 0x16 || (__u8)w == 0x17) && (__u8)(w >> 8) == 0x03)
		return K_TLS;
	if (n < 5)
		return K_OTHER;
	if (w4 == 0x20544547) /* "GET " */
		return K_REQ;
	if (w4 == 0x54534f50 && b4 == ' ') /* "POST " */
		return K_REQ;
	if (w4 == 0x20545550) /* "PUT " */
		return K_REQ;
	if (w4 == 0x44414548 && b4 == ' ') /* "HEAD " */
		return K_REQ_HEAD;
	if (n >= 7 && (w & 0xffffffffffffffull) == 0x2e312f50545448ull) /* "HTTP/1." */
		return K_RESP;
	if (n >= 7 && (w & 0xffffffffffffffull) == 0x204554454c4544ull) /* "DELETE " */
		return K_REQ;
	if (n >= 6 && (w & 0xffffffffffffull) == 0x204843544150ull) /* "PATCH " */
		return K_REQ;
	if (n >= 8 && w == 0x20534e4f4954504full) /* "OPTIONS " */
		return K_REQ;
	if (n >= 8 && w == 0x5448202a20495250ull) /* "PRI * HT" */
		return K_H2;
	return K_OTHER;
}

/* ---- response head scan (Content-Length, end of head) ---- */
static __always_inline __u64 lower8(const char *p)
{
	__u64 x;

	__builtin_memcpy(&x, p, 8);
	return x | 0x2020202020202020ull;
}

/* A head line starting at p with a 'c' or 'C': Content-Length? */
__noinline int line__check(__u32 p, struct scan_ctx *s)
{
	__u32 zero = 0, q = p & SCAN_MASK;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);
	const char *b;
	__s64 v = 0;
	int digits = 0;

	if (!sc || !s)
		return 0;
	b = sc->b;
	if (s->clen >= 0 || p + 16 >= s->n)
		return 0;
	/* "content-length:" is 15 bytes: compare 8 + 8 (the 16th byte masked) */
	if (lower8(b + q) != 0x2d746e65746e6f63ull) /* "content-" */
		return 0;
	if ((lower8(b + q + 8) & 0x00ffffffffffffffull) != 0x003a6874676e656cull) /* "length:" */
		return 0;
	q += 15;
#pragma unroll
	for (int i = 0; i < 16; i++) {
		char c = b[q + i];

		if (p + 15 + i >= s->n)
			break;
		if (c == ' ' && !digits)
			continue;
		if (c < '0' || c > '9')
			break;
		v = v * 10 + (c - '0');
		digits++;
	}
	if (digits && digits < 16)
		s->clen = v;
	return 0;
}

/* Scans the response head in the scratch buffer, 8 bytes at a time: only
 * words holding a '\n' are looked at more closely, and of the lines they
 * start only the empty one (end of head) and those starting with 'c'
 * (Content-Length) cost more than a byte compare. */
__noinline int head__scan(struct scan_ctx *s)
{
	__u32 zero = 0;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);

	if (!sc || !s)
		return 0;
	for (__u32 i = 0; i < SCAN_BYTES / 8; i++) {
		__u32 base = (i * 8) & SCAN_MASK;
		__u64 w, x, m;

		if (base >= s->n)
			break;
		__builtin_memcpy(&w, sc->b + base, 8);
		x = w ^ 0x0a0a0a0a0a0a0a0aull;
		/* bit 8j+7 set: byte j of x is zero, so byte j of w is a '\n'
		 * (or a 0x0b above one: rechecked below) */
		m = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
		for (int k = 0; k < 8 && m; k++) {
			/* j = index of the lowest set byte: 1 << 8j times this
			 * constant has j in its top byte */
			__u32 j = (__u32)((((m & -m) >> 7) * 0x0001020304050607ull) >> 56);
			__u32 p = base + j + 1;
			char c;

			m &= m - 1;
			if (p >= s->n || sc->b[(p - 1) & SCAN_MASK] != '\n')
				continue;
			c = sc->b[p & SCAN_MASK];
			if (c == '\r') {
				if (p + 1 < s->n && sc->b[(p & SCAN_MASK) + 1] == '\n') {
					s->hdr_end = (__s32)(p + 2);
					return 0;
				}
			} else if ((c | 0x20) == 'c' && s->clen < 0) {
				line__check(p, s);
			}
		}
	}
	return 0;
}

/* Does a transfer in this direction carry requests on c (role known)? */
static __always_inline bool conn__reqdir(const struct http_conn *c, __u32 is_write)
{
	return c->role == ROLE_SERVER ? !is_write : is_write;
}

#endif
