// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Referer and User-Agent classification (traffic.h).
 *
 * A referring host matches a table entry when it equals the entry's domain
 * or ends in "." + domain. An entry marked ANY_TLD ("google") matches that
 * label followed by any public-suffix-like tail of one or two short labels
 * (google.com, google.co.uk, google.com.br, google.de). Non-web referers of
 * Android apps ("android-app://com.google.android.googlequicksearchbox/")
 * are looked up by package name in the same table.
 */
#include <stdbool.h>
#include <string.h>

#include "user/http/traffic.h"

#define ANY_TLD 1u

struct traffic_site {
	const char *domain; /* or label with ANY_TLD, or an Android package */
	enum traffic_source source;
	unsigned int flags;
};

/* The one table of known referrers. More specific entries first. */
static const struct traffic_site traffic_sites[] = {
	/* search engines */
	{ "google", TRAFFIC_ORGANIC, ANY_TLD },
	{ "bing.com", TRAFFIC_ORGANIC },
	{ "cn.bing.com", TRAFFIC_ORGANIC },
	{ "search.yahoo.com", TRAFFIC_ORGANIC },
	{ "search.yahoo.co.jp", TRAFFIC_ORGANIC },
	{ "yandex", TRAFFIC_ORGANIC, ANY_TLD },
	{ "ya.ru", TRAFFIC_ORGANIC },
	{ "duckduckgo.com", TRAFFIC_ORGANIC },
	{ "baidu.com", TRAFFIC_ORGANIC },
	{ "ecosia.org", TRAFFIC_ORGANIC },
	{ "search.brave.com", TRAFFIC_ORGANIC },
	{ "startpage.com", TRAFFIC_ORGANIC },
	{ "qwant.com", TRAFFIC_ORGANIC },
	{ "naver.com", TRAFFIC_ORGANIC },
	{ "seznam.cz", TRAFFIC_ORGANIC },
	{ "ask.com", TRAFFIC_ORGANIC },
	{ "search.aol.com", TRAFFIC_ORGANIC },
	{ "sogou.com", TRAFFIC_ORGANIC },
	{ "so.com", TRAFFIC_ORGANIC },
	{ "kagi.com", TRAFFIC_ORGANIC },
	{ "perplexity.ai", TRAFFIC_ORGANIC },
	{ "chatgpt.com", TRAFFIC_ORGANIC },
	{ "com.google.android.googlequicksearchbox", TRAFFIC_ORGANIC },
	{ "com.google.android.gm", TRAFFIC_REFERRAL }, /* Gmail: a link in a mail */
	/* social networks and messengers */
	{ "facebook.com", TRAFFIC_SOCIAL },
	{ "fb.com", TRAFFIC_SOCIAL },
	{ "fb.me", TRAFFIC_SOCIAL },
	{ "messenger.com", TRAFFIC_SOCIAL },
	{ "instagram.com", TRAFFIC_SOCIAL },
	{ "threads.net", TRAFFIC_SOCIAL },
	{ "twitter.com", TRAFFIC_SOCIAL },
	{ "x.com", TRAFFIC_SOCIAL },
	{ "t.co", TRAFFIC_SOCIAL },
	{ "linkedin.com", TRAFFIC_SOCIAL },
	{ "lnkd.in", TRAFFIC_SOCIAL },
	{ "reddit.com", TRAFFIC_SOCIAL },
	{ "redd.it", TRAFFIC_SOCIAL },
	{ "youtube.com", TRAFFIC_SOCIAL },
	{ "youtu.be", TRAFFIC_SOCIAL },
	{ "pinterest", TRAFFIC_SOCIAL, ANY_TLD },
	{ "pin.it", TRAFFIC_SOCIAL },
	{ "tiktok.com", TRAFFIC_SOCIAL },
	{ "snapchat.com", TRAFFIC_SOCIAL },
	{ "tumblr.com", TRAFFIC_SOCIAL },
	{ "news.ycombinator.com", TRAFFIC_SOCIAL },
	{ "quora.com", TRAFFIC_SOCIAL },
	{ "vk.com", TRAFFIC_SOCIAL },
	{ "ok.ru", TRAFFIC_SOCIAL },
	{ "weibo.com", TRAFFIC_SOCIAL },
	{ "t.me", TRAFFIC_SOCIAL },
	{ "telegram.org", TRAFFIC_SOCIAL },
	{ "web.whatsapp.com", TRAFFIC_SOCIAL },
	{ "wa.me", TRAFFIC_SOCIAL },
	{ "discord.com", TRAFFIC_SOCIAL },
	{ "discordapp.com", TRAFFIC_SOCIAL },
	{ "mastodon.social", TRAFFIC_SOCIAL },
	{ "bsky.app", TRAFFIC_SOCIAL },
	{ "slack.com", TRAFFIC_SOCIAL },
	{ "com.facebook.katana", TRAFFIC_SOCIAL },
	{ "com.instagram.android", TRAFFIC_SOCIAL },
	{ "com.twitter.android", TRAFFIC_SOCIAL },
	{ "com.linkedin.android", TRAFFIC_SOCIAL },
	{ "com.reddit.frontpage", TRAFFIC_SOCIAL },
	{ "org.telegram.messenger", TRAFFIC_SOCIAL },
	{ "com.slack", TRAFFIC_SOCIAL },
};

