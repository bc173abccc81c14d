/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* HTTP signal, OpenSSL SSL_read/SSL_write uprobes: their plaintext goes to
 * the database part when the connection is a database's, else to HTTP. The
 * programs are named ssl_* (no signal's prefix): loaded when http or db is
 * on (user/sock/sock_object.c).
 * Part of bpf/http/http.bpf.h, which includes its parts in order. */
#ifndef HOSTLENS_HTTP_TLS_BPF_H
#define HOSTLENS_HTTP_TLS_BPF_H

/* ---- OpenSSL (attached per libssl by user space) ---- */

static __always_inline int ssl__enter(void *ssl, const void *buf, void *lenp, __u8 is_write,
				      __u8 ex)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ssl_args a = {
		.ssl = (__u64)ssl,
		.buf = (__u64)buf,
		.lenp = (__u64)lenp,
		.fd = -1,
		.is_write = is_write,
		.ex = ex,
	};

	if (!proc__allowed(bpf_get_current_task_btf(), id >> 32, filter__conf()))
		return 0;
	a.ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&ssl_args, (__u32 *)&id, &a, BPF_ANY);
	return 0;
}

/* bpf/db/db.bpf.h (in the same object): 1 when the plaintext was a database
 * connection's, which it pairs; HTTP then has nothing to do with it */
__noinline int db__tls(struct conn_key *k, struct http_conn *c, const struct xfer *x);

static __always_inline int ssl__exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid(), n = 0;
	__u32 tid = (__u32)id;
	struct xfer x = {};
	struct ssl_args *a = bpf_map_lookup_elem(&ssl_args, &tid);
	struct conn_key k = { .tgid = id >> 32 };
	struct ssl_key sk = {};
	struct http_conn *c;
	__u32 *fdp;

	if (!a)
		return 0;
	if (a->ex) {
		if (ret != 1 || !a->lenp || bpf_probe_read_user(&n, sizeof(n), (void *)a->lenp))
			goto out;
	} else {
		if (ret <= 0)
			goto out;
		n = (__u64)ret;
	}
	sk.ssl = a->ssl;
	sk.tgid = k.tgid;
	if (a->fd >= 0) {
		k.fd = (__u32)a->fd;
		bpf_map_update_elem(&ssl_fds, &sk, &k.fd, BPF_ANY);
	} else {
		fdp = bpf_map_lookup_elem(&ssl_fds, &sk);
		if (fdp) {
			k.fd = *fdp;
		} else {
			k.fd = PSEUDO_FD | ((__u32)(a->ssl >> 4) & (PSEUDO_FD - 1));
			stat__inc(HL_HTTP_ST_TLS_NOFD);
		}
	}
	c = bpf_map_lookup_elem(&tls_conns, &k);
	if (!c) {
		c = map__insert(&tls_conns, &k, &conn_zero, HL_DROP_FULL_HTTP_CONNS);
		if (!c)
			goto out;
	}
	c->flags |= CF_TLS_SEEN;
	x.first = a->buf;
	x.first_len = (__u32)n;
	x.total = n;
	x.tail = n >= 5 ? a->buf + n - 5 : 0;
	x.ts_enter = a->ts;
	x.id = id;
	x.now = bpf_ktime_get_ns();
	x.is_write = a->is_write;
	x.tls = 1;
	if (db__tls(&k, c, &x)) /* a database connection's plaintext (bpf/db/db.bpf.h) */
		goto out;
	if (targ_http)
		conn__data(c, &k, &x);
out:
	bpf_map_delete_elem(&ssl_args, &tid);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write, void *ssl, const void *buf, int num)
{
	return ssl__enter(ssl, buf, NULL, 1, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ret, int ret)
{
	return ssl__exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read, void *ssl, void *buf, int num)
{
	return ssl__enter(ssl, buf, NULL, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ret, int ret)
{
	return ssl__exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex, void *ssl, const void *buf, size_t num, size_t *written)
{
	return ssl__enter(ssl, buf, written, 1, 1);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ex_ret, int ret)
{
	return ssl__exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex, void *ssl, void *buf, size_t num, size_t *readbytes)
{
	return ssl__enter(ssl, buf, readbytes, 0, 1);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ex_ret, int ret)
{
	return ssl__exit(ret);
}

_Static_assert(__builtin_offsetof(struct http_conn, req_head) % 8 == 0,
	       "http_conn heads are copied and hashed in 8-byte words");
_Static_assert(__builtin_offsetof(struct ev_http_head, head) % 8 == 0,
	       "ev_http_head heads are copied in 8-byte words");
_Static_assert(sizeof(struct ev_http) == 128, "one event per request and side, 128 bytes");

#endif
