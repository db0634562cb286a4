"""A Go service without a Dockerfile: the image builds its main package and runs the binary it installs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _dockerfile(tmp_path: Path, main: str) -> list[str]:
    svc = tmp_path / "svc"
    (svc / main).parent.mkdir(parents=True, exist_ok=True)
    (svc / "go.mod").write_text("module example.com/svc\n\ngo 1.22\n")
    (svc / main).write_text("package main\n\nfunc main() {}\n")
    proc = subprocess.run([sys.executable, "-m", "matrixhell", "generate", str(tmp_path), "--stdout", "--only", "svc"],
                          capture_output=True, text=True, check=True)
    return proc.stdout.splitlines()


@pytest.mark.parametrize(("main", "package"), [("main.go", "."), ("cmd/api/main.go", "./cmd/api")])
def test_go_image_builds_the_main_package_and_runs_the_installed_binary(
    tmp_path: Path, main: str, package: str
) -> None:
    lines = _dockerfile(tmp_path, main)
    build = next(line for line in lines if "go build" in line)
    assert build.endswith(f"-o /out/app {package}")
    installed = next(line for line in lines if line.startswith("COPY --from=build /out/app "))
    binary = installed.split()[-1]
    assert next(line for line in lines if line.startswith("CMD")) == f'CMD ["{binary}"]'
