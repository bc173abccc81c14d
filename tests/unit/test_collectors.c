// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Host collectors against the live /proc (values cross-checked with
 * syscalls and real workloads: a CPU burner pinned to one core, loopback
 * traffic, a synced file write) and against fixture trees
 * (tests/fixtures/proc-*: no swap, 128 CPUs, counter wrap and reset,
 * vanished interface, appearing device, offline CPU, nothing at all).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "collectors/collector.h"
#include "collectors/procfile.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const struct collector_env live_env = { "/proc", "/sys", "/etc" };

/* A fixture replay: env pointing at tests/fixtures/<name>/t<tick>. */
struct fixture {
	char proc[512], sys[512], etc[512];
	struct collector_env env;
	const char *name;
};

static void fixture_tick(struct fixture *f, int tick)
{
	const char *top = getenv("TOP") ? getenv("TOP") : ".";

	snprintf(f->proc, sizeof(f->proc), "%s/tests/fixtures/%s/t%d/proc", top, f->name, tick);
	snprintf(f->sys, sizeof(f->sys), "%s/tests/fixtures/%s/t%d/sys", top, f->name, tick);
	snprintf(f->etc, sizeof(f->etc), "%s/tests/fixtures/%s/t%d/etc", top, f->name, tick);
	f->env.proc_root = f->proc;
	f->env.sys_root = f->sys;
	f->env.etc_root = f->etc;
}

static double num(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static json_t *find_by(const json_t *arr, const char *key, const char *val)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o) {
		const char *s = json_string_value(json_object_get(o, key));

		if (s && !strcmp(s, val))
			return o;
	}
	return NULL;
}

static json_t *core(const json_t *out, int cpu)
{
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(out, "cpu_cores"), i, o)
		if (json_integer_value(json_object_get(o, "cpu")) == cpu)
			return o;
	return NULL;
}

#define NEAR(a, b) (fabs((a) - (b)) < 1e-6 * (fabs(b) + 1))

/* ---- live /proc ---------------------------------------------------------- */

static void live_identity_and_memory(void)
{
	struct collectors *cs = collectors__new(&live_env);
	json_t *a = json_object(), *b = json_object();
	struct sysinfo si;
	char host[256] = "";
	int ran;

	CHECK(cs, "collectors__new: %s", strerror(errno));
	if (!cs)
		goto out;
	ran = collectors__collect_cb(cs, a, mono_ns()); /* the processor's entry point */
	usleep(200000);
	collectors__collect(cs, b, mono_ns());
	sysinfo(&si);
	gethostname(host, sizeof(host));
	CHECK(ran == 5, "expected all 5 collectors to run on the live /proc, %d ran", ran);
	CHECK(!strcmp(json_string_value(json_object_get(b, "hostname")) ?: "", host),
	      "hostname: expected %s, got %s", host,
	      json_string_value(json_object_get(b, "hostname")));
	CHECK(num(b, "memory_total_bytes") == (double)si.totalram * si.mem_unit,
	      "memory_total_bytes: expected %.0f (sysinfo), got %.0f",
	      (double)si.totalram * si.mem_unit, num(b, "memory_total_bytes"));
	CHECK(NEAR(num(b, "swap_total_bytes"), (double)si.totalswap * si.mem_unit),
	      "swap_total_bytes: expected %.0f, got %.0f", (double)si.totalswap * si.mem_unit,
	      num(b, "swap_total_bytes"));
	CHECK(num(b, "memory_used_pct") > 0 && num(b, "memory_used_pct") < 100,
	      "memory_used_pct in (0,100), got %f", num(b, "memory_used_pct"));
	CHECK(num(b, "cpu_count") == sysconf(_SC_NPROCESSORS_ONLN),
	      "cpu_count: expected %ld, got %f", sysconf(_SC_NPROCESSORS_ONLN),
	      num(b, "cpu_count"));
	CHECK(fabs(num(b, "uptime_s") - (double)si.uptime) < 5, "uptime_s: expected ~%ld, got %f",
	      si.uptime, num(b, "uptime_s"));
	CHECK((long)json_array_size(json_object_get(b, "cpu_cores")) ==
		      sysconf(_SC_NPROCESSORS_ONLN),
	      "cpu_cores: expected %ld entries, got %zu", sysconf(_SC_NPROCESSORS_ONLN),
	      json_array_size(json_object_get(b, "cpu_cores")));
	CHECK(!json_object_get(a, "cpu_usage_pct"), "first tick is the baseline: no cpu_usage_pct");
	CHECK(num(b, "cpu_usage_pct") >= 0 && num(b, "cpu_usage_pct") <= 100,
	      "cpu_usage_pct in [0,100] on the second tick, got %f", num(b, "cpu_usage_pct"));
	CHECK(json_is_number(json_object_get(b, "cpu_freq_mhz")) ||
		      !strcmp(json_string_value(json_object_get(b, "cpu_freq_mhz")) ?: "",
			      "unknown"),
	      "cpu_freq_mhz is a number or \"unknown\"");
	CHECK(strstr(json_string_value(json_object_get(b, "platform")) ?: "", "Linux-"),
	      "platform starts with Linux-, got %s",
	      json_string_value(json_object_get(b, "platform")));
out:
	json_decref(a);
	json_decref(b);
	collectors__free(cs);
}

