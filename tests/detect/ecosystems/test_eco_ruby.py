"""RubyDetector: Gemfile DSL, Gemfile.lock, .ruby-version, Rails/Rack start commands."""

from __future__ import annotations

from matrixhell.detect.base import DetectContext
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.ruby import RubyDetector
from matrixhell.model.facts import Detection, Ecosystem, Scope


def run(files: dict[str, str | bytes], directory: str = "") -> Detection:
    view = MemoryRepoView(files)
    names = frozenset(f for f in view.listdir(directory) if view.is_file(f"{directory}/{f}" if directory else f))
    ctx = DetectContext(view, directory, names)
    assert RubyDetector().applies(ctx)
    return RubyDetector().detect(ctx)


GEMFILE = """source "https://rubygems.org"
git_source(:github) { |repo| "https://github.com/#{repo}.git" }

ruby "3.2.2"

gem "rails", "~> 7.1.0", ">= 7.1.2"
gem "pg", "~> 1.1"
gem "bootsnap", require: false
gem 'puma', '>= 5.0'
gem "tzinfo-data", platforms: %i[ windows jruby ]

group :development, :test do
  gem "debug", platforms: %i[ mri windows ]
  gem "rspec-rails",
      "~> 6.0"
end

group :production do
  gem "lograge"
end
gem "sidekiq", github: "sidekiq/sidekiq", group: :test
"""

LOCK = """GEM
  remote: https://rubygems.org/
  specs:
    actionpack (7.1.2)
      rack (>= 2.2.4)
    nokogiri (1.15.4-x86_64-linux)
    pg (1.5.4)
    rails (7.1.2)

PLATFORMS
  x86_64-linux

DEPENDENCIES
  pg (~> 1.1)
  rails (~> 7.1.0, >= 7.1.2)

RUBY VERSION
   ruby 3.2.2p53

BUNDLED WITH
   2.4.10
"""


def test_gemfile_gems_groups_and_lines() -> None:
    d = run({"Gemfile": GEMFILE})
    by = {p.name: p for p in d.packages}
    assert by["rails"].ecosystem is Ecosystem.GEM
    assert (by["rails"].specifier, by["rails"].origin.line) == ("~> 7.1.0, >= 7.1.2", 6)
    assert by["debug"].scope is Scope.DEV and by["debug"].group == "development,test"
    assert (by["rspec-rails"].specifier, by["rspec-rails"].origin.line) == ("~> 6.0", 14)
    assert by["lograge"].scope is Scope.MAIN and by["lograge"].group == "production"
    assert by["sidekiq"].url == "github:sidekiq/sidekiq" and by["sidekiq"].scope is Scope.DEV
    assert d.runtimes[0].spec == "==3.2.2" and d.runtimes[0].source == "gemfile-ruby"


def test_rails_start_and_port() -> None:
    d = run({"Gemfile": GEMFILE})
    assert d.frameworks == ("rails", "puma")
    assert d.start_commands[0].argv == ("bundle", "exec", "rails", "server", "-b", "0.0.0.0")
    assert (d.ports[0].number, d.ports[0].source, d.ports[0].origin.line) == (3000, "rails-default", 6)


def test_rack_app_without_rails() -> None:
    d = run({"Gemfile": 'gem "sinatra", "~> 3.0"\n', "config.ru": "run App\n"})
    assert d.frameworks == ("sinatra",)
    assert d.start_commands[0].source == "rackup" and d.ports[0].number == 9292


def test_lock_versions_ruby_and_bundler() -> None:
    d = run({"Gemfile": GEMFILE, "Gemfile.lock": LOCK, ".ruby-version": "ruby-3.2.2\n"})
    by = {(p.name, p.direct): p for p in d.packages}
    assert by[("rails", True)].locked == "7.1.2"
    noko = by[("nokogiri", False)]
    assert noko.locked == "1.15.4" and noko.origin.path == "Gemfile.lock" and noko.origin.line == 6
    assert noko.group is None  # a lock file is not a dependency group
    assert ("rack", False) not in by  # a dependency line of a spec, not a spec
    ruby = [(r.source, r.spec) for r in d.runtimes if r.runtime == "ruby"]
    assert ruby == [
        ("gemfile-ruby", "==3.2.2"),
        ("ruby-version-file", "==3.2.2"),
        ("gemfile-lock-ruby", "==3.2.2"),
    ]
    bundler = next(r for r in d.runtimes if r.runtime == "bundler")
    assert bundler.spec == "==2.4.10" and bundler.origin.line == 21


def test_pessimistic_ruby_directive() -> None:
    d = run({"Gemfile": 'ruby "~> 3.1"\ngem "rack"\n'})
    assert d.runtimes[0].spec == ">=3.1.0,<4.0.0" and d.runtimes[0].raw == "~> 3.1"


def test_bad_gemfile_is_a_finding_and_lock_still_read() -> None:
    d = run({"Gemfile": 'gem "rails\n', "Gemfile.lock": LOCK})
    assert d.findings[0].code == "bad-gemfile"
    assert any(r.source == "gemfile-lock-ruby" for r in d.runtimes)


def test_bad_lock_and_ruby_version() -> None:
    d = run({"Gemfile": GEMFILE, "Gemfile.lock": "GEM\n  specs:\n    rails 7\n", ".ruby-version": "latest\n"})
    got = {f.code for f in d.findings}
    assert got == {"bad-gemfile-lock", "unreadable-version"}


def test_gemspec_is_noted() -> None:
    d = run({"Gemfile": 'source "https://rubygems.org"\ngemspec\n'})
    assert d.findings[0].code == "gemspec-dependencies" and d.findings[0].origin is not None
    assert d.findings[0].origin.line == 2


def test_lock_dependencies_name_direct_gems_the_gemfile_did_not() -> None:
    lock = LOCK.replace("DEPENDENCIES\n", "DEPENDENCIES\n  nokogiri (~> 1.15)\n")
    d = run({"Gemfile": 'source "https://rubygems.org"\ngemspec\ngem "rails", "~> 7.1.0"\n', "Gemfile.lock": lock})
    noko = next(p for p in d.packages if p.name == "nokogiri")
    assert noko.direct and (noko.specifier, noko.locked, noko.origin.path) == ("~> 1.15", "1.15.4", "Gemfile.lock")
    assert noko.group is None
    assert not next(p for p in d.packages if p.name == "actionpack").direct


def test_unreadable_gemfile_still_gets_direct_gems_from_the_lock() -> None:
    d = run({"Gemfile": 'gem "rails\n', "Gemfile.lock": LOCK})
    direct = sorted(p.name for p in d.packages if p.direct)
    assert direct == ["pg", "rails"] and d.frameworks == ("rails",)


def test_the_gemfile_ruby_wins_over_ruby_version_since_bundler_enforces_it() -> None:
    d = run({"Gemfile": 'ruby "3.2.4"\ngem "rack"\n', ".ruby-version": "3.3.1\n"})
    ruby = sorted((r for r in d.runtimes if r.runtime == "ruby"), key=lambda r: r.precedence)
    assert [(r.source, r.spec) for r in ruby] == [("gemfile-ruby", "==3.2.4"), ("ruby-version-file", "==3.3.1")]
