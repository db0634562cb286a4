"""Every fixture repository, for real: hadolint, the compose schema, kubernetes-validate, golden files,
a second run that changes nothing, hand-written files that survive, --check that catches a stale file.

Golden files live in fixtures/golden/<repo>/; regenerate them with MATRIXHELL_REGEN_GOLDEN=1.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from genkit import GOLDEN, REGENERATE, compose_validator, fixture_repos, hadolint, hand_plan, k8s_validate

from matrixhell.config import load_overrides
from matrixhell.detect.repoview import FsRepoView
from matrixhell.detect.scan import scan_repo
from matrixhell.generate import FileState, _knowledge_needs, _read, generate, plan_files
from matrixhell.render.dockerfile import render_dockerfile
from matrixhell.render.marker import is_generated

REPOS = fixture_repos()
IDS = [p.name for p in REPOS]


def _copy(repo: Path, tmp: Path) -> Path:
    dest = tmp / repo.name
    shutil.copytree(repo, dest, symlinks=True)
    return dest


def _plan_in_memory(repo: Path) -> object:
    scan = scan_repo(FsRepoView(repo))
    return plan_files(scan, hand_plan(scan), load_overrides(repo), read=lambda rel: _read(repo / rel),
                      needs_fn=_knowledge_needs(), project=repo.name)


def test_there_are_fixture_repos() -> None:
    assert len(REPOS) >= 5, "fixtures/repos holds the example repositories"


@pytest.mark.parametrize("repo", REPOS, ids=IDS)
def test_golden_files(repo: Path) -> None:
    gen = _plan_in_memory(repo)
    golden = GOLDEN / repo.name
    produced = {f.path: f.text for f in gen.files}  # type: ignore[attr-defined]
    if REGENERATE:
        if golden.exists():
            shutil.rmtree(golden)
        for path, text in produced.items():
            (golden / path).parent.mkdir(parents=True, exist_ok=True)
            (golden / path).write_text(text, encoding="utf-8")
    assert golden.is_dir(), f"no golden files for {repo.name}: run with MATRIXHELL_REGEN_GOLDEN=1"
    expected = {p.relative_to(golden).as_posix(): p.read_text(encoding="utf-8")
                for p in sorted(golden.rglob("*")) if p.is_file()}
    again = "if the change is intended: MATRIXHELL_REGEN_GOLDEN=1 python -m pytest tests/generate -k golden"
    assert sorted(produced) == sorted(expected), again
    for path, text in produced.items():
        assert _unpinned(text) == _unpinned(expected[path]), f"{repo.name}/{path} differs; {again}"


_PIN = re.compile(r"^(\s+'?[a-z0-9][a-z0-9+.-]*)=[^\s']+('?)( \\)?$", re.MULTILINE)


def _unpinned(text: str) -> str:
    """The text with OS package versions masked (``libpq5=<pinned>``): a catalog refresh moves them, and
    the golden files are about what is installed and how, not which point release of it."""
    return _PIN.sub(lambda m: f"{m.group(1)}=<pinned>{m.group(2)}{m.group(3) or ''}", text)


def test_pin_masking_keeps_what_is_pinned() -> None:
    text = "RUN x \\\n        libpq5=15.6-0+deb12u1 \\\n        'libssl-dev=3.0~1' \\\n        gcc \\\n"
    assert _unpinned(text) == "RUN x \\\n        libpq5=<pinned> \\\n        'libssl-dev=<pinned>' \\\n        gcc \\\n"


@pytest.mark.parametrize("planner", ["fixed-plan", "analyzer"])
@pytest.mark.parametrize("repo", REPOS, ids=IDS)
def test_real_validators_accept_everything(repo: Path, tmp_path: Path, planner: str) -> None:
    work = _copy(repo, tmp_path)
    gen, report = generate(work, plan_fn=hand_plan if planner == "fixed-plan" else None)
    assert not report.paths(FileState.BLOCKED), "no file of the repository's own is in the way"
    # a service is left without an image only with an error that says why
    errors = {f.service for f in report.findings if f.severity.value == "error"}
    assert set(report.not_generated) <= errors
    # every image plan, including those of services with a Dockerfile of their own, lints clean
    doc = (Path(__file__).resolve().parents[2] / "docs" / "generate.md").read_text(encoding="utf-8")
    for spec in gen.specs:
        path = tmp_path / f"{spec.service}.Dockerfile"
        text = render_dockerfile(spec)
        path.write_text(text, encoding="utf-8")
        assert hadolint(path) == [], text
        for line in text.splitlines():
            if line.startswith("# hadolint ignore="):
                for code in line.split("=", 1)[1].split(","):
                    assert f"`{code}`" in doc, f"{code} is ignored without a justification in docs/generate.md"
    written = [f for f in gen.files if f.path in report.written]
    for f in written:
        assert is_generated(f.path, (work / f.path).read_text(encoding="utf-8"))
        if f.kind == "dockerfile":
            assert hadolint(work / f.path) == []
        elif f.kind == "compose":
            doc = yaml.safe_load(f.text)
            assert list(compose_validator().iter_errors(doc)) == []  # type: ignore[attr-defined]
            for svc in doc["services"].values():
                if "build" in svc:
                    ctx = (work / f.path).parent / svc["build"]["context"]
                    assert ctx.is_dir(), f"build context {svc['build']['context']} exists"
                    assert (ctx / svc["build"]["dockerfile"]).is_file()
        elif f.kind == "kubernetes" and not f.path.endswith("kustomization.yaml"):
            k8s_validate(yaml.safe_load(f.text))
    assert any(f.kind == "compose" for f in written)


@pytest.mark.parametrize("repo", REPOS, ids=IDS)
def test_a_second_run_changes_nothing(repo: Path, tmp_path: Path) -> None:
    work = _copy(repo, tmp_path)
    _, first = generate(work, plan_fn=hand_plan)
    assert first.written
    before = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    _, second = generate(work, plan_fn=hand_plan)
    assert second.written == []
    assert {s for _, s in second.states} <= {FileState.UNCHANGED, FileState.BLOCKED}
    assert {p: p.read_bytes() for p in work.rglob("*") if p.is_file()} == before
    _, check = generate(work, plan_fn=hand_plan, check=True)
    assert not check.stale and check.diffs == []


@pytest.mark.parametrize("repo", REPOS, ids=IDS)
def test_handwritten_files_survive(repo: Path, tmp_path: Path) -> None:
    work = _copy(repo, tmp_path)
    own = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    generate(work, plan_fn=hand_plan)
    for path, data in own.items():
        assert path.read_bytes() == data, f"{path.relative_to(work)} was changed"


def test_handwritten_dockerfiles_are_reported_not_replaced(tmp_path: Path) -> None:
    repo = next(r for r in REPOS if r.name == "shop")
    work = _copy(repo, tmp_path)
    gen, report = generate(work, plan_fn=hand_plan)
    assert not any(f.kind == "dockerfile" for f in gen.files), "every shop service has its own Dockerfile"
    codes = {(f.service, f.code) for f in report.findings}
    assert ("reports", "dockerfile-runs-as-root") in codes
    assert ("frontend", "dockerfile-release-differs") in codes
    assert (work / "compose.matrixhell.yaml").is_file(), "the repository's compose.yaml is its own"
    doc = yaml.safe_load((work / "compose.matrixhell.yaml").read_text())
    assert doc["services"]["web"]["build"]["dockerfile"] == "../../docker/web.Dockerfile"
    assert doc["services"]["frontend"]["build"]["target"] == "runner"


def test_alongside_writes_a_separate_dockerfile(tmp_path: Path) -> None:
    repo = next(r for r in REPOS if r.name == "shop")
    work = _copy(repo, tmp_path)
    original = (work / "services/reports/Dockerfile").read_bytes()
    _gen, _ = generate(work, plan_fn=hand_plan, alongside=True)
    assert (work / "services/reports/Dockerfile.matrixhell").is_file()
    assert (work / "services/reports/Dockerfile.matrixhell.dockerignore").is_file()
    assert (work / "services/reports/Dockerfile").read_bytes() == original
    assert hadolint(work / "services/reports/Dockerfile.matrixhell") == []


def test_check_catches_a_stale_spec(tmp_path: Path) -> None:
    repo = next(r for r in REPOS if r.name == "py-matrix")
    work = _copy(repo, tmp_path)
    gen, _ = generate(work, plan_fn=hand_plan)
    dockerfile = next(f.path for f in gen.files if f.kind == "dockerfile")
    # a generated file edited by hand (marker kept) is stale
    target = work / dockerfile
    target.write_text(target.read_text() + "RUN echo drift\n")
    _, report = generate(work, plan_fn=hand_plan, check=True)
    assert report.stale and report.paths(FileState.CHANGED) == [dockerfile]
    assert "-RUN echo drift" in report.diffs[0]
    assert "RUN echo drift" in target.read_text(), "--check wrote nothing"


def test_check_catches_a_changed_manifest(tmp_path: Path) -> None:
    repo = next(r for r in REPOS if r.name == "py-matrix")
    work = _copy(repo, tmp_path)
    generate(work, plan_fn=hand_plan)
    (work / "matrixhell.toml").write_text('[services.catalog]\nports = [9000]\n', encoding="utf-8")
    _, report = generate(work, plan_fn=hand_plan, check=True)
    assert report.stale
    assert any("catalog" in p for p in report.paths(FileState.CHANGED))
    assert any("+EXPOSE 9000" in d for d in report.diffs)


def test_skip_override_drops_a_service(tmp_path: Path) -> None:
    repo = next(r for r in REPOS if r.name == "py-matrix")
    work = _copy(repo, tmp_path)
    (work / "matrixhell.toml").write_text('[services.scraper]\nskip = true\n', encoding="utf-8")
    gen, _ = generate(work, plan_fn=hand_plan)
    assert not any(f.service == "scraper" for f in gen.files)
    assert "scraper" not in yaml.safe_load((work / "compose.yaml").read_text())["services"]


def test_only_renders_one_service_and_no_repo_wide_files(tmp_path: Path) -> None:
    repo = next(r for r in REPOS if r.name == "py-matrix")
    work = _copy(repo, tmp_path)
    gen, _report = generate(work, plan_fn=hand_plan, only=("catalog",))
    assert {f.service for f in gen.files} == {"catalog"}
    assert not (work / "compose.yaml").exists() and not (work / "k8s").exists()


def test_out_dir_outside_the_repository(tmp_path: Path) -> None:
    repo = next(r for r in REPOS if r.name == "py-matrix")
    work = _copy(repo, tmp_path)
    out = tmp_path / "generated"
    _gen, _report = generate(work, plan_fn=hand_plan, out=out)
    assert (out / "compose.yaml").is_file() and (out / "k8s" / "kustomization.yaml").is_file()
    # the Dockerfile lies outside its context, so its ignore file sits beside it (BuildKit's rule)
    assert (out / "catalog" / "Dockerfile.dockerignore").is_file()
    assert not (out / "catalog" / ".dockerignore").exists()
    assert not (work / "compose.yaml").exists()
    doc = yaml.safe_load((out / "compose.yaml").read_text())
    for svc in doc["services"].values():
        if "build" in svc:
            ctx = (out / svc["build"]["context"]).resolve()
            assert ctx.is_dir() and ctx.is_relative_to(work.resolve())
            assert (ctx / svc["build"]["dockerfile"]).resolve().is_file()


def test_an_override_base_of_an_older_release_is_warned_and_resolved_for_it(tmp_path: Path) -> None:
    repo = next(r for r in REPOS if r.name == "py-matrix")
    work = _copy(repo, tmp_path)
    (work / "matrixhell.toml").write_text('[services.catalog]\nbase = "python:3.11-slim-bullseye"\n',
                                          encoding="utf-8")
    _gen, report = generate(work, plan_fn=hand_plan)
    codes = {f.code for f in report.findings if f.service == "catalog"}
    assert "override-base-release" in codes
    dockerfile = (work / "catalog" / "Dockerfile").read_text()
    assert "FROM python:3.11-slim-bullseye" in dockerfile
    # libpq5 is resolved with bullseye's version (PostgreSQL 13), not bookworm's (15)
    pin = next(line.strip(" \\") for line in dockerfile.splitlines() if "libpq5=" in line)
    assert pin == "'libpq5=13.*'", pin
    assert hadolint(work / "catalog" / "Dockerfile") == []


def test_out_dir_inside_the_repository_is_stable(tmp_path: Path) -> None:
    repo = next(r for r in REPOS if r.name == "py-matrix")
    work = _copy(repo, tmp_path)
    generate(work, plan_fn=hand_plan, out=work / "deploy")
    doc = yaml.safe_load((work / "deploy" / "compose.yaml").read_text())
    assert doc["services"]["catalog"]["build"]["context"] == "../catalog"
    assert doc["services"]["catalog"]["build"]["dockerfile"] == "../deploy/catalog/Dockerfile"
    _, again = generate(work, plan_fn=hand_plan, out=work / "deploy")
    assert again.written == [], "the files under deploy/ are outputs, not inputs of the next scan"
