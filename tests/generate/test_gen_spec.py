"""The build plan of one service (render.spec.build_spec): recipes, stages, packages, overrides."""

from __future__ import annotations

import pytest
from genkit import RUNTIME_CASES, make_service, make_target, needs

from matrixhell.model import Ecosystem, Origin, PackageReq, Port, RuntimeReq, Scope
from matrixhell.model.image import StepKind
from matrixhell.model.overrides import ServiceOverride
from matrixhell.render.spec import DEFAULT_UID, build_spec, parse_image_ref, slim_variant


def _packages(stage: object) -> list[str]:
    return [a for s in stage.steps if s.kind is StepKind.PACKAGES for a in s.args]  # type: ignore[attr-defined]


def _runs(stage: object) -> list[str]:
    return [s.args[0] for s in stage.steps if s.kind is StepKind.RUN]  # type: ignore[attr-defined]


def test_python_without_compile_is_one_stage_with_a_venv() -> None:
    spec = build_spec(make_service(files=("requirements.txt", "requirements-dev.txt"), ports=(8000,),
                                   start="gunicorn app:app"), make_target())
    assert not spec.multi_stage
    assert spec.base_image == "python:3.11-slim-bookworm"
    runs = _runs(spec.final)
    assert any("python -m venv /opt/venv" in r for r in runs)
    assert "pip install -r requirements.txt" in runs
    assert not any("requirements-dev" in r for r in runs), "dev requirements stay out of the image"
    assert ("PIP_NO_CACHE_DIR", "1") in spec.env


def test_python_compile_splits_build_and_run_packages() -> None:
    spec = build_spec(make_service(files=("requirements.txt",)), make_target(),
                      needs(build=("libpq-dev",), run=("libpq5",), compile=True))
    assert [s.name for s in spec.stages] == ["build", "runtime"]
    build, run = spec.stages
    assert "libpq-dev" in _packages(build) and "build-essential" in _packages(build)
    assert _packages(run) == ["libpq5"], "the run stage holds run-time libraries only"
    copies = [s for s in run.steps if s.kind is StepKind.COPY and s.from_stage == "build"]
    assert copies and copies[0].args == ("/opt/venv", "/opt/venv")


def test_manifests_are_copied_before_the_source() -> None:
    for runtime, (kw, version) in RUNTIME_CASES.items():
        spec = build_spec(make_service(runtime=runtime, spec="", **kw), make_target(runtime, version))  # type: ignore[arg-type]
        steps = [s for st in spec.stages for s in st.steps]
        copies = [i for i, s in enumerate(steps) if s.kind is StepKind.COPY and s.from_stage is None]
        source = next(i for i in copies if steps[i].args[0] == ".")
        manifest = next((i for i in copies if steps[i].args[0] != "."), None)
        assert manifest is not None and manifest < source, runtime
        install = next(i for i, s in enumerate(steps) if s.kind is StepKind.RUN and i > manifest)
        assert install < source, f"{runtime}: dependencies must install before the source is copied"


@pytest.mark.parametrize("runtime", sorted(RUNTIME_CASES))
def test_every_runtime_runs_as_the_fixed_uid_and_checks_its_port(runtime: str) -> None:
    kw, version = RUNTIME_CASES[runtime]
    spec = build_spec(make_service(runtime=runtime, spec="", **kw), make_target(runtime, version))  # type: ignore[arg-type]
    assert spec.uid == DEFAULT_UID and spec.user_spec() == "10001:10001"
    assert spec.healthcheck is not None and spec.healthcheck.port == spec.ports[0][0]
    assert "curl" not in spec.healthcheck.test and "wget" not in spec.healthcheck.test
    assert spec.cmd, "a command in exec form"
    creates = [s for s in spec.final.steps if s.kind is StepKind.USER_CREATE]
    assert creates and creates[0].args[1] == "10001"


