// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Traffic source and user-agent classification over real-world headers. */
#include <string.h>

#include "tests/unit/check.h"
#include "user/http/traffic.h"

struct rcase {
	const char *referer, *host;
	enum traffic_source want;
};

static const struct rcase rcases[] = {
	/* direct */
	{ NULL, "shop.example.com", TRAFFIC_DIRECT },
	{ "", "shop.example.com", TRAFFIC_DIRECT },
	{ "https://shop.example.com/cart?id=3", "shop.example.com", TRAFFIC_DIRECT },
	{ "https://www.example.com/", "example.com:8443", TRAFFIC_DIRECT },
	{ "http://EXAMPLE.com:8080/a", "www.example.com", TRAFFIC_DIRECT },
	{ "https://m.example.com/a", "example.com", TRAFFIC_DIRECT },
	{ "http://127.0.0.1:9090/dash", "127.0.0.1:9090", TRAFFIC_DIRECT },
	{ "http://[::1]:8080/x", "[::1]:8080", TRAFFIC_DIRECT },
	/* organic */
	{ "https://www.google.com/", "example.com", TRAFFIC_ORGANIC },
	{ "https://www.google.co.uk/search?q=hostlens", "example.com", TRAFFIC_ORGANIC },
	{ "https://www.google.com.br/", "example.com", TRAFFIC_ORGANIC },
	{ "https://google.de/", "example.com", TRAFFIC_ORGANIC },
	{ "https://www.bing.com/search?q=ebpf+agent&form=QBLH", "example.com", TRAFFIC_ORGANIC },
	{ "https://cn.bing.com/", "example.com", TRAFFIC_ORGANIC },
	{ "https://duckduckgo.com/", "example.com", TRAFFIC_ORGANIC },
	{ "https://search.yahoo.com/search?p=x", "example.com", TRAFFIC_ORGANIC },
	{ "https://yandex.ru/search/?text=x", "example.com", TRAFFIC_ORGANIC },
	{ "https://yandex.com.tr/", "example.com", TRAFFIC_ORGANIC },
	{ "https://www.baidu.com/link?url=abc", "example.com", TRAFFIC_ORGANIC },
	{ "https://www.ecosia.org/", "example.com", TRAFFIC_ORGANIC },
	{ "https://search.brave.com/search?q=x", "example.com", TRAFFIC_ORGANIC },
	{ "https://www.startpage.com/", "example.com", TRAFFIC_ORGANIC },
	{ "https://search.naver.com/search.naver?query=x", "example.com", TRAFFIC_ORGANIC },
	{ "android-app://com.google.android.googlequicksearchbox/", "example.com",
	  TRAFFIC_ORGANIC },
	{ "https://kagi.com/search?q=x", "example.com", TRAFFIC_ORGANIC },
	/* social */
	{ "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com", "example.com",
	  TRAFFIC_SOCIAL },
	{ "https://lm.facebook.com/", "example.com", TRAFFIC_SOCIAL },
	{ "https://m.facebook.com/", "example.com", TRAFFIC_SOCIAL },
	{ "https://t.co/AbCdEf123", "example.com", TRAFFIC_SOCIAL },
	{ "https://x.com/someone/status/1", "example.com", TRAFFIC_SOCIAL },
	{ "https://twitter.com/", "example.com", TRAFFIC_SOCIAL },
	{ "https://www.linkedin.com/feed/", "example.com", TRAFFIC_SOCIAL },
	{ "https://lnkd.in/abc", "example.com", TRAFFIC_SOCIAL },
	{ "https://old.reddit.com/r/linux/comments/x/", "example.com", TRAFFIC_SOCIAL },
	{ "https://out.reddit.com/t3_x", "example.com", TRAFFIC_SOCIAL },
	{ "https://www.youtube.com/", "example.com", TRAFFIC_SOCIAL },
	{ "https://news.ycombinator.com/item?id=1", "example.com", TRAFFIC_SOCIAL },
	{ "https://www.instagram.com/", "example.com", TRAFFIC_SOCIAL },
	{ "https://l.instagram.com/?u=x", "example.com", TRAFFIC_SOCIAL },
	{ "https://www.pinterest.co.uk/pin/1/", "example.com", TRAFFIC_SOCIAL },
	{ "https://www.tiktok.com/@x", "example.com", TRAFFIC_SOCIAL },
	{ "https://mastodon.social/@x", "example.com", TRAFFIC_SOCIAL },
	{ "https://bsky.app/profile/x", "example.com", TRAFFIC_SOCIAL },
	{ "https://discord.com/channels/1/2", "example.com", TRAFFIC_SOCIAL },
	{ "https://web.whatsapp.com/", "example.com", TRAFFIC_SOCIAL },
	{ "android-app://com.slack/", "example.com", TRAFFIC_SOCIAL },
	{ "android-app://com.reddit.frontpage", "example.com", TRAFFIC_SOCIAL },
	/* referral */
	{ "https://github.com/iovisor/bcc/issues/1", "example.com", TRAFFIC_REFERRAL },
	{ "https://stackoverflow.com/questions/1", "example.com", TRAFFIC_REFERRAL },
	{ "https://blog.example.com/post", "example.com", TRAFFIC_REFERRAL },
	{ "https://example.com.evil.net/", "example.com", TRAFFIC_REFERRAL },
	{ "https://googleusercontent.com/x", "example.com", TRAFFIC_REFERRAL },
	{ "https://notgoogle.com/", "example.com", TRAFFIC_REFERRAL },
	{ "https://google.example.org/", "example.com", TRAFFIC_REFERRAL },
	{ "https://mybing.com/", "example.com", TRAFFIC_REFERRAL },
	{ "https://tx.co/", "example.com", TRAFFIC_REFERRAL },
	{ "https://en.wikipedia.org/wiki/EBPF", "example.com", TRAFFIC_REFERRAL },
	{ "android-app://com.google.android.gm/", "example.com", TRAFFIC_REFERRAL },
	{ "https://user:pw@partner.io:8443/a", "example.com", TRAFFIC_REFERRAL },
	{ "not a url", "example.com", TRAFFIC_REFERRAL },
	{ "https://www.google.com/", NULL, TRAFFIC_ORGANIC },
	{ "//news.ycombinator.com/", "example.com", TRAFFIC_SOCIAL },
};

