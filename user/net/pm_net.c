// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Processor module for the network signal. Consumes one event per closed
 * TCP connection (bpf/net/net.bpf.h, in bpf/sock/sock.bpf.c) into a ring of the last closes, a per-peer
 * table (port folded away) and per-process connection counts; once a second
 * reads the BPF per-process byte/retransmit/reset counters and the host-wide
 * counters, and publishes the "connections" topic, summary fields, series and
 * Prometheus lines; each flush adds one network-metrics record.
 * Processor thread only: no locks. on_event only copies and adds.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/common/lathist.h"
#include "user/runtime/log.h"
#include "user/lib/counters.h"
#include "user/pipeline/processor.h"
#include "user/lib/table.h"
#include "user/lib/utf8.h"
#include "bpf/net/net.h"
#include "sock.skel.h"
#include "user/net/pm_net_peers.h"

#define RECENT_N 1024	 /* closes kept (power of 2) */
#define RECENT_SHOW 256	 /* closes published: a busy second */
#define RECENT_RECORD 20 /* closes per record */
#define MAX_PEERS 1024	 /* power of 2 */
#define MAX_NPROCS 4096	 /* power of 2 */
#define TOP_N 20
#define IDLE_NS (30ull * 1000000000ull)	   /* unchanged in BPF: delete there */
#define FORGET_NS (300ull * 1000000000ull) /* unseen: leave the tables */
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3

static const char *const role_names[] = { "unknown", "client", "server" };

struct nproc_acc {
	uint32_t tgid; /* the key */
	bool in_bpf;
	char comm[UTF8_COMM_SIZE];		      /* sanitized (utf8.h) */
	struct net_proc prev;			      /* last value from BPF */
	uint64_t tx, rx, retrans, rst_sent, rst_recv; /* since start */
	uint64_t t_tx, t_rx;			      /* last tick */
	uint64_t t_retrans, t_rst, t_conns;	      /* last tick (alert metrics) */
	uint64_t f_tx, f_rx, f_retrans, f_rst;	      /* since the last flush */
	uint64_t conns, f_conns;		      /* closed connections it owned */
	uint64_t last_ns;
};

struct net_priv {
	struct sock_bpf *skel; /* NULL: no loader (unit tests) */
	int procs_fd, counters_fd, ncpu;
	__u64 *cvals; /* per-CPU read buffer */
	uint64_t cprev[HL_NET_COUNTERS], ctot[HL_NET_COUNTERS];
	uint64_t ctick[HL_NET_COUNTERS], cflush[HL_NET_COUNTERS];
	int64_t active; /* open connections now (HL_NET_LIVE) */
	struct ev_tcp_close recent[RECENT_N];
	uint64_t recent_seq;	 /* closes ever seen */
	uint64_t recent_flushed; /* recent_seq at the last flush */
	uint64_t closed_role[3], failed_total, unknown_duration_total;
	uint64_t f_closed, f_failed;
	uint64_t t_failed; /* failed closes since the last tick */
	__u64 dur_hist[HL_LAT_SLOTS], f_dur_hist[HL_LAT_SLOTS]; /* known durations, ns */
	uint64_t f_dur_sum_ns, f_dur_n;
	struct table *peers; /* struct peer_acc by peer_key, MAX_PEERS slots */
	uint64_t peers_dropped, nprocs_dropped;
	struct table *procs; /* struct nproc_acc by tgid, MAX_NPROCS slots */
};

static const struct table_type nproc_type = {
	.entry_size = sizeof(struct nproc_acc),
	.key_offset = offsetof(struct nproc_acc, tgid),
	.key_size = sizeof(uint32_t),
	.probe = 64,
	.hash = table_hash_id32,
};

static struct nproc_acc *nproc_get(struct net_priv *n, uint32_t tgid)
{
	struct nproc_acc *a = table__insert(n->procs, &tgid, NULL);

	if (!a)
		n->nprocs_dropped++;
	return a;
}

/* The connections open before the agent: counted from the start (one walk
 * of the host's TCP sockets, net_adopt in bpf/net/net.bpf.h). */
static void adopt_open(struct loader *ld, struct sock_bpf *s)
{
	char buf[64];
	int fd = loader__iter_create(ld, s->progs.net_adopt);

	if (fd < 0) {
		pr_warn("net: connections open before the start are counted only once they move bytes (%s)",
			strerror(-fd));
		return;
	}
	while (read(fd, buf, sizeof(buf)) > 0)
		; /* the program writes nothing: a read runs it */
	close(fd);
}

