"""DotnetDetector: project files, props, packages.lock.json, global.json."""

from __future__ import annotations

import json

import pytest

from matrixhell.detect.base import DetectContext
from matrixhell.detect.dotnet import DotnetDetector, tfm_version
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model.facts import Detection, Ecosystem, Scope


def run(files: dict[str, str | bytes], directory: str = "") -> Detection:
    view = MemoryRepoView(files)
    names = frozenset(f for f in view.listdir(directory) if view.is_file(f"{directory}/{f}" if directory else f))
    ctx = DetectContext(view, directory, names)
    assert DotnetDetector().applies(ctx)
    return DotnetDetector().detect(ctx)


WEB = """<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net8.0</TargetFramework>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="8.0.0" />
    <PackageReference Include="Serilog">
      <Version>3.1.1</Version>
    </PackageReference>
    <PackageReference Include="StyleCop.Analyzers" Version="1.1.118" PrivateAssets="all" />
  </ItemGroup>
</Project>
"""


@pytest.mark.parametrize(
    ("tfm", "version"),
    [
        ("net8.0", (8, 0)),
        ("net8.0-windows", (8, 0)),
        ("netcoreapp3.1", (3, 1)),
        ("net48", None),
        ("netstandard2.0", None),
    ],
)
def test_tfm_version(tfm: str, version: tuple[int, int] | None) -> None:
    assert tfm_version(tfm) == version


def test_web_project() -> None:
    d = run({"Api/Api.csproj": WEB}, "Api")
    r = d.runtimes[0]
    assert (r.runtime, r.spec, r.raw, r.origin.line) == ("dotnet", "==8.0.*", "net8.0", 3)
    by = {p.name: p for p in d.packages}
    assert by["Npgsql.EntityFrameworkCore.PostgreSQL"].ecosystem is Ecosystem.NUGET
    assert by["Serilog"].specifier == "3.1.1" and by["Serilog"].origin.line == 8
    assert by["StyleCop.Analyzers"].scope is Scope.BUILD
    assert d.frameworks == ("aspnetcore",) and (d.ports[0].number, d.ports[0].source) == (8080, "aspnetcore-default")
    assert d.start_commands[0].argv == ("dotnet", "/app/Api.dll")
    assert d.languages == ("csharp",)


def test_older_web_project_listens_on_80() -> None:
    d = run({"a.csproj": WEB.replace("net8.0", "net6.0")})
    assert d.ports[0].number == 80 and d.runtimes[0].spec == "==6.0.*"


def test_multi_targeting_and_library_and_framework() -> None:
    d = run(
        {
            "Lib.fsproj": '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup>'
            "<TargetFrameworks>net6.0;net8.0;netstandard2.0</TargetFrameworks></PropertyGroup></Project>"
        }
    )
    assert d.runtimes[0].spec == ">=6.0.0,<8.1.0"
    assert {f.code for f in d.findings} == {"library-target", "range-widened"}
    assert d.languages == ("fsharp",)
    d2 = run(
        {"Old.csproj": "<Project><PropertyGroup><TargetFramework>net48</TargetFramework></PropertyGroup></Project>"}
    )
    assert d2.runtimes == () and d2.findings[0].code == "windows-only-framework"


def test_central_package_versions_and_build_props() -> None:
    d = run(
        {
            "Directory.Build.props": "<Project><PropertyGroup><TargetFramework>net9.0</TargetFramework>"
            "</PropertyGroup></Project>",
            "Directory.Packages.props": '<Project><ItemGroup><PackageVersion Include="Serilog" '
            'Version="4.0.0" />'
            "</ItemGroup></Project>",
            "Worker.csproj": '<Project Sdk="Microsoft.NET.Sdk.Worker">'
            "<PropertyGroup><OutputType>Exe</OutputType>"
            '</PropertyGroup><ItemGroup><PackageReference Include="Serilog" /></ItemGroup></Project>',
        }
    )
    assert d.runtimes[0].spec == "==9.0.*" and d.runtimes[0].origin.path == "Directory.Build.props"
    assert d.packages[0].specifier == "4.0.0"
    assert d.start_commands[0].argv == ("dotnet", "/app/Worker.dll") and d.frameworks == ()