static void live_root_filesystem(void)
{
	struct collectors *cs = collectors__new(&live_env);
	json_t *a = json_object();
	struct statvfs sv;
	json_t *root;

	collectors__collect(cs, a, mono_ns());
	statvfs("/", &sv);
	root = find_by(json_object_get(a, "filesystems"), "mountpoint", "/");
	CHECK(root, "filesystems has no entry for /");
	if (root)
		CHECK(num(root, "total_bytes") == (double)sv.f_blocks * sv.f_frsize,
		      "/ total_bytes: expected %.0f, got %.0f", (double)sv.f_blocks * sv.f_frsize,
		      num(root, "total_bytes"));
	CHECK(!find_by(json_object_get(a, "filesystems"), "mountpoint", "/proc"),
	      "/proc (pseudo) must not be listed");
	CHECK(!find_by(json_object_get(a, "filesystems"), "fstype", "cgroup"),
	      "cgroup (pseudo) must not be listed");
	json_decref(a);
	collectors__free(cs);
}

/* Sends n bytes over a loopback TCP connection. */
static long loopback_bytes(size_t n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int ls = socket(AF_INET, SOCK_STREAM, 0), cs = socket(AF_INET, SOCK_STREAM, 0), as;
	static char buf[65536];
	long got = 0;
	size_t sent = 0;

	bind(ls, (struct sockaddr *)&sa, sizeof(sa));
	listen(ls, 1);
	getsockname(ls, (struct sockaddr *)&sa, &sl);
	connect(cs, (struct sockaddr *)&sa, sizeof(sa));
	as = accept(ls, NULL, NULL);
	while (sent < n) {
		ssize_t w = write(cs, buf, n - sent < sizeof(buf) ? n - sent : sizeof(buf));
		ssize_t r;

		if (w <= 0)
			break;
		sent += (size_t)w;
		while (got < (long)sent && (r = read(as, buf, sizeof(buf))) > 0)
			got += r;
	}
	close(cs);
	close(as);
	close(ls);
	return got;
}

static void live_loopback_traffic(void)
{
	struct collectors *cs = collectors__new(&live_env);
	json_t *a = json_object(), *b = json_object(), *la, *lb;
	uint64_t t0 = mono_ns(), t1;
	long moved;

	collectors__collect(cs, a, t0);
	moved = loopback_bytes(4 << 20);
	t1 = mono_ns();
	collectors__collect(cs, b, t1);
	la = find_by(json_object_get(a, "interfaces"), "interface", "lo");
	lb = find_by(json_object_get(b, "interfaces"), "interface", "lo");
	CHECK(la && lb, "interface lo listed");
	if (la && lb) {
		double d = num(lb, "rx_bytes") - num(la, "rx_bytes");
		double r = num(lb, "rx_bytes_per_s") * (double)(t1 - t0) / 1e9;

		CHECK(moved == 4 << 20, "moved 4 MiB over loopback, moved %ld", moved);
		CHECK(d >= moved, "lo rx_bytes grew by at least %ld, grew %.0f", moved, d);
		CHECK(fabs(r - d) <= 0.01 * d + 1,
		      "rx_bytes_per_s * dt = delta: expected %.0f, got %.0f", d, r);
	}
	json_decref(a);
	json_decref(b);
	collectors__free(cs);
}