static int net_init(struct pmod *m)
{
	struct net_priv *n = m->priv;
	struct loader *ld = processor__loader(m->p);

	/* no loader (unit tests): close events only, no map to read */
	n->procs_fd = n->counters_fd = -ENOENT;
	if (ld && !loader__signal_on(ld, "net"))
		return -ENOENT;
	if (ld) {
		struct sock_bpf *s = loader__skel(ld, "net");

		n->skel = s;
		n->procs_fd = s ? bpf_map__fd(s->maps.net_procs) : -ENOENT;
		n->counters_fd = s ? bpf_map__fd(s->maps.net_counters) : -ENOENT;
		if (n->procs_fd < 0 || n->counters_fd < 0)
			return -ENOENT;
	}
	if (n->skel)
		adopt_open(ld, n->skel);
	n->ncpu = libbpf_num_possible_cpus();
	if (n->ncpu <= 0)
		return -EINVAL;
	n->cvals = calloc((size_t)n->ncpu, sizeof(__u64));
	n->peers = net_peers_new(MAX_PEERS);
	n->procs = table__new(&nproc_type, MAX_NPROCS);
	if (!n->cvals || !n->peers || !n->procs) {
		free(n->cvals);
		table__free(n->peers);
		table__free(n->procs);
		return -ENOMEM;
	}
	return 0;
}

static void net_destroy(struct pmod *m)
{
	struct net_priv *n = m->priv;

	free(n->cvals);
	table__free(n->peers);
	table__free(n->procs);
}

static bool close_failed(const struct ev_tcp_close *e)
{
	return e->oldstate == TCP_SYN_SENT || e->oldstate == TCP_SYN_RECV;
}

static uint16_t service_port(const struct ev_tcp_close *e)
{
	if (e->role == HL_ROLE_SERVER)
		return e->sport;
	if (e->role == HL_ROLE_CLIENT)
		return e->dport;
	return e->sport < e->dport ? e->sport : e->dport; /* unknown: the lower */
}

static void net_on_event(struct pmod *m, const struct event_hdr *h, const void *data, uint32_t len)
{
	struct net_priv *n = m->priv;
	const struct ev_tcp_close *e = data;
	struct peer_acc *peer;
	bool failed;

	if (h->type != HL_EV_TCP_CLOSE || len < sizeof(*e))
		return;
	failed = close_failed(e);
	n->recent[n->recent_seq++ & (RECENT_N - 1)] = *e;
	n->closed_role[e->role < 3 ? e->role : 0]++;
	n->f_closed++;
	if (failed) {
		n->failed_total++;
		n->f_failed++;
		n->t_failed++;
	}
	if (e->start_ns) {
		__u32 s = lathist_slot(e->duration_ns);

		n->dur_hist[s]++;
		n->f_dur_hist[s]++;
		n->f_dur_sum_ns += e->duration_ns;
		n->f_dur_n++;
	} else {
		n->unknown_duration_total++;
	}
	/* peers fold the client's ephemeral port away: keep the service port */
	peer = net_peer_get(n->peers, &n->peers_dropped, e->family, e->daddr, service_port(e));
	if (peer) {
		peer->conns++;
		peer->f_conns++;
		peer->tx_bytes += e->tx_bytes;
		peer->rx_bytes += e->rx_bytes;
		peer->f_tx += e->tx_bytes;
		peer->f_rx += e->rx_bytes;
		peer->retrans += e->retransmits;
		peer->f_retrans += e->retransmits;
		peer->failed += failed;
		peer->t_conns++;
		peer->t_failed += failed;
		peer->t_retrans += e->retransmits;
		peer->client |= e->role == HL_ROLE_CLIENT;
		peer->last_ns = h->ts_ns;
	}
	if (h->tgid) {
		struct nproc_acc *a = nproc_get(n, h->tgid);

		if (a) {
			if (!a->comm[0]) /* once per process */
				utf8_sanitize(e->comm, HL_COMM_LEN - 1, a->comm, sizeof(a->comm));
			a->conns++;
			a->f_conns++;
			a->t_conns++;
			a->last_ns = h->ts_ns;
		}
	}
}

static inline uint64_t delta(uint64_t now, uint64_t prev)
{
	return now >= prev ? now - prev : now; /* a re-created entry restarts at 0 */
}

