# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The suite's soak: tests/soak/soak.sh for SOAK_SECONDS (default 120), the
# first 60 s a warm-up, in which the event log and the live feed's update
# ring start filling (soak.sh subtracts the ring's later growth). The
# agent's tables hold what is live (user/lib/table.h: dense entries; the
# routes of exited curl processes leave after 30 s), so process churn alone
# does not grow them.
sh "$(dirname "$0")/soak.sh" --duration "${SOAK_SECONDS:-120}" --warm-up "${SOAK_WARM_UP:-60}"
