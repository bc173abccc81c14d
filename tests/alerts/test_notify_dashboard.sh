# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The dashboard's Alerts panel shows each channel's notification counters:
# a real browser (Debian's chromium, headless) loads the dashboard of an
# agent whose rule fired and whose webhook delivered once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/notify.inc"

need_root alerts_dashboard || finish
if [ ! -x /usr/bin/chromium ]; then skip alerts_dashboard "no /usr/bin/chromium (scripts/setup.sh test installs it)"; finish; fi
srv_start HOOK webhook_server.py || { fail alerts_dashboard "webhook receiver did not start"; finish; }
cat >"$TMPD/hl.yaml" <<YAML
flush_interval: 1
alert_webhook: http://127.0.0.1:$HOOK_PORT/
alerts:
$HOT_RULE
YAML
start_agent --config "$TMPD/hl.yaml" --signals cpu ||
	{ fail alerts_dashboard "agent did not start: $(tail -3 "$TMPD/agent.log")"; finish; }
wait_for 20 nstat_ge webhook sent 1
# the page polls /api/v1/stats every 2 s: the DOM after 6 s has it (a slow
# start of the browser under load: up to three tries)
want='notifications: webhook 1 sent · 0 failed · 0 retries · 0 dropped'
for try in 1 2 3; do
	timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --user-data-dir="$TMPD/chromium" \
		--timeout=6000 --dump-dom "http://127.0.0.1:$AGENT_PORT/" >"$TMPD/dom.html" 2>"$TMPD/chromium.log"
	got=$(grep -o '<small id="alert-channels">[^<]*' "$TMPD/dom.html" | sed 's/.*">//')
	[ "$got" = "$want" ] && break
done
if [ "$got" = "$want" ]; then ok dashboard_alert_panel_channel_counters
else fail dashboard_alert_panel_channel_counters "want '$want', got '$got'"; fi
stop_agent
finish
