"""PhpDetector: composer.json require/require-dev, ext-*, platform, composer.lock."""

from __future__ import annotations

import json
from typing import Any

from matrixhell.detect.base import DetectContext
from matrixhell.detect.php import PhpDetector
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model.facts import Detection, Ecosystem, Scope


def run(files: dict[str, Any], directory: str = "") -> Detection:
    enc = {k: (json.dumps(v, indent=4) if isinstance(v, dict) else v) for k, v in files.items()}
    view = MemoryRepoView(enc)
    names = frozenset(f for f in view.listdir(directory) if view.is_file(f"{directory}/{f}" if directory else f))
    ctx = DetectContext(view, directory, names)
    assert PhpDetector().applies(ctx)
    return PhpDetector().detect(ctx)


COMPOSER = {
    "name": "shop/admin",
    "require": {
        "php": "^8.1",
        "ext-pdo_pgsql": "*",
        "ext-intl": "*",
        "laravel/framework": "^10.10",
        "guzzlehttp/guzzle": "^7.2",
    },
    "require-dev": {"phpunit/phpunit": "^10.1"},
}


def test_require_php_is_the_runtime() -> None:
    d = run({"composer.json": COMPOSER})
    r = d.runtimes[0]
    assert (r.runtime, r.spec, r.raw, r.source, r.origin.line) == (
        "php",
        ">=8.1.0,<9.0.0",
        "^8.1",
        "composer-require-php",
        4,
    )


def test_ext_entries_stay_packages_and_dev_scope() -> None:
    d = run({"composer.json": COMPOSER})
    by = {p.name: p for p in d.packages}
    assert by["ext-pdo_pgsql"].ecosystem is Ecosystem.COMPOSER and by["ext-pdo_pgsql"].specifier == "*"
    assert "php" not in by
    assert by["phpunit/phpunit"].scope is Scope.DEV
    assert d.frameworks == ("laravel",)


def test_platform_outranks_require() -> None:
    d = run({"composer.json": {**COMPOSER, "config": {"platform": {"php": "8.2.12"}}}})
    assert [(r.source, r.spec) for r in d.runtimes] == [
        ("composer-platform", "==8.2.12"),
        ("composer-require-php", ">=8.1.0,<9.0.0"),
    ]


def test_disjoint_php_constraint_is_noted() -> None:
    d = run({"composer.json": {"require": {"php": "^7.4 || ^8.2"}}})
    assert d.runtimes[0].spec == ">=7.4.0,<9.0.0"
    assert any(f.code == "range-widened" for f in d.findings)


def test_composer_lock() -> None:
    lock = {
        "packages": [
            {"name": "laravel/framework", "version": "v10.48.4"},
            {"name": "symfony/console", "version": "v6.4.4"},
        ],
        "packages-dev": [
            {"name": "phpunit/phpunit", "version": "10.5.11"},
            {"name": "mockery/mockery", "version": "1.6.7"},
        ],
    }
    d = run({"composer.json": COMPOSER, "composer.lock": lock, "artisan": "#!/usr/bin/env php\n"})
    by = {p.name: p for p in d.packages}
    assert by["laravel/framework"].locked == "10.48.4" and by["laravel/framework"].direct
    console = by["symfony/console"]
    assert not console.direct and console.locked == "6.4.4" and console.origin.path == "composer.lock"
    assert console.group is None  # a lock file is not a dependency group
    assert console.origin.line == 7
    assert by["mockery/mockery"].scope is Scope.DEV
    # artisan serve is a development server: the start command is left to a Dockerfile or the generator
    assert d.start_commands == () and d.ports == ()


def test_bad_composer_json() -> None:
    d = run({"composer.json": '{\n    "require": {\n        "php": "^8.1"\n    \n'})
    assert d.findings[0].code == "bad-json" and d.findings[0].origin is not None
    d2 = run({"composer.json": {"require": {"php": "nonsense!"}}})
    assert any(f.code == "unreadable-range" for f in d2.findings)
    d3 = run({"composer.json": {"require": ["php"]}})
    assert d3.findings[0].code == "bad-manifest"


def test_php_apache_image_starts_apache_on_80() -> None:
    d = run({"composer.json": COMPOSER, "Dockerfile": "FROM php:8.2-apache-bookworm\nCOPY . /var/www/html/\n"})
    (start,) = d.start_commands
    assert (start.argv, start.source) == (("apache2-foreground",), "php-apache-image")
    assert str(start.origin) == "Dockerfile:1"
    assert [(p.number, p.source) for p in d.ports] == [(80, "php-apache-default")]


def test_php_fpm_image_starts_php_fpm_on_9000_and_arg_defaults_apply() -> None:
    dockerfile = "ARG PHP=8.3\nFROM composer:2 AS deps\nFROM php:${PHP}-fpm-alpine\nCOPY . /app\n"
    d = run({"composer.json": COMPOSER, "Dockerfile": dockerfile})
    (start,) = d.start_commands
    assert (start.argv, start.origin.line) == (("php-fpm",), 3)
    assert [p.number for p in d.ports] == [9000]


def test_no_server_is_guessed_without_such_an_image() -> None:
    # a framework alone says nothing of the server in front of it; artisan serve is a dev server
    assert run({"composer.json": COMPOSER, "artisan": "#!/usr/bin/env php\n"}).start_commands == ()
    cli = run({"composer.json": COMPOSER, "Dockerfile": "FROM php:8.3-cli\n"})
    assert cli.start_commands == () and cli.ports == ()
    # an apache stage that is not the final one does not count
    multi = "FROM php:8.3-apache AS base\nFROM php:8.3-cli\n"
    assert run({"composer.json": COMPOSER, "Dockerfile": multi}).start_commands == ()


def test_the_dockerfiles_own_cmd_and_expose_win() -> None:
    from matrixhell.detect.scan import scan_repo

    view = MemoryRepoView({
        "admin/composer.json": json.dumps(COMPOSER),
        "admin/Dockerfile": 'FROM php:8.2-apache\nEXPOSE 8080\nCMD ["php", "-S", "0.0.0.0:8080"]\n',
        "plain/composer.json": json.dumps(COMPOSER),
        "plain/Dockerfile": "FROM php:8.2-apache\n",
    })
    result = scan_repo(view, cache=False)
    admin, plain = result.service("admin"), result.service("plain")
    assert admin.start is not None and admin.start.argv == ("php", "-S", "0.0.0.0:8080")
    assert [p.number for p in admin.ports] == [8080]
    assert plain.start is not None and plain.start.argv == ("apache2-foreground",)
    assert [p.number for p in plain.ports] == [80]
