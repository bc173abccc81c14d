// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The gate: who may ask what, decided when a request's headers are complete
 * and before any byte of its body is kept. Runs on the web thread; reads
 * only the configuration and the connection it is given.
 *
 * Order of the checks (the first that fails answers):
 *   probes (/healthz, /livez, /readyz)   always answered, any Host, no token
 *   probe-reserve connection             anything else: 503, then close
 *   Host / :authority                    the address the client reached, a
 *                                        loopback name on a loopback listener,
 *                                        the --listen name or web_allowed_hosts;
 *                                        else 421 (DNS rebinding)
 *   dashboard files (GET/HEAD)           public: the page holds no data and
 *                                        asks for the token itself
 *   read role                            auth_token (or admin_token) as
 *                                        "Authorization: Bearer"; open when no
 *                                        auth_token is set; else 401
 *   state changes (POST /api/v1/filters) Origin, when sent, of this server
 *                                        (403); the admin role: admin_token, or
 *                                        with none set a loopback listener
 *                                        (403/401); Content-Type
 *                                        application/json (415); a body of at
 *                                        most 64 KiB (413)
 * Tokens are never taken from the URL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web/web_int.h"
#include "web/assets.h"
#include "user/runtime/log.h"

#define CT_JSON "application/json"

static const char J_AUTH[] = "{\"error\":\"missing or wrong bearer token\"}\n";
static const char J_HOST[] =
	"{\"error\":\"misdirected request: this server does not answer to that Host (see web_allowed_hosts)\"}\n";
static const char J_ORIGIN[] =
	"{\"error\":\"cross-site request refused: the Origin is not this server\"}\n";
static const char J_ADMIN[] = "{\"error\":\"changing state needs the admin token\"}\n";
static const char J_ADMIN_OFF[] =
	"{\"error\":\"state changes are off: no admin_token is set and this listener is not loopback\"}\n";
static const char J_CTYPE[] = "{\"error\":\"state changes need Content-Type: application/json\"}\n";
static const char J_TOO_BIG[] = "{\"error\":\"request body larger than 64 KiB\"}\n";
static const char J_PROBE_ONLY[] =
	"{\"error\":\"server busy: this connection may only ask /healthz, /livez or /readyz\"}\n";

/* Constant-time comparison so a token cannot be guessed byte by byte. */
static bool token_equal(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	unsigned char diff = alen != blen;

	for (size_t i = 0; i < blen; i++)
		diff |= (unsigned char)(i < alen ? a[i] : 0) ^ (unsigned char)b[i];
	return diff == 0;
}

enum web_role web_auth_role(const struct web *w, const char *authz, size_t len)
{
	const char *rd = w->cfg.auth_token, *ad = w->cfg.admin_token;

	if (authz && len > 7 && !strncasecmp(authz, "Bearer ", 7)) {
		const char *v = authz + 7, *end = authz + len;
		bool is_admin, is_read;

		while (v < end && *v == ' ')
			v++;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		/* both compared every time: the answer's timing says nothing */
		is_admin = ad[0] && token_equal(v, (size_t)(end - v), ad);
		is_read = rd[0] && token_equal(v, (size_t)(end - v), rd);
		if (is_admin)
			return WEB_ROLE_ADMIN;
		if (is_read)
			return WEB_ROLE_READ;
	}
	return rd[0] ? WEB_ROLE_NONE : WEB_ROLE_READ;
}

bool web_is_probe(const char *path)
{
	return !strcmp(path, "/healthz") || !strcmp(path, "/livez") || !strcmp(path, "/readyz");
}

static bool is_asset(const char *path)
{
	if (!strcmp(path, "/"))
		return true;
	for (const struct web_asset *a = web_assets; a->path; a++)
		if (!strcmp(a->path, path))
			return true;
	return false;
}

bool web_ctype_is_json(const char *v, size_t len)
{
	return len >= 16 && !strncasecmp(v, "application/json", 16) &&
	       (len == 16 || v[16] == ';' || v[16] == ' ' || v[16] == '\t');
}

