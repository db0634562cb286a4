"""Generated images that build and run: no guessed image for an unreadable service, the build script
of a Node package, start commands whose executable and entry file exist, Gradle's runnable layouts,
git for VCS requirements, a context that holds an outside include."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from genkit import FIXTURES, hadolint, hand_plan, make_service, make_target

from matrixhell.generate import generate, plan_files, source_facts
from matrixhell.model import Ecosystem, Origin, PackageReq, Plan, ScanResult, Scope, Service, StartCommand
from matrixhell.model.image import ImageSpec, SourceFacts, Stage, StepKind
from matrixhell.model.overrides import Overrides, ServiceOverride
from matrixhell.render.dockerfile import render_dockerfile
from matrixhell.render.spec import NotGenerated, build_spec


def _copy(name: str, tmp: Path) -> Path:
    dest = tmp / name
    shutil.copytree(FIXTURES / name, dest, symlinks=True)
    return dest


def _runs(stage: Stage) -> list[str]:
    return [s.args[0] for s in stage.steps if s.kind is StepKind.RUN]


def _lint(spec: ImageSpec, tmp: Path) -> str:
    text = render_dockerfile(spec)
    path = tmp / f"{spec.service}.Dockerfile"
    path.write_text(text, encoding="utf-8")
    assert hadolint(path) == [], text
    return text


def _pypi(name: str, origin: str = "api/requirements.txt", url: str | None = None) -> PackageReq:
    return PackageReq(Ecosystem.PYPI, name, "", origin=Origin(origin, 1), url=url, scope=Scope.MAIN)


# -- 1. services whose manifests could not be read ------------------------------------------------------

def test_unreadable_services_get_no_guessed_image(tmp_path: Path) -> None:
    work = _copy("broken", tmp_path)
    gen, report = generate(work, plan_fn=hand_plan)
    written = set(report.written)
    for bad in ("bad-toml", "bad-binary", "bad-json", "bad-encoding"):
        assert not (work / bad / "Dockerfile").exists(), f"{bad} has no facts: no image is guessed for it"
        assert bad in report.not_generated
        assert bad not in {s.service for s in gen.specs}
    assert "good/Dockerfile" in written, "the rest of the repository is still generated"
    line = next(f for f in report.findings if f.service == "bad-toml" and f.code == "not-generated")
    assert line.message == ("not generated: bad-toml/pyproject.toml:6 could not be read; "
                            "fix it and run generate again")
    assert line.severity.value == "error"
    assert report.blocked, "the command exits 1 (docs/exit-codes.md)"
    compose = yaml.safe_load((work / "compose.matrixhell.yaml").read_text(encoding="utf-8"))
    assert "bad-toml" not in compose["services"] and "good" in compose["services"]


def test_unreadable_service_exits_one_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_gen_cli import _run

    import matrixhell.generate as gen_mod

    monkeypatch.setattr(gen_mod, "_analyzer_plan", hand_plan)
    work = _copy("broken", tmp_path)
    code, out, err = _run(str(work))
    assert code == 1
    assert ("error: bad-toml: not generated: bad-toml/pyproject.toml:6 could not be read; fix it and run "
            "generate again") in err
    assert "wrote good/Dockerfile (new)" in out


# -- 2. Node build scripts --------------------------------------------------------------------------------

def test_a_workspace_member_runs_its_build_script_in_a_build_stage(tmp_path: Path) -> None:
    work = _copy("node-monorepo", tmp_path)
    gen, _ = generate(work, plan_fn=hand_plan)
    spec = next(s for s in gen.specs if s.service == "web")
    assert [st.name for st in spec.stages] == ["build", "runtime"]
    build, run = spec.stages
    runs = _runs(build)
    install = next(r for r in runs if "pnpm install" in r)
    assert "--prod" not in install, "the build stage installs the devDependencies"
    assert not any(s.kind is StepKind.ENV and any(a.startswith("NODE_ENV=") for a in s.args) for s in build.steps)
    workdirs = [s.args[0] for s in build.steps if s.kind is StepKind.WORKDIR]
    assert "/app/apps/web" in workdirs, "the build runs in the member's own directory: one package"
    built = runs.index(next(r for r in runs if r.endswith("pnpm run build")))
    pruned = runs.index(next(r for r in runs if "--prod" in r))
    assert built < pruned, "devDependencies go after the build"
    assert any(s.kind is StepKind.COPY and s.from_stage == "build" and s.args == ("/app", "/app")
               for s in run.steps)
    assert spec.cmd == ("pnpm", "start")
    text = (work / "apps" / "web" / "Dockerfile").read_text(encoding="utf-8")
    assert "pnpm run build" in text and hadolint(work / "apps" / "web" / "Dockerfile") == []


@pytest.mark.parametrize(("lock", "install", "build", "prune"), [
    ("package-lock.json", "npm ci", "npm run build", "npm prune --omit=dev"),
    ("yarn.lock", "corepack enable && yarn install --frozen-lockfile", "yarn run build",
     "yarn install --frozen-lockfile --production"),
])
def test_a_build_script_is_run_before_the_start(lock: str, install: str, build: str, prune: str,
                                                tmp_path: Path) -> None:
    svc = make_service("api", "node", "", files=("package.json", lock), argv=("node", "dist/server.js"))
    spec = build_spec(svc, make_target("node", "20.11.1"), source=SourceFacts(build_script="tsc"))
    # consecutive RUN steps are merged into one layer: read them as one script, in order
    script = " && ".join(_runs(spec.stages[0])).replace(" \\\n    && ", " && ")
    assert script.startswith(install + " && ") or script.startswith(install + "\n")
    assert f"NODE_ENV=production {build}" in script
    assert script.index(build) < script.index(prune), "devDependencies go after the build"
    assert spec.cmd == ("node", "dist/server.js")
    _lint(spec, tmp_path)
    plain = build_spec(svc, make_target("node", "20.11.1"))
    assert not plain.multi_stage, "no build script: nothing to build"


def test_source_facts_read_the_build_script_and_entry_files() -> None:
    files = {"web/package.json": '{"name": "@acme/web", "scripts": {"build": "next build"}}',
             "web/server.js": ""}
    facts = source_facts(Service("web", "web"), files.get)
    assert facts.build_script == "next build" and facts.package_name == "@acme/web"
    assert facts.present == ("web/server.js",)
    assert source_facts(Service("web", "web"), {"web/package.json": "{not json"}.get).build_script is None


# -- 3a. a start command whose server is not installed ------------------------------------------------------

def _flask(*names: str, start: tuple[str, ...] = ("gunicorn", "app:app", "--bind", "0.0.0.0:8000")) -> Service:
    svc = make_service("api", files=("requirements.txt",), argv=start, packages=tuple(_pypi(n) for n in names))
    return svc  # type: ignore[return-value]


def test_a_missing_server_is_replaced_by_one_that_is_installed(tmp_path: Path) -> None:
    spec = build_spec(_flask("flask"), make_target())
    assert spec.cmd == ("flask", "--app", "app:app", "run", "--host", "0.0.0.0", "--port", "8000")
    assert "start-server-replaced" in {f.code for f in spec.findings}
    spec = build_spec(_flask("flask", "uvicorn"), make_target())
    assert spec.cmd[:4] == ("uvicorn", "--interface", "wsgi", "app:app")
    _lint(spec, tmp_path)
    kept = build_spec(_flask("flask", "gunicorn"), make_target())
    assert kept.cmd[0] == "gunicorn", "an installed server is run as written"


def test_a_missing_server_with_no_alternative_is_not_generated() -> None:
    with pytest.raises(NotGenerated) as e:
        build_spec(_flask("requests"), make_target())
    assert e.value.finding.code == "start-server-missing" and e.value.finding.severity.value == "error"
    assert "gunicorn" in (e.value.finding.hint or "")


def test_a_server_the_user_asked_for_is_installed_and_reported() -> None:
    override = ServiceOverride("api", Origin("matrixhell.toml", 1),
                               start=("gunicorn", "app:app", "--bind", "0.0.0.0:8000"))
    spec = build_spec(_flask("flask"), make_target(), override=override)
    assert spec.cmd[0] == "gunicorn"
    assert any(r.endswith("&& pip install gunicorn") or r == "pip install gunicorn" for r in _runs(spec.final))
    assert "start-server-installed" in {f.code for f in spec.findings}


def test_django_without_gunicorn_runs_manage_py_when_it_exists(tmp_path: Path) -> None:
    work = _copy("py-matrix", tmp_path)
    gen, _ = generate(work, plan_fn=hand_plan)
    catalog = next(s for s in gen.specs if s.service == "catalog")
    assert catalog.cmd[:3] == ("python", "manage.py", "runserver")
    assert "gunicorn" not in (work / "catalog" / "Dockerfile").read_text(encoding="utf-8")


def test_no_python_image_runs_a_console_script_it_does_not_install(tmp_path: Path) -> None:
    from matrixhell.render.spec import _PY_SCRIPTS, _norm_pypi

    for repo in ("py-matrix", "broken", "shop"):
        work = _copy(repo, tmp_path)
        gen, _ = generate(work, plan_fn=hand_plan)
        scanned = {s.name: s for s in _scan(work).services}
        for spec in gen.specs:
            if spec.runtime != "python" or spec.cmd[0] not in _PY_SCRIPTS:
                continue
            svc = scanned[spec.service]
            names = {_norm_pypi(p.name) for p in svc.packages if p.scope is Scope.MAIN}
            assert _PY_SCRIPTS[spec.cmd[0]] in names, (repo, spec.service, spec.cmd)


def _scan(work: Path) -> ScanResult:
    from matrixhell.detect.repoview import FsRepoView
    from matrixhell.detect.scan import scan_repo

    return scan_repo(FsRepoView(work))


# -- 3b. a guessed entry file must exist ---------------------------------------------------------------------

def test_a_guessed_start_runs_an_entry_file_that_exists() -> None:
    svc = make_service("api", files=("requirements.txt",), entry=False)
    spec = build_spec(svc, make_target(), source=SourceFacts(present=("api/main.py",)))
    assert spec.cmd == ("python", "main.py")
    with pytest.raises(NotGenerated) as e:
        build_spec(svc, make_target())
    assert e.value.finding.code == "no-start-command" and "main.py" in e.value.finding.message


def test_plan_files_reads_which_entry_file_exists() -> None:
    svc = make_service("api", files=("requirements.txt",), entry=False)
    plan = Plan(targets=(("api", make_target()),), environments=(), conflicts=())
    scan = ScanResult(root=".", services=(svc,))  # type: ignore[arg-type]
    gen = plan_files(scan, plan, Overrides(), read={"api/main.py": "print()"}.get)
    assert gen.specs[0].cmd == ("python", "main.py")
    none = plan_files(scan, plan, Overrides(), read=lambda p: None)
    assert none.not_generated == ("api",) and not [f for f in none.files if f.kind == "dockerfile"]


# -- 3c. Gradle ------------------------------------------------------------------------------------------------

def test_the_gradle_application_plugin_runs_its_install_layout(tmp_path: Path) -> None:
    work = _copy("polyglot", tmp_path)
    gen, _ = generate(work, plan_fn=hand_plan)
    spec = next(s for s in gen.specs if s.service == "notifier")
    assert any("gradle installDist" in r for r in _runs(spec.stages[0]))
    assert not any("gradle jar" in r for r in _runs(spec.stages[0])), "a thin jar has no Main-Class"
    assert spec.cmd == ("/app/notifier/bin/notifier",)
    first = next(s for s in spec.stages[0].steps if s.kind is StepKind.COPY)
    assert first.args == ("build.gradle.kts", "settings.gradle.kts", "./"), "settings name the project"
    assert any(s.kind is StepKind.COPY and s.args == ("/src/build/install/notifier", "/app/notifier")
               for s in spec.final.steps)
    _lint(spec, tmp_path)


def _gradle(plugins: tuple[str, ...], frameworks: tuple[str, ...] = ()) -> tuple[Service, SourceFacts]:
    svc = make_service("svc", "java", "", files=("build.gradle.kts",), frameworks=frameworks)
    return svc, SourceFacts(gradle_plugins=plugins)  # type: ignore[return-value]


def test_spring_boot_gradle_builds_the_boot_jar() -> None:
    svc, facts = _gradle(("org.springframework.boot",), ("spring-boot",))
    spec = build_spec(svc, make_target("java", "21"), source=facts)
    runs = _runs(spec.stages[0])
    assert any(r.startswith("gradle bootJar --no-daemon -q -x test") for r in runs)
    assert not any("gradle jar" in r for r in runs), "no fallback to a thin jar"
    assert spec.cmd[-2:] == ("-jar", "/app/app.jar")


def test_gradle_without_a_runnable_jar_is_not_generated() -> None:
    svc, facts = _gradle(())
    with pytest.raises(NotGenerated) as e:
        build_spec(svc, make_target("java", "21"), source=facts)
    assert e.value.finding.code == "gradle-no-runnable-jar"


def test_gradle_plugins_are_read_from_the_build_file() -> None:
    read = {"n/build.gradle.kts": 'plugins {\n    kotlin("jvm") version "1.9.24"\n    application\n}\n',
            "n/settings.gradle.kts": 'rootProject.name = "notify"\n',
            "s/build.gradle": "plugins {\n  id 'org.springframework.boot' version '3.3.0'\n}\n"}.get
    n = source_facts(Service("n", "n"), read)
    assert n.gradle_plugins == ("application",) and n.project_name == "notify"
    assert "n/settings.gradle.kts" in n.present, "the build's settings are copied with the build file"
    assert source_facts(Service("s", "s"), read).gradle_plugins == ("org.springframework.boot",)


# -- 5. what a build needs -------------------------------------------------------------------------------------

def test_a_git_requirement_gets_git_in_the_build_stage_only(tmp_path: Path) -> None:
    pkgs = (_pypi("fastapi"), _pypi("feature-store", url="git+https://example.com/fs.git@v1"))
    svc = make_service("api", files=("requirements.txt",), packages=pkgs, argv=("python", "app.py"))
    spec = build_spec(svc, make_target())
    assert [st.name for st in spec.stages] == ["build", "runtime"]
    build_pkgs = [a for s in spec.stages[0].steps if s.kind is StepKind.PACKAGES for a in s.args]
    run_pkgs = [a for s in spec.final.steps if s.kind is StepKind.PACKAGES for a in s.args]
    assert any(a.split("=")[0] == "git" for a in build_pkgs) and not any("git" in a for a in run_pkgs)
    _lint(spec, tmp_path)


def test_an_include_outside_the_service_widens_the_context(tmp_path: Path) -> None:
    pkgs = (_pypi("fastapi", "requirements/common.txt"), _pypi("uvicorn", "ml/requirements.txt"))
    svc = make_service("ml", files=("requirements.txt",), packages=pkgs,
                       argv=("uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"))
    svc = replace(svc, files=(*svc.files, "requirements/common.txt"))  # type: ignore[type-var]
    spec = build_spec(svc, make_target())
    assert spec.context == "."
    copies = [s.args for s in spec.final.steps if s.kind is StepKind.COPY]
    assert ("ml/requirements.txt", "/opt/requirements/ml/") in copies
    assert ("requirements/common.txt", "/opt/requirements/requirements/") in copies
    assert ("ml/", "./") in copies, "the application is the service's own directory"
    assert "pip install -r /opt/requirements/ml/requirements.txt" in _runs(spec.final)
    assert "context-widened" in {f.code for f in spec.findings}
    _lint(spec, tmp_path)


def test_the_compose_file_builds_a_widened_context(tmp_path: Path) -> None:
    work = _copy("py-matrix", tmp_path)
    generate(work, plan_fn=hand_plan, alongside=True)
    text = (work / "ml-api" / "Dockerfile.matrixhell").read_text(encoding="utf-8")
    assert "COPY requirements/common.txt /opt/requirements/requirements/" in text
    compose = yaml.safe_load((work / "compose.yaml").read_text(encoding="utf-8"))
    build = compose["services"]["ml-api"]["build"]
    assert (work / build["context"]).resolve() == work.resolve()
    assert (work / build["context"] / build["dockerfile"]).resolve() == (work / "ml-api" / "Dockerfile.matrixhell")
    assert hadolint(work / "ml-api" / "Dockerfile.matrixhell") == []


def test_a_users_dockerfile_keeps_its_context() -> None:
    pkgs = (_pypi("fastapi", "requirements/common.txt"),)
    svc = make_service("ml", files=("requirements.txt",), packages=pkgs, dockerfile="ml/Dockerfile",
                       argv=("python", "app.py"))
    plan = Plan(targets=(("ml", make_target()),), environments=(), conflicts=())
    mine = "FROM python:3.11-slim-bookworm\nUSER 1000\nCMD [\"python\", \"app.py\"]\n"
    gen = plan_files(ScanResult(root=".", services=(svc,)), plan, Overrides(),  # type: ignore[arg-type]
                     read={"ml/Dockerfile": mine}.get)
    assert gen.specs[0].context == "ml"
    assert "manifest-outside-context" in {f.code for f in gen.findings}


def test_a_handwritten_image_with_an_unguessable_start_stays_in_compose() -> None:
    svc = make_service("api", files=("requirements.txt",), dockerfile="api/Dockerfile", entry=False)
    svc = replace(svc, start_commands=())  # type: ignore[type-var]
    plan = Plan(targets=(("api", make_target()),), environments=(), conflicts=())
    mine = "FROM python:3.11-slim-bookworm\nUSER 1000\nCMD [\"python\", \"serve.py\"]\n"
    gen = plan_files(ScanResult(root=".", services=(svc,)), plan, Overrides(),  # type: ignore[arg-type]
                     read={"api/Dockerfile": mine}.get)
    assert gen.not_generated == () and [s.service for s in gen.specs] == ["api"]
    compose = yaml.safe_load(next(f.text for f in gen.files if f.kind == "compose"))
    assert "api" in compose["services"]


def test_start_commands_name_their_origin() -> None:
    o = Origin("api/app.py", 3)
    svc = replace(_flask("requests"), start_commands=(  # type: ignore[type-var]
        StartCommand(o, "flask-gunicorn", ("gunicorn", "app:app")),))
    with pytest.raises(NotGenerated) as e:
        build_spec(svc, make_target())
    assert e.value.finding.origin == o
