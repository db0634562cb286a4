"""Images on bases that bring nothing: scratch and distroless (no shell, no useradd, no package manager)
and plain OS images (ubuntu:24.04, debian:trixie-slim, alpine:3.20) with no runtime in them."""

from __future__ import annotations

from pathlib import Path

import pytest
from genkit import RUNTIME_CASES, hadolint, make_service, make_target, needs

from matrixhell.model.image import ImageSpec, StepKind
from matrixhell.render.dockerfile import render_dockerfile
from matrixhell.render.spec import NONROOT_UID, NotGenerated, build_spec, distro_runtime_packages, no_userland

_NO_USERLAND = ("gcr.io/distroless/static-debian12:nonroot", "gcr.io/distroless/static-debian12@sha256:" + "a" * 64,
                "gcr.io/distroless/cc-debian12:nonroot", "scratch", "cgr.dev/chainguard/static:20240101")


def _spec(runtime: str, base: str, *, distro: str = "debian", release: str = "bookworm", version: str | None = None,
          **need: object) -> ImageSpec:
    kw, default = RUNTIME_CASES[runtime]
    svc = make_service(runtime=runtime, **kw)  # type: ignore[arg-type]
    target = make_target(runtime, version or default, distro=distro, release=release, base=base)
    return build_spec(svc, target, needs(**need))  # type: ignore[arg-type]


def _lint(tmp_path: Path, text: str) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    assert hadolint(path) == [], text


@pytest.mark.parametrize(("ref", "kind"), [
    ("scratch", "scratch"), ("gcr.io/distroless/static-debian12:nonroot", "static"),
    ("gcr.io/distroless/static-debian12@sha256:" + "a" * 64, "static"), ("gcr.io/distroless/base-debian12", "libc"),
    ("gcr.io/distroless/cc-debian12:debug-nonroot", "libc"), ("gcr.io/distroless/java21-debian12", "runtime"),
    ("cgr.dev/chainguard/static", "static"), ("debian:bookworm-slim", None), ("ubuntu:24.04", None),
    ("python:3.12-slim", None), ("localhost:5000/scratch", None),
])
def test_no_userland_bases(ref: str, kind: str | None) -> None:
    assert no_userland(ref) == kind


@pytest.mark.parametrize("runtime", ["go", "rust"])
@pytest.mark.parametrize("base", _NO_USERLAND)
def test_a_binary_on_scratch_or_distroless_runs_no_command_there(tmp_path: Path, runtime: str, base: str) -> None:
    spec = _spec(runtime, base)
    final = spec.final
    assert final.base == base
    assert {s.kind for s in final.steps} <= {StepKind.COPY, StepKind.WORKDIR, StepKind.LABEL, StepKind.ENV}
    assert spec.uid == NONROOT_UID and spec.user_spec() == "65532:65532"
    assert spec.healthcheck is None  # no shell, nc or interpreter to connect with
    text = render_dockerfile(spec)
    last = text.split("\nFROM ")[-1]
    assert "groupadd" not in last and "useradd" not in last and "adduser" not in last and "\nRUN " not in last
    assert "USER 65532:65532" in last and "HEALTHCHECK" not in last
    binaries = [s for s in final.steps if s.kind is StepKind.COPY and s.args[-1].startswith("/usr/local/bin/")]
    assert len(binaries) == 1 and binaries[0].from_stage == "build"
    copies = [s for s in final.steps if s.kind is StepKind.COPY]
    if base == "scratch":
        assert any(s.args[0] == "/etc/ssl/certs/ca-certificates.crt" for s in copies)
    else:
        assert copies == binaries  # distroless carries CA certificates and tzdata already
    _lint(tmp_path, text)


def test_go_on_scratch_brings_its_time_zones() -> None:
    spec = _spec("go", "scratch")
    assert ("ZONEINFO", "/usr/local/share/zoneinfo.zip") in spec.env
    assert any(s.args[0] == "/usr/local/go/lib/time/zoneinfo.zip" for s in spec.final.steps)
    assert "CGO_ENABLED=0" in render_dockerfile(spec)


