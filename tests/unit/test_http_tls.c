// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The bounded ELF resolver of the OpenSSL attacher (user/http/http_tls.c): the
 * right offsets in small crafted files (64- and 32-bit) and in the real
 * libssl (checked against where the dynamic linker put the functions), and
 * nothing read outside a file that lies about its sizes. Also the FUSE
 * check of /proc/PID/mountinfo.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "user/http/http_tls.h"
#include "user/http/http_tls_elf.h"

static const char *const names[4] = { "SSL_write", "SSL_read", "SSL_write_ex", "SSL_read_ex" };

/*
 * A small shared object: .text (address 0x1100, file offset 0x100), .dynsym
 * with SSL_write (global), SSL_read (weak at 0x1120, global at 0x1130: the
 * global wins) and SSL_read_ex (an import: undefined); .symtab with
 * "SSL_write_ex@@OPENSSL_3.0.0". Offsets: 0x110, 0x130, 0x140, none.
 */
enum {
	TEXT_OFF = 0x100,
	TEXT_ADDR = 0x1100,
	DYNSTR_OFF = 0x200,
	DYNSYM_OFF = 0x300,
	STRTAB_OFF = 0x400,
	SYMTAB_OFF = 0x480,
	SHDR_OFF = 0x500,
	NSEC = 6
};

static const char dynstr[] = "\0SSL_write\0SSL_read\0SSL_read_ex";
static const char strtab[] = "\0SSL_write_ex@@OPENSSL_3.0.0";

struct img {
	unsigned char b[0x800];
	size_t len;
	bool is64;
};

/* Section header i of the image, as 64-bit fields (written back by shdr_put). */
static Elf64_Shdr shdr_get(const struct img *m, int i)
{
	Elf64_Shdr s = { 0 };

	if (m->is64) {
		memcpy(&s, m->b + SHDR_OFF + i * sizeof(Elf64_Shdr), sizeof(s));
	} else {
		Elf32_Shdr t;

		memcpy(&t, m->b + SHDR_OFF + i * sizeof(Elf32_Shdr), sizeof(t));
		s = (Elf64_Shdr){ t.sh_name, t.sh_type, t.sh_flags, t.sh_addr,	    t.sh_offset,
				  t.sh_size, t.sh_link, t.sh_info,  t.sh_addralign, t.sh_entsize };
	}
	return s;
}

static void shdr_put(struct img *m, int i, Elf64_Shdr s)
{
	if (m->is64) {
		memcpy(m->b + SHDR_OFF + i * sizeof(Elf64_Shdr), &s, sizeof(s));
	} else {
		Elf32_Shdr t = { s.sh_name,
				 s.sh_type,
				 (Elf32_Word)s.sh_flags,
				 (Elf32_Addr)s.sh_addr,
				 (Elf32_Off)s.sh_offset,
				 (Elf32_Word)s.sh_size,
				 s.sh_link,
				 s.sh_info,
				 (Elf32_Word)s.sh_addralign,
				 (Elf32_Word)s.sh_entsize };

		memcpy(m->b + SHDR_OFF + i * sizeof(Elf32_Shdr), &t, sizeof(t));
	}
}

static void sym_put(struct img *m, size_t off, int i, uint32_t name, uint64_t value, int bind,
		    uint16_t shndx)
{
	if (m->is64) {
		Elf64_Sym y = { .st_name = name,
				.st_info = ELF64_ST_INFO(bind, STT_FUNC),
				.st_shndx = shndx,
				.st_value = value,
				.st_size = 8 };

		memcpy(m->b + off + i * sizeof(y), &y, sizeof(y));
	} else {
		Elf32_Sym y = { .st_name = name,
				.st_value = (Elf32_Addr)value,
				.st_size = 8,
				.st_info = ELF32_ST_INFO(bind, STT_FUNC),
				.st_shndx = shndx };

		memcpy(m->b + off + i * sizeof(y), &y, sizeof(y));
	}
}

