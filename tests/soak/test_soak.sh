# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The suite's soak: tests/soak/soak.sh for SOAK_SECONDS (default 120), the
# first 60 s a warm-up. The agent's bounded tables fill their pages as
# processes come and go (a curl a few ms apart here): with a 15 s warm-up a
# clean run counted 10-15 MiB of that filling as growth. The HTTP route
# table, the largest (~12 MiB), is touched at start now.
sh "$(dirname "$0")/soak.sh" --duration "${SOAK_SECONDS:-120}" --warm-up "${SOAK_WARM_UP:-60}"