@pytest.mark.parametrize("base", ["scratch", "gcr.io/distroless/static-debian12:nonroot"])
def test_rust_without_libc_is_built_static(base: str) -> None:
    text = render_dockerfile(_spec("rust", base))
    assert "rustup target add x86_64-unknown-linux-musl" in text
    assert "--target x86_64-unknown-linux-musl" in text and "musl-tools" in text


def test_rust_on_distroless_cc_links_glibc_as_usual() -> None:
    text = render_dockerfile(_spec("rust", "gcr.io/distroless/cc-debian12:nonroot"))
    assert "musl" not in text and "USER 65532:65532" in text


def test_a_cgo_binary_is_refused_where_there_is_no_libc() -> None:
    with pytest.raises(NotGenerated) as e:
        _spec("go", "scratch", build=("libsqlite3-dev",))
    assert e.value.finding.code == "base-has-no-libc"
    with pytest.raises(NotGenerated) as e:
        _spec("go", "gcr.io/distroless/base-debian12", build=("libpq-dev",), run=("libpq5",))
    assert e.value.finding.code == "base-cannot-install"


def test_an_interpreted_runtime_on_distroless_is_refused() -> None:
    with pytest.raises(NotGenerated) as e:
        _spec("python", "gcr.io/distroless/python3-debian12")
    assert e.value.finding.code == "base-has-no-userland"


def test_a_uid_override_is_kept_on_scratch() -> None:
    from matrixhell.model import Origin
    from matrixhell.model.overrides import ServiceOverride

    kw, version = RUNTIME_CASES["go"]
    svc = make_service(runtime="go", **kw)  # type: ignore[arg-type]
    spec = build_spec(svc, make_target("go", version, base="scratch"),  # type: ignore[arg-type]
                      override=ServiceOverride("api", Origin("matrixhell.toml", 1), uid=4242))
    assert spec.user_spec() == "4242:4242" and "useradd" not in render_dockerfile(spec)


def test_alpine_creates_its_user_with_busybox() -> None:
    text = render_dockerfile(_spec("python", "python:3.12-alpine3.20", distro="alpine", release="3.20",
                                   version="3.12.4"))
    assert "addgroup -S -g 10001 appuser" in text and "adduser -S -D -H -u 10001 -G appuser" in text
    assert "groupadd" not in text and "useradd" not in text


# -- plain OS bases: the release's own runtime --------------------------------------------------------

_PLAIN = [
    ("python", "ubuntu:24.04", "ubuntu", "24.04", "3.12.3", ("python3", "python3-venv")),
    ("python", "ubuntu:26.04", "ubuntu", "26.04", "3.14", ("python3", "python3-venv")),
    ("python", "alpine:3.20", "alpine", "3.20", "3.12", ("python3",)),
    ("java", "debian:trixie-slim", "debian", "trixie", "21", ("openjdk-21-jre-headless",)),
    ("java", "debian:bookworm-slim", "debian", "bookworm", "17", ("openjdk-17-jre-headless",)),
    ("java", "alpine:3.20", "alpine", "3.20", "21", ("openjdk21-jre-headless",)),
    ("node", "ubuntu:24.04", "ubuntu", "24.04", "18.19.1", ("nodejs", "npm")),
    ("ruby", "ubuntu:24.04", "ubuntu", "24.04", "3.2.3", ("bundler", "ruby")),
    ("php", "ubuntu:24.04", "ubuntu", "24.04", "8.3.6", ("php-cli",)),
    ("php", "alpine:3.20", "alpine", "3.20", "8.3", ("php83", "php83-phar")),
]


@pytest.mark.parametrize(("runtime", "base", "distro", "release", "version", "want"), _PLAIN,
                         ids=[f"{c[0]}-{c[1]}" for c in _PLAIN])
