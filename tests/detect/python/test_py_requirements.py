"""pip's requirements-file syntax, feature by feature."""

from __future__ import annotations

from matrixhell.detect.python.requirements import (
    IndexOptions,
    join_lines,
    logical_lines,
    parse_requirements,
    split_args_options,
    strip_comment,
)
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Scope, Severity


def parse(
    text: str,
    extra: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    path: str = "svc/requirements.txt",
):
    files = {path: text, **(extra or {})}
    return parse_requirements(MemoryRepoView(files), path, env=env)


def by_name(result):
    return {r.name: r for r in result.requirements}


def codes(result):
    return [f.code for f in result.findings]


def test_plain_specifiers_and_lines():
    r = parse("flask==2.0.1\nrequests>=2,<3\n\nclick\n")
    reqs = by_name(r)
    assert reqs["flask"].specifier == "==2.0.1"
    assert reqs["requests"].specifier == "<3,>=2"
    assert reqs["click"].specifier == ""
    assert [x.origin.line for x in r.requirements] == [1, 2, 4]
    assert all(x.origin.path == "svc/requirements.txt" for x in r.requirements)
    assert r.findings == ()


def test_names_are_pep503_normalized():
    r = parse("Django_Rest.Framework==3\nPyYAML\n")
    assert [x.name for x in r.requirements] == ["django-rest-framework", "pyyaml"]


def test_extras_and_marker_kept_as_text():
    r = parse('requests[Security,socks]>=2 ; python_version < "3.8" and sys_platform == "win32"\n')
    (req,) = r.requirements
    assert req.extras == ("security", "socks")
    assert req.marker == 'python_version < "3.8" and sys_platform == "win32"'


def test_slash_inside_a_marker_does_not_make_a_path():
    r = parse('foo>=1 ; platform_version == "a/b"\n')
    (req,) = r.requirements
    assert (req.name, req.url, req.marker) == ("foo", None, 'platform_version == "a/b"')


def test_local_path_with_marker():
    r = parse('./vendor/thing-1.0.tar.gz ; sys_platform == "linux"\n')
    (req,) = r.requirements
    assert (req.name, req.specifier, req.marker) == ("thing", "==1.0", 'sys_platform == "linux"')


def test_marker_for_other_platform_is_not_evaluated():
    # a host-independent parse: the entry is kept whatever machine runs the scan
    r = parse('pywin32 ; sys_platform == "win32"\nuvloop ; sys_platform != "win32"\n')
    assert {x.name for x in r.requirements} == {"pywin32", "uvloop"}


def test_inline_comment_needs_whitespace_before_hash():
    r = parse("flask==2.0  # the web framework\nrequests # another\n")
    assert [x.name for x in r.requirements] == ["flask", "requests"]
    assert r.findings == ()


def test_hash_without_whitespace_is_not_a_comment():
    r = parse("foo#bar\n")
    assert r.requirements == ()
    assert codes(r) == ["invalid-requirement"]


def test_full_line_comments_and_blank_lines():
    r = parse("# header\n   # indented comment\n\nflask\n")
    assert [(x.name, x.origin.line) for x in r.requirements] == [("flask", 4)]


def test_backslash_continuation_joins_and_keeps_first_line():
    r = parse("# c\nflask\\\n==2.0\nrequests \\\n  >=2 \\\n  ; python_version >= '3'\n")
    reqs = by_name(r)
    assert reqs["flask"].specifier == "==2.0"
    assert reqs["flask"].origin.line == 2
    assert reqs["requests"].origin.line == 4
    assert reqs["requests"].marker == 'python_version >= "3"'


def test_comment_line_ends_a_continuation():
    lines = list(join_lines([(1, "flask \\"), (2, "# note"), (3, "click")]))
    assert lines[0][0] == 1
    assert strip_comment(lines[0][1]) == "flask"
    assert lines[1] == (3, "click")


def test_trailing_backslash_on_last_line():
    r = parse("flask==2.0 \\")
    assert by_name(r)["flask"].specifier == "==2.0"


