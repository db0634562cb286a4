"""Benchmark: reading big Node lock files with line numbers, against the plain parse of the same text.

For each format a synthetic lock of N packages is generated in memory, then timed side by side:

- package-lock.json v3: ``read_npm_lock`` (values and the line of every package) vs ``json.loads``
- pnpm-lock.yaml v9: ``read_pnpm_lock`` vs ``yaml.load`` with the C loader (values only, no lines)
- yarn.lock v1: ``read_yarn_lock`` vs ``str.splitlines`` (there is no other parser to compare with)

    python bench/lockfiles.py [--packages 8000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import yaml

from matrixhell.detect._nodelocks import read_npm_lock, read_pnpm_lock, read_yarn_lock
from matrixhell.detect.repoview import MemoryRepoView


def _npm(n: int) -> str:
    pk: dict[str, object] = {"": {"name": "bench"}}
    for i in range(n):
        pk[f"node_modules/pkg{i}"] = {
            "version": f"1.0.{i}",
            "resolved": f"https://registry.example/pkg{i}/-/pkg{i}-1.0.{i}.tgz",
            "integrity": "sha512-" + "a" * 86,
            "dependencies": {f"pkg{i + 1}": "^1.0.0"},
        }
    return json.dumps({"lockfileVersion": 3, "packages": pk}, indent=2)


def _pnpm(n: int) -> str:
    parts = ["lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n"]
    parts += [f"      pkg{i}:\n        specifier: ^1.0.0\n        version: 1.0.{i}\n" for i in range(min(n, 300))]
    parts.append("\npackages:\n\n")
    parts += [f"  pkg{i}@1.0.{i}:\n    resolution: {{integrity: sha512-{'a' * 86}}}\n\n" for i in range(n)]
    parts.append("snapshots:\n\n")
    parts += [f"  pkg{i}@1.0.{i}:\n    dependencies:\n      pkg{i + 1}: 1.0.{i + 1}\n\n" for i in range(n)]
    return "".join(parts)


def _yarn(n: int) -> str:
    parts = ["# yarn lockfile v1\n\n\n"]
    for i in range(n):
        parts.append(
            f'"pkg{i}@^1.0.0", "pkg{i}@^1.0.1":\n  version "1.0.{i}"\n'
            f'  resolved "https://registry.example/pkg{i}/-/pkg{i}-1.0.{i}.tgz#{"a" * 40}"\n'
            f'  integrity sha512-{"b" * 86}==\n  dependencies:\n    pkg{i + 1} "^1.0.0"\n\n'
        )
    return "".join(parts)


def _time(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packages", type=int, default=8000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    cases = [
        ("package-lock.json", _npm, read_npm_lock, json.loads, "json.loads"),
        ("pnpm-lock.yaml", _pnpm, read_pnpm_lock, lambda t: yaml.load(t, Loader=loader), "yaml.load (C)"),
        ("yarn.lock", _yarn, read_yarn_lock, str.splitlines, "splitlines"),
    ]
    for name, gen, reader, floor, floor_name in cases:
        text = gen(args.packages)

        def ours(text: str = text, reader: Callable[..., object] = reader, name: str = name) -> object:
            return reader(MemoryRepoView({name: text}), name)  # a fresh view: no memo between runs

        a = _time(ours, args.repeat)
        b = _time(lambda text=text, floor=floor: floor(text), args.repeat)  # type: ignore[misc]
        print(
            f"{name:18} {len(text) / 1e6:5.2f} MB  ours {a * 1000:7.1f} ms  "
            f"{floor_name} {b * 1000:7.1f} ms  ratio {a / b:5.2f}x"
        )


if __name__ == "__main__":
    main()