def test_a_plain_os_base_installs_the_releases_runtime(tmp_path: Path, runtime: str, base: str, distro: str,
                                                        release: str, version: str, want: tuple[str, ...]) -> None:
    spec = _spec(runtime, base, distro=distro, release=release, version=version)
    run = spec.final
    assert run.base == base
    first = run.steps[0]
    assert first.kind is StepKind.PACKAGES
    installed = {a.split("=")[0].split("~")[0] for a in first.args}
    assert set(want) <= installed, first.args
    assert "runtime-from-release" in {f.code for f in spec.findings}
    text = render_dockerfile(spec)
    assert spec.package_manager == ("apk" if distro == "alpine" else "apt")
    _lint(tmp_path, text)


def test_python_on_a_plain_os_makes_its_venv_with_python3() -> None:
    text = render_dockerfile(_spec("python", "ubuntu:24.04", distro="ubuntu", release="24.04", version="3.12.3"))
    assert "RUN python3 -m venv /opt/venv" in text and "RUN python -m venv" not in text
    assert 'PATH="/opt/venv/bin:$PATH"' in text  # pip and python below are the venv's: PEP 668 stays intact
    assert "pip install -r requirements.txt" in text and "--break-system-packages" not in text


def test_python_compiled_on_a_plain_os_has_headers_in_build_and_interpreter_in_run(tmp_path: Path) -> None:
    spec = _spec("python", "debian:trixie-slim", distro="debian", release="trixie", version="3.13.5",
                 build=("libpq-dev",), run=("libpq5",), compile=True)
    build, run = spec.stages
    assert {"python3", "python3-venv", "python3-dev", "libpq-dev", "build-essential"} <= set(build.steps[0].args)
    assert {"python3", "libpq5"} <= set(run.steps[0].args) and "python3-dev" not in run.steps[0].args
    assert "python3-venv" not in run.steps[0].args  # the venv was made in the build stage
    assert [s.kind for s in run.steps].count(StepKind.PACKAGES) == 1  # one apt layer
    _lint(tmp_path, render_dockerfile(spec))


def test_java_on_a_plain_os_gets_a_jre_in_the_run_stage_only() -> None:
    spec = _spec("java", "debian:trixie-slim", distro="debian", release="trixie", version="21")
    build, run = spec.stages
    assert build.base.startswith("maven:") and not any(s.kind is StepKind.PACKAGES for s in build.steps)
    assert run.steps[0].args == ("openjdk-21-jre-headless",)
    assert spec.cmd[0] == "java"


def test_php_extensions_on_a_plain_os_are_the_distros_packages() -> None:
    from matrixhell.model import Ecosystem, Origin, PackageReq

    exts = tuple(PackageReq(Ecosystem.COMPOSER, f"ext-{e}", "*", origin=Origin("api/composer.json", 3))
                 for e in ("pdo_pgsql", "mbstring", "intl", "ctype"))
    kw, _ = RUNTIME_CASES["php"]
    svc = make_service(runtime="php", packages=exts, **kw)  # type: ignore[arg-type]
    apt = build_spec(svc, make_target("php", "8.3.6", distro="ubuntu", release="24.04", base="ubuntu:24.04"))  # type: ignore[arg-type]
    text = render_dockerfile(apt)
    assert "docker-php-ext-install" not in text
    for stage in apt.stages[1:]:
        assert {"php-cli", "php-pgsql", "php-mbstring", "php-intl"} <= set(stage.steps[0].args)
        assert "php-ctype" not in stage.steps[0].args  # in php-common already
    apk = build_spec(svc, make_target("php", "8.3", distro="alpine", release="3.20", base="alpine:3.20"))  # type: ignore[arg-type]
    assert {"php83-pdo_pgsql", "php83-intl", "php83-ctype"} <= set(apk.final.steps[0].args)


def test_node_with_corepack_on_a_plain_os_installs_corepack_first(tmp_path: Path) -> None:
    svc = make_service(runtime="node", files=("package.json", "yarn.lock"), ports=(3000,), argv=("node", "server.js"))
    spec = build_spec(svc, make_target("node", "18.19.1", distro="ubuntu", release="24.04", base="ubuntu:24.04"))  # type: ignore[arg-type]
    runs = [s.args[0] for s in spec.final.steps if s.kind is StepKind.RUN]
    first = next(i for i, r in enumerate(runs) if "corepack" in r)
    assert runs[first].startswith("npm install --global corepack@")
    _lint(tmp_path, render_dockerfile(spec))


