"""Benchmark: `scan_repo` on a generated 1,000-service monorepo against the floor.

The floor is a plain Python walk (os.walk, pruning the same always-skipped directories) that reads
exactly the files the scan read, measured side by side in the same run.  Each side runs in a fresh
interpreter so peak memory (VmHWM) is its own.  Target: scan wall time <= 2.0x the floor.

    python bench/scan.py [--services 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _gen_monorepo import generate

_SCAN_CHILD = r"""
import json, sys, time
from matrixhell.detect.repoview import FsRepoView
from matrixhell.detect.scan import scan_repo

class Recording(FsRepoView):
    def __init__(self, root):
        super().__init__(root)
        self.read = []
    def read_bytes(self, path):
        self.read.append(path)
        return super().read_bytes(path)

t0 = time.perf_counter()
view = Recording(sys.argv[1])
result = scan_repo(view)
wall = time.perf_counter() - t0
hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))
json.dump({"wall": wall, "hwm_kb": hwm, "services": len(result.services), "read": sorted(set(view.read))},
          open(sys.argv[2], 'w'))
"""

_FLOOR_CHILD = r"""
import json, os, sys, time
SKIP = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "vendor", "target", "dist", "__pycache__",
        ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "bower_components"}
root = sys.argv[1]
wanted = json.load(open(sys.argv[2]))
t0 = time.perf_counter()
seen = 0
for d, dirs, files in os.walk(root):
    dirs[:] = [x for x in dirs if x not in SKIP]
    seen += len(files)
total = 0
for rel in wanted:
    with open(os.path.join(root, rel), 'rb') as fh:
        total += len(fh.read())
wall = time.perf_counter() - t0
hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))
print(json.dumps({"wall": wall, "hwm_kb": hwm, "files_seen": seen, "bytes": total}))
"""


def _run(code: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True).stdout


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mh-bench-scan-") as tmp:
        root = Path(tmp) / "repo"
        files = generate(root, opts.services)
        print(f"generated {opts.services} services, {files} files under {root}")
        scans, floors = [], []
        for _ in range(opts.repeat):
            out = Path(tmp) / "scan.json"
            _run(_SCAN_CHILD, str(root), str(out))
            scan = json.loads(out.read_text())
            wanted = Path(tmp) / "wanted.json"
            wanted.write_text(json.dumps(scan.pop("read")))
            floor = json.loads(_run(_FLOOR_CHILD, str(root), str(wanted)))
            scans.append(scan)
            floors.append(floor)
        s_wall = statistics.median(s["wall"] for s in scans)
        f_wall = statistics.median(f["wall"] for f in floors)
        s_mem = max(s["hwm_kb"] for s in scans)
        f_mem = max(f["hwm_kb"] for f in floors)
        print(f"services found: {scans[0]['services']}; files read: {len(json.loads(wanted.read_text()))}")
        print(f"scan : {s_wall * 1000:8.1f} ms  peak {s_mem / 1024:6.1f} MiB")
        print(f"floor: {f_wall * 1000:8.1f} ms  peak {f_mem / 1024:6.1f} MiB")
        ratio = s_wall / f_wall
        print(f"ratio: {ratio:.2f}x wall (target <= 2.0x), {s_mem / f_mem:.2f}x peak memory")
        return 0 if ratio <= 2.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
