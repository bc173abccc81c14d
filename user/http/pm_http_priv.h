/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The HTTP processor module's state, shared by its files: pm_http.c (event
 * intake, tick, ops), pm_http_routes.c (route table, Prometheus rows),
 * pm_http_bd.c (latency breakdown), pm_http_clients.c (active users) and
 * pm_http_flush.c (webapp-metrics records). Processor thread only.
 */
#ifndef HOSTLENS_PM_HTTP_PRIV_H
#define HOSTLENS_PM_HTTP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "user/http/breakdown.h"
#include "user/lib/hist.h"
#include "user/http/http_intern.h"
#include "user/http/httpparse.h"
#include "user/pipeline/processor.h"
#include "user/lib/table.h"
#include "user/lib/utf8.h"
#include "user/http/traffic.h"
#include "bpf/http/http.h"
#include "sock.skel.h"

#define RECENT_MAX 200	       /* "requests" topic */
#define ROUTE_SLOTS 2048       /* route table (power of 2) */
#define PROC_SLOTS 4096	       /* per-process route counts (power of 2) */
#define CLIENT_SLOTS 8192      /* distinct client addresses (power of 2) */
#define IDLE_SCAN_MS 250       /* idle plaintext responses looked for this often (http_idle) */
#define INTERN_SLOTS 1024      /* distinct request heads kept parsed (http_intern.h) */
#define WIN_S 10	       /* summary window, seconds */
#define ACTIVE_WINDOW_MS 60000 /* a client is "active" this long after a request */
#define ROUTE_IDLE_MS (10 * 60 * 1000)
/* a route of a process that exited leaves once flushed and idle this long,
 * looked at again every as long while idle (a short-lived client: each
 * curl is a new pid) */
#define ROUTE_GONE_MS (30 * 1000)
#define PROM_TOP 50			  /* routes with their own Prometheus labels */
#define ROUTES_TOP 100			  /* rows in the "routes" topic */
#define BD_ROUTES 128			  /* inbound routes with part histograms */
#define BD_SLOWEST 20			  /* "slowest" rows of the breakdown topic */
#define BD_SLOW_WINDOW_MS (5 * 60 * 1000) /* "recent" for the slowest list */
#define BD_PROM_TOP 20			  /* routes in hostlens_http_request_part_seconds */
#define HTTP_PROM_N_LE 12		  /* buckets of hostlens_http_request_duration_seconds */

struct route_acc {
	uint8_t dir; /* the key: dir, tgid, method, route */
	uint32_t tgid;
	char method[HTTP_METHOD_MAX];
	char route[HTTP_ROUTE_MAX];
	uint64_t total, errors, client_errors;
	uint64_t by_class[6];		  /* [status / 100], 0 = no status */
	uint64_t tick_n, last_tick_n;	  /* requests in the current / previous tick */
	uint64_t tick_err5, tick_err4;	  /* of them 5xx, 4xx (alert metrics) */
	double tick_lat_ms;		  /* their latency, summed */
	uint64_t prom_le[HTTP_PROM_N_LE]; /* requests in (le[b - 1], le[b]]: one add each */
	double prom_sum_s;
	/* latency (ms): a request adds to flush (this flush window) only;
	 * since start is before + flush (http_route_all) */
	struct hist before;
	struct hist flush;
	uint64_t flush_errors, flush_errors4;
	int64_t last_ms;
	int64_t gone_check_ms; /* when its process was last found alive, idle */
	uint16_t bd;	       /* 1 + index into http_priv.bd, 0: none */
};

/* Part histograms of one inbound route (ms), since start and since the flush. */
struct bd_acc {
	bool used;
	uint64_t n, approx; /* requests with a breakdown, of them approximate */
	uint64_t flush_n, flush_approx;
	/* a request adds to flush (this flush window) only; since start is
	 * before + flush, merged when read (bd_all) and at each flush */
	struct hist before[BD_NPARTS];
	struct hist flush[BD_NPARTS];
};

struct proc_routes {
	uint32_t tgid; /* the key */
	uint32_t n;    /* distinct routes kept for this process */
};