static void live_disk_write(void)
{
	struct collectors *cs = collectors__new(&live_env);
	json_t *a = json_object(), *b = json_object();
	char path[] = "build/collector-io-XXXXXX";
	static char buf[1 << 20];
	uint64_t t0, t1;
	int fd = mkstemp(path);
	double wrote;

	CHECK(fd >= 0, "mkstemp in build/: %s", strerror(errno));
	if (fd < 0)
		goto out;
	memset(buf, 'x', sizeof(buf));
	t0 = mono_ns();
	collectors__collect(cs, a, t0);
	for (int i = 0; i < 16; i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			break;
	fdatasync(fd);
	t1 = mono_ns();
	collectors__collect(cs, b, t1);
	close(fd);
	unlink(path);
	wrote = num(b, "disk_write_bytes_per_s") * (double)(t1 - t0) / 1e9;
	CHECK(wrote >= 16 << 20, "16 MiB synced: whole-disk writes over the tick >= %d, got %.0f",
	      16 << 20, wrote);
out:
	json_decref(a);
	json_decref(b);
	collectors__free(cs);
}

/* A child spinning on the last CPU must show as >= 80% on that core. */
static void live_burner_pinned_core(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int target = (int)ncpu - 1;
	struct collectors *cs = collectors__new(&live_env);
	json_t *a = json_object(), *b = json_object(), *k;
	pid_t pid = fork();

	if (pid == 0) {
		cpu_set_t set;
		volatile unsigned long x = 0;

		CPU_ZERO(&set);
		CPU_SET(target, &set);
		sched_setaffinity(0, sizeof(set), &set);
		alarm(20);
		for (;;)
			x++;
	}
	CHECK(pid > 0, "fork: %s", strerror(errno));
	usleep(300000);
	collectors__collect(cs, a, mono_ns());
	sleep(1);
	collectors__collect(cs, b, mono_ns());
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	k = core(b, target);
	CHECK(k, "cpu_cores has cpu %d", target);
	if (k)
		CHECK(num(k, "usage_pct") >= 80,
		      "cpu %d under a pinned burner: usage_pct >= 80, got %.1f", target,
		      num(k, "usage_pct"));
	CHECK(num(b, "cpu_usage_pct") >= 80.0 / ncpu, "host cpu_usage_pct >= %.0f, got %.1f",
	      80.0 / ncpu, num(b, "cpu_usage_pct"));
	json_decref(a);
	json_decref(b);
	collectors__free(cs);
}

/* ---- fixtures -------------------------------------------------------------- */

/* Runs ticks 0..n-1 of a fixture 1 s (dt_s) apart; outs[i] gets tick i. */
static void replay(const char *name, int n, double dt_s, json_t **outs)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct collectors *cs;

	f->name = name;
	fixture_tick(f, 0);
	cs = collectors__new(&f->env);
	for (int i = 0; i < n; i++) {
		fixture_tick(f, i);
		outs[i] = json_object();
		collectors__collect(cs, outs[i], 1000000000ull + (uint64_t)(i * dt_s * 1e9));
	}
	collectors__free(cs);
	free(f);
}

