"""Whatever a manifest holds, a detector returns a Detection (findings for what it cannot read)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matrixhell.detect import registry
from matrixhell.detect.base import DetectContext
from matrixhell.detect.repoview import MemoryRepoView

FILES = {
    "node": ["package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", ".nvmrc"],
    "go": ["go.mod", "go.work", "main.go"],
    "ruby": ["Gemfile", "Gemfile.lock", ".ruby-version", "config.ru"],
    "java": ["pom.xml", "build.gradle", "build.gradle.kts", "gradle/libs.versions.toml"],
    "dotnet": ["App.csproj", "global.json", "packages.lock.json", "Directory.Build.props"],
    "php": ["composer.json", "composer.lock"],
    "rust": ["Cargo.toml", "Cargo.lock", "rust-toolchain", "rust-toolchain.toml"],
}

# text that looks a little like the formats: their punctuation, keywords and quotes
_alphabet = st.sampled_from(
    [
        *"{}[]()\":,=\n \t#/\\'`<>!@^~*|.-_0123456789abcgmoqrstvxyz",
        "require ",
        "gem ",
        "group ",
        " do\n",
        "end\n",
        "version ",
        "dependencies",
        "<project>",
        "</project>",
        "[package]",
        "[[package]]",
        "lockfileVersion",
        "packages:",
        "  ",
        "    ",
        "implementation ",
        "use ",
        "go ",
    ]
)
_content = st.lists(_alphabet, max_size=80).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(FILES)), data=st.data())
def test_detectors_never_raise(name: str, data: st.DataObject) -> None:
    det = registry.load(name)
    files = {f: data.draw(_content, label=f) for f in FILES[name]}
    view = MemoryRepoView(files)
    d = det.detect(DetectContext(view, "", frozenset(n for n in view.listdir("") if view.is_file(n))))
    assert d.detector == name
    for f in d.findings:
        assert f.code and f.message


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_KEYS = {
    "package.json": [
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "engines",
        "scripts",
        "main",
        "packageManager",
        "volta",
        "workspaces",
        "name",
    ],
    "package-lock.json": ["lockfileVersion", "packages", "dependencies"],
    "composer.json": ["require", "require-dev", "config", "name"],
    "composer.lock": ["packages", "packages-dev"],
    "global.json": ["sdk"],
    "packages.lock.json": ["version", "dependencies"],
}
_OWNER = {
    "package.json": "node",
    "package-lock.json": "node",
    "composer.json": "php",
    "composer.lock": "php",
    "global.json": "dotnet",
    "packages.lock.json": "dotnet",
}
_MARKER = {"node": "package.json", "php": "composer.json", "dotnet": "App.csproj"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=st.sampled_from(sorted(_KEYS)), data=st.data())
def test_wrong_shapes_in_json_manifests_are_findings_not_crashes(file: str, data: st.DataObject) -> None:
    import json

    doc = {k: data.draw(_json, label=k) for k in data.draw(st.lists(st.sampled_from(_KEYS[file]), max_size=4))}
    for nested in ("dependencies", "packages", "require", "sdk"):
        if nested in doc and data.draw(st.booleans()):
            doc[nested] = {data.draw(st.text(max_size=5)): data.draw(_json)}
    owner = _OWNER[file]
    files = {file: json.dumps(doc)}
    files.setdefault(_MARKER[owner], "{}" if owner != "dotnet" else "<Project/>")
    view = MemoryRepoView(files)
    det = registry.load(owner)
    d = det.detect(DetectContext(view, "", frozenset(view.listdir(""))))
    assert d.detector == owner
