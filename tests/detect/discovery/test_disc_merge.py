"""merge_service: runtime precedence and disagreement, start commands, ports, languages, env keys."""

from __future__ import annotations

import pytest

from matrixhell.detect.discovery import PlannedService
from matrixhell.detect.merge import merge_service, primary_runtime, specifiers_intersect
from matrixhell.model import (
    ComposeService,
    Detection,
    Ecosystem,
    EnvVar,
    Origin,
    PackageReq,
    Port,
    RuntimeReq,
    Severity,
    StartCommand,
)


def rt(spec: str, source: str, path: str, precedence: int, runtime: str = "python") -> RuntimeReq:
    return RuntimeReq(runtime, spec, spec, source, Origin(path, 1), precedence)


PLAN = PlannedService(name="api", directory="api")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("==3.8.*", "==3.11.*", False),
        ("==3.11.*", ">=3.8", True),
        (">=3.12", "<3.12", False),
        (">=3.11.5", "<3.12", True),
        (">3.11", "<3.11.1", True),
        ("~=3.8", ">=4", False),
        ("==3.10.4", "==3.10.*", True),
        ("==3.10.4", "!=3.10.4", False),
        (">=18,<19", "==20.*", False),
        ("", "==3.8.*", True),
    ],
)
def test_specifier_intersection(a: str, b: str, expected: bool) -> None:
    assert specifiers_intersect(a, b) is expected


def test_unreadable_specifier_gives_none() -> None:
    assert specifiers_intersect("not a spec", ">=3") is None


def test_runtimes_sorted_by_precedence_with_path_ties() -> None:
    d = Detection(
        "x",
        runtimes=(
            rt(">=3.8", "requires-python", "api/pyproject.toml", 40),
            rt("==3.11.*", "python-version-file", "api/b/.python-version", 20),
            rt("==3.11.*", "python-version-file", "api/a/.python-version", 20),
        ),
    )
    s = merge_service(PLAN, [d])
    assert [r.origin.path for r in s.runtimes] == [
        "api/a/.python-version",
        "api/b/.python-version",
        "api/pyproject.toml",
    ]
    assert s.runtime is not None and s.runtime.origin.path == "api/a/.python-version"
    assert not [f for f in s.findings if f.code == "runtime-disagreement"]


def test_disagreeing_sources_are_a_warning_naming_both() -> None:
    docker = Detection("dockerfile", runtimes=(rt("==3.11.*", "dockerfile-from", "api/Dockerfile", 10),))
    py = Detection("python", runtimes=(rt("==3.8.*", "python-version-file", "api/.python-version", 20),))
    s = merge_service(PLAN, [py, docker])
    assert s.runtime is not None and s.runtime.source == "dockerfile-from"
    (f,) = [f for f in s.findings if f.code == "runtime-disagreement"]
    assert f.severity is Severity.WARNING and f.service == "api"
    assert f.origin == Origin("api/.python-version", 1)
    assert "==3.8.*" in f.message and "==3.11.*" in f.message


def test_disagreement_names_every_source_and_the_file_a_person_edits() -> None:
    ruby = Detection(
        "ruby",
        runtimes=(
            rt("==3.3.1", "ruby-version-file", "api/.ruby-version", 10, runtime="ruby"),
            rt("==3.2.4", "gemfile-lock-ruby", "api/Gemfile.lock", 25, runtime="ruby"),
            rt("==3.2.4", "gemfile-ruby", "api/Gemfile", 30, runtime="ruby"),
        ),
    )
    (f,) = [f for f in merge_service(PLAN, [ruby]).findings if f.code == "runtime-disagreement"]
    assert f.origin == Origin("api/Gemfile", 1)
    assert "api/Gemfile.lock:1" in f.message and "api/Gemfile:1" in f.message
    assert f.hint is not None and "api/Gemfile:1" in f.hint and "`bundle lock`" in f.hint
    assert "Gemfile.lock" not in f.hint


def test_a_lock_alone_disagreeing_sends_the_user_to_its_manifest() -> None:
    py = Detection(
        "python",
        runtimes=(
            rt("==3.12.*", "python-version-file", "api/.python-version", 10),
            rt("<3.11", "uv-lock-requires-python", "api/uv.lock", 45),
        ),
    )
    (f,) = [f for f in merge_service(PLAN, [py]).findings if f.code == "runtime-disagreement"]
    assert f.origin == Origin("api/uv.lock", 1)
    assert f.hint is not None and "api/pyproject.toml" in f.hint and "`uv lock`" in f.hint


