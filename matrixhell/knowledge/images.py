"""Official base images: parse a reference into what it runs on, and list the candidates for a runtime.

The table (data/images.json) says, per image family, which runtime versions exist on which distro
releases, how a tag spells the release (``3.12-slim-bookworm`` vs ``20-bookworm-slim``) and what a bare
tag (``python:3.12``) means.  Parsing splits the tag into dash-separated tokens and reads each one, so
``slim``, a codename, ``alpine3.20`` and a flavor (``fpm``, ``jre``) may come in any order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ImageInfo", "ImageTable"]

_DEBIAN_CODENAMES = {"buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14"}
_DOCKER_HUB = (
    "docker.io/library/",
    "index.docker.io/library/",
    "registry-1.docker.io/library/",
    "docker.io/",
    "library/",
)
_VERSION = re.compile(r"^(\d+(?:\.\d+)*)(?:u\d+)?(?:[._][0-9a-z]+)*$")
_ALPINE = re.compile(r"^alpine(\d+\.\d+)?$")
_NON_LINUX = ("windowsservercore", "nanoserver", "ltsc2019", "ltsc2022", "ltsc2025", "1809", "ubi9", "ubi8", "minimal")


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What an official image reference runs on.

    ``variant`` is ``alpine`` (musl), ``slim`` (a minimal glibc base without compilers) or ``full``
    (the buildpack-deps base: gcc, make and common -dev headers present).
    """

    reference: str  # as given, digest included
    repository: str  # python | node | mcr.microsoft.com/dotnet/aspnet
    tag: str  # the tag the reference names, "latest" when it names none
    distro: str  # debian | ubuntu | alpine
    release: str  # bookworm | 24.04 | 3.20
    libc: str  # glibc | musl
    runtime: str  # python | node | go | java | ruby | php | rust | dotnet
    runtime_version: str  # as precise as the tag says: 3.12 | 3.12.7 | 20
    variant: str  # slim | alpine | full
    flavor: str | None = None  # php cli/fpm/apache/zts, temurin jdk/jre
    compilers: bool = False  # True when the image ships a C compiler (full buildpack-deps variants)
    family: str = ""  # the table's family name: python | node | golang | eclipse-temurin | dotnet ...
    eol: bool = False  # the table marks the runtime line past its end of life (its last tags stay published)


