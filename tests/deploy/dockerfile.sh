# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The container build, checked without Docker (this machine cannot run it):
# build stage = the README's build, runtime stage = exactly the libraries the
# binary links, all on Debian 12 (tests/deploy/dockerfile_check.py), and the
# image's default config loads.
. "$(dirname "$0")/../lib.sh"

/usr/bin/python3 "$TOP/tests/deploy/dockerfile_check.py" "$TOP" || tl_failed=1

CFG=$BUILD/tests/helpers/cfgcheck
if [ -x "$CFG" ]; then
	"$CFG" --check-config "$TOP/deploy/hostlens.yaml" >"$TMPD/c" 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -qxF 'listen: "127.0.0.1:9090"' "$TMPD/c" && grep -qxF 'http_keep_query: false' "$TMPD/c"; then
		ok image-default-config-loads
	else fail image-default-config-loads "deploy/hostlens.yaml loads, listens on loopback; got $rc $(head -2 "$TMPD/c")"; fi
else
	fail image-default-config-loads "no $CFG (run make)"
fi
finish