def test_different_runtimes_never_disagree() -> None:
    d = Detection("x", runtimes=(rt("==3.8.*", "a", "p", 10), rt("==20.*", "b", "q", 20, runtime="node")))
    assert not [f for f in merge_service(PLAN, [d]).findings if f.code == "runtime-disagreement"]


def test_primary_runtime_is_the_dockerfile_final_stage_else_the_most_manifests() -> None:
    node = Detection(
        "node",
        packages=tuple(PackageReq(Ecosystem.NPM, n, origin=Origin(f"api/{n}/package.json", 1)) for n in ("a", "b")),
        runtimes=(rt("==20.*", "nvmrc", "api/.nvmrc", 20, runtime="node"),),
        languages=("javascript",),
    )
    py = Detection(
        "python",
        packages=(PackageReq(Ecosystem.PYPI, "flask", origin=Origin("api/requirements.txt", 1)),),
        runtimes=(rt("==3.12.*", "python-version-file", "api/.python-version", 20),),
        languages=("python",),
    )
    assert primary_runtime([py, node]) == "node"
    s = merge_service(PLAN, [py, node])
    assert s.languages == ("javascript", "python")
    assert s.runtime is not None and s.runtime.runtime == "node"
    docker = Detection("dockerfile", runtimes=(rt("==3.12.*", "dockerfile-from", "api/Dockerfile", 10),))
    s2 = merge_service(PLAN, [node, py, docker])
    assert s2.languages == ("python", "javascript")
    assert [r.runtime for r in s2.runtimes][:2] == ["python", "python"]


def test_start_command_precedence() -> None:
    compose = ComposeService(
        "api",
        Origin("compose.yaml", 2),
        command=StartCommand(Origin("compose.yaml", 5), "compose-command", shell="a", precedence=10),
    )
    dets = [
        Detection(
            "node",
            start_commands=(
                StartCommand(Origin("api/package.json", 3), "package-json-start", shell="npm start", precedence=40),
            ),
        ),
        Detection(
            "procfile",
            start_commands=(StartCommand(Origin("api/Procfile", 1), "procfile-web", shell="web", precedence=20),),
        ),
        Detection(
            "dockerfile",
            start_commands=(StartCommand(Origin("api/Dockerfile", 9), "dockerfile-cmd", argv=("x",), precedence=30),),
        ),
    ]
    with_compose = merge_service(PlannedService("api", "api", compose=compose), dets)
    assert [s.source for s in with_compose.start_commands] == [
        "compose-command",
        "procfile-web",
        "dockerfile-cmd",
        "package-json-start",
    ]
    without = merge_service(PLAN, dets)
    assert without.start is not None and without.start.source == "procfile-web"


def test_ports_merged_compose_then_expose_then_defaults() -> None:
    compose = ComposeService(
        "api", Origin("compose.yaml", 2), ports=(Port(8000, origin=Origin("compose.yaml", 7), published=80),)
    )
    dets = [
        Detection(
            "python",
            ports=(Port(8000, origin=Origin("api/app.py", 1)), Port(5000, origin=Origin("api/app.py", 2))),
        ),
        Detection(
            "dockerfile",
            ports=(
                Port(8000, origin=Origin("api/Dockerfile", 4)),
                Port(9000, "udp", Origin("api/Dockerfile", 4)),
            ),
        ),
    ]
    s = merge_service(PlannedService("api", "api", compose=compose), dets)
    assert [(p.number, p.protocol, p.published, p.origin.path) for p in s.ports] == [
        (8000, "tcp", 80, "compose.yaml"),
        (9000, "udp", None, "api/Dockerfile"),
        (5000, "tcp", None, "api/app.py"),
    ]