def test_dotnet_on_a_plain_os_is_refused() -> None:
    with pytest.raises(NotGenerated) as e:
        _spec("dotnet", "ubuntu:24.04", distro="ubuntu", release="24.04")
    assert e.value.finding.code == "base-lacks-runtime"


def test_go_and_rust_on_a_plain_os_install_no_runtime() -> None:
    for runtime in ("go", "rust"):
        spec = _spec(runtime, "debian:bookworm-slim")
        assert not any(s.kind is StepKind.PACKAGES for s in spec.final.steps)
        assert "runtime-from-release" not in {f.code for f in spec.findings}


def test_runtime_package_names() -> None:
    assert distro_runtime_packages("apt", "java", "21.0.13.1") == ("openjdk-21-jre-headless",)
    assert distro_runtime_packages("apk", "java", "17") == ("openjdk17-jre-headless",)
    assert distro_runtime_packages("apt", "python", "3.12", build=True) == ("python3", "python3-venv", "python3-dev")
    assert distro_runtime_packages("apk", "php", "8.3")[0] == "php83"
    assert distro_runtime_packages("apt", "dotnet", "8.0") == ()


def test_a_hand_written_distroless_image_keeps_its_pod_probe_port() -> None:
    """The spec of an image the user's Dockerfile builds feeds only the pod's TCP probes, which the
    kubelet runs without anything in the image; an image generated here gets no HEALTHCHECK."""
    kw, version = RUNTIME_CASES["go"]
    svc = make_service(runtime="go", **kw)  # type: ignore[arg-type]
    target = make_target("go", version, base="gcr.io/distroless/static-debian12:nonroot")
    own = build_spec(svc, target)  # type: ignore[arg-type]
    theirs = build_spec(svc, target, widen_context=False)  # type: ignore[arg-type]
    assert own.healthcheck is None
    assert theirs.healthcheck is not None and theirs.healthcheck.port == 8080


def test_a_hand_written_image_on_such_bases_is_not_judged_here() -> None:
    """The user's Dockerfile builds it: the spec serves compose, Kubernetes and the drift report, and
    says nothing of an image it does not make."""
    kw, _ = RUNTIME_CASES["java"]
    svc = make_service(runtime="java", **kw)  # type: ignore[arg-type]
    spec = build_spec(svc, make_target("java", "17", base="gcr.io/distroless/java17-debian12:nonroot"),  # type: ignore[arg-type]
                      widen_context=False)
    assert not {f.code for f in spec.findings} & {"base-has-no-userland", "runtime-from-release"}
    kw, version = RUNTIME_CASES["go"]
    go = make_service(runtime="go", **kw)  # type: ignore[arg-type]
    spec = build_spec(go, make_target("go", version, base="scratch"), needs(run=("libpq5",)),  # type: ignore[arg-type]
                      strict=False, widen_context=False)
    assert "base-cannot-install" not in {f.code for f in spec.findings}


def test_an_override_onto_another_releases_plain_image_is_warned_about() -> None:
    from matrixhell.model import Origin
    from matrixhell.model.overrides import ServiceOverride

    kw, version = RUNTIME_CASES["python"]
    svc = make_service(runtime="python", **kw)  # type: ignore[arg-type]
    override = ServiceOverride("api", Origin("matrixhell.toml", 3), base="ubuntu:24.04")
    spec = build_spec(svc, make_target("python", version), override=override)  # type: ignore[arg-type]
    found = [f for f in spec.findings if f.code == "override-base-runtime"]
    assert found and "ubuntu 24.04" in found[0].message and "python 3.11" in found[0].message
    assert "python3" in spec.final.steps[0].args  # and it still gets that release's python
    same = build_spec(make_service(runtime="python", **kw),  # type: ignore[arg-type]
                      make_target("python", "3.12.3", distro="ubuntu", release="24.04"), override=override)
    assert "override-base-runtime" not in {f.code for f in same.findings}
