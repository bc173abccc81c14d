/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The fleet view's host table: at most max hosts (the freshest kept, the
 * others counted), each with its newest vm-metrics and webapp-metrics values
 * (projected, routes cut to FLEET_HOST_ROUTES), its firing alerts and when it
 * was last seen; and the documents made from it (/api/v1/fleet/hosts,
 * /api/v1/fleet/routes, /metrics lines). Owned by the fleet reader thread;
 * not locked.
 */
#ifndef HOSTLENS_FLEET_HOSTS_H
#define HOSTLENS_FLEET_HOSTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#define FLEET_HOST_ROUTES 10 /* slowest served routes kept per host */
#define FLEET_HOST_ALERTS 10 /* firing alerts kept per host */
#define FLEET_SK 64

enum fleet_kind { FLEET_VM, FLEET_WEB, FLEET_ALERT, FLEET_KINDS };

extern const char *const fleet_kind_type[FLEET_KINDS]; /* record type of each kind */

struct fleet_host {
	char source[256];
	char address[256];		  /* the agent's dashboard, "" when unknown */
	int64_t last_seen_ms;		  /* newest of registry last_seen and records; 0: never */
	bool registry;			  /* listed by its registry item */
	bool configured;		  /* named in --fleet-sources */
	bool listed;			  /* the registry listed it in this refresh */
	char want[FLEET_KINDS][FLEET_SK]; /* newest sort key per the registry */
	char have[FLEET_KINDS][FLEET_SK]; /* the one read */
	json_t *vm, *web;		  /* newest items, plain JSON, projected */
	json_t *alerts;			  /* firing alerts, array */
};

struct fleet_hosts {
	struct fleet_host *h;
	size_t n, max;
	uint64_t dropped_total; /* hosts left out for the cap, summed over refreshes */
	size_t dropped_now;	/* ... in the last registry read */
};

/* 0 or -ENOMEM. */
int fleet_hosts_init(struct fleet_hosts *hs, size_t max);
void fleet_hosts_fini(struct fleet_hosts *hs);

struct fleet_host *fleet_hosts_find(struct fleet_hosts *hs, const char *source);

/* Does a --fleet-sources list (comma separated, blanks before a name
 * skipped, empty names not counted) fit a table of max hosts? 0, or -EINVAL
 * with err saying it does not. */
int fleet_sources_check(const char *list, size_t max, char *err, size_t errlen);

/* The sources a --fleet-sources list names become the configured hosts (no
 * registry item needed; at the cap one goes before the host seen longest
 * ago, counted in dropped_total); hosts configured before and not named stay
 * as ordinary ones (kept while seen within the window). -EINVAL with err set
 * when the list does not fit (fleet_sources_check; nothing changed). */
int fleet_hosts_configure(struct fleet_hosts *hs, const char *list, char *err, size_t errlen);

/* Adds a configured source (no registry item needed), in place of the host
 * seen longest ago at the cap. NULL when every host is configured. */
struct fleet_host *fleet_hosts_add_configured(struct fleet_hosts *hs, const char *source);

/* Takes one registry item (plain JSON): a host seen within window_ms of now
 * is added or updated (the freshest kept at the cap, the rest counted).
 * Returns the host or NULL (not listed, malformed or over the cap). */
struct fleet_host *fleet_hosts_registry(struct fleet_hosts *hs, json_t *item, int64_t now_ms,
					int64_t window_ms);

/* Forgets hosts not seen within window_ms (configured sources stay). */
void fleet_hosts_expire(struct fleet_hosts *hs, int64_t now_ms, int64_t window_ms);

/* The newest item of a kind (plain JSON, borrowed) with its sort key. */
void fleet_host_set(struct fleet_host *h, enum fleet_kind k, json_t *item, const char *sk);

/* The firing alerts (steals arr). */
void fleet_host_set_alerts(struct fleet_host *h, json_t *arr);

/* {"hosts": [...], "totals": {...}} (new reference); status is added as
 * "status" (borrowed). */
json_t *fleet_hosts_doc(const struct fleet_hosts *hs, int64_t now_ms, int64_t stale_ms,
			json_t *status);

/* {"routes": [...]}: the max slowest served routes across hosts by p95. */
json_t *fleet_routes_doc(const struct fleet_hosts *hs, size_t max);

/* Per-host gauges in Prometheus text. */
void fleet_hosts_prom(const struct fleet_hosts *hs, FILE *f, int64_t now_ms, int64_t stale_ms);

#endif
