"""Shared harness (fixtures and helpers) for the runtime tests, modelled on crun's: a tiny busybox rootfs
with a probe script run inside, and assertions on what it reports.

Everything a test creates (containers, cgroups, state directories, temp dirs, servers) is removed again;
`rt` checks after each test that no container, cgroup leaf or process of it is left behind."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RT = [sys.executable, "-m", "matrixhell.runtime.cli"]
IS_ROOT = os.geteuid() == 0


def _load_builder():  # scripts/ is not a package
    spec = importlib.util.spec_from_file_location("make_probe_rootfs", REPO / "scripts" / "make_probe_rootfs.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


builder = _load_builder()


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + (":" + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e


@pytest.fixture(scope="session")
def rootfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared read-only rootfs: busybox, applet links, /probe.sh, and the static mhprobe helper."""
    base = tmp_path_factory.mktemp("rootfs-bundle")
    root = Path(builder.build(str(base)))
    if shutil.which("gcc"):
        subprocess.run(["gcc", "-static", "-O2", "-o", str(root / "bin" / "mhprobe"),
                        str(Path(__file__).with_name("mhprobe.c"))], check=True)
    os.chmod(base, 0o755)
    return root


def parse_probe(out: str) -> dict[str, str]:
    report: dict[str, str] = {}
    for line in out.splitlines():
        for part in line.split(" ") if line.startswith(("uid=", "lo=")) else [line]:
            k, sep, v = part.partition("=")
            if sep:
                report[k] = v
    return report


class Bundle:
    def __init__(self, path: Path, rootfs: Path, rootless: bool = False) -> None:
        from matrixhell.runtime.spec import default_spec

        self.path = path
        self.config = default_spec(rootless=rootless, uid=os.geteuid(), gid=os.getegid())
        self.config["process"]["terminal"] = False
        self.config["process"]["args"] = ["/probe.sh"]
        self.config["root"]["path"] = str(rootfs)
        self.write()

    @property
    def process(self) -> dict:
        return self.config["process"]

    @property
    def linux(self) -> dict:
        return self.config["linux"]

    def args(self, *argv: str) -> Bundle:
        self.process["args"] = list(argv)
        return self.write()

    def sh(self, script: str) -> Bundle:
        return self.args("/bin/sh", "-c", script)

    def mount(self, **m: object) -> Bundle:
        self.config["mounts"].append(m)
        return self.write()

    def write(self) -> Bundle:
        (self.path / "config.json").write_text(json.dumps(self.config, indent=1))
        return self


class Runtime:
    """Our CLI with a private --root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ids: list[str] = []
        self.n = 0

    def cmd(self, *args: str, check: bool = False, timeout: float = 60, **kw: object) -> subprocess.CompletedProcess:
        kw.setdefault("capture_output", True)
        res = subprocess.run([*RT, "--root", str(self.root), *args], text=True, timeout=timeout, env=env(), **kw)
        if check and res.returncode != 0:
            raise AssertionError(f"{args}: exit {res.returncode}: {res.stderr}")
        return res

    def new_id(self) -> str:
        self.n += 1
        cid = f"t{os.getpid()}-{self.n}"
        self.ids.append(cid)
        return cid

    def run(self, bundle: Bundle, check: bool = True, **kw: object) -> subprocess.CompletedProcess:
        return self.cmd("run", "--bundle", str(bundle.path), self.new_id(), check=check, **kw)

    def probe(self, bundle: Bundle) -> dict[str, str]:
        return parse_probe(self.run(bundle).stdout)

    def cleanup(self) -> None:
        for cid in self.ids:
            if (self.root / cid).exists():
                self.cmd("delete", "--force", cid)


def cgroup_leaves(cid: str) -> list[str]:
    found = []
    for base in Path("/sys/fs/cgroup").iterdir():
        if (base / "matrixhell-runtime" / cid).exists():
            found.append(str(base / "matrixhell-runtime" / cid))
    return found


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    r = Runtime(tmp_path / "state")
    yield r
    r.cleanup()
    leftovers = [cid for cid in r.ids if (r.root / cid).exists() or cgroup_leaves(cid)]
    assert not leftovers, f"containers left behind: {leftovers}"


@pytest.fixture
def bundle(tmp_path: Path, rootfs: Path) -> Bundle:
    d = tmp_path / "bundle"
    d.mkdir()
    return Bundle(d, rootfs)


privileged = pytest.mark.skipif(not IS_ROOT, reason="needs root (real namespaces, mounts, cgroups)")
