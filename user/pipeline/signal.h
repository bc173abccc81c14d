/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The signals: one row each in signals.c, read by the loader (what to open
 * and which knobs to set), the processor (which module folds its events,
 * which topics exist before it ticks, which full maps to name), the config
 * (--signals: names and defaults), the agent (the ready line) and the web
 * server (/api/v1/<topic>).
 *
 * A signal is a folder on each side: bpf/<signal>/ (programs, maps, the
 * header shared with user space) and user/<signal>/ (this row with its
 * loader part, its processor module, its parsers). Its row is defined in
 * the folder (user/<signal>/<signal>_signal.c); signals.c lists it.
 *
 * Signals whose programs share kernel hooks share one BPF object (net and
 * http: bpf/sock/sock.bpf.c, one program per socket hook). Their rows name
 * the same `object` and the same open(); each row's knobs() sets its own
 * load-time constants on it, and programs named `<prog_prefix>...` are not
 * loaded while the signal is off.
 */
#ifndef HOSTLENS_SIGNAL_H
#define HOSTLENS_SIGNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "bpf/common/events.h"

struct bpf_object;
struct bpf_map;
struct config;
struct loader_opts;
struct pmod_ops;

/* A topic a signal publishes, and what it holds before the first tick (or
 * while the signal is off): JSON text, or built from the config. */
struct signal_topic {
	const char *name;
	const char *placeholder;
	json_t *(*placeholder_of)(const struct config *cfg); /* when placeholder is NULL */
};

/* A map whose full-map drops (enum hl_drop) are counted: the name reported
 * and what sizes it; the map itself comes from signal.drop_map(). */
struct signal_drop {
	enum hl_drop reason;
	const char *name;
	const char *sized_by;
};

struct signal {
	const char *name;
	bool default_on; /* in the default --signals list */
	/* BPF: opens the skeleton (not loaded), sets the object's common knobs;
	 * returns it and its bpf_object, NULL with errno on failure */
	void *(*open)(const struct loader_opts *o, struct bpf_object **obj);
	void (*destroy)(void *skel);
	const char *object; /* rows naming the same object share one load */
	/* this signal's load-time constants on the opened skeleton; on: whether
	 * the signal is in --signals (a shared object is opened for all) */
	void (*knobs)(void *skel, const struct loader_opts *o, bool on);
	const char *prog_prefix;	   /* its programs in a shared object */
	const struct pmod_ops *pmod;	   /* the processor module */
	const struct signal_topic *topics; /* {NULL} terminated */
	const struct signal_drop *drops;   /* {.name = NULL} terminated */
	/* the map behind drop reason r (skel: this signal's skeleton) */
	struct bpf_map *(*drop_map)(void *skel, enum hl_drop r);
};

/* The table (signals.c), NULL terminated. */
extern const struct signal *const signals[];

/* The row named name, or NULL. */
const struct signal *signal_find(const char *name);
/* The row of full-map drop reason r (its signal in *owner when not NULL),
 * or NULL. */
const struct signal_drop *signal_drop_find(enum hl_drop r, const struct signal **owner);
/* "cpu,disk,net,http": the rows on by default, comma separated. */
const char *signals_default_list(void);
/* "cpu, disk, net, http": every name, for messages. */
const char *signals_names_list(void);

#endif
