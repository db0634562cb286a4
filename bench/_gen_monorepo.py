"""Generate a synthetic monorepo for the scan benchmark: N services over several ecosystems, with
source files and node_modules / .venv noise that a scan must skip.  Deterministic for a given seed."""

from __future__ import annotations

import json
import random
from pathlib import Path

__all__ = ["generate"]

_PY_PACKAGES = ["django", "flask", "fastapi", "celery", "requests", "psycopg2-binary", "pillow", "lxml",
                "numpy", "pandas", "sqlalchemy", "redis", "pydantic", "uvicorn", "gunicorn", "boto3"]
_NPM_PACKAGES = ["express", "react", "next", "lodash", "axios", "pg", "bcrypt", "sharp", "zod", "dotenv"]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def generate(root: Path, services: int = 1000, seed: int = 7) -> int:
    """Write the repo under ``root``; returns the number of files written."""
    rng = random.Random(seed)
    count = 0
    for i in range(services):
        kind = ("python", "node", "go", "pyproject")[i % 4]
        svc = root / "services" / f"svc-{i:04d}"
        if kind == "python":
            reqs = rng.sample(_PY_PACKAGES, 6)
            lines = (f"{p}>={rng.randint(1, 5)}.{rng.randint(0, 9)}\n" for p in reqs)
            _write(svc / "requirements.txt", "".join(lines))
            _write(svc / ".python-version", f"3.{rng.choice([9, 10, 11, 12])}\n")
            _write(svc / "Procfile", "web: gunicorn app:app --bind 0.0.0.0:8000\n")
            count += 3
        elif kind == "pyproject":
            deps = ", ".join(f'"{p}>=1.0"' for p in rng.sample(_PY_PACKAGES, 5))
            _write(svc / "pyproject.toml",
                   f'[project]\nname = "svc-{i}"\nversion = "1.0"\nrequires-python = ">=3.10"\n'
                   f"dependencies = [{deps}]\n")
            _write(svc / "Dockerfile",
                   'FROM python:3.11-slim\nCOPY . /app\nEXPOSE 8000\nCMD ["python", "-m", "app"]\n')
            count += 2
        elif kind == "node":
            deps = {p: f"^{rng.randint(1, 9)}.0.0" for p in rng.sample(_NPM_PACKAGES, 5)}
            _write(svc / "package.json", json.dumps(
                {"name": f"svc-{i}", "version": "1.0.0", "engines": {"node": ">=18"},
                 "scripts": {"start": "node index.js"}, "dependencies": deps}, indent=2))
            lock = {"name": f"svc-{i}", "lockfileVersion": 3, "packages": {
                "": {"dependencies": deps}, **{f"node_modules/{p}": {"version": v[1:]} for p, v in deps.items()}}}
            _write(svc / "package-lock.json", json.dumps(lock, indent=2))
            count += 2
            for p in deps:  # node_modules noise the scan must skip
                for k in range(16):
                    _write(svc / "node_modules" / p / f"lib{k}.js", "module.exports = 1;\n")
                _write(svc / "node_modules" / p / "package.json", json.dumps({"name": p, "version": "1.0.0"}))
                count += 17
        else:
            _write(svc / "go.mod",
                   f"module example.com/svc{i}\n\ngo 1.22\n\nrequire github.com/go-chi/chi/v5 v5.0.12\n")
            _write(svc / "main.go", "package main\n\nfunc main() {}\n")
            count += 2
        for k in range(8):  # source files
            _write(svc / "src" / f"mod{k}.txt", f"source {i} {k}\n")
            count += 1
        if i % 10 == 0:
            for k in range(20):
                _write(svc / ".venv" / "lib" / f"f{k}.py", "x = 1\n")
                count += 1
    return count
