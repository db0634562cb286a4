"""compose file: valid per the compose-spec schema, contexts, ports, environment keys, depends_on."""

from __future__ import annotations

import yaml
from genkit import compose_validator, make_service, make_target

from matrixhell.model import ComposeService, EnvVar, Origin, Port, Service, ServiceKind
from matrixhell.render.compose import ComposeEntry, compose_document, render_compose
from matrixhell.render.marker import is_generated
from matrixhell.render.spec import build_spec


def _entries() -> list[ComposeEntry]:
    o = Origin("compose.yaml", 2)
    api_cs = ComposeService("api", o, context="services/api", depends_on=("db", "cache"),
                            ports=(Port(8000, published=8080),), env=(EnvVar("DATABASE_URL", o),))
    api = make_service("api", path="services/api", ports=(8000,), files=("requirements.txt",),
                       start="gunicorn app:app", env=("SECRET_KEY",), compose=api_cs)
    db = Service(name="db", path=".", kind=ServiceKind.EXTERNAL, image="postgres:16",
                 compose=ComposeService("db", o, image="postgres:16", ports=(Port(5432, published=5432),),
                                        env=(EnvVar("POSTGRES_PASSWORD", o),),
                                        healthcheck=("CMD-SHELL", "pg_isready -U app")))
    cache = Service(name="cache", path=".", kind=ServiceKind.EXTERNAL, image="redis:7",
                    compose=ComposeService("cache", o, image="redis:7"))
    worker = make_service("worker", path="services/worker", files=("requirements.txt",), start="celery -A w worker")
    return [ComposeEntry(api, build_spec(api, make_target()), "services/api/Dockerfile"),
            ComposeEntry(worker, build_spec(worker, make_target()), "services/worker/Dockerfile"),
            ComposeEntry(db), ComposeEntry(cache)]


def test_compose_is_valid_per_the_schema() -> None:
    text = render_compose(_entries())
    assert is_generated("compose.yaml", text)
    errors = list(compose_validator().iter_errors(yaml.safe_load(text)))  # type: ignore[attr-defined]
    assert errors == []


def test_the_schema_validator_rejects_a_broken_file() -> None:
    doc = compose_document(_entries())
    doc["services"]["api"]["ports"] = [{"target": "not-a-number"}]  # type: ignore[index]
    doc["services"]["api"]["bogus"] = True  # type: ignore[index]
    assert len(list(compose_validator().iter_errors(doc))) >= 2  # type: ignore[attr-defined]


def test_built_services_have_context_dockerfile_and_target() -> None:
    doc = compose_document(_entries())
    api = doc["services"]["api"]  # type: ignore[index]
    assert api["build"] == {"context": "./services/api", "dockerfile": "Dockerfile"}
    assert api["ports"] == ["8080:8000"]
    assert api["networks"] == ["backend"]


def test_contexts_are_relative_to_where_compose_is_written() -> None:
    doc = compose_document(_entries(), compose_dir="deploy", anchor="/src/repo")
    api = doc["services"]["api"]  # type: ignore[index]
    assert api["build"]["context"] == "../services/api"
    outside = compose_document(_entries(), compose_dir="../out", anchor="/src/repo")
    assert outside["services"]["api"]["build"]["context"] == "../repo/services/api"  # type: ignore[index]


def test_environment_is_the_compose_files_and_never_a_withheld_value() -> None:
    text = render_compose(_entries())
    doc = yaml.safe_load(text)
    # api's compose entry names DATABASE_URL only: SECRET_KEY, which its code reads, is not added
    assert doc["services"]["api"]["environment"] == ["DATABASE_URL"]
    assert doc["services"]["db"]["environment"] == ["POSTGRES_PASSWORD"]
    assert "=" not in "".join(doc["services"]["api"]["environment"])


def test_a_service_no_compose_file_describes_lists_the_keys_its_code_reads() -> None:
    svc = make_service("api", path="api", files=("requirements.txt",), start="gunicorn app:app",
                       env=("SECRET_KEY", "DEBUG"))
    doc = compose_document([ComposeEntry(svc, build_spec(svc, make_target()), "api/Dockerfile")])
    assert doc["services"]["api"]["environment"] == ["DEBUG", "SECRET_KEY"]  # type: ignore[index]


def test_depends_on_waits_for_health_where_there_is_a_check() -> None:
    doc = compose_document(_entries())
    assert doc["services"]["api"]["depends_on"] == {  # type: ignore[index]
        "cache": {"condition": "service_started"}, "db": {"condition": "service_healthy"}}


