// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The connection bookkeeping both wire protocols (http1.c, h2.c) and the
 * listener (server.c) use: the monotonic clock, the list in order of
 * progress, per-client counts, output backpressure, request body budgets,
 * and closing (the protocol's own state through its ops). Below the
 * protocols: nothing here calls http1.c, h2.c or server.c. Web thread only
 * (web_int.h).
 */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "web/web_int.h"
#include "user/lib/table.h"

static void conn_link_tail(struct web *w, struct web_conn *c)
{
	c->next = NULL;
	c->prev = w->conns_tail;
	if (w->conns_tail)
		w->conns_tail->next = c;
	else
		w->conns = c;
	w->conns_tail = c;
}

static void conn_unlink(struct web *w, struct web_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		w->conns_tail = c->prev;
	c->prev = c->next = NULL;
}

void web_conn_progress(struct web_conn *c)
{
	struct web *w = c->w;

	c->progress_ms = clock_mono_ms();
	if (w->conns_tail != c) { /* keep the list in order of progress */
		conn_unlink(w, c);
		conn_link_tail(w, c);
	}
}

void web_conn_add(struct web *w, struct web_conn *c)
{
	w->stats.conns++;
	conn_link_tail(w, c);
	c->accepted_ms = c->progress_ms = clock_mono_ms();
}

/* --- client addresses ----------------------------------------------------- */

static void client_key(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
}

static unsigned client_bucket(const uint8_t key[16])
{
	return hash_bytes(HASH_FNV_INIT, key, 16) % WEB_CLIENT_BUCKETS;
}

struct web_client *web_client_get(struct web *w, const struct sockaddr *sa)
{
	uint8_t key[16];
	unsigned b;

	struct web_client *cl;

	client_key(sa, key);
	b = client_bucket(key);
	for (cl = w->clients[b]; cl; cl = cl->next)
		if (!memcmp(cl->addr, key, 16))
			return cl;
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return NULL;
	memcpy(cl->addr, key, 16);
	cl->next = w->clients[b];
	w->clients[b] = cl;
	return cl;
}

void web_client_put(struct web *w, struct web_client *cl)
{
	struct web_client **pp;

	if (cl->conns > 0)
		return;
	for (pp = &w->clients[client_bucket(cl->addr)]; *pp; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			free(cl);
			return;
		}
	}
}

/* --- connection lifetime --------------------------------------------------- */

void web_conn_close(struct web_conn *c)
{
	struct web *w = c->w;

	conn_unlink(w, c);
	if (c->ops)
		c->ops->free(c);
	web_body_release(c, c->body_reserved);
	if (c->probe_only)
		w->stats.probe_conns--;
	if (c->client) {
		if (c->client->probe == c)
			c->client->probe = NULL;
		c->client->conns--;
		web_client_put(w, c->client);
	}
	if (c->bev)
		bufferevent_free(c->bev);
	w->stats.conns--;
	free(c);
}

void web_conn_finish(struct web_conn *c)
{
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
}

void web_conn_backpressure(struct web_conn *c)
{
	if (!c->read_paused &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) >= WEB_OUT_HIGH) {
		bufferevent_disable(c->bev, EV_READ);
		c->read_paused = true;
	}
}

int web_body_reserve(struct web_conn *c, size_t n)
{
	struct web *w = c->w;

	if (c->body_reserved + n > w->cfg.web_conn_body_budget ||
	    w->stats.body_bytes + n > w->cfg.web_body_budget)
		return -EBUSY;
	c->body_reserved += n;
	w->stats.body_bytes += n;
	if (w->stats.body_bytes > w->stats.body_peak)
		w->stats.body_peak = w->stats.body_bytes;
	return 0;
}

void web_body_release(struct web_conn *c, size_t n)
{
	if (n > c->body_reserved)
		n = c->body_reserved;
	c->body_reserved -= n;
	c->w->stats.body_bytes -= n;
}