@pytest.mark.parametrize(("runtime", "build_base", "run_base"), [
    ("go", "golang:1.22-bookworm", "debian:bookworm-slim"),
    ("rust", "rust:1.78-slim-bookworm", "debian:bookworm-slim"),
    ("java", "maven:3.9-eclipse-temurin-17", "eclipse-temurin:17-jre"),
    ("dotnet", "mcr.microsoft.com/dotnet/sdk:8.0-bookworm-slim",
     "mcr.microsoft.com/dotnet/aspnet:8.0-bookworm-slim"),
])
def test_compiled_languages_build_on_the_sdk_and_run_on_a_small_base(runtime: str, build_base: str,
                                                                      run_base: str) -> None:
    kw, version = RUNTIME_CASES[runtime]
    spec = build_spec(make_service(runtime=runtime, spec="", **kw), make_target(runtime, version))  # type: ignore[arg-type]
    assert spec.stages[0].base == build_base
    assert spec.base_image == run_base
    assert spec.multi_stage


def test_go_is_static_unless_a_c_library_is_needed() -> None:
    kw, version = RUNTIME_CASES["go"]
    static = build_spec(make_service(runtime="go", spec="", **kw), make_target("go", version))  # type: ignore[arg-type]
    assert any("CGO_ENABLED=0" in r for r in _runs(static.stages[0]))
    cgo = build_spec(make_service(runtime="go", spec="", **kw), make_target("go", version),  # type: ignore[arg-type]
                     needs(build=("libsqlite3-dev",), run=("libsqlite3-0",), compile=True))
    assert any("CGO_ENABLED=1" in r for r in _runs(cgo.stages[0]))
    assert _packages(cgo.final) == ["libsqlite3-0"]


def test_node_lock_files_choose_the_installer() -> None:
    def install(files: tuple[str, ...]) -> str:
        spec = build_spec(make_service(runtime="node", spec="", files=files, argv=("node", "a.js")),
                          make_target("node", "20.1.0"))
        return " ".join(_runs(spec.final))

    assert "npm ci --omit=dev && npm cache clean --force" in install(("package.json", "package-lock.json"))
    assert "yarn install --frozen-lockfile --production" in install(("package.json", "yarn.lock"))
    assert "pnpm install --frozen-lockfile --prod" in install(("package.json", "pnpm-lock.yaml"))
    spec = build_spec(make_service(runtime="node", spec="", files=("package.json",)), make_target("node", "20"))
    assert {f.code for f in spec.findings} >= {"no-lock-file", "no-start-command"}
    assert spec.cmd == ("node", "server.js"), "the guessed start runs the entry file that exists"


def test_node_native_modules_get_a_build_stage_and_copy_node_modules() -> None:
    spec = build_spec(make_service(runtime="node", spec="", files=("package.json", "package-lock.json")),
                      make_target("node", "20"), needs(compile=True))
    assert {"g++", "make", "python3"} <= set(_packages(spec.stages[0]))
    assert any(s.from_stage == "build" and s.args[0] == "/app/node_modules" for s in spec.final.steps)


def test_php_compiles_missing_extensions_in_the_build_stage() -> None:
    o = Origin("web/composer.json", 5)
    pkgs = (PackageReq(Ecosystem.COMPOSER, "ext-pdo_pgsql", origin=o),
            PackageReq(Ecosystem.COMPOSER, "ext-mbstring", origin=o))
    spec = build_spec(make_service("web", "php", "", files=("composer.json",), packages=pkgs),
                      make_target("php", "8.2.1"), needs(build=("libpq-dev",), run=("libpq5",)))
    build = next(s for s in spec.stages if s.name == "build")
    assert "docker-php-ext-install pdo_pgsql" in _runs(build)[0], "mbstring is built in; pdo_pgsql is not"
    assert [s.name for s in spec.stages] == ["composer", "build", "runtime"]
    assert _packages(spec.final) == ["libpq5"]