def _numeric(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


class ImageTable:
    """The image families of data/images.json, with the releases the catalog knows."""

    def __init__(self, doc: Mapping[str, Any], known_releases: Mapping[tuple[str, str], str]) -> None:
        """*known_releases* maps (distro, release) to its libc."""
        self._families: dict[str, Mapping[str, Any]] = dict(doc["families"])
        self._ubuntu: dict[str, str] = dict(doc.get("ubuntu_codenames", {}))
        self._ubuntu_names = {v: k for k, v in self._ubuntu.items()}
        self._libc = dict(known_releases)
        self._by_repo: dict[str, str] = {}
        for fam, spec in self._families.items():
            for repo in spec["repositories"]:
                self._by_repo[repo] = fam

    # ------------------------------------------------------------------------------------ parsing

    def parse(self, reference: str) -> ImageInfo | None:
        """Read ``python:3.11-slim-bookworm`` (registry prefix and digest allowed); None if unknown."""
        ref = reference.strip()
        name = ref.split("@", 1)[0]
        repo, tag = name, "latest"
        last = name.rsplit("/", 1)[-1]
        if ":" in last:
            repo, tag = name.rsplit(":", 1)
        repo = repo.lower()
        for prefix in _DOCKER_HUB:
            if repo.startswith(prefix) and "/" not in repo[len(prefix) :]:
                repo = repo[len(prefix) :]
                break
        family = self._by_repo.get(repo)
        if family is None:
            return None
        return self._parse_tag(reference, repo, family, tag)

    def _parse_tag(self, reference: str, repo: str, family: str, tag: str) -> ImageInfo | None:
        spec = self._families[family]
        tokens = [t for t in tag.lower().split("-") if t]
        version: str | None = None
        aliases: Mapping[str, str] = spec.get("aliases", {})
        if tokens and tokens[0] in aliases:  # node:lts, node:iron-alpine
            version = aliases[tokens.pop(0)]
        elif tokens and tokens[0] != "latest" and tokens[0][0].isdigit():
            version = tokens.pop(0)
            if _VERSION.match(version) is None:
                return None
        elif tokens and tokens[0] == "latest":
            tokens.pop(0)
        slim = False
        flavor: str | None = None
        distro: str | None = None
        release: str | None = None
        flavors = spec.get("flavors", [])
        for tok in tokens:
            if tok == "slim":
                slim = True
            elif tok in _DEBIAN_CODENAMES:
                distro, release = "debian", tok
            elif tok in self._ubuntu:
                distro, release = "ubuntu", self._ubuntu[tok]
            elif (m := _ALPINE.match(tok)) is not None:
                distro, release = "alpine", m.group(1)
            elif tok in flavors:
                flavor = tok
            elif tok in ("chiseled", "extra", "composite", "distroless", "aot") and family == "dotnet":
                slim = True
            elif tok.startswith(_NON_LINUX) or tok in _NON_LINUX:
                return None
            elif re.fullmatch(r"b\d+|rc\d*|a\d+|beta\d*|preview\d*", tok):
                continue  # temurin build numbers, pre-release markers
            elif re.fullmatch(r"\d+\.\d+", tok) and distro == "alpine" and release is None:
                release = tok  # temurin's 21-jdk-alpine-3.21
            else:
                return None
        rt_version = self._runtime_version(family, version)
        versions = spec["versions"]
        vspec = self._version_spec(versions, rt_version)
        if distro is None:
            default = vspec.get("default")
            if default is None:
                return None
            distro, release = self._split_release(default)
        elif release is None:  # bare "alpine"
            alpines = vspec.get("alpine") or []
            if not alpines:
                return None
            release = alpines[0]
        assert release is not None
        if flavor is None and flavors:
            flavor = spec.get("default_flavor")
        libc = self._libc.get((distro, release), "musl" if distro == "alpine" else "glibc")
        if distro == "alpine":
            variant = "alpine"
        elif slim or spec.get("debian_is_slim") or not spec.get("full_has_compilers"):
            variant = "slim"
        else:
            variant = "full"
        compilers = variant == "full" and bool(spec.get("full_has_compilers"))
        return ImageInfo(
            reference=reference,
            repository=repo,
            tag=tag,
            distro=distro,
            release=release,
            libc=libc,
            runtime=spec["runtime"],
            runtime_version=rt_version,
            variant=variant,
            flavor=flavor,
            compilers=compilers,
            family=family,
            eol=bool(vspec.get("eol")),
        )

    def _runtime_version(self, family: str, version: str | None) -> str:
        if version is None:
            return str(self._families[family]["latest"])
        if family == "eclipse-temurin":
            # 21.0.4_7 -> 21.0.4 ; 8u412 -> 8
            return re.split(r"[_u]", version, maxsplit=1)[0]
        return version

    @staticmethod
    def _version_spec(versions: Mapping[str, Any], version: str) -> Mapping[str, Any]:
        """The table row for *version*: exact, then its major.minor, then major, then the nearest."""
        parts = version.split(".")
        for n in range(len(parts), 0, -1):
            key = ".".join(parts[:n])
            if key in versions:
                return versions[key]  # type: ignore[no-any-return]
        # python:3 and golang:1 name the newest line under them
        under = [k for k in versions if k.startswith(version + ".")]
        if under:
            return versions[max(under, key=_numeric)]  # type: ignore[no-any-return]

        def distance(key: str) -> tuple[int, ...]:
            want = [int(p) for p in parts if p.isdigit()]
            have = [int(p) for p in key.split(".")]
            return tuple(abs(a - b) for a, b in zip(want, have, strict=False))

        nearest = min(versions, key=distance)
        return versions[nearest]  # type: ignore[no-any-return]

    def _split_release(self, name: str) -> tuple[str, str]:
        if name in _DEBIAN_CODENAMES:
            return "debian", name
        if name in self._ubuntu_names:
            return "ubuntu", name
        return "alpine", name

    # --------------------------------------------------------------------------------- candidates

    def candidates(self, runtime: str, version: str) -> tuple[ImageInfo, ...]:
        """Official images for *runtime* at *version*, best first: slim glibc newest release first,
        then the full variants, then Alpine (musl last: fewer wheels, different libc)."""
        out: list[ImageInfo] = []
        for family, spec in self._families.items():
            if spec["runtime"] != runtime:
                continue
            versions = spec["versions"]
            key = self._matching_key(versions, version, any_minor=bool(spec.get("any_minor")))
            if key is None:
                continue
            vspec = versions[key]
            repo = spec["repositories"][0]
            tag_version = version if spec.get("any_minor") else key
            for tag in self._tags(family, spec, vspec, tag_version):
                info = self._parse_tag(f"{repo}:{tag}", repo, family, tag)
                if info is not None and info not in out:
                    out.append(info)
        rank = {"slim": 0, "full": 1, "alpine": 2}
        return tuple(sorted(out, key=lambda i: rank[i.variant]))  # stable: release order kept

    @staticmethod
    def _matching_key(versions: Mapping[str, Any], version: str, *, any_minor: bool) -> str | None:
        parts = version.split(".")
        for n in range(len(parts), 0, -1):
            key = ".".join(parts[:n])
            if key in versions:
                return key
        return None

    def _tags(self, family: str, spec: Mapping[str, Any], vspec: Mapping[str, Any], v: str) -> list[str]:
        style = spec["suffix_style"]
        debian: Sequence[str] = vspec.get("debian", [])
        ubuntu: Sequence[str] = vspec.get("ubuntu", [])
        alpine: Sequence[str] = vspec.get("alpine", [])
        tags: list[str] = []
        if style == "slim-codename":
            tags += [f"{v}-slim-{c}" for c in debian] + [f"{v}-{c}" for c in debian]
            tags += [f"{v}-alpine{a}" for a in alpine]
        elif style == "codename-slim":
            tags += [f"{v}-{c}-slim" for c in debian] + [f"{v}-{c}" for c in debian]
            tags += [f"{v}-alpine{a}" for a in alpine]
        elif style == "codename":
            tags += [f"{v}-{c}" for c in debian] + [f"{v}-alpine{a}" for a in alpine]
        elif style == "flavor-codename":
            fl = spec["default_flavor"]
            tags += [f"{v}-{fl}-{c}" for c in debian] + [f"{v}-{fl}-alpine{a}" for a in alpine]
        elif style == "temurin":
            names = [self._ubuntu_names[u] for u in ubuntu]
            for fl in ("jre", "jdk"):
                tags += [f"{v}-{fl}-{n}" for n in names]
            tags += [f"{v}-{fl}-alpine" for fl in ("jre", "jdk")] if alpine else []
        elif style == "dotnet":
            tags += [f"{v}-{c}-slim" for c in debian]
            tags += [f"{v}-{self._ubuntu_names[u]}" for u in ubuntu]
            tags += [f"{v}-alpine{a}" for a in alpine]
        return tags
