"""Procfile processes: DNS-safe service names, indented lines as findings, ports from their own command,
and no web healthcheck carried to a process of its compose service."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from matrixhell.detect.procfile import command_ports, parse_procfile
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.scan import load_detectors, scan_repo
from matrixhell.model import Origin, ScanResult, StartCommand

REQS = "flask==3.0.3\ngunicorn==22.0.0\ncelery==5.4.0\n"
APP = "from flask import Flask\n\napp = Flask(__name__)\n"
PROCFILE = (
    "web: gunicorn app:app --bind 0.0.0.0:$PORT\n"
    "admin: gunicorn app:app --bind 0.0.0.0:9000\n"
    "clock: celery -A app beat\n"
    "Worker_2: celery -A app worker\n"
    "  indented: x\n"
)


def scan(files: Mapping[str, str]) -> ScanResult:
    return scan_repo(MemoryRepoView(files), detectors=load_detectors())


def test_an_indented_line_is_no_process_but_a_finding_at_its_line() -> None:
    starts, findings = parse_procfile(PROCFILE, "Procfile")
    assert [s.source for s in starts] == ["procfile-web", "procfile-admin", "procfile-clock", "procfile-Worker_2"]
    assert [(f.code, str(f.origin)) for f in findings] == [("procfile-indented", "Procfile:5")]


def test_one_dns_safe_name_per_process_and_ports_from_its_command() -> None:
    r = scan({"api/Procfile": PROCFILE, "api/requirements.txt": REQS, "api/app.py": APP})
    assert sorted(s.name for s in r.services) == ["api", "api-admin", "api-clock", "api-worker-2"]
    assert r.service("api-worker-2").process == "Worker_2"
    assert [p.number for p in r.service("api-admin").ports] == [9000]
    assert str(r.service("api-admin").ports[0].origin) == "api/Procfile:2"
    assert r.service("api-clock").ports == () and r.service("api-worker-2").ports == ()
    assert any(f.code == "procfile-indented" and str(f.origin) == "api/Procfile:5" for f in r.all_findings())


@pytest.mark.parametrize(
    ("command", "ports"),
    [
        ("gunicorn app:app --bind 0.0.0.0:9000", [9000]),
        ("gunicorn -b :8001 app:app", [8001]),
        ("gunicorn --bind=127.0.0.1:8002 app:app", [8002]),
        ("uvicorn app:app --host 0.0.0.0 --port 8003", [8003]),
        ("uvicorn app:app --port=8004", [8004]),
        ("hypercorn app:app --bind [::]:8005", [8005]),
        ("daphne -b 0.0.0.0 -p 8006 proj.asgi:application", [8006]),
        ("waitress-serve --listen=*:8007 app:app", [8007]),
        ("bundle exec rails s -p 3000", [3000]),
        ("PORT=3001 node server.js", [3001]),
        ("gunicorn app:app --bind 0.0.0.0:$PORT", []),
        ("gunicorn --bind unix:/tmp/app.sock app:app", []),
        ("celery -A app worker -P gevent", []),
    ],
)
def test_ports_a_command_names(command: str, ports: list[int]) -> None:
    start = StartCommand(Origin("Procfile", 1), "procfile-x", shell=command)
    assert [p.number for p in command_ports(start)] == ports


COMPOSE = """\
services:
  api:
    build: ./api
    ports: ["8000:8000"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://127.0.0.1:8000/"]
      interval: 10s
"""


def test_a_process_beside_a_compose_service_gets_none_of_its_healthcheck() -> None:
    r = scan({"compose.yaml": COMPOSE, "api/Procfile": "web: gunicorn app:app\nclock: celery -A app beat\n",
              "api/requirements.txt": REQS, "api/app.py": APP})
    clock = r.service("api-clock")
    assert clock.compose is not None
    assert clock.compose.healthcheck_test == () and clock.compose.healthcheck_options == ()
    api = r.service("api")
    assert api.compose is not None and api.compose.healthcheck_test
