# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The suite's soak: tests/soak/soak.sh for SOAK_SECONDS (default 60).
sh "$(dirname "$0")/soak.sh" --duration "${SOAK_SECONDS:-60}"
