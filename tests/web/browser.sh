# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The dashboard in headless Chromium (playwright-core, Debian's chromium).
. "$(dirname "$0")/../lib.sh"
DEMO=$BUILD/tests/helpers/webdemo
OUT=${TEST_OUT:-$TOP/build/test-results}
mkdir -p "$OUT"
if [ ! -x /usr/bin/chromium ]; then skip browser "no /usr/bin/chromium (scripts/setup.sh test installs it)"; finish; fi
if [ ! -d "$TOP/tests/js/node_modules/playwright-core" ]; then
	skip browser "tests/js/node_modules missing (cd tests/js && npm ci)"; finish
fi
PORT=$((21000 + $$ % 1000))
TOP=$TOP node "$TOP/tests/web/browser.js" "$DEMO" "$PORT" "$OUT" "$TMPD/chromium-profile" || tl_failed=1
finish
