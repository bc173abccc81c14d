// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Webhook channel (notify_int.h): POST to alert_webhook, either the alert
 * record itself as JSON (alert_webhook_format: json) or {"text": ...} for
 * Slack-compatible incoming webhooks (slack). 2xx is delivered; a
 * connection error, a timeout, 408, 429 or 5xx is worth retrying; any other
 * status is a refusal. The URL's path and query (a Slack webhook's secret)
 * never reach the log: messages name the origin only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/notify/notify_fmt.h"
#include "user/notify/notify_int.h"

#define WEBHOOK_TIMEOUT_MS 5000

struct webhook_priv {
	char url[CFG_STR];
	char origin[CFG_STR];
	bool slack;
	CURL *curl;
};

static bool webhook_wanted(const struct config *cfg)
{
	return cfg->alert_webhook[0] != '\0';
}

static int webhook_init(struct notify_chan *ch, const struct config *cfg)
{
	struct webhook_priv *w = ch->priv;

	snprintf(w->url, sizeof(w->url), "%s", cfg->alert_webhook);
	notify_url_origin(w->url, w->origin, sizeof(w->origin));
	w->slack = !strcmp(cfg->alert_webhook_format, "slack");
	w->curl = curl_easy_init();
	return w->curl ? 0 : -ENOMEM;
}

static int webhook_send(struct notify_chan *ch, const struct notify_msg *m, char *err,
			size_t errlen)
{
	struct webhook_priv *w = ch->priv;
	struct curl_slist *hdr;
	char *body = w->slack ? notify_slack(m->subject, m->text) : NULL;
	long status = 0;
	CURLcode rc;

	if (w->slack && !body) {
		snprintf(err, errlen, "out of memory");
		return -EAGAIN;
	}
	hdr = curl_slist_append(NULL, "Content-Type: application/json");
	if (!hdr) {
		free(body);
		snprintf(err, errlen, "out of memory");
		return -EAGAIN;
	}
	curl_easy_reset(w->curl);
	notify_curl_setup(ch, w->curl, WEBHOOK_TIMEOUT_MS);
	curl_easy_setopt(w->curl, CURLOPT_URL, w->url);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body ? body : m->record);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, hdr);
	rc = curl_easy_perform(w->curl);
	curl_slist_free_all(hdr);
	free(body);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", w->origin, curl_easy_strerror(rc));
		return -EAGAIN;
	}
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300)
		return 0;
	snprintf(err, errlen, "%s: HTTP %ld", w->origin, status);
	if (status == 408 || status == 429 || status >= 500)
		return -EAGAIN;
	return -EPROTO;
}

static void webhook_destroy(struct notify_chan *ch)
{
	struct webhook_priv *w = ch->priv;

	if (w && w->curl)
		curl_easy_cleanup(w->curl);
}

const struct notify_chan_ops webhook_notify_ops = {
	.name = "webhook",
	.priv_size = sizeof(struct webhook_priv),
	.wanted = webhook_wanted,
	.init = webhook_init,
	.send = webhook_send,
	.destroy = webhook_destroy,
};
