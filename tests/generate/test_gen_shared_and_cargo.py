"""generate: a Procfile process gets no Dockerfile of its own; a Cargo workspace member builds from the root."""

from __future__ import annotations

from pathlib import Path

from genkit import hand_plan

from matrixhell.config import load_overrides
from matrixhell.detect.repoview import FsRepoView
from matrixhell.detect.scan import scan_repo
from matrixhell.generate import _read, plan_files

REPO = Path(__file__).resolve().parents[2] / "fixtures" / "repos" / "procfile-rust"


def _files() -> dict[str, str]:
    scan = scan_repo(FsRepoView(REPO), cache=False)
    gen = plan_files(scan, hand_plan(scan), load_overrides(REPO), read=lambda rel: _read(REPO / rel),
                     project=REPO.name)
    return {f.path: f.text for f in gen.files}


def test_a_process_on_its_web_image_has_no_dockerfile_of_its_own() -> None:
    files = _files()
    assert "notes/Dockerfile" in files and not any(p.startswith("notes/notes-worker") for p in files)
    assert not any("shop-clock.Dockerfile" in p for p in files)
    # the compose-defined worker is a service of its own, with its own Dockerfile
    assert "shop/worker.Dockerfile" in files and "shop/shop.Dockerfile" in files
    k8s = files["k8s/shop-clock-deployment.yaml"]
    assert "image: shop\n" in k8s and "args:" in k8s
    assert "name: shop-clock\n" not in files["k8s/kustomization.yaml"].split("images:")[1]


def test_a_workspace_member_builds_its_package_from_the_workspace_root() -> None:
    files = _files()
    gateway = files["engine/crates/gateway/Dockerfile"]
    assert "RUN cargo build --release --locked -p gateway --bin gateway\n" in gateway
    assert "COPY --from=build /src/target/release/gateway /usr/local/bin/gateway\n" in gateway
    assert 'CMD ["/usr/local/bin/gateway"]' in gateway
    indexer = files["engine/crates/indexer/Dockerfile"]
    assert "-p indexer --bin index-worker\n" in indexer  # default-run, not the other binary
    compose = files["compose.matrixhell.yaml"]
    assert "context: ./engine\n      dockerfile: crates/gateway/Dockerfile" in compose
