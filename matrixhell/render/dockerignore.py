"""The .dockerignore of a build context: VCS, local environments, caches, secrets, generated files."""

from __future__ import annotations

from matrixhell.render._templates import environment
from matrixhell.render.marker import header

__all__ = ["dockerignore_sections", "render_dockerignore"]

_COMMON: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("version control", (".git", ".gitattributes", ".hg", ".svn")),
    ("secrets: pass them at run time, never bake them into a layer", (
        "**/*.key", "**/*.p12", "**/*.pem", "**/.env", "**/.env.*", "**/.npmrc", "**/.pypirc",
        "**/id_ed25519*", "**/id_rsa*", ".aws", ".docker", ".ssh", "!**/.env.example",
    )),
    ("editors and operating systems", ("**/*.swp", "**/.DS_Store", ".idea", ".vscode")),
)

_RUNTIME: dict[str, tuple[str, ...]] = {
    "python": ("**/*.py[cod]", "**/__pycache__", ".coverage", ".mypy_cache", ".nox", ".pytest_cache",
               ".ruff_cache", ".tox", ".venv", "htmlcov", "venv", "*.egg-info"),
    "node": ("**/node_modules", ".cache", ".eslintcache", ".next/cache", ".npm", ".nyc_output",
             ".parcel-cache", ".yarn/cache", "coverage", "npm-debug.log*", "yarn-error.log*"),
    "go": ("**/*.test", "bin", "coverage.out"),
    "rust": ("target",),
    "java": ("**/*.class", ".gradle", ".mvn/wrapper/maven-wrapper.jar", "build", "target"),
    "dotnet": ("**/bin", "**/obj", "*.user", ".vs", "TestResults"),
    "php": (".phpunit.cache", ".phpunit.result.cache", "vendor"),
    "ruby": (".bundle", "coverage", "log/*", "tmp/*", "vendor/bundle"),
}


def dockerignore_sections(runtime: str | None, generated: tuple[str, ...]
                          ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    sections = list(_COMMON)
    if runtime in _RUNTIME:
        sections.append((f"{runtime}: local environments, caches and build output the image rebuilds",
                         tuple(sorted(_RUNTIME[runtime]))))
    own = tuple(sorted(set(generated)))
    if own:
        sections.append(("files matrixhell generates: not part of the image", own))
    return tuple(sections)


def render_dockerignore(runtime: str | None, generated: tuple[str, ...] = ()) -> str:
    """``generated`` lists the context-relative paths of generated files (Dockerfile, compose, k8s/...)."""
    return environment().get_template("dockerignore.j2").render(
        header=header(), sections=dockerignore_sections(runtime, generated))
