// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * YAML config file: a top-level mapping whose keys mirror the flags. Parsed
 * with libyaml's document API so every error can name the file and line.
 * The reader knows YAML only: each key goes, as (key, value, line), to the
 * function the option table's owner passed in; `alerts` is read here.
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "user/pipeline/alert_rules.h"
#include "user/runtime/config_file.h"

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Keys compare as the option table does: case-blind, '-' same as '_'. */
static bool same_key(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = *a == '-' ? '_' : (char)tolower((unsigned char)*a);
		char cb = *b == '-' ? '_' : (char)tolower((unsigned char)*b);

		if (ca != cb)
			return false;
	}
	return *a == *b;
}

/* `scope: route` (fan out) or `scope: {route: "GET /api/orders"}` into a. */
static int parse_scope(struct alert_rule *a, yaml_document_t *doc, yaml_node_t *vn,
		       const char *path, char *err, size_t errlen)
{
	size_t line = vn->start_mark.line + 1;
	yaml_node_pair_t *p;
	const char *k, *v;

	if (vn->type == YAML_SCALAR_NODE) {
		v = scalar(vn);
		if (strlen(v) >= sizeof(a->scope))
			goto bad;
		snprintf(a->scope, sizeof(a->scope), "%s", v);
		return 0;
	}
	if (vn->type != YAML_MAPPING_NODE)
		goto bad;
	p = vn->data.mapping.pairs.start;
	if (vn->data.mapping.pairs.top - p != 1)
		goto bad;
	k = scalar(yaml_document_get_node(doc, p->key));
	v = scalar(yaml_document_get_node(doc, p->value));
	if (!k || !v || !*v || strlen(k) >= sizeof(a->scope))
		goto bad;
	if (strlen(v) >= sizeof(a->scope_value)) {
		snprintf(err, errlen,
			 "%s:%zu: key 'alerts.scope': the value is longer than %zu characters",
			 path, line, sizeof(a->scope_value) - 1);
		return -EINVAL;
	}
	snprintf(a->scope, sizeof(a->scope), "%s", k);
	snprintf(a->scope_value, sizeof(a->scope_value), "%s", v);
	return 0;
bad:
	snprintf(
		err, errlen,
		"%s:%zu: key 'alerts.scope': give a scope (route) to fan out, or one scope and its value ({route: \"GET /api/orders\"})",
		path, line);
	return -EINVAL;
}

/* Where a rule's checked fields are, for alert_rule_check's verdict. */
struct rule_lines {
	size_t metric, scope, agg, window;
};

/* One scalar field k: v of a rule into a. -ENOENT: not a rule field (the
 * caller says so); -EINVAL with err set: a bad value. */
static int parse_rule_field(struct alert_rule *a, const char *k, const char *v, size_t line,
			    struct rule_lines *at, const char *path, char *err, size_t errlen)
{
	char *end, e[384];

	if (!strcmp(k, "name")) {
		if (strlen(v) >= sizeof(a->name)) {
			snprintf(err, errlen,
				 "%s:%zu: key 'alerts.name': longer than %zu characters", path,
				 line, sizeof(a->name) - 1);
			return -EINVAL;
		}
		snprintf(a->name, sizeof(a->name), "%s", v);
	} else if (!strcmp(k, "metric")) {
		at->metric = line;
		snprintf(a->metric, sizeof(a->metric), "%s", v);
	} else if (!strcmp(k, "op")) {
		if (!strcmp(v, ">"))
			a->cmp = ALERT_GT;
		else if (!strcmp(v, ">="))
			a->cmp = ALERT_GE;
		else if (!strcmp(v, "<"))
			a->cmp = ALERT_LT;
		else if (!strcmp(v, "<="))
			a->cmp = ALERT_LE;
		else {
			snprintf(err, errlen,
				 "%s:%zu: key 'alerts.op': '%s' is not >, >=, < or <=", path, line,
				 v);
			return -EINVAL;
		}
	} else if (!strcmp(k, "threshold")) {
		a->threshold = strtod(v, &end);
		if (end == v || *end) {
			snprintf(err, errlen,
				 "%s:%zu: key 'alerts.threshold': '%s' is not a number", path, line,
				 v);
			return -EINVAL;
		}
		/* nan compares false with everything (the rule could never
		 * fire), inf always or never: strtod takes both, and 1e999
		 * (out of range) as inf */
		if (!isfinite(a->threshold)) {
			snprintf(err, errlen,
				 "%s:%zu: key 'alerts.threshold': '%s' is not a finite number",
				 path, line, v);
			return -EINVAL;
		}
	} else if (!strcmp(k, "for") || !strcmp(k, "window")) {
		long sec = strtol(v, &end, 10);
		bool window = k[0] == 'w';

		if (end == v || (*end && strcmp(end, "s")) || sec < (window ? 1 : 0) ||
		    sec > 86400) {
			snprintf(err, errlen,
				 "%s:%zu: key 'alerts.%s': '%s' is not seconds (%d-86400)", path,
				 line, k, v, window ? 1 : 0);
			return -EINVAL;
		}
		if (window) {
			at->window = line;
			a->window_s = (int)sec;
		} else {
			a->for_s = (int)sec;
		}
	} else if (!strcmp(k, "aggregate")) {
		at->agg = line;
		if (alert_agg_parse(v, &a->agg, e, sizeof(e))) {
			snprintf(err, errlen, "%s:%zu: key 'alerts.aggregate': %s", path, line, e);
			return -EINVAL;
		}
	} else if (!strcmp(k, "severity")) {
		if (strcmp(v, "info") && strcmp(v, "warning") && strcmp(v, "critical")) {
			snprintf(
				err, errlen,
				"%s:%zu: key 'alerts.severity': '%s' is not info, warning or critical",
				path, line, v);
			return -EINVAL;
		}
		snprintf(a->severity, sizeof(a->severity), "%s", v);
	} else {
		return -ENOENT;
	}
	return 0;
}

