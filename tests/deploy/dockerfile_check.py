#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Checks deploy/Dockerfile against the rest of the repository, without Docker.

This machine cannot run Docker, so what can be known without it is checked:
the build stage builds the way the README tells a person to (same setup step,
same make), every file it copies exists, the runtime stage installs exactly
what the binary links (Makefile PKGS -> shared library -> Debian 12 package,
and the built binary's NEEDED entries when it exists) and no build tools,
and every runtime package name exists in Debian 12.

Usage: dockerfile_check.py TOP      prints ok/FAIL/skip lines
"""
import glob
import os
import re
import shlex
import subprocess
import sys

TOP = sys.argv[1] if len(sys.argv) > 1 else "."
bad = 0


def ok(name, cond, why):
    global bad
    if cond:
        print(f"ok {name}")
    else:
        print(f"FAIL {name}: {why}")
        bad = 1


def parse_dockerfile(path):
    """[(stage_name, base, [(instr, args)])] with continuation lines joined."""
    text = open(path).read()
    text = re.sub(r"\\\n", " ", text)
    stages = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        instr, _, args = line.partition(" ")
        instr = instr.upper()
        if instr == "FROM":
            m = re.match(r"^(\S+)(?:\s+AS\s+(\S+))?$", args.strip(), re.I)
            stages.append((m.group(2) if m else None, m.group(1) if m else args, []))
        elif stages:
            stages[-1][2].append((instr, " ".join(args.split())))
    return stages


def shell_commands(run_args):
    """Splits a RUN line into its simple commands (&&, ;, ||)."""
    return [c.strip() for c in re.split(r"&&|\|\||;", run_args) if c.strip()]


def apt_installs(instrs):
    pkgs = []
    for instr, args in instrs:
        if instr != "RUN":
            continue
        for cmd in shell_commands(args):
            words = shlex.split(cmd)
            if words[:2] == ["apt-get", "install"]:
                pkgs += [w for w in words[2:] if not w.startswith("-")]
    return pkgs


def make_var(name):
    for line in open(os.path.join(TOP, "Makefile")):
        m = re.match(rf"^{name}\s*:?=\s*(.*)$", line)
        if m:
            return m.group(1).split()
    return []


def deb_package_of(path):
    """The Debian package that owns a file, trying the /usr-merged twin too."""
    for p in (path, re.sub(r"^/usr(/lib)", r"\1", path), "/usr" + path):
        r = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":")[0].strip()
    return None


def soname(path):
    r = subprocess.run(["readelf", "-d", path], capture_output=True, text=True)
    m = re.search(r"\(SONAME\).*\[(.*)\]", r.stdout)
    return m.group(1) if m else None


df = os.path.join(TOP, "deploy", "Dockerfile")
stages = parse_dockerfile(df)
ok("dockerfile-two-stages", len(stages) == 2, f"multi-stage build + runtime, got {len(stages)} FROM lines")
if len(stages) != 2:
    sys.exit(1)
(bname, bbase, binstr), (rname, rbase, rinstr) = stages
ok("dockerfile-debian12-bases", all(re.match(r"^debian:(12|bookworm)([-.].*)?$", b) for b in (bbase, rbase)),
   f"both stages on Debian 12, got {bbase} and {rbase}")
ok("dockerfile-runtime-slim", rbase.endswith("-slim"), f"small runtime base, got {rbase}")

# --- the build stage builds the way the README says ---------------------------------
build_cmds = [c for i, a in binstr if i == "RUN" for c in shell_commands(a)]


def norm(cmd):
    cmd = re.sub(r"^sudo\s+", "", cmd.strip())
    cmd = re.sub(r"\s+-j\s*\S*", "", cmd)           # parallelism is not a difference
    return " ".join(cmd.split())


# What a make target runs, from the Makefile: `make setup` is `sh scripts/setup.sh build`.
def make_recipe(target):
    r = subprocess.run(["make", "-s", "-n", "-C", TOP, target], capture_output=True, text=True)
    return [l.strip() for l in r.stdout.splitlines() if l.strip()] if r.returncode == 0 else []


setup_equiv = {"make setup", "make install-deps", "sh scripts/setup.sh build", "sh scripts/setup.sh"}
ok("dockerfile-setup-recipe-is-setup-script", "sh scripts/setup.sh build" in make_recipe("setup"),
   f"`make setup` runs scripts/setup.sh build, got {make_recipe('setup')}")
did_setup = any(norm(c) in setup_equiv for c in build_cmds)
ok("dockerfile-build-runs-project-setup", did_setup,
   f"the build stage installs through the project's setup (make setup), got {build_cmds}")
built = [norm(c) for c in build_cmds if re.match(r"^make(\s|$)", norm(c)) and norm(c) not in setup_equiv]
ok("dockerfile-build-runs-make", any(c in ("make", "make all") or "build/hostlens" in c for c in built),
   f"the build stage runs make for build/hostlens, got {built}")
copied_before_setup = []
for i, a in binstr:
    if i == "RUN" and "scripts/setup.sh" in a:
        break
    if i == "COPY":
        copied_before_setup.append(a)
ok("dockerfile-setup-layer-cached", any("scripts/setup.sh" in a for a in copied_before_setup),
   "setup.sh is copied alone before the sources, so the package layer is cached")

readme = os.path.join(TOP, "README.md")
if not os.path.exists(readme):
    print("skip dockerfile-matches-readme-build: no README.md yet")
else:
    blocks = re.findall(r"```[a-z]*\n(.*?)```", open(readme).read(), re.S)
    cmds = [norm(l.split("#")[0]) for b in blocks for l in b.splitlines()]
    rb = [c for c in cmds if re.match(r"^(make|sh scripts/setup\.sh)(\s|$)", c)]
    readme_setup = [c for c in rb if c in setup_equiv]
    readme_build = [c for c in rb if c in ("make", "make all") or re.match(r"^make (build/hostlens|all)$", c)]
    ok("dockerfile-readme-has-build", bool(readme_build),
       f"README.md shows how to build (make), found {rb}")
    if readme_setup:
        ok("dockerfile-matches-readme-setup", did_setup,
           f"README installs dependencies with {readme_setup}; the Dockerfile must too")
    else:
        # README without a separate setup step: its make must install deps itself
        # (make run/test do); the image still needs them, so the Dockerfile's own
        # setup step is required either way.
        ok("dockerfile-matches-readme-setup", did_setup, "the Dockerfile installs dependencies")
    ok("dockerfile-matches-readme-build", any(c in ("make", "make all") or "build/hostlens" in c for c in built),
       f"README builds with {readme_build}; the Dockerfile runs {built}")

# --- every COPY source exists ---------------------------------------------------
missing = []
for st in (binstr, rinstr):
    for i, a in st:
        if i != "COPY" or "--from=" in a:
            continue
        srcs = shlex.split(a)[:-1]
        for s in srcs:
            if s != "." and not glob.glob(os.path.join(TOP, s)):
                missing.append(s)
ok("dockerfile-copy-sources-exist", not missing, f"missing in the repository: {missing}")
copies = [a for i, a in rinstr if i == "COPY" and "--from=build" in a]
ok("dockerfile-runtime-copies-binary", any(re.search(r"/src/build/hostlens\s+/usr/local/bin/hostlens", a) for a in copies),
   f"the runtime stage takes build/hostlens from the build stage, got {copies}")
ep = [a for i, a in rinstr if i == "ENTRYPOINT"]
ok("dockerfile-entrypoint", ep and "/usr/local/bin/hostlens" in ep[-1], f"ENTRYPOINT is the binary, got {ep}")
ign = os.path.join(TOP, "deploy", "Dockerfile.dockerignore")
ok("dockerfile-context-ignores-build-output", os.path.exists(ign) and
   all(re.search(rf"^{re.escape(p)}", open(ign).read(), re.M) for p in ("build/", "**/node_modules/")),
   "deploy/Dockerfile.dockerignore excludes build/ and node_modules")

# --- runtime packages: exactly what the binary links ----------------------------------
runtime_pkgs = apt_installs(rinstr)
pkgs = make_var("PKGS")
r = subprocess.run(["pkg-config", "--libs"] + pkgs, capture_output=True, text=True)
need = {}
for flag in r.stdout.split():
    if not flag.startswith("-l"):
        continue
    so = subprocess.run(["gcc", f"-print-file-name=lib{flag[2:]}.so"], capture_output=True, text=True).stdout.strip()
    real = os.path.realpath(so)
    pkg = deb_package_of(real) if os.path.exists(real) else None
    need[flag[2:]] = (soname(real) if os.path.exists(real) else None, pkg)
unresolved = [l for l, (s, p) in need.items() if not p]
ok("dockerfile-pkgs-resolved", r.returncode == 0 and need and not unresolved,
   f"every -l of `pkg-config --libs {' '.join(pkgs)}` maps to a Debian package; unresolved {unresolved} {r.stderr.strip()}")
lacking = sorted({p for _, (s, p) in need.items() if p and p not in runtime_pkgs})
ok("dockerfile-runtime-has-every-linked-library", not lacking,
   f"runtime stage lacks {lacking} (from {need})")
bin_path = os.path.join(TOP, "build", "hostlens")
if os.path.exists(bin_path):
    r = subprocess.run(["readelf", "-d", bin_path], capture_output=True, text=True)
    sonames = re.findall(r"\(NEEDED\).*\[(.*)\]", r.stdout)
    lacking = []
    for s in sonames:
        if s.startswith(("libc.so", "libm.so", "libpthread", "libdl", "ld-linux", "libgcc_s")):
            continue
        lp = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
        m = re.search(rf"^\s*{re.escape(s)} .*=> (\S+)$", lp, re.M)
        p = deb_package_of(os.path.realpath(m.group(1))) if m else None
        if p not in runtime_pkgs:
            lacking.append(f"{s} ({p})")
    ok("dockerfile-runtime-has-binary-needed", not lacking, f"build/hostlens needs {lacking}")
else:
    print("skip dockerfile-runtime-has-binary-needed: build/hostlens not built yet")
tools = [p for p in runtime_pkgs if p.endswith("-dev") or p in ("gcc", "clang", "llvm", "make", "npm", "nodejs", "bpftool", "pkg-config")]
ok("dockerfile-runtime-no-build-tools", not tools, f"runtime stage installs build tools {tools}")
extra = sorted(set(runtime_pkgs) - {p for _, (s, p) in need.items()} - {"ca-certificates"})
ok("dockerfile-runtime-nothing-extra", not extra, f"runtime packages not linked by the binary: {extra}")
unknown = [p for p in runtime_pkgs
           if subprocess.run(["apt-cache", "show", p], capture_output=True).returncode != 0]
ok("dockerfile-runtime-packages-exist", not unknown, f"not Debian 12 packages: {unknown}")
sys.exit(bad)
