# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# A short bounded libFuzzer round on every target (make fuzz runs long ones).
sh "$(dirname "$0")/../../scripts/fuzz.sh" "${FUZZ_SECONDS:-20}"
