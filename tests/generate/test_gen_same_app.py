"""The generated compose file and manifests run the same app as the repository's own compose file:
values that are no secret, env_file, volumes, host addresses, unpublished ports, the user's healthchecks;
pods that start (the image's own user), and the image-only services deployed too."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from genkit import FIXTURES, compose_validator, hand_plan, k8s_validate

from matrixhell.config import load_overrides
from matrixhell.detect.repoview import FsRepoView
from matrixhell.detect.scan import scan_repo
from matrixhell.generate import _knowledge_needs, _read, plan_files


def _generate(repo: Path) -> tuple[dict[str, str], list[object]]:
    scan = scan_repo(FsRepoView(repo))
    gen = plan_files(scan, hand_plan(scan), load_overrides(repo), read=lambda rel: _read(repo / rel),
                     needs_fn=_knowledge_needs(), project=repo.name)
    return {f.path: f.text for f in gen.files}, list(gen.findings)


def _copy(name: str, tmp: Path) -> Path:
    dest = tmp / name
    shutil.copytree(FIXTURES / name, dest, symlinks=True)
    return dest


def test_shop_compose_keeps_what_the_users_compose_file_says(tmp_path: Path) -> None:
    files, _ = _generate(_copy("shop", tmp_path))
    doc = yaml.safe_load(files["compose.matrixhell.yaml"])
    assert list(compose_validator().iter_errors(doc)) == []  # type: ignore[attr-defined]
    s = doc["services"]
    assert s["db"]["environment"] == ["POSTGRES_PASSWORD=${POSTGRES_PASSWORD}", "POSTGRES_USER=shop"]
    assert s["db"]["volumes"] == ["./db/init:/docker-entrypoint-initdb.d:ro"]
    assert s["db"]["healthcheck"] == {"test": ["CMD-SHELL", "pg_isready -U shop"], "interval": "5s"}
    assert s["web"]["environment"] == ["DATABASE_URL=postgres://shop:${POSTGRES_PASSWORD}@db:5432/shop",
                                       "DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY}", "REDIS_URL=redis://cache:6379/0"]
    assert s["web"]["healthcheck"]["interval"] == "10s"
    assert s["worker"]["environment"] == ["DATABASE_URL", "REDIS_URL=redis://cache:6379/0"]
    assert s["frontend"]["environment"] == ["NEXT_PUBLIC_API_URL=http://web:8000"]
    # billing: its env_file, its own key, and none of the file's keys invented as pass-through names
    assert s["billing"]["env_file"] == [".env"] and s["billing"]["environment"] == ["BILLING_API_KEY"]
    assert s["billing"]["ports"] == ["127.0.0.1:8100:8100"]
    assert s["cache"]["ports"] == ["6379"]
    assert s["reports"]["ports"] == ["5050:5000"]


def test_polyglot_keeps_the_required_variable_guard(tmp_path: Path) -> None:
    files, _ = _generate(_copy("polyglot", tmp_path))
    doc = yaml.safe_load(files["compose.matrixhell.yaml"])
    assert doc["services"]["storefront"]["environment"] == [
        "RAILS_ENV=production", "SECRET_KEY_BASE=${SECRET_KEY_BASE:?set SECRET_KEY_BASE}"]


def test_a_literal_secret_is_never_copied_and_is_reported(tmp_path: Path) -> None:
    repo = _copy("shop", tmp_path)
    compose = repo / "compose.yaml"
    compose.write_text(compose.read_text().replace("POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}",
                                                   "POSTGRES_PASSWORD: hunter2-literal")
                       .replace("@db:5432/shop", "@db:5432/shop\n      PLAIN_URL: postgres://a:pw-literal@db/x"))
    files, findings = _generate(repo)
    text = "".join(files.values())
    assert "hunter2-literal" not in text and "pw-literal" not in text
    doc = yaml.safe_load(files["compose.matrixhell.yaml"])
    assert "POSTGRES_PASSWORD" in doc["services"]["db"]["environment"]
    assert "PLAIN_URL" in doc["services"]["web"]["environment"]
    withheld = {f.service: f.message for f in findings if f.code == "compose-secret-withheld"}  # type: ignore[attr-defined]
    assert "POSTGRES_PASSWORD" in withheld["db"] and "PLAIN_URL" in withheld["web"]


def test_named_volumes_are_declared_and_bind_mounts_follow_the_output_dir(tmp_path: Path) -> None:
    from matrixhell.model import ComposeService, Origin, Service, ServiceKind
    from matrixhell.model.service import ComposeVolume, EnvFile
    from matrixhell.render.compose import ComposeEntry, compose_document

    o = Origin("compose.yaml", 3)
    optional = EnvFile("conf/db.env", o, required=False, readable=False)
    cs = ComposeService("db", o, image="postgres:16", env_files=(optional,),
                        volumes=(ComposeVolume("/init", o, "bind", "db/init", True),
                                 ComposeVolume("/var/lib/postgresql/data", o, "volume", "pgdata")))
    db = Service("db", ".", kind=ServiceKind.EXTERNAL, image="postgres:16", compose=cs)
    doc = compose_document([ComposeEntry(db)], compose_dir="deploy", anchor="/src/repo")
    assert doc["services"]["db"]["volumes"] == ["../db/init:/init:ro", "pgdata:/var/lib/postgresql/data"]  # type: ignore[index]
    # an optional env file that does not exist is left out (compose would refuse a missing one)
    assert "env_file" not in doc["services"]["db"]  # type: ignore[index]
    assert doc["volumes"] == {"pgdata": {}}
    assert list(compose_validator().iter_errors(doc)) == []  # type: ignore[attr-defined]


def test_shop_manifests_start_and_deploy_the_image_only_services(tmp_path: Path) -> None:
    files, findings = _generate(_copy("shop", tmp_path))
    k8s = {p.removeprefix("k8s/"): yaml.safe_load(t) for p, t in files.items() if p.startswith("k8s/")}
    for doc in k8s.values():
        if doc["kind"] != "Kustomization":
            k8s_validate(doc)
    for root_image in ("billing", "reports"):  # no USER: runAsNonRoot would stop the container
        dep = k8s[f"{root_image}-deployment.yaml"]
        pod = dep["spec"]["template"]["spec"]
        assert "runAsNonRoot" not in pod["securityContext"]
        assert "runAsNonRoot" not in pod["containers"][0]["securityContext"]
        assert dep["metadata"]["annotations"]["matrixhell/run-as"].startswith("root")
        assert "capabilities" not in pod["containers"][0]["securityContext"]
    # a USER given by name cannot be verified either
    assert "runAsNonRoot" not in k8s["web-deployment.yaml"]["spec"]["template"]["spec"]["securityContext"]
    # db and cache, which web depends on, are deployed, each reachable on its port
    db = k8s["db-deployment.yaml"]["spec"]["template"]["spec"]["containers"][0]
    assert db["image"] == "postgres:16-alpine"
    assert {"name": "POSTGRES_USER", "value": "shop"} in db["env"]
    assert db["readinessProbe"]["exec"]["command"] == ["/bin/sh", "-c", "pg_isready -U shop"]
    assert k8s["db-service.yaml"]["spec"]["ports"][0]["port"] == 5432  # from web's DATABASE_URL
    assert k8s["cache-service.yaml"]["spec"]["ports"][0]["port"] == 6379
    kust = k8s["kustomization.yaml"]
    assert "db-deployment.yaml" in kust["resources"] and "cache-service.yaml" in kust["resources"]
    assert all(i["name"] not in ("db", "cache") for i in kust["images"])
    assert "# db-deployment.yaml: " in files["k8s/kustomization.yaml"]  # the note on the init mount
    web = k8s["web-deployment.yaml"]["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "REDIS_URL", "value": "redis://cache:6379/0"} in web["env"]
    codes = {f.code for f in findings if f.service == "billing"}  # type: ignore[attr-defined]
    assert "dockerfile-runs-as-root" in codes


def test_polyglot_mysql_without_a_known_port_gets_no_service_and_a_note(tmp_path: Path) -> None:
    files, _ = _generate(_copy("polyglot", tmp_path))
    assert "k8s/mysql-deployment.yaml" in files and "k8s/mysql-service.yaml" not in files
    assert "no port is known" in files["k8s/kustomization.yaml"]
    k8s_validate(yaml.safe_load(files["k8s/mysql-deployment.yaml"]))
