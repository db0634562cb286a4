"""OS package pins that survive the archive moving on: apt globs on the epoch and upstream major, apk's
fuzzy operator, no pin where the version cannot be pinned safely; hadolint accepts every form."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
from genkit import hadolint, make_service, make_target

from matrixhell.model.image import PinnedPackage, StepKind, SystemNeeds
from matrixhell.render.dockerfile import render_dockerfile
from matrixhell.render.spec import build_spec


@pytest.mark.parametrize(("name", "version", "pin"), [
    ("gcc", "4:14.2.0-1", "gcc=4:14.*"),
    ("libpq5", "17.12-0+deb13u1", "libpq5=17.*"),
    ("libc6-dev", "2.41-12+deb13u5", "libc6-dev=2.41-*"),
    ("git", "1:2.47.3-0+deb13u1", "git=1:2.*"),
    ("build-essential", "12.12", "build-essential=12.*"),
    ("ca-certificates", "20250419+deb13u1", "ca-certificates"),
    ("libpq5", None, "libpq5"),
])
def test_apt_pins_keep_the_epoch_and_upstream_major(name: str, version: str | None, pin: str) -> None:
    assert PinnedPackage(name, version).requirement("apt") == pin


@pytest.mark.parametrize(("old", "new"), [
    ("17.12-0+deb13u1", "17.13-0+deb13u1"),  # a PostgreSQL point release through the security archive
    ("4:14.2.0-1", "4:14.2.0-3"),  # a rebuilt revision
    ("1:2.47.3-0+deb13u1", "1:2.47.3-0+deb13u2"),  # a security update
])
def test_an_apt_pin_still_matches_after_an_update(old: str, new: str) -> None:
    req = PinnedPackage("p", old).requirement("apt")
    glob = req.split("=", 1)[1]
    assert fnmatch.fnmatchcase(new, glob), f"{req} would fail once the archive has {new}"
    assert not fnmatch.fnmatchcase(new, old), "an exact pin would not"


def test_versions_of_upstream_precision_are_not_pinned_on_apt() -> None:
    # the curated Ubuntu catalog knows "16", not "16.4-0ubuntu0.24.04.1": a pin without the real
    # epoch and revision is rejected by apt
    assert PinnedPackage("libpq5", "16", exact=False).requirement("apt") == "libpq5"
    assert PinnedPackage("zlib1g", "1.3", exact=False).requirement("apt") == "zlib1g"


@pytest.mark.parametrize(("version", "pin"), [("16", "libpq~16"), ("2.12.7-r0", "libpq~2.12"), (None, "libpq")])
def test_apk_pins_use_the_fuzzy_operator(version: str | None, pin: str) -> None:
    assert PinnedPackage("libpq", version).requirement("apk") == pin


def _spec(distro: str, release: str, pkgs: tuple[PinnedPackage, ...]) -> object:
    svc = make_service("api", files=("requirements.txt",), argv=("python", "app.py"))
    return build_spec(svc, make_target(distro=distro, release=release), SystemNeeds(run=pkgs))


@pytest.mark.parametrize(("distro", "release", "pkgs", "args"), [
    ("debian", "trixie", (PinnedPackage("libpq5", "17.12-0+deb13u1"), PinnedPackage("libc6", "2.41-12")),
     ("libc6=2.41-*", "libpq5=17.*")),
    ("alpine", "3.20", (PinnedPackage("libpq", "16", exact=False),), ("libpq~16",)),
])
def test_pinned_forms_lint_clean_without_an_ignore(distro: str, release: str, pkgs: tuple[PinnedPackage, ...],
                                                  args: tuple[str, ...], tmp_path: Path) -> None:
    spec = _spec(distro, release, pkgs)
    step = next(s for s in spec.final.steps if s.kind is StepKind.PACKAGES)  # type: ignore[attr-defined]
    assert step.args == args and step.lint_ignores == ()
    path = tmp_path / "Dockerfile"
    path.write_text(render_dockerfile(spec), encoding="utf-8")  # type: ignore[arg-type]
    assert hadolint(path) == [], path.read_text(encoding="utf-8")


def test_an_unpinnable_package_keeps_the_lint_ignore(tmp_path: Path) -> None:
    spec = _spec("ubuntu", "24.04", (PinnedPackage("libpq5", "16", exact=False),))
    step = next(s for s in spec.final.steps if s.kind is StepKind.PACKAGES)  # type: ignore[attr-defined]
    assert step.args == ("libpq5",) and step.lint_ignores == ("DL3008",)


def test_the_knowledge_needs_mark_curated_catalogs_inexact() -> None:
    from matrixhell.generate import _knowledge_needs
    from matrixhell.model import Ecosystem, Origin, PackageReq, Target

    pg = PackageReq(Ecosystem.PYPI, "psycopg2", "==2.9.9", origin=Origin("api/requirements.txt", 1))
    svc = make_service("api", files=("requirements.txt",), packages=(pg,))
    fn = _knowledge_needs()
    debian = fn(svc, Target("debian", "trixie", "glibc", "2.41", runtime="python",  # type: ignore[arg-type]
                            runtime_version="3.12.8"))
    ubuntu = fn(svc, Target("ubuntu", "24.04", "glibc", "2.39", runtime="python",  # type: ignore[arg-type]
                            runtime_version="3.12.8"))
    assert debian.run and all(p.exact for p in debian.run)
    assert any(p.requirement().startswith("libpq5=") for p in debian.run)
    assert ubuntu.run and not any(p.exact for p in ubuntu.run)
