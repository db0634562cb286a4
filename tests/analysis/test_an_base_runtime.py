"""The base the plan names must provide the service's runtime: an official image of the line, or a
plain OS image only where the release packages that very line; and the generated image then installs
the release's own runtime (docs/plan.md, "A base that has the runtime")."""

from __future__ import annotations

from datetime import date

import pytest
from an_fakes import frm, rt, run, svc

from matrixhell.conflicts.profile import CatalogView, distro_release
from matrixhell.conflicts.ranges import line_range
from matrixhell.model import Origin, Service
from matrixhell.model.image import StepKind
from matrixhell.plan import make_plan
from matrixhell.render.spec import build_spec, distro_runtime_packages

_INTERPRETED = ("python", "node", "ruby", "php", "java", "dotnet")


@pytest.fixture(scope="module")
def kn():  # type: ignore[no-untyped-def]
    from matrixhell.analyze import load_knowledge

    return load_knowledge(today=date(2026, 12, 1))


def _plain(ref: str | None, view: CatalogView) -> bool:
    return ref is not None and distro_release(ref, view.releases) is not None


def test_every_plain_base_the_catalog_allows_is_one_the_generator_can_fill(kn) -> None:  # type: ignore[no-untyped-def]
    """For every release and runtime line: when no official image exists there and the plan would use
    the release's plain image, the release packages that line and the generator knows its packages;
    when the release packages another line, no plain base is offered at all."""
    view = CatalogView(kn)
    offered = 0
    for release in view.releases:
        for runtime in _INTERPRETED:
            for line in kn.runtime_versions.get(runtime, ()):
                image = view.best_image(runtime, line, release)
                if not _plain(image, view):
                    continue
                offered += 1
                own = release.runtime_version(runtime)
                assert own is not None and line_range(line).contains(own), (release.distro, release.name, line)
                manager = "apk" if release.distro == "alpine" else "apt"
                assert distro_runtime_packages(manager, runtime, line), (runtime, release.name)
    assert offered > 5  # Java on Debian, Python/Node/Ruby/PHP on Ubuntu: the cases are real


@pytest.mark.parametrize(("runtime", "line", "release"), [
    ("java", "17", "ubuntu:26.04"),  # 26.04 packages no Java the catalog knows
    ("python", "3.11", "ubuntu:24.04"),  # Ubuntu 24.04 packages 3.12, not 3.11
    ("java", "17", "debian:trixie"),  # trixie packages Java 21
])
def test_a_release_that_packages_another_line_gets_no_plain_base(kn, runtime: str, line: str,  # type: ignore[no-untyped-def]
                                                                 release: str) -> None:
    view = CatalogView(kn)
    distro, name = release.split(":")
    r = next(x for x in view.releases if (x.distro, x.name) == (distro, name))
    assert not _plain(view.best_image(runtime, line, r), view)


def _planned(kn, service: Service):  # type: ignore[no-untyped-def]
    profiles, conflicts, _ctx = run([service], kn)
    plan = make_plan(profiles, conflicts, CatalogView(kn))
    target = plan.target_of(service.name)
    assert target is not None
    return target


def test_java_kept_on_its_own_debian_gets_the_releases_jre(kn) -> None:  # type: ignore[no-untyped-def]
    """No Temurin image is built on Debian: a Java 21 service whose Dockerfile runs on trixie keeps the
    release, gets debian:trixie-slim, and the generated image installs trixie's openjdk-21."""
    s = svc("api", runtimes=[rt("==21", source="gradle-toolchain", path="api/build.gradle.kts", runtime="java")],
            base=[frm("debian:trixie-slim", "api/Dockerfile")])
    target = _planned(kn, s)
    assert (target.distro, target.release, target.runtime_version) == ("debian", "trixie", "21")
    assert target.base_image == "debian:trixie-slim"
    spec = build_spec(_with_files(s, "pom.xml"), target)
    packages = [st for st in spec.final.steps if st.kind is StepKind.PACKAGES]
    assert packages and any(a.startswith("openjdk-21-jre-headless") for a in packages[0].args)


def test_python_kept_on_ubuntu_gets_the_releases_python_in_a_venv(kn) -> None:  # type: ignore[no-untyped-def]
    s = svc("api", runtimes=[rt("==3.12.*", path="api/.python-version")],
            base=[frm("ubuntu:24.04", "api/Dockerfile")])
    target = _planned(kn, s)
    assert (target.distro, target.release, target.base_image) == ("ubuntu", "24.04", "ubuntu:24.04")
    assert target.runtime_version == "3.12"
    spec = build_spec(_with_files(s, "requirements.txt", "app.py"), target)
    args = next(st for st in spec.final.steps if st.kind is StepKind.PACKAGES).args
    assert {"python3", "python3-venv"} <= {a.split("=")[0] for a in args}
    runs = [st.args[0] for st in spec.final.steps if st.kind is StepKind.RUN]
    assert any(r.startswith("python3 -m venv /opt/venv") for r in runs)


def _with_files(s: Service, *files: str) -> Service:
    from dataclasses import replace

    from matrixhell.model import StartCommand

    start = StartCommand(Origin(f"{s.path}/Procfile", 1), "procfile-web", shell="python app.py") \
        if "app.py" in files else None
    return replace(s, files=tuple(f"{s.path}/{f}" for f in files),
                   start_commands=(start,) if start else ())
