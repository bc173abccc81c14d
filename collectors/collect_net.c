// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Network collector: /proc/net/dev per interface, with rates from deltas.
 * Counters that go backwards are handled by counter_delta() (32/64-bit wrap
 * or reset); an interface seen for the first time has counters but no
 * rates until the next tick; one that vanished is forgotten, so a
 * re-created interface of the same name starts afresh.
 *
 * Fields: interfaces: [{interface, rx_bytes, tx_bytes, rx_packets,
 * tx_packets, rx_errors, tx_errors, rx_drops, tx_drops, rx_bytes_per_s,
 * tx_bytes_per_s, rx_packets_per_s, tx_packets_per_s, rx_errors_per_s,
 * tx_errors_per_s}], and host totals over every interface but loopback:
 * net_rx_bytes, net_tx_bytes, net_rx_packets, net_tx_packets,
 * net_rx_errors, net_tx_errors, net_rx_drops, net_tx_drops,
 * net_rx_bytes_per_s, net_tx_bytes_per_s, net_rx_packets_per_s,
 * net_tx_packets_per_s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/coll_priv.h"
#include "collectors/procfile.h"

enum { NI_RXB, NI_RXP, NI_RXE, NI_RXD, NI_TXB, NI_TXP, NI_TXE, NI_TXD, NI_N };

static const char *const ni_names[NI_N] = {
	"rx_bytes", "rx_packets", "rx_errors", "rx_drops",
	"tx_bytes", "tx_packets", "tx_errors", "tx_drops",
};

struct net_if {
	char name[32];
	uint64_t prev[NI_N], cur[NI_N];
	bool have_prev, seen;
};

struct net_priv {
	struct procbuf pb;
	struct net_if *ifs;
	size_t n, cap;
	uint64_t prev_ns;
	bool have_tick;
};

static int net_init(struct collector *c, const struct collector_env *env)
{
	struct net_priv *p = c->priv;

	return procbuf__init(&p->pb, 8192);
}

static void net_destroy(struct collector *c)
{
	struct net_priv *p = c->priv;

	procbuf__free(&p->pb);
	free(p->ifs);
}

static struct net_if *net_if_get(struct net_priv *p, const char *name)
{
	return named_table__get((void **)&p->ifs, &p->n, &p->cap, sizeof(struct net_if), name);
}

static int net_collect(struct collector *c, json_t *out, uint64_t now_ns)
{
	struct net_priv *p = c->priv;
	uint64_t dt = now_ns - p->prev_ns;
	uint64_t tot[NI_N] = { 0 };
	double rate[NI_N] = { 0 };
	char *cur, *line;
	json_t *arr;
	size_t w;
	int err = procbuf__read(&p->pb, c->env->proc_root, "net/dev");

	if (err)
		return err;
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		p->ifs[i].seen = false;
	cur = p->pb.buf;
	while ((line = procfile_next_line(&cur))) {
		unsigned long long v[16];
		char *colon = strchr(line, ':'), *name = line;
		struct net_if *d;
		json_t *o;

		if (!colon)
			continue; /* the two header lines */
		*colon = '\0';
		while (*name == ' ')
			name++;
		if (sscanf(colon + 1,
			   "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
			   &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]) < 12)
			continue;
		d = net_if_get(p, name);
		if (!d)
			continue;
		d->seen = true;
		d->cur[NI_RXB] = v[0];
		d->cur[NI_RXP] = v[1];
		d->cur[NI_RXE] = v[2];
		d->cur[NI_RXD] = v[3];
		d->cur[NI_TXB] = v[8];
		d->cur[NI_TXP] = v[9];
		d->cur[NI_TXE] = v[10];
		d->cur[NI_TXD] = v[11];

		o = json_pack("{s:s}", "interface", d->name);
		if (!o)
			continue;
		for (int k = 0; k < NI_N; k++)
			coll_set_uint(o, ni_names[k], d->cur[k]);
		if (d->have_prev && p->have_tick) {
			double r[NI_N];

			for (int k = 0; k < NI_N; k++)
				r[k] = rate_per_s(counter_delta(d->prev[k], d->cur[k]), dt);
			coll_set_real(o, "rx_bytes_per_s", r[NI_RXB]);
			coll_set_real(o, "tx_bytes_per_s", r[NI_TXB]);
			coll_set_real(o, "rx_packets_per_s", r[NI_RXP]);
			coll_set_real(o, "tx_packets_per_s", r[NI_TXP]);
			coll_set_real(o, "rx_errors_per_s", r[NI_RXE]);
			coll_set_real(o, "tx_errors_per_s", r[NI_TXE]);
			if (strcmp(d->name, "lo"))
				for (int k = 0; k < NI_N; k++)
					rate[k] += r[k];
		}
		if (strcmp(d->name, "lo"))
			for (int k = 0; k < NI_N; k++)
				tot[k] += d->cur[k];
		json_array_append_new(arr, o);
	}
	for (size_t i = w = 0; i < p->n; i++) {
		struct net_if *d = &p->ifs[i];

		if (!d->seen)
			continue;
		memcpy(d->prev, d->cur, sizeof(d->prev));
		d->have_prev = true;
		if (w != i)
			p->ifs[w] = *d;
		w++;
	}
	p->n = w;

	json_object_set_new(out, "interfaces", arr);
	for (int k = 0; k < NI_N; k++) {
		char key[40];

		snprintf(key, sizeof(key), "net_%s", ni_names[k]);
		coll_set_uint(out, key, tot[k]);
	}
	if (p->have_tick) {
		coll_set_real(out, "net_rx_bytes_per_s", rate[NI_RXB]);
		coll_set_real(out, "net_tx_bytes_per_s", rate[NI_TXB]);
		coll_set_real(out, "net_rx_packets_per_s", rate[NI_RXP]);
		coll_set_real(out, "net_tx_packets_per_s", rate[NI_TXP]);
	}
	p->prev_ns = now_ns;
	p->have_tick = true;
	return 0;
}

const struct collector_ops network_collector_ops = {
	.name = "network",
	.priv_size = sizeof(struct net_priv),
	.init = net_init,
	.collect = net_collect,
	.destroy = net_destroy,
};