struct req_rec {
	int64_t ts_ms;
	uint32_t tgid;
	char comm[UTF8_COMM_SIZE]; /* the process's name then (a pid is reused) */
	uint8_t dir, tls;
	uint16_t status;
	double latency_ms;
	uint64_t bytes_in, bytes_out;
	char method[HTTP_METHOD_MAX];
	char path[HTTP_PATH_MAX];
	char route[HTTP_ROUTE_MAX];
	uint8_t peer_addr[16]; /* formatted at tick time, not per event */
	uint16_t peer_port;
	uint8_t family;
	uint8_t ua; /* enum ua_class */
	uint8_t end_by;
	bool has_bd;
	uint32_t tid;
	uint64_t io_bytes;
	struct breakdown bd;
};

struct win_slot {
	int64_t sec;
	uint64_t n, err5, err4;
	struct hist h;
};

struct client {
	uint8_t addr[16]; /* the key: addr, family (struct client_key) */
	uint8_t family;
	int64_t last_ms;
};

struct client_key {
	uint8_t addr[16];
	uint8_t family;
};

struct http_priv {
	const struct config *cfg;
	struct sock_bpf *skel;		     /* NULL: no loader (unit tests) */
	struct redact *redact;		     /* path minimization (user/http/redact.h) */
	struct http_intern *intern;	     /* heads parsed before (http_intern.h) */
	struct http_intern_stats head_cache; /* its counters, as of the last tick */
	bool shared;			     /* holds a reference on sock_shared.h */
	int stats_fd;
	int pending_fd;	       /* plaintext responses in flight (per-CPU) */
	int64_t *pending_vals; /* its slots x CPUs, read in one batch (pending_old) */
	uint64_t idle_scan_ns; /* next run of the idle iterator (http_fold) */
	uint64_t idle_walks;   /* runs of it */
	int ncpu;
	uint64_t bpf_stats[HL_HTTP_ST_MAX];
	struct table *routes; /* struct route_acc, ROUTE_SLOTS */
	struct table *procs;  /* struct proc_routes by tgid, PROC_SLOTS */
	uint64_t routes_dropped;
	uint32_t routes_gen; /* bumped when a row leaves: route memos (http_intern.h) expire */
	struct req_rec recent[RECENT_MAX];
	uint32_t recent_head, recent_n;
	uint32_t recent_new; /* added since the last tick */
	bool recent_published;
	struct win_slot win[WIN_S];
	struct table *clients; /* struct client, CLIENT_SLOTS, oldest evicted */
	/* totals */
	uint64_t requests_total, inbound_total, outbound_total, tls_total, unparsed_total;
	uint64_t bad_events;			     /* failed validation: dropped */
	uint64_t tick_inbound, tick_err5, tick_err4; /* served this tick */
	double tick_lat_ms;
	/* since the last flush (inbound: the served app) */
	struct hist flush_h;
	uint64_t flush_n, flush_err5, flush_err4;
	uint64_t flush_bytes_in, flush_bytes_out;
	uint64_t flush_sources[TRAFFIC__N];
	uint64_t flush_ua[UA__N];
	int64_t flush_start_ms;
	unsigned int ticks;
	/* latency breakdown */
	struct bd_acc *bd;		  /* BD_ROUTES */
	struct hist bd_merged[BD_NPARTS]; /* bd_all's answer */
	struct hist route_merged;	  /* http_route_all's answer */
	struct req_rec slowest[BD_SLOWEST];
	uint32_t slowest_n;
	double slowest_floor_ms;  /* a full list: the fastest entry's latency */
	int64_t slowest_until_ms; /* ... and when its oldest entry leaves the window */
	uint64_t bd_total, bd_approx_total, bd_routes_full;
};

/* A quantile in ms, 0 for an empty histogram (records carry numbers). */
static inline double http_hist_q(const struct hist *h, double q)
{
	return hist__count(h) ? hist__quantile(h, q) : 0;
}

static inline const char *http_dir_name(uint8_t d)
{
	return d == HL_HTTP_INBOUND ? "inbound" : "outbound";
}

#endif