#define N_SITES (sizeof(traffic_sites) / sizeof(traffic_sites[0]))

static inline char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool ieq(const char *a, size_t al, const char *b, size_t bl)
{
	if (al != bl)
		return false;
	for (size_t i = 0; i < al; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* Does the host (len hl) end with ".dom" or equal dom? */
static bool host_has_domain(const char *h, size_t hl, const char *dom, size_t dl)
{
	if (hl < dl || !ieq(h + hl - dl, dl, dom, dl))
		return false;
	return hl == dl || h[hl - dl - 1] == '.';
}

/* Is t (len tl) a public-suffix-like tail: one or two labels of 2-3 letters
 * ("com", "de", "co.uk", "com.br")? */
static bool tld_like(const char *t, size_t tl)
{
	size_t labels = 0, run = 0;

	if (!tl)
		return false;
	for (size_t i = 0; i <= tl; i++) {
		if (i == tl || t[i] == '.') {
			if (run < 2 || run > 3)
				return false;
			labels++;
			run = 0;
		} else {
			run++;
		}
	}
	return labels <= 2;
}

/* Does label appear in the host as a whole label followed by a TLD tail? */
static bool host_has_label_any_tld(const char *h, size_t hl, const char *label, size_t ll)
{
	for (size_t i = 0; i + ll < hl; i++) {
		if ((i == 0 || h[i - 1] == '.') && h[i + ll] == '.' && ieq(h + i, ll, label, ll) &&
		    tld_like(h + i + ll + 1, hl - i - ll - 1))
			return true;
	}
	return false;
}

static const struct traffic_site *site_lookup(const char *h, size_t hl)
{
	for (size_t i = 0; i < N_SITES; i++) {
		const struct traffic_site *s = &traffic_sites[i];
		size_t dl = strlen(s->domain);

		if (s->flags & ANY_TLD ? host_has_label_any_tld(h, hl, s->domain, dl) :
					 host_has_domain(h, hl, s->domain, dl))
			return s;
	}
	return NULL;
}

/* Strips "www." / "m." and a trailing dot. */
static void host_norm(const char **h, size_t *hl)
{
	if (*hl > 4 && ieq(*h, 4, "www.", 4)) {
		*h += 4;
		*hl -= 4;
	} else if (*hl > 2 && ieq(*h, 2, "m.", 2)) {
		*h += 2;
		*hl -= 2;
	}
	if (*hl && (*h)[*hl - 1] == '.')
		(*hl)--;
}

/* Host part of a Host header value: no port, IPv6 brackets kept. */
static size_t host_len_noport(const char *h, size_t hl)
{
	if (hl && h[0] == '[') {
		const char *e = memchr(h, ']', hl);

		return e ? (size_t)(e - h) + 1 : hl;
	}
	for (size_t i = 0; i < hl; i++)
		if (h[i] == ':')
			return i;
	return hl;
}

enum traffic_source traffic_classify(const char *ref, size_t rl, const char *host, size_t hl)
{
	const char *rh, *p, *end;
	size_t rhl, scheme_len = 0;
	const struct traffic_site *s;

	if (!ref)
		return TRAFFIC_DIRECT;
	while (rl && (*ref == ' ' || *ref == '\t')) {
		ref++;
		rl--;
	}
	while (rl && (ref[rl - 1] == ' ' || ref[rl - 1] == '\t' || ref[rl - 1] == '\r'))
		rl--;
	if (!rl)
		return TRAFFIC_DIRECT;
	end = ref + rl;
	/* scheme://authority/... ; anything else is not a usable origin */
	for (p = ref; p < end && *p != ':' && *p != '/'; p++)
		;
	if (p + 2 < end && p[0] == ':' && p[1] == '/' && p[2] == '/') {
		scheme_len = (size_t)(p - ref);
		p += 3;
	} else if (rl >= 2 && ref[0] == '/' && ref[1] == '/') {
		p = ref + 2; /* scheme-relative */
	} else {
		return TRAFFIC_REFERRAL;
	}
	rh = p;
	while (p < end && *p != '/' && *p != '?' && *p != '#')
		p++;
	rhl = (size_t)(p - rh);
	{ /* drop userinfo */
		const char *at = memchr(rh, '@', rhl);

		if (at) {
			rhl -= (size_t)(at + 1 - rh);
			rh = at + 1;
		}
	}
	rhl = host_len_noport(rh, rhl);
	if (!rhl)
		return TRAFFIC_DIRECT;

	if (scheme_len && ieq(ref, scheme_len, "android-app", 11)) {
		s = site_lookup(rh, rhl);
		return s ? s->source : TRAFFIC_REFERRAL;
	}
	if (host && hl) {
		const char *h = host;
		size_t l = host_len_noport(host, hl);
		const char *r = rh;
		size_t rl2 = rhl;

		host_norm(&h, &l);
		host_norm(&r, &rl2);
		if (ieq(h, l, r, rl2))
			return TRAFFIC_DIRECT;
	}
	s = site_lookup(rh, rhl);
	return s ? s->source : TRAFFIC_REFERRAL;
}

const char *traffic_source_name(enum traffic_source s)
{
	static const char *const names[TRAFFIC__N] = { "direct", "organic", "social", "referral" };

	return s < TRAFFIC__N ? names[s] : "referral";
}

/* Case-insensitive substring search in (s, n). */
static bool icontains(const char *s, size_t n, const char *needle)
{
	size_t nl = strlen(needle);

	for (size_t i = 0; i + nl <= n; i++)
		if (ieq(s + i, nl, needle, nl))
			return true;
	return false;
}

static bool istarts(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && ieq(s, pl, prefix, pl);
}

/* Substrings that mark a crawler, monitor or link previewer. */
static const char *const ua_bot_marks[] = {
	/* "bot" only at a word end, so a phone named "CUBOT X19" is not one */
	"bot/",
	"bot;",
	"bot)",
	"bot-",
	"bot_",
	"+http",
	"crawl",
	"spider",
	"slurp",
	"slackbot",
	"facebookexternalhit",
	"mediapartners",
	"lighthouse",
	"headlesschrome",
	"pingdom",
	"scrapy",
	"feedfetcher",
	"ia_archiver",
	"phantomjs",
	NULL,
};

/* Prefixes of command-line tools and HTTP libraries. */
static const char *const ua_cli_prefixes[] = {
	"curl/",
	"wget/",
	"python-requests/",
	"python-urllib/",
	"python-httpx/",
	"aiohttp/",
	"go-http-client/",
	"node-fetch",
	"axios/",
	"undici",
	"okhttp/",
	"java/",
	"apache-httpclient/",
	"libwww-perl/",
	"httpie/",
	"postmanruntime/",
	"insomnia/",
	"ruby",
	"php/",
	"guzzlehttp/",
	"rest-client/",
	"dart:io",
	"k6/",
	"wrk",
	"ab/",
	"apachebench/",
	"hey/",
	"nghttp2/",
	"h2load",
	"grpc-",
	NULL,
};

enum ua_class traffic_ua_class(const char *ua, size_t n)
{
	if (!ua)
		return UA_UNKNOWN;
	while (n && *ua == ' ') {
		ua++;
		n--;
	}
	if (!n)
		return UA_UNKNOWN;
	for (int i = 0; ua_bot_marks[i]; i++)
		if (icontains(ua, n, ua_bot_marks[i]))
			return UA_BOT;
	for (int i = 0; ua_cli_prefixes[i]; i++)
		if (istarts(ua, n, ua_cli_prefixes[i]))
			return UA_CLI;
	if (icontains(ua, n, "mobile") || icontains(ua, n, "android") ||
	    icontains(ua, n, "iphone") || icontains(ua, n, "ipad") || icontains(ua, n, "ipod") ||
	    icontains(ua, n, "windows phone") || icontains(ua, n, "cfnetwork"))
		return UA_MOBILE;
	if (istarts(ua, n, "mozilla/") || istarts(ua, n, "opera/"))
		return UA_BROWSER;
	return UA_UNKNOWN;
}

const char *traffic_ua_name(enum ua_class c)
{
	static const char *const names[UA__N] = { "browser", "mobile", "bot", "cli", "unknown" };

	return c < UA__N ? names[c] : "unknown";
}
