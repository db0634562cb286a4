"""Service discovery through scan_repo on in-memory repositories, with a small fake ecosystem.

The fake detector reads ``app.ini``: one fact per line (``dep NAME``, ``dev NAME``, ``start CMD``,
``weakstart CMD``, ``runtime SPEC``, ``path REL``, ``lang NAME``, ``port N``), so each test states exactly
what a directory's manifest says.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from matrixhell.detect import registry
from matrixhell.detect.apt import AptDetector
from matrixhell.detect.base import DetectContext, Detector
from matrixhell.detect.dockerfile import DockerfileDetector
from matrixhell.detect.procfile import ProcfileDetector
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.scan import load_detectors, scan_repo
from matrixhell.model import (
    Detection,
    Ecosystem,
    Origin,
    PackageReq,
    Port,
    RuntimeReq,
    ScanResult,
    Scope,
    ServiceKind,
    StartCommand,
)
from matrixhell.reporting import Reporter


class FakeDetector:
    name = "fake"
    markers = ("app.ini",)

    def applies(self, ctx: DetectContext) -> bool:
        return ctx.has("app.ini")

    def detect(self, ctx: DetectContext) -> Detection:
        path = ctx.path("app.ini")
        text = ctx.view.read_text(path)
        packages, starts, runtimes, langs, ports = [], [], [], [], []
        for n, line in enumerate(text.splitlines(), 1):
            kind, _, arg = line.partition(" ")
            o = Origin(path, n)
            if kind in ("dep", "dev"):
                packages.append(
                    PackageReq(Ecosystem.PYPI, arg, origin=o, scope=Scope.DEV if kind == "dev" else Scope.MAIN)
                )
            elif kind == "path":
                packages.append(PackageReq(Ecosystem.PYPI, arg.rsplit("/", 1)[-1], origin=o, url=arg, editable=True))
            elif kind in ("start", "weakstart"):
                starts.append(StartCommand(o, "fake-start", shell=arg, precedence=40 if kind == "start" else 48))
            elif kind == "runtime":
                runtimes.append(RuntimeReq("python", arg, arg, "fake-version", o, 30))
            elif kind == "lang":
                langs.append(arg)
            elif kind == "port":
                ports.append(Port(int(arg), origin=o))
        return Detection(
            self.name,
            languages=tuple(langs),
            runtimes=tuple(runtimes),
            packages=tuple(packages),
            start_commands=tuple(starts),
            ports=tuple(ports),
            files=(path,),
        )


class ProjDetector:
    """Markers by glob, like *.csproj."""

    name = "proj"
    markers = ("*.proj",)

    def applies(self, ctx: DetectContext) -> bool:
        return any(f.endswith(".proj") for f in ctx.files)

    def detect(self, ctx: DetectContext) -> Detection:
        return Detection(self.name, languages=("proj",))


DETECTORS: list[Detector] = [
    FakeDetector(),
    ProjDetector(),
    DockerfileDetector(),
    ProcfileDetector(),
    AptDetector(),
]


def scan(files: Mapping[str, str | bytes], detectors: list[Detector] | None = None, **kw: object) -> ScanResult:
    return scan_repo(MemoryRepoView(files), detectors=detectors if detectors is not None else DETECTORS, **kw)  # type: ignore[arg-type]


def names(result: ScanResult) -> dict[str, str]:
    return {s.name: s.path for s in result.services}


def skips(result: ScanResult) -> dict[str, str]:
    return {k.path: k.reason for k in result.skipped}


# --------------------------------------------------------------------------------------------- compose


SHOP = {
    "compose.yaml": (
        "services:\n"
        "  web:\n    build:\n      context: ./services/web\n      dockerfile: ../../docker/web.Dockerfile\n"
        "      target: runtime\n    command: gunicorn app:app\n    ports: ['8000:8000']\n"
        "  worker:\n    build:\n"
        "      context: ./services/web\n      dockerfile: ../../docker/web.Dockerfile\n"
        "      target: runtime\n    command: celery -A app worker\n"
        "  db:\n    image: postgres:16\n"
    ),
    "docker/web.Dockerfile": (
        "FROM python:3.12 AS build\nRUN apt-get install -y gcc\n"
        'FROM python:3.12-slim AS runtime\nRUN apt-get install -y libpq5\nEXPOSE 8000\nCMD ["python"]\n'
        "FROM runtime AS debug\nEXPOSE 5678\n"
    ),
    "services/web/app.ini": "dep django\nstart python manage.py runserver\n",
}


def test_compose_services_built_and_external() -> None:
    r = scan(SHOP)
    assert names(r) == {"db": ".", "web": "services/web", "worker": "services/web"}
    db = r.service("db")
    assert db.kind is ServiceKind.EXTERNAL and db.image == "postgres:16" and db.discovered_by == "compose"
    web = r.service("web")
    assert web.kind is ServiceKind.BUILT and web.dockerfile == "docker/web.Dockerfile"
    assert web.compose is not None and web.compose.target == "runtime"


def test_one_dockerfile_serves_two_compose_services_with_their_own_commands() -> None:
    r = scan(SHOP)
    web, worker = r.service("web"), r.service("worker")
    assert web.start is not None and web.start.display() == "gunicorn app:app"
    assert worker.start is not None and worker.start.display() == "celery -A app worker"
    # both read the same Dockerfile's target stage: runtime packages, not the debug stage's port
    for s in (web, worker):
        assert {(p.name, p.phase) for p in s.system_packages} == {("gcc", "build"), ("libpq5", "run")}
        assert 5678 not in [p.number for p in s.ports]
        assert s.runtime is not None and s.runtime.spec == "==3.12.*"


def test_start_commands_compose_before_dockerfile_before_framework() -> None:
    web = scan(SHOP).service("web")
    assert [s.source for s in web.start_commands] == ["compose-command", "dockerfile-cmd", "fake-start"]


def test_context_dot_dot_and_dockerfile_beside_the_code() -> None:
    r = scan(
        {
            "deploy/compose.yml": (
                "services:\n  api:\n    build:\n      context: ..\n      dockerfile: services/api/Dockerfile\n"
            ),
            "services/api/Dockerfile": "FROM node:20\n",
            "services/api/app.ini": "dep express\n",
            "README.md": "",
        }
    )
    assert names(r) == {"api": "services/api"}
    assert r.service("api").dockerfile == "services/api/Dockerfile"


def test_context_at_a_broad_root_takes_the_directory_named_like_the_service() -> None:
    r = scan(
        {
            "compose.yaml": "services:\n  gateway:\n    build:\n"
            "      context: .\n      dockerfile: deploy/gw.Dockerfile\n",
            "deploy/gw.Dockerfile": "FROM golang:1.22 AS b\nFROM scratch\n",
            "gateway/app.ini": "dep chi\n",
        }
    )
    assert names(r) == {"gateway": "gateway"}
    assert r.service("gateway").runtime is not None


def test_code_inside_a_compose_context_is_part_of_that_build() -> None:
    r = scan(
        {
            "compose.yaml": "services:\n  pricing:\n    build: pricing\n",
            "pricing/Dockerfile": "FROM rust:1.78\n",
            "pricing/app.ini": "dep tokio\n",
            "pricing/crates/api/app.ini": "dep axum\nstart pricing-api\n",
        }
    )
    assert names(r) == {"pricing": "pricing"}
    p = r.service("pricing")
    assert p.members == ("pricing/crates/api",)
    assert {x.name for x in p.packages} == {"tokio", "axum"}


def test_compose_service_with_missing_context_is_not_taken() -> None:
    r = scan({"compose.yaml": "services:\n  ghost:\n    build: nowhere\n"})
    assert r.services == ()
    assert "compose.yaml#ghost" in skips(r)
    assert any(f.code == "compose-missing-context" for f in r.findings)


def test_compose_in_a_test_directory_makes_no_services() -> None:
    r = scan(
        {
            "tests/e2e/compose.yaml": "services:\n  sut:\n    build: .\n",
            "tests/e2e/Dockerfile": "FROM alpine\n",
        }
    )
    assert r.services == ()
    assert "tests/e2e/compose.yaml" in skips(r)


def test_dockerfile_path_from_dotenv_reaches_the_service() -> None:
    r = scan(
        {
            "compose.yaml": "services:\n  web:\n    build:\n      context: web\n      dockerfile: ${DF:-Dockerfile}\n",
            ".env": "DF=Dockerfile.prod\nSECRET=do-not-keep\n",
            "web/Dockerfile": "FROM python:3.10\n",
            "web/Dockerfile.prod": "FROM python:3.13\n",
        }
    )
    web = r.service("web")
    assert web.dockerfile == "web/Dockerfile.prod"
    assert web.runtime is not None and web.runtime.spec == "==3.13.*"
    assert "do-not-keep" not in repr(r)


def test_malformed_compose_is_a_finding_and_manifest_roots_still_count() -> None:
    r = scan({"compose.yaml": "services:\n  web: [\n", "api/app.ini": "dep x\n"})
    assert names(r) == {"api": "api"}
    (f,) = [f for f in r.findings if f.code == "compose-bad-yaml"]
    assert f.origin is not None and f.origin.path == "compose.yaml" and f.origin.line is not None


# --------------------------------------------------------------------------------------------- roots


def test_manifest_roots_become_services_named_after_their_directory() -> None:
    r = scan({"api/app.ini": "dep flask\n", "web/site.proj": "", "README.md": ""})
    assert names(r) == {"api": "api", "web": "web"}
    assert r.service("api").discovered_by == "manifest"


def test_root_manifest_takes_the_repository_name() -> None:
    r = scan({"app.ini": "dep flask\n"})
    assert names(r) == {"app": "."}


def test_same_directory_names_are_disambiguated_by_path() -> None:
    r = scan({"services/api/app.ini": "dep a\n", "legacy/api/app.ini": "dep b\n", "web/app.ini": "dep c\n"})
    assert names(r) == {"legacy-api": "legacy/api", "services-api": "services/api", "web": "web"}


def test_directory_name_clashing_with_a_compose_name() -> None:
    r = scan(
        {
            "compose.yaml": "services:\n  api:\n    image: acme/api:1\n",
            "api/app.ini": "dep x\n",
        }
    )
    assert names(r) == {"api": ".", "api-2": "api"}


def test_nested_root_without_start_is_folded_into_its_service() -> None:
    r = scan({"app.ini": "dep flask\nstart flask run\n", "frontend/app.ini": "dep vite\n"})
    assert names(r) == {"app": "."}
    assert r.service("app").members == ("frontend",)


def test_nested_root_with_start_or_dockerfile_is_its_own_service() -> None:
    r = scan(
        {
            "app.ini": "dep flask\nstart flask run\n",
            "worker/app.ini": "dep celery\nstart celery worker\n",
            "admin/Dockerfile": "FROM python:3.12\n",
            "admin/app.ini": "dep django\n",
        }
    )
    assert names(r) == {"admin": "admin", "app": ".", "worker": "worker"}
    assert r.service("app").members == ()


def test_apt_txt_alone_is_not_a_service_but_joins_one() -> None:
    r = scan({"lonely/apt.txt": "libpq5\n", "api/app.ini": "dep x\n", "api/apt.txt": "libxml2\n"})
    assert names(r) == {"api": "api"}
    assert [p.name for p in r.service("api").system_packages] == ["libxml2"]


@pytest.mark.parametrize(
    "directory",
    ["tests", "test/unit", "e2e", "fixtures/repo", "examples/demo", "docs", "scripts", "svc/__tests__"],
)
def test_test_harness_directories_by_name(directory: str) -> None:
    r = scan({f"{directory}/app.ini": "dep pytest\nstart run-tests\n", "api/app.ini": "dep flask\n"})
    assert names(r) == {"api": "api"}
    assert "test harness" in skips(r)[directory]


def test_test_harness_by_content_only_dev_dependencies() -> None:
    r = scan({"qa/app.ini": "dev playwright\ndev jest\n", "api/app.ini": "dep flask\n"})
    assert names(r) == {"api": "api"}
    assert "only dev dependencies" in skips(r)["qa"]


def test_developer_tooling_by_content() -> None:
    r = scan({"lint/app.ini": "dep ruff\ndep mypy\n", "api/app.ini": "dep flask\n"})
    assert "lint" not in names(r)
    assert "tooling" in skips(r)["lint"]


def test_shared_library_depended_on_by_path_is_not_a_service() -> None:
    r = scan(
        {
            "libs/common/app.ini": "dep pydantic\n",
            "services/api/app.ini": "path ../../libs/common\nstart uvicorn m:app\n",
        }
    )
    assert names(r) == {"api": "services/api"}
    assert skips(r)["libs/common"].startswith("shared library used by services/api")


def test_library_with_only_an_inferred_start_is_still_a_library() -> None:
    r = scan(
        {
            "packages/ui/app.ini": "dep react\nweakstart node index.js\n",
            "apps/web/app.ini": "path ../../packages/ui\nstart next start\n",
        }
    )
    assert names(r) == {"web": "apps/web"}
    assert "shared library" in skips(r)["packages/ui"]


def test_a_package_with_an_inferred_start_nobody_depends_on_is_a_service() -> None:
    r = scan({"mailer/app.ini": "dep nodemailer\nweakstart node index.js\n"})
    assert names(r) == {"mailer": "mailer"}


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ({"db/docker-entrypoint-initdb.d/app.ini": "dep x\n"}, "init scripts"),
        ({"migrations/app.ini": "dep alembic\n"}, "migrations"),
        ({"generated/client/app.ini": "dep x\n"}, "generated"),
        ({"client/app.ini": "dep x\n", "client/.openapi-generator-ignore": ""}, "generated"),
        ({".devcontainer/Dockerfile": "FROM mcr.microsoft.com/devcontainers/base\n"}, "hidden"),
        ({"third_party/zlib/app.ini": "dep x\n"}, "vendored"),
        ({"load-tests/app.ini": "dep locust\nstart locust\n"}, "test harness"),
    ],
)
def test_init_scripts_generated_code_and_hidden_directories(files: dict[str, str], fragment: str) -> None:
    r = scan({**files, "api/app.ini": "dep flask\n"})
    assert names(r) == {"api": "api"}
    (reason,) = [v for k, v in skips(r).items() if k != "api"]
    assert fragment in reason


def test_gitignored_and_always_skipped_directories_are_never_services() -> None:
    r = scan(
        {
            ".gitignore": "build-output/\n",
            "build-output/app.ini": "dep x\n",
            "node_modules/pkg/app.ini": "dep y\n",
            "web/node_modules/x/Dockerfile": "FROM alpine\n",
            "web/app.ini": "dep z\n",
        }
    )
    assert names(r) == {"web": "web"}


# --------------------------------------------------------------------------------------------- workspaces


def _ws(members: dict[str, tuple[str, ...]]):  # type: ignore[no-untyped-def]
    def fn(view: object, directory: str) -> tuple[str, ...] | None:
        return members.get(directory)

    return fn


def test_workspace_members_fold_unless_deployable(monkeypatch: pytest.MonkeyPatch) -> None:
    import matrixhell.detect.scan as scan_mod

    ws = {"": ("packages/core", "packages/cli", "apps/api")}
    monkeypatch.setattr(scan_mod, "_workspace_fn", lambda: _ws(ws))
    r = scan(
        {
            "app.ini": "dep root-dep\nstart serve\n",
            "packages/core/app.ini": "dep attrs\n",
            "packages/cli/app.ini": "dep click\n",
            "apps/api/app.ini": "dep fastapi\nstart uvicorn api:app\n",
        }
    )
    assert names(r) == {"api": "apps/api", "app": "."}
    assert r.service("app").members == ("packages/cli", "packages/core")
    assert r.service("api").discovered_by == "workspace"


def test_workspace_root_without_start_whose_members_deploy_is_not_a_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import matrixhell.detect.scan as scan_mod

    ws = {"": ("apps/web", "apps/api", "packages/ui")}
    monkeypatch.setattr(scan_mod, "_workspace_fn", lambda: _ws(ws))
    r = scan(
        {
            "app.ini": "dev turbo\n",
            "apps/web/app.ini": "path ../../packages/ui\nstart next start\n",
            "apps/api/app.ini": "start node server.js\n",
            "packages/ui/app.ini": "dep react\n",
        }
    )
    assert names(r) == {"api": "apps/api", "web": "apps/web"}
    s = skips(r)
    assert s["."].startswith("workspace root")
    assert s["packages/ui"].startswith("shared library used by apps/web")


def test_workspace_root_skip_names_members_apart_from_other_services_below_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import matrixhell.detect.scan as scan_mod

    monkeypatch.setattr(scan_mod, "_workspace_fn", lambda: _ws({"": ("apps/web", "apps/api")}))
    r = scan(
        {
            "app.ini": "dev turbo\n",
            "apps/web/app.ini": "start next start\n",
            "apps/api/app.ini": "start node server.js\n",
            "legacy/mailer/app.ini": "dep nodemailer\nstart node mail.js\n",
        }
    )
    assert names(r) == {"api": "apps/api", "web": "apps/web", "mailer": "legacy/mailer"}
    reason = skips(r)["."]
    members, _, others = reason.partition("; below it but not members: ")
    assert members == "workspace root; its deployable members are services: apps/api, apps/web"
    assert others == "legacy/mailer"


def test_a_failing_workspace_reader_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    import matrixhell.detect.scan as scan_mod

    def broken(view: object, directory: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(scan_mod, "_workspace_fn", lambda: broken)
    r = scan({"app.ini": "start x\n", "sub/app.ini": "dep y\n"})
    assert names(r) == {"app": "."}
    assert any(f.code == "workspace-error" for f in r.findings)


# --------------------------------------------------------------------------------------------- robustness


class ExplodingDetector:
    name = "boom"
    markers = ("boom.txt",)

    def applies(self, ctx: DetectContext) -> bool:
        return ctx.has("boom.txt")

    def detect(self, ctx: DetectContext) -> Detection:
        raise ZeroDivisionError("bug")


def test_a_crashing_detector_is_a_finding_and_the_scan_goes_on() -> None:
    r = scan({"a/boom.txt": "", "b/app.ini": "dep x\n"}, [*DETECTORS, ExplodingDetector()])
    assert names(r) == {"a": "a", "b": "b"}
    (f,) = [f for f in r.all_findings() if f.code == "detector-failed"]
    assert f.service == "a" and "ZeroDivisionError" in f.message


def test_detectors_whose_module_is_missing_are_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        registry,
        "DETECTORS",
        {
            "missing": "matrixhell.detect.no_such_module:Nothing",
            "dockerfile": "matrixhell.detect.dockerfile:DockerfileDetector",
            "absent-class": "matrixhell.detect.dockerfile:NoSuchClass",
        },
    )
    assert [d.name for d in load_detectors()] == ["dockerfile"]


def test_bad_manifest_bytes_become_findings_of_the_service() -> None:
    r = scan({"api/app.ini": b"dep \xff\xfe\n", "web/app.ini": "dep ok\n"})
    assert names(r) == {"api": "api", "web": "web"}
    api = r.service("api")
    assert [f.code for f in api.findings] == ["not-utf8"]


def test_reporter_hears_services_skips_and_reads() -> None:
    class Rec(Reporter):
        def __init__(self) -> None:
            self.events: list[tuple[str, str]] = []

        def service_found(self, name: str, path: str, discovered_by: str) -> None:
            self.events.append(("service", name))

        def directory_skipped(self, path: str, reason: str) -> None:
            self.events.append(("skip", path))

        def file_read(self, path: str) -> None:
            self.events.append(("read", path))

    rec = Rec()
    scan({"api/app.ini": "dep x\n", "tests/app.ini": "dep y\n"}, reporter=rec)
    assert ("service", "api") in rec.events
    assert ("skip", "tests") in rec.events
    assert rec.events.count(("read", "api/app.ini")) == 1


def test_each_file_is_read_once() -> None:
    class Counting(MemoryRepoView):
        reads: dict[str, int]

        def read_bytes(self, path: str) -> bytes:
            self.reads[path] = self.reads.get(path, 0) + 1
            return super().read_bytes(path)

    view = Counting(SHOP)
    view.reads = {}
    scan_repo(view, detectors=DETECTORS)
    assert view.reads and max(view.reads.values()) == 1


def test_scans_are_deterministic_and_sorted() -> None:
    files = {**SHOP, "zeta/app.ini": "dep z\n", "alpha/app.ini": "dep a\n"}
    a, b = scan(files), scan(dict(reversed(list(files.items()))))
    assert a == b
    assert [s.name for s in a.services] == sorted(s.name for s in a.services)


def test_compose_variants_add_services_but_never_change_them_and_test_variants_are_skipped() -> None:
    r = scan(
        {
            "docker-compose.yml": "services:\n  web:\n    build: web\n    command: gunicorn app:app\n",
            "docker-compose.dev.yml": (
                "services:\n  web:\n    command: flask run --reload\n  mailhog:\n    image: mailhog\n"
            ),
            "docker-compose.test.yml": "services:\n  sut:\n    build: web\n    command: pytest\n",
            "web/Dockerfile": "FROM python:3.12\n",
        }
    )
    assert names(r) == {"mailhog": ".", "web": "web"}
    web = r.service("web")
    assert web.start is not None and web.start.display() == "gunicorn app:app"
    assert skips(r)["docker-compose.test.yml"] == "compose file of a test harness"


class EnvEcho:
    """Reports the .env keys its context hands it, as env vars (keys only)."""

    name = "envecho"
    markers = ("echo.txt",)

    def applies(self, ctx: DetectContext) -> bool:
        return ctx.has("echo.txt")

    def detect(self, ctx: DetectContext) -> Detection:
        from matrixhell.model import EnvVar

        return Detection(
            self.name, env=tuple(EnvVar(f"{k}={v}", Origin(ctx.path("echo.txt"))) for k, v in sorted(ctx.env.items()))
        )


def test_detectors_get_the_root_env_overlaid_with_the_service_env() -> None:
    r = scan(
        {".env": "A=root\nB=root\n", "svc/.env": "B=svc\n", "svc/echo.txt": "", "other/echo.txt": ""},
        [EnvEcho()],
    )
    assert [e.key for e in r.service("svc").env] == ["A=root", "B=svc"]
    assert [e.key for e in r.service("other").env] == ["A=root", "B=root"]


def test_library_directories_hold_libraries_unless_they_start_something() -> None:
    r = scan(
        {
            "libs/ui/app.ini": "dep react\n",
            "packages/server/app.ini": "dep express\nstart node server.js\n",
            "apps/web/app.ini": "dep next\nstart next start\n",
        }
    )
    assert names(r) == {"server": "packages/server", "web": "apps/web"}
    assert skips(r)["libs/ui"] == "library directory (libs/) with no start command"


def test_inline_dockerfile_facts_point_into_the_compose_file() -> None:
    r = scan(
        {
            "compose.yaml": (
                "services:\n  tool:\n    build:\n      context: tool\n      dockerfile_inline: |\n"
                "        FROM python:3.12-slim\n        RUN apt-get install -y jq\n"
            ),
            "tool/app.ini": "dep click\n",
        }
    )
    tool = r.service("tool")
    assert tool.runtime is not None and str(tool.runtime.origin) == "compose.yaml:6"
    assert [(p.name, str(p.origin)) for p in tool.system_packages] == [("jq", "compose.yaml:7")]


def test_a_root_with_dependencies_of_its_own_stays_a_service_beside_a_nested_one() -> None:
    r = scan({"app.ini": "dep flask\n", "frontend/app.ini": "dep react\nstart vite preview\n"})
    assert names(r) == {"app": ".", "frontend": "frontend"}


def test_an_umbrella_manifest_with_only_dev_tooling_is_not_a_service() -> None:
    r = scan({"app.ini": "dev prettier\ndev husky\n", "api/app.ini": "dep x\nstart serve\n"})
    assert names(r) == {"api": "api"}
    assert "." in skips(r)


def test_marker_matcher_exact_suffix_and_other_globs() -> None:
    from matrixhell.detect.discovery import marker_matcher

    class M:
        def __init__(self, name: str, markers: tuple[str, ...]) -> None:
            self.name, self.markers = name, markers

    match = marker_matcher(
        [M("a", ("pom.xml", "*.csproj", "requirements*.txt", "*req[s]*.in")), M("apt", ("apt.txt",))]
    )
    assert match(["README.md", "pom.xml"])
    assert match(["Api.csproj"]) and not match([".csproj"])
    assert match(["requirements-dev.txt"]) and not match(["requirements-dev.md"])
    assert match(["base-reqs-x.in"]) and not match(["base-req.in"])
    assert not match(["apt.txt"])  # an auxiliary detector's marker makes no root


def test_cached_view_reads_once_and_remembers_errors() -> None:
    from matrixhell.detect.scan import CachedView
    from matrixhell.errors import InputError

    class Counting(MemoryRepoView):
        n = 0

        def read_bytes(self, path: str) -> bytes:
            Counting.n += 1
            return super().read_bytes(path)

    view = CachedView(Counting({"a.txt": "\ufeffhello", "bad.txt": b"\xff\xfe"}))
    assert view.read_text("a.txt") == "hello"  # BOM dropped, as the view does
    assert view.read_text("a.txt") == "hello"
    assert Counting.n == 1
    for _ in range(2):
        with pytest.raises(InputError) as err:
            view.read_text("bad.txt")
        assert err.value.code == "not-utf8"
    assert view.read_bytes("bad.txt") == b"\xff\xfe"  # raw bytes still readable
    for _ in range(2):
        with pytest.raises(InputError):
            view.read_text("missing.txt")
        with pytest.raises(InputError):
            view.read_bytes("missing.txt")
    assert Counting.n == 4  # a.txt, bad.txt (text), bad.txt (bytes), missing.txt once


def test_a_bug_in_the_compose_reader_or_the_merge_is_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    import matrixhell.detect.discovery as disc_mod
    import matrixhell.detect.scan as scan_mod

    def broken_compose(*args: object, **kw: object) -> None:
        raise KeyError("boom")

    real_merge = scan_mod.merge_service

    def picky_merge(planned, detections, findings=()):  # type: ignore[no-untyped-def]
        if planned.name == "b" and detections:
            raise ValueError("bad merge")
        return real_merge(planned, detections, findings)

    monkeypatch.setattr(disc_mod, "parse_compose", broken_compose)
    monkeypatch.setattr(scan_mod, "merge_service", picky_merge)
    r = scan({"compose.yaml": "services: {}\n", "a/app.ini": "dep x\n", "b/app.ini": "dep y\n"})
    assert names(r) == {"a": "a", "b": "b"}
    assert [f.code for f in r.findings] == ["compose-parser-failed"]
    assert [f.code for f in r.service("b").findings] == ["merge-failed"]


def test_maven_multi_module_build_is_a_workspace() -> None:
    pom_root = (
        "<project><groupId>acme</groupId><artifactId>parent</artifactId><version>1</version>"
        "<packaging>pom</packaging><parent><groupId>org.springframework.boot</groupId>"
        "<artifactId>spring-boot-starter-parent</artifactId><version>3.2.0</version></parent>"
        "<modules><module>app</module><module>lib</module></modules></project>"
    )
    pom_app = (
        "<project><parent><groupId>acme</groupId><artifactId>parent</artifactId><version>1</version></parent>"
        "<artifactId>app</artifactId><dependencies>"
        "<dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId>"
        "</dependency><dependency><groupId>acme</groupId><artifactId>lib</artifactId><version>1</version>"
        "</dependency></dependencies></project>"
    )
    pom_lib = (
        "<project><parent><groupId>acme</groupId><artifactId>parent</artifactId><version>1</version></parent>"
        "<artifactId>lib</artifactId></project>"
    )
    files = {"pom.xml": pom_root, "app/pom.xml": pom_app, "lib/pom.xml": pom_lib}
    r = scan_repo(MemoryRepoView(files), detectors=load_detectors())
    assert names(r) == {"app": "app"}
    s = skips(r)
    assert s["."].startswith("workspace root")
    assert s["lib"].startswith("shared library used by app")


def test_gradle_multi_project_build_is_a_workspace() -> None:
    files = {
        "settings.gradle.kts": 'rootProject.name = "shop"\ninclude(":app", ":libs:core")\n',
        "app/build.gradle.kts": (
            'plugins { id("org.springframework.boot") version "3.2.0" }\n'
            'dependencies { implementation(project(":libs:core")) }\n'
        ),
        "libs/core/build.gradle.kts": 'dependencies { implementation("com.google.guava:guava:33.0.0-jre") }\n',
    }
    r = scan_repo(MemoryRepoView(files), detectors=load_detectors())
    assert names(r) == {"app": "app"}
    s = skips(r)
    assert s["."].startswith("workspace root")
    assert "libs/core" in s


def test_code_dir_from_what_the_dockerfile_copies_or_a_unique_directory_name() -> None:
    r = scan(
        {
            "compose.yaml": (
                "services:\n"
                "  api:\n    build:\n      context: .\n      dockerfile: docker/api.Dockerfile\n"
                "  jobs:\n    build:\n      context: .\n      dockerfile: docker/jobs.Dockerfile\n"
                "  billing:\n    build:\n      context: .\n      dockerfile: docker/billing.Dockerfile\n"
            ),
            "docker/api.Dockerfile": (
                "FROM python:3.12\nCOPY services/api/requirements.txt /app/\nCOPY services/api/ /app\n"
            ),
            "docker/jobs.Dockerfile": 'FROM python:3.12 AS b\nCOPY --from=b /x /x\nCOPY ["workers/jobs", "/app"]\n',
            "docker/billing.Dockerfile": "FROM python:3.12\nCOPY . /app\n",
            "services/api/app.ini": "dep flask\n",
            "workers/jobs/app.ini": "dep celery\n",
            "legacy/billing/app.ini": "dep django\n",
        }
    )
    assert names(r) == {"api": "services/api", "billing": "legacy/billing", "jobs": "workers/jobs"}
    assert {p.name for p in r.service("api").packages} == {"flask"}
