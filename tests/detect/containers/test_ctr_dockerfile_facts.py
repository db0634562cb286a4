"""What a Dockerfile build says: OS packages and their phase, ports, start, runtime, target stage."""

from __future__ import annotations

import pytest

from matrixhell.detect.base import DetectContext
from matrixhell.detect.dockerfile import (
    DockerfileDetector,
    analyze_dockerfile,
    parse_dockerfile,
    parse_image_ref,
    runtime_of_image,
)
from matrixhell.detect.repoview import MemoryRepoView


def facts(text: str, **kw: object):  # type: ignore[no-untyped-def]
    return analyze_dockerfile(parse_dockerfile(text, "Dockerfile"), **kw)  # type: ignore[arg-type]


def pkgs(text: str, **kw: object) -> dict[str, tuple[str, str, int | None]]:
    return {p.name: (p.manager, p.phase, p.origin.line) for p in facts(text, **kw).system_packages}


def test_apt_get_install_with_flags_and_continuations() -> None:
    got = pkgs(
        "FROM debian:bookworm\n"
        "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \\\n"
        "      --no-install-recommends -o Dpkg::Options::=--force-confnew \\\n"
        "      libpq5 ca-certificates=2023* \\\n"
        "      curl:amd64 \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )
    assert got == {
        "libpq5": ("apt", "run", 4),
        "ca-certificates": ("apt", "run", 4),
        "curl": ("apt", "run", 5),
    }


def test_apt_purge_in_the_same_run_marks_build_phase() -> None:
    got = pkgs(
        "FROM python:3.11-slim\n"
        "RUN apt-get update && apt-get install -y gcc libpq-dev libpq5 "
        "&& pip install psycopg2 && apt-get purge -y --auto-remove gcc libpq-dev\n"
    )
    assert got["gcc"][1] == "build"
    assert got["libpq-dev"][1] == "build"
    assert got["libpq5"][1] == "run"


def test_apk_virtual_group_removed_later_is_build_phase() -> None:
    got = pkgs(
        "FROM python:3.12-alpine\n"
        "RUN apk add --no-cache --virtual .build-deps gcc musl-dev \\\n"
        "    && apk add --no-cache libffi postgresql-libs \\\n"
        "    && pip install cffi \\\n"
        "    && apk del .build-deps\n"
    )
    assert got == {
        "gcc": ("apk", "build", 2),
        "musl-dev": ("apk", "build", 2),
        "libffi": ("apk", "run", 3),
        "postgresql-libs": ("apk", "run", 3),
    }
    assert ".build-deps" not in got


def test_virtual_group_kept_when_not_deleted() -> None:
    got = pkgs("FROM alpine:3.19\nRUN apk add -t .runtime-deps tzdata\n")
    assert got == {"tzdata": ("apk", "run", 2)}


def test_heredoc_run_installs_are_read_with_their_lines() -> None:
    got = pkgs("FROM debian\nRUN <<EOF\nset -eux\napt-get update\napt-get install -y \\\n  jq git\nEOF\n")
    assert got["jq"][0:2] == ("apt", "run") and got["git"][0:2] == ("apt", "run")
    assert got["jq"][2] in (5, 6)


def test_shell_noise_is_not_taken_for_packages() -> None:
    got = pkgs(
        "FROM debian\n"
        "RUN apt-get install -y curl 2>/dev/null; apt-get install -y $(cat pkgs.txt) wget "
        "| tee log.txt && `echo apt-get install nope` || true\n"
    )
    assert set(got) == {"curl", "wget"}


def test_package_variables_come_from_arg_and_env() -> None:
    got = pkgs(
        'FROM debian\nARG BUILD_DEPS="gcc make"\n'
        "ENV RUNTIME_DEPS=libxml2\nRUN apt-get install -y $BUILD_DEPS ${RUNTIME_DEPS}\n"
    )
    assert set(got) == {"gcc", "make", "libxml2"}


def test_exec_form_run_and_wrappers() -> None:
    got = pkgs('FROM debian\nRUN ["apt-get", "install", "-y", "tini"]\nRUN sudo -E apt install -yq htop\n')
    assert set(got) == {"tini", "htop"}


def test_packages_of_a_build_stage_are_build_phase() -> None:
    got = pkgs(
        "FROM python:3.12 AS builder\nRUN apt-get install -y build-essential\n"
        "FROM python:3.12-slim\nRUN apt-get install -y libpq5\n"
    )
    assert got["build-essential"][1] == "build"
    assert got["libpq5"][1] == "run"


def test_stage_built_on_an_earlier_stage_inherits_it_as_run_phase() -> None:
    got = pkgs(
        "FROM debian AS base\nRUN apt-get install -y libssl3\n"
        "FROM base AS tools\nRUN apt-get install -y gcc\n"
        'FROM base AS final\nCMD ["app"]\n'
    )
    assert got["libssl3"][1] == "run"
    assert got["gcc"][1] == "build"


def test_expose_ports_ranges_and_protocols() -> None:
    f = facts("FROM alpine\nARG P=8080\nEXPOSE 80 443/tcp 53/udp 9000-9002 ${P}\nEXPOSE nonsense\n")
    assert [(p.number, p.protocol) for p in f.ports] == [
        (80, "tcp"),
        (443, "tcp"),
        (53, "udp"),
        (9000, "tcp"),
        (9001, "tcp"),
        (9002, "tcp"),
        (8080, "tcp"),
    ]
    assert any(x.code == "dockerfile-bad-port" and x.origin and x.origin.line == 4 for x in f.findings)


def test_expose_of_a_build_stage_does_not_count() -> None:
    f = facts("FROM node AS build\nEXPOSE 3000\nFROM nginx\nEXPOSE 80\n")
    assert [p.number for p in f.ports] == [80]


def test_cmd_exec_and_shell_forms() -> None:
    (s,) = facts('FROM python\nCMD ["gunicorn", "app:app"]\n').start_commands
    assert (s.source, s.argv, s.origin.line) == ("dockerfile-cmd", ("gunicorn", "app:app"), 2)
    (t,) = facts("FROM python\nCMD gunicorn app:app --bind 0.0.0.0:$PORT\n").start_commands
    assert t.shell == "gunicorn app:app --bind 0.0.0.0:$PORT" and not t.argv


def test_invalid_json_cmd_is_shell_form() -> None:
    (s,) = facts("FROM python\nCMD [python, app.py]\n").start_commands
    assert s.shell == "[python, app.py]"


def test_entrypoint_and_cmd_combine_and_last_cmd_wins() -> None:
    (s,) = facts('FROM python\nCMD ["old"]\nENTRYPOINT ["tini", "--"]\nCMD ["uvicorn", "m:app"]\n').start_commands
    assert s.source == "dockerfile-entrypoint"
    assert s.argv == ("tini", "--", "uvicorn", "m:app")


def test_user_workdir_and_env_keys() -> None:
    f = facts('FROM python\nWORKDIR /srv\nWORKDIR app\nUSER 1000:1000\nENV A=1 B="two words"\nENV C 3\n')
    assert f.workdir == "/srv/app"
    assert f.user == "1000:1000"
    assert [e.key for e in f.env] == ["A", "B", "C"]


def test_compose_target_picks_the_final_stage() -> None:
    text = (
        "FROM node:20 AS deps\nRUN apk add libc6-compat\n"
        'FROM node:20-alpine AS runner\nEXPOSE 3000\nCMD ["npm", "start"]\n'
        "FROM nginx:1.25 AS static\nEXPOSE 80\n"
    )
    last = facts(text)
    assert [p.number for p in last.ports] == [80]
    # nginx ships no runtime: the build stage's node is the Dockerfile's word, at a weaker source
    assert [(r.runtime, r.source) for r in last.runtimes] == [("node", "dockerfile-build-stage")]
    runner = facts(text, target="runner")
    assert runner.final_stage == 1
    assert [p.number for p in runner.ports] == [3000]
    assert runner.runtimes[0].runtime == "node" and runner.runtimes[0].spec == "==20.*"
    assert [b.final for b in runner.base_images] == [False, True, False]


def test_missing_target_is_a_finding_and_falls_back_to_the_last_stage() -> None:
    f = facts("FROM python:3.11 AS app\n", target="prod")
    assert any(x.code == "dockerfile-target-missing" for x in f.findings)
    assert f.final_stage == 0


def test_final_stage_from_a_named_stage_takes_the_root_image_runtime() -> None:
    f = facts('FROM python:3.9-slim AS base\nFROM base\nCMD ["python"]\n')
    assert f.runtimes[0].spec == "==3.9.*"
    assert f.runtimes[0].source == "dockerfile-from"
    assert f.runtimes[0].origin.line == 1


def test_compiled_service_on_a_bare_image_takes_the_build_stage_toolchain() -> None:
    f = facts("FROM golang:1.22-bookworm AS build\nRUN go build\nFROM gcr.io/distroless/static\n")
    (r,) = f.runtimes
    assert (r.runtime, r.spec, r.source) == ("go", "==1.22.*", "dockerfile-build-stage")


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("python:3.11-slim", ("python", "==3.11.*")),
        ("python:3.11.4-alpine3.19", ("python", "==3.11.4")),
        ("python:3", ("python", "==3.*")),
        ("node:20-alpine", ("node", "==20.*")),
        ("golang:1.22", ("go", "==1.22.*")),
        ("ruby:3.2.2-slim", ("ruby", "==3.2.2")),
        ("php:8.2-fpm", ("php", "==8.2.*")),
        ("rust:1.78-slim", ("rust", "==1.78.*")),
        ("eclipse-temurin:17-jre", ("java", "==17.*")),
        ("openjdk:11", ("java", "==11.*")),
        ("mcr.microsoft.com/dotnet/aspnet:8.0", ("dotnet", "==8.0.*")),
        ("docker.io/library/python:3.12", ("python", "==3.12.*")),
    ],
)
def test_runtime_images(image: str, expected: tuple[str, str]) -> None:
    got = runtime_of_image(parse_image_ref(image))
    assert got is not None and got[:2] == expected