def test_hashes_are_kept():
    r = parse("flask==2.0.1 \\\n    --hash=sha256:aaa \\\n    --hash sha256:bbb\n")
    (req,) = r.requirements
    assert req.hashes == ("sha256:aaa", "sha256:bbb")
    assert req.specifier == "==2.0.1"


def test_index_options_parsed_not_packages():
    text = (
        "--index-url https://pkgs.example/simple\n"
        "--extra-index-url=https://mirror.example/simple\n"
        "-f ./wheels\n--find-links https://dl.example/wheels\n"
        "--no-binary :all:\n--only-binary=lxml,Pillow\n"
        "--prefer-binary\n--pre\n--trusted-host mirror.example\n--require-hashes\n--no-index\n"
        "flask\n"
    )
    r = parse(text)
    assert [x.name for x in r.requirements] == ["flask"]
    assert r.options == IndexOptions(
        index_url="https://pkgs.example/simple",
        extra_index_urls=("https://mirror.example/simple",),
        no_index=True,
        find_links=("./wheels", "https://dl.example/wheels"),
        no_binary=(":all:",),
        only_binary=("lxml", "pillow"),
        prefer_binary=True,
        pre=True,
        trusted_hosts=("mirror.example",),
        require_hashes=True,
    )
    assert r.findings == ()


def test_short_option_with_glued_value():
    r = parse("-ihttps://pkgs.example/simple\n")
    assert r.options.index_url == "https://pkgs.example/simple"


def test_unknown_option_is_a_warning():
    r = parse("--frobnicate\nflask\n")
    assert [x.name for x in r.requirements] == ["flask"]
    (f,) = r.findings
    assert f.code == "requirements-unknown-option"
    assert f.severity is Severity.WARNING
    assert f.origin is not None and f.origin.line == 1


def test_file_option_after_requirement_is_reported():
    r = parse("flask --index-url https://x.example/simple\n")
    assert [x.name for x in r.requirements] == ["flask"]
    assert codes(r) == ["requirements-bad-options"]


def test_include_relative_to_including_file():
    r = parse(
        "-r base/common.txt\nflask\n",
        {"svc/base/common.txt": "-r ../extra.txt\nrequests\n", "svc/extra.txt": "click\n"},
    )
    assert {x.name: x.origin.path for x in r.requirements} == {
        "click": "svc/extra.txt",
        "requests": "svc/base/common.txt",
        "flask": "svc/requirements.txt",
    }
    assert r.files == ("svc/requirements.txt", "svc/base/common.txt", "svc/extra.txt")
    assert ("svc/base/common.txt", "svc/extra.txt") in r.includes


def test_long_include_options_and_equals_form():
    r = parse("--requirement=a.txt\n--constraint c.txt\n", {"svc/a.txt": "flask\n", "svc/c.txt": "flask<3\n"})
    assert [x.name for x in r.requirements] == ["flask"]
    assert [(x.name, x.specifier) for x in r.constraints] == [("flask", "<3")]


def test_constraints_are_not_requirements():
    r = parse("-c constraints.txt\ndjango\n", {"svc/constraints.txt": "urllib3<2\ndjango<5\n"})
    assert [x.name for x in r.requirements] == ["django"]
    assert {x.name for x in r.constraints} == {"urllib3", "django"}
    assert all(c.origin.path == "svc/constraints.txt" for c in r.constraints)


def test_r_inside_constraints_file_reads_requirements_as_pip_does():
    r = parse("-c c.txt\n", {"svc/c.txt": "-r more.txt\nsix<2\n", "svc/more.txt": "attrs\n"})
    assert [x.name for x in r.requirements] == ["attrs"]
    assert [x.name for x in r.constraints] == ["six"]


def test_include_cycle_names_the_cycle():
    r = parse("-r a.txt\nflask\n", {"svc/a.txt": "-r b.txt\n", "svc/b.txt": "-r requirements.txt\nclick\n"})
    assert {x.name for x in r.requirements} == {"flask", "click"}
    (f,) = [f for f in r.findings if f.code == "requirements-include-cycle"]
    assert "svc/requirements.txt -> svc/a.txt -> svc/b.txt -> svc/requirements.txt" in f.message
    assert str(f.origin) == "svc/b.txt:1"
    assert f.severity is Severity.ERROR and f.hint


