/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Leveled logging to stderr: "hostlens: <level>: <module>: message". Thread-safe
 * (one fprintf per line). Not for hot paths. */
#ifndef HOSTLENS_LOG_H
#define HOSTLENS_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level lvl);
/* "error", "warn", "info", "debug"; unknown stays unchanged */
void log_set_level_name(const char *name);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