static void read_counters(struct net_priv *n)
{
	for (__u32 k = 0; k < HL_NET_COUNTERS; k++) {
		uint64_t sum = 0;

		n->ctick[k] = 0;
		if (n->counters_fd < 0 || bpf_map_lookup_elem(n->counters_fd, &k, n->cvals))
			continue;
		for (int i = 0; i < n->ncpu; i++)
			sum += n->cvals[i]; /* modulo 2^64: a gauge's -1s cancel */
		if (k == HL_NET_LIVE) {
			n->active = (int64_t)sum < 0 ? 0 : (int64_t)sum;
			continue;
		}
		n->ctick[k] = delta(sum, n->cprev[k]);
		n->cprev[k] = sum;
		n->ctot[k] += n->ctick[k];
		n->cflush[k] += n->ctick[k];
	}
}

static void read_procs(struct net_priv *n, struct processor *p, uint64_t now_ns)
{
	__u32 key, next, *prev = NULL;
	struct net_proc v;

	for (struct nproc_acc *a = NULL; (a = table__next(n->procs, a));) {
		a->in_bpf = false;
		a->t_tx = a->t_rx = 0;
		a->t_retrans = a->t_rst = 0;
	}
	while (n->procs_fd >= 0 && bpf_map_get_next_key(n->procs_fd, prev, &next) == 0) {
		struct nproc_acc *a;
		uint64_t dtx, drx, dre, dss, dsr;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(n->procs_fd, &key, &v))
			continue;
		a = nproc_get(n, key);
		if (!a)
			continue;
		a->in_bpf = true;
		if (!a->comm[0] || !a->last_ns) {
			const char *known = processor__comm(p, key);

			if (known[0])
				snprintf(a->comm, sizeof(a->comm), "%s", known);
			else if (!a->comm[0])
				utf8_sanitize(v.comm, HL_COMM_LEN - 1, a->comm, sizeof(a->comm));
			a->last_ns = now_ns;
		}
		dtx = delta(v.tx_bytes, a->prev.tx_bytes);
		drx = delta(v.rx_bytes, a->prev.rx_bytes);
		dre = delta(v.retransmits, a->prev.retransmits);
		dss = delta(v.resets_sent, a->prev.resets_sent);
		dsr = delta(v.resets_received, a->prev.resets_received);
		a->tx += dtx;
		a->rx += drx;
		a->retrans += dre;
		a->rst_sent += dss;
		a->rst_recv += dsr;
		a->t_tx = dtx;
		a->t_rx = drx;
		a->t_retrans = dre;
		a->t_rst = dss + dsr;
		a->f_tx += dtx;
		a->f_rx += drx;
		a->f_retrans += dre;
		a->f_rst += dss + dsr;
		if (dtx || drx) {
			struct proc_io *io = processor__proc_io(p, key, true);

			io->net_tx_bytes += dtx;
			io->net_rx_bytes += drx;
		}
		if (dtx || drx || dre || dss || dsr)
			a->last_ns = now_ns;
		a->prev = v;
	}
	for (struct nproc_acc *a = NULL; (a = table__next(n->procs, a));) {
		if (a->in_bpf && now_ns > a->last_ns + IDLE_NS) {
			bpf_map_delete_elem(n->procs_fd, &a->tgid);
			a->in_bpf = false;
			memset(&a->prev, 0, sizeof(a->prev));
		}
		if (!a->in_bpf && now_ns > a->last_ns + FORGET_NS && !a->f_tx && !a->f_rx &&
		    !a->f_conns && !a->f_retrans && !a->f_rst)
			table__delete(n->procs, a);
	}
	for (struct peer_acc *a = NULL; (a = table__next(n->peers, a));)
		if (now_ns > a->last_ns + FORGET_NS && !a->f_conns)
			table__delete(n->peers, a);
}

