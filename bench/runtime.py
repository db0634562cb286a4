#!/usr/bin/env python3
"""Side-by-side start-up benchmark of matrixhell-runtime against runc, crun and bubblewrap, plus the
500-cycle leak check.

Same busybox bundle (from `matrixhell-runtime spec`, seccomp profile included) for every runtime; each
command runs RUNS times per runtime, interleaved round-robin so load changes hit all alike; medians and
ratios are printed. crun refuses this machine's hybrid cgroup layout, so its runs happen in a private
mount namespace (`unshare -m`) with /sys/fs/cgroup/unified unmounted: the timing loop itself runs in
there, so the unshare is not part of crun's time.

The installed console script is timed three ways, next to `python3 -S -m matrixhell.runtime.cli`: from
this interpreter's own site-packages (whatever .pth files it carries), and from two fresh venvs made here,
one with the wheel of this checkout installed (`pip install .`) and one with an editable install
(`pip install -e .`). The builds use this interpreter's hatchling (and editables) without build isolation,
so nothing is downloaded; a variant whose backend is missing is left out and says so.

Usage (as root): python3 bench/runtime.py [--runs 30] [--cycles 500] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "runtime"))

COMMANDS = {"true": ["/bin/true"], "echo": ["/bin/sh", "-c", "echo ok"]}
TARGETS = {"run (python -S -m)": ("runc", 0.7), "supervisor": ("crun", 1.0)}
CONSOLE = ("run (console, this python)", "run (console, venv install)", "run (console, venv -e)")


def _env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO)
    return e


def make_bundles(base: Path) -> dict[str, Path]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("mk", REPO / "scripts" / "make_probe_rootfs.py")
    assert spec and spec.loader
    mk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mk)
    rootfs = Path(mk.build(str(base / "shared")))
    out = {}
    for name, argv in COMMANDS.items():
        b = base / name
        b.mkdir()
        subprocess.run([sys.executable, "-m", "matrixhell.runtime.cli", "spec", "--bundle", str(b)], check=True,
                       env=_env())
        cfg = json.loads((b / "config.json").read_text())
        cfg["process"]["terminal"] = False
        cfg["process"]["args"] = argv
        cfg["root"]["path"] = str(rootfs)
        (b / "config.json").write_text(json.dumps(cfg, indent=1))
        out[name] = b
    return out


def make_venvs(work: Path) -> dict[str, Path]:
    """Fresh venvs (with pip, as `python -m venv` makes them) holding a regular and an editable install;
    returns label -> console script."""
    out: dict[str, Path] = {}
    site = next(p for p in sys.path if p.endswith("site-packages"))
    build_env = {**os.environ, "PYTHONPATH": site}  # this interpreter's hatchling, for the build only
    wheels = work / "wheels"
    for label, editable in (("run (console, venv install)", False), ("run (console, venv -e)", True)):
        venv = work / ("venv-e" if editable else "venv")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        if editable:
            cmd = [str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--no-build-isolation", "-e", str(REPO)]
        else:
            r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                                "-w", str(wheels), str(REPO)], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"note: {label} left out: building the wheel failed: {r.stderr.strip()[-300:]}")
                continue
            cmd = [str(venv / "bin" / "pip"), "install", "-q", "--no-deps", *map(str, wheels.glob("*.whl"))]
        r = subprocess.run(cmd, capture_output=True, text=True, env=build_env, cwd=str(work))
        if r.returncode != 0:
            print(f"note: {label} left out: {r.stderr.strip()[-300:]}")
            continue
        subprocess.run([str(venv / "bin" / "python"), "-m", "compileall", "-q", str(venv / "lib")],
                       check=True, capture_output=True)
        out[label] = venv / "bin" / "matrixhell-runtime"
    return out


def _time(argv: list[str], **kw: object) -> float:
    t = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{argv}: exit {r.returncode}: {r.stderr.decode()[-500:]}")
    return dt


def inner_crun(bundle: str, runs: int, state: str) -> None:
    """Runs inside `unshare -m`: print crun's run times as JSON."""
    if os.path.ismount("/sys/fs/cgroup/unified"):
        subprocess.run(["umount", "/sys/fs/cgroup/unified"], check=True)
    ts = [_time(["crun", "--root", state, "run", "--bundle", bundle, f"crun{i}"]) for i in range(runs)]
    print(json.dumps(ts))