static void build(struct img *m, bool is64)
{
	size_t esz = is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	size_t shsz = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);

	memset(m, 0, sizeof(*m));
	m->is64 = is64;
	m->len = SHDR_OFF + NSEC * shsz;
	if (is64) {
		Elf64_Ehdr e = { .e_type = ET_DYN,
				 .e_machine = EM_X86_64,
				 .e_version = EV_CURRENT,
				 .e_shoff = SHDR_OFF,
				 .e_ehsize = sizeof(e),
				 .e_shentsize = sizeof(Elf64_Shdr),
				 .e_shnum = NSEC };

		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS64;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(m->b, &e, sizeof(e));
	} else {
		Elf32_Ehdr e = { .e_type = ET_DYN,
				 .e_machine = EM_386,
				 .e_version = EV_CURRENT,
				 .e_shoff = SHDR_OFF,
				 .e_ehsize = sizeof(e),
				 .e_shentsize = sizeof(Elf32_Shdr),
				 .e_shnum = NSEC };

		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS32;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(m->b, &e, sizeof(e));
	}
	memcpy(m->b + DYNSTR_OFF, dynstr, sizeof(dynstr));
	memcpy(m->b + STRTAB_OFF, strtab, sizeof(strtab));
	sym_put(m, DYNSYM_OFF, 1, 1, TEXT_ADDR + 0x10, STB_GLOBAL, 1);	/* SSL_write */
	sym_put(m, DYNSYM_OFF, 2, 11, TEXT_ADDR + 0x20, STB_WEAK, 1);	/* SSL_read, weak */
	sym_put(m, DYNSYM_OFF, 3, 11, TEXT_ADDR + 0x30, STB_GLOBAL, 1); /* SSL_read */
	sym_put(m, DYNSYM_OFF, 4, 20, 0, STB_GLOBAL, SHN_UNDEF);	/* SSL_read_ex import */
	sym_put(m, SYMTAB_OFF, 1, 1, TEXT_ADDR + 0x40, STB_GLOBAL, 1);	/* SSL_write_ex@@ */
	shdr_put(m, 1,
		 (Elf64_Shdr){ .sh_type = SHT_PROGBITS,
			       .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
			       .sh_addr = TEXT_ADDR,
			       .sh_offset = TEXT_OFF,
			       .sh_size = 0x100 });
	shdr_put(m, 2,
		 (Elf64_Shdr){ .sh_type = SHT_DYNSYM,
			       .sh_offset = DYNSYM_OFF,
			       .sh_size = 5 * esz,
			       .sh_link = 3,
			       .sh_entsize = esz });
	shdr_put(m, 3,
		 (Elf64_Shdr){ .sh_type = SHT_STRTAB,
			       .sh_offset = DYNSTR_OFF,
			       .sh_size = sizeof(dynstr) });
	shdr_put(m, 4,
		 (Elf64_Shdr){ .sh_type = SHT_SYMTAB,
			       .sh_offset = SYMTAB_OFF,
			       .sh_size = 2 * esz,
			       .sh_link = 5,
			       .sh_entsize = esz });
	shdr_put(m, 5,
		 (Elf64_Shdr){ .sh_type = SHT_STRTAB,
			       .sh_offset = STRTAB_OFF,
			       .sh_size = sizeof(strtab) });
}

