// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * uprobe_multi links by hand (uprobe_multi.h). The files read here come from
 * other processes (a container's libssl), so the ELF parser trusts nothing:
 * libelf bounds every table, and a symbol is only taken when an executable
 * PT_LOAD segment holds it.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "user/lib/uprobe_multi.h"

/* Does the symbol name s (maybe "name@VER" or "name@@VER") name func? */
static bool sym_is(const char *s, const char *func)
{
	size_t n = strlen(func);

	return !strncmp(s, func, n) && (s[n] == '\0' || s[n] == '@');
}

/* Virtual address v to a file offset, through the executable PT_LOAD that
 * holds it. -ENOENT when none does. */
static long vaddr_to_offset(Elf *e, uint64_t v)
{
	size_t n;

	if (elf_getphdrnum(e, &n))
		return -ENOEXEC;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (v >= ph.p_vaddr && v - ph.p_vaddr < ph.p_filesz)
			return (long)(v - ph.p_vaddr + ph.p_offset);
	}
	return -ENOENT;
}

/* Looks func up in the symbol tables of type want. */
static long find_in(Elf *e, Elf64_Word want, const char *func)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != want || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym s;
			const char *name;
			int type;

			if (!gelf_getsym(d, (int)i, &s))
				break;
			type = GELF_ST_TYPE(s.st_info);
			if (type != STT_FUNC && type != STT_GNU_IFUNC)
				continue;
			if (s.st_shndx == SHN_UNDEF || !s.st_value)
				continue;
			name = elf_strptr(e, sh.sh_link, s.st_name);
			if (name && sym_is(name, func))
				return vaddr_to_offset(e, s.st_value);
		}
	}
	return -ENOENT;
}

long uprobe_func_offset(const char *path, const char *func)
{
	long off = -ENOEXEC;
	Elf *e;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (e && elf_kind(e) == ELF_K_ELF) {
		off = find_in(e, SHT_DYNSYM, func);
		if (off == -ENOENT)
			off = find_in(e, SHT_SYMTAB, func);
	}
	if (e)
		elf_end(e);
	close(fd);
	return off;
}

int uprobe_multi_link(int prog_fd, const char *path, const uint64_t *offsets, uint32_t cnt,
		      bool retprobe)
{
	/* union bpf_attr's link_create with its uprobe_multi member (6.6) */
	struct {
		uint32_t prog_fd, target_fd, attach_type, flags;
		uint64_t path, offsets, ref_ctr_offsets, cookies;
		uint32_t cnt, um_flags, pid, pad;
	} l;
	int fd;

	memset(&l, 0, sizeof(l));
	l.prog_fd = (uint32_t)prog_fd;
	l.attach_type = UPROBE_MULTI_ATTACH;
	l.path = (uint64_t)(uintptr_t)path;
	l.offsets = (uint64_t)(uintptr_t)offsets;
	l.cnt = cnt;
	l.um_flags = retprobe ? UPROBE_MULTI_RETURN : 0;
	fd = (int)syscall(SYS_bpf, BPF_LINK_CREATE, &l, sizeof(l));
	return fd < 0 ? -errno : fd;
}

int uprobe_multi_attach(int prog_fd, const char *path, const char *func, bool retprobe)
{
	long off = uprobe_func_offset(path, func);
	uint64_t o;

	if (off < 0)
		return (int)off;
	o = (uint64_t)off;
	return uprobe_multi_link(prog_fd, path, &o, 1, retprobe);
}
