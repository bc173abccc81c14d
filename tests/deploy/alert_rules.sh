# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The shipped configs (deploy/hostlens.yaml, the image's default, and the
# Kubernetes ConfigMap's hostlens.yaml) validate with the agent itself
# (hostlens --check-config: exit 0), and every alert rule in force names a
# metric the agent produces: one of `hostlens --list-metrics`, from a signal
# the file turns on (or the collectors', or the agent's own). A copy with a
# rule on a metric the agent never produces is refused (so a pass means the
# check ran).
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
[ -x "$HOSTLENS" ] || { fail deploy_alert_rules "no $HOSTLENS (run make)"; finish; }
$PY -c 'import yaml' 2>/dev/null || { fail deploy_alert_rules "python3-yaml is needed (sh scripts/setup.sh test)"; finish; }
for v in $(env | sed -n 's/^\(HOSTLENS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

$PY - "$TOP/deploy/kubernetes/20-configmap.yaml" "$TMPD/configmap.yaml" <<'PY'
import sys, yaml
for o in yaml.safe_load_all(open(sys.argv[1])):
    if o and o.get("kind") == "ConfigMap":
        open(sys.argv[2], "w").write(o["data"]["hostlens.yaml"])
PY
"$HOSTLENS" --list-metrics >"$TMPD/metrics.md"

# produced NAME FILE: check-config exit 0, each rule in force on a produced metric
produced() {
	name=$1; file=$2
	"$HOSTLENS" --check-config "$file" >"$TMPD/$name.out" 2>"$TMPD/$name.err"
	rc=$?
	if [ $rc != 0 ]; then
		fail "$name" "hostlens --check-config $file: exit 0; got $rc: $(cat "$TMPD/$name.err")"
		return
	fi
	why=$($PY - "$TMPD/$name.out" "$TMPD/metrics.md" <<'PY'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
signal = {}
for line in open(sys.argv[2]):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) == 6 and cells[0].startswith("`"):
        signal[cells[0].strip("`")] = cells[4]
on = set(cfg["signals"].split(","))
rules = cfg.get("alerts") or []
bad = []
for r in rules:
    s = signal.get(r["metric"])
    if s is None:
        bad.append("%s: metric %s is not one the agent produces" % (r["name"], r["metric"]))
    elif s not in ("host", "agent") and s not in on and "all" not in on:
        bad.append("%s: metric %s comes from the %s signal, off here" % (r["name"], r["metric"], s))
if len(rules) < 10:
    bad.append("only %d rules in force" % len(rules))
print("; ".join(bad))
PY
)
	if [ -z "$why" ]; then ok "$name"; else fail "$name" "$why"; fi
}
produced deploy_hostlens_yaml_rules_produced "$TOP/deploy/hostlens.yaml"
produced deploy_configmap_rules_produced "$TMPD/configmap.yaml"

# the control: the ConfigMap with the latency rule the agent never saw
sed 's/metric: api_latency_p95_ms/metric: response_time_p95_ms/' "$TMPD/configmap.yaml" >"$TMPD/broken.yaml"
if cmp -s "$TMPD/configmap.yaml" "$TMPD/broken.yaml"; then
	fail deploy_unproduced_metric_refused "the ConfigMap has no api_latency_p95_ms rule to break"
else
	"$HOSTLENS" --check-config "$TMPD/broken.yaml" >/dev/null 2>"$TMPD/broken.err"
	rc=$?
	if [ $rc = 2 ] && grep -qF "unknown metric 'response_time_p95_ms' (closest: " "$TMPD/broken.err" &&
		sed -n 's/.*(closest: \([^;)]*\).*/\1/p' "$TMPD/broken.err" | grep -q 'api_latency_p95_ms'; then
		ok deploy_unproduced_metric_refused
	else fail deploy_unproduced_metric_refused "exit 2 naming the metric and api_latency_p95_ms; got $rc: $(cat "$TMPD/broken.err")"; fi
fi
finish
