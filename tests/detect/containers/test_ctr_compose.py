"""Compose files: build, ports, dependencies, environment keys, interpolation, overrides, includes."""

from __future__ import annotations

import pytest

from matrixhell.detect.compose import interpolate, parse_compose, parse_dotenv, parse_port
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Origin


def compose(files: dict[str, str | bytes], paths: tuple[str, ...] = ("compose.yaml",)):  # type: ignore[no-untyped-def]
    return parse_compose(MemoryRepoView(files), list(paths))


ORIG = Origin("compose.yaml", 1)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("3000", [(3000, "tcp", None)]),
        ("8000:8000", [(8000, "tcp", 8000)]),
        ("127.0.0.1:80:8080/tcp", [(8080, "tcp", 80)]),
        ("6060:6060/udp", [(6060, "udp", 6060)]),
        ("9090-9091:8080-8081", [(8080, "tcp", 9090), (8081, "tcp", 9091)]),
        ("[::1]:6001:6001", [(6001, "tcp", 6001)]),
        ("127.0.0.1::5000", [(5000, "tcp", None)]),
        ("3000-3002", [(3000, "tcp", None), (3001, "tcp", None), (3002, "tcp", None)]),
    ],
)
def test_short_port_syntax(spec: str, expected: list[tuple[int, str, int | None]]) -> None:
    assert [(p.number, p.protocol, p.published) for p in parse_port(spec, ORIG)] == expected