@pytest.mark.parametrize("image", ["python:latest", "python", "node:lts-alpine", "nginx:1.25", "ubuntu:22.04"])
def test_images_without_a_runtime_version(image: str) -> None:
    assert runtime_of_image(parse_image_ref(image)) is None


def test_detector_reads_dockerfile_or_containerfile() -> None:
    view = MemoryRepoView({"api/Containerfile": "FROM python:3.10\nEXPOSE 5000\n"})
    det = DockerfileDetector()
    ctx = DetectContext(view, "api", frozenset({"Containerfile"}))
    assert det.applies(ctx)
    d = det.detect(ctx)
    assert d.files == ("api/Containerfile",)
    assert d.runtimes[0].origin.path == "api/Containerfile"
    assert [p.number for p in d.ports] == [5000]


def test_detector_turns_a_binary_dockerfile_into_a_finding() -> None:
    view = MemoryRepoView({"Dockerfile": b"\x00\x01\x02FROM"})
    d = DockerfileDetector().detect_file(view, "Dockerfile")
    assert [f.code for f in d.findings] == ["binary-file"]


def test_official_image_pattern_apt_mark_auto_then_purge_auto_remove() -> None:
    got = pkgs(
        "FROM debian:bookworm-slim\n"
        "RUN set -eux; \\\n"
        '    savedAptMark="$(apt-mark showmanual)"; \\\n'
        "    apt-get update; \\\n"
        "    apt-get install -y --no-install-recommends gcc libc6-dev libpq-dev libpq5; \\\n"
        "    pip install psycopg2; \\\n"
        "    apt-mark auto '.*' > /dev/null; \\\n"
        "    apt-mark manual libpq5 $savedAptMark; \\\n"
        "    apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false\n"
    )
    assert {n: phase for n, (_, phase, _) in got.items()} == {
        "gcc": "build",
        "libc6-dev": "build",
        "libpq-dev": "build",
        "libpq5": "run",
    }


def test_autoremove_without_apt_mark_removes_nothing_named() -> None:
    got = pkgs("FROM debian\nRUN apt-get install -y curl && apt-get autoremove -y\n")
    assert got["curl"][1] == "run"


def test_build_tools_of_a_single_stage_dockerfile_are_build_phase() -> None:
    f = facts(
        "FROM node:20-bookworm\n"
        "RUN apt-get update && apt-get install -y python3 make g++ libpq-dev libpq5 curl\n"
        "RUN apk add --no-cache build-base musl-dev pkgconf openssl-dev tzdata\n"
        'CMD ["node", "server.js"]\n'
    )
    phases = {p.name: p.phase for p in f.system_packages}
    assert phases == {
        "python3": "build",
        "make": "build",
        "g++": "build",
        "libpq-dev": "build",
        "libpq5": "run",
        "curl": "run",
        "build-base": "build",
        "musl-dev": "build",
        "pkgconf": "build",
        "openssl-dev": "build",
        "tzdata": "run",
    }
    reasons = {p.name: p.reason for p in f.system_packages}
    assert "kept in the final image" in (reasons["make"] or "")
    assert "kept in the final image" not in (reasons["libpq5"] or "")
