# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Kubernetes manifests: every object validates against the Kubernetes API
# schema and the API server's rules (tests/deploy/k8s_validate.py; kubectl's
# own validation needs a live API server, which this machine has not), the
# ConfigMap's config loads in the agent's loader, the DaemonSet has the
# mounts, probes, limits, privileges and node identity the issue names (and
# only the host mounts the code reads: no /var/lib/kubelet/pods, no unused
# /host/proc or /sys/fs/bpf; AppArmor runtime/default, not unconfined), the
# HTTPS example (cert-manager Certificate + DaemonSet patch) is valid and
# points the agent at the mounted Secret, and the validator refuses broken
# copies (so a pass means something).
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

# HTTPS for the dashboard: the cert-manager example and the DaemonSet patch
$PY "$V" tls "$CFG" "$K/tls" "$K/hostlens-daemonset.yaml" || tl_failed=1
# ... and the TLS checks refuse broken copies
tls_refuses() { # NAME SED-EXPR FILE CHECK
	rm -rf "$TMPD/tls"; cp -r "$K/tls" "$TMPD/tls"
	sed -i "$2" "$TMPD/tls/$3"
	$PY "$V" tls "$CFG" "$TMPD/tls" "$K/hostlens-daemonset.yaml" >"$TMPD/tls.out" 2>&1
	if grep -q "^FAIL $4:" "$TMPD/tls.out"; then
		ok "tls-validator-refuses-$1"
	else fail "tls-validator-refuses-$1" "FAIL $4 for a copy with '$2' in $3"; fi
}
tls_refuses env-name-typo 's/HOSTLENS_TLS_KEY/HOSTLENS_TLS_PRIVKEY/' daemonset-tls-patch.yaml tls-patch-env-is-agent-config
tls_refuses key-world-readable 's/defaultMode: 0400/defaultMode: 0444/' daemonset-tls-patch.yaml tls-patch-mounts-the-secret
tls_refuses other-secret 's/secretName: hostlens-tls/secretName: other/' daemonset-tls-patch.yaml tls-patch-mounts-the-secret
tls_refuses no-service-name '/- hostlens.hostlens.svc$/d' certificate.yaml tls-certificate-names-the-service
tls_refuses unknown-field 's/renewBefore:/renewbefore:/' certificate.yaml tls-certificate-valid
tls_refuses issuer-missing '/issuerRef:/{n;s/name: .*/name: nobody/}' certificate.yaml tls-certificate-valid
tls_refuses probe-http 's/scheme: HTTPS/scheme: HTTPX/' daemonset-tls-patch.yaml tls-patch-probes-https

# Applying the directory creates the namespace before what lives in it:
# kubectl applies files in name order.
first=$(ls "$K"/*.yaml | head -1)
check manifests-namespace-applied-first grep -q '^kind: Namespace' "$first"

# The fleet view (issue 22): an unprivileged Deployment in fleet mode, an
# IRSA ServiceAccount, and the documented IAM policy reads only (Query and
# BatchGetItem, no Scan, no write).
F=$K/fleet-deployment.yaml
$PY - "$F" >"$TMPD/fleet.out" 2>&1 <<'PYEOF'
import sys, yaml, re
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
dep = [d for d in docs if d["kind"] == "Deployment"][0]
sa = [d for d in docs if d["kind"] == "ServiceAccount"][0]
pod = dep["spec"]["template"]["spec"]
c = pod["containers"][0]
bad = []
if c.get("args") != ["fleet"]: bad.append("args %r" % c.get("args"))
if not pod.get("securityContext", {}).get("runAsNonRoot"): bad.append("not runAsNonRoot")
if pod.get("hostPID") or pod.get("hostNetwork") or c.get("securityContext", {}).get("privileged"): bad.append("host access")
if c["securityContext"]["capabilities"].get("add"): bad.append("capabilities added")
if "eks.amazonaws.com/role-arn" not in sa["metadata"].get("annotations", {}): bad.append("no IRSA role")
if pod.get("serviceAccountName") != sa["metadata"]["name"]: bad.append("other service account")
acts = re.findall(r'"dynamodb:(\w+)"', open(sys.argv[1]).read())
if sorted(set(acts)) != ["BatchGetItem", "Query"]: bad.append("policy actions %r" % acts)
print("; ".join(bad))
sys.exit(1 if bad else 0)
PYEOF
if [ $? = 0 ]; then ok fleet-deployment-unprivileged-read-only
else fail fleet-deployment-unprivileged-read-only "$(cat "$TMPD/fleet.out")"; fi
finish
