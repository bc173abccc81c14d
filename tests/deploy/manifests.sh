# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Kubernetes manifests: every object validates against the Kubernetes API
# schema and the API server's rules (tests/deploy/k8s_validate.py; kubectl's
# own validation needs a live API server, which this machine has not), the
# ConfigMap's config loads in the agent's loader, the DaemonSet has the
# mounts, probes, limits, privileges and node identity the issue names, and the
# validator refuses broken copies (so a pass means something).
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
V=$TOP/tests/deploy/k8s_validate.py
CFG=$BUILD/tests/helpers/cfgcheck
K=$TOP/deploy/kubernetes
if ! $PY -c 'import yaml, kubernetes.client' 2>/dev/null; then
	fail manifests-validator "python3-yaml and python3-kubernetes are needed (sh scripts/setup.sh test)"
	finish
fi
[ -x "$CFG" ] || { fail manifests-validator "no $CFG (run make)"; finish; }
$PY "$V" validate "$CFG" "$K"/*.yaml || tl_failed=1
$PY "$V" daemonset "$K/hostlens-daemonset.yaml" || tl_failed=1
$PY "$V" selftest "$CFG" "$K"/*.yaml || tl_failed=1

# Applying the directory creates the namespace before what lives in it:
# kubectl applies files in name order.
first=$(ls "$K"/*.yaml | head -1)
check manifests-namespace-applied-first grep -q '^kind: Namespace' "$first"
finish