def test_ruby_native_gems_and_deployment_mode() -> None:
    spec = build_spec(make_service("shop", "ruby", "", files=("Gemfile", "Gemfile.lock"), start="bundle exec puma"),
                      make_target("ruby", "3.3.1"), needs(build=("libpq-dev",), run=("libpq5",), compile=True))
    assert "build-essential" in _packages(spec.stages[0])
    assert ("BUNDLE_DEPLOYMENT", "1") in spec.env
    assert any(s.args[0] == "/usr/local/bundle" and s.from_stage == "build" for s in spec.final.steps)


def test_dotnet_runs_the_project_assembly() -> None:
    kw, version = RUNTIME_CASES["dotnet"]
    spec = build_spec(make_service(runtime="dotnet", spec="", **kw), make_target("dotnet", version))  # type: ignore[arg-type]
    assert spec.cmd == ("dotnet", "/app/Orders.Api.dll")
    assert ("ASPNETCORE_HTTP_PORTS", "8080") in spec.env


def test_alpine_targets_use_apk_and_busybox_health() -> None:
    kw, version = RUNTIME_CASES["go"]
    spec = build_spec(make_service(runtime="go", spec="", **kw), make_target("go", version, distro="alpine",  # type: ignore[arg-type]
                                                                            release="3.19"),
                      needs(run=("ca-certificates",)))
    assert spec.package_manager == "apk"
    assert spec.base_image == "alpine:3.19"
    assert spec.healthcheck is not None and spec.healthcheck.test[0] == "nc"


def test_planned_full_images_become_slim_and_build_images_are_not_run_on() -> None:
    spec = build_spec(make_service(files=("requirements.txt",)), make_target(base="python:3.11-bookworm"))
    assert spec.base_image == "python:3.11-slim-bookworm"
    kw, version = RUNTIME_CASES["go"]
    go = build_spec(make_service(runtime="go", spec="", **kw), make_target("go", version, base="golang:1.22-bookworm"))  # type: ignore[arg-type]
    assert go.base_image == "debian:bookworm-slim"


def test_slim_variant_and_image_refs() -> None:
    assert slim_variant("python:3.12") == "python:3.12-slim"
    assert slim_variant("node:20-bookworm") == "node:20-bookworm-slim"
    assert slim_variant("python:3.12-alpine3.19") == "python:3.12-alpine3.19"
    assert slim_variant("ghcr.io/acme/python:3.12") == "ghcr.io/acme/python:3.12"
    r = parse_image_ref("docker.io/library/python:3.11-slim-bookworm@sha256:abc")
    assert (r.repository, r.tag, r.digest, r.version(), r.release()) == (
        "python", "3.11-slim-bookworm", "sha256:abc", "3.11", ("debian", "bookworm"))
    assert parse_image_ref("localhost:5000/app").tag is None
    assert parse_image_ref("node:20-alpine3.19").release() == ("alpine", "3.19")


def test_shell_start_commands_become_exec_form() -> None:
    plain = build_spec(make_service(start="gunicorn app:app --bind 0.0.0.0:8000"), make_target())
    assert plain.cmd == ("gunicorn", "app:app", "--bind", "0.0.0.0:8000")
    shelly = build_spec(make_service(start="python migrate.py && gunicorn app:app"), make_target())
    assert shelly.cmd == ("/bin/sh", "-c", "python migrate.py && gunicorn app:app")


def test_lock_pins_are_installed_when_there_is_no_requirements_file() -> None:
    o = Origin("api/poetry.lock", 3)
    pkgs = (PackageReq(Ecosystem.PYPI, "django", ">=4", origin=o, locked="4.2.7"),
            PackageReq(Ecosystem.PYPI, "pytest", origin=o, locked="8.0.0", scope=Scope.DEV),
            PackageReq(Ecosystem.PYPI, "uvicorn", origin=o, extras=("standard",)))
    spec = build_spec(make_service(files=("pyproject.toml", "poetry.lock"), packages=pkgs), make_target())
    run = next(s for s in spec.final.steps if s.kind is StepKind.RUN and "pip install" in s.args[0])
    assert "django==4.2.7" in run.args[0] and "'uvicorn[standard]'" in run.args[0]
    assert "pytest" not in run.args[0]
    assert run.lint_ignores == ("DL3013",), "an unpinned requirement is flagged, not hidden"


