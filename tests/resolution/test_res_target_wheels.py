"""ResolveTarget and wheel choice: tags and markers come from the target, never the host."""

from __future__ import annotations

import pytest

from matrixhell.errors import UsageError
from matrixhell.knowledge.index import DistFile, SnapshotIndex
from matrixhell.model.analysis import Target
from matrixhell.resolution import ResolveTarget, wheel_for
from matrixhell.resolution.wheels import choose_file

PSYCOPG_BINARY = {
    "psycopg2-binary": {
        "2.9.9": {
            "files": [
                "psycopg2_binary-2.9.9-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                "psycopg2_binary-2.9.9-cp311-cp311-musllinux_1_1_x86_64.whl",
                "psycopg2_binary-2.9.9-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
                "psycopg2-binary-2.9.9.tar.gz",
            ]
        }
    },
    "psycopg2": {"2.9.9": {"files": ["psycopg2-2.9.9.tar.gz"]}},
}


def test_res_from_release_maps_libc_to_platform_tags() -> None:
    assert ResolveTarget.from_release("3.11", "glibc", "2.36", "x86_64").platform == "manylinux_2_36_x86_64"
    assert ResolveTarget.from_release("3.12", "musl", "1.2.4", "arm64").platform == "musllinux_1_2_aarch64"
    assert ResolveTarget.from_release("3.9", "glibc", "2.31", "amd64").platform == "manylinux_2_31_x86_64"


def test_res_from_model_target() -> None:
    t = Target("debian", "bookworm", "glibc", "2.36", runtime="python", runtime_version="3.11.9")
    rt = ResolveTarget.from_model(t)
    assert (rt.python_version, rt.platform) == ("3.11.9", "manylinux_2_36_x86_64")
    assert rt.marker_environment()["python_full_version"] == "3.11.9"


def test_res_marker_environment_is_the_target_not_the_host() -> None:
    env = ResolveTarget("3.9", "musllinux_1_2_aarch64").marker_environment()
    assert env["python_version"] == "3.9"
    assert env["python_full_version"] == "3.9.0"
    assert env["platform_machine"] == "aarch64"
    assert env["sys_platform"] == "linux"


def test_res_platform_tags_cover_older_glibc_and_legacy_aliases() -> None:
    tags = ResolveTarget("3.11", "manylinux_2_28_x86_64").platform_tags()
    assert tags[0] == "manylinux_2_28_x86_64"
    assert "manylinux2014_x86_64" in tags and "manylinux1_x86_64" in tags
    assert "manylinux_2_29_x86_64" not in tags
    assert not any("musllinux" in t for t in tags)


@pytest.mark.parametrize(
    ("python", "platform"),
    [
        ("three", "manylinux_2_36_x86_64"),
        ("3", "manylinux_2_36_x86_64"),
        ("3.11", "win_amd64"),
        ("3.11", "macosx_11_0_arm64"),
    ],
)
def test_res_bad_targets_are_usage_errors(python: str, platform: str) -> None:
    with pytest.raises(UsageError):
        ResolveTarget(python, platform)


def test_res_wheel_for_binary_package_per_libc_and_arch() -> None:
    idx = SnapshotIndex.from_mapping(PSYCOPG_BINARY)
    glibc = wheel_for(idx, "psycopg2-binary", "2.9.9", ResolveTarget("3.11", "manylinux_2_36_x86_64"))
    assert glibc is not None and glibc.manylinux and not glibc.pure
    assert glibc.tag == "cp311-cp311-manylinux_2_17_x86_64"
    musl = wheel_for(idx, "psycopg2-binary", "2.9.9", ResolveTarget("3.11", "musllinux_1_2_x86_64"))
    assert musl is not None and musl.musllinux
    arm = wheel_for(idx, "psycopg2-binary", "2.9.9", ResolveTarget("3.11", "manylinux_2_36_aarch64"))
    assert arm is not None and arm.filename.endswith("aarch64.manylinux2014_aarch64.whl")
    # No cp312 wheel: on 3.12 only the sdist is left, so the build needs libpq-dev.
    assert wheel_for(idx, "psycopg2-binary", "2.9.9", ResolveTarget("3.12")) is None
    assert wheel_for(idx, "psycopg2", "2.9.9", ResolveTarget("3.11")) is None


def test_res_choose_file_prefers_the_most_specific_tag() -> None:
    files = [
        DistFile("x-1.0-py3-none-any.whl"),
        DistFile("x-1.0-cp37-abi3-manylinux_2_17_x86_64.whl"),
        DistFile("x-1.0-cp311-cp311-manylinux_2_28_x86_64.whl"),
    ]
    choice = choose_file(files, ResolveTarget("3.11", "manylinux_2_36_x86_64"))
    assert choice.wheel is not None and choice.wheel.filename == "x-1.0-cp311-cp311-manylinux_2_28_x86_64.whl"
    old_glibc = choose_file(files, ResolveTarget("3.11", "manylinux_2_17_x86_64"))
    assert old_glibc.wheel is not None and old_glibc.wheel.filename == "x-1.0-cp37-abi3-manylinux_2_17_x86_64.whl"
    pure = choose_file(files, ResolveTarget("3.11", "musllinux_1_2_x86_64"))
    assert pure.wheel is not None and pure.wheel.pure


def test_res_choose_file_honours_requires_python_and_yanked() -> None:
    files = [
        DistFile("x-1.0-py3-none-any.whl", requires_python=">=3.12"),
        DistFile("x-1.0.tar.gz", requires_python=">=3.8"),
        DistFile("x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", yanked=True),
    ]
    choice = choose_file(files, ResolveTarget("3.11"))
    assert choice.wheel is None and choice.sdist == "x-1.0.tar.gz"
    with_yanked = choose_file(files, ResolveTarget("3.11"), allow_yanked=True)
    assert with_yanked.wheel is not None and with_yanked.wheel.filename.startswith("x-1.0-cp311")


def test_res_linux_platform_takes_only_pure_wheels() -> None:
    files = [DistFile("x-1.0-cp311-cp311-linux_x86_64.whl"), DistFile("x-1.0-py3-none-any.whl")]
    choice = choose_file(files, ResolveTarget("3.11", "linux_x86_64"))
    assert choice.wheel is not None and choice.wheel.pure


def test_res_pypy_target_takes_pypy_wheels_not_cpython_ones() -> None:
    files = [
        DistFile("x-1.0-cp310-cp310-manylinux_2_17_x86_64.whl"),
        DistFile("x-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl"),
    ]
    choice = choose_file(files, ResolveTarget("3.10", "manylinux_2_36_x86_64", "pp"))
    assert choice.wheel is not None and choice.wheel.filename.startswith("x-1.0-pp310")
    env = ResolveTarget("3.10", implementation="pp").marker_environment()
    assert env["implementation_name"] == "pypy" and env["platform_python_implementation"] == "PyPy"