static json_t *close_json(struct processor *p, const struct ev_tcp_close *e)
{
	char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN], comm[UTF8_COMM_SIZE];
	const char *known = e->h.tgid ? processor__comm(p, e->h.tgid) : "";
	json_t *o;

	net_addr_str(e->family, e->saddr, sa, sizeof(sa));
	net_addr_str(e->family, e->daddr, da, sizeof(da));
	utf8_sanitize(e->comm, HL_COMM_LEN - 1, comm, sizeof(comm));
	o = json_pack("{s:I,s:i,s:s,s:s,s:s,s:s,s:i,s:s,s:i,s:I,s:I,s:i,s:s}", "ts",
		      (json_int_t)processor__mono_to_ms(p, e->h.ts_ns), "pid", (int)e->h.tgid,
		      "comm", known[0] ? known : comm, "role",
		      role_names[e->role < 3 ? e->role : 0], "family",
		      e->family == 10 ? "ipv6" : "ipv4", "saddr", sa, "sport", (int)e->sport,
		      "daddr", da, "dport", (int)e->dport, "tx_bytes", (json_int_t)e->tx_bytes,
		      "rx_bytes", (json_int_t)e->rx_bytes, "retransmits", (int)e->retransmits,
		      "state", close_failed(e) ? "failed" : "closed");
	/* no start seen (older than the agent): the duration is unknown */
	json_object_set_new(o, "duration_ms",
			    e->start_ns ? json_real((double)e->duration_ns / 1e6) : json_null());
	return o;
}

