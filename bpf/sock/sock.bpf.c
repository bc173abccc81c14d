// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The socket hooks, one program each, for the three signals that watch
 * sockets: net (bpf/net/net.bpf.h: TCP lifecycle, bytes per process), http
 * (bpf/http/http.bpf.h: HTTP/1.x requests) and db (bpf/db/db.bpf.h:
 * PostgreSQL, MySQL, Redis operations). A socket call costs one program that
 * does both jobs, and a signal that is off costs a branch the verifier
 * removes (targ_net / targ_http / targ_db are set by the loader before load), never a
 * program. The signals' other hooks (TCP retransmits and resets for net,
 * exec/exit and the OpenSSL uprobes for http) are in their headers; the
 * loader loads only those of the signals that are on.
 */
#include "bpf/net/net.bpf.h"
#include "bpf/http/http.bpf.h"
#include "bpf/db/db.bpf.h"

/* which signals are on (set by the loader; targ_http and targ_db are in
 * their headers) */
const volatile bool targ_net = true;

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send, struct sock *sk, int ret, int flags)
{
	int http = 0;

	if (targ_net)
		net__xfer(sk, ret, flags, true);
	if (targ_http)
		http = http__xfer(ctx, sk, ret, flags, 1);
	if (targ_db && !http) /* an HTTP connection is no database: not looked up */
		db__xfer(ctx, sk, ret, flags, 1);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv, struct sock *sk, int ret, int flags)
{
	int http = 0;

	if (targ_net)
		net__xfer(sk, ret, flags, false);
	if (targ_http)
		http = http__xfer(ctx, sk, ret, flags, 0);
	if (targ_db && !http) /* an HTTP connection is no database: not looked up */
		db__xfer(ctx, sk, ret, flags, 0);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sock_state, struct sock *sk, int oldstate, int newstate)
{
	if (targ_net)
		net__state(sk, oldstate, newstate);
	if (targ_http)
		http__state(ctx, sk, newstate);
	if (targ_db)
		db__state(ctx, sk, newstate);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
