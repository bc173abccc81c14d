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
  k8s_validate.py tls CFGCHECK DIR DAEMONSET   the HTTPS example (cert-manager
                                               Certificate + DaemonSet patch)
"""
import copy
import glob
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
    ("apps/v1", "Deployment"): (k8s.V1Deployment, True),
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
            if kind in ("DaemonSet", "Deployment"):
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
                pods = [d for d in objs if d.get("kind") in ("DaemonSet", "Deployment") and all(
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


# Host paths the DaemonSet mounts: (mountPath, host path, readOnly). Each is
# read (or, for the data directory, written) by the agent: the code names it.
HOST_MOUNTS = (("/sys/kernel/btf", "/sys/kernel/btf", True),
               ("/sys/kernel/tracing", "/sys/kernel/tracing", True),
               ("/var/log/pods", "/var/log/pods", True),
               ("/var/log/containers", "/var/log/containers", True),
               ("/var/lib/hostlens", "/var/lib/hostlens", False))
CODE_DIRS = ("user", "collectors", "sinks", "web")


def top_dir(fn):
    return os.path.join(os.path.dirname(os.path.abspath(fn)), "..", "..")


def code_mentions(top, path):
    """Does the agent's C source name path?"""
    for d in CODE_DIRS:
        for f in glob.glob(os.path.join(top, d, "**", "*.[ch]"), recursive=True):
            with open(f, errors="replace") as fh:
                if path in fh.read():
                    return True
    return False


def host_mount_rules(ds, top):
    """[(name, ok, why)]: no kubelet pod directories, no host mount beyond
    HOST_MOUNTS (and no hostPath volume left unmounted), every mounted host
    path named by the code, host mounts read-only but the data directory."""
    pod = ds["spec"]["template"]["spec"]
    c = pod["containers"][0]
    vols = {v["name"]: v for v in pod.get("volumes") or []}
    host = {}
    for m in c.get("volumeMounts") or []:
        hp = (vols.get(m.get("name")) or {}).get("hostPath")
        if hp:
            host[m["mountPath"]] = (hp.get("path"), bool(m.get("readOnly")))
    unmounted = [v for v, d in vols.items() if d.get("hostPath") and
                 not any(m.get("name") == v for m in c.get("volumeMounts") or [])]
    allowed = {p: (h, ro) for p, h, ro in HOST_MOUNTS}
    kubelet = [d["hostPath"]["path"] for d in vols.values()
               if (d.get("hostPath") or {}).get("path", "").startswith("/var/lib/kubelet")]
    out = [("daemonset-no-kubelet-pods-mount", not kubelet,
            f"no hostPath under /var/lib/kubelet (every pod's secrets and tokens); got {kubelet}")]
    extra = sorted(set(host) - set(allowed)) + unmounted
    out.append(("daemonset-no-unused-host-mounts", not extra,
                f"host mounts only {sorted(allowed)}; also got {extra}"))
    unread = [h for h, _ in host.values() if not code_mentions(top, h)]
    out.append(("daemonset-host-mounts-used-by-code", not unread,
                f"every mounted host path is named in {', '.join(CODE_DIRS)}/; none names {unread}"))
    rw = [p for p, (h, ro) in host.items() if not ro and not (p in allowed and not allowed[p][1])]
    out.append(("daemonset-host-mounts-read-only", not rw,
                f"host mounts read-only except /var/lib/hostlens; writable: {rw}"))
    return out


