// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Alert rules under a fake clock (no sleeping): pending -> firing after
 * `for`, firing -> resolved, pending reset, no-data handling, defaults; and
 * the webhook against a real loopback HTTP receiver (python3 http.server):
 * delivery after a 503 retry, a receiver that never answers must not
 * block eval or shutdown, and a failing webhook's log line hides the URL's
 * path (its token).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"
#include "check.h"
#include "config.h"

#define T0 1732200000000LL	/* fake epoch ms */

static struct config cfg;

static json_t *metric(const char *k, double v)
{
	return json_pack("{s:f}", k, v);
}

/* Feeds value v for `secs` seconds from *t (1 s steps); returns records. */
static json_t *feed(struct alerts *a, const char *k, double v, int secs, int64_t *t)
{
	json_t *out = json_array(), *m = metric(k, v);

	for (int i = 0; i < secs; i++) {
		alerts__eval(a, m, *t, out);
		*t += 1000;
	}
	json_decref(m);
	return out;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

static void defaults_fire_and_resolve(void)
{
	struct alerts *a;
	json_t *r, *st;
	int64_t t = T0;

	config_defaults(&cfg);
	a = alerts__new(&cfg, "host-a");
	CHECK(a, "alerts__new: %s", strerror(errno));
	if (!a)
		return;
	r = feed(a, "cpu_usage_pct", 95, 120, &t);	/* t0 .. t0+119 s */
	CHECK(json_array_size(r) == 0, "cpu > 80 held 119 s (< for 120 s): no record, got %zu",
	      json_array_size(r));
	json_decref(r);
	st = alerts__state_json(a);
	CHECK(!strcmp(str(json_array_get(json_object_get(st, "active"), 0), "state"), "pending"),
	      "state topic shows the pending rule");
	json_decref(st);
	r = feed(a, "cpu_usage_pct", 95, 1, &t);	/* t0 + 120 s */
	CHECK(json_array_size(r) == 1, "firing at for = 120 s: one record, got %zu", json_array_size(r));
	if (json_array_size(r) == 1) {
		json_t *f = json_array_get(r, 0);

		CHECK(!strcmp(str(f, "type"), "alert") && !strcmp(str(f, "state"), "firing") &&
			      !strcmp(str(f, "rule"), "cpu_high") &&
			      !strcmp(str(f, "metric"), "cpu_usage_pct") &&
			      !strcmp(str(f, "severity"), "warning") &&
			      !strcmp(str(f, "comparator"), ">") && !strcmp(str(f, "source"), "host-a") &&
			      strlen(str(f, "id")) == 36 &&
			      json_number_value(json_object_get(f, "value")) == 95 &&
			      json_number_value(json_object_get(f, "threshold")) == 80 &&
			      json_integer_value(json_object_get(f, "started_at")) == T0 &&
			      json_integer_value(json_object_get(f, "timestamp")) == T0 + 120000,
		      "firing record fields");
	}
	json_decref(r);
	r = feed(a, "cpu_usage_pct", 90, 30, &t);
	CHECK(json_array_size(r) == 0, "still firing: no new record, got %zu", json_array_size(r));
	json_decref(r);
	r = feed(a, "cpu_usage_pct", 40, 1, &t);	/* t0 + 151 s */
	CHECK(json_array_size(r) == 1 && !strcmp(str(json_array_get(r, 0), "state"), "resolved") &&
		      json_integer_value(json_object_get(json_array_get(r, 0), "resolved_at")) ==
			      T0 + 151000 &&
		      json_number_value(json_object_get(json_array_get(r, 0), "duration_s")) == 151 &&
		      json_number_value(json_object_get(json_array_get(r, 0), "value")) == 40,
	      "resolved record at t0+151 s with value 40 and duration 151 s");
	json_decref(r);
	st = alerts__state_json(a);
	CHECK(json_array_size(json_object_get(st, "active")) == 0 &&
		      json_array_size(json_object_get(st, "recent")) == 2,
	      "state: nothing active, 2 recent records");
	json_decref(st);
	alerts__free(a);
}

static void default_rule_set(void)
{
	struct alert_rule r[CFG_MAX_ALERTS];
	int n = alerts_default_rules(r, CFG_MAX_ALERTS);
	const char *want[] = { "api_latency_avg_ms", "error_rate_pct", "cpu_usage_pct",
			       "disk_latency_p99_ms", "memory_used_pct" };
	double thr[] = { 1000, 5, 80, 100, 90 };

	CHECK(n == 5, "5 default rules, got %d", n);
	for (int i = 0; i < n && i < 5; i++)
		CHECK(!strcmp(r[i].metric, want[i]) && r[i].threshold == thr[i] && r[i].cmp == ALERT_GT,
		      "default rule %d: %s > %g, got %s > %g", i, want[i], thr[i], r[i].metric,
		      r[i].threshold);
}

static void explicit_empty_list_has_no_rules(void)
{
	struct alerts *a;
	json_t *r;
	int64_t t = T0;

	config_defaults(&cfg);
	cfg.alerts_set = true;	/* the file said `alerts: []` */
	a = alerts__new(&cfg, "h");
	r = feed(a, "cpu_usage_pct", 100, 600, &t);
	CHECK(json_array_size(r) == 0, "no rules: no records, got %zu", json_array_size(r));
	json_decref(r);
	alerts__free(a);
}

static void pending_resets_and_no_data(void)
{
	struct alerts *a;
	json_t *r, *none = json_object();
	int64_t t = T0;

	config_defaults(&cfg);
	cfg.alerts_set = true;
	cfg.n_alerts = 1;
	cfg.alerts[0] = (struct alert_rule){ "slow", "api_latency_avg_ms", ALERT_GE, 500, 10,
					     "critical" };
	a = alerts__new(&cfg, "h");
	r = feed(a, "api_latency_avg_ms", 600, 9, &t);
	json_decref(r);
	r = feed(a, "api_latency_avg_ms", 100, 1, &t);	/* back under: pending ends */
	json_decref(r);
	r = feed(a, "api_latency_avg_ms", 500, 10, &t);	/* >= holds again, 10 evals */
	CHECK(json_array_size(r) == 0, "pending restarted: 10 evals span 9 s < 10 s, got %zu",
	      json_array_size(r));
	json_decref(r);
	r = feed(a, "api_latency_avg_ms", 500, 1, &t);
	CHECK(json_array_size(r) == 1 &&
		      json_integer_value(json_object_get(json_array_get(r, 0), "started_at")) ==
			      T0 + 10000,
	      "fires 10 s after the restart (started_at t0+10 s)");
	json_decref(r);
	r = json_array();
	for (int i = 0; i < 30; i++, t += 1000)
		alerts__eval(a, none, t, r);	/* no data: stays firing */
	CHECK(json_array_size(r) == 0, "no data does not resolve, got %zu records", json_array_size(r));
	json_decref(r);
	r = feed(a, "api_latency_avg_ms", 10, 1, &t);
	CHECK(json_array_size(r) == 1 && !strcmp(str(json_array_get(r, 0), "state"), "resolved"),
	      "data below the threshold resolves");
	json_decref(r);
	json_decref(none);
	alerts__free(a);
}

static void lt_rule_fires_at_once(void)
{
	struct alerts *a;
	json_t *r;
	int64_t t = T0;

	config_defaults(&cfg);
	cfg.alerts_set = true;
	cfg.n_alerts = 1;
	cfg.alerts[0] = (struct alert_rule){ "low_mem", "memory_available_pct", ALERT_LT, 10, 0,
					     "info" };
	a = alerts__new(&cfg, "h");
	r = feed(a, "memory_available_pct", 9.5, 1, &t);
	CHECK(json_array_size(r) == 1 && !strcmp(str(json_array_get(r, 0), "comparator"), "<"),
	      "for 0 and < : fires on the first eval");
	json_decref(r);
	r = feed(a, "memory_available_pct", 10, 1, &t);
	CHECK(json_array_size(r) == 1 && !strcmp(str(json_array_get(r, 0), "state"), "resolved"),
	      "10 is not < 10: resolved");
	json_decref(r);
	alerts__free(a);
}

/* ---- webhook ------------------------------------------------------------ */

static const char *receiver_py =
	"import http.server, sys\n"
	"out = open(sys.argv[1], 'a')\n"
	"class H(http.server.BaseHTTPRequestHandler):\n"
	"    n = 0\n"
	"    def do_POST(self):\n"
	"        H.n += 1\n"
	"        body = self.rfile.read(int(self.headers['Content-Length']))\n"
	"        if H.n == 1:\n"
	"            self.send_response(503); self.send_header('Content-Length', '0'); self.end_headers(); return\n"
	"        out.write(self.headers.get('Content-Type', '') + ' ' + body.decode() + '\\n'); out.flush()\n"
	"        self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()\n"
	"    def log_message(self, *a): pass\n"
	"s = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
	"print(s.server_address[1], flush=True)\n"
	"s.serve_forever()\n";

static pid_t start_receiver(const char *outfile, int *port)
{
	int p[2];
	pid_t pid;
	char line[32] = "";
	FILE *f;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execlp("python3", "python3", "-c", receiver_py, outfile, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	*port = atoi(line);
	return pid;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void webhook_delivers_with_retry(void)
{
	char outfile[] = "build/alerts-webhook-XXXXXX";
	struct alerts_webhook_stats st;
	struct alerts *a = NULL;
	json_t *r = NULL, *got = NULL;
	char line[4096] = "";
	int port = 0, fd = mkstemp(outfile);
	pid_t pid;
	int64_t t = T0;
	double start;
	FILE *f;

	close(fd);
	pid = start_receiver(outfile, &port);
	CHECK(pid > 0 && port > 0, "python3 loopback receiver started (python3 is a test package)");
	if (pid <= 0 || port <= 0)
		goto out;
	config_defaults(&cfg);
	snprintf(cfg.alert_webhook, sizeof(cfg.alert_webhook), "http://127.0.0.1:%d/hook", port);
	cfg.alerts_set = true;
	cfg.n_alerts = 1;
	cfg.alerts[0] = (struct alert_rule){ "errors", "error_rate_pct", ALERT_GT, 5, 0, "critical" };
	a = alerts__new(&cfg, "host-w");
	CHECK(a, "alerts__new with webhook: %s", strerror(errno));
	if (!a)
		goto out;
	r = feed(a, "error_rate_pct", 12.5, 1, &t);
	start = now_s();
	do {
		usleep(20000);
		alerts__webhook_stats(a, &st);
	} while (st.sent + st.failed < 1 && now_s() - start < 20);
	CHECK(st.sent == 1 && st.retries >= 1 && st.failed == 0,
	      "delivered once after a 503: sent 1, retries >= 1; got sent %llu retries %llu failed %llu",
	      (unsigned long long)st.sent, (unsigned long long)st.retries,
	      (unsigned long long)st.failed);
	f = fopen(outfile, "r");
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	CHECK(!strncmp(line, "application/json ", 17), "Content-Type application/json, got '%.40s'", line);
	got = json_loads(line + (strlen(line) > 17 ? 17 : 0), 0, NULL);
	CHECK(got && json_equal(got, json_array_get(r, 0)),
	      "the receiver got the alert record itself, got '%.200s'", line);
out:
	alerts__free(a);
	json_decref(r);
	json_decref(got);
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	unlink(outfile);
}

/* A receiver that accepts connections but never answers. */
static void webhook_never_blocks(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct alerts_webhook_stats st;
	struct alerts *a;
	json_t *out = json_array(), *hi = metric("cpu_usage_pct", 99), *lo = metric("cpu_usage_pct", 1);
	int64_t t = T0;
	double start, eval_s, free_s;

	bind(ls, (struct sockaddr *)&sa, sizeof(sa));
	listen(ls, 512);
	getsockname(ls, (struct sockaddr *)&sa, &sl);
	config_defaults(&cfg);
	snprintf(cfg.alert_webhook, sizeof(cfg.alert_webhook), "http://127.0.0.1:%d/", ntohs(sa.sin_port));
	cfg.alerts_set = true;
	cfg.n_alerts = 1;
	cfg.alerts[0] = (struct alert_rule){ "cpu", "cpu_usage_pct", ALERT_GT, 80, 0, "warning" };
	a = alerts__new(&cfg, "h");
	start = now_s();
	for (int i = 0; i < 100; i++, t += 1000)
		alerts__eval(a, i % 2 ? lo : hi, t, out);
	eval_s = now_s() - start;
	alerts__webhook_stats(a, &st);
	CHECK(json_array_size(out) == 100, "100 transitions, got %zu", json_array_size(out));
	CHECK(eval_s < 0.5, "100 evals with a stuck webhook took %.3f s (must not wait)", eval_s);
	CHECK(st.queued == 100 && st.dropped >= 100 - 64 - 1,
	      "bounded queue: queued 100, dropped >= 35, got queued %llu dropped %llu",
	      (unsigned long long)st.queued, (unsigned long long)st.dropped);
	start = now_s();
	alerts__free(a);
	free_s = now_s() - start;
	CHECK(free_s < 2, "shutdown aborts the stuck transfer: took %.3f s", free_s);
	close(ls);
	json_decref(out);
	json_decref(hi);
	json_decref(lo);
}

/* A webhook that fails is logged; its URL is a secret (a Slack URL's path is
 * its token): the log names only scheme://host:port. A closed loopback port
 * makes every attempt fail at once. */
static void webhook_failure_log_hides_url_path(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int ls = socket(AF_INET, SOCK_STREAM, 0), port, saved, fd;
	char logfile[] = "build/alerts-log-XXXXXX", want[64], log[8192] = "";
	struct alerts_webhook_stats st = { 0 };
	struct alerts *a;
	json_t *r;
	int64_t t = T0;
	double start;
	ssize_t n = 0;

	/* a port nobody listens on: bound, never listened, then closed */
	bind(ls, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(ls, (struct sockaddr *)&sa, &sl);
	port = ntohs(sa.sin_port);
	close(ls);
	fd = mkstemp(logfile);
	saved = dup(2);
	fflush(stderr);
	dup2(fd, 2);
	config_defaults(&cfg);
	snprintf(cfg.alert_webhook, sizeof(cfg.alert_webhook),
		 "http://127.0.0.1:%d/services/T0AAA/B0BBB/s3cr3tT0ken?k=v", port);
	cfg.alerts_set = true;
	cfg.n_alerts = 1;
	cfg.alerts[0] = (struct alert_rule){ "errors", "error_rate_pct", ALERT_GT, 5, 0, "critical" };
	a = alerts__new(&cfg, "h");
	if (a) {
		r = feed(a, "error_rate_pct", 12.5, 1, &t);
		start = now_s();
		do {
			usleep(20000);
			alerts__webhook_stats(a, &st);
		} while (st.failed < 1 && now_s() - start < 20);
		alerts__free(a);
		json_decref(r);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	CHECK(a, "alerts__new with webhook: %s", strerror(errno));
	CHECK(st.failed == 1, "the notification failed (closed port), got failed %llu",
	      (unsigned long long)st.failed);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, log, sizeof(log) - 1);
	log[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(logfile);
	snprintf(want, sizeof(want), "webhook http://127.0.0.1:%d/<redacted>: ", port);
	CHECK(strstr(log, want), "the failure logged with the origin only ('%s'), log: %.300s", want, log);
	CHECK(!strstr(log, "s3cr3t") && !strstr(log, "services") && !strstr(log, "k=v"),
	      "no part of the path or query in the log, got: %.300s", log);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(defaults_fire_and_resolve);
	RUN(default_rule_set);
	RUN(explicit_empty_list_has_no_rules);
	RUN(pending_resets_and_no_data);
	RUN(lt_rule_fires_at_once);
	RUN(webhook_delivers_with_retry);
	RUN(webhook_never_blocks);
	RUN(webhook_failure_log_hides_url_path);
	CHECK_DONE();
}