def test_external_services_keep_their_image_and_healthcheck() -> None:
    db = compose_document(_entries())["services"]["db"]  # type: ignore[index]
    assert db["image"] == "postgres:16" and "build" not in db
    assert db["healthcheck"]["test"] == ["CMD-SHELL", "pg_isready -U app"]
    assert db["ports"] == ["5432:5432"]


def test_generated_images_get_healthcheck_and_hardening() -> None:
    api = compose_document(_entries())["services"]["api"]  # type: ignore[index]
    assert api["healthcheck"]["test"][:2] == ["CMD", "python"]
    assert api["read_only"] is True and api["tmpfs"] == ["/tmp"]
    assert api["cap_drop"] == ["ALL"] and api["security_opt"] == ["no-new-privileges:true"]


def test_handwritten_dockerfiles_keep_their_own_target_and_no_hardening() -> None:
    cs = ComposeService("web", Origin("compose.yaml", 9), context="web", dockerfile="docker/web.Dockerfile",
                        target="prod")
    web = make_service("web", path="web", ports=(8000,), files=("requirements.txt",), compose=cs)
    doc = compose_document([ComposeEntry(web, build_spec(web, make_target()), "docker/web.Dockerfile",
                                         handwritten=True)])
    svc = doc["services"]["web"]  # type: ignore[index]
    assert svc["build"] == {"context": "./web", "dockerfile": "../docker/web.Dockerfile", "target": "prod"}
    assert "cap_drop" not in svc and "healthcheck" not in svc


def test_unstated_ports_are_published_once() -> None:
    a = make_service("a", ports=(8000,), files=("requirements.txt",), start="x")
    b = make_service("b", ports=(8000,), files=("requirements.txt",), start="x")
    doc = compose_document([ComposeEntry(a, build_spec(a, make_target()), "a/Dockerfile"),
                            ComposeEntry(b, build_spec(b, make_target()), "b/Dockerfile")])
    assert doc["services"]["a"]["ports"] == ["8000:8000"]  # type: ignore[index]
    assert "ports" not in doc["services"]["b"], "the host port is taken"  # type: ignore[index]
    assert list(compose_validator().iter_errors(doc)) == []  # type: ignore[attr-defined]


def test_compose_is_deterministic() -> None:
    assert render_compose(_entries()) == render_compose(list(reversed(_entries())))


def test_handwritten_dockerfiles_build_from_the_compose_context() -> None:
    cs = ComposeService("api", Origin("compose.yaml", 4), context="", dockerfile="src/Api/Dockerfile")
    api = make_service("api", "dotnet", "", path="src/Api", files=("Api.csproj",), compose=cs)
    doc = compose_document([ComposeEntry(api, build_spec(api, make_target("dotnet", "8.0")), "src/Api/Dockerfile",
                                         handwritten=True)])
    assert doc["services"]["api"]["build"] == {"context": ".", "dockerfile": "src/Api/Dockerfile"}  # type: ignore[index]


def test_a_shared_handwritten_dockerfile_keeps_each_services_command() -> None:
    from matrixhell.model import StartCommand

    o = Origin("compose.yaml", 20)
    cs = ComposeService("worker", o, context="web", dockerfile="docker/web.Dockerfile", target="runtime",
                        command=StartCommand(o, "compose-command", shell="celery -A shop worker"))
    worker = make_service("worker", path="web", files=("pyproject.toml",), compose=cs)
    doc = compose_document([ComposeEntry(worker, build_spec(worker, make_target()), "docker/web.Dockerfile",
                                         handwritten=True)])
    assert doc["services"]["worker"]["command"] == "celery -A shop worker"  # type: ignore[index]
    assert list(compose_validator().iter_errors(doc)) == []  # type: ignore[attr-defined]


def test_profiles_of_the_users_compose_file_are_kept() -> None:
    cs = ComposeService("adminer", Origin("compose.yaml", 30), image="adminer:4", profiles=("debug",))
    svc = Service(name="adminer", path=".", kind=ServiceKind.EXTERNAL, image="adminer:4", compose=cs)
    doc = compose_document([ComposeEntry(svc)])
    assert doc["services"]["adminer"]["profiles"] == ["debug"]  # type: ignore[index]
    assert list(compose_validator().iter_errors(doc)) == []  # type: ignore[attr-defined]


def test_depends_on_a_service_left_out_is_dropped() -> None:
    entries = [e for e in _entries() if e.service.name != "cache"]
    doc = compose_document(entries)
    assert doc["services"]["api"]["depends_on"] == {"db": {"condition": "service_healthy"}}  # type: ignore[index]