bool web_gate_takes_body(const struct web_req *req)
{
	return req->method == WEB_M_POST && !strcmp(req->path, "/api/v1/filters");
}

/*
 * "name", "name:port", "[v6]", "[v6]:port", "v6 without brackets" (only in
 * our own --listen) -> host (no brackets, as given) and port (dflt when
 * absent). false when malformed or too long.
 */
static bool split_hostport(const char *s, char *host, size_t hostlen, int *port, int dflt)
{
	const char *colon, *h = s, *hend;
	size_t n = strlen(s);

	if (!n || n >= hostlen)
		return false;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb)
			return false;
		h = s + 1;
		hend = rb;
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (rb[1] && !colon)
			return false;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			colon = NULL; /* bare IPv6: no port */
		hend = colon ? colon : s + n;
	}
	if (hend == h)
		return false;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	*port = dflt;
	if (colon) {
		char *e;
		long p = strtol(colon + 1, &e, 10);

		if (!colon[1] || *e || p <= 0 || p > 65535)
			return false;
		*port = (int)p;
	}
	for (char *q = host; *q; q++)
		if ((unsigned char)*q <= ' ' || *q == '/' || *q == '@' || *q == '\\')
			return false;
	return true;
}

static bool is_loopback_name(const char *h)
{
	return !strcasecmp(h, "localhost") || !strcmp(h, "127.0.0.1") || !strcmp(h, "::1");
}

/* Is host:port this server by address, listen name or configured name? */
static bool hostport_is_ours(const struct web *w, const struct web_conn *c, const char *h, int port,
			     bool allow_star)
{
	char eh[WEB_MAX_FIELD];
	int ep;

	for (int i = 0; i < w->cfg.n_web_allowed_hosts; i++) {
		const char *e = w->cfg.web_allowed_hosts[i];

		if (!strcmp(e, "*")) {
			if (allow_star)
				return true;
			continue;
		}
		if (!split_hostport(e, eh, sizeof(eh), &ep, -1))
			continue;
		if (!strcasecmp(eh, h) && (ep == -1 || ep == port))
			return true;
	}
	if (c && c->local[0] && split_hostport(c->local, eh, sizeof(eh), &ep, -1)) {
		if (ep == port && !strcasecmp(eh, h))
			return true;
		if (c->local_loopback && ep == port && is_loopback_name(h))
			return true;
	}
	if (w->listen_name[0] && split_hostport(w->listen_name, eh, sizeof(eh), &ep, -1) &&
	    ep == port && !strcasecmp(eh, h))
		return true;
	return false;
}

bool web_host_allowed(const struct web *w, const struct web_conn *c, const char *host)
{
	char h[WEB_MAX_FIELD];
	int port;

	if (!host || !host[0])
		return true; /* no Host: not a browser, so no rebinding */
	if (!split_hostport(host, h, sizeof(h), &port, c && c->tls ? 443 : 80))
		return false;
	return hostport_is_ours(w, c, h, port, true);
}

bool web_origin_allowed(const struct web *w, const struct web_conn *c, const char *host,
			const char *origin)
{
	char oh[WEB_MAX_FIELD], hh[WEB_MAX_FIELD];
	int op, hp;
	const char *auth;

	if (!origin || !origin[0])
		return true; /* not sent: not a browser's cross-site request */
	if (!strncasecmp(origin, "http://", 7)) {
		auth = origin + 7;
		op = 80;
	} else if (!strncasecmp(origin, "https://", 8)) {
		auth = origin + 8;
		op = 443;
	} else {
		return false; /* "null" (sandboxed pages, file://) and anything else */
	}
	if (strchr(auth, '/') || !split_hostport(auth, oh, sizeof(oh), &op, op))
		return false;
	if (host && host[0] && split_hostport(host, hh, sizeof(hh), &hp, c && c->tls ? 443 : 80) &&
	    hp == op && !strcasecmp(hh, oh))
		return true; /* same origin as the Host asked for (checked by now) */
	return hostport_is_ours(w, c, oh, op, false);
}