static void fixture_no_swap(void)
{
	json_t *o[2], *eth0, *vda, *vda1;

	replay("proc-noswap", 2, 1.0, o);
	CHECK(num(o[1], "swap_total_bytes") == 0 && num(o[1], "swap_used_bytes") == 0 &&
		      num(o[1], "swap_used_pct") == 0,
	      "no swap: swap_* all 0, got total %f used %f pct %f", num(o[1], "swap_total_bytes"),
	      num(o[1], "swap_used_bytes"), num(o[1], "swap_used_pct"));
	CHECK(num(o[1], "memory_total_bytes") == 16384000.0 * 1024, "memory_total_bytes %f",
	      num(o[1], "memory_total_bytes"));
	CHECK(num(o[1], "memory_used_bytes") == 8192000.0 * 1024,
	      "memory_used_bytes = total - available, got %f", num(o[1], "memory_used_bytes"));
	CHECK(num(o[1], "memory_used_pct") == 50, "memory_used_pct 50, got %f",
	      num(o[1], "memory_used_pct"));
	CHECK(num(o[1], "cpu_usage_pct") == 60,
	      "cpu_usage_pct: 120 busy of 200 jiffies = 60, got %f", num(o[1], "cpu_usage_pct"));
	CHECK(num(core(o[1], 0), "usage_pct") == 100 && num(core(o[1], 1), "usage_pct") == 20,
	      "per core 100 and 20, got %f and %f", num(core(o[1], 0), "usage_pct"),
	      num(core(o[1], 1), "usage_pct"));
	CHECK(num(o[1], "context_switches_per_s") == 500, "context_switches_per_s 500, got %f",
	      num(o[1], "context_switches_per_s"));
	eth0 = find_by(json_object_get(o[1], "interfaces"), "interface", "eth0");
	CHECK(eth0 && num(eth0, "rx_bytes_per_s") == 2000 && num(eth0, "tx_bytes_per_s") == 1000 &&
		      num(eth0, "rx_packets_per_s") == 20 && num(eth0, "tx_drops") == 2 &&
		      num(eth0, "rx_errors") == 1,
	      "eth0 rates/errors/drops as in the fixture");
	CHECK(num(o[1], "net_rx_bytes_per_s") == 2000 && num(o[1], "net_rx_bytes") == 7000,
	      "host net totals leave lo out: expected 2000/s and 7000, got %f and %f",
	      num(o[1], "net_rx_bytes_per_s"), num(o[1], "net_rx_bytes"));
	vda = find_by(json_object_get(o[1], "disks"), "device", "vda");
	vda1 = find_by(json_object_get(o[1], "disks"), "device", "vda1");
	CHECK(vda && num(vda, "reads_per_s") == 10 && num(vda, "read_bytes_per_s") == 40960 &&
		      num(vda, "writes_per_s") == 20 && num(vda, "write_bytes_per_s") == 81920 &&
		      num(vda, "busy_pct") == 25 && num(vda, "read_latency_avg_ms") == 0.5 &&
		      num(vda, "write_latency_avg_ms") == 2,
	      "vda rates, busy and latency as in the fixture");
	CHECK(vda1 && json_is_true(json_object_get(vda1, "partition")), "vda1 is a partition");
	CHECK(num(o[1], "disk_read_bytes_per_s") == 40960,
	      "disk totals count whole disks once (not vda1): expected 40960, got %f",
	      num(o[1], "disk_read_bytes_per_s"));
	CHECK(!find_by(json_object_get(o[1], "disks"), "device", "loop0"), "unused loop0 left out");
	CHECK(json_array_size(json_object_get(o[1], "filesystems")) == 2,
	      "filesystems: / and /tmp only (pseudo, nfs and the second /dev/vda mount left out), got %zu",
	      json_array_size(json_object_get(o[1], "filesystems")));
	CHECK(find_by(json_object_get(o[1], "filesystems"), "mountpoint", "/tmp"),
	      "octal escape in mountpoint decoded to /tmp");
	CHECK(!strcmp(json_string_value(json_object_get(o[1], "hostname")) ?: "", "fixture-host") &&
		      !strcmp(json_string_value(json_object_get(o[1], "os_name")) ?: "",
			      "Debian GNU/Linux 12 (bookworm)") &&
		      !strcmp(json_string_value(json_object_get(o[1], "kernel_release")) ?: "",
			      "6.1.0-fixture") &&
		      num(o[1], "boot_time_s") == 1732200000 && num(o[1], "uptime_s") == 12345.67 &&
		      num(o[1], "cpu_count") == 2 && num(o[1], "load1") == 0.5,
	      "system identity from the fixture");
	CHECK(!strcmp(json_string_value(json_object_get(o[1], "cpu_freq_mhz")) ?: "", "unknown"),
	      "no cpufreq and no cpuinfo: cpu_freq_mhz \"unknown\"");
	json_decref(o[0]);
	json_decref(o[1]);
}

