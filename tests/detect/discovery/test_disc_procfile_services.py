"""Procfile process types as services: one service per long-running type on the same code and image."""

from __future__ import annotations

from collections.abc import Mapping

from matrixhell.detect.discovery import _same_command
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.scan import load_detectors, scan_repo
from matrixhell.model import Origin, ScanResult, StartCommand

PROCFILE = (
    "web: gunicorn app:app --bind 0.0.0.0:8000\n"
    "# background work\n"
    "worker: celery -A app worker --loglevel=info\n"
    "clock: celery -A app beat\n"
    "release: python manage.py migrate\n"
)
REQS = "flask==3.0.3\ngunicorn==22.0.0\ncelery==5.4.0\n"
APP = "from flask import Flask\n\napp = Flask(__name__)\n"


def scan(files: Mapping[str, str]) -> ScanResult:
    return scan_repo(MemoryRepoView(files), detectors=load_detectors())


def test_each_long_running_type_is_a_service_on_the_web_image() -> None:
    r = scan({"api/Procfile": PROCFILE, "api/requirements.txt": REQS, "api/app.py": APP})
    assert sorted(s.name for s in r.services) == ["api", "api-clock", "api-worker"]
    api, worker, clock = r.service("api"), r.service("api-worker"), r.service("api-clock")
    assert (api.process, api.image_from) == ("web", None)
    assert (worker.process, worker.image_from, worker.discovered_by) == ("worker", "api", "procfile")
    assert (clock.process, clock.image_from) == ("clock", "api")
    # each its own start, at its Procfile line, and nothing else
    assert worker.start is not None and worker.start.display() == "celery -A app worker --loglevel=info"
    assert str(worker.start.origin) == "api/Procfile:3"
    assert [s.source for s in worker.start_commands] == ["procfile-worker"]
    assert clock.start is not None and str(clock.start.origin) == "api/Procfile:4"
    assert api.start is not None and api.start.source == "procfile-web"
    assert all(not (s.source or "").startswith(("procfile-worker", "procfile-clock")) for s in api.start_commands)
    # the same code, runtime and packages; ports only for web
    assert worker.path == api.path == "api"
    assert worker.packages == api.packages and worker.runtimes == api.runtimes
    assert [p.number for p in api.ports] == [8000]
    assert worker.ports == () and clock.ports == ()


def test_release_is_a_task_of_the_web_service_and_a_skip() -> None:
    r = scan({"api/Procfile": PROCFILE, "api/requirements.txt": REQS})
    api = r.service("api")
    assert [(t.source, t.display(), str(t.origin)) for t in api.tasks] == [
        ("procfile-release", "python manage.py migrate", "api/Procfile:5")
    ]
    assert all(s.source != "procfile-release" for x in r.services for s in x.start_commands)
    assert r.service("api-worker").tasks == ()
    (skip,) = [k for k in r.skipped if k.path == "api/Procfile#release"]
    assert "one-off" in skip.reason and "api" in skip.reason
    assert "api-release" not in {s.name for s in r.services}


def test_a_release_only_procfile_makes_no_start() -> None:
    r = scan({"job/Procfile": "release: ./migrate\n", "job/Dockerfile": "FROM alpine:3.20\nCMD [\"./serve\"]\n"})
    (svc,) = r.services
    assert svc.start is not None and svc.start.source != "procfile-release"
    assert [t.shell for t in svc.tasks] == ["./migrate"]


def test_a_compose_service_with_the_same_command_is_not_duplicated() -> None:
    compose = (
        "services:\n"
        "  api:\n    build: ./api\n    ports: ['8000:8000']\n    depends_on: [redis]\n"
        "  worker:\n    build: ./api\n    command: ['celery', '-A', 'app', 'worker', '--loglevel=info']\n"
        "  redis:\n    image: redis:7\n"
    )
    r = scan({"compose.yaml": compose, "api/Procfile": PROCFILE, "api/requirements.txt": REQS})
    assert sorted(s.name for s in r.services) == ["api", "api-clock", "redis", "worker"]
    assert r.service("worker").process == "worker" and r.service("worker").image_from is None
    clock = r.service("api-clock")
    assert clock.image_from == "api" and clock.start is not None and clock.start.display() == "celery -A app beat"
    # the process shares what compose says of its main service, except what runs and listens
    assert clock.compose is not None and clock.compose.depends_on == ("redis",)
    assert clock.compose.command is None and clock.compose.ports == () and clock.ports == ()


def test_names_are_collision_free_and_deterministic() -> None:
    files = {
        "api/Procfile": "web: node server.js\nworker: node worker.js\n",
        "api/package.json": '{"name": "api", "dependencies": {"express": "4.19.2"}}',
        "api-worker/Procfile": "web: node other.js\n",
        "api-worker/package.json": '{"name": "other"}',
    }
    first, second = scan(files), scan(dict(reversed(list(files.items()))))
    assert [s.name for s in first.services] == ["api", "api-worker", "api-worker-2"]
    assert [(s.name, s.path, s.start.display() if s.start else None) for s in first.services] == [
        (s.name, s.path, s.start.display() if s.start else None) for s in second.services
    ]
    assert first.service("api-worker-2").image_from == "api"
    assert first.service("api-worker").image_from is None


def test_a_worker_only_procfile_runs_its_worker() -> None:
    r = scan({"ingest/Procfile": "worker: python -m ingest.loop\n", "ingest/requirements.txt": "celery==5.4.0\n"})
    (svc,) = r.services
    assert svc.process == "worker" and svc.image_from is None
    assert svc.start is not None and svc.start.source == "procfile-worker" and svc.start.precedence == 20
    assert svc.ports == ()


def test_findings_of_the_shared_code_are_reported_once() -> None:
    r = scan({
        "api/Procfile": "web: gunicorn app:app\nworker: celery -A app worker\n",
        "api/requirements.txt": REQS + "not a requirement ===\n",
    })
    codes = [(f.code, f.service) for f in r.all_findings() if f.origin and f.origin.path == "api/requirements.txt"]
    assert codes and {s for _, s in codes} == {"api"}


def test_a_worker_listens_only_where_its_command_says() -> None:
    r = scan({
        "api/Procfile": "web: gunicorn app:app --bind 0.0.0.0:8000\nmetrics: exporter --port 9100\n",
        "api/requirements.txt": REQS,
        "api/Dockerfile": "FROM python:3.12-slim\nEXPOSE 8000 9100\nCMD [\"gunicorn\", \"app:app\"]\n",
    })
    assert sorted(p.number for p in r.service("api").ports) == [8000, 9100]
    assert [p.number for p in r.service("api-metrics").ports] == [9100]


def test_same_command_reads_every_spelling() -> None:
    o = Origin("x", 1)
    base = StartCommand(o, "procfile-worker", shell="celery -A app worker")
    assert _same_command(StartCommand(o, "compose-command", argv=("celery", "-A", "app", "worker")), base)
    assert _same_command(StartCommand(o, "compose-command", argv=("sh", "-c", "exec celery -A app worker")), base)
    assert _same_command(StartCommand(o, "compose-command", shell="  celery  -A app   worker "), base)
    assert not _same_command(StartCommand(o, "compose-command", shell="celery -A app beat"), base)
    assert not _same_command(StartCommand(o, "compose-command", shell=""), StartCommand(o, "x", shell=""))
