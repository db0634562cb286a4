"""Frameworks from the dependency list, and the start command read from the code with ast.

Frameworks come from normalized package names (a parser's output, never a substring of a file).  The
start command needs the module that holds the application, so a few likely modules are parsed (never
imported): ``app = FastAPI(...)`` at module level, ``app = Flask(__name__)``, ``def create_app()``
returning one, ``app = Celery(...)``; for Django, manage.py's ``DJANGO_SETTINGS_MODULE`` and the
settings module's ``WSGI_APPLICATION``.  The port is the server's default (8000), noted as such.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from matrixhell.detect.base import DetectContext
from matrixhell.detect.python._common import Findings
from matrixhell.model import Origin, PackageReq, Port, Scope, Severity, StartCommand

__all__ = [
    "DEFAULT_PORT",
    "FRAMEWORKS",
    "PRECEDENCE_WEB",
    "PRECEDENCE_WORKER",
    "AppSite",
    "find_apps",
    "frameworks_of",
    "start_commands",
]

DEFAULT_PORT = 8000  # gunicorn's and uvicorn's default; we bind it on 0.0.0.0

#: start-command precedence (lower wins): after compose (10), Procfile web (20) and a Dockerfile's CMD
#: (30), before package.json start (40)
PRECEDENCE_WEB = 35
PRECEDENCE_WORKER = 39

#: normalized package name -> framework label, in display order
FRAMEWORKS: dict[str, str] = {
    "django": "django",
    "djangorestframework": "django-rest-framework",
    "channels": "django-channels",
    "flask": "flask",
    "fastapi": "fastapi",
    "starlette": "starlette",
    "litestar": "litestar",
    "quart": "quart",
    "sanic": "sanic",
    "aiohttp": "aiohttp",
    "tornado": "tornado",
    "pyramid": "pyramid",
    "bottle": "bottle",
    "falcon": "falcon",
    "streamlit": "streamlit",
    "celery": "celery",
    "dramatiq": "dramatiq",
    "rq": "rq",
    "gunicorn": "gunicorn",
    "uvicorn": "uvicorn",
    "hypercorn": "hypercorn",
    "daphne": "daphne",
    "waitress": "waitress",
}

#: (module, class) -> kind of application
_APP_CLASSES: dict[tuple[str, str], str] = {
    ("fastapi", "FastAPI"): "asgi",
    ("starlette.applications", "Starlette"): "asgi",
    ("starlette", "Starlette"): "asgi",
    ("litestar", "Litestar"): "asgi",
    ("quart", "Quart"): "asgi",
    ("flask", "Flask"): "wsgi",
    ("celery", "Celery"): "celery",
}

_CANDIDATE_FILES = (
    "main.py",
    "app.py",
    "asgi.py",
    "wsgi.py",
    "server.py",
    "api.py",
    "application.py",
    "__init__.py",
    "celery.py",
    "worker.py",
    "tasks.py",
)
_SKIP_DIRS = frozenset(
    {
        "tests",
        "test",
        "docs",
        "doc",
        "migrations",
        "scripts",
        "node_modules",
        "static",
        "templates",
        "venv",
        ".venv",
        "build",
        "dist",
    }
)
_MAX_FILES = 60


def frameworks_of(packages: Iterable[PackageReq]) -> tuple[str, ...]:
    names = {p.name for p in packages if p.direct and p.scope in (Scope.MAIN, Scope.OPTIONAL)}
    return tuple(label for name, label in FRAMEWORKS.items() if name in names)


@dataclass(frozen=True, slots=True)
class AppSite:
    """An application object found in a module: ``app`` of kind asgi/wsgi/celery, or a factory."""

    module: str  # dotted, importable from the service directory (``src/`` stripped)
    attr: str
    kind: str  # asgi | wsgi | celery
    framework: str  # fastapi | flask | ...
    origin: Origin
    factory: bool = False


def _module_name(rel: str) -> str:
    parts = rel[:-3].split("/")
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _candidates(ctx: DetectContext) -> list[str]:
    """Service-relative .py paths worth parsing, most likely first."""
    view = ctx.view
    top = sorted(
        n
        for n in ctx.files
        if n.endswith(".py") and n not in ("setup.py", "conftest.py", "manage.py") and not n.startswith("test_")
    )
    preferred = [n for n in _CANDIDATE_FILES if n in top]
    out = preferred + [n for n in top if n not in preferred]

    def scan(rel_dir: str, depth: int) -> None:
        for name in view.listdir(ctx.path(rel_dir)):
            if name.startswith((".", "_")) or name in _SKIP_DIRS:
                continue
            sub = f"{rel_dir}/{name}"
            if not view.is_dir(ctx.path(sub)):
                continue
            for f in _CANDIDATE_FILES:
                if view.is_file(ctx.path(f"{sub}/{f}")):
                    out.append(f"{sub}/{f}")
            if depth > 0:
                scan(sub, depth - 1)

    for name in ctx.view.listdir(ctx.directory):
        if name.startswith((".", "_")) or name in _SKIP_DIRS or not view.is_dir(ctx.path(name)):
            continue
        for f in _CANDIDATE_FILES:
            if view.is_file(ctx.path(f"{name}/{f}")):
                out.append(f"{name}/{f}")
        if name == "src":
            scan("src", 0)
    return out[:_MAX_FILES]


_CLASS_WORDS = tuple(sorted({cls for _, cls in _APP_CLASSES}))
_APP_PACKAGES = frozenset(mod.split(".")[0] for mod, _ in _APP_CLASSES)


def _parse(ctx: DetectContext, rel: str) -> ast.Module | None:
    try:
        text = ctx.view.read_text(ctx.path(rel))
        # a cheap pre-check so most modules are not parsed; ast decides what the text means
        if not any(word in text for word in _CLASS_WORDS):
            return None
        return ast.parse(text)
    except Exception:  # source code, not a manifest: an unreadable module just offers no app
        return None


def _class_names(tree: ast.Module) -> dict[str, tuple[str, str]]:
    """Local names (``FastAPI``, ``fastapi.FastAPI``) -> the (module, class) of _APP_CLASSES they denote."""
    out: dict[str, tuple[str, str]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module:
            for alias in stmt.names:
                key = (stmt.module, alias.name)
                if key in _APP_CLASSES:
                    out[alias.asname or alias.name] = key
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                for mod, cls in _APP_CLASSES:
                    if alias.name == mod:
                        out[f"{alias.asname or alias.name}.{cls}"] = (mod, cls)
    return out


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def find_apps(ctx: DetectContext) -> list[AppSite]:
    sites: list[AppSite] = []
    for rel in _candidates(ctx):
        tree = _parse(ctx, rel)
        if tree is None:
            continue
        classes = _class_names(tree)
        if not classes:
            continue
        module = _module_name(rel)
        path = ctx.path(rel)
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
                key = classes.get(_dotted(stmt.value.func) or "")
                if key is None:
                    continue
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        sites.append(
                            AppSite(
                                module,
                                target.id,
                                _APP_CLASSES[key],
                                key[0].split(".")[0],
                                Origin(path, stmt.lineno),
                            )
                        )
            elif isinstance(stmt, ast.FunctionDef) and stmt.name in ("create_app", "make_app", "app_factory"):
                for node in ast.walk(stmt):
                    if isinstance(node, ast.Call):
                        key = classes.get(_dotted(node.func) or "")
                        if key is not None and _APP_CLASSES[key] != "celery":
                            sites.append(
                                AppSite(
                                    module,
                                    stmt.name,
                                    _APP_CLASSES[key],
                                    key[0].split(".")[0],
                                    Origin(path, stmt.lineno),
                                    factory=True,
                                )
                            )
                            break
    return sites


def _django_settings(ctx: DetectContext) -> tuple[str, Origin] | None:
    """DJANGO_SETTINGS_MODULE as manage.py sets it."""
    path = ctx.path("manage.py")
    try:
        tree = ast.parse(ctx.view.read_text(path))
    except Exception:  # as in _parse
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len(node.args) >= 2:
            a, b = node.args[0], node.args[1]
            if (
                isinstance(a, ast.Constant)
                and a.value == "DJANGO_SETTINGS_MODULE"
                and isinstance(b, ast.Constant)
                and isinstance(b.value, str)
            ):
                return b.value, Origin(path, node.lineno)
    return None


def _django_wsgi(ctx: DetectContext, settings: str) -> tuple[str, Origin] | None:
    """The WSGI module: settings' WSGI_APPLICATION, else ``<project>/wsgi.py`` beside the settings."""
    rel = settings.replace(".", "/")
    files = [f"{rel}.py", f"{rel}/__init__.py", f"{rel}/base.py", f"{rel}/common.py", f"{rel}/production.py"]
    for f in files:
        if not ctx.view.is_file(ctx.path(f)):
            continue
        try:
            tree = ast.parse(ctx.view.read_text(ctx.path(f)))
        except Exception:  # as in _parse
            continue
        for stmt in tree.body:
            if (
                isinstance(stmt, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "WSGI_APPLICATION" for t in stmt.targets)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                module = stmt.value.value.rpartition(".")[0]
                return module, Origin(ctx.path(f), stmt.lineno)
    project = settings.split(".")[0]
    wsgi = f"{project}/wsgi.py"
    if ctx.view.is_file(ctx.path(wsgi)):
        return f"{project}.wsgi", Origin(ctx.path(wsgi), 1)
    return None


def _find_django(ctx: DetectContext) -> tuple[str, Origin] | None:
    found = _django_settings(ctx)
    if found is not None:
        return _django_wsgi(ctx, found[0]) or None
    for name in ctx.view.listdir(ctx.directory):  # no DJANGO_SETTINGS_MODULE: a package with both files
        if ctx.view.is_file(ctx.path(f"{name}/wsgi.py")) and ctx.view.is_file(ctx.path(f"{name}/settings.py")):
            return f"{name}.wsgi", Origin(ctx.path(f"{name}/wsgi.py"), 1)
    return None


def start_commands(
    ctx: DetectContext, packages: Iterable[PackageReq], sink: Findings
) -> tuple[list[StartCommand], list[Port]]:
    names = {p.name for p in packages if p.direct}
    commands: list[StartCommand] = []
    ports: list[Port] = []
    bind = f"0.0.0.0:{DEFAULT_PORT}"
    if "django" in names and ctx.has("manage.py"):
        found = _find_django(ctx)
        if found is None:
            sink.add(
                "django-no-wsgi",
                Severity.INFO,
                "Django project without a WSGI module the scan can find",
                Origin(ctx.path("manage.py")),
                "set WSGI_APPLICATION in the settings module",
            )
        else:
            module, origin = found
            commands.append(
                StartCommand(origin, "django", ("gunicorn", module, "--bind", bind), precedence=PRECEDENCE_WEB)
            )
            ports.append(Port(DEFAULT_PORT, origin=origin, source="gunicorn-default"))
            if "gunicorn" not in names:
                sink.add(
                    "start-server-missing",
                    Severity.WARNING,
                    "the start command runs gunicorn, which is not among the dependencies",
                    origin,
                    "add gunicorn to the requirements",
                )
    web = 0
    sites = find_apps(ctx) if names & _APP_PACKAGES else []
    for site in sites:
        target = f"{site.module}:{site.attr}" + ("()" if site.factory and site.kind == "wsgi" else "")
        if site.kind == "celery":
            commands.append(
                StartCommand(
                    site.origin,
                    "celery-worker",
                    ("celery", "-A", site.module, "worker", "--loglevel=INFO"),
                    precedence=PRECEDENCE_WORKER,
                )
            )
            continue
        if commands and any(c.source == "django" for c in commands):
            continue  # the Django project is the web process
        if site.kind == "asgi":
            argv: tuple[str, ...] = ("uvicorn", target, "--host", "0.0.0.0", "--port", str(DEFAULT_PORT))
            if site.factory:
                argv = (*argv, "--factory")
            server, source = "uvicorn", f"{site.framework}-uvicorn"
        else:
            argv = ("gunicorn", target, "--bind", bind)
            server, source = "gunicorn", f"{site.framework}-gunicorn"
        commands.append(
            StartCommand(site.origin, source, argv, precedence=min(PRECEDENCE_WEB + web, PRECEDENCE_WORKER - 1))
        )
        if web == 0:
            ports.append(Port(DEFAULT_PORT, origin=site.origin, source=f"{server}-default"))
            if server not in names:
                sink.add(
                    "start-server-missing",
                    Severity.WARNING,
                    f"the start command runs {server}, which is not among the dependencies",
                    site.origin,
                    f"add {server} to the requirements",
                )
        web += 1
    return commands, ports
