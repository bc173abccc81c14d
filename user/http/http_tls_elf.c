// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The bounded ELF symbol resolver of the OpenSSL uprobe attacher
 * (http_tls_elf.h): libssl files are anyone's, so every read is checked
 * against the file size and the limits, into exact-size buffers, with
 * pread (no mmap: a file truncated under us is a short read, not a SIGBUS).
 * No state; any thread.
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "user/http/http_tls_elf.h"

struct elf_in {
	int fd;
	uint64_t size;
	bool is64;
};

/* One section header, either class. */
struct elf_sec {
	uint32_t type, link;
	uint64_t addr, offset, size, entsize;
};

/* Reads exactly len bytes at off, inside the file size fstat gave. */
static int elf_read(const struct elf_in *f, uint64_t off, void *buf, size_t len)
{
	size_t done = 0;

	if (off > f->size || len > f->size - off)
		return -EINVAL;
	while (done < len) {
		ssize_t r = pread(f->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EINVAL; /* shorter than it was: changed under us */
		done += (size_t)r;
	}
	return 0;
}

/* Reads [off, off+len) into a new exact-size buffer (NULL and *err). */
static void *elf_load(const struct elf_in *f, uint64_t off, uint64_t len, int *err)
{
	void *p;

	if (!len || off > f->size || len > f->size - off) {
		*err = -EINVAL;
		return NULL;
	}
	p = malloc((size_t)len);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = elf_read(f, off, p, (size_t)len);
	if (*err) {
		free(p);
		return NULL;
	}
	return p;
}

static int elf_sections(const struct elf_in *f, const unsigned char *eh, struct elf_sec **out,
			unsigned int *nout)
{
	uint64_t shoff;
	unsigned int shnum, shentsize, want;
	unsigned char *raw;
	struct elf_sec *sec;
	int err;

	if (f->is64) {
		Elf64_Ehdr e;

		memcpy(&e, eh, sizeof(e));
		shoff = e.e_shoff;
		shnum = e.e_shnum;
		shentsize = e.e_shentsize;
		want = sizeof(Elf64_Shdr);
	} else {
		Elf32_Ehdr e;

		memcpy(&e, eh, sizeof(e));
		shoff = e.e_shoff;
		shnum = e.e_shnum;
		shentsize = e.e_shentsize;
		want = sizeof(Elf32_Shdr);
	}
	/* shnum 0 with the count in section 0 (> 65279 sections): not a libssl */
	if (!shoff || !shnum || shnum > TLS_ELF_MAX_SECTIONS || shentsize != want)
		return -EINVAL;
	raw = elf_load(f, shoff, (uint64_t)shnum * shentsize, &err);
	if (!raw)
		return err;
	sec = calloc(shnum, sizeof(*sec));
	if (!sec) {
		free(raw);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < shnum; i++) {
		if (f->is64) {
			Elf64_Shdr s;

			memcpy(&s, raw + (size_t)i * want, sizeof(s));
			sec[i] = (struct elf_sec){ s.sh_type,	s.sh_link, s.sh_addr,
						   s.sh_offset, s.sh_size, s.sh_entsize };
		} else {
			Elf32_Shdr s;

			memcpy(&s, raw + (size_t)i * want, sizeof(s));
			sec[i] = (struct elf_sec){ s.sh_type,	s.sh_link, s.sh_addr,
						   s.sh_offset, s.sh_size, s.sh_entsize };
		}
	}
	free(raw);
	*out = sec;
	*nout = shnum;
	return 0;
}

/* What the resolver knows of one wanted name. */
struct elf_hit {
	uint64_t off;
	int bind; /* -1: none yet */
	bool ambiguous;
};

/* True when the NUL- or '@'-terminated name at str[at..size) is name. */
static bool name_is(const char *str, uint64_t size, uint64_t at, const char *name)
{
	size_t n = strlen(name);

	if (at >= size || n > size - at)
		return false;
	if (memcmp(str + at, name, n))
		return false;
	return at + n < size && (str[at + n] == '\0' || str[at + n] == '@');
}

/* Looks for the names not yet found in the symbol table section s. */
static int elf_scan_symtab(const struct elf_in *f, const struct elf_sec *secs, unsigned int nsec,
			   const struct elf_sec *s, const char *const *names, int n,
			   struct elf_hit *hits)
{
	size_t esz = f->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	const struct elf_sec *st;
	unsigned char *syms;
	uint64_t count;
	char *str;
	int err;

	if (s->entsize != esz || s->size % esz || s->link >= nsec)
		return -EINVAL;
	count = s->size / esz;
	if (count > TLS_ELF_MAX_SYMS)
		return -EINVAL;
	st = &secs[s->link];
	if (st->type != SHT_STRTAB || !st->size || st->size > TLS_ELF_MAX_STRTAB)
		return -EINVAL;
	if (!count)
		return 0;
	syms = elf_load(f, s->offset, s->size, &err);
	if (!syms)
		return err;
	str = elf_load(f, st->offset, st->size, &err);
	if (!str) {
		free(syms);
		return err;
	}
	for (uint64_t i = 1; i < count; i++) { /* symbol 0 is the undefined one */
		uint64_t value, name_at, shndx;
		unsigned char info;
		const struct elf_sec *in;
		int bind;

		if (f->is64) {
			Elf64_Sym y;

			memcpy(&y, syms + i * esz, sizeof(y));
			name_at = y.st_name;
			info = y.st_info;
			shndx = y.st_shndx;
			value = y.st_value;
		} else {
			Elf32_Sym y;

			memcpy(&y, syms + i * esz, sizeof(y));
			name_at = y.st_name;
			info = y.st_info;
			shndx = y.st_shndx;
			value = y.st_value;
		}
		/* defined functions only: an import has SHN_UNDEF; SHN_ABS and
		 * the other reserved indexes are >= TLS_ELF_MAX_SECTIONS */
		if (ELF64_ST_TYPE(info) != STT_FUNC || shndx == SHN_UNDEF || shndx >= nsec)
			continue;
		bind = ELF64_ST_BIND(info);
		if (bind != STB_GLOBAL && bind != STB_WEAK)
			continue;
		in = &secs[shndx];
		if (in->type != SHT_PROGBITS || value < in->addr || value - in->addr >= in->size ||
		    in->offset > f->size || value - in->addr >= f->size - in->offset)
			continue;
		for (int k = 0; k < n; k++) {
			struct elf_hit *h = &hits[k];
			uint64_t off = value - in->addr + in->offset;

			if (!name_is(str, st->size, name_at, names[k]))
				continue;
			if (h->bind < 0 || (h->bind == STB_WEAK && bind == STB_GLOBAL)) {
				h->off = off;
				h->bind = bind;
				h->ambiguous = false;
			} else if (bind == h->bind && off != h->off) {
				h->ambiguous = true;
			}
		}
	}
	free(str);
	free(syms);
	return 0;
}

int tls_elf_func_offsets(int fd, const char *const *names, int n, uint64_t *offs)
{
	static const uint32_t tables[] = { SHT_DYNSYM, SHT_SYMTAB };
	unsigned char eh[sizeof(Elf64_Ehdr)] = { 0 };
	struct elf_hit *hits;
	struct elf_sec *secs = NULL;
	unsigned int nsec = 0;
	struct elf_in f = { .fd = fd };
	struct stat st;
	uint16_t type;
	int err, found = 0;

	for (int k = 0; k < n; k++)
		offs[k] = 0;
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf32_Ehdr) ||
	    (uint64_t)st.st_size > TLS_ELF_MAX_FILE)
		return -EINVAL;
	f.size = (uint64_t)st.st_size;
	err = elf_read(&f, 0, eh, f.size < sizeof(eh) ? (size_t)f.size : sizeof(eh));
	if (err)
		return err;
	if (memcmp(eh, ELFMAG, SELFMAG) || eh[EI_VERSION] != EV_CURRENT ||
	    (eh[EI_CLASS] != ELFCLASS64 && eh[EI_CLASS] != ELFCLASS32))
		return -EINVAL;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (eh[EI_DATA] != ELFDATA2LSB)
		return -EINVAL;