static void fixture_128_cpus(void)
{
	json_t *o[2];
	int bad = -1;

	replay("proc-128cpu", 2, 1.0, o);
	CHECK(json_array_size(json_object_get(o[1], "cpu_cores")) == 128, "128 cores, got %zu",
	      json_array_size(json_object_get(o[1], "cpu_cores")));
	for (int i = 0; i < 128 && bad < 0; i++)
		if (num(core(o[1], i), "usage_pct") != i % 100 ||
		    num(core(o[1], i), "freq_mhz") != 1000 + 10 * i)
			bad = i;
	CHECK(bad < 0, "core %d: usage_pct expected %d got %f, freq_mhz expected %d got %f", bad,
	      bad % 100, num(core(o[1], bad), "usage_pct"), 1000 + 10 * bad,
	      num(core(o[1], bad), "freq_mhz"));
	CHECK(num(o[1], "cpu_count") == 128, "cpu_count 128, got %f", num(o[1], "cpu_count"));
	CHECK(num(o[1], "cpu_freq_mhz") == 1635, "cpu_freq_mhz = mean 1635, got %f",
	      num(o[1], "cpu_freq_mhz"));
	CHECK(num(o[1], "swap_used_bytes") == 3072000.0 * 1024 && num(o[1], "swap_used_pct") == 75,
	      "swap used 75%%, got %f", num(o[1], "swap_used_pct"));
	json_decref(o[0]);
	json_decref(o[1]);
}

static void fixture_counter_wrap(void)
{
	json_t *o[2], *eth0, *vda;

	replay("proc-wrap", 2, 2.0, o);
	eth0 = find_by(json_object_get(o[1], "interfaces"), "interface", "eth0");
	vda = find_by(json_object_get(o[1], "disks"), "device", "vda");
	CHECK(eth0 && num(eth0, "rx_bytes_per_s") == 852,
	      "32-bit wrap 4294966296 -> 704 over 2 s: 852 B/s, got %f",
	      num(eth0, "rx_bytes_per_s"));
	CHECK(eth0 && num(eth0, "tx_bytes_per_s") == 500,
	      "reset 6000000000 -> 1000 over 2 s: 500 B/s, got %f", num(eth0, "tx_bytes_per_s"));
	CHECK(vda && num(vda, "write_bytes_per_s") == 496 * 512 / 2,
	      "diskstats sector wrap: expected %d B/s, got %f", 496 * 512 / 2,
	      num(vda, "write_bytes_per_s"));
	json_decref(o[0]);
	json_decref(o[1]);
}

static void fixture_hotplug(void)
{
	json_t *o[3], *sdb1, *sdb2;

	replay("proc-hotplug", 3, 1.0, o);
	CHECK(find_by(json_object_get(o[0], "interfaces"), "interface", "eth1") &&
		      !find_by(json_object_get(o[1], "interfaces"), "interface", "eth1"),
	      "eth1 present at t0, gone at t1");
	CHECK(num(find_by(json_object_get(o[1], "interfaces"), "interface", "eth0"),
		  "rx_bytes_per_s") == 1000,
	      "eth0 rate unaffected by eth1 vanishing");
	CHECK(num(o[1], "net_rx_bytes_per_s") == 1000,
	      "host rx rate without the vanished eth1: 1000, got %f",
	      num(o[1], "net_rx_bytes_per_s"));
	sdb1 = find_by(json_object_get(o[1], "disks"), "device", "sdb");
	sdb2 = find_by(json_object_get(o[2], "disks"), "device", "sdb");
	CHECK(sdb1 && num(sdb1, "reads_total") == 50 && !json_object_get(sdb1, "reads_per_s"),
	      "sdb appearing at t1: counters, no rates yet");
	CHECK(sdb2 && num(sdb2, "reads_per_s") == 50 && num(sdb2, "read_bytes_per_s") == 4096 * 512,
	      "sdb at t2: 50 reads/s and 2 MiB/s, got %f and %f", num(sdb2, "reads_per_s"),
	      num(sdb2, "read_bytes_per_s"));
	CHECK(json_array_size(json_object_get(o[1], "cpu_cores")) == 1 && core(o[2], 1) &&
		      !json_object_get(core(o[2], 1), "usage_pct"),
	      "cpu1 offline at t1; back at t2 without a delta across the gap");
	for (int i = 0; i < 3; i++)
		json_decref(o[i]);
}