def test_a_compose_command_without_ports_does_not_inherit_the_images_expose() -> None:
    dets = [
        Detection(
            "dockerfile",
            ports=(Port(8000, origin=Origin("docker/web.Dockerfile", 25)),),
            start_commands=(
                StartCommand(Origin("docker/web.Dockerfile", 30), "dockerfile-cmd", argv=("gunicorn",), precedence=30),
            ),
        ),
        Detection("python", ports=(Port(8000, origin=Origin("api/settings.py", 1), source="gunicorn-default"),)),
    ]

    def ports_with(command: StartCommand) -> list[int]:
        compose = ComposeService("worker", Origin("compose.yaml", 9), command=command)
        return [p.number for p in merge_service(PlannedService("worker", "api", compose=compose), dets).ports]

    worker = StartCommand(Origin("compose.yaml", 12), "compose-command", shell="celery -A shop worker", precedence=10)
    assert ports_with(worker) == []
    server = StartCommand(
        Origin("compose.yaml", 12), "compose-command", argv=("gunicorn", "--bind", "0.0.0.0:8000"), precedence=10
    )
    assert ports_with(server) == [8000]  # the command names the port the image exposes
    assert [p.number for p in merge_service(PlannedService("web", "api"), dets).ports] == [8000]


def test_compose_profiles_are_an_info_finding_with_a_hint() -> None:
    compose = ComposeService("admin", Origin("compose.yaml", 14), image="x:1", profiles=("debug", "ops"))
    s = merge_service(PlannedService("admin", "admin", compose=compose), [])
    assert s.compose is not None and s.compose.profiles == ("debug", "ops")
    (f,) = [f for f in s.findings if f.code == "compose-profiles"]
    assert (f.severity, f.origin, f.service) == (Severity.INFO, Origin("compose.yaml", 14), "admin")
    assert "debug, ops" in f.message and f.hint is not None and "--profile debug" in f.hint


def test_packages_and_env_keep_origins_without_repeats() -> None:
    p = PackageReq(Ecosystem.PYPI, "flask", ">=3", Origin("api/requirements.txt", 1))
    compose = ComposeService("api", Origin("compose.yaml", 2), env=(EnvVar("DATABASE_URL", Origin("compose.yaml", 9)),))
    dets = [
        Detection(
            "a",
            packages=(p,),
            env=(
                EnvVar("DATABASE_URL", Origin("api/Dockerfile", 3)),
                EnvVar("PORT", Origin("api/Dockerfile", 3)),
            ),
        ),
        Detection("b", packages=(p,)),
    ]
    s = merge_service(PlannedService("api", "api", compose=compose), dets)
    assert s.packages == (p,)
    assert [(e.key, e.origin.path) for e in s.env] == [
        ("DATABASE_URL", "compose.yaml"),
        ("PORT", "api/Dockerfile"),
    ]


def test_files_and_findings_are_the_services() -> None:
    from matrixhell.model import Finding

    d = Detection(
        "a",
        files=("api/z.txt", "api/a.txt"),
        findings=(Finding("x", Severity.ERROR, "bad", Origin("api/z.txt", 2)),),
    )
    s = merge_service(
        PlannedService("api", "api", dockerfile="docker/api.Dockerfile", compose_files=("compose.yaml",)), [d]
    )
    assert s.files == ("api/a.txt", "api/z.txt", "compose.yaml", "docker/api.Dockerfile")
    assert [f.service for f in s.findings] == ["api"]
    assert s.path == "api" and s.dockerfile == "docker/api.Dockerfile"


def test_a_default_port_guess_yields_to_a_written_port() -> None:
    guess = Port(8000, origin=Origin("api/app.py", 1), source="gunicorn-default")
    expose = Port(5000, origin=Origin("api/Dockerfile", 3))
    with_expose = merge_service(PLAN, [Detection("python", ports=(guess,)), Detection("dockerfile", ports=(expose,))])
    assert [p.number for p in with_expose.ports] == [5000]
    alone = merge_service(PLAN, [Detection("python", ports=(guess,))])
    assert [(p.number, p.source) for p in alone.ports] == [(8000, "gunicorn-default")]


def test_a_dockerfile_alone_names_the_language_of_its_runtime() -> None:
    docker = Detection("dockerfile", runtimes=(rt("==20.*", "dockerfile-from", "api/Dockerfile", 10, runtime="node"),))
    assert merge_service(PLAN, [docker]).languages == ("javascript",)
    assert merge_service(PLAN, []).languages == ()
