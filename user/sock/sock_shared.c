// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The socket signals' shared filter and OpenSSL uprobes (sock_shared.h). */
#include <stddef.h>

#include "sock.skel.h"

#include "user/http/http_ctl.h"
#include "user/http/http_tls.h"
#include "user/runtime/log.h"
#include "user/sock/sock_shared.h"

/* new processes' libssl: looked for every 2 s */
#define SCAN_NS 2000000000ull

static struct {
	int refs;
	struct http_tls *tls;
	uint64_t last_scan_ns;
} sh;

void sock_shared__get(struct sock_bpf *skel, struct state *st, const struct config *cfg)
{
	static const char *const sys_libs[] = {
		"/usr/lib/x86_64-linux-gnu/libssl.so.3",
		"/usr/lib/aarch64-linux-gnu/libssl.so.3",
		"/usr/lib64/libssl.so.3",
		"/usr/lib/libssl.so.3",
		"/lib/libssl.so.3",
		NULL,
	};
	char err[256] = "";

	if (sh.refs++ || !skel)
		return;
	/* the config loader already rejected bad expressions */
	if (http_ctl__init(skel, st, cfg, err, sizeof(err)))
		pr_warn("filters: %s: capturing nothing until the filters are fixed", err);
	sh.tls = http_tls__new(skel->obj, NULL);
	if (!sh.tls)
		return;
	/* the system's libssl first: processes started later are covered at once */
	for (int i = 0; sys_libs[i]; i++)
		http_tls__attach_path(sh.tls, sys_libs[i]);
	http_tls__scan(sh.tls);
	http_ctl__set_tls_active(http_tls__nlibs(sh.tls) > 0);
}

void sock_shared__put(void)
{
	if (sh.refs <= 0 || --sh.refs)
		return;
	http_ctl__fini();
	http_tls__free(sh.tls);
	sh.tls = NULL;
	sh.last_scan_ns = 0;
}

void sock_shared__tick(uint64_t now_ns)
{
	if (!sh.tls || now_ns - sh.last_scan_ns < SCAN_NS)
		return;
	sh.last_scan_ns = now_ns;
	if (http_tls__scan(sh.tls) > 0)
		http_ctl__set_tls_active(true);
}

const struct http_tls *sock_shared__tls(void)
{
	return sh.tls;
}