def test_pinned_packages_need_no_lint_ignore() -> None:
    pinned = build_spec(make_service(files=("requirements.txt",)), make_target(),
                        needs(run=("libpq5",), versions={"libpq5": "15.6-0+deb12u1"}))
    step = next(s for s in pinned.final.steps if s.kind is StepKind.PACKAGES)
    assert step.args == ("libpq5=15.*",) and step.lint_ignores == (), "pinned to the upstream major"
    loose = build_spec(make_service(files=("requirements.txt",)), make_target(), needs(run=("libpq5",)))
    assert next(s for s in loose.final.steps if s.kind is StepKind.PACKAGES).lint_ignores == ("DL3008",)


def test_env_keys_exclude_dockerfile_env_and_path() -> None:
    from dataclasses import replace

    from matrixhell.model import EnvVar

    svc = make_service(env=("DATABASE_URL", "PATH"))
    svc = replace(svc, env=(*svc.env, EnvVar("PYTHONUNBUFFERED", Origin("api/Dockerfile", 4))))  # type: ignore[type-var]
    spec = build_spec(svc, make_target())
    assert spec.env_keys == ("DATABASE_URL",)


# -- overrides ---------------------------------------------------------------------------------------------

def _ov(**kw: object) -> ServiceOverride:
    return ServiceOverride("api", Origin("matrixhell.toml", 3), key_origins=tuple(
        (k.replace("_", "-"), Origin("matrixhell.toml", 4)) for k in kw), **kw)  # type: ignore[arg-type]


def test_override_base_start_ports_and_packages_win() -> None:
    spec = build_spec(make_service(ports=(8000,), start="gunicorn app:app", files=("requirements.txt",)),
                      make_target(), None, _ov(base="python:3.12-slim-bookworm", start=("python", "-m", "api"),
                                               ports=(9000,), system_packages=("libmagic1",)))
    assert spec.base_image == "python:3.12-slim-bookworm"
    assert spec.cmd == ("python", "-m", "api")
    assert spec.ports == ((9000, "tcp"),) and spec.healthcheck is not None and spec.healthcheck.port == 9000
    assert "libmagic1" in _packages(spec.final)


def test_override_base_outside_the_runtime_constraint_warns() -> None:
    spec = build_spec(make_service(spec=">=3.11"), make_target(), None, _ov(base="python:3.8-slim-bookworm"))
    f = next(f for f in spec.findings if f.code == "override-runtime-outside")
    assert f.origin == Origin("matrixhell.toml", 4) and ">=3.11" in f.message
    ok = build_spec(make_service(spec=">=3.11"), make_target(), None, _ov(base="python:3.12-slim-bookworm"))
    assert not [f for f in ok.findings if f.code == "override-runtime-outside"]


def test_override_base_of_another_release_or_libc_warns() -> None:
    spec = build_spec(make_service(spec=""), make_target(), needs(run=("libssl3",)),
                      _ov(base="python:3.11-slim-bullseye"), missing_packages=("libssl3",))
    codes = {f.code for f in spec.findings}
    assert {"override-base-release", "override-base-lacks-package"} <= codes
    musl = build_spec(make_service(spec=""), make_target(), None, _ov(base="python:3.11-alpine3.19"))
    assert "override-base-libc" in {f.code for f in musl.findings}
    assert musl.package_manager == "apk"


def test_override_dropping_ports_warns() -> None:
    spec = build_spec(make_service(ports=(8000,)), make_target(), None, _ov(ports=()))
    assert "override-drops-ports" in {f.code for f in spec.findings}
    assert spec.healthcheck is None and spec.ports == ()


def test_runtime_version_falls_back_to_the_constraint() -> None:
    from matrixhell.model import Target

    spec = build_spec(make_service(spec="==3.10.*"), Target("debian", "bookworm", "glibc", "2.36"))
    assert spec.base_image == "python:3.10-slim-bookworm"