#else
	if (eh[EI_DATA] != ELFDATA2MSB)
		return -EINVAL;
#endif
	f.is64 = eh[EI_CLASS] == ELFCLASS64;
	if (f.is64 && f.size < sizeof(Elf64_Ehdr))
		return -EINVAL;
	memcpy(&type, eh + offsetof(Elf64_Ehdr, e_type), sizeof(type)); /* same place in both */
	if (type != ET_DYN && type != ET_EXEC)
		return -EINVAL;
	err = elf_sections(&f, eh, &secs, &nsec);
	if (err)
		return err;
	hits = calloc((size_t)(n > 0 ? n : 1), sizeof(*hits));
	if (!hits) {
		free(secs);
		return -ENOMEM;
	}
	for (int k = 0; k < n; k++)
		hits[k].bind = -1;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]) && !err; t++) {
		bool missing = false;

		for (int k = 0; k < n; k++)
			missing |= hits[k].bind < 0;
		if (!missing)
			break;
		/* the first table of the kind only: a file has one .dynsym and
		 * one .symtab, and 256 of them would be 256 reads */
		for (unsigned int i = 0; i < nsec; i++)
			if (secs[i].type == tables[t]) {
				err = elf_scan_symtab(&f, secs, nsec, &secs[i], names, n, hits);
				break;
			}
	}
	if (!err)
		for (int k = 0; k < n; k++)
			if (hits[k].bind >= 0 && !hits[k].ambiguous && hits[k].off) {
				offs[k] = hits[k].off;
				found++;
			}
	free(hits);
	free(secs);
	return err ? err : found;
}