static void resp_refusal(struct web_resp *r, int status, const char *body, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	r->ctype = CT_JSON;
	r->cache = "no-store";
	r->nseg = 1;
	r->data[0] = body;
	r->len[0] = len;
}

#define REFUSE(w, r, why, status, lit) refuse(w, r, why, status, lit, sizeof(lit) - 1)

static bool refuse(struct web *w, struct web_resp *r, enum web_refusal why, int status,
		   const char *body, size_t len)
{
	w->stats.refused[why]++;
	resp_refusal(r, status, body, len);
	return false;
}

/* Refused state changes and foreign Hosts are logged, one line per 10 s. */
static void log_refusal(struct web *w, const struct web_req *req, const char *why)
{
	int64_t now = clock_mono_ms();

	if (w->refusal_logged_ms && now - w->refusal_logged_ms < 10000) {
		w->refusal_unlogged++;
		return;
	}
	pr_warn("web: refused %s %s from %s (Host '%.64s', Origin '%.64s'): %s%s",
		req->method == WEB_M_POST ? "POST" : "request to", req->path,
		req->c && req->c->peer[0] ? req->c->peer : "?", req->host, req->origin, why,
		w->refusal_unlogged ? " (and earlier refusals not logged)" : "");
	w->refusal_logged_ms = now;
	w->refusal_unlogged = 0;
}

bool web_gate(struct web *w, const struct web_req *req, struct web_resp *r)
{
	const struct web_conn *c = req->c;
	const char *p = req->path;

	if (req->header_too_big || req->bad || !p || p[0] != '/')
		return true; /* web_route answers 431 / 400 */
	if (web_is_probe(p))
		return true;
	if (c && c->probe_only) {
		REFUSE(w, r, WEB_REF_PROBE_ONLY, 503, J_PROBE_ONLY);
		r->close = true;
		return false;
	}
	if (!web_host_allowed(w, c, req->host)) {
		log_refusal(w, req, "Host is not this server (DNS rebinding?)");
		return REFUSE(w, r, WEB_REF_HOST, 421, J_HOST);
	}
	if ((req->method == WEB_M_GET || req->method == WEB_M_HEAD) && is_asset(p))
		return true;
	if (req->role == WEB_ROLE_NONE) {
		REFUSE(w, r, WEB_REF_AUTH, 401, J_AUTH);
		r->auth_challenge = true;
		return false;
	}
	if (!web_gate_takes_body(req))
		return true;

	/* a state change */
	if (!web_origin_allowed(w, c, req->host, req->origin)) {
		log_refusal(w, req, "cross-site Origin");
		return REFUSE(w, r, WEB_REF_ORIGIN, 403, J_ORIGIN);
	}
	if (req->role != WEB_ROLE_ADMIN) {
		if (w->cfg.admin_token[0] && !req->has_auth) {
			REFUSE(w, r, WEB_REF_AUTH, 401, J_AUTH);
			r->auth_challenge = true;
			return false;
		}
		if (w->cfg.admin_token[0]) {
			log_refusal(w, req, "not the admin token");
			return REFUSE(w, r, WEB_REF_ROLE, 403, J_ADMIN);
		}
		if (!c || !c->local_loopback) {
			log_refusal(w, req, "no admin_token set and not on loopback");
			return REFUSE(w, r, WEB_REF_ROLE, 403, J_ADMIN_OFF);
		}
	}
	if (!req->json) {
		log_refusal(w, req, "not Content-Type: application/json");
		return REFUSE(w, r, WEB_REF_CTYPE, 415, J_CTYPE);
	}
	if (req->content_length > WEB_MAX_BODY)
		return REFUSE(w, r, WEB_REF_SIZE, 413, J_TOO_BIG);
	return true;
}