def test_self_include_is_a_cycle():
    r = parse("-r requirements.txt\nflask\n")
    assert codes(r) == ["requirements-include-cycle"]
    assert [x.name for x in r.requirements] == ["flask"]


def test_diamond_include_is_read_once_and_not_a_cycle():
    r = parse("-r a.txt\n-r b.txt\n", {"svc/a.txt": "-r c.txt\n", "svc/b.txt": "-r c.txt\n", "svc/c.txt": "six\n"})
    assert [x.name for x in r.requirements] == ["six"]
    assert r.findings == ()


def test_missing_include_names_including_line():
    r = parse("flask\n-r nope.txt\n")
    (f,) = r.findings
    assert f.code == "requirements-include-missing"
    assert str(f.origin) == "svc/requirements.txt:2"
    assert "svc/nope.txt" in f.message


def test_include_outside_repo_and_remote_include():
    r = parse("-r ../../../etc/passwd\n-r https://example.org/reqs.txt\n")
    assert codes(r) == ["requirements-include-outside", "requirements-remote-include"]


def test_editable_local_path_reads_project_name():
    r = parse(
        "-e ./libs/core\n-e .\n",
        {
            "svc/libs/core/pyproject.toml": '[project]\nname = "Core_Lib"\n',
            "svc/setup.cfg": "[metadata]\nname = my-service\n",
        },
    )
    reqs = by_name(r)
    assert reqs["core-lib"].editable and reqs["core-lib"].url == "./libs/core"
    assert reqs["my-service"].editable and reqs["my-service"].url == "."


def test_editable_path_name_from_setup_py_literal():
    r = parse("-e ./legacy\n", {"svc/legacy/setup.py": "from setuptools import setup\nsetup(name='Old_Thing')\n"})
    assert [(x.name, x.editable) for x in r.requirements] == [("old-thing", True)]
    assert r.findings == ()


def test_editable_local_path_with_extras():
    r = parse("-e .[dev,Test]\n", {"svc/pyproject.toml": '[project]\nname = "svc"\n'})
    (req,) = r.requirements
    assert (req.name, req.extras, req.editable, req.url) == ("svc", ("dev", "test"), True, ".[dev,Test]")


def test_editable_vcs_with_egg():
    r = parse("-e git+https://git.example/org/repo.git@v1.2#egg=MyLib\n")
    (req,) = r.requirements
    assert req.name == "mylib" and req.editable
    assert req.url == "git+https://git.example/org/repo.git@v1.2#egg=MyLib"


def test_editable_needs_path_or_url():
    r = parse("-e flask\n")
    assert r.requirements == ()
    assert codes(r) == ["invalid-requirement"]


def test_vcs_ref_with_egg_and_subdirectory():
    r = parse("git+https://git.example/o/mono.git@abc123#egg=pkg-a&subdirectory=packages/a\n")
    (req,) = r.requirements
    assert req.name == "pkg-a" and not req.editable
    assert "@abc123" in (req.url or "")


def test_pep508_direct_reference():
    r = parse("pkg @ https://files.example/pkg-1.0.tar.gz ; python_version >= '3.8'\n")
    (req,) = r.requirements
    assert req.name == "pkg"
    assert req.url == "https://files.example/pkg-1.0.tar.gz"
    assert req.marker == 'python_version >= "3.8"'


def test_bare_wheel_and_sdist_urls_name_themselves():
    r = parse(
        "https://files.example/a/wheelpkg-1.2.3-py3-none-any.whl\n"
        "https://files.example/b/other_pkg-0.4.tar.gz; sys_platform == 'linux'\n"
    )
    reqs = by_name(r)
    assert reqs["wheelpkg"].specifier == "==1.2.3"
    assert reqs["other-pkg"].specifier == "==0.4"
    assert reqs["other-pkg"].marker == 'sys_platform == "linux"'


def test_unnamed_url_guesses_and_warns():
    r = parse("git+https://git.example/org/tool.git@main\n")
    (req,) = r.requirements
    assert req.name == "tool"
    assert codes(r) == ["requirements-unnamed-url"]