/* Runs the resolver on the first len bytes of the image, through a memfd. */
static int resolve(const struct img *m, size_t len, uint64_t *offs)
{
	int fd = memfd_create("elf", MFD_CLOEXEC), ret;

	if (fd < 0 || write(fd, m->b, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		return -1000;
	}
	ret = tls_elf_func_offsets(fd, names, 4, offs);
	close(fd);
	return ret;
}

static void check_crafted(bool is64)
{
	struct img m;
	uint64_t o[4];
	int n;

	build(&m, is64);
	n = resolve(&m, m.len, o);
	CHECK(n == 3, "%s: 3 of 4 names found, got %d", is64 ? "ELF64" : "ELF32", n);
	CHECK(o[0] == 0x110, "SSL_write at 0x110, got %#llx", (unsigned long long)o[0]);
	CHECK(o[1] == 0x130,
	      "SSL_read: the global definition (0x130) beats the weak one, got %#llx",
	      (unsigned long long)o[1]);
	CHECK(o[2] == 0x140, "SSL_write_ex@@OPENSSL_3.0.0 in .symtab at 0x140, got %#llx",
	      (unsigned long long)o[2]);
	CHECK(o[3] == 0, "SSL_read_ex is an import here: not found, got %#llx",
	      (unsigned long long)o[3]);
}

static void crafted_elf64_offsets(void)
{
	check_crafted(true);
}

static void crafted_elf32_offsets(void)
{
	check_crafted(false);
}

/* One lie in an otherwise good image: the resolver refuses the file, or
 * ignores what lies, and reads nothing outside it. */
static void lying_headers_refused(void)
{
	static const struct {
		const char *what;
		int sec; /* section to change, 0: the ELF header */
		int field; /* 0 size, 1 offset, 2 link, 3 entsize, 4 type, 5 shnum, 6 shentsize, 7 shoff */
		uint64_t value;
		int want; /* -EINVAL, or names found */
	} c[] = {
		{ "more sections than the limit", 0, 5, TLS_ELF_MAX_SECTIONS + 1, -EINVAL },
		{ "no sections", 0, 5, 0, -EINVAL },
		{ "wrong section header size", 0, 6, 48, -EINVAL },
		{ "section headers past the end", 0, 7, 0x7fffffffffffull, -EINVAL },
		{ "symbols past the end", 2, 1, 0x7ff0, -EINVAL },
		{ "a symbol table larger than the file", 2, 0, 24ull << 40, -EINVAL },
		{ "more symbols than the limit", 2, 0, (TLS_ELF_MAX_SYMS + 1ull) * 24, -EINVAL },
		{ "a table size that is no whole number of symbols", 2, 0, 5 * 24 + 7, -EINVAL },
		{ "a wrong symbol size", 2, 3, 20, -EINVAL },
		{ "a string table link out of range", 2, 2, 99, -EINVAL },
		{ "a string table link to a non-string section", 2, 2, 1, -EINVAL },
		{ "a string table past the end", 3, 1, 0x7fffffffull, -EINVAL },
		{ "a string table above the limit", 3, 0, TLS_ELF_MAX_STRTAB + 1ull, -EINVAL },
		{ "names cut by a short string table", 3, 0, 8,
		  1 }, /* .symtab's name still whole */
		/* the functions' section lies: every symbol in it is ignored */
		{ "the function section past the end", 1, 1, 0x7fffffffffull, 0 },
		{ "the function section too small", 1, 0, 0x10, 0 }, /* 0x1110.. outside */
		{ "the function section is not code", 1, 4, SHT_NOBITS, 0 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (int cls = 0; cls < 2; cls++) {
			struct img m;
			uint64_t o[4];
			int n;

			build(&m, cls);
			if (c[i].sec == 0) {
				if (cls) {
					Elf64_Ehdr e;

					memcpy(&e, m.b, sizeof(e));
					if (c[i].field == 5)
						e.e_shnum = (Elf64_Half)c[i].value;
					else if (c[i].field == 6)
						e.e_shentsize = (Elf64_Half)c[i].value;
					else
						e.e_shoff = c[i].value;
					memcpy(m.b, &e, sizeof(e));
				} else {
					Elf32_Ehdr e;

					memcpy(&e, m.b, sizeof(e));
					if (c[i].field == 5)
						e.e_shnum = (Elf32_Half)c[i].value;
					else if (c[i].field == 6)
						e.e_shentsize = (Elf32_Half)c[i].value;
					else
						e.e_shoff = (Elf32_Off)c[i].value;
					memcpy(m.b, &e, sizeof(e));
				}
			} else {
				Elf64_Shdr s = shdr_get(&m, c[i].sec);
				uint64_t v = c[i].value;

				/* 32-bit fields cannot hold the huge values: their largest instead */
				if (!cls && v > 0xffffffffull)
					v = 0xffffffffull;
				if (c[i].field == 0)
					s.sh_size = v;
				else if (c[i].field == 1)
					s.sh_offset = v;
				else if (c[i].field == 2)
					s.sh_link = (Elf64_Word)v;
				else if (c[i].field == 3)
					s.sh_entsize = v;
				else
					s.sh_type = (Elf64_Word)v;
				shdr_put(&m, c[i].sec, s);
			}
			n = resolve(&m, m.len, o);
			CHECK(n == c[i].want, "%s (ELF%d): want %d, got %d", c[i].what,
			      cls ? 64 : 32, c[i].want, n);
		}
	}
}

static void other_files_refused(void)
{
	struct img m;
	uint64_t o[4];

	build(&m, true);
	m.b[EI_DATA] = ELFDATA2MSB;
	CHECK(resolve(&m, m.len, o) == -EINVAL, "big-endian refused");
	build(&m, true);
	m.b[EI_CLASS] = 7;
	CHECK(resolve(&m, m.len, o) == -EINVAL, "unknown class refused");
	build(&m, true);
	m.b[16] = ET_REL;
	CHECK(resolve(&m, m.len, o) == -EINVAL, "an object file (ET_REL) refused");
	build(&m, true);
	memcpy(m.b, "#!/bin/sh\n", 10);
	CHECK(resolve(&m, m.len, o) == -EINVAL, "not an ELF refused");
	/* a second table of a kind is not read: work stays bounded */
	build(&m, true);
	{
		Elf64_Shdr s = shdr_get(&m, 4);

		s.sh_type = SHT_DYNSYM;
		shdr_put(&m, 4, s);
	}
	CHECK(resolve(&m, m.len, o) == 2 && o[2] == 0,
	      "a second .dynsym read: SSL_write_ex at %#llx", (unsigned long long)o[2]);
	/* two global definitions at different places: neither is trusted */
	build(&m, true);
	sym_put(&m, DYNSYM_OFF, 2, 11, TEXT_ADDR + 0x20, STB_GLOBAL, 1);
	CHECK(resolve(&m, m.len, o) == 2 && o[1] == 0, "ambiguous SSL_read not found, got %#llx",
	      (unsigned long long)o[1]);
}

static void every_cut_of_a_file_is_safe(void)
{
	int bad = 0, found = 0;

	for (int cls = 0; cls < 2; cls++) {
		struct img m;

		build(&m, cls);
		for (size_t len = 0; len <= m.len; len++) {
			uint64_t o[4];
			int n = resolve(&m, len, o);

			/* only the whole file has its section headers */
			if (len < m.len ? n != -EINVAL : n != 3)
				bad++;
			for (int k = 0; k < 4 && n > 0; k++)
				found += o[k] >= len;
		}
	}
	CHECK(!bad && !found, "%d cuts answered wrong, %d offsets outside the file", bad, found);
}

struct where {
	uintptr_t addr;
	uint64_t off; /* file offset of addr, from the program headers */
	bool found;
};

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct where *w = arg;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + p->p_vaddr;

		if (p->p_type == PT_LOAD && w->addr >= lo && w->addr < lo + p->p_memsz) {
			w->off = w->addr - lo + p->p_offset;
			w->found = true;
			return 1;
		}
	}
	return 0;
}