def test_packages_lock_and_global_json() -> None:
    lock = """{
  "version": 1,
  "dependencies": {
    "net8.0": {
      "Serilog": {"type": "Direct", "requested": "[3.1.1, )", "resolved": "3.1.1"},
      "Npgsql": {"type": "Transitive", "resolved": "8.0.0"}
    }
  }
}"""
    d = run(
        {
            "Api.csproj": WEB,
            "packages.lock.json": lock,
            "global.json": '{\n  "sdk": {\n    "version": "8.0.100",\n    "rollForward": "latestFeature"\n  }\n}\n',
        }
    )
    by = {(p.name, p.direct): p for p in d.packages}
    assert by[("Serilog", True)].locked == "3.1.1"
    assert by[("Npgsql", False)].origin.line == 6
    # global.json pins the SDK that builds, not the runtime: an SDK 8 builds net6.0 projects too
    assert [(r.runtime, r.spec, r.source) for r in d.runtimes] == [
        ("dotnet", "==8.0.*", "msbuild-target-framework"),
        ("dotnet-sdk", ">=8.0.100,<8.1", "global-json"),  # rollForward latestFeature
    ]
    assert d.runtimes[1].origin.line == 3


def test_bad_project_and_global_json() -> None:
    d = run(
        {
            "Api.csproj": '<Project Sdk="Microsoft.NET.Sdk.Web">\n  <PropertyGroup>\n</Project>\n',
            "global.json": "{ sdk: 1 }",
        }
    )
    got = {(f.code, f.origin.path if f.origin else None) for f in d.findings}
    assert got == {("bad-xml", "Api.csproj"), ("bad-json", "global.json")}


def test_msbuild_property_references() -> None:
    d = run(
        {
            "Directory.Build.props": "<Project><PropertyGroup><Tfm>net8.0</Tfm><SerilogVersion>3.1.1</SerilogVersion>"
            "</PropertyGroup></Project>",
            "App.csproj": "<Project><PropertyGroup><TargetFramework>$(Tfm)</TargetFramework></PropertyGroup>"
            '<ItemGroup><PackageReference Include="Serilog" Version="$(SerilogVersion)" /></ItemGroup></Project>',
        }
    )
    assert (d.runtimes[0].spec, d.runtimes[0].raw) == ("==8.0.*", "net8.0")
    assert d.packages[0].specifier == "3.1.1"


@pytest.mark.parametrize(
    ("policy", "spec"),
    [
        (None, ">=8.0.303,<8.0.400"),
        ("patch", ">=8.0.303,<8.0.400"),
        ("latestMinor", ">=8.0.303,<9"),
        ("major", ">=8.0.303"),
        ("disable", "==8.0.303"),
    ],
)
def test_global_json_roll_forward(policy: str | None, spec: str) -> None:
    sdk = {"version": "8.0.303"} | ({"rollForward": policy} if policy else {})
    d = run({"Api.csproj": WEB, "global.json": json.dumps({"sdk": sdk})})
    assert next(r for r in d.runtimes if r.runtime == "dotnet-sdk").spec == spec


def test_props_and_global_json_are_found_walking_up() -> None:
    d = run(
        {
            "global.json": '{"sdk": {"version": "8.0.300", "rollForward": "latestFeature"}}',
            "Directory.Packages.props": '<Project><ItemGroup><PackageVersion Include="Serilog" '
            'Version="4.0.0" /></ItemGroup></Project>',
            "src/Api/Api.csproj": WEB.replace(
                '<PackageReference Include="Serilog">\n      <Version>3.1.1</Version>\n    </PackageReference>',
                '<PackageReference Include="Serilog" />',
            ),
        },
        "src/Api",
    )
    sdk = next(r for r in d.runtimes if r.runtime == "dotnet-sdk")
    assert (sdk.spec, sdk.origin.path) == (">=8.0.300,<8.1", "global.json")
    assert next(p for p in d.packages if p.name == "Serilog").specifier == "4.0.0"
