#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Client-side validation of hostlens's Kubernetes manifests, without a cluster.

Schema: every object is checked field by field against the Kubernetes API
models of the official Python client (Debian's python3-kubernetes, generated
from the API's OpenAPI spec): unknown fields, wrong types and missing required
fields are errors, as `kubectl apply --validate=strict` reports them.
On top, the API server's own checks that matter for these objects (names,
selectors, volume and port references, $(VAR) expansion, quantities,
capability names, allowPrivilegeEscalation with SYS_ADMIN, mount propagation)
and cross-object references (ServiceAccount, ConfigMap, Service selector,
role binding). The ConfigMap's hostlens.yaml is loaded by the agent's own
config loader (cfgcheck --check-config).

Usage:
  k8s_validate.py validate CFGCHECK FILE...    one line per file: ok/FAIL
  k8s_validate.py daemonset FILE               named assertions about the DaemonSet
  k8s_validate.py selftest CFGCHECK FILE...    broken copies must be refused
"""
import copy
import os
import re
import subprocess
import sys
import tempfile

import yaml
from kubernetes import client as k8s

KINDS = {
    ("v1", "Namespace"): (k8s.V1Namespace, False),
    ("v1", "ServiceAccount"): (k8s.V1ServiceAccount, True),
    ("v1", "ConfigMap"): (k8s.V1ConfigMap, True),
    ("v1", "Secret"): (k8s.V1Secret, True),
    ("v1", "Service"): (k8s.V1Service, True),
    ("apps/v1", "DaemonSet"): (k8s.V1DaemonSet, True),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): (k8s.V1ClusterRole, False),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): (k8s.V1ClusterRoleBinding, False),
}

CAPS = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
    "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
    "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
    "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
    "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
    "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE", "ALL",
}
HOSTPATH_TYPES = {"", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket",
                  "CharDevice", "BlockDevice"}
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUB = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
PORT_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
QUANTITY = re.compile(r"^([+-]?[0-9.]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[0-9]+)?$")
SUFFIX = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
          "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


class StrictLoader(yaml.SafeLoader):
    """YAML loader that refuses duplicate keys (the API server's JSON decoder does)."""


def _mapping(loader, node, deep=False):
    seen = {}
    for k, _ in node.value:
        key = loader.construct_object(k, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})", k.start_mark)
        seen[key] = k.start_mark.line
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def quantity(s):
    m = QUANTITY.match(str(s))
    if not m:
        return None
    suf = m.group(2)
    if suf and suf.startswith("e"):
        return float(m.group(1)) * 10 ** int(suf[1:])
    return float(m.group(1)) * SUFFIX[suf]


