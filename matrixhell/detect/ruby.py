"""Ruby: Gemfile (read statically), Gemfile.lock and .ruby-version.

Runtime sources, best first: ``.ruby-version``, the lock file's ``RUBY VERSION``, the Gemfile's ``ruby``
directive.  Bundler's own version comes from ``BUNDLED WITH``.  Rails starts with
``bundle exec rails server -b 0.0.0.0`` on port 3000; a Rack app (config.ru) with ``rackup`` on 9292.
"""

from __future__ import annotations

import dataclasses
import re

from matrixhell.detect._facts import Facts, has_marker, nearest, read_or_note, read_text_or_note
from matrixhell.detect._gemfile import Gemfile, GemfileLock, parse_gemfile, parse_gemfile_lock
from matrixhell.detect._ranges import RangeError, ruby_requirement, version_prefix
from matrixhell.detect._toolversions import read_version_managers
from matrixhell.detect.base import DetectContext
from matrixhell.detect.repoview import RepoView
from matrixhell.model import Origin, Severity
from matrixhell.model.facts import Detection, Ecosystem, PackageReq, RuntimeReq, Scope, StartCommand

__all__ = ["RubyDetector"]

_DEV_GROUPS = {"development", "test", "dev"}
_FRAMEWORKS = {
    "rails": "rails",
    "railties": "rails",
    "sinatra": "sinatra",
    "puma": "puma",
    "hanami": "hanami",
}
_LOCK_RUBY = re.compile(r"^ruby\s+(\d+(?:\.\d+)*)")


def _gemfile(view: RepoView, path: str) -> Gemfile:
    return parse_gemfile(view.read_text(path), path)


def _lock(view: RepoView, path: str) -> GemfileLock:
    return parse_gemfile_lock(view.read_text(path), path)


