"""`matrixhell graph` and `matrixhell plan` on real repositories, with the real knowledge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from matrixhell.cli.analyze import register

SHOP = Path(__file__).resolve().parents[2] / "fixtures" / "repos" / "shop"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    a = typer.Typer()
    register(a)
    return a


def test_plan_on_the_shop_exits_1_and_names_the_splits(app: typer.Typer) -> None:
    r = CliRunner().invoke(app, ["plan", str(SHOP)])
    assert r.exit_code == 1, r.output
    assert "5 services in 4 environments (fewest possible)" in r.output
    assert "why they are split:" in r.output
    assert "billing / web: " in r.output and "disjoint-runtime" in r.output
    # one root cause, said once, with every service it parts billing from
    [head] = [line for line in r.output.splitlines() if line.startswith("error[os-lib-clash]")]
    assert head.startswith("error[os-lib-clash] billing vs ") and {"web", "worker"} <= set(
        head.replace(",", " ").split()
    )
    block = r.output.split(head, 1)[1].split("\n\n", 1)[0]
    assert block.count("billing needs libssl1.1 (services/billing/Dockerfile:5)") == 1
    assert "error[os-lib-clash] billing, web:" not in r.output


def test_plan_json_is_data(app: typer.Typer) -> None:
    r = CliRunner().invoke(app, ["plan", str(SHOP), "--format", "json"])
    assert r.exit_code == 1
    doc = json.loads(r.output)
    assert doc["exact"] is True
    envs = {tuple(e["services"]) for e in doc["environments"]}
    assert ("web", "worker") in envs
    assert doc["targets"]["billing"]["ssl"] == "libssl1.1"
    assert {"a": "billing", "b": "frontend", "kind": "libc-clash"} in doc["splits"]


def test_plan_verbose_shows_derivations(app: typer.Typer) -> None:
    r = CliRunner().invoke(app, ["plan", str(SHOP), "--verbose"])
    assert "derivation:" in r.output
    assert "services/reports/.python-version:1" in r.output


def test_graph_formats_and_output_file(app: typer.Typer, tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["graph", str(SHOP), "-f", "mermaid"])
    assert r.exit_code == 0 and r.output.startswith("flowchart LR")
    out = tmp_path / "g.json"
    r = CliRunner().invoke(app, ["graph", str(SHOP), "-f", "json", "-o", str(out)])
    assert r.exit_code == 0 and r.output == ""
    doc = json.loads(out.read_text())
    assert any(n["id"] == "service:billing" for n in doc["nodes"])
    r = CliRunner().invoke(app, ["graph", str(SHOP)])
    assert r.output.startswith("digraph matrixhell {")


def test_a_repository_without_conflicts_exits_0(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    (tmp_path / ".python-version").write_text("3.12\n")
    r = CliRunner().invoke(app, ["plan", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "1 service in 1 environment" in r.output and "no conflicts" in r.output


def test_requirements_the_resolver_cannot_satisfy_are_explained(app: typer.Typer, tmp_path: Path) -> None:
    # Real resolver over the shipped offline index: fastapi 0.111.0 needs starlette <0.38.
    (tmp_path / "requirements.txt").write_text("fastapi==0.111.0\nstarlette==0.44.0\n")
    (tmp_path / ".python-version").write_text("3.12\n")
    r = CliRunner().invoke(app, ["plan", str(tmp_path), "--verbose"])
    assert r.exit_code == 1, r.output
    assert "error[unsatisfiable-requirements]" in r.output
    assert "fastapi==0.111.0 requires starlette<0.38.0,>=0.37.2" in r.output
    assert "requires starlette==0.44.0 (requirements.txt:2)" in r.output


def test_requires_python_from_the_offline_index(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("pandas==2.2.2\n")
    (tmp_path / ".python-version").write_text("3.8\n")
    r = CliRunner().invoke(app, ["plan", str(tmp_path)])
    assert r.exit_code == 1
    assert "python >=3.8,<3.9 and >=3.9 (Requires-Python of pandas 2.2.2) have no version in common" in r.output
