"""Dockerfile and .dockerignore text: header, apt/apk layers, exec form, quoting, determinism, hadolint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from genkit import RUNTIME_CASES, hadolint, make_service, make_target, needs

from matrixhell.render.dockerfile import render_dockerfile
from matrixhell.render.dockerignore import render_dockerignore
from matrixhell.render.marker import MARKER, is_generated
from matrixhell.render.spec import build_spec


def _instructions(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]


def test_header_marker_is_the_first_line() -> None:
    text = render_dockerfile(build_spec(make_service(files=("requirements.txt",)), make_target()))
    assert text.splitlines()[0].startswith(f"# {MARKER}")
    assert "remove this line to take ownership" in text.splitlines()[0]
    assert is_generated("Dockerfile", text)
    assert not is_generated("Dockerfile", "\n".join(text.splitlines()[1:]))


def test_apt_installs_without_recommends_and_cleans_in_the_same_layer() -> None:
    text = render_dockerfile(build_spec(make_service(files=("requirements.txt",)), make_target(),
                                        needs(build=("libpq-dev",), run=("libpq5",), compile=True)))
    blocks = text.split("\nRUN ")
    apt = [b for b in blocks if b.startswith("apt-get update")]
    assert len(apt) == 2
    for block in apt:
        layer = block.split("\n\n")[0].split("\nENV")[0].split("\n#")[0]
        assert "--no-install-recommends" in layer and "rm -rf /var/lib/apt/lists/*" in layer


def test_apk_uses_no_cache() -> None:
    text = render_dockerfile(build_spec(make_service(files=("requirements.txt",)),
                                        make_target(distro="alpine", release="3.19"), needs(run=("libpq",))))
    assert "RUN apk add --no-cache" in text and "apt-get" not in text
    assert "FROM python:3.11-alpine3.19" in text
    assert "adduser -S -D -H -u 10001" in text


def test_cmd_and_healthcheck_are_json_exec_form() -> None:
    spec = build_spec(make_service(ports=(8000,), argv=("gunicorn", "app:app", "--name", 'a "quoted" $name')),
                      make_target())
    text = render_dockerfile(spec)
    cmd = next(line for line in text.splitlines() if line.startswith("CMD "))
    assert json.loads(cmd[4:]) == ["gunicorn", "app:app", "--name", 'a "quoted" $name']
    hc = next(line.strip() for line in text.splitlines() if line.strip().startswith("CMD [\"python\""))
    assert json.loads(hc[4:])[0] == "python"
    assert "USER 10001:10001" in text and "EXPOSE 8000" in text


def test_values_are_quoted_in_shell_and_env() -> None:
    from matrixhell.model import Ecosystem, Origin, PackageReq

    pkgs = (PackageReq(Ecosystem.PYPI, "weird", "<2,>=1", origin=Origin("api/pyproject.toml", 2)),)
    text = render_dockerfile(build_spec(make_service(files=("pyproject.toml",), packages=pkgs), make_target()))
    assert "pip install 'weird<2,>=1'" in text, "a specifier with < is shell-quoted"
    assert 'PATH="/opt/venv/bin:$PATH"' in text


def test_rendering_is_deterministic() -> None:
    def render() -> str:
        return render_dockerfile(build_spec(
            make_service(files=("requirements.txt", "requirements/base.txt"), ports=(8000, 9000),
                         env=("B", "A")), make_target(), needs(run=("zlib1g", "libpq5", "libffi8"))))

    first = render()
    assert first == render()
    pkgs = [line.strip(" \\") for line in first.splitlines() if line.startswith("        ")]
    assert pkgs == sorted(pkgs), "package lists are sorted"


def test_shared_layout_of_requirement_includes_is_kept() -> None:
    text = render_dockerfile(build_spec(make_service(files=("requirements.txt", "requirements/base.txt",
                                                            "requirements/dev.txt")), make_target()))
    assert "COPY requirements/base.txt ./requirements/" in text
    assert "requirements/dev.txt" not in text


def test_multi_stage_names_every_stage() -> None:
    kw, version = RUNTIME_CASES["rust"]
    text = render_dockerfile(build_spec(make_service(runtime="rust", spec="", **kw), make_target("rust", version)))  # type: ignore[arg-type]
    froms = [i for i in _instructions(text) if i.startswith("FROM ")]
    assert froms == ["FROM rust:1.78-slim-bookworm AS build", "FROM debian:bookworm-slim AS runtime"]
    assert "COPY --from=build /out/bin/api /usr/local/bin/api" in text


def test_dockerignore_keeps_secrets_and_environments_out() -> None:
    text = render_dockerignore("python", ("Dockerfile", ".dockerignore"))
    lines = set(text.splitlines())
    assert {".git", "**/.env", ".venv", "**/__pycache__", "Dockerfile", ".dockerignore"} <= lines
    assert "!**/.env.example" in lines
    assert is_generated(".dockerignore", text)
    node = set(render_dockerignore("node").splitlines())
    assert "**/node_modules" in node and ".venv" not in node


# -- hadolint on every recipe, on both libcs, with and without a build stage ----------------------------

_MATRIX = [(rt, distro, compile_) for rt in sorted(RUNTIME_CASES) for distro in ("debian", "alpine")
           for compile_ in (False, True)]


@pytest.mark.parametrize(("runtime", "distro", "compile_"), _MATRIX,
                         ids=[f"{r}-{d}-{'compile' if c else 'plain'}" for r, d, c in _MATRIX])
def test_hadolint_passes(tmp_path: Path, runtime: str, distro: str, compile_: bool) -> None:
    kw, version = RUNTIME_CASES[runtime]
    alpine = distro == "alpine"
    target = make_target(runtime, version, distro=distro, release="3.19" if alpine else "bookworm")
    n = needs(build=("postgresql-dev",) if alpine else ("libpq-dev",), run=("libpq",) if alpine else ("libpq5",),
              compile=compile_, versions=None if compile_ else {"libpq5": "15.6-0+deb12u1", "libpq": "16.1-r0"})
    text = render_dockerfile(build_spec(make_service(runtime=runtime, spec="", **kw), target, n))  # type: ignore[arg-type]
    path = tmp_path / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    problems = hadolint(path)
    assert problems == [], text
    # every ignore the text carries is one docs/generate.md justifies
    ignores = {code for line in text.splitlines() if line.startswith("# hadolint ignore=")
               for code in line.split("=", 1)[1].split(",")}
    doc = (Path(__file__).resolve().parents[2] / "docs" / "generate.md").read_text(encoding="utf-8")
    for code in ignores:
        assert f"`{code}`" in doc, f"{code} is ignored but docs/generate.md does not justify it"


def test_hadolint_is_really_strict(tmp_path: Path) -> None:
    """The validator is not a stub: the classic mistakes are reported."""
    path = tmp_path / "Dockerfile"
    path.write_text("FROM python\nRUN apt-get update && apt-get install -y libpq5\nCMD python app.py\n")
    codes = {p["code"] for p in hadolint(path)}
    assert {"DL3006", "DL3008", "DL3009", "DL3015", "DL3025"} <= codes


def test_paths_with_spaces_use_json_copy_and_quoted_shell(tmp_path: Path) -> None:
    spec = build_spec(make_service("api", "dotnet", "", files=("My App.csproj",), ports=(8080,)),
                      make_target("dotnet", "8.0"))
    text = render_dockerfile(spec)
    assert 'COPY ["My App.csproj", "./"]' in text
    assert "RUN dotnet restore 'My App.csproj'" in text
    assert 'CMD ["dotnet", "/app/My App.dll"]' in text
    path = tmp_path / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    assert hadolint(path) == []


def test_locked_requirements_with_markers_lint_clean(tmp_path: Path) -> None:
    from matrixhell.model import Ecosystem, Origin, PackageReq

    o = Origin("api/uv.lock", 9)
    pkgs = (PackageReq(Ecosystem.PYPI, "tomli", origin=o, locked="2.0.1", marker='python_version < "3.11"'),
            PackageReq(Ecosystem.PYPI, "flask", origin=o, locked="3.0.0"))
    text = render_dockerfile(build_spec(make_service(files=("pyproject.toml", "uv.lock"), packages=pkgs),
                                        make_target()))
    path = tmp_path / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    assert hadolint(path) == [] and "DL3013" not in text
