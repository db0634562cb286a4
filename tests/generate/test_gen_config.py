"""Overrides: matrixhell.toml and [tool.matrixhell], merged with defaults; errors name file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from matrixhell.config import load_overrides, parse_overrides
from matrixhell.errors import ConfigError, ExitCode
from matrixhell.model import Origin

_TOML = """\
[defaults]
system-packages = ["tzdata"]
memory = "256Mi"

[services.api]
base = "python:3.12-slim-bookworm"
system-packages = ["libmagic1", "tzdata"]
start = "gunicorn app:app --bind 0.0.0.0:8000"
ports = [8000, 8001]

[services.legacy]
skip = true
"""


def test_parse_services_and_defaults() -> None:
    ov = parse_overrides(_TOML, "matrixhell.toml")
    assert ov.source == "matrixhell.toml" and ov.names() == ("api", "legacy")
    api = ov.for_service("api")
    assert api.base == "python:3.12-slim-bookworm"
    assert api.start == ("gunicorn", "app:app", "--bind", "0.0.0.0:8000")
    assert api.ports == (8000, 8001)
    assert api.system_packages == ("libmagic1", "tzdata")
    assert api.memory == "256Mi", "defaults fill what the service does not set"
    assert api.origin_of("ports") == Origin("matrixhell.toml", 9)
    assert ov.for_service("legacy").skip is True
    other = ov.for_service("other")
    assert other.system_packages == ("tzdata",) and other.ports is None and not other.skip


def test_start_as_a_list_is_kept_verbatim() -> None:
    ov = parse_overrides('[services.a]\nstart = ["sh", "-c", "a && b"]\n', "matrixhell.toml")
    assert ov.for_service("a").start == ("sh", "-c", "a && b")


@pytest.mark.parametrize(("text", "line", "words"), [
    ('[services.api]\nbase = "x"\nportz = [1]\n', 3, "unknown key 'portz'"),
    ('[services.api]\nports = ["80"]\n', 2, "ports must be a list of port numbers"),
    ('[services.api]\nports = [70000]\n', 2, "ports must be a list of port numbers"),
    ('[services.api]\nskip = "yes"\n', 2, "skip must be true or false"),
    ('[services.api]\nsystem-packages = ["libpq5; rm -rf /"]\n', 2, "is not an OS package name"),
    ('[services.api]\nuid = 0\n', 2, "uid must be a number from 1000 up"),
    ('[services.api]\nmemory = "lots"\n', 2, "memory must be a Kubernetes quantity"),
    ('[services.api]\nstart = "unterminated \'quote"\n', 2, "start cannot be split"),
    ('[services.api]\nbase = "has space"\n', 2, "base must be an image reference"),
    ('[defaults]\nbase = "x"\n', 2, "unknown key 'base'"),
    ('[services]\napi = 3\n', None, "services.api must be a table"),
    ('[mystery]\nx = 1\n', 1, "unknown key 'mystery'"),
    ('[services.api\nbase = 1\n', 1, "not valid TOML"),
])
def test_errors_name_file_and_line(text: str, line: int | None, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_overrides(text, "matrixhell.toml")
    e = err.value
    assert words in e.message
    assert e.origin is not None and e.origin.path == "matrixhell.toml"
    if line is not None:
        assert e.origin.line == line, e.one_line()
    assert e.hint, "every error says what to do"
    assert e.exit_code is ExitCode.INPUT


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.matrixhell.services.api]\nports = [9000]\n', encoding="utf-8")
    ov = load_overrides(tmp_path)
    assert ov.source == "pyproject.toml" and ov.for_service("api").ports == (9000,)
    assert ov.for_service("api").origin_of("ports") == Origin("pyproject.toml", 5)


def test_matrixhell_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.matrixhell.services.api]\nports = [9000]\n', encoding="utf-8")
    (tmp_path / "matrixhell.toml").write_text('[services.api]\nports = [7000]\n', encoding="utf-8")
    assert load_overrides(tmp_path).for_service("api").ports == (7000,)


def test_no_config_is_fine(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    ov = load_overrides(tmp_path)
    assert ov.source is None and ov.services == ()


def test_unreadable_config_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "matrixhell.toml").write_bytes(b"\xff\xfe[services]")
    with pytest.raises(ConfigError, match="cannot read"):
        load_overrides(tmp_path)
