// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The network module's peers: closed connections by remote address and
 * service port (the ephemeral port folded away), bounded. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "user/net/pm_net_peers.h"

struct peer_key {
	uint16_t family, port;
	uint8_t addr[16];
};

static uint32_t peer_hash(const void *key)
{
	const struct peer_key *k = key;
	uint32_t h = hash_bytes(HASH_FNV_INIT, k->addr, 16);

	return (h ^ k->family ^ ((uint32_t)k->port << 16)) * 16777619u;
}

static const struct table_type peer_type = {
	.entry_size = sizeof(struct peer_acc),
	.key_offset = offsetof(struct peer_acc, family),
	.key_size = sizeof(struct peer_key),
	.probe = 64,
	.hash = peer_hash,
};

struct table *net_peers_new(unsigned int slots)
{
	return table__new(&peer_type, slots);
}

void net_addr_str(uint16_t family, const uint8_t *addr, char *out, size_t len)
{
	if (!inet_ntop(family == 10 ? AF_INET6 : AF_INET, addr, out, (socklen_t)len))
		snprintf(out, len, "?");
}

struct peer_acc *net_peer_get(struct table *peers, uint64_t *dropped, uint16_t family,
			      const uint8_t *addr, uint16_t port)
{
	struct peer_key k = { .family = family, .port = port };
	struct peer_acc *a;

	memcpy(k.addr, addr, sizeof(k.addr));
	a = table__insert(peers, &k, NULL);
	if (!a)
		(*dropped)++;
	return a;
}

static int cmp_peer(const void *x, const void *y)
{
	const struct peer_acc *a = *(const struct peer_acc *const *)x;
	const struct peer_acc *b = *(const struct peer_acc *const *)y;
	uint64_t ta = a->tx_bytes + a->rx_bytes, tb = b->tx_bytes + b->rx_bytes;

	if (ta == tb)
		return a->conns < b->conns ? 1 : a->conns > b->conns ? -1 : 0;
	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

static int cmp_peer_flush(const void *x, const void *y)
{
	const struct peer_acc *a = *(const struct peer_acc *const *)x;
	const struct peer_acc *b = *(const struct peer_acc *const *)y;
	uint64_t ta = a->f_tx + a->f_rx, tb = b->f_tx + b->f_rx;

	if (ta == tb)
		return a->f_conns < b->f_conns ? 1 : a->f_conns > b->f_conns ? -1 : 0;
	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

json_t *net_peer_json(const struct peer_acc *a, bool flush)
{
	char s[INET6_ADDRSTRLEN];

	net_addr_str(a->family, a->addr, s, sizeof(s));
	return json_pack("{s:s,s:i,s:s,s:I,s:I,s:I,s:I}", "addr", s, "port", (int)a->port, "family",
			 a->family == 10 ? "ipv6" : "ipv4", "connections",
			 (json_int_t)(flush ? a->f_conns : a->conns), "tx_bytes",
			 (json_int_t)(flush ? a->f_tx : a->tx_bytes), "rx_bytes",
			 (json_int_t)(flush ? a->f_rx : a->rx_bytes), "retransmits",
			 (json_int_t)(flush ? a->f_retrans : a->retrans));
}

int net_peers_sorted(struct table *peers, struct peer_acc **order, bool flush)
{
	int k = 0;

	for (struct peer_acc *a = NULL; (a = table__next(peers, a));)
		order[k++] = a;
	qsort(order, (size_t)k, sizeof(order[0]), flush ? cmp_peer_flush : cmp_peer);
	return k;
}