/* A whole rule, once its fields are in: required fields, a unique name, and
 * the names against the metric catalog (a rule that could never fire is
 * refused), each error on the line of the field at fault. */
static int check_rule(const struct config *cfg, const struct alert_rule *a, size_t line,
		      const struct rule_lines *at, const char *path, char *err, size_t errlen)
{
	const char *field;
	char e[384];

	if (!a->metric[0] || !a->name[0]) {
		snprintf(err, errlen, "%s:%zu: key 'alerts': a rule needs name and metric", path,
			 line);
		return -EINVAL;
	}
	for (int i = 0; i < cfg->n_alerts; i++)
		if (!strcmp(cfg->alerts[i].name, a->name)) {
			snprintf(err, errlen, "%s:%zu: key 'alerts.name': rule '%s' given twice",
				 path, line, a->name);
			return -EINVAL;
		}
	if (alert_rule_check(a, &field, e, sizeof(e))) {
		size_t l = !strcmp(field, "scope") && at->scope	  ? at->scope :
			   !strcmp(field, "aggregate") && at->agg ? at->agg :
			   !strcmp(field, "window") && at->window ? at->window :
			   !strcmp(field, "window") && at->agg	  ? at->agg :
								    at->metric;

		snprintf(err, errlen, "%s:%zu: key 'alerts.%s': rule '%s': %s", path, l, field,
			 a->name, e);
		return -EINVAL;
	}
	return 0;
}

static int parse_alert(struct config *cfg, yaml_document_t *doc, yaml_node_t *m, const char *path,
		       char *err, size_t errlen)
{
	size_t line = m->start_mark.line + 1;
	struct rule_lines at = { .metric = line };
	struct alert_rule *a;
	yaml_node_pair_t *p;
	int ret;

	if (m->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen, "%s:%zu: key 'alerts': each rule must be a mapping", path,
			 line);
		return -EINVAL;
	}
	if (cfg->n_alerts == CFG_MAX_ALERTS) {
		snprintf(err, errlen, "%s:%zu: key 'alerts': more than %d rules", path, line,
			 CFG_MAX_ALERTS);
		return -EINVAL;
	}
	a = &cfg->alerts[cfg->n_alerts];
	memset(a, 0, sizeof(*a));
	snprintf(a->severity, sizeof(a->severity), "warning");
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(doc, p->value);
		const char *k = scalar(kn), *v = scalar(vn);
		size_t vline = vn ? vn->start_mark.line + 1 : 0;

		if (k && vn && !strcmp(k, "scope")) {
			at.scope = vline;
			if (parse_scope(a, doc, vn, path, err, errlen))
				return -EINVAL;
			continue;
		}
		if (!k || !v) {
			snprintf(err, errlen, "%s:%zu: key 'alerts': rule fields must be scalars",
				 path, vline);
			return -EINVAL;
		}
		ret = parse_rule_field(a, k, v, vline, &at, path, err, errlen);
		if (ret == -ENOENT)
			snprintf(err, errlen, "%s:%zu: key 'alerts.%s': unknown rule field", path,
				 kn->start_mark.line + 1, k);
		if (ret)
			return -EINVAL;
	}
	ret = check_rule(cfg, a, line, &at, path, err, errlen);
	if (!ret)
		cfg->n_alerts++;
	return ret;
}

