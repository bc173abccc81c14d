#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Builds every tests/fuzz/fuzz_*.c with clang's libFuzzer (+ASan/UBSan) against
# a clang build of the library in build-fuzz/, then runs each for SECONDS
# (default 60: `make fuzz`; the test suite runs a short bounded round).
#   build.sh [SECONDS]
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
OUT=build-fuzz
FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
make --no-print-directory OUTPUT=$OUT CC=clang SAN="$FLAGS" CFLAGS="-O1 -g" $OUT/libhostlens.a >/dev/null
PKG="libbpf libelf zlib jansson libnghttp2 libevent libevent_openssl libevent_pthreads libcurl yaml-0.1 openssl"
rc=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	clang -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE \
		-I. -I$OUT $(pkg-config --cflags $PKG) "$src" $OUT/libhostlens.a \
		$(pkg-config --libs $PKG) -lpthread -lm -o "$OUT/$name"
	corpus=tests/fuzz/corpus/${name#fuzz_}
	mkdir -p "$corpus" "$OUT/corpus-$name"
	if "$OUT/$name" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=0 "$OUT/corpus-$name" "$corpus" >"$OUT/$name.log" 2>&1; then
		echo "ok $name: $(grep -Eo '#[0-9]+' "$OUT/$name.log" | tail -1 | tr -d '#') runs in ${secs}s, no crash"
	else
		echo "FAIL $name: crash or leak, see $OUT/$name.log: $(grep -m1 -E 'ERROR|SUMMARY' "$OUT/$name.log")"
		rc=1
	fi
done
exit $rc
