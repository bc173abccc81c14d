/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Traffic source of an HTTP request from its Referer and Host headers, and
 * the class of its User-Agent. Pure functions over caller bytes (not
 * NUL-terminated): no allocation, no formatting, safe on the hot path and
 * from any thread. The search engines and social sites are one data table
 * in traffic.c.
 */
#ifndef HOSTLENS_TRAFFIC_H
#define HOSTLENS_TRAFFIC_H

#include <stddef.h>

enum traffic_source {
	TRAFFIC_DIRECT,	  /* no Referer, or one from the same site */
	TRAFFIC_ORGANIC,  /* a search engine */
	TRAFFIC_SOCIAL,	  /* a social network or messenger */
	TRAFFIC_REFERRAL, /* any other site */
	TRAFFIC__N,
};

enum ua_class {
	UA_BROWSER, /* a desktop browser */
	UA_MOBILE,  /* a phone or tablet browser or app */
	UA_BOT,	    /* crawlers, monitors, link previewers */
	UA_CLI,	    /* curl, wget, HTTP libraries */
	UA_UNKNOWN, /* empty or unrecognised */
	UA__N,
};

/*
 * Classifies a request. referer/host may be NULL or empty; host is the
 * request's Host header (a port is ignored). "www." and "m." prefixes are
 * ignored when comparing the referring host with host.
 */
enum traffic_source traffic_classify(const char *referer, size_t referer_len, const char *host,
				     size_t host_len);

/* "direct", "organic", "social", "referral". */
const char *traffic_source_name(enum traffic_source s);

enum ua_class traffic_ua_class(const char *ua, size_t len);

/* "browser", "mobile", "bot", "cli", "unknown". */
const char *traffic_ua_name(enum ua_class c);

#endif
