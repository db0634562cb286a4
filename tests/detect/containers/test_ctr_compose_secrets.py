"""Compose ``environment:`` values: copied only when neither the key nor the value looks like a credential;
findings quote entries as the user wrote them."""

from __future__ import annotations

import pytest

from matrixhell.detect.compose import env_value_is_secret, parse_compose
from matrixhell.detect.repoview import MemoryRepoView


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("GITHUB_PAT", "ghp_S3CR3TPAT"),
        ("SESSION_COOKIE", "abcd"),
        ("WEBHOOK_HMAC", "zzz"),
        ("ENCRYPTION_PASSPHRASE", "correct horse"),
        ("JWT_SIGNING", "k"),
        ("OAUTH_CLIENT_ID", "abc"),
        ("CLIENT_SECRET", "abc"),
        ("AWS_ACCESS_KEY_ID", "x"),
        ("BEARER", "x"),
        # harmless names, credential-shaped values
        ("UPSTREAM", "ghp_abcdefgh1234"),
        ("GH", "github_pat_11ABCDEFG0123456789"),
        ("OPENAI", "sk-abcdefgh12345"),
        ("STRIPE", "sk_live_abcdefgh1234"),
        ("SLACK", "xoxb-1234-abcdef"),
        ("AWS", "AKIAABCDEFGHIJKLMNOP"),
        ("HEADER", "eyJhbGciOiJIUzI1NiJ9.e30.sig"),
        ("CERTIFICATE_BODY", "-----BEGIN PRIVATE KEY-----"),
        ("OTHER", "Zx9kQ2mP7vR4tY8wB3nL5jH"),
        ("ARGS", "--opt Zx9kQ2mP7vR4tY8wB3nL5jH"),
        ("HOOK", "https://hooks.example/in?token=abcdef"),
        ("DATABASE_URL", "postgres://app:hunter2@db/app"),
    ],
)
def test_credentials_are_withheld(key: str, value: str) -> None:
    assert env_value_is_secret(key, value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("LOG_LEVEL", "info"),
        ("DB_HOST", "db.internal"),
        ("CACHE", "redis-cache-01.prod.example.com:6379"),
        ("APP_URL", "https://example.com/some/long/path/v2"),
        ("DATA_DIR", "/var/lib/app/data123456789012345"),
        ("BIG", "12345678901234567890123"),
        ("DEBUG", "true"),
        ("PORT", "8000"),
        ("FROM_ENV", "${SOME_REFERENCE_VARIABLE_1234}"),
        ("DATABASE_URL", "postgres://app:${PW}@db:5432/app"),
        ("SETTINGS", "myproject.settings.production2"),
        ("KEYBOARD", "us"),
    ],
)
def test_plain_values_are_kept(key: str, value: str) -> None:
    assert not env_value_is_secret(key, value)


COMPOSE = """\
services:
  web:
    build: .
    environment:
      GITHUB_PAT: ghp_S3CR3TPAT
      SESSION_COOKIE: abcd
      WEBHOOK_HMAC: zzz
      ENCRYPTION_PASSPHRASE: correct horse
      OTHER: Zx9kQ2mP7vR4tY8wB3nL5jH
      LOG_LEVEL: info
"""


def test_withheld_values_are_not_in_the_scan_result() -> None:
    result = parse_compose(MemoryRepoView({"compose.yaml": COMPOSE}), ["compose.yaml"])
    svc = result.services[0]
    env = {v.key: v for v in svc.env}
    assert env["LOG_LEVEL"].value == "info" and not env["LOG_LEVEL"].secret
    for key in ("GITHUB_PAT", "SESSION_COOKIE", "WEBHOOK_HMAC", "ENCRYPTION_PASSPHRASE", "OTHER"):
        assert env[key].value is None and env[key].secret
    assert "S3CR3T" not in repr(result) and "Zx9kQ2m" not in repr(result)


def _messages(text: str, files: dict[str, str] | None = None) -> list[str]:
    result = parse_compose(MemoryRepoView({"compose.yaml": text, **(files or {})}), ["compose.yaml"])
    findings = result.findings
    return [f.message for f in findings]


def test_a_bad_port_entry_is_quoted_as_written() -> None:
    messages = _messages('services:\n  web:\n    image: nginx\n    ports:\n      - target: "x"\n')
    bad = [m for m in messages if "is not a port" in m]
    assert bad and bad[0].startswith('ports entry {target: "x"} is not a port'), bad
    assert "_V(" not in bad[0] and "line=" not in bad[0]


def test_a_missing_env_file_says_so_once() -> None:
    messages = _messages("services:\n  web:\n    image: nginx\n    env_file: [nope.env]\n")
    missing = [m for m in messages if "nope.env" in m]
    assert missing and missing[0].count("cannot be read") == 1, missing