def apparmor_rules(ds):
    """[(name, ok, why)]: the container runs under the runtime's default
    AppArmor profile, not unconfined."""
    tmpl = ds["spec"]["template"]
    ann = (tmpl.get("metadata") or {}).get("annotations") or {}
    aa = {k: v for k, v in ann.items() if k.startswith("container.apparmor.security.beta.kubernetes.io/")}
    fields = [(c.get("securityContext") or {}).get("appArmorProfile") for c in tmpl["spec"]["containers"]]
    fields.append((tmpl["spec"].get("securityContext") or {}).get("appArmorProfile"))
    unconf = [v for v in aa.values() if v == "unconfined"] + \
        [f for f in fields if f and f.get("type") == "Unconfined"]
    name = tmpl["spec"]["containers"][0]["name"]
    return [("daemonset-apparmor-not-unconfined",
             not unconf and aa.get("container.apparmor.security.beta.kubernetes.io/" + name) == "runtime/default",
             f"AppArmor runtime/default for container {name} (the agent mounts nothing), never unconfined; "
             f"got {aa} {[f for f in fields if f]}")]


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
    for path, host, ro in HOST_MOUNTS:
        why = host_mount(path, host, ro)
        check("daemonset-mount-" + path.strip("/").replace("/", "-"), why is None, why)
    for name, ok_, why in host_mount_rules(ds, top_dir(fn)):
        check(name, ok_, why)
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
          caps.get("drop") == ["ALL"] and set(caps.get("add") or []) == {"BPF", "PERFMON", "SYS_PTRACE", "DAC_READ_SEARCH", "SYS_NICE"},
          "drop ALL, add only BPF PERFMON SYS_PTRACE DAC_READ_SEARCH SYS_NICE (no SYS_ADMIN: the agent mounts nothing "
          f"and attaches later uprobes as uprobe_multi links); got {caps}")
    check("daemonset-no-privilege-escalation", sc.get("allowPrivilegeEscalation") is False,
          f"allowPrivilegeEscalation: false (no_new_privs from the start), got {sc.get('allowPrivilegeEscalation')}")
    for name, ok_, why in apparmor_rules(ds):
        check(name, ok_, why)
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
    ("no-escalation-with-sys-admin", lambda d: d["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]["add"].append("SYS_ADMIN"), "allowPrivilegeEscalation"),
    ("bad-quantity", lambda d: d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"].__setitem__("memory", "512MB"), "is not a quantity"),
    ("int-for-string", lambda d: d["spec"]["template"]["metadata"]["labels"].__setitem__("tier", 1), "must be a string"),
    ("cap-prefix", lambda d: d["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]["add"].append("CAP_NET_RAW"), "is not a capability name"),
    ("probe-port-unknown", lambda d: d["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"].__setitem__("port", "web"), "names no container port"),
    ("env-ref-undefined", lambda d: d["spec"]["template"]["spec"]["containers"][0]["env"].insert(0, {"name": "X", "value": "$(HOST_IP)"}), "is not defined earlier"),
    ("selector-mismatch", lambda d: d["spec"]["selector"]["matchLabels"].__setitem__("app.kubernetes.io/name", "other"), "does not match the template labels"),
    ("bidirectional-unprivileged", lambda d: d["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][3].__setitem__("mountPropagation", "Bidirectional"), "only allowed for privileged"),
    ("list-for-map", lambda d: d["spec"]["template"]["spec"].__setitem__("nodeSelector", ["linux"]), "must be a mapping"),
]


def _add_host_mount(d, name, path, mount):
    pod = d["spec"]["template"]["spec"]
    pod["volumes"].append({"name": name, "hostPath": {"path": path}})
    pod["containers"][0]["volumeMounts"].append({"name": name, "mountPath": mount, "readOnly": True})


def _tracefs_writable(d):
    for m in d["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]:
        if m["mountPath"] == "/sys/kernel/tracing":
            m["readOnly"] = False


# (name, mutation of the DaemonSet, rule of host_mount_rules/apparmor_rules that must fail)
DS_MUTATIONS = [
    ("kubelet-pods", lambda d: _add_host_mount(d, "kubelet-pods", "/var/lib/kubelet/pods", "/var/lib/kubelet/pods"),
     "daemonset-no-kubelet-pods-mount"),
    ("host-proc", lambda d: _add_host_mount(d, "host-proc", "/proc", "/host/proc"), "daemonset-no-unused-host-mounts"),
    ("bpffs-volume-unmounted", lambda d: d["spec"]["template"]["spec"]["volumes"].append(
        {"name": "bpffs", "hostPath": {"path": "/sys/fs/bpf"}}), "daemonset-no-unused-host-mounts"),
    ("host-path-the-code-never-reads", lambda d: _add_host_mount(d, "x", "/var/lib/not-read-by-hostlens", "/unread"),
     "daemonset-host-mounts-used-by-code"),
    ("tracefs-writable", _tracefs_writable, "daemonset-host-mounts-read-only"),
    ("apparmor-unconfined", lambda d: d["spec"]["template"]["metadata"]["annotations"].__setitem__(
        "container.apparmor.security.beta.kubernetes.io/hostlens", "unconfined"), "daemonset-apparmor-not-unconfined"),
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
    # the DaemonSet's host-mount and AppArmor rules refuse what they are about
    top = top_dir(files[0])
    dsbase = [o for o in clean if o.get("kind") == "DaemonSet"][0]
    base = {n: o for n, o, _ in host_mount_rules(dsbase, top) + apparmor_rules(dsbase)}
    for name, mutate, rule in DS_MUTATIONS:
        ds = copy.deepcopy(dsbase)
        mutate(ds)
        res = {n: (o, w) for n, o, w in host_mount_rules(ds, top) + apparmor_rules(ds)}
        if base.get(rule) and rule in res and not res[rule][0]:
            print(f"ok validator-refuses-{name}")
        else:
            print(f"FAIL validator-refuses-{name}: rule {rule} should pass on the shipped DaemonSet "
                  f"({base.get(rule)}) and fail on this copy, got {res.get(rule)}")
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


# cert-manager v1 (cert-manager.io/v1) fields the example may use, for a
# strict check like the API server's for a CRD with a structural schema.
CM_CERT_SPEC = {"secretName", "commonName", "dnsNames", "ipAddresses", "uris", "emailAddresses",
                "duration", "renewBefore", "renewBeforePercentage", "privateKey", "usages", "issuerRef",
                "subject", "isCA", "secretTemplate", "keystores", "literalSubject",
                "revisionHistoryLimit", "additionalOutputFormats", "encodeUsagesInRequest",
                "nameConstraints", "otherNames"}
CM_PRIVATE_KEY = {"algorithm", "size", "encoding", "rotationPolicy"}
CM_ISSUER_SPEC = {"selfSigned", "ca", "acme", "vault", "venafi"}
CM_USAGES = {"signing", "digital signature", "content commitment", "key encipherment", "key agreement",
             "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any",
             "server auth", "client auth", "code signing", "email protection", "s/mime",
             "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
             "microsoft sgc", "netscape sgc"}
GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(h|m|s|ms|us|ns))+$")


def go_duration_s(s):
    if not isinstance(s, str) or not GO_DURATION.match(s):
        return None
    unit = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
    return sum(float(n) * unit[u] for n, _, u in re.findall(r"([0-9]+(\.[0-9]+)?)(h|ms|us|ns|m|s)", s))


def strategic_merge(base, patch, key=None):
    """kubectl's strategic merge for what a DaemonSet patch touches: maps
    merge, lists of containers/volumes/env merge by name, volumeMounts by
    mountPath, other lists are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = strategic_merge(base.get(k), v, k) if k in base else copy.deepcopy(v)
        return out
    merge_key = {"containers": "name", "volumes": "name", "env": "name",
                 "volumeMounts": "mountPath", "ports": "containerPort"}.get(key)
    if isinstance(base, list) and isinstance(patch, list) and merge_key:
        out = [copy.deepcopy(b) for b in base]
        for p in patch:
            hit = [i for i, b in enumerate(out) if b.get(merge_key) == p.get(merge_key)]
            if hit:
                out[hit[0]] = strategic_merge(out[hit[0]], p)
            else:
                out.append(copy.deepcopy(p))
        return out
    return copy.deepcopy(patch)


def cmd_tls(cfgcheck, d, dsfile):
    """The HTTPS example: a cert-manager Issuer and Certificate, and a patch
    that mounts the certificate's Secret and points the agent at it."""
    files = sorted(glob.glob(os.path.join(d, "*.yaml")))
    objs, errs = load(files)
    bad = 0

    def check(name, cond, why):
        nonlocal bad
        print(f"ok {name}" if cond else f"FAIL {name}: {why}")
        bad |= not cond

    check("tls-example-parses", files and not errs, f"YAML files in {d}, no errors: {errs}")
    if errs or not files:
        return 1
    certs = [o for o in objs if o.get("kind") == "Certificate"]
    issuers = {(o.get("kind"), o["metadata"]["name"]) for o in objs if o.get("kind") in ("Issuer", "ClusterIssuer")}
    patches = [o for o in objs if "kind" not in o and "spec" in o]
    manifests, _ = load(sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(dsfile)), "*.yaml"))))
    # the agent's Service (the fleet view's has its own name and no TLS example)
    svc = [o for o in manifests if o.get("kind") == "Service"
           and not o["metadata"]["name"].startswith("hostlens-fleet")]
    if len(certs) != 1 or len(patches) != 1 or not svc:
        check("tls-example-objects", False, f"one Certificate, one DaemonSet patch and the Service; got "
              f"{len(certs)} certificates, {len(patches)} patches, {len(svc)} services")
        return 1
    cert, patch, svc = certs[0], patches[0], svc[0]
    spec = cert.get("spec") or {}
    why = []
    if cert.get("apiVersion") != "cert-manager.io/v1":
        why.append(f"apiVersion {cert.get('apiVersion')}")
    if (cert.get("metadata") or {}).get("namespace") != svc["metadata"]["namespace"]:
        why.append("not in the agent's namespace")
    why += [f'unknown field "{k}" in Certificate.spec' for k in spec if k not in CM_CERT_SPEC]
    why += [f'unknown field "{k}" in privateKey' for k in spec.get("privateKey") or {} if k not in CM_PRIVATE_KEY]
    why += [f"usage {u!r} is not a cert-manager key usage" for u in spec.get("usages") or [] if u not in CM_USAGES]
    for o in objs:
        if o.get("kind") in ("Issuer", "ClusterIssuer"):
            why += [f'unknown field "{k}" in {o["kind"]}.spec' for k in o.get("spec") or {} if k not in CM_ISSUER_SPEC]
            if o.get("apiVersion") != "cert-manager.io/v1":
                why.append(f"{o['kind']} apiVersion {o.get('apiVersion')}")
    ref = spec.get("issuerRef") or {}
    if (ref.get("kind", "Issuer"), ref.get("name")) not in issuers:
        why.append(f"issuerRef {ref} names no Issuer in {d}")
    dur, renew = go_duration_s(spec.get("duration", "2160h")), go_duration_s(spec.get("renewBefore", "720h"))
    if dur is None or renew is None or not renew < dur:
        why.append(f"duration {spec.get('duration')!r} and renewBefore {spec.get('renewBefore')!r}: "
                   "Go durations, renewBefore shorter")
    if "server auth" not in (spec.get("usages") or []):
        why.append("usages lack 'server auth'")
    check("tls-certificate-valid", not why, "; ".join(why))
    name = f"{svc['metadata']['name']}.{svc['metadata']['namespace']}.svc"
    check("tls-certificate-names-the-service", name in (spec.get("dnsNames") or []),
          f"dnsNames include {name} (clients verify that name), got {spec.get('dnsNames')}")

    # the patched DaemonSet: still valid, mounts the Secret, points the agent at it
    ds = [o for o in manifests if o.get("kind") == "DaemonSet"][0]
    merged = strategic_merge(ds, patch)
    clean = [strip(o) for o in manifests if o.get("kind") != "DaemonSet"] + [strip(merged)]
    ch = Checker()
    ch.objects(clean, cfgcheck)
    check("tls-patched-daemonset-valid", not ch.errors, "; ".join(ch.errors))
    pod = merged["spec"]["template"]["spec"]
    c = [x for x in pod["containers"] if x["name"] == ds["spec"]["template"]["spec"]["containers"][0]["name"]][0]
    vols = [v for v in pod.get("volumes") or [] if (v.get("secret") or {}).get("secretName") == spec.get("secretName")]
    mounts = [m for m in c.get("volumeMounts") or [] if vols and m.get("name") == vols[0]["name"]]
    items = {i.get("key"): i.get("path") for i in (vols[0]["secret"].get("items") or [])} if vols else {}
    mode = vols[0]["secret"].get("defaultMode") if vols else None
    check("tls-patch-mounts-the-secret",
          len(vols) == 1 and len(mounts) == 1 and mounts[0].get("readOnly") is True and mode == 0o400
          and (not items or {"tls.crt", "tls.key"} <= set(items)),
          f"one volume of Secret {spec.get('secretName')!r} (keys tls.crt, tls.key, defaultMode 0400) mounted "
          f"read-only; got volumes {vols} mounts {mounts}")
    env = {e["name"]: e.get("value") for e in c.get("env") or []}
    mp = mounts[0]["mountPath"] if mounts else "?"
    want = {"HOSTLENS_TLS_CERT": f"{mp}/{items.get('tls.crt', 'tls.crt')}",
            "HOSTLENS_TLS_KEY": f"{mp}/{items.get('tls.key', 'tls.key')}"}
    got = {k: env.get(k) for k in want}
    r = subprocess.run([cfgcheck, "--check-config", os.path.join(os.path.dirname(dsfile), "..", "hostlens.yaml")],
                       capture_output=True, text=True,
                       env={**{k: v for k, v in os.environ.items() if not k.startswith("HOSTLENS_")},
                            **{k: v for k, v in got.items() if v}})
    loaded = f'tls_cert: "{got["HOSTLENS_TLS_CERT"]}"' in r.stdout and f'tls_key: "{got["HOSTLENS_TLS_KEY"]}"' in r.stdout
    check("tls-patch-env-is-agent-config", got == want and r.returncode == 0 and loaded,
          f"env {want} (the mounted files), taken by the agent's loader as tls_cert/tls_key; got {got}, "
          f"loader exit {r.returncode}: {r.stderr.strip()[:200]}")
    probes = [c.get(p) or {} for p in ("livenessProbe", "readinessProbe")]
    check("tls-patch-probes-https",
          all((p.get("httpGet") or {}).get("scheme") == "HTTPS" and (p.get("httpGet") or {}).get("path") for p in probes),
          f"both probes httpGet over HTTPS, path and port kept; got {probes}")
    return bad


def main(argv):
    if len(argv) >= 3 and argv[1] == "validate":
        return cmd_validate(argv[2], argv[3:])
    if len(argv) == 3 and argv[1] == "daemonset":
        return cmd_daemonset(argv[2])
    if len(argv) >= 3 and argv[1] == "selftest":
        return cmd_selftest(argv[2], argv[3:])
    if len(argv) == 5 and argv[1] == "tls":
        return cmd_tls(argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
