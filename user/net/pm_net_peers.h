/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The network module's peers (pm_net_peers.c), kept by pm_net.c. */
#ifndef HOSTLENS_PM_NET_PEERS_H
#define HOSTLENS_PM_NET_PEERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "user/lib/table.h"

/* A remote address and the service port of the connection (the server's). */
struct peer_acc {
	uint16_t family, port; /* the key: these three (struct peer_key) */
	uint8_t addr[16];
	uint64_t conns, tx_bytes, rx_bytes, failed, retrans; /* since start */
	uint64_t f_conns, f_tx, f_rx, f_retrans;	     /* since the last flush */
	uint32_t t_conns, t_failed, t_retrans;		     /* since the last tick */
	bool client; /* this host opened connections to it: a server */
	uint64_t last_ns;
};

/* A table of struct peer_acc with slots entries. */
struct table *net_peers_new(unsigned int slots);
/* The peer of (family, addr, port), created; NULL (counted in *dropped) when full. */
struct peer_acc *net_peer_get(struct table *peers, uint64_t *dropped, uint16_t family,
			      const uint8_t *addr, uint16_t port);
/* Every peer into order, most bytes first (since start, or since the last flush). */
int net_peers_sorted(struct table *peers, struct peer_acc **order, bool flush);
/* {"addr","port","family","connections","tx_bytes","rx_bytes","retransmits"} */
json_t *net_peer_json(const struct peer_acc *a, bool flush);
/* An address as text (AF_INET6 when family is 10, else AF_INET). */
void net_addr_str(uint16_t family, const uint8_t *addr, char *out, size_t len);

#endif
