"""What the compose parser records for a compose file written back out: environment values (never a
secret), the host address of a port, ports against expose, volumes, env files, the healthcheck as written."""

from __future__ import annotations

import pytest

from matrixhell.detect.compose import env_value_is_secret, parse_compose, parse_port
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Origin

COMPOSE = """\
services:
  web:
    build: ./web
    ports:
      - "127.0.0.1:8100:8100/tcp"
      - "[::1]:9000:9000"
      - "8000"
      - target: 5000
        published: 5050
        host_ip: 0.0.0.0
    expose: ["7000"]
    env_file:
      - .env
      - path: ./missing.env
        required: false
    environment:
      RAILS_ENV: production
      DATABASE_URL: postgres://shop:${POSTGRES_PASSWORD}@db:5432/shop
      LEAKY_URL: postgres://shop:hunter2@db:5432/shop
      POSTGRES_PASSWORD: hunter2
      SECRET_KEY_BASE: ${SECRET_KEY_BASE:?set SECRET_KEY_BASE}
      PASSTHROUGH:
      PORT: 8000
    volumes:
      - ./db/init:/docker-entrypoint-initdb.d:ro
      - data:/var/lib/data
      - /var/run/docker.sock:/var/run/docker.sock
      - /scratch
      - ${DATA:-./d}:/d
      - type: tmpfs
        target: /cache
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U $$USER"]
      interval: 5s
      retries: 4
  worker:
    build: ./web
    environment:
      - REDIS_URL=redis://cache:6379/0
      - API_TOKEN=abc
      - DATABASE_URL
"""
FILES = {"compose.yaml": COMPOSE, ".env": "POSTGRES_PASSWORD=devpassword\nFROM_FILE=1\n", "web/app.py": ""}


def _services() -> dict[str, object]:
    got = parse_compose(MemoryRepoView(FILES), ["compose.yaml"])
    return {s.name: s for s in got.services}


def test_non_secret_values_are_kept_as_written_and_secrets_never() -> None:
    web = _services()["web"]
    values = {v.key: (v.value, v.secret) for v in web.env}  # type: ignore[attr-defined]
    assert values["RAILS_ENV"] == ("production", False)
    assert values["DATABASE_URL"] == ("postgres://shop:${POSTGRES_PASSWORD}@db:5432/shop", False)
    assert values["SECRET_KEY_BASE"] == ("${SECRET_KEY_BASE:?set SECRET_KEY_BASE}", False)
    assert values["PORT"] == ("8000", False)
    assert values["PASSTHROUGH"] == (None, False)
    assert values["LEAKY_URL"] == (None, True)
    assert values["POSTGRES_PASSWORD"] == (None, True)
    # the .env values served interpolation only: none of them is a value of the result
    assert values["FROM_FILE"] == (None, False)
    text = repr(_services())
    assert "hunter2" not in text and "devpassword" not in text


def test_list_form_values_too() -> None:
    worker = _services()["worker"]
    values = {v.key: (v.value, v.secret) for v in worker.env}  # type: ignore[attr-defined]
    assert values == {"REDIS_URL": ("redis://cache:6379/0", False), "API_TOKEN": (None, True),
                      "DATABASE_URL": (None, False)}


def test_an_override_file_merging_list_and_map_environments_keeps_values() -> None:
    files = {**FILES, "compose.override.yaml": "services:\n  worker:\n    environment:\n      LOG: debug\n"}
    got = parse_compose(MemoryRepoView(files), ["compose.yaml", "compose.override.yaml"])
    worker = next(s for s in got.services if s.name == "worker")
    values = {v.key: v.value for v in worker.env}
    assert values["REDIS_URL"] == "redis://cache:6379/0" and values["LOG"] == "debug"
    assert values["API_TOKEN"] is None


@pytest.mark.parametrize(("key", "value", "secret"), [
    ("POSTGRES_USER", "shop", False),
    ("POSTGRES_PASSWORD", "${POSTGRES_PASSWORD}", False),
    ("POSTGRES_PASSWORD", "hunter2", True),
    ("PGPASSWORD", "x", True),
    ("API_KEY", "abc", True),
    ("KEYBOARD_LAYOUT", "us", False),
    ("DATABASE_URL", "postgres://u:${PW}@db/x", False),
    ("DATABASE_URL", "postgres://u:pw@db/x", True),
    ("DATABASE_URL", "postgres://u@db/x", False),
    ("HOST", "${DB_PASSWORD:-hunter2}", True),
    ("HOST", "${DB_HOST:-db}", False),
    ("SECRET_KEY", "${A:-${B}}", False),
    ("SECRET_KEY", "prefix-${A}", True),
    ("SECRET_KEY_BASE", "${SECRET_KEY_BASE:?set it}", False),
])
def test_the_secret_rule(key: str, value: str, secret: bool) -> None:
    assert env_value_is_secret(key, value) is secret


def test_ports_keep_their_host_address_and_their_key() -> None:
    web = _services()["web"]
    got = {(p.number, p.published, p.host_ip, p.compose_key) for p in web.ports}  # type: ignore[attr-defined]
    assert got == {(8100, 8100, "127.0.0.1", "ports"), (9000, 9000, "::1", "ports"), (8000, None, None, "ports"),
                   (5000, 5050, "0.0.0.0", "ports"), (7000, None, None, "expose")}
    assert parse_port("fe80::1:80:8080", Origin("c"))[0].host_ip == "fe80::1"


def test_volumes_env_files_and_the_healthcheck_as_written() -> None:
    web = _services()["web"]
    vols = [(v.kind, v.source, v.target, v.read_only, v.raw) for v in web.volumes]  # type: ignore[attr-defined]
    assert vols == [
        ("bind", "db/init", "/docker-entrypoint-initdb.d", True, None),
        ("volume", "data", "/var/lib/data", False, None),
        ("bind", "/var/run/docker.sock", "/var/run/docker.sock", False, None),
        ("volume", "", "/scratch", False, None),
        ("raw", "", "", False, "${DATA:-./d}:/d"),
        ("tmpfs", "", "/cache", False, None),
    ]
    files = [(f.path, f.required, f.readable) for f in web.env_files]  # type: ignore[attr-defined]
    assert files == [(".env", True, True), ("missing.env", False, False)]
    assert web.healthcheck_test == ("CMD-SHELL", "pg_isready -U $$USER")  # type: ignore[attr-defined]
    assert web.healthcheck_options == (("interval", "5s"), ("retries", "4"))  # type: ignore[attr-defined]


def test_a_bind_mount_of_an_included_file_is_relative_to_that_file() -> None:
    files = {"compose.yaml": "include:\n  - sub/compose.yaml\n",
             "sub/compose.yaml": "services:\n  db:\n    image: postgres:16\n    volumes: ['./init:/init']\n"}
    db = parse_compose(MemoryRepoView(files), ["compose.yaml"]).services[0]
    assert db.volumes[0].source == "sub/init"