static void fixture_empty_disables_once(void)
{
	struct fixture f = { .name = "proc-empty" };
	struct collectors *cs;
	json_t *a = json_object(), *b = json_object();
	int r1, r2;

	fixture_tick(&f, 0);
	cs = collectors__new(&f.env);
	CHECK(cs, "collectors__new on an empty tree must not fail: %s", strerror(errno));
	if (!cs)
		goto out;
	r1 = collectors__collect(cs, a, 1);
	r2 = collectors__collect(cs, b, 2);
	CHECK(r1 == 0 && r2 == 0, "nothing runs on an empty tree, ran %d then %d", r1, r2);
	CHECK(!collectors__enabled(cs, "cpu") && !collectors__enabled(cs, "memory") &&
		      !collectors__enabled(cs, "disk") && !collectors__enabled(cs, "network") &&
		      !collectors__enabled(cs, "system"),
	      "every collector disabled after -ENOENT");
	CHECK(json_object_size(b) == 0, "no fields invented, got %zu", json_object_size(b));
	collectors__free(cs);
out:
	json_decref(a);
	json_decref(b);
}

/* The shared reader: grows once for a file larger than its buffer, keeps
 * the whole text; counters that go backwards are wraps or resets. */
static void procfile_and_counter_delta(void)
{
	struct procbuf pb;
	struct fixture f = { .name = "proc-128cpu" };
	char small[8];
	size_t lines = 0;
	char *cur, *line;

	fixture_tick(&f, 0);
	CHECK(procbuf__init(&pb, 64) == 0, "procbuf__init");
	CHECK(procbuf__read(&pb, f.proc, "stat") == 0 && pb.cap > 64 && pb.len > 64 * 64,
	      "a %zu-byte /proc/stat read through a 64-byte buffer: grew to %zu", pb.len, pb.cap);
	cur = pb.buf;
	while ((line = procfile_next_line(&cur)))
		lines++;
	CHECK(lines == 1 + 128 + 6, "all 135 lines of the 128-CPU stat, got %zu", lines);
	CHECK(procbuf__read(&pb, f.proc, "no-such-file") == -ENOENT, "missing file: -ENOENT");
	procbuf__free(&pb);
	CHECK(procfile_read_small(f.proc, "sys/kernel/hostname", small, sizeof(small)) == 7 &&
		      !strcmp(small, "fixture"),
	      "small read truncates to the buffer, got '%s'", small);
	CHECK(counter_delta(10, 15) == 5, "plain increase");
	CHECK(counter_delta(4294967290u, 5) == 11, "32-bit wrap: 6 to the top, 5 after, got %llu",
	      (unsigned long long)counter_delta(4294967290u, 5));
	CHECK(counter_delta(UINT64_MAX - 1, 3) == 5, "64-bit wrap, got %llu",
	      (unsigned long long)counter_delta(UINT64_MAX - 1, 3));
	CHECK(counter_delta(1000000, 300) == 300, "reset of a small counter: restarted from 0");
	CHECK(counter_delta(6000000000ull, 1000) == 1000, "reset of a large counter");
	CHECK(rate_per_s(500, 2000000000ull) == 250 && rate_per_s(5, 0) == 0, "rate_per_s");
}

int main(void)
{
	RUN(procfile_and_counter_delta);
	RUN(live_identity_and_memory);
	RUN(live_root_filesystem);
	RUN(live_loopback_traffic);
	RUN(live_disk_write);
	RUN(live_burner_pinned_core);
	RUN(fixture_no_swap);
	RUN(fixture_128_cpus);
	RUN(fixture_counter_wrap);
	RUN(fixture_hotplug);
	RUN(fixture_empty_disables_once);
	CHECK_DONE();
}
