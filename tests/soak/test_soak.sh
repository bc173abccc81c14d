# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The suite's soak: tests/soak/soak.sh for SOAK_SECONDS (default 120: the
# agent's bounded tables fill their pages as processes come and go, a curl a
# few ms apart here; a 60 s round ended its 15 s warm-up before the HTTP
# route table (2048 rows of two histograms, ~12 MiB) had been touched
# through, and counted that as growth).
sh "$(dirname "$0")/soak.sh" --duration "${SOAK_SECONDS:-120}"
