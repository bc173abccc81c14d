#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# What each layer of the agent costs nginx at saturation, on the one-worker
# load (bench/nginx.inc with NGINX_WORKERS=1, wrk -t1 -c16: identical rounds
# within ~2 %). Configurations alternate, ROUNDS rounds of SECS seconds:
#   off      nothing loaded
#   floor    build/bench/floor_load sock: two programs that return at once,
#            on the socket hooks the agent uses
#   floor4   build/bench/floor_load: four, socket and scheduler hooks
#   FLAGS    build/hostlens with these flags ('+' for spaces, '=' after a
#            flag name): --signals=http+--comm=nosuchproc (loaded, nothing
#            traced), --signals=http+--comm=nginx, --signals=all
#   base:FLAGS  the same with $BASE, another build's hostlens (before/after)
# Per configuration (medians): requests/s and its ratio to off; host CPU per
# request (/proc/stat busy over wrk's count); nginx's worker run time and
# run-queue wait per request (its schedstat); the agent's threads' run time
# per request. Writes bench/results/layers.md.
#   ROUNDS=4 SECS=3 sh bench/layers.sh
#   CFGS="off --signals=all" sh bench/layers.sh
#   BASE=/tmp/old/hostlens CFGS="off base:--signals=all --signals=all" sh bench/layers.sh
set -u
cd "$(dirname "$0")/.." || exit 1
ROUNDS=${ROUNDS:-4}
SECS=${SECS:-3}
CFGS=${CFGS:-off floor floor4 --signals=http+--comm=nosuchproc --signals=http+--comm=nginx --signals=all}
PORT=${PORT:-18977}
APORT=${APORT:-18997}
OUT=${OUT:-bench/results/layers.md}
NGINX_WORKERS=1
T=$(mktemp -d /tmp/hl-layers.XXXXXX)
NGINX=
A=
trap '[ -n "$A" ] && kill $A 2>/dev/null && wait $A; [ -n "$NGINX" ] && kill $NGINX && wait $NGINX; rm -rf $T' EXIT INT TERM
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
for b in build/hostlens build/bench/floor_load; do [ -x $b ] || { echo "build first: make" >&2; exit 1; }; done
. bench/lib.inc
. bench/nginx.inc
bench_nginx
URL=http://127.0.0.1:$PORT/index.html
W=$(pgrep -P "$NGINX")
tasks_ns() { # PID: run time of all its threads
	for t in /proc/"$1"/task/*; do cut -d' ' -f1 "$t/schedstat"; done 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}
start() { # CFG: starts it, A = its pid (empty for off)
	A=
	case $1 in
	off) return 0 ;;
	floor) build/bench/floor_load "$T/ready" sock >"$T/p.log" 2>&1 & A=$! ;;
	floor4) build/bench/floor_load "$T/ready" >"$T/p.log" 2>&1 & A=$! ;;
	*)
		rm -rf "$T/hl"
		bin=build/hostlens
		case $1 in base:*) bin=${BASE:?BASE=hostlens of the build to compare with} ;; esac
		# shellcheck disable=SC2046
		"$bin" --listen "127.0.0.1:$APORT" --data-dir "$T/hl" --summary off --log-level warn \
			$(echo "${1#base:}" | tr '+=' '  ') >"$T/p.log" 2>&1 &
		A=$!
		i=0; until curl -sf -o /dev/null "http://127.0.0.1:$APORT/readyz"; do
			i=$((i + 1)); [ $i -gt 150 ] && { echo "agent did not start: $(tail -3 "$T/p.log")" >&2; exit 1; }; sleep 0.1
		done ;;
	esac
	sleep 1
}
wrk -t 1 -c 16 -d 2s "$URL" >/dev/null 2>&1	# warm-up
: >"$T/res"
for r in $(seq 1 "$ROUNDS"); do
	for c in $CFGS; do
		start "$c"
		set -- $(cut -d' ' -f1,2 /proc/"$W"/schedstat) "$(busy_ticks)" "$( [ -n "$A" ] && tasks_ns $A || echo 0)"
		wrk -t 1 -c 16 -d "${SECS}s" "$URL" >"$T/wrk.out" 2>&1
		set -- "$@" $(cut -d' ' -f1,2 /proc/"$W"/schedstat) "$(busy_ticks)" "$( [ -n "$A" ] && tasks_ns $A || echo 0)"
		n=$(awk '/ requests in / { print $1 }' "$T/wrk.out")
		echo "$c $n $*" | awk -v secs="$SECS" -v hz="$(getconf CLK_TCK)" '{
			n = $2; printf "%s %.0f %.2f %.0f %.0f %.0f\n", $1, n / secs, ($9 - $5) * 1e6 / hz / n,
				($7 - $3) / n, ($8 - $4) / n, ($10 - $6) / n }' >>"$T/res"
		tail -1 "$T/res" | sed "s/^/round $r: /" >&2
		[ -n "$A" ] && { kill "$A"; wait "$A" 2>/dev/null; A=; }
	done
done
col() { awk -v c="$1" -v k="$2" '$1 == c { print $k }' "$T/res" | median; }
off=$(col off 2)
mkdir -p "$(dirname "$OUT")"
{
	echo "## What each layer costs nginx (bench/layers.sh)"
	echo
	echo "\`ROUNDS=$ROUNDS SECS=$SECS sh bench/layers.sh\` ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -r)): nginx with one worker serving 4 KiB, \`wrk -t 1 -c 16 -d ${SECS}s\`, configurations alternating; medians."
	echo
	echo "| configuration | requests/s | ratio to off | host CPU us/request | nginx run ns/request | nginx run-queue wait ns/request | agent ns/request |"
	echo "|---|---|---|---|---|---|---|"
	for c in $CFGS; do
		echo "| \`$c\` | $(col "$c" 2) | $(ratio "$off" "$(col "$c" 2)") | $(col "$c" 3) | $(col "$c" 4) | $(col "$c" 5) | $(col "$c" 6) |"
	done
} >"$OUT"
cat "$OUT"
