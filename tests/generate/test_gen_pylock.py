"""A service locked with PEP 751 gets its lock copied before the source and its pins installed."""

from __future__ import annotations

from pathlib import Path

from matrixhell.generate import generate

LOCK = """lock-version = "1.0"
requires-python = ">=3.12"
created-by = "pip"

[[packages]]
name = "flask"
version = "3.0.3"
"""


def test_the_lock_is_copied_and_its_pins_installed(tmp_path: Path) -> None:
    svc = tmp_path / "repo" / "svc"
    svc.mkdir(parents=True)
    (svc / "pylock.toml").write_text(LOCK)
    (svc / "main.py").write_text("print('hi')\n")
    gen, _ = generate(tmp_path / "repo", dry_run=True)
    text = next(f.text for f in gen.files if f.path == "svc/Dockerfile")
    lines = text.splitlines()
    assert lines.index("COPY pylock.toml ./") < lines.index("RUN pip install flask==3.0.3") < lines.index("COPY . .")