def bench(bundles: dict[str, Path], runs: int, work: Path, venvs: dict[str, Path]) -> dict[str, dict[str, float]]:
    from matrixhell.runtime.supervisor import SupervisorClient

    py = sys.executable
    console = Path(py).parent / "matrixhell-runtime"
    state = work / "state"
    sock = str(work / "sup.sock")
    sup = subprocess.Popen([py, "-S", "-m", "matrixhell.runtime.cli", "--root", str(work / "sup-state"),
                            "supervisor", "--socket", sock], env=_env())
    while not os.path.exists(sock):
        time.sleep(0.01)
    client = SupervisorClient(sock)
    results: dict[str, dict[str, float]] = {}
    n = [0]

    def cid() -> str:
        n[0] += 1
        return f"b{n[0]}"

    rootfs = json.loads((bundles["true"] / "config.json").read_text())["root"]["path"]
    for name, b in bundles.items():
        argv = COMMANDS[name]
        runners = {
            "python3 -S -c pass (floor)": lambda: _time([py, "-S", "-c", "pass"]),
            "run (python -S -m)": lambda b=b: _time([py, "-S", "-m", "matrixhell.runtime.cli", "--root", str(state),
                                                 "run", "--bundle", str(b), cid()], env=_env(), cwd=str(REPO)),
            "supervisor": lambda b=b: _timed_call(lambda: client.run(str(b), cid())),
            "runc": lambda b=b: _time(["runc", "--root", str(work / "runc"), "run", "--bundle", str(b), cid()]),
            "bwrap": lambda argv=argv: _time(["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
                                    "--ro-bind", rootfs, "/", "--proc", "/proc", "--dev", "/dev",
                                    "--hostname", "matrixhell", *argv]),
        }
        # console scripts get a plain environment: no PYTHONPATH, so each imports its own install
        plain = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        scripts = {**({CONSOLE[0]: console} if console.exists() else {}), **venvs}
        for label, script in scripts.items():
            runners[label] = lambda b=b, script=script, plain=plain: _time(
                [str(script), "--root", str(state), "run", "--bundle", str(b), cid()], env=plain, cwd="/")
        times: dict[str, list[float]] = {k: [] for k in runners}
        for k in runners:  # warm caches once
            runners[k]()
        for _ in range(runs):
            for k, f in runners.items():
                times[k].append(f())
        if shutil.which("crun"):
            out = subprocess.run(["unshare", "-m", py, __file__, "--inner-crun", str(b), "--runs", str(runs),
                                  "--state", str(work / "crun")], capture_output=True, text=True, check=True)
            times["crun"] = json.loads(out.stdout)
        results[name] = {k: statistics.median(v) * 1000 for k, v in times.items()}
    client.shutdown()
    sup.wait(10)
    return results


def _timed_call(f) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    status = f()
    dt = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"supervisor run exited {status}")
    return dt