static void referers(void)
{
	for (size_t i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		const struct rcase *c = &rcases[i];
		enum traffic_source got = traffic_classify(c->referer,
							   c->referer ? strlen(c->referer) : 0,
							   c->host, c->host ? strlen(c->host) : 0);

		CHECK(got == c->want, "Referer '%s' Host '%s': expected %s, got %s",
		      c->referer ? c->referer : "(none)", c->host ? c->host : "(none)",
		      traffic_source_name(c->want), traffic_source_name(got));
	}
}

/* Header bytes are not NUL-terminated: only len counts. */
static void referer_not_nul_terminated(void)
{
	const char buf[] = "https://t.coXXXX";
	const char host[] = "example.comZZZ";

	CHECK(traffic_classify(buf, 12, host, 11) == TRAFFIC_SOCIAL,
	      "'https://t.co' of a longer buffer is social");
	CHECK(traffic_classify("https://example.com/", 20, host, 11) == TRAFFIC_DIRECT,
	      "Host 'example.com' of a longer buffer matches");
}

struct ucase {
	const char *ua;
	enum ua_class want;
};

static const struct ucase ucases[] = {
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	  UA_BROWSER },
	{ "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
	  UA_BROWSER },
	{ "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", UA_BROWSER },
	{ "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
	  UA_MOBILE },
	{ "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
	  UA_MOBILE },
	{ "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
	  UA_MOBILE },
	{ "Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0 Mobile Safari/537.36",
	  UA_MOBILE },
	{ "MyApp/3.2 CFNetwork/1408.0.4 Darwin/22.5.0", UA_MOBILE },
	{ "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", UA_BOT },
	{ "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	  UA_BOT },
	{ "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", UA_BOT },
	{ "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", UA_BOT },
	{ "Twitterbot/1.0", UA_BOT },
	{ "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", UA_BOT },
	{ "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", UA_BOT },
	{ "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", UA_BOT },
	{ "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", UA_BOT },
	{ "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)",
	  UA_BOT },
	{ "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
	  UA_BOT },
	{ "curl/7.88.1", UA_CLI },
	{ "Wget/1.21.3", UA_CLI },
	{ "python-requests/2.31.0", UA_CLI },
	{ "Go-http-client/1.1", UA_CLI },
	{ "okhttp/4.12.0", UA_CLI },
	{ "axios/1.6.2", UA_CLI },
	{ "PostmanRuntime/7.36.0", UA_CLI },
	{ "HTTPie/3.2.2", UA_CLI },
	{ "Java/17.0.9", UA_CLI },
	{ "nghttp2/1.52.0", UA_CLI },
	{ "", UA_UNKNOWN },
	{ "SomethingElse", UA_UNKNOWN },
};

static void user_agents(void)
{
	for (size_t i = 0; i < sizeof(ucases) / sizeof(ucases[0]); i++) {
		enum ua_class got = traffic_ua_class(ucases[i].ua, strlen(ucases[i].ua));

		CHECK(got == ucases[i].want, "UA '%s': expected %s, got %s", ucases[i].ua,
		      traffic_ua_name(ucases[i].want), traffic_ua_name(got));
	}
}

int main(void)
{
	RUN(referers);
	RUN(referer_not_nul_terminated);
	RUN(user_agents);
	CHECK_DONE();
}
