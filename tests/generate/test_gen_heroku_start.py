"""Heroku-style starts that must run in the image as written: a `$PORT` the image sets, and a celery
beat whose schedule file goes where the image's user may write."""

from __future__ import annotations

from pathlib import Path

from matrixhell.generate import generate


def _repo(tmp_path: Path, procfile: str) -> Path:
    app = tmp_path / "repo" / "app"
    app.mkdir(parents=True)
    (app / "requirements.txt").write_text("flask==3.0.0\ngunicorn==22.0.0\ncelery==5.4.0\n")
    (app / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (app / "Procfile").write_text(procfile)
    return tmp_path / "repo"


def _dockerfile(repo: Path) -> str:
    gen, _ = generate(repo, dry_run=True)
    return next(f.text for f in gen.files if f.path == "app/Dockerfile")


def test_a_start_reading_port_from_the_environment_gets_it_set_in_the_image(tmp_path: Path) -> None:
    text = _dockerfile(_repo(tmp_path, "web: gunicorn app:app --bind 0.0.0.0:$PORT\n"))
    assert "ENV PORT=8000" in text
    assert 'CMD ["/bin/sh", "-c", "gunicorn app:app --bind 0.0.0.0:$PORT"]' in text
    plain = _dockerfile(_repo(tmp_path / "b", "web: gunicorn app:app --bind 0.0.0.0:8000\n"))
    assert "PORT=" not in plain


def test_celery_beat_keeps_its_schedule_in_tmp(tmp_path: Path) -> None:
    text = _dockerfile(_repo(tmp_path, "clock: celery -A app beat --loglevel=info\n"))
    assert "celery -A app beat --loglevel=info --schedule /tmp/celerybeat-schedule" in text
    own = _dockerfile(_repo(tmp_path / "b", "clock: celery -A app beat -s /var/run/beat/schedule\n"))
    assert "/tmp/celerybeat-schedule" not in own
