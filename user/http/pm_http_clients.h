/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The HTTP module's distinct client addresses, for "active users"
 * (pm_http_clients.c). */
#ifndef HOSTLENS_PM_HTTP_CLIENTS_H
#define HOSTLENS_PM_HTTP_CLIENTS_H

#include "user/http/pm_http_priv.h"
#include "bpf/http/http.h"

/* Table type of http_priv.clients (struct client). */
extern const struct table_type http_client_type;

/* Marks the peer of an inbound request as seen at now_ms. */
void http_clients_touch(struct table *clients, const struct ev_http *e, int64_t now_ms);

/* Clients seen at or after since_ms. */
uint64_t http_clients_active(const struct table *clients, int64_t since_ms);

#endif