@pytest.mark.parametrize("spec", ["http", "70000", "80:80:80:80:x", "1-99999", "80/quic", "9-8"])
def test_bad_ports_raise(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_port(spec, ORIG)


def test_service_build_ports_depends_and_command() -> None:
    cf = compose(
        {
            "compose.yaml": (
                "services:\n"
                "  web:\n"
                "    build:\n"
                "      context: ./api\n"
                "      dockerfile: docker/Dockerfile.prod\n"
                "      target: runtime\n"
                "      args:\n"
                "        - PY=3.12\n"
                "    ports:\n"
                "      - 8000:8000\n"
                "      - target: 80\n"
                "        published: 8080\n"
                "        protocol: udp\n"
                "    expose: ['9000']\n"
                "    depends_on:\n"
                "      db: {condition: service_healthy}\n"
                "      cache: {condition: service_started}\n"
                "    command: gunicorn app:app --bind 0.0.0.0:$$PORT\n"
                "    profiles: [prod]\n"
                "  db:\n"
                "    image: postgres:16\n"
                "    healthcheck:\n"
                '      test: ["CMD-SHELL", "pg_isready -U app"]\n'
            ),
            "api/docker/Dockerfile.prod": "FROM python:3.12\n",
        }
    )
    assert not cf.findings
    db, web = cf.services
    assert (web.name, web.origin.line) == ("web", 2)
    assert (web.context, web.dockerfile, web.target) == ("api", "api/docker/Dockerfile.prod", "runtime")
    assert cf.args_of("web") == {"PY": "3.12"}
    assert [(p.number, p.protocol, p.published, p.origin.line) for p in web.ports] == [
        (8000, "tcp", 8000, 10),
        (80, "udp", 8080, 11),
        (9000, "tcp", None, 14),
    ]
    assert web.depends_on == ("cache", "db")
    assert web.command is not None and web.command.shell == "gunicorn app:app --bind 0.0.0.0:$PORT"
    assert web.command.source == "compose-command" and web.command.origin.line == 18
    assert web.profiles == ("prod",)
    assert db.image == "postgres:16" and db.context is None
    assert db.healthcheck == ("/bin/sh", "-c", "pg_isready -U app")


def test_build_string_context_and_default_dockerfile() -> None:
    cf = compose({"compose.yaml": "services:\n  w:\n    build: svc\n", "svc/Containerfile": "FROM alpine\n"})
    (w,) = cf.services
    assert (w.context, w.dockerfile) == ("svc", "svc/Containerfile")


def test_environment_keys_only_never_values() -> None:
    cf = compose(
        {
            "compose.yaml": (
                "services:\n  a:\n    image: x\n    environment:\n      SECRET: hunter2\n      EMPTY:\n"
                "  b:\n    image: y\n    environment:\n      - TOKEN=s3cr3t\n      - PASSED_THROUGH\n"
                "    env_file:\n      - .env.b\n      - path: missing.env\n        required: false\n"
            ),
            ".env.b": "# comment\nexport DB_PASSWORD='pw-value'\nAPI_KEY=abc # trailing\n",
        }
    )
    a, b = cf.services
    assert [(e.key, e.origin.line) for e in a.env] == [("SECRET", 5), ("EMPTY", 6)]
    assert [(e.key, str(e.origin)) for e in b.env] == [
        ("TOKEN", "compose.yaml:10"),
        ("PASSED_THROUGH", "compose.yaml:11"),
        ("DB_PASSWORD", ".env.b:2"),
        ("API_KEY", ".env.b:3"),
    ]
    text = repr(cf)
    for secret in ("hunter2", "s3cr3t", "pw-value", "abc"):
        assert secret not in text
    assert not cf.findings  # the optional env file may be missing


def test_required_env_file_missing_is_a_finding() -> None:
    cf = compose({"compose.yaml": "services:\n  a:\n    image: x\n    env_file: nope.env\n"})
    assert [(f.code, f.origin.line if f.origin else None) for f in cf.findings] == [("compose-missing-env-file", 4)]


def test_command_and_entrypoint_as_lists() -> None:
    cf = compose(
        {
            "compose.yaml": (
                "services:\n  w:\n    image: x\n    entrypoint: [tini, --]\n    command: [celery, -A, app, worker]\n"
            )
        }
    )
    (w,) = cf.services
    assert w.command is not None and w.command.argv == ("tini", "--", "celery", "-A", "app", "worker")
    assert w.command.source == "compose-entrypoint"


def test_interpolation_forms() -> None:
    env = {"SET": "v", "EMPTY": ""}
    assert interpolate("${SET}-$SET-${MISSING:-d}-${EMPTY:-e}-${EMPTY-f}-${MISSING-g}", env) == "v-v-d-e--g"
    assert interpolate("${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}|$$SET|${MISSING:-${SET}}", env) == "alt||alt|$SET|v"


def test_dotenv_parsing() -> None:
    got = parse_dotenv("A=1\nexport B=\"two words\"\n# c\nC='x'\nbad line\nD=val # note\n")
    assert {k: v for k, (v, _) in got.items()} == {"A": "1", "B": "two words", "C": "x", "D": "val"}
    assert got["D"][1] == 6


def test_dotenv_drives_the_dockerfile_path_and_image() -> None:
    cf = compose(
        {
            "compose.yaml": (
                "services:\n  web:\n    build:\n      context: services/web\n"
                "      dockerfile: ../../${WEB_DOCKERFILE:-docker/web.Dockerfile}\n"
                "  db:\n    image: postgres:${PG_VERSION:-15}\n"
            ),
            ".env": "WEB_DOCKERFILE=docker/web.prod.Dockerfile\nPG_VERSION=16\n",
            "services/web/app.py": "",
            "docker/web.prod.Dockerfile": "FROM python:3.12\n",
            "docker/web.Dockerfile": "FROM python:3.11\n",
        }
    )
    db, web = cf.services
    assert web.dockerfile == "docker/web.prod.Dockerfile"
    assert db.image == "postgres:16"
    assert ".env" in cf.files


def test_unset_and_required_variables_are_findings() -> None:
    cf = compose({"compose.yaml": "services:\n  a:\n    image: ${IMG}\n  b:\n    image: ${REQ:?set REQ}\n"})
    codes = sorted((f.code, f.origin.line if f.origin else None) for f in cf.findings)
    assert ("compose-unset-variable", 3) in codes
    assert ("compose-required-variable", 5) in codes


def test_malformed_yaml_names_the_line() -> None:
    cf = compose({"compose.yaml": "services:\n  web:\n    image: x\n   ports: [\n"})
    (f,) = cf.findings
    assert f.code == "compose-bad-yaml" and f.origin is not None and f.origin.path == "compose.yaml"
    assert f.origin.line in (3, 4, 5)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("- just\n- a list\n", "compose-bad-file"),
        ("services: [a, b]\n", "compose-bad-file"),
        ("services:\n  a: 3\n", "compose-bad-service"),
    ],
)
def test_wrong_shapes_are_findings(text: str, code: str) -> None:
    assert [f.code for f in compose({"compose.yaml": text}).findings] == [code]


