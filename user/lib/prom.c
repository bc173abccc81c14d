// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The one writer of Prometheus text (prom.h). */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "user/lib/prom.h"
#include "user/lib/utf8.h"

static const char *const type_names[] = {
	[PROM_COUNTER] = "counter",
	[PROM_GAUGE] = "gauge",
	[PROM_HISTOGRAM] = "histogram",
	[PROM_SUMMARY] = "summary",
};

void prom_init(struct prom *w, FILE *f)
{
	w->f = f;
	w->nfam = 0;
}

/* FNV-1a: 64 bits make a collision among a few hundred names negligible. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* True the first time name is seen; remembers it (while there is room). */
static bool family_new(struct prom *w, const char *name)
{
	uint64_t h = name_hash(name);

	for (int i = 0; i < w->nfam; i++)
		if (w->fam[i] == h)
			return false;
	if (w->nfam < PROM_MAX_FAMILIES)
		w->fam[w->nfam++] = h;
	return true;
}

bool prom_family(struct prom *w, const char *name, enum prom_type type, const char *help, ...)
{
	char text[1024];
	va_list ap;

	if (!w->f || !family_new(w, name))
		return false;
	va_start(ap, help);
	vsnprintf(text, sizeof(text), help, ap);
	va_end(ap);
	fprintf(w->f, "# HELP %s ", name);
	for (const char *c = text; *c; c++) { /* HELP escapes only '\' and newline */
		if (*c == '\\')
			fputs("\\\\", w->f);
		else if (*c == '\n')
			fputs("\\n", w->f);
		else
			fputc(*c, w->f);
	}
	fprintf(w->f, "\n# TYPE %s %s\n", name, type_names[type]);
	return true;
}

size_t prom_escape_label(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0, w = 0, n = strlen(s);

	if (!outlen)
		return 0;
	while (i < n) {
		const unsigned char c = (unsigned char)s[i];
		size_t k = utf8_char_len(s + i, n - i);
		char buf[5];
		size_t m = 0;

		if (!k) { /* the utf8.h rule's "\xHH", its backslash escaped */
			buf[m++] = '\\';
			buf[m++] = '\\';
			buf[m++] = 'x';
			buf[m++] = hex[c >> 4];
			buf[m++] = hex[c & 15];
			k = 1;
		} else if (c == '\\' || c == '"') {
			buf[m++] = '\\';
			buf[m++] = (char)c;
		} else {
			memcpy(buf, s + i, k);
			m = k;
		}
		if (w + m >= outlen)
			break;
		memcpy(out + w, buf, m);
		w += m;
		i += k;
	}
	out[w] = '\0';
	return w;
}

void prom_labels_init(struct prom_labels *l)
{
	l->len = 0;
	l->s[0] = '\0';
}

void prom_labels_cut(struct prom_labels *l, size_t len)
{
	if (len < l->len) {
		l->len = len;
		l->s[len] = '\0';
	}
}

void prom_label(struct prom_labels *l, const char *name, const char *value)
{
	size_t nl = strlen(name), room = sizeof(l->s) - l->len;
	char *p = l->s + l->len;
	size_t sep = l->len ? 1 : 0;

	/* separator, name, '=', two quotes and the NUL must fit */
	if (sep + nl + 4 > room)
		return;
	if (sep)
		*p++ = ',';
	memcpy(p, name, nl);
	p += nl;
	*p++ = '=';
	*p++ = '"';
	p += prom_escape_label(value, p, room - sep - nl - 3);
	*p++ = '"';
	*p = '\0';
	l->len = (size_t)(p - l->s);
}

void prom_label_uint(struct prom_labels *l, const char *name, unsigned long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", v);
	prom_label(l, name, num);
}

/* NAME{labels} and the space before the value; false when there is no output */
static bool sample_name(struct prom *w, const char *name, const struct prom_labels *l)
{
	if (!w->f)
		return false;
	if (l && l->len)
		fprintf(w->f, "%s{%s} ", name, l->s);
	else
		fprintf(w->f, "%s ", name);
	return true;
}

void prom_sample_uint(struct prom *w, const char *name, const struct prom_labels *l,
		      unsigned long long v)
{
	if (sample_name(w, name, l))
		fprintf(w->f, "%llu\n", v);
}

void prom_sample_int(struct prom *w, const char *name, const struct prom_labels *l, long long v)
{
	if (sample_name(w, name, l))
		fprintf(w->f, "%lld\n", v);
}

void prom_sample_double(struct prom *w, const char *name, const struct prom_labels *l, double v)
{
	char num[64];
	int n;

	if (!sample_name(w, name, l))
		return;
	if (isnan(v)) {
		fputs("NaN\n", w->f);
		return;
	}
	if (isinf(v)) {
		fputs(v > 0 ? "+Inf\n" : "-Inf\n", w->f);
		return;
	}
	n = snprintf(num, sizeof(num), "%.9f", v);
	if (n <= 0 || (size_t)n >= sizeof(num)) { /* beyond 1e53: exponent form */
		fprintf(w->f, "%.17g\n", v);
		return;
	}
	while (n > 1 && num[n - 1] == '0') /* "%.9f" always has a '.' */
		n--;
	if (num[n - 1] == '.')
		n--;
	if (n == 2 && num[0] == '-' && num[1] == '0') /* -0, or a negative too small to show */
		fputs("0\n", w->f);
	else
		fprintf(w->f, "%.*s\n", n, num);
}

/* name + suffix into buf ("x_bucket"); cut when too long (names here are short). */
static const char *suffixed(char *buf, size_t len, const char *name, const char *suffix)
{
	snprintf(buf, len, "%s%s", name, suffix);
	return buf;
}

/* l plus one more label, for the bucket and quantile lines */
static void labels_plus(struct prom_labels *out, const struct prom_labels *l, const char *name,
			const char *value)
{
	if (l) {
		out->len = l->len;
		memcpy(out->s, l->s, l->len + 1);
	} else {
		prom_labels_init(out);
	}
	prom_label(out, name, value);
}

void prom_histogram(struct prom *w, const char *name, const struct prom_labels *l,
		    const char *const *le, const uint64_t *cum, size_t n, uint64_t count,
		    double sum)
{
	struct prom_labels b;
	char nm[256];

	suffixed(nm, sizeof(nm), name, "_bucket");
	for (size_t i = 0; i < n; i++) {
		labels_plus(&b, l, "le", le[i]);
		prom_sample_uint(w, nm, &b, cum[i]);
	}
	labels_plus(&b, l, "le", "+Inf");
	prom_sample_uint(w, nm, &b, count);
	prom_sample_double(w, suffixed(nm, sizeof(nm), name, "_sum"), l, sum);
	prom_sample_uint(w, suffixed(nm, sizeof(nm), name, "_count"), l, count);
}

void prom_summary(struct prom *w, const char *name, const struct prom_labels *l,
		  const char *const *q, const double *v, size_t n, uint64_t count, double sum)
{
	struct prom_labels b;
	char nm[256];

	for (size_t i = 0; i < n; i++) {
		labels_plus(&b, l, "quantile", q[i]);
		prom_sample_double(w, name, &b, v[i]);
	}
	prom_sample_double(w, suffixed(nm, sizeof(nm), name, "_sum"), l, sum);
	prom_sample_uint(w, suffixed(nm, sizeof(nm), name, "_count"), l, count);
}
