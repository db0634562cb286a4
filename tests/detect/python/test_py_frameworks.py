"""Frameworks from dependencies; start commands and ports read from the code with ast."""

from __future__ import annotations

from matrixhell.detect.base import DetectContext
from matrixhell.detect.python import PythonDetector
from matrixhell.detect.repoview import MemoryRepoView


def run(files: dict[str, str | bytes], directory: str = "svc"):
    full = {f"{directory}/{k}": v for k, v in files.items()}
    names = frozenset(k for k in files if "/" not in k)
    return PythonDetector().detect(DetectContext(view=MemoryRepoView(full), directory=directory, files=names))


def test_frameworks_from_parsed_dependencies():
    d = run(
        {
            "requirements.txt": "Django>=4\ncelery[redis]\ngunicorn\nflask-cors\n",
            "requirements-dev.txt": "fastapi\n",
        }
    )
    assert d.frameworks == ("django", "celery", "gunicorn")  # flask-cors is not flask; dev deps do not count
    assert d.languages == ("python",)


DJANGO = {
    "requirements.txt": "django==4.2\ngunicorn\n",
    "manage.py": (
        "#!/usr/bin/env python\nimport os, sys\n\ndef main():\n"
        "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings.production')\n"
    ),
    "shop/__init__.py": "",
    "shop/settings/__init__.py": "",
    "shop/settings/production.py": "DEBUG = False\nWSGI_APPLICATION = 'shop.wsgi.application'\n",
    "shop/wsgi.py": "application = None\n",
}


def test_django_start_command_from_settings():
    d = run(DJANGO)
    (cmd,) = d.start_commands
    assert cmd.argv == ("gunicorn", "shop.wsgi", "--bind", "0.0.0.0:8000")
    assert (cmd.source, str(cmd.origin)) == ("django", "svc/shop/settings/production.py:2")
    (port,) = d.ports
    assert (port.number, port.source) == (8000, "gunicorn-default")
    assert d.findings == ()


def test_django_without_gunicorn_warns():
    files = dict(DJANGO, **{"requirements.txt": "django\n"})
    d = run(files)
    assert [c.argv[0] for c in d.start_commands] == ["gunicorn"]
    assert [f.code for f in d.findings] == ["start-server-missing"]


def test_django_falls_back_to_wsgi_beside_settings():
    d = run(
        {
            "requirements.txt": "django\ngunicorn\n",
            "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site1.settings')\n",
            "site1/settings.py": "DEBUG = True\n",
            "site1/wsgi.py": "",
        }
    )
    assert [c.argv[1] for c in d.start_commands] == ["site1.wsgi"]


def test_fastapi_app_found_by_ast():
    d = run(
        {
            "requirements.txt": "fastapi\nuvicorn[standard]\n",
            "app/__init__.py": "",
            "app/main.py": "from fastapi import FastAPI\n\n\napi = FastAPI(title='x')\n",
        }
    )
    (cmd,) = d.start_commands
    assert cmd.argv == ("uvicorn", "app.main:api", "--host", "0.0.0.0", "--port", "8000")
    assert (cmd.source, str(cmd.origin)) == ("fastapi-uvicorn", "svc/app/main.py:4")
    assert [(p.number, p.source) for p in d.ports] == [(8000, "uvicorn-default")]


def test_starlette_with_module_import_and_src_layout():
    d = run(
        {
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["starlette", "uvicorn"]\n',
            "src/svcpkg/asgi.py": "import starlette.applications as sa\nimport starlette.applications\n"
            "app = starlette.applications.Starlette()\n",
        }
    )
    assert [c.argv[1] for c in d.start_commands] == ["svcpkg.asgi:app"]


def test_flask_app_and_factory():
    d = run(
        {
            "requirements.txt": "flask\ngunicorn\n",
            "wsgi.py": "from flask import Flask\napp = Flask(__name__)\n",
        }
    )
    assert [c.argv for c in d.start_commands] == [("gunicorn", "wsgi:app", "--bind", "0.0.0.0:8000")]
    d = run(
        {
            "requirements.txt": "flask\ngunicorn\n",
            "app.py": "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
        }
    )
    assert [c.argv[1] for c in d.start_commands] == ["app:create_app()"]


def test_commented_or_nested_app_is_not_taken():
    d = run(
        {
            "requirements.txt": "fastapi\nuvicorn\n",
            "main.py": "from fastapi import FastAPI\n# app = FastAPI()\ndef f():\n    app = FastAPI()\n",
        }
    )
    assert d.start_commands == ()
    assert d.ports == ()


def test_class_not_imported_from_framework_is_ignored():
    d = run({"requirements.txt": "fastapi\n", "main.py": "class FastAPI: ...\napp = FastAPI()\n"})
    assert d.start_commands == ()


def test_celery_worker():
    d = run({"requirements.txt": "celery\n", "tasks.py": "from celery import Celery\ncelery = Celery('tasks')\n"})
    (cmd,) = d.start_commands
    assert cmd.argv == ("celery", "-A", "tasks", "worker", "--loglevel=INFO")
    assert cmd.source == "celery-worker"
    assert d.ports == ()


def test_web_command_ranks_before_worker():
    d = run(
        {
            "requirements.txt": "fastapi\nuvicorn\ncelery\n",
            "main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "worker.py": "from celery import Celery\napp = Celery()\n",
        }
    )
    assert [c.source for c in d.start_commands] == ["fastapi-uvicorn", "celery-worker"]


def test_unparsable_module_is_skipped():
    d = run({"requirements.txt": "flask\n", "app.py": "def (:\n", "main.py": b"\xff\xfe"})
    assert d.start_commands == ()
    assert d.findings == ()
