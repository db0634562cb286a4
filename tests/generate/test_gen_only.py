"""Edge cases of `matrixhell generate` that used to pass in silence: --only on a service with a
hand-written Dockerfile, --only on an image-only service, an empty directory."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from genkit import FIXTURES, hand_plan
from test_gen_cli import _run

import matrixhell.generate as gen_mod
from matrixhell.errors import ExitCode


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    dest = tmp_path / "shop"
    shutil.copytree(FIXTURES / "shop", dest, symlinks=True)
    monkeypatch.setattr(gen_mod, "_analyzer_plan", hand_plan)
    return dest


def test_only_a_handwritten_service_says_what_it_kept_and_why(shop: Path) -> None:
    code, _, _ = _run(str(shop))
    assert code == 0
    deployment = shop / "k8s" / "web-deployment.yaml"
    deployment.write_text(deployment.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in shop.rglob("*") if p.is_file()}
    code, _, err = _run(str(shop), "--only", "web")
    assert code == 0
    assert "docker/web.Dockerfile has no matrixhell header" in err and "kept" in err
    assert "[kept-hand-written]" in err
    assert "a full run would write k8s/web-deployment.yaml" in err, "the stale manifest is named"
    assert {p: p.read_bytes() for p in shop.rglob("*") if p.is_file()} == before, "--only web writes nothing"


def test_only_an_image_only_service_prints_only_its_own_findings(shop: Path) -> None:
    code, out, err = _run(str(shop), "--only", "cache")
    assert code == 0 and out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    services = {line.split(": ", 2)[1] for line in lines if line.startswith(("info: ", "warning: ", "error: "))
                and not line.split(": ", 2)[1].startswith("--only")}
    assert services == {"cache"}, err
    assert "runs the image redis" in err and "[image-only-service]" in err


def _matrixhell(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, as a user runs it (its error handler turns errors into exit codes)."""
    return subprocess.run([sys.executable, "-m", "matrixhell", *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_an_empty_directory_writes_nothing_and_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = _matrixhell("generate", str(empty))
    assert proc.returncode == int(ExitCode.INPUT), proc.stderr
    assert "no services found" in proc.stderr and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert list(empty.iterdir()) == [], "no empty compose.yaml or kustomization.yaml"


def test_an_empty_directory_fails_generate_check_too(tmp_path: Path) -> None:
    proc = _matrixhell("generate", "--check", str(tmp_path))
    assert proc.returncode == int(ExitCode.INPUT) and "no services found" in proc.stderr