class Checker:
    def __init__(self):
        self.errors = []

    def err(self, where, msg):
        self.errors.append(f"{where}: {msg}")

    # -- schema -----------------------------------------------------------------
    def typed(self, value, typ, where):
        """Validates value against an OpenAPI type string; returns the model value."""
        if value is None:
            return None
        if typ == "str" or typ in ("datetime", "date"):
            if not isinstance(value, str):
                self.err(where, f"must be a string, got {type(value).__name__} {value!r}")
            return value
        if typ == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                self.err(where, f"must be an integer, got {value!r}")
            return value
        if typ == "bool":
            if not isinstance(value, bool):
                self.err(where, f"must be true or false, got {value!r}")
            return value
        if typ == "float":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                self.err(where, f"must be a number, got {value!r}")
            return value
        if typ == "object":
            return value
        m = re.match(r"^list\[(.*)\]$", typ)
        if m:
            if not isinstance(value, list):
                self.err(where, f"must be a list, got {type(value).__name__}")
                return value
            return [self.typed(v, m.group(1), f"{where}[{i}]") for i, v in enumerate(value)]
        m = re.match(r"^dict\(str, (.*)\)$", typ)
        if m:
            if not isinstance(value, dict):
                self.err(where, f"must be a mapping, got {type(value).__name__}")
                return value
            out = {}
            for k, v in value.items():
                if not isinstance(k, str):
                    self.err(where, f"key {k!r} must be a string")
                out[k] = self.typed(v, m.group(1), f"{where}.{k}")
            return out
        cls = getattr(k8s, typ, None)
        if cls is None:
            self.err(where, f"validator does not know type {typ}")
            return value
        return self.model(value, cls, where)

    def model(self, value, cls, where):
        if not isinstance(value, dict):
            self.err(where, f"must be a mapping ({cls.__name__}), got {type(value).__name__}")
            return None
        by_json = {j: a for a, j in cls.attribute_map.items()}
        kwargs = {}
        for k, v in value.items():
            if k not in by_json:
                self.err(where, f'unknown field "{k}" in {cls.__name__}')
                continue
            attr = by_json[k]
            kwargs[attr] = self.typed(v, cls.openapi_types[attr], f"{where}.{k}")
        try:
            return cls(**kwargs)
        except (ValueError, TypeError) as e:
            self.err(where, f"{cls.__name__}: {e}")
            return None

    # -- API server rules -----------------------------------------------------------
    def name(self, where, meta, namespaced, namespaces):
        n = (meta or {}).get("name", "")
        if not n or len(n) > 253 or not DNS1123_SUB.match(n):
            self.err(where, f"metadata.name {n!r} is not a DNS-1123 subdomain")
        ns = (meta or {}).get("namespace")
        if namespaced and not ns:
            self.err(where, "namespaced object without metadata.namespace")
        if namespaced and ns and ns not in namespaces:
            self.err(where, f"namespace {ns!r} is not created by these manifests")
        if not namespaced and ns:
            self.err(where, "cluster-scoped object with metadata.namespace")
        for k, v in ((meta or {}).get("labels") or {}).items():
            if not isinstance(v, str) or len(v) > 63 or (v and not re.match(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", v)):
                self.err(where, f"label {k}={v!r} is not a valid label value")

    def container(self, where, c, pod, volumes):
        ports = {}
        for p in c.get("ports") or []:
            pn = p.get("name")
            if pn is not None:
                if len(pn) > 15 or not PORT_NAME.match(pn):
                    self.err(where, f"port name {pn!r} is not an IANA service name (<= 15)")
                if pn in ports:
                    self.err(where, f"port name {pn!r} used twice")
                ports[pn] = p.get("containerPort")
            if pod.get("hostNetwork") and p.get("hostPort") not in (None, p.get("containerPort")):
                self.err(where, "with hostNetwork, hostPort must equal containerPort")
        defined = []
        for e in c.get("env") or []:
            en = e.get("name", "")
            if not ENV_NAME.match(en):
                self.err(where, f"env name {en!r} is not valid")
            if "value" in e and "valueFrom" in e:
                self.err(where, f"env {en}: value and valueFrom are exclusive")
            for ref in re.findall(r"\$\(([^)]*)\)", str(e.get("value", ""))):
                if ref not in defined:
                    self.err(where, f"env {en}: $({ref}) is not defined earlier in env, it stays literal")
            vf = e.get("valueFrom") or {}
            fp = (vf.get("fieldRef") or {}).get("fieldPath")
            if fp and fp not in ("metadata.name", "metadata.namespace", "metadata.uid",
                                 "spec.nodeName", "spec.serviceAccountName", "status.hostIP",
                                 "status.hostIPs", "status.podIP", "status.podIPs") \
                    and not re.match(r"^metadata\.(labels|annotations)\['[^']+'\]$", fp):
                self.err(where, f"env {en}: fieldRef {fp!r} is not supported")
            defined.append(en)
        mounts = set()
        for m in c.get("volumeMounts") or []:
            if m.get("name") not in volumes:
                self.err(where, f"volumeMount {m.get('name')!r} names no volume")
            if m.get("mountPath") in mounts:
                self.err(where, f"mountPath {m.get('mountPath')} used twice")
            mounts.add(m.get("mountPath"))
            mp = m.get("mountPropagation")
            if mp not in (None, "None", "HostToContainer", "Bidirectional"):
                self.err(where, f"mountPropagation {mp!r} is not valid")
            if mp == "Bidirectional" and not (c.get("securityContext") or {}).get("privileged"):
                self.err(where, "Bidirectional mount propagation is only allowed for privileged containers")
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            pr = c.get(probe)
            if not pr:
                continue
            hg = pr.get("httpGet") or {}
            port = hg.get("port")
            if isinstance(port, str) and port not in ports:
                self.err(where, f"{probe} port {port!r} names no container port")
            if isinstance(port, int) and not 0 < port < 65536:
                self.err(where, f"{probe} port {port} out of range")
        res = c.get("resources") or {}
        for kind in ("requests", "limits"):
            for r, q in (res.get(kind) or {}).items():
                if quantity(q) is None:
                    self.err(where, f"resources.{kind}.{r}: {q!r} is not a quantity")
        for r, q in (res.get("requests") or {}).items():
            lim = (res.get("limits") or {}).get(r)
            if lim is not None and quantity(q) is not None and quantity(lim) is not None \
                    and quantity(q) > quantity(lim):
                self.err(where, f"resources: request {r}={q} exceeds limit {lim}")
        sc = c.get("securityContext") or {}
        caps = sc.get("capabilities") or {}
        for cap in (caps.get("add") or []) + (caps.get("drop") or []):
            if cap not in CAPS:
                self.err(where, f"capability {cap!r} is not a capability name (no CAP_ prefix)")
        if sc.get("allowPrivilegeEscalation") is False and (
                sc.get("privileged") or "SYS_ADMIN" in (caps.get("add") or [])):
            self.err(where, "cannot set allowPrivilegeEscalation to false and privileged or CAP_SYS_ADMIN")

    def pod(self, where, spec, objs):
        volumes = {}
        for v in spec.get("volumes") or []:
            if v.get("name") in volumes:
                self.err(where, f"volume {v.get('name')!r} defined twice")
            volumes[v.get("name")] = v
            hp = v.get("hostPath")
            if hp and hp.get("type", "") not in HOSTPATH_TYPES:
                self.err(where, f"volume {v['name']}: hostPath type {hp.get('type')!r} is not valid")
            cm = v.get("configMap")
            if cm:
                found = [o for o in objs if o.get("kind") == "ConfigMap"
                         and o["metadata"]["name"] == cm.get("name")]
                if not found and not cm.get("optional"):
                    self.err(where, f"volume {v['name']}: ConfigMap {cm.get('name')!r} is not in the manifests")
                for it in cm.get("items") or []:
                    if found and it.get("key") not in (found[0].get("data") or {}):
                        self.err(where, f"volume {v['name']}: ConfigMap has no key {it.get('key')!r}")
        sa = spec.get("serviceAccountName")
        if sa and not [o for o in objs if o.get("kind") == "ServiceAccount" and o["metadata"]["name"] == sa]:
            self.err(where, f"serviceAccountName {sa!r} is not in the manifests")
        if spec.get("hostNetwork") and spec.get("dnsPolicy") not in ("ClusterFirstWithHostNet", "Default", "None"):
            self.err(where, "hostNetwork pods need dnsPolicy ClusterFirstWithHostNet to resolve cluster names")
        names = set()
        for i, c in enumerate(spec.get("containers") or []):
            if c.get("name") in names or not DNS1123_LABEL.match(c.get("name", "")):
                self.err(where, f"container name {c.get('name')!r} invalid or repeated")
            names.add(c.get("name"))
            self.container(f"{where}.containers[{i}]", c, spec, volumes)
        for ann in (spec.get("_annotations") or {}):
            pass

    def objects(self, objs, cfgcheck):
        namespaces = {o["metadata"]["name"] for o in objs if o.get("kind") == "Namespace"}
        for o in objs:
            kind, api = o.get("kind"), o.get("apiVersion")
            where = f"{kind}/{(o.get('metadata') or {}).get('name')}"
            if (api, kind) not in KINDS:
                self.err(where, f"unknown apiVersion/kind {api}/{kind}")
                continue
            cls, namespaced = KINDS[(api, kind)]
            self.model(o, cls, where)
            self.name(where, o.get("metadata"), namespaced, namespaces)
            if kind == "DaemonSet":
                spec = o.get("spec") or {}
                tmpl = spec.get("template") or {}
                sel = ((spec.get("selector") or {}).get("matchLabels")) or {}
                labels = ((tmpl.get("metadata") or {}).get("labels")) or {}
                if not sel or any(labels.get(k) != v for k, v in sel.items()):
                    self.err(where, "spec.selector does not match the template labels")
                for k in ((tmpl.get("metadata") or {}).get("annotations") or {}):
                    m = re.match(r"^container\.apparmor\.security\.beta\.kubernetes\.io/(.*)$", k)
                    cnames = [c.get("name") for c in (tmpl.get("spec") or {}).get("containers") or []]
                    if m and m.group(1) not in cnames:
                        self.err(where, f"AppArmor annotation names no container: {m.group(1)}")
                self.pod(f"{where}.spec.template.spec", tmpl.get("spec") or {}, objs)
            if kind == "Service":
                sel = (o.get("spec") or {}).get("selector") or {}
                pods = [d for d in objs if d.get("kind") == "DaemonSet" and all(
                    d["spec"]["template"]["metadata"].get("labels", {}).get(k) == v for k, v in sel.items())]
                if not pods:
                    self.err(where, "selector matches no pod template in the manifests")
                for p in (o.get("spec") or {}).get("ports") or []:
                    tp = p.get("targetPort")
                    if isinstance(tp, str) and pods and not any(
                            tp == cp.get("name") for d in pods
                            for c in d["spec"]["template"]["spec"]["containers"] for cp in c.get("ports") or []):
                        self.err(where, f"targetPort {tp!r} names no container port")
            if kind == "ClusterRoleBinding":
                ref = o.get("roleRef") or {}
                if not [r for r in objs if r.get("kind") == ref.get("kind") and r["metadata"]["name"] == ref.get("name")]:
                    self.err(where, f"roleRef {ref.get('kind')}/{ref.get('name')} is not in the manifests")
                for s in o.get("subjects") or []:
                    if s.get("kind") == "ServiceAccount" and not [
                            a for a in objs if a.get("kind") == "ServiceAccount"
                            and a["metadata"]["name"] == s.get("name")
                            and a["metadata"].get("namespace") == s.get("namespace")]:
                        self.err(where, f"subject ServiceAccount {s.get('namespace')}/{s.get('name')} is not in the manifests")
            if kind == "ConfigMap" and "hostlens.yaml" in (o.get("data") or {}) and cfgcheck:
                with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
                    f.write(o["data"]["hostlens.yaml"])
                env = {k: v for k, v in os.environ.items() if not k.startswith("HOSTLENS_")}
                r = subprocess.run([cfgcheck, "--check-config", f.name], capture_output=True, text=True, env=env)
                os.unlink(f.name)
                if r.returncode != 0:
                    self.err(where, f"hostlens.yaml refused by the agent's loader: {r.stderr.strip()}")


def load(files):
    objs, errs = [], []
    for fn in files:
        try:
            with open(fn) as f:
                docs = [d for d in yaml.load_all(f, Loader=StrictLoader) if d is not None]
        except yaml.YAMLError as e:
            errs.append(f"{fn}: YAML: {e}")
            continue
        for d in docs:
            d["_file"] = fn
            objs.append(d)
    return objs, errs


def strip(o):
    return {k: v for k, v in o.items() if k != "_file"}


def cmd_validate(cfgcheck, files):
    objs, errs = load(files)
    bad = 0
    for e in errs:
        print(f"FAIL manifest-parse: {e}")
        bad = 1
    clean = [strip(o) for o in objs]
    ch = Checker()
    ch.objects(clean, cfgcheck)
    for fn in files:
        name = "manifest-valid-" + os.path.basename(fn).rsplit(".", 1)[0]
        kinds = [f"{o['kind']}/{o['metadata']['name']}" for o in objs if o["_file"] == fn]
        mine = [e for e in ch.errors if any(e.startswith(k + ":") or e.startswith(k + ".") for k in kinds)]
        if not kinds:
            print(f"FAIL {name}: no Kubernetes object in {fn}")
            bad = 1
        elif mine:
            print(f"FAIL {name}: " + "; ".join(mine))
            bad = 1
        else:
            print(f"ok {name} ({', '.join(kinds)})")
    return bad


def cmd_daemonset(fn):
    objs, errs = load([fn])
    ds = [o for o in objs if o.get("kind") == "DaemonSet"]
    if errs or len(ds) != 1:
        print(f"FAIL daemonset-present: one DaemonSet in {fn}; {errs}")
        return 1
    ds = ds[0]
    pod = ds["spec"]["template"]["spec"]
    c = pod["containers"][0]
    sc = c.get("securityContext") or {}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts") or []}
    vols = {v["name"]: v for v in pod.get("volumes") or []}
    env = {e["name"]: e for e in c.get("env") or []}
    bad = 0

    def check(name, cond, why):
        nonlocal bad
        if cond:
            print(f"ok {name}")
        else:
            print(f"FAIL {name}: {why}")
            bad = 1

    def host_mount(path, host, ro):
        m = mounts.get(path)
        if not m:
            return f"no volumeMount at {path}"
        hp = (vols.get(m["name"]) or {}).get("hostPath") or {}
        if hp.get("path") != host:
            return f"{path} mounts {hp.get('path')!r}, not host {host}"
        if ro is not None and bool(m.get("readOnly")) != ro:
            return f"{path} readOnly should be {ro}"
        return None

    check("daemonset-hostpid", pod.get("hostPID") is True, f"hostPID: {pod.get('hostPID')}")
    for path, host, ro in (("/sys/kernel/btf", "/sys/kernel/btf", True),
                           ("/sys/kernel/tracing", "/sys/kernel/tracing", False),
                           ("/sys/fs/bpf", "/sys/fs/bpf", False),
                           ("/host/proc", "/proc", True),
                           ("/var/log/pods", "/var/log/pods", True),
                           ("/var/log/containers", "/var/log/containers", True),
                           ("/var/lib/hostlens", "/var/lib/hostlens", False)):
        why = host_mount(path, host, ro)
        check("daemonset-mount-" + path.strip("/").replace("/", "-"), why is None, why)
    bpf_prop = (mounts.get("/sys/fs/bpf") or {}).get("mountPropagation")
    check("daemonset-bpffs-propagation", bpf_prop == "HostToContainer",
          f"pins made on the host are seen: HostToContainer, got {bpf_prop}")
    cfgm = mounts.get("/etc/hostlens")
    check("daemonset-config-mounted", cfgm and (vols.get(cfgm["name"]) or {}).get("configMap", {}).get("name") == "hostlens-config"
          and "/etc/hostlens/hostlens.yaml" in (c.get("args") or []) + [(env.get("HOSTLENS_CONFIG") or {}).get("value")],
          "ConfigMap hostlens-config at /etc/hostlens and --config /etc/hostlens/hostlens.yaml")
    lp, rp = c.get("livenessProbe") or {}, c.get("readinessProbe") or {}
    port = [p for p in c.get("ports") or [] if p.get("name") == (lp.get("httpGet") or {}).get("port")]
    check("daemonset-liveness-healthz", (lp.get("httpGet") or {}).get("path") == "/healthz" and port
          and port[0].get("containerPort") == 9090, f"livenessProbe httpGet /healthz on 9090, got {lp}")
    check("daemonset-readiness-readyz", (rp.get("httpGet") or {}).get("path") == "/readyz"
          and (rp.get("httpGet") or {}).get("port") == (lp.get("httpGet") or {}).get("port"),
          f"readinessProbe httpGet /readyz, got {rp}")
    res = c.get("resources") or {}
    ok_res = all(quantity((res.get(k) or {}).get(r)) for k in ("requests", "limits") for r in ("cpu", "memory"))
    check("daemonset-resources-requests-limits", ok_res,
          f"cpu and memory requests and limits, got {res}")
    if ok_res:
        # the ConfigMap's memory budget: log_size 16M + 512K rings x 128 CPUs + 64M
        need = (16 + 64 + 64) * 2**20
        check("daemonset-memory-limit-fits-config", quantity(res["limits"]["memory"]) >= need,
              f"limit {res['limits']['memory']} below {need >> 20}Mi")
    ns = (env.get("NODE_NAME") or {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
    src = env.get("HOSTLENS_SOURCE") or {}
    names = list(env)
    check("daemonset-node-name-is-source",
          ns == "spec.nodeName" and src.get("value") == "$(NODE_NAME)"
          and names.index("NODE_NAME") < names.index("HOSTLENS_SOURCE"),
          f"NODE_NAME from spec.nodeName, HOSTLENS_SOURCE=$(NODE_NAME) after it; got {ns} {src}")
    lst = (env.get("HOSTLENS_LISTEN") or {}).get("value", "")
    check("daemonset-listen-not-wildcard", lst.startswith("$(HOST_IP):") and "0.0.0.0" not in lst,
          f"listen on the node's IP, got {lst!r}")
    tok = (env.get("HOSTLENS_AUTH_TOKEN") or {}).get("valueFrom", {}).get("secretKeyRef", {})
    check("daemonset-auth-token-from-secret", tok.get("name") and tok.get("key") and not tok.get("optional"),
          f"HOSTLENS_AUTH_TOKEN from a required Secret, got {tok}")
    caps = sc.get("capabilities") or {}
    check("daemonset-capabilities-least",
          caps.get("drop") == ["ALL"] and set(caps.get("add") or []) == {"BPF", "PERFMON", "SYS_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH"},
          f"drop ALL, add only BPF PERFMON SYS_ADMIN SYS_PTRACE DAC_READ_SEARCH; got {caps}")
    check("daemonset-not-privileged", sc.get("privileged") in (None, False),
          "privileged is the documented fallback, not the default")
    check("daemonset-readonly-rootfs", sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem: true")
    tol = pod.get("tolerations") or []
    check("daemonset-tolerates-all-taints", any(t.get("operator") == "Exists" and not t.get("key") and not t.get("effect") for t in tol),
          f"a toleration with operator Exists and no key/effect, got {tol}")
    check("daemonset-service-account", pod.get("serviceAccountName") == "hostlens", "serviceAccountName hostlens")
    with open(fn) as f:
        text = f.read()
    check("daemonset-documents-privileged-fallback", re.search(r"^#\s+privileged: true", text, re.M) is not None,
          "a comment showing `privileged: true` as the fallback")
    version = open(os.path.join(os.path.dirname(fn), "..", "..", "VERSION")).read().strip()
    check("daemonset-image-is-version", c.get("image", "").endswith(":" + version),
          f"image tag {version} (VERSION), got {c.get('image')}")
    return bad


MUTATIONS = [
    # (name, function on the DaemonSet dict, text the validator must report)
    ("typo-field", lambda d: d["spec"]["template"]["spec"].__setitem__("hostPid", True), 'unknown field "hostPid"'),
    ("missing-image-name", lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("name"), "`name`, must not be `None`"),
    ("mount-without-volume", lambda d: d["spec"]["template"]["spec"]["volumes"].pop(), "names no volume"),
    ("no-escalation-with-sys-admin", lambda d: d["spec"]["template"]["spec"]["containers"][0]["securityContext"].__setitem__("allowPrivilegeEscalation", False), "allowPrivilegeEscalation"),
    ("bad-quantity", lambda d: d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"].__setitem__("memory", "512MB"), "is not a quantity"),
    ("int-for-string", lambda d: d["spec"]["template"]["metadata"]["labels"].__setitem__("tier", 1), "must be a string"),
    ("cap-prefix", lambda d: d["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]["add"].append("CAP_NET_RAW"), "is not a capability name"),
    ("probe-port-unknown", lambda d: d["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"].__setitem__("port", "web"), "names no container port"),
    ("env-ref-undefined", lambda d: d["spec"]["template"]["spec"]["containers"][0]["env"].insert(0, {"name": "X", "value": "$(HOST_IP)"}), "is not defined earlier"),
    ("selector-mismatch", lambda d: d["spec"]["selector"]["matchLabels"].__setitem__("app.kubernetes.io/name", "other"), "does not match the template labels"),
    ("bidirectional-unprivileged", lambda d: d["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][3].__setitem__("mountPropagation", "Bidirectional"), "only allowed for privileged"),
    ("list-for-map", lambda d: d["spec"]["template"]["spec"].__setitem__("nodeSelector", ["linux"]), "must be a mapping"),
]


def cmd_selftest(cfgcheck, files):
    objs, errs = load(files)
    if errs:
        print(f"FAIL validator-selftest: manifests do not parse: {errs}")
        return 1
    clean = [strip(o) for o in objs]
    bad = 0
    base = Checker()
    base.objects(clean, cfgcheck)
    if base.errors:
        print(f"FAIL validator-selftest-baseline: the shipped manifests must be clean first: {base.errors}")
        return 1
    for name, mutate, want in MUTATIONS:
        objs2 = copy.deepcopy(clean)
        ds = [o for o in objs2 if o.get("kind") == "DaemonSet"][0]
        mutate(ds)
        ch = Checker()
        ch.objects(objs2, cfgcheck)
        if any(want in e for e in ch.errors):
            print(f"ok validator-refuses-{name}")
        else:
            print(f"FAIL validator-refuses-{name}: expected an error containing {want!r}, got {ch.errors}")
            bad = 1
    # a config the agent refuses, inside the ConfigMap
    objs2 = copy.deepcopy(clean)
    cm = [o for o in objs2 if o.get("kind") == "ConfigMap"][0]
    cm["data"]["hostlens.yaml"] += "flush_interval: soon\n"
    ch = Checker()
    ch.objects(objs2, cfgcheck)
    if any("refused by the agent's loader" in e and "flush_interval" in e for e in ch.errors):
        print("ok validator-refuses-bad-agent-config")
    else:
        print(f"FAIL validator-refuses-bad-agent-config: the agent loader's error, got {ch.errors}")
        bad = 1
    # duplicate keys are a YAML error, as for the API server
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n")
    _, e2 = load([f.name])
    os.unlink(f.name)
    if e2 and "duplicate key 'name'" in e2[0]:
        print("ok validator-refuses-duplicate-key")
    else:
        print(f"FAIL validator-refuses-duplicate-key: got {e2}")
        bad = 1
    return bad


def main(argv):
    if len(argv) >= 3 and argv[1] == "validate":
        return cmd_validate(argv[2], argv[3:])
    if len(argv) == 3 and argv[1] == "daemonset":
        return cmd_daemonset(argv[2])
    if len(argv) >= 3 and argv[1] == "selftest":
        return cmd_selftest(argv[2], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