def test_local_archive_path():
    r = parse("./wheels/fancy_lib-2.0-py3-none-any.whl\n")
    (req,) = r.requirements
    assert (req.name, req.specifier, req.url) == (
        "fancy-lib",
        "==2.0",
        "./wheels/fancy_lib-2.0-py3-none-any.whl",
    )


def test_env_var_expansion_from_mapping():
    r = parse(
        "--index-url https://${PIP_HOST}/simple\nmylib==${MYLIB_VERSION}\n",
        env={"PIP_HOST": "pkgs.example", "MYLIB_VERSION": "1.4"},
    )
    assert r.options.index_url == "https://pkgs.example/simple"
    assert by_name(r)["mylib"].specifier == "==1.4"


def test_unknown_env_var_left_and_reported():
    r = parse("--extra-index-url https://${NOT_SET}/simple\nflask\n")
    assert r.options.extra_index_urls == ("https://${NOT_SET}/simple",)
    (f,) = r.findings
    assert f.code == "requirements-unknown-env-var" and "NOT_SET" in f.message
    assert str(f.origin) == "svc/requirements.txt:1"


def test_only_braced_uppercase_form_expands():
    r = parse("--index-url https://$HOST/${lower}/simple\n", env={"HOST": "h", "lower": "x"})
    assert r.options.index_url == "https://$HOST/${lower}/simple"
    assert r.findings == ()


def test_expanded_secret_does_not_reach_the_url():
    r = parse("git+https://${GH_TOKEN}@git.example/o/r.git@v1#egg=rlib\n", env={"GH_TOKEN": "s3cr3t"})
    (req,) = r.requirements
    assert "s3cr3t" not in (req.url or "")
    assert req.url == "git+https://${GH_TOKEN}@git.example/o/r.git@v1#egg=rlib"


def test_invalid_line_has_file_line_and_column():
    r = parse("flask\n   bad-name>=\nclick\n")
    assert [x.name for x in r.requirements] == ["flask", "click"]
    (f,) = r.findings
    assert f.code == "invalid-requirement"
    assert f.origin is not None and (f.origin.line, f.origin.column) == (2, 12)  # at the ">="
    assert "^" in f.message


def test_split_args_options_matches_pip():
    assert split_args_options("flask==1 --hash=sha256:x") == ("flask==1", "--hash=sha256:x")
    assert split_args_options("-e ./x") == ("", "-e ./x")
    assert split_args_options("pkg ; python_version<'3'") == ("pkg ; python_version<'3'", "")


def test_logical_lines_numbers():
    assert logical_lines("a\n\n# x\nb \\\nc\n") == [(1, "a"), (4, "b c")]


def test_crlf_line_endings():
    r = parse("flask==2.0\r\nclick \\\r\n>=8\r\n")
    assert {x.name: x.specifier for x in r.requirements} == {"flask": "==2.0", "click": ">=8"}


def test_scope_defaults_main_in_parser():
    r = parse("flask\n")
    assert r.requirements[0].scope is Scope.MAIN and r.requirements[0].direct


def test_per_requirement_options_are_accepted_on_the_line():
    r = parse('pkg==1 --config-settings="--build-option=--fast" -C key=value --global-option=x\n')
    assert [(x.name, x.specifier) for x in r.requirements] == [("pkg", "==1")]
    assert r.findings == ()


def test_per_requirement_option_alone_is_reported():
    r = parse("--hash=sha256:abc\nflask\n")
    assert [x.name for x in r.requirements] == ["flask"]
    assert [(f.code, f.origin.line) for f in r.findings] == [("requirements-bad-options", 1)]


def test_option_value_problems():
    r = parse("--index-url\n--pre=yes\n--find-links 'unclosed\n--use-feature truststore\n")
    assert [f.code for f in r.findings] == ["requirements-bad-options"] * 3
    assert [f.origin.line for f in r.findings] == [1, 2, 3]
    assert r.options.pre and r.options.use_features == ("truststore",)


def test_no_binary_names_are_normalized():
    r = parse("--no-binary=Pillow,lxml_x\n--no-binary :none:\n")
    assert r.options.no_binary == ("pillow", "lxml-x", ":none:")