def test_compose_ports_and_published_host_ports() -> None:
    from matrixhell.model import ComposeService

    cs = ComposeService("api", Origin("compose.yaml", 3), ports=(Port(8000, published=8080),))
    spec = build_spec(make_service(ports=(8000,), compose=cs), make_target())
    assert spec.published == ((8000, 8080),)


def test_unknown_runtime_is_an_error_not_a_guess() -> None:
    from matrixhell.model import Service, Target

    with pytest.raises(ValueError, match="no runtime"):
        build_spec(Service(name="x", path="x"), Target("debian", "bookworm", "glibc", "2.36"))


def test_runtime_req_is_read_from_the_service() -> None:
    from dataclasses import replace

    svc = make_service(spec="", argv=("node", "server.js"))
    svc = replace(svc, languages=(), runtimes=(RuntimeReq("node", "==18.*", "18", "nvmrc", Origin("a/.nvmrc")),))  # type: ignore[type-var]
    from matrixhell.model import Target

    spec = build_spec(svc, Target("debian", "bookworm", "glibc", "2.36"))
    assert spec.runtime == "node" and spec.base_image == "node:18-bookworm-slim"


def test_ports_below_1024_are_flagged_for_a_non_root_image() -> None:
    spec = build_spec(make_service(ports=(80,), files=("requirements.txt",)), make_target())
    f = next(f for f in spec.findings if f.code == "privileged-port")
    assert "80" in f.message and f.hint
    ok = build_spec(make_service(ports=(8080,), files=("requirements.txt",)), make_target())
    assert not [f for f in ok.findings if f.code == "privileged-port"]


def test_a_workspace_member_builds_from_the_workspace_root() -> None:
    from dataclasses import replace

    svc = make_service("web", "node", "", path="apps/web", files=("package.json",), argv=("pnpm", "start"))
    svc = replace(svc, files=(*svc.files, "package.json", "pnpm-lock.yaml"))  # type: ignore[type-var]
    spec = build_spec(svc, make_target("node", "20.1.0"))
    assert spec.context == "."
    steps = spec.final.steps
    copy_all = next(i for i, s in enumerate(steps) if s.kind is StepKind.COPY and s.args == (".", "."))
    install = next(i for i, s in enumerate(steps) if s.kind is StepKind.RUN and "pnpm install" in s.args[0])
    assert copy_all < install, "every member's package.json is needed to install"
    assert steps[-2].kind is StepKind.WORKDIR and steps[-2].args == ("/app/apps/web",)
    assert ("COREPACK_HOME", "/opt/corepack") in spec.env
    own = build_spec(make_service("m", "node", "", path="legacy/m", files=("package.json", "yarn.lock")),
                     make_target("node", "20.1.0"))
    assert own.context == "legacy/m"


def test_a_requirements_include_outside_the_context_is_reported() -> None:
    # a Dockerfile of the user's keeps its context: the include cannot be copied, and that is said
    pkgs = (PackageReq(Ecosystem.PYPI, "fastapi", "==0.110.0", origin=Origin("requirements/common.txt", 1)),)
    spec = build_spec(make_service("ml", files=("requirements.txt",), packages=pkgs), make_target(),
                      widen_context=False)
    f = next(f for f in spec.findings if f.code == "manifest-outside-context")
    assert f.origin == Origin("requirements/common.txt") and "ml" in f.message


def test_lock_entries_keep_their_markers() -> None:
    o = Origin("api/uv.lock", 9)
    pkgs = (PackageReq(Ecosystem.PYPI, "tomli", origin=o, locked="2.0.1", marker='python_version < "3.11"'),)
    spec = build_spec(make_service(files=("pyproject.toml", "uv.lock"), packages=pkgs), make_target())
    run = next(s.args[0] for s in spec.final.steps if s.kind is StepKind.RUN and "pip install" in s.args[0])
    assert "'tomli==2.0.1; python_version < \"3.11\"'" in run