def test_alias_bomb_is_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    lines.append("services:\n  x:\n    image: y\n    labels: *i")
    cf = compose({"compose.yaml": "\n".join(lines) + "\n"})
    assert [f.code for f in cf.findings] == ["compose-too-large"]


def test_yaml_anchors_and_merge_keys() -> None:
    cf = compose(
        {
            "compose.yaml": (
                "x-base: &base\n  image: base:1\n  environment: [A=1]\n"
                "services:\n  one:\n    <<: *base\n  two:\n    <<: *base\n    image: other:2\n"
            )
        }
    )
    one, two = cf.services
    assert one.image == "base:1" and [e.key for e in one.env] == ["A"]
    assert two.image == "other:2"


def test_override_file_merges_into_the_main_file() -> None:
    cf = compose(
        {
            "compose.yaml": "services:\n  web:\n    build: .\n    ports: ['80:80']\n    environment: {A: 1}\n",
            "compose.override.yaml": "services:\n  web:\n    ports: ['9229:9229']\n    environment: {B: 2}\n"
            "  debug:\n    image: busybox\n",
            "Dockerfile": "FROM alpine\n",
        },
        ("compose.yaml", "compose.override.yaml"),
    )
    debug, web = cf.services
    assert [p.number for p in web.ports] == [80, 9229]
    assert [e.key for e in web.env] == ["A", "B"]
    assert web.context == "" and web.dockerfile == "Dockerfile"
    assert debug.image == "busybox"
    assert cf.files == ("compose.yaml", "compose.override.yaml")


def test_include_resolves_paths_against_the_included_file() -> None:
    cf = compose(
        {
            "compose.yaml": "include:\n  - infra/db.yaml\nservices:\n  app:\n    build: app\n",
            "infra/db.yaml": "services:\n  db:\n    build: ./pg\n",
            "infra/pg/Dockerfile": "FROM postgres:16\n",
            "app/Dockerfile": "FROM python:3.12\n",
        }
    )
    app, db = cf.services
    assert (db.context, db.dockerfile, db.origin.path) == ("infra/pg", "infra/pg/Dockerfile", "infra/db.yaml")
    assert app.context == "app"


def test_include_cycle_is_a_finding() -> None:
    cf = compose(
        {
            "compose.yaml": "include: [b.yaml]\nservices:\n  a:\n    image: x\n",
            "b.yaml": "include: [compose.yaml]\nservices:\n  b:\n    image: y\n",
        }
    )
    assert [f.code for f in cf.findings] == ["compose-include-cycle"]
    assert [s.name for s in cf.services] == ["a", "b"]


def test_context_outside_the_repository_and_remote_context() -> None:
    cf = compose(
        {
            "compose.yaml": (
                "services:\n  out:\n    build: ../elsewhere\n  git:\n    build: https://github.com/acme/app.git#main\n"
            )
        }
    )
    (out,) = cf.services
    assert out.context is None
    assert [f.code for f in cf.findings] == ["compose-path-escape"]
    assert [s.path for s in cf.skipped] == ["compose.yaml#git"]


def test_missing_dockerfile_and_context_are_findings() -> None:
    cf = compose({"compose.yaml": "services:\n  a:\n    build:\n      context: nowhere\n      dockerfile: Dfile\n"})
    assert sorted(f.code for f in cf.findings) == ["compose-missing-context", "compose-missing-dockerfile"]


def test_a_binary_compose_file_is_a_finding() -> None:
    cf = compose({"compose.yaml": b"\x00\xff\x00binary"})
    assert [f.code for f in cf.findings] == ["binary-file"]
    assert cf.services == ()