static void real_libssl_offsets_match_the_dynamic_linker(void)
{
	void *h = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
	uint64_t o[4];
	Dl_info di;
	int fd, n;

	if (!h) {
		printf("skip real_libssl_offsets_match_the_dynamic_linker: no libssl.so.3\n");
		return;
	}
	CHECK(dladdr(dlsym(h, "SSL_read"), &di) && di.dli_fname, "dladdr(SSL_read)");
	fd = open(di.dli_fname, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open %s", di.dli_fname);
	n = tls_elf_func_offsets(fd, names, 4, o);
	CHECK(n == 4, "%s: all 4 functions, got %d", di.dli_fname, n);
	for (int k = 0; k < 4; k++) {
		struct where w = { .addr = (uintptr_t)dlsym(h, names[k]) };

		dl_iterate_phdr(phdr_cb, &w);
		CHECK(w.found && w.off == o[k],
		      "%s: the loader maps it from file offset %#llx, resolver says %#llx",
		      names[k], (unsigned long long)w.off, (unsigned long long)o[k]);
	}
	close(fd);
	dlclose(h);
}

static void fuse_mounts_recognized(void)
{
	char path[] = "/tmp/hostlens-mountinfo.XXXXXX";
	int fd = mkstemp(path);
	static const char mi[] =
		"22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw\n"
		"40 22 0:52 / /home/eve/mnt rw,nosuid,nodev shared:30 - fuse.sshfs eve@h:/ rw,user_id=1000\n"
		"41 22 0:53 / /home/eve/ntfs rw shared:31 - fuseblk /dev/sdb1 rw\n"
		"42 22 0:54 / /tmp rw shared:32 - tmpfs tmpfs rw\n";

	CHECK(fd >= 0 && write(fd, mi, sizeof(mi) - 1) == (ssize_t)sizeof(mi) - 1, "scratch file");
	CHECK(tls_mount_is_fuse(path, 0, 52), "0:52 is fuse.sshfs");
	CHECK(tls_mount_is_fuse(path, 0, 53), "0:53 is fuseblk");
	CHECK(!tls_mount_is_fuse(path, 0, 54), "0:54 is tmpfs");
	CHECK(!tls_mount_is_fuse(path, 259, 1), "259:1 is ext4");
	CHECK(!tls_mount_is_fuse(path, 0, 99), "an unknown device is not FUSE");
	CHECK(!tls_mount_is_fuse("/nonexistent/mountinfo", 0, 52), "no mountinfo: not FUSE");
	close(fd);
	unlink(path);
}

int main(void)
{
	RUN(crafted_elf64_offsets);
	RUN(crafted_elf32_offsets);
	RUN(lying_headers_refused);
	RUN(other_files_refused);
	RUN(every_cut_of_a_file_is_safe);
	RUN(real_libssl_offsets_match_the_dynamic_linker);
	RUN(fuse_mounts_recognized);
	CHECK_DONE();
}
