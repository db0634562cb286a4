"""OCI runtime-tools bundle validation (Debian's golang-github-opencontainers-runtime-tools-dev) of the
config our `spec` writes: no finding may be specific to us, compared with runc's own `runc spec`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from rt_harness import RT, env

PKG = Path("/usr/share/gocode/src/github.com/opencontainers/runtime-tools/validate")
# Findings caused by this environment, not by a config: the schema is fetched over the network, and the
# packaged validator only accepts the 1.0.2-dev version string.
ENVIRONMENTAL = ("config-schema.json", "validate currently only handles version")

pytestmark = pytest.mark.skipif(shutil.which("go") is None or not PKG.is_dir() or shutil.which("runc") is None,
                                reason="needs go, runc and golang-github-opencontainers-runtime-tools-dev")


@pytest.fixture(scope="module")
def validator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("govalidate")
    src = d / "src" / "mhvalidate"
    src.mkdir(parents=True)
    shutil.copy(Path(__file__).with_name("oci_validate.go"), src / "main.go")
    exe = d / "mhvalidate"
    e = dict(os.environ, GO111MODULE="off", GOPATH=f"{d}:/usr/share/gocode", GOPROXY="off", GOFLAGS="")
    subprocess.run(["go", "build", "-o", str(exe), "."], cwd=src, env=e, check=True, timeout=600)
    return exe


def _findings(exe: Path, bundle: Path) -> set[str]:
    out = subprocess.run([str(exe), str(bundle)], capture_output=True, text=True, timeout=60).stdout
    items = {line.strip()[2:] for line in out.splitlines() if line.strip().startswith("* ")}
    return {f for f in items if not any(s in f for s in ENVIRONMENTAL)}


def test_our_spec_has_no_finding_runcs_spec_lacks(validator: Path, tmp_path: Path) -> None:
    ours = tmp_path / "ours"
    theirs = tmp_path / "runc"
    for d in (ours, theirs):
        (d / "rootfs").mkdir(parents=True)
    subprocess.run([*RT, "spec", "--bundle", str(ours)], check=True, env=env())
    subprocess.run(["runc", "spec"], cwd=theirs, check=True)
    mine, runcs = _findings(validator, ours), _findings(validator, theirs)
    assert mine <= runcs, mine - runcs


def test_our_rootless_spec_has_no_finding_of_its_own(validator: Path, tmp_path: Path) -> None:
    ours = tmp_path / "ours"
    theirs = tmp_path / "runc"
    for d in (ours, theirs):
        (d / "rootfs").mkdir(parents=True)
    subprocess.run([*RT, "spec", "--rootless", "--bundle", str(ours)], check=True, env=env())
    subprocess.run(["runc", "spec", "--rootless"], cwd=theirs, check=True)
    assert _findings(validator, ours) <= _findings(validator, theirs)


def test_validator_catches_a_broken_config(validator: Path, tmp_path: Path) -> None:
    import json

    (tmp_path / "rootfs").mkdir()
    subprocess.run([*RT, "spec", "--bundle", str(tmp_path)], check=True, env=env())
    cfg = json.loads((tmp_path / "config.json").read_text())
    cfg["process"]["cwd"] = "relative"
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    assert any("cwd" in f for f in _findings(validator, tmp_path))
