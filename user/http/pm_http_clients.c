// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Distinct client addresses (pm_http_clients.h): CLIENT_SLOTS in 16-slot
 * windows, the least recently seen replaced when a window is full. */
#include <string.h>

#include "user/http/pm_http_clients.h"
#include "bpf/http/http.h"

/* Two words of the address, not a byte at a time: once per served request. */
static uint32_t client_hash(const void *key)
{
	const struct client_key *k = key;
	uint64_t a, b;

	memcpy(&a, k->addr, sizeof(a));
	memcpy(&b, k->addr + 8, sizeof(b));
	return (uint32_t)hash_mix64(a ^ hash_mix64(b ^ k->family));
}

static bool client_match(const void *entry, const void *key)
{
	const struct client *c = entry;
	const struct client_key *k = key;
	uint64_t a[2], b[2];

	memcpy(a, c->addr, sizeof(a));
	memcpy(b, k->addr, sizeof(b));
	return a[0] == b[0] && a[1] == b[1] && c->family == k->family;
}

static bool client_older(const void *a, const void *b)
{
	return ((const struct client *)a)->last_ms < ((const struct client *)b)->last_ms;
}

/* A full window replaces its least recently seen client. */
const struct table_type http_client_type = {
	.entry_size = sizeof(struct client),
	.key_offset = offsetof(struct client, addr),
	.key_size = sizeof(struct client_key),
	.probe = 16,
	.hash = client_hash,
	.match = client_match,
	.evict = true,
	.evict_before = client_older,
};

void http_clients_touch(struct table *clients, const struct ev_http *e, int64_t now_ms)
{
	struct client_key k = { .family = e->family };
	struct client *c;

	memcpy(k.addr, e->peer_addr, sizeof(k.addr));
	c = table__insert(clients, &k, NULL);
	c->last_ms = now_ms;
}

uint64_t http_clients_active(const struct table *clients, int64_t since_ms)
{
	uint64_t n = 0;

	for (const struct client *c = NULL; (c = table__next(clients, c));)
		n += c->last_ms >= since_ms;
	return n;
}