static int cmp_nproc(const void *x, const void *y)
{
	const struct nproc_acc *a = *(const struct nproc_acc *const *)x;
	const struct nproc_acc *b = *(const struct nproc_acc *const *)y;
	uint64_t ta = a->tx + a->rx, tb = b->tx + b->rx;

	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

static int cmp_nproc_flush(const void *x, const void *y)
{
	const struct nproc_acc *a = *(const struct nproc_acc *const *)x;
	const struct nproc_acc *b = *(const struct nproc_acc *const *)y;
	uint64_t ta = a->f_tx + a->f_rx, tb = b->f_tx + b->f_rx;

	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

static int sorted_procs(struct net_priv *n, struct nproc_acc **order, bool flush)
{
	int k = 0;

	for (struct nproc_acc *a = NULL; (a = table__next(n->procs, a));)
		order[k++] = a;
	qsort(order, (size_t)k, sizeof(order[0]), flush ? cmp_nproc_flush : cmp_nproc);
	return k;
}

/* The totals of the "connections" topic, and /metrics' where a row is named. */
struct net_counts {
	int64_t active;
	uint64_t retrans, resets, resets_sent, resets_recv, opened, opened_client, opened_server;
	uint64_t closed, failed, unknown_dur, tx, rx, peers_dropped, procs_dropped, closed_role[3];
	double retrans_per_s, opens_per_s, closes_per_s, tx_per_s, rx_per_s, dur_p50_ms, dur_p99_ms;
};

#define NC struct net_counts
#define J_UINT(k, f) COUNTER_ROW_UINT(k, NULL, 0, NULL, NC, f)
#define J_DOUBLE(k, f) COUNTER_ROW_DOUBLE(k, NULL, 0, NULL, NC, f)
#define BY_(k, n, h, f, l, v)                                               \
	{                                                                   \
		.key = (k), .name = (n), .type = PROM_COUNTER, .help = (h), \
		.off = offsetof(NC, f), .label = (l), .label_value = (v)    \
	}
#define BY(k, ...) BY_(k, __VA_ARGS__) /* lets a family macro stand for name, help */
#define RESETS "hostlens_tcp_resets_total", "TCP resets sent and received."
#define OPENED                                   \
	"hostlens_tcp_connections_opened_total", \
		"TCP connections opened (client: connect, server: accept)."
#define BYTES "hostlens_net_socket_bytes_total", "Bytes through AF_INET/AF_INET6 sockets."
#define CLOSED "hostlens_tcp_connections_closed_total", "TCP connections closed, by role."
static const struct counter_row net_rows[] = {
	{ .key = "connections_active",
	  .name = "hostlens_tcp_connections_active",
	  .type = PROM_GAUGE,
	  .help = "TCP connections open now, those already open when the agent started included.",
	  .kind = COUNTER_INT,
	  .off = offsetof(NC, active) },
	COUNTER_ROW_UINT("retransmits_total", "hostlens_tcp_retransmits_total", PROM_COUNTER,
			 "TCP segments retransmitted.", NC, retrans),
	J_DOUBLE("retransmits_per_s", retrans_per_s),
	J_UINT("resets_total", resets),
	BY("resets_sent_total", RESETS, resets_sent, "direction", "sent"),
	BY("resets_received_total", RESETS, resets_recv, "direction", "received"),
	J_UINT("opened_total", opened),
	BY("opened_client_total", OPENED, opened_client, "role", "client"),
	BY("opened_server_total", OPENED, opened_server, "role", "server"),
	J_UINT("closed_total", closed),
	J_DOUBLE("opens_per_s", opens_per_s),
	J_DOUBLE("closes_per_s", closes_per_s),
	COUNTER_ROW_UINT("failed_total", "hostlens_tcp_connections_failed_total", PROM_COUNTER,
			 "TCP connections closed before being established.", NC, failed),
	J_UINT("unknown_duration_total", unknown_dur),
	BY("tx_bytes_total", BYTES, tx, "direction", "tx"),
	BY("rx_bytes_total", BYTES, rx, "direction", "rx"),
	J_DOUBLE("tx_bytes_per_s", tx_per_s),
	J_DOUBLE("rx_bytes_per_s", rx_per_s),
	J_DOUBLE("duration_p50_ms", dur_p50_ms),
	J_DOUBLE("duration_p99_ms", dur_p99_ms),
	BY(NULL, CLOSED, closed_role[0], "role", "unknown"),
	BY(NULL, CLOSED, closed_role[1], "role", "client"),
	BY(NULL, CLOSED, closed_role[2], "role", "server"),
	J_UINT("peers_dropped_total", peers_dropped),
	J_UINT("processes_dropped_total", procs_dropped),
};
#undef CLOSED
#undef BYTES
#undef OPENED
#undef RESETS
#undef BY
#undef BY_
#undef J_DOUBLE
#undef J_UINT
#undef NC

static void net_counts(const struct net_priv *n, double el, struct net_counts *c)
{
	const uint64_t *tot = n->ctot, *tick = n->ctick;

	*c = (struct net_counts){
		.active = n->active,
		.retrans = tot[HL_NET_RETRANSMITS],
		.resets = tot[HL_NET_RESETS_SENT] + tot[HL_NET_RESETS_RECEIVED],
		.resets_sent = tot[HL_NET_RESETS_SENT],
		.resets_recv = tot[HL_NET_RESETS_RECEIVED],
		.opened = tot[HL_NET_OPEN_ACTIVE] + tot[HL_NET_OPEN_PASSIVE],
		.opened_client = tot[HL_NET_OPEN_ACTIVE],
		.opened_server = tot[HL_NET_OPEN_PASSIVE],
		.closed = tot[HL_NET_CLOSED],
		.failed = n->failed_total,
		.unknown_dur = n->unknown_duration_total,
		.tx = tot[HL_NET_TX_BYTES],
		.rx = tot[HL_NET_RX_BYTES],
		.peers_dropped = n->peers_dropped,
		.procs_dropped = n->nprocs_dropped,
		.closed_role = { n->closed_role[0], n->closed_role[1], n->closed_role[2] },
		.retrans_per_s = (double)tick[HL_NET_RETRANSMITS] / el,
		.opens_per_s = (double)(tick[HL_NET_OPEN_ACTIVE] + tick[HL_NET_OPEN_PASSIVE]) / el,
		.closes_per_s = (double)tick[HL_NET_CLOSED] / el,
		.tx_per_s = (double)tick[HL_NET_TX_BYTES] / el,
		.rx_per_s = (double)tick[HL_NET_RX_BYTES] / el,
		.dur_p50_ms = lathist_quantile(n->dur_hist, HL_LAT_SLOTS, 0.5) / 1e6,
		.dur_p99_ms = lathist_quantile(n->dur_hist, HL_LAT_SLOTS, 0.99) / 1e6,
	};
}

/* Socket bytes of the top processes (the totals are net_rows). */
static void prom_procs(struct prom *w, struct nproc_acc **order, int np)
{
	static const char *const dirs[] = { "tx", "rx" };

	prom_family(w, "hostlens_process_net_bytes_total", PROM_COUNTER,
		    "Socket bytes per process (top %d).", TOP_N);
	for (int i = 0; i < np && i < TOP_N; i++)
		for (int d = 0; d < 2; d++) {
			struct prom_labels l;

			prom_labels_init(&l);
			prom_label_uint(&l, "pid", order[i]->tgid);
			prom_label(&l, "comm", order[i]->comm);
			prom_label(&l, "direction", dirs[d]);
			prom_sample_uint(w, "hostlens_process_net_bytes_total", &l,
					 d ? order[i]->rx : order[i]->tx);
		}
}

/*
 * This tick's network metrics for the alert rules: host-wide, per command,
 * per peer address and per server (address:port this host connected to).
 * Scoped counters only when they moved (an absent counter reads 0).
 */
static void net_metrics(struct net_priv *n, struct processor *p, struct metrics *mx, double el)
{
	char addr[INET6_ADDRSTRLEN], server[INET6_ADDRSTRLEN + 8];

	metrics__set(mx, METRIC_TCP_CONNECTIONS_ACTIVE, SCOPE_NONE, NULL, (double)n->active);
	metrics__set(mx, METRIC_TCP_RETRANSMITS_PER_S, SCOPE_NONE, NULL,
		     (double)n->ctick[HL_NET_RETRANSMITS] / el);
	metrics__add(mx, METRIC_TCP_RETRANSMITS, SCOPE_NONE, NULL,
		     (double)n->ctick[HL_NET_RETRANSMITS]);
	metrics__add(mx, METRIC_TCP_RESETS, SCOPE_NONE, NULL,
		     (double)(n->ctick[HL_NET_RESETS_SENT] + n->ctick[HL_NET_RESETS_RECEIVED]));
	metrics__add(mx, METRIC_TCP_CONNECTIONS_CLOSED, SCOPE_NONE, NULL,
		     (double)n->ctick[HL_NET_CLOSED]);
	metrics__add(mx, METRIC_TCP_CONNECTIONS_FAILED, SCOPE_NONE, NULL, (double)n->t_failed);
	n->t_failed = 0;
	for (struct nproc_acc *a = NULL; (a = table__next(n->procs, a));) {
		const char *comm;

		if (!(a->t_retrans || a->t_rst || a->t_conns))
			continue;
		comm = a->comm[0] ? a->comm : processor__comm(p, a->tgid);
		if (a->t_retrans)
			metrics__add(mx, METRIC_TCP_RETRANSMITS, SCOPE_PROCESS, comm,
				     (double)a->t_retrans);
		if (a->t_rst)
			metrics__add(mx, METRIC_TCP_RESETS, SCOPE_PROCESS, comm, (double)a->t_rst);
		if (a->t_conns)
			metrics__add(mx, METRIC_TCP_CONNECTIONS_CLOSED, SCOPE_PROCESS, comm,
				     (double)a->t_conns);
		a->t_conns = 0;
	}
	for (struct peer_acc *a = NULL; (a = table__next(n->peers, a));) {
		if (!a->t_conns)
			continue;
		net_addr_str(a->family, a->addr, addr, sizeof(addr));
		metrics__add(mx, METRIC_TCP_CONNECTIONS_CLOSED, SCOPE_PEER, addr, a->t_conns);
		if (a->t_failed)
			metrics__add(mx, METRIC_TCP_CONNECTIONS_FAILED, SCOPE_PEER, addr,
				     a->t_failed);
		if (a->t_retrans)
			metrics__add(mx, METRIC_TCP_RETRANSMITS, SCOPE_PEER, addr, a->t_retrans);
		if (a->client) {
			snprintf(server, sizeof(server), a->family == 10 ? "[%s]:%u" : "%s:%u",
				 addr, a->port);
			metrics__add(mx, METRIC_TCP_CONNECTIONS_CLOSED, SCOPE_SERVER, server,
				     a->t_conns);
			if (a->t_failed)
				metrics__add(mx, METRIC_TCP_CONNECTIONS_FAILED, SCOPE_SERVER,
					     server, a->t_failed);
		}
		a->t_conns = a->t_failed = a->t_retrans = 0;
	}
}

static void net_tick(struct pmod *m, struct tick_ctx *t)
{
	struct net_priv *n = m->priv;
	static struct nproc_acc *porder[MAX_NPROCS];
	static struct peer_acc *peorder[MAX_PEERS];
	double el = t->elapsed_s > 0 ? t->elapsed_s : 1;
	json_t *doc, *recent = json_array(), *procs = json_array(), *peers = json_array();
	struct net_counts c;
	uint64_t first = n->recent_seq > RECENT_SHOW ? n->recent_seq - RECENT_SHOW : 0;
	int np, npe;

	/* TCP sockets credit their bytes to their process at their next call
	 * (bpf/net/net.bpf.h): what this tick reads came in before it */
	if (n->skel)
		n->skel->bss->net_epoch++;

	read_counters(n);
	read_procs(n, m->p, t->now_ns);
	for (uint64_t s = n->recent_seq; s-- > first;) /* newest first */
		json_array_append_new(recent, close_json(m->p, &n->recent[s & (RECENT_N - 1)]));
	np = sorted_procs(n, porder, false);
	for (int i = 0, shown = 0, trouble = 0; i < np; i++) {
		struct nproc_acc *a = porder[i];

		/* the top by bytes, then those with TCP trouble and few bytes */
		if (shown >= TOP_N) {
			if (trouble >= TOP_N || !(a->retrans + a->rst_sent + a->rst_recv))
				continue;
			trouble++;
		}
		shown++;
		json_array_append_new(
			procs,
			json_pack("{s:i,s:s,s:I,s:I,s:f,s:f,s:I,s:I,s:I,s:I}", "pid", (int)a->tgid,
				  "comm", a->comm, "tx_bytes", (json_int_t)a->tx, "rx_bytes",
				  (json_int_t)a->rx, "tx_bytes_per_s", (double)a->t_tx / el,
				  "rx_bytes_per_s", (double)a->t_rx / el, "connections_closed",
				  (json_int_t)a->conns, "retransmits", (json_int_t)a->retrans,
				  "resets_sent", (json_int_t)a->rst_sent, "resets_received",
				  (json_int_t)a->rst_recv));
	}
	npe = net_peers_sorted(n->peers, peorder, false);
	for (int i = 0; i < npe && i < TOP_N; i++)
		json_array_append_new(peers, net_peer_json(peorder[i], false));
	net_counts(n, el, &c);
	doc = json_object();
	json_object_set_new(doc, "recent", recent);
	counters_json(net_rows, sizeof(net_rows) / sizeof(net_rows[0]), &c, doc);
	json_object_set_new(doc, "processes", procs);
	json_object_set_new(doc, "peers", peers);
	state__publish(t->st, "connections", doc);

	json_object_set_new(t->summary, "sock_rx_bytes_per_s",
			    json_real((double)n->ctick[HL_NET_RX_BYTES] / el));
	json_object_set_new(t->summary, "sock_tx_bytes_per_s",
			    json_real((double)n->ctick[HL_NET_TX_BYTES] / el));
	json_object_set_new(t->summary, "tcp_retransmits_per_s",
			    json_real((double)n->ctick[HL_NET_RETRANSMITS] / el));
	net_metrics(n, m->p, t->metrics, el);
	state__series_push(t->st, "tcp_connections_active", t->now_ms, (double)n->active);
	state__series_push(t->st, "sock_rx_bytes_per_s", t->now_ms,
			   (double)n->ctick[HL_NET_RX_BYTES] / el);
	state__series_push(t->st, "sock_tx_bytes_per_s", t->now_ms,
			   (double)n->ctick[HL_NET_TX_BYTES] / el);
	counters_prom(t->prom, net_rows, sizeof(net_rows) / sizeof(net_rows[0]), &c);
	prom_procs(t->prom, porder, np);
}

static void net_flush(struct pmod *m, struct flush_ctx *f)
{
	struct net_priv *n = m->priv;
	static struct nproc_acc *porder[MAX_NPROCS];
	static struct peer_acc *peorder[MAX_PEERS];
	double iv = f->interval_s > 0 ? f->interval_s : 1;
	json_t *rec, *procs = json_array(), *peers = json_array(), *recent = json_array();
	uint64_t first = n->recent_flushed, opened;
	double dur_max_ms = 0;
	int np, npe;

	if (n->recent_seq - first > RECENT_RECORD)
		first = n->recent_seq - RECENT_RECORD;
	for (uint64_t s = n->recent_seq; s-- > first;)
		json_array_append_new(recent, close_json(m->p, &n->recent[s & (RECENT_N - 1)]));
	n->recent_flushed = n->recent_seq;
	np = sorted_procs(n, porder, true);
	for (int i = 0; i < np; i++) {
		struct nproc_acc *a = porder[i];

		if (i < TOP_N && (a->f_tx || a->f_rx || a->f_conns || a->f_retrans || a->f_rst))
			json_array_append_new(procs,
					      json_pack("{s:i,s:s,s:I,s:I,s:I,s:I,s:I}", "pid",
							(int)a->tgid, "comm", a->comm, "tx_bytes",
							(json_int_t)a->f_tx, "rx_bytes",
							(json_int_t)a->f_rx, "connections_closed",
							(json_int_t)a->f_conns, "retransmits",
							(json_int_t)a->f_retrans, "resets",
							(json_int_t)a->f_rst));
		a->f_tx = a->f_rx = a->f_conns = a->f_retrans = a->f_rst = 0;
	}
	npe = net_peers_sorted(n->peers, peorder, true);
	for (int i = 0; i < npe; i++) {
		if (i < TOP_N && peorder[i]->f_conns)
			json_array_append_new(peers, net_peer_json(peorder[i], true));
		peorder[i]->f_conns = peorder[i]->f_tx = peorder[i]->f_rx = peorder[i]->f_retrans =
			0;
	}
	opened = n->cflush[HL_NET_OPEN_ACTIVE] + n->cflush[HL_NET_OPEN_PASSIVE];
	for (int s = 0; s < HL_LAT_SLOTS; s++)
		if (n->f_dur_hist[s]) /* the top bucket's bound: within 25% above */
			dur_max_ms = (double)lathist_hi((__u32)s) / 1e6;
	rec = record_new("network-metrics", f->source, f->ts_ms);
	if (rec) {
		/* docs/records.md: network-metrics, plus the role split and closes */
		json_object_update_new(
			rec,
			json_pack(
				"{s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:I,s:f,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:o,s:o,s:o}",
				"window_s", f->interval_s, "connections_active",
				(json_int_t)n->active, "connections_opened", (json_int_t)opened,
				"connections_opened_client",
				(json_int_t)n->cflush[HL_NET_OPEN_ACTIVE],
				"connections_opened_server",
				(json_int_t)n->cflush[HL_NET_OPEN_PASSIVE], "connections_closed",
				(json_int_t)n->f_closed, "connections_failed",
				(json_int_t)n->f_failed, "connections_opened_per_s",
				(double)opened / iv, "connections_closed_per_s",
				(double)n->f_closed / iv, "retransmits",
				(json_int_t)n->cflush[HL_NET_RETRANSMITS], "retransmits_per_s",
				(double)n->cflush[HL_NET_RETRANSMITS] / iv, "resets",
				(json_int_t)(n->cflush[HL_NET_RESETS_SENT] +
					     n->cflush[HL_NET_RESETS_RECEIVED]),
				"resets_sent", (json_int_t)n->cflush[HL_NET_RESETS_SENT],
				"resets_received", (json_int_t)n->cflush[HL_NET_RESETS_RECEIVED],
				"tx_bytes", (json_int_t)n->cflush[HL_NET_TX_BYTES], "rx_bytes",
				(json_int_t)n->cflush[HL_NET_RX_BYTES], "tx_bytes_per_s",
				(double)n->cflush[HL_NET_TX_BYTES] / iv, "rx_bytes_per_s",
				(double)n->cflush[HL_NET_RX_BYTES] / iv,
				"connection_duration_avg_ms",
				n->f_dur_n ? (double)n->f_dur_sum_ns / (double)n->f_dur_n / 1e6 :
					     0.0,
				"connection_duration_p50_ms",
				lathist_quantile(n->f_dur_hist, HL_LAT_SLOTS, 0.5) / 1e6,
				"connection_duration_p95_ms",
				lathist_quantile(n->f_dur_hist, HL_LAT_SLOTS, 0.95) / 1e6,
				"connection_duration_p99_ms",
				lathist_quantile(n->f_dur_hist, HL_LAT_SLOTS, 0.99) / 1e6,
				"connection_duration_max_ms", dur_max_ms, "processes", procs,
				"peers", peers, "recent_closes", recent));
		record_batch__add(f->batch, rec);
	} else {
		json_decref(procs);
		json_decref(peers);
		json_decref(recent);
	}
	memset(n->cflush, 0, sizeof(n->cflush));
	memset(n->f_dur_hist, 0, sizeof(n->f_dur_hist));
	n->f_closed = n->f_failed = n->f_dur_sum_ns = n->f_dur_n = 0;
}

const struct pmod_ops pm_net_ops = {
	.name = "net",
	.priv_size = sizeof(struct net_priv),
	.types = { HL_EV_TCP_CLOSE },
	.init = net_init,
	.on_event = net_on_event,
	.tick = net_tick,
	.flush = net_flush,
	.destroy = net_destroy,
};