def leak_check(bundle: Path, cycles: int, work: Path) -> dict[str, dict[str, int]]:
    from leakcount import snapshot

    from matrixhell.runtime.supervisor import SupervisorClient

    cfg = json.loads((bundle / "config.json").read_text())
    cfg["linux"]["resources"]["pids"] = {"limit": 64}  # give every container a cgroup to leak
    (bundle / "config.json").write_text(json.dumps(cfg))
    rootfs = cfg["root"]["path"]
    rt = [sys.executable, "-S", "-m", "matrixhell.runtime.cli", "--root", str(work / "leak-state")]
    out: dict[str, dict[str, int]] = {}
    before = snapshot(rootfs)
    for i in range(cycles):
        c = f"leak{i}"
        subprocess.run([*rt, "create", "--bundle", str(bundle), c], check=True, env=_env(), cwd=str(REPO),
                       stdout=subprocess.DEVNULL)
        subprocess.run([*rt, "start", c], check=True, env=_env(), cwd=str(REPO))
        subprocess.run([*rt, "delete", "--force", c], check=True, env=_env(), cwd=str(REPO))
    time.sleep(0.2)
    after = snapshot(rootfs)
    out["cli create/start/delete"] = {k: after[k] - before[k] for k in before}
    sock = str(work / "leak.sock")
    sup = subprocess.Popen([*rt, "supervisor", "--socket", sock], env=_env(), cwd=str(REPO))
    while not os.path.exists(sock):
        time.sleep(0.01)
    with SupervisorClient(sock) as client:
        client.run(str(bundle), "warm")
        before = snapshot(rootfs, sup.pid)
        for i in range(cycles):
            client.start(str(bundle), f"s{i}")
            client.wait(f"s{i}")
            client.delete(f"s{i}")
        time.sleep(0.2)
        after = snapshot(rootfs, sup.pid)
        client.shutdown()
    sup.wait(10)
    out["supervisor start/wait/delete"] = {k: after[k] - before[k] for k in before}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--cycles", type=int, default=500)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--inner-crun")
    ap.add_argument("--state")
    a = ap.parse_args()
    if a.inner_crun:
        inner_crun(a.inner_crun, a.runs, a.state)
        return 0
    if os.geteuid() != 0:
        sys.exit("run as root: runc, crun and the leak check need real cgroups")
    # PYTHONDONTWRITEBYTECODE may be set: compile once so every run reads bytecode
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "matrixhell" / "runtime"),
                    str(REPO / "matrixhell" / "__init__.py")], check=True)
    work = Path(tempfile.mkdtemp(prefix="mh-bench-"))
    try:
        bundles = make_bundles(work)
        venvs = make_venvs(work)
        res = bench(bundles, a.runs, work, venvs)
        leaks = leak_check(bundles["true"], a.cycles, work) if a.cycles else {}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if a.json:
        print(json.dumps({"medians_ms": res, "leaks": leaks, "runs": a.runs, "cycles": a.cycles}, indent=2))
        return 0
    print(f"median start-to-exit, ms ({a.runs} runs each, interleaved; load {os.getloadavg()[0]:.2f})")
    names = list(next(iter(res.values())).keys())
    print(f"{'':32}" + "".join(f"{c:>14}" for c in res))
    for k in names:
        print(f"{k:32}" + "".join(f"{res[c].get(k, float('nan')):14.2f}" for c in res))
    print("\nratios (ours / peer; target)")
    for ours, (peer, target) in TARGETS.items():
        for c in res:
            if peer in res[c]:
                r = res[c][ours] / res[c][peer]
                print(f"  {ours:24} / {peer:5} [{c:4}] = {r:5.2f}   target <= {target}  "
                      f"{'ok' if r <= target else 'MISSED'}")
    print("the installed command (same 0.7 target, reported as measured)")
    for label in CONSOLE:
        for c in res:
            if label in res[c]:
                r = res[c][label] / res[c]["runc"]
                print(f"  {label:28} / runc  [{c:4}] = {r:5.2f}   target <= 0.7  {'ok' if r <= 0.7 else 'MISSED'}")
    for c in res:
        print(f"  supervisor                   / bwrap [{c:4}] = {res[c]['supervisor'] / res[c]['bwrap']:5.2f}")
    if leaks:
        print(f"\nleak check, {a.cycles} cycles (after - before):")
        for k, v in leaks.items():
            print(f"  {k:30} " + "  ".join(f"{n}={d:+d}" for n, d in v.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
