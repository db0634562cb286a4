"""Benchmark: `matrixhell --version` start-up against the floor `python -c pass`, side by side.

    python bench/startup.py [--runs 30]

Target: `matrixhell --version` under 150 ms.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _median_ms(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    runs = ap.parse_args().runs
    floor = _median_ms([sys.executable, "-c", "pass"], runs)
    version = _median_ms([sys.executable, "-m", "matrixhell", "--version"], runs)
    print(f"python -c pass        {floor:7.1f} ms")
    print(f"matrixhell --version  {version:7.1f} ms  ({version / floor:.2f}x the floor, target < 150 ms)")
    return 0 if version < 150 else 1


if __name__ == "__main__":
    raise SystemExit(main())
