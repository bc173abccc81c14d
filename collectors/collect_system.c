// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * System collector: identity and uptime of the host.
 * hostname from <proc>/sys/kernel/hostname (the agent's UTS namespace),
 * kernel release from <proc>/sys/kernel/osrelease, distribution from
 * <etc>/os-release (PRETTY_NAME), architecture from uname(2), uptime from
 * <proc>/uptime, boot time from <proc>/stat "btime" (read once), online CPU
 * count from <sys>/devices/system/cpu/online (else the cpuN lines of
 * <proc>/stat), load averages from <proc>/loadavg.
 *
 * Fields: hostname, kernel_release, os_name, os_id, os_version_id, arch,
 * platform ("Linux-<kernel>-<arch>-with-<os_id>-<os_version_id>", as the old
 * pipeline's platform.platform()), uptime_s, boot_time_s, cpu_count,
 * load1, load5, load15.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collectors/coll_priv.h"
#include "collectors/procfile.h"

struct system_priv {
	struct procbuf pb;
	uint64_t btime;
	int stat_cpus;
	bool have_btime;
};

static int system_init(struct collector *c, const struct collector_env *env)
{
	struct system_priv *p = c->priv;

	return procbuf__init(&p->pb, 4096);
}

static void system_destroy(struct collector *c)
{
	struct system_priv *p = c->priv;

	procbuf__free(&p->pb);
}

/* Counts CPUs in a sysfs list such as "0-3,8,10-11". */
static int cpulist_count(const char *s)
{
	int n = 0;

	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b;

		if (end == s)
			break;
		b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		if (b >= a)
			n += (int)(b - a + 1);
		s = end;
		if (*s == ',')
			s++;
		else
			break;
	}
	return n;
}

static void system_read_stat(struct system_priv *p, const char *proc_root)
{
	char *cur, *line;

	if (procbuf__read(&p->pb, proc_root, "stat"))
		return;
	p->stat_cpus = 0;
	cur = p->pb.buf;
	while ((line = procfile_next_line(&cur))) {
		if (!strncmp(line, "cpu", 3) && line[3] >= '0' && line[3] <= '9')
			p->stat_cpus++;
		else if (!strncmp(line, "btime ", 6)) {
			p->btime = strtoull(line + 6, NULL, 10);
			p->have_btime = true;
		}
	}
}

/* Copies the value of KEY= from os-release text into val. */
static void osrel_get(const char *text, const char *key, char *val, size_t cap)
{
	size_t kl = strlen(key);

	for (const char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
		const char *v, *e;
		size_t n;

		if (strncmp(s, key, kl) || s[kl] != '=')
			continue;
		v = s + kl + 1;
		e = strchr(v, '\n');
		if (!e)
			e = v + strlen(v);
		if (e > v && (*v == '"' || *v == '\'') && e[-1] == *v) {
			v++;
			e--;
		}
		n = (size_t)(e - v) < cap - 1 ? (size_t)(e - v) : cap - 1;
		memcpy(val, v, n);
		val[n] = '\0';
		return;
	}
}

static int system_collect(struct collector *c, json_t *out, uint64_t now_ns)
{
	struct system_priv *p = c->priv;
	const struct collector_env *env = c->env;
	char buf[256], kernel[128] = "unknown", osname[128] = "unknown", osid[64] = "linux";
	char osver[64] = "", platform[400];
	struct utsname un;
	ssize_t n;
	int cpus = 0;

	n = procfile_read_small(env->proc_root, "uptime", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	coll_set_real(out, "uptime_s", strtod(buf, NULL));

	if (procfile_read_small(env->proc_root, "sys/kernel/hostname", buf, sizeof(buf)) <= 0 &&
	    gethostname(buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "unknown");
	buf[sizeof(buf) - 1] = '\0';
	json_object_set_new(out, "hostname", json_string(buf));

	if (procfile_read_small(env->proc_root, "sys/kernel/osrelease", kernel, sizeof(kernel)) <=
	    0)
		snprintf(kernel, sizeof(kernel), "unknown");
	json_object_set_new(out, "kernel_release", json_string(kernel));

	if (!procbuf__read(&p->pb, env->etc_root, "os-release")) {
		osrel_get(p->pb.buf, "PRETTY_NAME", osname, sizeof(osname));
		osrel_get(p->pb.buf, "ID", osid, sizeof(osid));
		osrel_get(p->pb.buf, "VERSION_ID", osver, sizeof(osver));
	}
	json_object_set_new(out, "os_name", json_string(osname));
	json_object_set_new(out, "os_id", json_string(osid));
	json_object_set_new(out, "os_version_id", json_string(osver));

	if (uname(&un))
		snprintf(un.machine, sizeof(un.machine), "unknown");
	json_object_set_new(out, "arch", json_string(un.machine));
	snprintf(platform, sizeof(platform), "Linux-%s-%s-with-%s%s%s", kernel, un.machine, osid,
		 *osver ? "-" : "", osver);
	json_object_set_new(out, "platform", json_string(platform));

	if (!p->have_btime || !p->stat_cpus)
		system_read_stat(p, env->proc_root);
	if (p->have_btime)
		coll_set_uint(out, "boot_time_s", p->btime);

	if (procfile_read_small(env->sys_root, "devices/system/cpu/online", buf, sizeof(buf)) > 0)
		cpus = cpulist_count(buf);
	if (!cpus)
		cpus = p->stat_cpus;
	if (cpus)
		coll_set_uint(out, "cpu_count", (uint64_t)cpus);

	if (procfile_read_small(env->proc_root, "loadavg", buf, sizeof(buf)) > 0) {
		double l1 = 0, l5 = 0, l15 = 0;

		if (sscanf(buf, "%lf %lf %lf", &l1, &l5, &l15) == 3) {
			coll_set_real(out, "load1", l1);
			coll_set_real(out, "load5", l5);
			coll_set_real(out, "load15", l15);
		}
	}
	return 0;
}

const struct collector_ops system_collector_ops = {
	.name = "system",
	.priv_size = sizeof(struct system_priv),
	.init = system_init,
	.collect = system_collect,
	.destroy = system_destroy,
};
