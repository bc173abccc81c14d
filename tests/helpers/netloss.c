// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Loads tests/helpers/netloss.bpf.c on one interface and keeps it there until
 * SIGINT/SIGTERM, then prints what it did as one JSON line and detaches:
 *   netloss IFNAME SADDR DPORT EVERY MAX READY_FILE [native|skb]
 *   {"dropped":N,"seen":N,"resent":N,"max_len":N,"mode":"native"}
 * Drops the first transmission of every EVERY-th TCP data segment from SADDR
 * to DPORT, at most MAX per connection. Attaches in native XDP mode, else in
 * generic (skb) mode, unless a mode is named. READY_FILE appears, holding the
 * mode, once the program is attached. Run it in the interface's namespace.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tests/helpers/netloss.h"
#include "netloss.skel.h"

/* Sums the per-CPU counters into *sum (max_len: the largest). */
static int netloss__stats(struct netloss_bpf *skel, struct netloss_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus(), err;
	struct netloss_stats *v;
	__u32 zero = 0;

	if (ncpu < 0)
		return ncpu;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = bpf_map__lookup_elem(skel->maps.stats, &zero, sizeof(zero), v, ncpu * sizeof(*v), 0);
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; !err && i < ncpu; i++) {
		sum->seen += v[i].seen;
		sum->dropped += v[i].dropped;
		sum->resent += v[i].resent;
		if (v[i].max_len > sum->max_len)
			sum->max_len = v[i].max_len;
	}
	free(v);
	return err;
}

/* Attaches prog on ifindex in the mode named (NULL: native, else skb). */
static int netloss__attach(int ifindex, int prog_fd, const char *mode, __u32 *flags)
{
	int err = -EINVAL;

	if (!mode || !strcmp(mode, "native")) {
		*flags = XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST;
		err = bpf_xdp_attach(ifindex, prog_fd, *flags, NULL);
		if (!err || mode)
			return err;
		fprintf(stderr, "netloss: native XDP: %s, trying skb mode\n", strerror(-err));
	}
	if (!mode || !strcmp(mode, "skb")) {
		*flags = XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST;
		err = bpf_xdp_attach(ifindex, prog_fd, *flags, NULL);
	}
	return err;
}

/* Creates path holding text, whole or not at all. */
static int write_ready(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "%s\n", text);
	if (fclose(f) || rename(tmp, path))
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	struct netloss_stats sum;
	struct netloss_bpf *skel;
	const char *mode;
	struct in_addr saddr;
	int ifindex, sig, err;
	__u32 flags = 0;
	sigset_t set;

	if (argc < 7 || argc > 8 ||
	    (argc == 8 && strcmp(argv[7], "native") && strcmp(argv[7], "skb"))) {
		fprintf(stderr,
			"usage: netloss IFNAME SADDR DPORT EVERY MAX READY_FILE [native|skb]\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "netloss: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (inet_pton(AF_INET, argv[2], &saddr) != 1 || atoi(argv[3]) <= 0 ||
	    atoi(argv[3]) > 65535 || atoi(argv[4]) < 1 || atoi(argv[5]) < 0) {
		fprintf(stderr,
			"netloss: want an IPv4 SADDR, DPORT 1..65535, EVERY >= 1, MAX >= 0\n");
		return 2;
	}

	/* knobs before load */
	skel = netloss_bpf__open();
	if (!skel) {
		fprintf(stderr, "netloss: open: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->targ_saddr = saddr.s_addr;
	skel->rodata->targ_dport = atoi(argv[3]);
	skel->rodata->targ_every = atoi(argv[4]);
	skel->rodata->targ_max_drops = atoi(argv[5]);
	err = netloss_bpf__load(skel);
	if (err) {
		fprintf(stderr, "netloss: load: %s\n", strerror(-err));
		goto destroy;
	}

	/* signals blocked from here: one that comes early waits for sigwait */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	mode = argc == 8 ? argv[7] : NULL;
	err = netloss__attach(ifindex, bpf_program__fd(skel->progs.netloss_xdp), mode, &flags);
	if (err) {
		fprintf(stderr, "netloss: attach XDP to %s: %s\n", argv[1], strerror(-err));
		goto destroy;
	}
	mode = flags & XDP_FLAGS_DRV_MODE ? "native" : "skb";
	err = write_ready(argv[6], mode);
	if (err) {
		fprintf(stderr, "netloss: %s: %s\n", argv[6], strerror(-err));
		goto detach;
	}

	sigwait(&set, &sig);
	err = netloss__stats(skel, &sum);
	if (err)
		fprintf(stderr, "netloss: read stats: %s\n", strerror(-err));
	else
		printf("{\"dropped\":%llu,\"seen\":%llu,\"resent\":%llu,\"max_len\":%llu,"
		       "\"mode\":\"%s\"}\n",
		       (unsigned long long)sum.dropped, (unsigned long long)sum.seen,
		       (unsigned long long)sum.resent, (unsigned long long)sum.max_len, mode);
detach:
	bpf_xdp_detach(ifindex, flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
destroy:
	netloss_bpf__destroy(skel);
	return err ? 1 : 0;
}
