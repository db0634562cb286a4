"""Generate a synthetic monorepo for the scan benchmark: N services over several ecosystems, with
source files, tests, docs and node_modules / .venv noise that a scan must skip.  Deterministic for a
given seed.  At the default 1,000 services it writes about 50,000 files."""

from __future__ import annotations

import json
import random
from pathlib import Path

__all__ = ["generate"]

_PY_PACKAGES = ["django", "flask", "fastapi", "celery", "requests", "psycopg2-binary", "pillow", "lxml",
                "numpy", "pandas", "sqlalchemy", "redis", "pydantic", "uvicorn", "gunicorn", "boto3"]
_NPM_PACKAGES = ["express", "react", "next", "lodash", "axios", "pg", "bcrypt", "sharp", "zod", "dotenv"]


class _Writer:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.count += 1


def _python_sources(write: _Writer, svc: Path, i: int, framework: str | None) -> None:
    app = svc / "app"
    write(app / "__init__.py", "")
    if framework == "flask":
        write(app / "main.py", "from flask import Flask\n\napp = Flask(__name__)\n\n\n"
              "@app.get('/')\ndef index():\n    return 'ok'\n")
    elif framework == "fastapi":
        write(app / "main.py", "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
              "@app.get('/')\nasync def index():\n    return {'ok': True}\n")
    else:
        write(app / "main.py", f"def main() -> None:\n    print('svc {i}')\n")
    for k in range(8):
        write(app / f"mod{k}.py", f"VALUE = {i * 10 + k}\n\n\ndef f{k}(x: int) -> int:\n    return x + VALUE\n")
    for k in range(3):
        write(svc / "tests" / f"test_mod{k}.py", f"from app.mod{k} import f{k}\n\n\n"
              f"def test_f{k}() -> None:\n    assert f{k}(0) >= 0\n")


def generate(root: Path, services: int = 1000, seed: int = 7) -> int:
    """Write the repo under ``root``; returns the number of files written."""
    rng = random.Random(seed)
    write = _Writer()
    write(root / "README.md", f"# monorepo\n\n{services} services.\n")
    write(root / ".gitignore", "*.log\n/build/\n")
    for i in range(services):
        kind = ("python", "node", "go", "pyproject")[i % 4]
        svc = root / "services" / f"svc-{i:04d}"
        write(svc / "README.md", f"# svc-{i:04d}\n")
        if kind == "python":
            reqs = rng.sample(_PY_PACKAGES, 6)
            lines = (f"{p}>={rng.randint(1, 5)}.{rng.randint(0, 9)}\n" for p in reqs)
            write(svc / "requirements.txt", "".join(lines))
            write(svc / ".python-version", f"3.{rng.choice([9, 10, 11, 12])}\n")
            write(svc / "Procfile", "web: gunicorn app.main:app --bind 0.0.0.0:8000\n")
            framework = next((p for p in reqs if p in ("flask", "fastapi")), None)
            _python_sources(write, svc, i, framework)
        elif kind == "pyproject":
            picked = rng.sample(_PY_PACKAGES, 5)
            deps = ", ".join(f'"{p}>=1.0"' for p in picked)
            write(svc / "pyproject.toml",
                  f'[project]\nname = "svc-{i}"\nversion = "1.0"\nrequires-python = ">=3.10"\n'
                  f"dependencies = [{deps}]\n")
            write(svc / "Dockerfile",
                  'FROM python:3.11-slim\nCOPY . /app\nEXPOSE 8000\nCMD ["python", "-m", "app"]\n')
            framework = next((p for p in picked if p in ("flask", "fastapi")), None)
            _python_sources(write, svc, i, framework)
        elif kind == "node":
            npm = {p: f"^{rng.randint(1, 9)}.0.0" for p in rng.sample(_NPM_PACKAGES, 5)}
            write(svc / "package.json", json.dumps(
                {"name": f"svc-{i}", "version": "1.0.0", "engines": {"node": ">=18"},
                 "scripts": {"start": "node index.js"}, "dependencies": npm}, indent=2))
            lock = {"name": f"svc-{i}", "lockfileVersion": 3, "packages": {
                "": {"dependencies": npm}, **{f"node_modules/{p}": {"version": v[1:]} for p, v in npm.items()}}}
            write(svc / "package-lock.json", json.dumps(lock, indent=2))
            write(svc / "index.js", "require('./src/server').start();\n")
            for k in range(8):
                write(svc / "src" / f"mod{k}.js", f"module.exports = {{ v: {i * 10 + k} }};\n")
            for p in npm:  # node_modules noise the scan must skip
                for k in range(25):
                    write(svc / "node_modules" / p / "lib" / f"lib{k}.js", "module.exports = 1;\n")
                write(svc / "node_modules" / p / "package.json", json.dumps({"name": p, "version": "1.0.0"}))
        else:
            write(svc / "go.mod",
                  f"module example.com/svc{i}\n\ngo 1.22\n\nrequire github.com/go-chi/chi/v5 v5.0.12\n")
            write(svc / "main.go", "package main\n\nfunc main() {}\n")
            for k in range(8):
                write(svc / "internal" / "core" / f"core{k}.go", f"package core\n\nconst V{k} = {i}\n")
            write(svc / "internal" / "core" / "core_test.go", "package core\n")
        if i % 10 == 0:  # a developer's virtualenv left in the tree
            for k in range(30):
                write(svc / ".venv" / "lib" / "python3.11" / "site-packages" / f"f{k}.py", "x = 1\n")
    return write.count
