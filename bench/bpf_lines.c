// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Where a loaded BPF program's JIT code comes from, for bench/bpf_profile.sh:
 *   bpf_lines PROG_ID
 * prints one line per line-info record of the program (and its
 * subprograms): the kernel address its JIT code starts at, in hex, then
 * FILE:LINE and the source line. perf samples whose address falls between
 * two of them belong to the first. (This machine's perf and bpftool are
 * built without libbfd: neither can annotate BPF code.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

int main(int argc, char **argv)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), nli, njli, rec;
	struct bpf_line_info *li = NULL;
	struct btf *btf = NULL;
	__u64 *jli = NULL;
	int fd, ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: bpf_lines PROG_ID\n");
		return 2;
	}
	fd = bpf_prog_get_fd_by_id((__u32)strtoul(argv[1], NULL, 10));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "bpf_lines: program %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	nli = info.nr_line_info;
	njli = info.nr_jited_line_info;
	rec = info.line_info_rec_size;
	if (!nli || !njli || rec < sizeof(*li)) {
		fprintf(stderr, "bpf_lines: program %s has no line info\n", argv[1]);
		return 1;
	}
	li = calloc(nli, rec);
	jli = calloc(njli, sizeof(*jli));
	if (!li || !jli)
		goto out;
	memset(&info, 0, sizeof(info));
	info.nr_line_info = nli;
	info.line_info_rec_size = rec;
	info.line_info = (__u64)(unsigned long)li;
	info.nr_jited_line_info = njli;
	info.jited_line_info_rec_size = sizeof(*jli);
	info.jited_line_info = (__u64)(unsigned long)jli;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "bpf_lines: line info: %s\n", strerror(errno));
		goto out;
	}
	btf = btf__load_from_kernel_by_id(info.btf_id);
	for (__u32 i = 0; i < nli && i < njli; i++) {
		const struct bpf_line_info *l = (const void *)((const char *)li + (size_t)i * rec);
		const char *file = btf ? btf__name_by_offset(btf, l->file_name_off) : NULL;
		const char *line = btf ? btf__name_by_offset(btf, l->line_off) : NULL;
		const char *base = file && strrchr(file, '/') ? strrchr(file, '/') + 1 : file;

		printf("%llx %s:%u\t%s\n", (unsigned long long)jli[i], base ? base : "?",
		       l->line_col >> 10, line ? line : "");
	}
	ret = 0;
out:
	btf__free(btf);
	free(li);
	free(jli);
	return ret;
}