/* `alerts:` (nothing: no rules) or a sequence of rules, which replace the built-in ones. */
static int read_alerts(struct config *cfg, yaml_document_t *doc, yaml_node_t *vn, size_t line,
		       const char *path, char *err, size_t errlen)
{
	yaml_node_item_t *it;
	int ret;

	if (vn->type == YAML_SCALAR_NODE && !vn->data.scalar.length &&
	    vn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		/* "alerts:" with nothing after it: no rules */
		cfg->n_alerts = 0;
		cfg->alerts_set = true;
		return 0;
	}
	if (vn->type != YAML_SEQUENCE_NODE) {
		snprintf(err, errlen, "%s:%zu: key 'alerts': must be a list of rules", path, line);
		return -EINVAL;
	}
	cfg->n_alerts = 0;
	cfg->alerts_set = true;
	for (it = vn->data.sequence.items.start; it < vn->data.sequence.items.top; it++) {
		ret = parse_alert(cfg, doc, yaml_document_get_node(doc, *it), path, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/* Hands e to the owner; its complaint comes back as "FILE:LINE: key 'K': problem". */
static int emit(config_file_entry_fn *on_entry, void *ctx, const struct config_file_entry *e,
		const char *path, char *err, size_t errlen)
{
	char why[384];

	if (!on_entry(ctx, e, why, sizeof(why)))
		return 0;
	snprintf(err, errlen, "%s:%zu: key '%s': %s", path, e->line, e->key, why);
	return -EINVAL;
}

/* One option key: its value as one entry, or a list entry followed by one per item. */
static int read_option(yaml_document_t *doc, const char *k, yaml_node_t *vn, size_t line,
		       config_file_entry_fn *on_entry, void *ctx, const char *path, char *err,
		       size_t errlen)
{
	struct config_file_entry e = { .key = k, .line = line };
	yaml_node_item_t *it;
	int ret;

	if (vn->type == YAML_SCALAR_NODE) {
		e.kind = CONFIG_FILE_SCALAR;
		e.value = scalar(vn);
		return emit(on_entry, ctx, &e, path, err, errlen);
	}
	if (vn->type != YAML_SEQUENCE_NODE) {
		e.kind = CONFIG_FILE_MAPPING;
		return emit(on_entry, ctx, &e, path, err, errlen);
	}
	e.kind = CONFIG_FILE_LIST;
	ret = emit(on_entry, ctx, &e, path, err, errlen);
	for (it = vn->data.sequence.items.start; !ret && it < vn->data.sequence.items.top; it++) {
		yaml_node_t *in = yaml_document_get_node(doc, *it);

		e.kind = CONFIG_FILE_ITEM;
		e.value = scalar(in);
		e.line = in ? in->start_mark.line + 1 : line;
		if (!e.value) {
			snprintf(err, errlen, "%s:%zu: key '%s': list items must be scalars", path,
				 e.line, k);
			return -EINVAL;
		}
		ret = emit(on_entry, ctx, &e, path, err, errlen);
	}
	return ret;
}

/* A key given twice is a mistake, not "last one wins" (data-dir and data_dir
 * are the same key): checks p against the pairs before it. */
static int check_twice(yaml_document_t *doc, yaml_node_t *root, yaml_node_pair_t *p, const char *k,
		       size_t line, const char *path, char *err, size_t errlen)
{
	for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < p; q++) {
		const char *pk = scalar(yaml_document_get_node(doc, q->key));

		if (pk && same_key(pk, k)) {
			snprintf(err, errlen, "%s:%zu: key '%s': given twice (first on line %zu)",
				 path, line, k,
				 yaml_document_get_node(doc, q->key)->start_mark.line + 1);
			return -EINVAL;
		}
	}
	return 0;
}

/* The top-level mapping, key by key. */
static int read_root(struct config *cfg, yaml_document_t *doc, yaml_node_t *root,
		     config_file_entry_fn *on_entry, void *ctx, const char *path, char *err,
		     size_t errlen)
{
	yaml_node_pair_t *p;
	int ret = 0;

	if (root->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen, "%s:%zu: the file must be a mapping of option: value", path,
			 root->start_mark.line + 1);
		return -EINVAL;
	}
	for (p = root->data.mapping.pairs.start; !ret && p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(doc, p->value);
		const char *k = scalar(kn);
		size_t line = kn ? kn->start_mark.line + 1 : 0;

		if (!k) {
			snprintf(err, errlen, "%s:%zu: keys must be plain names", path, line);
			return -EINVAL;
		}
		ret = check_twice(doc, root, p, k, line, path, err, errlen);
		if (ret)
			break;
		if (!strcmp(k, "alerts"))
			ret = read_alerts(cfg, doc, vn, line, path, err, errlen);
		else
			ret = read_option(doc, k, vn, line, on_entry, ctx, path, err, errlen);
	}
	return ret;
}

int config_file_load(struct config *cfg, const char *path, config_file_entry_fn *on_entry,
		     void *ctx, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	FILE *f;
	int ret = 0;

	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot read config file: %s", path, strerror(errno));
		return ret;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		if (parser.context)
			snprintf(err, errlen, "%s:%zu: YAML error: %s (%s on line %zu)", path,
				 parser.problem_mark.line + 1,
				 parser.problem ? parser.problem : "unknown", parser.context,
				 parser.context_mark.line + 1);
		else
			snprintf(err, errlen, "%s:%zu: YAML error: %s", path,
				 parser.problem_mark.line + 1,
				 parser.problem ? parser.problem : "unknown");
		ret = -EINVAL;
		goto out_parser;
	}
	root = yaml_document_get_root_node(&doc);
	if (root) /* an empty file has nothing to apply */
		ret = read_root(cfg, &doc, root, on_entry, ctx, path, err, errlen);
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	fclose(f);
	return ret;
}