class RubyDetector:
    name = "ruby"
    markers = ("Gemfile", "gems.rb")

    def applies(self, ctx: DetectContext) -> bool:
        return has_marker(ctx.files, self.markers)

    def detect(self, ctx: DetectContext) -> Detection:
        facts = Facts(self.name)
        facts.language("ruby")
        gem_name = "Gemfile" if ctx.has("Gemfile") else "gems.rb"
        lock_name = "Gemfile.lock" if gem_name == "Gemfile" else "gems.locked"
        gemfile = read_or_note(facts, ctx.view, ctx.path(gem_name), _gemfile)
        if gemfile is not None:
            self._gems(facts, ctx, gemfile, ctx.path(gem_name))
        if ctx.has(lock_name):
            lock = read_or_note(facts, ctx.view, ctx.path(lock_name), _lock)
            if lock is not None:
                self._locked(facts, lock, ctx.path(lock_name))
        path = nearest(ctx, ".ruby-version")  # rbenv, chruby and rvm look for it walking up
        if path is not None:
            text = read_text_or_note(facts, ctx.view, path)
            if text is not None:
                self._ruby_version(facts, text, path)
        read_version_managers(facts, ctx, "ruby", ("ruby",), 21)
        self._start(facts, ctx)
        return facts.detection()

    def _gems(self, facts: Facts, ctx: DetectContext, gemfile: Gemfile, path: str) -> None:
        if gemfile.ruby is not None:
            raw, line = gemfile.ruby
            origin = Origin(path, line)
            try:
                t = ruby_requirement([r.strip() for r in raw.split(",")])
                # bundler refuses to run under any other Ruby, so the Gemfile outranks a version manager's file
                facts.runtimes.append(RuntimeReq("ruby", t.spec, raw, "gemfile-ruby", origin, 18))
            except RangeError as e:
                facts.note("unreadable-range", f"ruby {raw!r}: {e}", origin, hint='write e.g. ruby "3.2.2"')
        for g in gemfile.gems:
            groups = tuple(dict.fromkeys(g.groups))
            dev = bool(groups) and all(x in _DEV_GROUPS for x in groups)
            url = g.option("git") or g.option("github") or g.option("path")
            if g.option("github") and url == g.option("github"):
                url = f"github:{url}"
            facts.packages.append(
                PackageReq(
                    Ecosystem.GEM,
                    g.name,
                    ", ".join(g.requirements),
                    Origin(path, g.line),
                    url=url,
                    editable=g.option("path") is not None,
                    scope=Scope.DEV if dev else Scope.MAIN,
                    group=",".join(groups) or None,
                )
            )
            if g.name in _FRAMEWORKS and not dev:
                facts.framework(_FRAMEWORKS[g.name])
        if gemfile.gemspec is not None:
            facts.note(
                "gemspec-dependencies",
                "the Gemfile pulls dependencies from a .gemspec, which is Ruby code matrixhell does not run",
                Origin(path, gemfile.gemspec),
                severity=Severity.INFO,
                hint="the lock file still lists them when it is committed",
            )

    def _locked(self, facts: Facts, lock: GemfileLock, path: str) -> None:
        versions: dict[str, str] = {}
        for name, version, _ in lock.specs:
            versions.setdefault(name, version)
        direct = {p.name for p in facts.packages}
        for i, p in enumerate(facts.packages):
            if p.name in versions:
                facts.packages[i] = dataclasses.replace(p, locked=versions[p.name])
        # DEPENDENCIES names the direct gems too: those a gemspec brings, or all of them when the
        # Gemfile could not be read
        for name, req, line in lock.dependencies:
            if name not in direct:
                direct.add(name)
                facts.packages.append(
                    PackageReq(
                        Ecosystem.GEM, name, req, Origin(path, line), locked=versions.get(name)
                    )
                )
                if name in _FRAMEWORKS:
                    facts.framework(_FRAMEWORKS[name])
        for name, version, line in lock.specs:
            if name not in direct:
                facts.packages.append(
                    PackageReq(
                        Ecosystem.GEM,
                        name,
                        "",
                        Origin(path, line),
                        locked=version,
                        direct=False,
                    )
                )
                if name == "railties":
                    facts.framework("rails")
        if lock.ruby is not None:
            raw, line = lock.ruby
            m = _LOCK_RUBY.match(raw)
            if m:
                facts.runtimes.append(
                    RuntimeReq("ruby", f"=={m.group(1)}", raw, "gemfile-lock-ruby", Origin(path, line), 25)
                )
        if lock.bundler is not None:
            raw, line = lock.bundler
            try:
                facts.runtimes.append(
                    RuntimeReq(
                        "bundler",
                        version_prefix(raw).spec,
                        raw,
                        "gemfile-lock-bundled-with",
                        Origin(path, line),
                        90,
                    )
                )
            except RangeError:
                facts.note(
                    "unreadable-version",
                    f"BUNDLED WITH {raw!r} is not a version",
                    Origin(path, line),
                    hint="write a version such as 2.5.6",
                )

    def _ruby_version(self, facts: Facts, text: str, path: str) -> None:
        for n, line in enumerate(text.splitlines(), start=1):
            value = line.split("#", 1)[0].strip()
            if not value:
                continue
            origin = Origin(path, n)
            version = value.removeprefix("ruby-")
            try:
                spec = version_prefix(version.split("-", 1)[0]).spec
            except RangeError:
                facts.note(
                    "unreadable-version",
                    f"{value!r} is not a Ruby version",
                    origin,
                    hint="write a version such as 3.3.0",
                )
                return
            facts.runtimes.append(RuntimeReq("ruby", spec, value, "ruby-version-file", origin, 20))
            return

    def _start(self, facts: Facts, ctx: DetectContext) -> None:
        rails = next((p for p in facts.packages if p.direct and p.name in ("rails", "railties")), None)
        if rails is not None:
            facts.start_commands.append(
                StartCommand(
                    rails.origin,
                    "rails",
                    argv=("bundle", "exec", "rails", "server", "-b", "0.0.0.0"),
                    precedence=42,  # a Rails app is a server: a strong start
                )
            )
            facts.default_port(3000, rails.origin, "rails")
        elif ctx.has("config.ru"):
            origin = Origin(ctx.path("config.ru"))
            facts.start_commands.append(
                StartCommand(
                    origin,
                    "rackup",
                    argv=("bundle", "exec", "rackup", "--host", "0.0.0.0", "--port", "9292"),
                    precedence=44,  # so is a Rack app
                )
            )
            facts.default_port(9292, origin, "rackup")
