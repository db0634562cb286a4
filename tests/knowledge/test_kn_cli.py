"""`matrixhell knowledge`, registered in a test's own typer app."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from matrixhell.cli import knowledge
from matrixhell.errors import MatrixhellError


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test root"""

    knowledge.register(app)
    return app


def _run(app: typer.Typer, *args: str) -> str:
    result = CliRunner().invoke(app, ["knowledge", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_needs_names_the_release_packages(app: typer.Typer) -> None:
    data = json.loads(_run(app, "needs", "pypi", "psycopg2", "--release", "debian:trixie", "-f", "json"))
    assert data["libraries"] == ["libpq"]
    assert "libpq-dev" in data["packages"]["build"] and "gcc" in data["packages"]["build"]
    assert data["packages"]["run"] == ["libpq5"]
    prebuilt = json.loads(
        _run(app, "needs", "pypi", "psycopg2-binary", "-r", "alpine:3.20", "--prebuilt", "-f", "json")
    )
    assert prebuilt["packages"] == {"release": "alpine:3.20", "manager": "apk", "build": [], "run": []}


def test_needs_text_and_pure_packages(app: typer.Typer) -> None:
    out = _run(app, "needs", "npm", "sharp", "-r", "debian:bookworm")
    assert "libvips-dev" in out and "libvips42" in out
    assert "no native needs known" in _run(app, "needs", "pypi", "requests")


def test_release_image_and_images(app: typer.Typer) -> None:
    out = _run(app, "release", "debian", "trixie", "-l", "openssl")
    assert "libssl3t64" in out and "glibc 2.41" in out
    info = json.loads(_run(app, "image", "python:3.11-slim-bookworm", "-f", "json"))
    assert (info["release"], info["variant"]) == ("bookworm", "slim")
    assert _run(app, "images", "python", "3.12").splitlines()[1].startswith("python:3.12-slim-trixie")
    rows = json.loads(_run(app, "releases", "-f", "json"))
    assert {"debian:bookworm", "alpine:3.19"} <= {f"{r['distro']}:{r['name']}" for r in rows}


def test_bad_input_is_a_matrixhell_error(app: typer.Typer) -> None:
    with pytest.raises(MatrixhellError, match="unknown release"):
        CliRunner().invoke(app, ["knowledge", "needs", "pypi", "lxml", "-r", "debian:sarge"], catch_exceptions=False)
    with pytest.raises(MatrixhellError, match="unknown ecosystem"):
        CliRunner().invoke(app, ["knowledge", "needs", "cpan", "DBI"], catch_exceptions=False)
    with pytest.raises(MatrixhellError, match="not an official image"):
        CliRunner().invoke(app, ["knowledge", "image", "nginx:1"], catch_exceptions=False)
