#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Installs what hostlens needs, only what is missing. Idempotent and quiet
# when everything is already there.
#   setup.sh build   packages to build and run the agent
#   setup.sh test    + what the test suite drives (emulators, browser, servers)
#   setup.sh bench   + what the benchmarks compare against
set -eu
what=${1:-build}
cd "$(dirname "$0")/.."

BUILD_PKGS="make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
 libjansson-dev libnghttp2-dev libevent-dev libcurl4-openssl-dev libssl-dev libyaml-dev
 ca-certificates"
TEST_PKGS="clang-format curl nghttp2-client python3 nginx wrk iproute2 valgrind chromium openssl
 prometheus libclang-rt-14-dev procps util-linux e2fsprogs kmod
 libcap2-bin python3-yaml python3-kubernetes python3-h2 python3-aiosmtpd python3-botocore
 redis-server redis-tools mariadb-server mariadb-client python3-pymysql postgresql"
BENCH_PKGS="bpftrace libbpf-tools prometheus-node-exporter linux-perf hyperfine nghttp2-server"

pkgs=$BUILD_PKGS
case "$what" in
test) pkgs="$pkgs $TEST_PKGS" ;;
bench) pkgs="$pkgs $TEST_PKGS $BENCH_PKGS" ;;
build) ;;
*) echo "setup.sh: unknown target '$what' (build|test|bench)" >&2; exit 2 ;;
esac

missing=""
# Node.js may come from elsewhere (its own npm bundled): only the commands matter.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: missing packages:$missing (run as root: sudo make ...)" >&2
		exit 1
	fi
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/tmp/hostlens-apt.log 2>&1 || {
		tail -20 /tmp/hostlens-apt.log >&2; echo "setup: apt-get install failed" >&2; exit 1; }
fi

# Node packages: the dashboard's pinned chart library (build), and the
# emulators and browser driver the tests start (test). Lockfiles pin them.
npm_ci() {
	dir=$1
	[ -f "$dir/package.json" ] || return 0
	if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.stamp" ]; then
		echo "setup: npm install in $dir"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/tmp/hostlens-npm.log 2>&1) || {
			tail -20 /tmp/hostlens-npm.log >&2; echo "setup: npm ci in $dir failed" >&2; exit 1; }
		touch "$dir/node_modules/.stamp"
	fi
}
npm_ci web
case "$what" in test|bench) npm_ci tests/js ;; esac

# tracefs is not mounted at boot on the project's machines.
if [ "$(id -u)" = 0 ] && [ ! -d /sys/kernel/tracing/events ]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
fi
exit 0
