#!/usr/bin/env python3
"""Resolution speed, side by side in one run, on one local find-links folder of real wheels.

    python bench/resolve.py [--repeat 5] [--services 50] [--cache ~/.cache/matrixhell-bench]

1. One service (a Django + DRF + Celery + boto3 + pandas web stack, ~40 packages) and a conflicting
   variant of it: ``matrixhell resolve`` vs ``uv pip compile`` vs ``pip install --dry-run --report``,
   each a fresh process (interpreter start and imports included), median of --repeat runs.
   Target: ours <= 0.5x pip.
2. The whole matrix: S services x T Python versions through one process and one shared metadata
   cache, vs running uv once per service and target (warm uv cache).  Target: ours <= 1.0x uv.
   Every verdict and every pin set is compared with uv's, so the speed is for the same answers.

The wheels are fetched once with ``pip download`` into the cache folder (outside the repository).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = "manylinux_2_36_x86_64"
PYTHONS = ("3.10", "3.11", "3.12")
HOST_PYTHON = platform.python_version()  # pip resolves for the interpreter it runs on: match it

# The service: a typical Django web stack with workers, storage and a data export.
STACK = [
    "django>=4.2",
    "djangorestframework",
    "django-cors-headers",
    "django-environ",
    "django-redis",
    "django-filter",
    "celery[redis]",
    "boto3",
    "pandas",
    "psycopg2-binary",
    "gunicorn",
    "requests",
    "pillow",
    "sentry-sdk",
    "pyyaml",
    "python-dateutil",
    "whitenoise",
]
# The conflicting variant: celery's redis extra needs redis>=4.5.2, older celery/kombu are tried first.
CONFLICT = [*STACK, "redis<4.5"]

# Older releases beside the newest, so resolvers have real choices to backtrack over.
OLDER = [
    "django==4.2.*",
    "django==5.1.*",
    "djangorestframework==3.15.*",
    "celery[redis]==5.5.*",
    "celery[redis]==5.4.*",
    "redis==4.4.*",
    "redis==5.2.*",
    "boto3==1.40.*",
    "pandas==2.2.*",
    "numpy==1.26.*",
    "django-redis==5.4.*",
]

# What the matrix's services draw from: (project, choices of specifier).
MENU = [
    ("django", ["", ">=4.2,<5", ">=5", "==5.1.*", "<5.2"]),
    ("djangorestframework", ["", ">=3.15", "<3.16"]),
    ("django-cors-headers", [""]),
    ("django-environ", [""]),
    ("django-redis", ["", "<6", ">=5.4"]),
    ("django-filter", [""]),
    ("celery[redis]", ["", ">=5.5", "<5.5", "==5.4.*"]),
    ("redis", ["", "<6", ">=5", "<4.5"]),
    ("boto3", ["", "<1.41", ">=1.40"]),
    ("pandas", ["", "<3", ">=2.2"]),
    ("numpy", ["", "<2", ">=2"]),
    ("psycopg2-binary", [""]),
    ("gunicorn", [""]),
    ("requests", ["", ">=2.31"]),
    ("pillow", [""]),
    ("sentry-sdk", [""]),
    ("pyyaml", [""]),
    ("python-dateutil", [""]),
    ("whitenoise", [""]),
]


def _env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PIP_FIND_LINKS", None)
    env.update(UV_PYTHON_DOWNLOADS="never", UV_NO_CONFIG="1", UV_CACHE_DIR=str(cache / "uv-cache"))
    env.update(PYTHONPATH=str(ROOT), PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def ensure_wheelhouse(cache: Path) -> Path:
    wheels = cache / "wheels"
    done = cache / ".complete-v1"
    if done.exists():
        return wheels
    wheels.mkdir(parents=True, exist_ok=True)
    env = _env(cache)
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "stack.txt"
        req.write_text("\n".join(STACK) + "\n")
        pip = [sys.executable, "-m", "pip", "download", "--isolated", "-q", "-d", str(wheels)]
        print("downloading the stack once with pip download ...", file=sys.stderr)
        subprocess.run([*pip, "-r", str(req)], check=True, env=env)
        for spec in OLDER:
            subprocess.run([*pip, spec], check=True, env=env)
        for py in PYTHONS:
            from matrixhell.resolution import ResolveTarget

            tags = ResolveTarget(py, PLATFORM).platform_tags()
            cross = [*pip, "--only-binary=:all:", "--python-version", py, *(f"--platform={t}" for t in tags)]
            subprocess.run([*cross, "-r", str(req)], check=False, env=env)
            for spec in OLDER:
                # An older release may have no wheel for a newer Python: keep what there is.
                subprocess.run([*cross, spec], check=False, env=env)
    done.write_text("ok\n")
    return wheels


def _uv_platform() -> str:
    _, major, minor, arch = PLATFORM.split("_", 3)
    return f"{arch}-manylinux_{major}_{minor}"


def run_uv(reqs: list[str], wheels: Path, python: str, cache: Path, work: Path) -> tuple[bool, dict[str, str]]:
    req_in = work / f"uv-{abs(hash((tuple(reqs), python)))}.in"
    req_in.write_text("\n".join(reqs) + "\n")
    proc = subprocess.run(
        [
            "uv",
            "pip",
            "compile",
            str(req_in),
            # Name the interpreter, so uv does not search PATH for one per Python version: its best case.
            "--python",
            sys.executable,
            "--python-version",
            python,
            "--python-platform",
            _uv_platform(),
            "--no-index",
            "--find-links",
            str(wheels),
            "--no-header",
            "--no-annotate",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=_env(cache),
        check=False,
    )
    if proc.returncode != 0:
        return False, {}
    pins = {}
    for line in proc.stdout.splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.strip().split("==")
            pins[_norm(name)] = version
    return True, pins


def run_pip(reqs: list[str], wheels: Path, cache: Path, work: Path) -> tuple[bool, dict[str, str]]:
    report = work / "pip-report.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--isolated",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--report",
            str(report),
            "--no-index",
            "--find-links",
            str(wheels),
            *reqs,
        ],
        capture_output=True,
        text=True,
        env=_env(cache),
        check=False,
    )
    if proc.returncode != 0:
        return False, {}
    data = json.loads(report.read_text())
    return True, {_norm(i["metadata"]["name"]): i["metadata"]["version"] for i in data["install"]}


def run_ours(reqs: list[str], wheels: Path, python: str, cache: Path) -> tuple[bool, dict[str, str]]:
    proc = subprocess.run(
        [sys.executable, __file__, "_ours", str(wheels), python, *reqs],
        capture_output=True,
        text=True,
        env=_env(cache),
        check=False,
    )
    if proc.returncode == 4:
        return False, {}
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return True, json.loads(proc.stdout)


def _norm(name: str) -> str:
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name.split("[")[0]))


def _timed(fn: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def _ours_main(argv: list[str]) -> int:
    """Child process: one resolution, pins as JSON on stdout, exit 4 when impossible."""
    from matrixhell.knowledge.index import FindLinks
    from matrixhell.resolution import ResolutionImpossible, ResolveTarget, resolve

    wheels, python, *reqs = argv
    try:
        res = resolve(reqs, ResolveTarget(python, PLATFORM), FindLinks(wheels))
    except ResolutionImpossible as e:
        sys.stderr.write(e.explain() + "\n")
        return 4
    sys.stdout.write(json.dumps(res.pins))
    return 0


def _matrix_main(argv: list[str]) -> int:
    """Child process: every service x target through one Resolver (one shared metadata cache)."""
    from matrixhell.knowledge.index import FindLinks
    from matrixhell.resolution import ResolutionImpossible, Resolver, ResolveTarget

    wheels, jobs_file = argv
    jobs = json.loads(Path(jobs_file).read_text())
    resolver = Resolver(FindLinks(wheels))
    out = []
    for reqs, python in jobs:
        try:
            out.append(resolver.resolve(reqs, ResolveTarget(python, PLATFORM)).pins)
        except ResolutionImpossible:
            out.append(None)
    sys.stdout.write(json.dumps(out))
    return 0


def services(count: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        picks = rng.sample(MENU, rng.randint(4, 10))
        out.append([name + rng.choice(specs) for name, specs in picks])
    return out


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "_ours":
        return _ours_main(sys.argv[2:])
    if len(sys.argv) > 1 and sys.argv[1] == "_matrix":
        return _matrix_main(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "matrixhell-bench")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--services", type=int, default=50)
    args = ap.parse_args()
    if shutil.which("uv") is None:
        print("uv is not installed (pip install uv)", file=sys.stderr)
        return 2
    wheels = ensure_wheelhouse(args.cache)
    n_files = len(list(wheels.iterdir()))
    print(f"find-links folder: {n_files} files ({wheels})")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run_uv(STACK, wheels, HOST_PYTHON, args.cache, work)  # warm uv's cache: its best case
        print(f"\n## one service (python {HOST_PYTHON}, {PLATFORM}), median of {args.repeat} fresh processes")
        print(f"{'case':<12} {'ours':>8} {'uv':>8} {'pip':>8} {'ours/pip':>9} {'ours/uv':>8}  same answer")
        for label, reqs in (("resolvable", STACK), ("conflicting", CONFLICT)):
            t_ours, ours = _timed(lambda r=reqs: run_ours(r, wheels, HOST_PYTHON, args.cache), args.repeat)
            t_uv, uv = _timed(lambda r=reqs: run_uv(r, wheels, HOST_PYTHON, args.cache, work), args.repeat)
            t_pip, pip = _timed(lambda r=reqs: run_pip(r, wheels, args.cache, work), args.repeat)
            same = ours == uv == pip
            failures += not same
            print(
                f"{label:<12} {t_ours * 1000:7.0f}ms {t_uv * 1000:7.0f}ms {t_pip * 1000:7.0f}ms "
                f"{t_ours / t_pip:8.2f}x {t_ours / t_uv:7.2f}x  {'yes' if same else 'NO'}"
                f" ({f'resolved, {len(ours[1])} pins' if ours[0] else 'impossible'})"
            )
        svc = services(args.services)
        jobs = [(reqs, py) for reqs in svc for py in PYTHONS]
        jobs_file = work / "jobs.json"
        jobs_file.write_text(json.dumps(jobs))
        print(f"\n## whole matrix: {len(svc)} services x {len(PYTHONS)} Pythons = {len(jobs)} resolutions")
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, __file__, "_matrix", str(wheels), str(jobs_file)],
            capture_output=True,
            text=True,
            env=_env(args.cache),
            check=True,
        )
        t_ours = time.perf_counter() - t
        ours_all = json.loads(proc.stdout)
        t = time.perf_counter()
        uv_all = [run_uv(reqs, wheels, py, args.cache, work) for reqs, py in jobs]
        t_uv = time.perf_counter() - t
        agree = sum(
            1 for o, (ok, pins) in zip(ours_all, uv_all, strict=True) if (o is not None) == ok and (o or {}) == pins
        )
        impossible = sum(1 for o in ours_all if o is None)
        failures += agree != len(jobs)
        print(f"ours, one process, shared cache: {t_ours:6.2f}s")
        print(f"uv, once per service and target: {t_uv:6.2f}s")
        print(
            f"ratio ours/uv: {t_ours / t_uv:.2f}x   same verdict and pins: {agree}/{len(jobs)}"
            f"   ({impossible} impossible)"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
