// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Collector registry: the one static table of host collectors, built
 * together, run in table order into one vm-metrics object. A collector that
 * reports -ENOENT (its source is absent) is disabled and logged once.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/coll_priv.h"
#include "user/runtime/log.h"

static const struct collector_ops *const collector_table[] = {
	&cpu_collector_ops,	&memory_collector_ops, &disk_collector_ops,
	&network_collector_ops, &system_collector_ops,
};

#define N_COLLECTORS (sizeof(collector_table) / sizeof(collector_table[0]))

struct collectors {
	struct collector c[N_COLLECTORS];
	size_t n;
};

void collector_log(const struct collector *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_warn("collector %s: %s", c->ops->name, msg);
}

void coll_set_real(json_t *obj, const char *key, double v)
{
	if (!isfinite(v))
		v = 0;
	json_object_set_new(obj, key, json_real(round(v * 1000.0) / 1000.0));
}

void coll_set_uint(json_t *obj, const char *key, uint64_t v)
{
	json_object_set_new(obj, key, json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v));
}

static void collector_disable(struct collector *c, int err)
{
	c->disabled = true;
	collector_log(c, "source missing (%s), disabled", strerror(-err));
}

struct collectors *collectors__new(const struct collector_env *env)
{
	struct collectors *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return NULL;
	for (size_t i = 0; i < N_COLLECTORS; i++) {
		struct collector *c = &cs->c[i];
		int err;

		c->ops = collector_table[i];
		c->env = env;
		c->priv = calloc(1, c->ops->priv_size ? c->ops->priv_size : 1);
		if (!c->priv) {
			errno = ENOMEM;
			goto err_free;
		}
		cs->n = i + 1;
		err = c->ops->init ? c->ops->init(c, env) : 0;
		if (err == -ENOENT) {
			collector_disable(c, err);
		} else if (err) {
			errno = -err;
			goto err_free;
		}
	}
	return cs;

err_free : {
	int saved = errno ? errno : ENOMEM;

	collectors__free(cs);
	errno = saved;
}
	return NULL;
}

int collectors__collect(struct collectors *cs, json_t *out, uint64_t now_ns)
{
	int ran = 0;

	for (size_t i = 0; i < cs->n; i++) {
		struct collector *c = &cs->c[i];
		int err;

		if (c->disabled)
			continue;
		err = c->ops->collect(c, out, now_ns);
		if (err == -ENOENT) {
			collector_disable(c, err);
			continue;
		}
		if (err && err != -EAGAIN && err != c->last_err)
			collector_log(c, "collect: %s", strerror(-err));
		c->last_err = err;
		if (!err)
			ran++;
	}
	return ran;
}

int collectors__collect_cb(void *ctx, json_t *out, uint64_t now_ns)
{
	return collectors__collect(ctx, out, now_ns);
}

bool collectors__enabled(const struct collectors *cs, const char *name)
{
	for (size_t i = 0; i < cs->n; i++)
		if (!strcmp(cs->c[i].ops->name, name))
			return !cs->c[i].disabled;
	return false;
}

void collectors__free(struct collectors *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->n; i++) {
		struct collector *c = &cs->c[i];

		if (c->priv && c->ops->destroy)
			c->ops->destroy(c);
		free(c->priv);
	}
	free(cs);
}
