# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Windowed and scoped rules against real traffic: a server answers 500 on
# GET /api/orders (and 503, 500 on two more routes); the real agent captures
# the requests with the HTTP signal. A rule on the one route counts its 5xx
# over 60 s: 9 errors do not fire, the 11th does, and the alert names the
# route. A fan-out rule over every route gives one alert per route with 11
# errors and none for the route with 9. (The agent's own routes count too:
# start_agent's polls of /readyz get 503 until the agent is ready, so only
# the test server's routes are looked at.)
. "$(dirname "$0")/../lib.sh"
need_root alerts_route_errors || finish
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
D=$(dirname "$0")

cat >"$TMPD/hl.yaml" <<'YAML'
signals: http
flush_interval: 1
alerts:
  - name: orders_5xx
    metric: http_errors_5xx
    scope: {route: "GET /api/orders"}
    aggregate: count
    window: 60
    op: ">"
    threshold: 10
    severity: critical
  - {name: route_5xx, metric: http_errors_5xx, scope: route, aggregate: count, window: 60, op: ">", threshold: 10}
YAML
"$PY" "$D/status_server.py" "$TMPD/port" >"$TMPD/server.log" 2>&1 &
on_exit "kill $! 2>/dev/null"
wait_for 5 test -s "$TMPD/port" || { fail alerts_route_server "status server did not start: $(cat "$TMPD/server.log")"; finish; }
PORT=$(cat "$TMPD/port")
start_agent --config "$TMPD/hl.yaml" || { fail alerts_route_agent_started "$(tail -5 "$TMPD/agent.log")"; finish; }

get() { "$PY" "$D/get.py" "$PORT" "$1" "$2" >>"$TMPD/client.log"; }
# alerts PYEXPR: how many active entries A satisfy the expression
active() {
	api /api/v1/alerts | "$PY" -c "
import json, sys
d = json.load(sys.stdin)
print(sum(1 for A in d['active'] if $1))"
}
SERVER_ROUTE="A.get('scope', {}).get('route', '') in ('GET /api/orders', 'GET /api/payments', 'GET /api/cart', 'GET /api/ok')"
orders_firing() { [ "$(active "A['rule'] == 'orders_5xx' and A['state'] == 'firing'")" = 1 ]; }
fan_firing() { [ "$(active "A['rule'] == 'route_5xx' and A['state'] == 'firing' and $SERVER_ROUTE")" = "$1" ]; }
requests_seen() { # N: the agent has seen N requests to the server's routes
	api /api/v1/routes | "$PY" -c "
import json, sys
print(sum(r['requests_total'] for r in json.load(sys.stdin) if r['direction'] == 'inbound' and r['route'] in ('/api/orders', '/api/cart', '/api/ok')))" |
		grep -qx "$1"
}

# 9 errors on the route, 5 on another one: the route's rule counts its own only
get /api/orders 9
get /api/cart 5
get /api/ok 5
wait_for 10 requests_seen 19 || echo "# the agent saw $(api /api/v1/routes | head -c 300)"
sleep 2	# two more ticks past the requests
n=$(active "A['rule'] in ('orders_5xx', 'route_5xx') and $SERVER_ROUTE")
if [ "$n" = 0 ]; then ok alerts_nine_errors_do_not_fire
else fail alerts_nine_errors_do_not_fire "9 5xx answers of GET /api/orders and 5 of GET /api/cart in 60 s (> 10 of one route needed): no alert; got $n active: $(api /api/v1/alerts | head -c 400)"; fi

get /api/orders 2
if wait_for 10 orders_firing; then ok alerts_eleventh_error_fires
else fail alerts_eleventh_error_fires "the 11th 5xx of GET /api/orders in 60 s fires orders_5xx; active: $(api /api/v1/alerts | head -c 400)"; fi

get /api/payments 11
get /api/cart 4	# 9 in all
if wait_for 10 fan_firing 2; then ok alerts_fan_out_two_routes_two_alerts
else fail alerts_fan_out_two_routes_two_alerts "route_5xx firing for orders and payments: 2; active: $(api /api/v1/alerts | head -c 600)"; fi
sleep 2
fired_cart=$(active "A['rule'] == 'route_5xx' and A.get('scope', {}).get('route') == 'GET /api/cart'")
check alerts_fan_out_nine_errors_route_quiet [ "$fired_cart" = 0 ]
stop_agent

# the records: one firing record per alert, each naming its route
res=$("$PY" - "$TMPD/data/records.ndjson" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
al = [r for r in recs if r["type"] == "alert" and r["state"] == "firing"]
def routes(rule):   # the test server's routes (the agent's own /readyz answers 503 at start)
    return sorted(r["scope"]["route"] for r in al if r["rule"] == rule
                  and r.get("scope", {}).get("route", "").startswith("GET /api/")
                  and not r["scope"]["route"].startswith("GET /api/v1/"))
why = []
o = [r for r in al if r["rule"] == "orders_5xx"]
if len(o) != 1 or o[0]["value"] != 11 or o[0].get("scope") != {"route": "GET /api/orders"} \
        or o[0].get("aggregate") != "count" or o[0].get("window_s") != 60:
    why.append("orders_5xx: one firing record, value 11, scope {route: GET /api/orders}, count over 60 s; got %s" % o)
if routes("route_5xx") != ["GET /api/orders", "GET /api/payments"]:
    why.append("route_5xx: one record for each of GET /api/orders and GET /api/payments; got %s" % routes("route_5xx"))
print("; ".join(why))
PY
)
if [ -z "$res" ]; then ok alerts_records_name_the_route
else fail alerts_records_name_the_route "$res"; fi
finish