def test_extends_in_the_same_file_and_from_another_file() -> None:
    cf = compose(
        {
            "compose.yaml": (
                "services:\n"
                "  base:\n    build: app\n    environment: [A=1]\n    ports: ['80:80']\n"
                "  web:\n    extends: base\n    command: serve\n    environment: [B=2]\n"
                "  job:\n    extends:\n      file: common/services.yaml\n      service: worker\n"
            ),
            "common/services.yaml": "services:\n  worker:\n    build: ../jobs\n    command: [run, jobs]\n",
            "app/Dockerfile": "FROM python:3.12\n",
            "jobs/Dockerfile": "FROM python:3.11\n",
        }
    )
    assert not cf.findings
    by = {s.name: s for s in cf.services}
    assert set(by) == {"base", "web", "job"}
    web = by["web"]
    assert web.context == "app" and [p.number for p in web.ports] == [80]
    assert [e.key for e in web.env] == ["A", "B"]
    assert web.command is not None and web.command.shell == "serve"
    job = by["job"]
    # the extended file's relative paths resolve against that file
    assert (job.context, job.dockerfile) == ("jobs", "jobs/Dockerfile")
    assert job.command is not None and job.command.argv == ("run", "jobs")
    assert "common/services.yaml" in cf.files


def test_extends_of_a_missing_service_and_cycles_are_findings() -> None:
    cf = compose(
        {
            "compose.yaml": (
                "services:\n  a:\n    image: x\n    extends: nope\n"
                "  b:\n    image: y\n    extends: c\n  c:\n    image: z\n    extends: b\n"
            )
        }
    )
    codes = sorted(f.code for f in cf.findings)
    assert "compose-bad-extends" in codes and "compose-extends-cycle" in codes
    assert {s.name for s in cf.services} == {"a", "b", "c"}


def test_inline_dockerfile_is_kept_with_its_compose_lines() -> None:
    cf = compose(
        {
            "compose.yaml": (
                "services:\n  tool:\n    build:\n      context: .\n      dockerfile_inline: |\n"
                "        FROM python:3.12-slim\n        RUN apt-get install -y jq\n"
            ),
            "Dockerfile": "FROM node:20\n",
        }
    )
    (tool,) = cf.services
    assert tool.dockerfile is None  # not the context's unrelated Dockerfile
    assert cf.inline_of("tool") == ("compose.yaml", "FROM python:3.12-slim\nRUN apt-get install -y jq\n", 6)


def test_dotenv_values_fill_the_command_but_never_a_credential() -> None:
    cf = compose(
        {
            "compose.yaml": (
                "services:\n  web:\n    image: x\n"
                "    command: python -m http.server ${PORT} --db $DATABASE_URL --token ${API_TOKEN:-none} $$HOME\n"
                "  job:\n    image: x\n    entrypoint: [run, '--workers=${WORKERS:-2}', '${DB_PASSWORD}']\n"
            ),
            ".env": "PORT=8080\nDATABASE_URL=postgres://u:hunter2@db/x\nAPI_TOKEN=s3cret\nDB_PASSWORD=pw1\n",
        }
    )
    job, web = cf.services
    assert web.command is not None
    assert web.command.shell == "python -m http.server 8080 --db ${DATABASE_URL} --token ${API_TOKEN} $HOME"
    assert job.command is not None and job.command.argv == ("run", "--workers=2", "${DB_PASSWORD}")
    assert "hunter2" not in repr(cf) and "s3cret" not in repr(cf) and "pw1" not in repr(cf)


@pytest.mark.parametrize(
    "text",
    [
        "- just\n- a list\n",
        "services: [1, 2]\n",
        "services:\n  a: 3\n",
        "services:\n  a:\n    extends: a\n    image: x\n",
        "include: [../outside.yaml]\nservices: {}\n",
        "services:\n  a:\n    env_file: ../../x.env\n    image: x\n",
        "services:\n  a:\n    build:\n      context: .\n      dockerfile: ../../Dockerfile\n",
    ],
)
def test_every_bad_compose_finding_says_what_to_do(text: str) -> None:
    findings = compose({"compose.yaml": text}).findings
    assert findings
    assert all(f.hint for f in findings), [(f.code, f.message) for f in findings]


def test_every_finding_the_scan_core_writes_has_a_hint() -> None:
    import ast
    from pathlib import Path

    import matrixhell.detect as detect

    base = Path(detect.__file__).parent
    missing = []
    for name in ("compose", "discovery", "dockerfile", "procfile", "apt", "merge", "scan"):
        tree = ast.parse((base / f"{name}.py").read_text())
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        for node in calls:
            is_finding = isinstance(node.func, ast.Name) and node.func.id == "Finding"
            if is_finding and len(node.args) < 5 and not any(k.arg == "hint" for k in node.keywords):
                missing.append(f"{name}.py:{node.lineno}")
    assert missing == []
