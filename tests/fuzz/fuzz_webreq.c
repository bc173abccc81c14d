// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libFuzzer target: the web server's request handling. A real struct web
 * (web__new on a loopback port that is never accepted on, real routes, a
 * state with a few published topics) gets one in-process connection per
 * input: a libevent bufferevent pair; the peer end writes the fuzz bytes, in pieces whose sizes the first byte chooses, and handed to the
 * real entry point, web_conn_dispatch (HTTP/1.1, or HTTP/2 after its
 * preface: the choice server.c makes, through the protocol's ops).
 * The connection is then closed with web_conn_close, which frees h2
 * sessions and streams: ASan/UBSan and the leak checker see every path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <event2/bufferevent.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "web/web_int.h"

static struct web *w;
static struct state *st;

static int set_filters(void *ctx, json_t *body, char *err, size_t errlen)
{
	(void)ctx;
	if (!json_is_object(body)) {
		snprintf(err, errlen, "not an object");
		return -EINVAL;
	}
	return 0;
}

static void setup(void)
{
	static const struct web_hooks hooks = { .set_filters = set_filters };
	struct config cfg;
	char err[256];

	config_defaults(&cfg);
	snprintf(cfg.listen, sizeof(cfg.listen), "127.0.0.1:0");
	if (getenv("FUZZ_WEB_TOKEN"))
		snprintf(cfg.auth_token, sizeof(cfg.auth_token), "%s", getenv("FUZZ_WEB_TOKEN"));
	st = state__new();
	if (!st)
		abort();
	state__publish(st, "stats",
		       json_pack("{s:i,s:[i,i]}", "events_total", 1, "kernel_drops_per_cpu", 0, 0));
	state__publish(st, "processes", json_pack("[{s:i,s:s}]", "pid", 1, "comm", "init"));
	state__publish_text(st, "metrics", "hostlens_up 1\n", 14);
	state__push_update(st, json_pack("{s:s}", "topic", "stats"));
	w = web__new(&cfg, st, &hooks, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "fuzz_webreq: %s\n", err);
		abort();
	}
}

static int feed(struct web_conn *c)
{
	if (c->closing)
		return 0;
	return web_conn_dispatch(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bufferevent *pair[2];
	struct web_conn *c;
	size_t off, piece;

	if (!w)
		setup();
	if (size < 1)
		return 0;
	piece = data[0] ? data[0] * 4u : size;
	data++, size--;
	if (bufferevent_pair_new(w->base, 0, pair))
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->w = w;
	c->bev = pair[0];
	web_conn_add(w, c);
	bufferevent_enable(pair[0], EV_READ | EV_WRITE);
	bufferevent_enable(pair[1], EV_READ | EV_WRITE);
	for (off = 0; off < size; off += piece) {
		size_t n = size - off < piece ? size - off : piece;

		/* the peer writes; the pair moves the bytes to the conn's input */
		bufferevent_write(pair[1], data + off, n);
		if (feed(c))
			break;
		/* the peer reads what was answered; reading resumes */
		if (getenv("FUZZ_WEB_DEBUG")) /* show the answers when run on one file */
			evbuffer_write(bufferevent_get_input(pair[1]), 2);
		evbuffer_drain(bufferevent_get_output(c->bev),
			       evbuffer_get_length(bufferevent_get_output(c->bev)));
		evbuffer_drain(bufferevent_get_input(pair[1]),
			       evbuffer_get_length(bufferevent_get_input(pair[1])));
		if (c->read_paused) {
			c->read_paused = false;
			bufferevent_enable(c->bev, EV_READ);
		}
		if (c->ops == &web_h1_ops) /* a live stream frames its updates */
			c->ops->tick(c);   /* (h2's tick may close c: not here) */
	}
	web_conn_close(c); /* frees pair[0] */
	bufferevent_free(pair[1]);
	/* libevent finishes freeing bufferevents in the loop (deferred
	 * finalizers): run it once, or every input's pair stays allocated
	 * (~7 KB each: 2 GB after 200k inputs, an out-of-memory stop) */
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	return 0;
}
