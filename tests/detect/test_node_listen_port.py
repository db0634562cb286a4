"""The port a Node server's entry file listens on."""

from __future__ import annotations

import json

import pytest

from matrixhell.detect.base import DetectContext
from matrixhell.detect.node import NodeDetector, listen_port
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Origin


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("app.listen(3000);\n", (3000, 1)),
        ("const app = express();\n\napp.listen( 8080, () => {});\n", (8080, 3)),
        ("app.listen(process.env.PORT || 4000)\n", (4000, 1)),
        ("app.listen(process.env.PORT ?? 4001)\n", (4001, 1)),
        ("const PORT = process.env.PORT || 5000;\nserver.listen(PORT, () => {});\n", (5000, 2)),
        ("let port = Number(process.env.PORT) || 5001\napp.listen(port)\n", (5001, 2)),
        ("const PORT = 7000\napp.listen(PORT)\n", (7000, 2)),
        ("await fastify.listen({ port: 3100, host: '0.0.0.0' })\n", (3100, 1)),
        ("fastify.listen({ host: '::', port: process.env.PORT || 3101 })\n", (3101, 1)),
        ("const server = Hapi.server({ port: 3200, host: 'localhost' });\n", (3200, 1)),
        ("http.createServer(handler).listen(9000)\n", (9000, 1)),
    ],
)
def test_listen_ports(source: str, expected: tuple[int, int]) -> None:
    assert listen_port(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "app.listen(port)\n",  # a name never assigned a number
        "app.listen(process.env.PORT)\n",  # no default written
        "app.get('/', h)\n",
        "server.listen(cfg.port)\n",
    ],
)
def test_no_port_named(source: str) -> None:
    assert listen_port(source) is None


def detect(files: dict[str, str], directory: str = "notes") -> tuple[list[tuple[int, Origin]], list[str]]:
    view = MemoryRepoView(files)
    names = frozenset(p.rsplit("/", 1)[-1] for p in files if p.startswith(f"{directory}/"))
    det = NodeDetector().detect(DetectContext(view, directory, names))
    return [(p.number, p.origin) for p in det.ports], [f.code for f in det.findings]


def pkg(**fields: object) -> str:
    return json.dumps({"name": "notes", "dependencies": {"express": "4.19.2"}, **fields})


def test_express_app_of_the_start_script() -> None:
    ports, _ = detect(
        {
            "notes/package.json": pkg(scripts={"start": "node server.js"}),
            "notes/server.js": 'const express = require("express");\nconst app = express();\napp.listen(3000);\n',
        }
    )
    assert ports == [(3000, Origin("notes/server.js", 3))]


def test_entry_of_main_and_of_a_plain_entry_file() -> None:
    ports, _ = detect(
        {"notes/package.json": pkg(main="src/app.js"), "notes/src/app.js": "app.listen(process.env.PORT || 8081)\n"}
    )
    assert ports == [(8081, Origin("notes/src/app.js", 1))]
    ports, _ = detect({"notes/package.json": pkg(), "notes/index.js": "\napp.listen(8082)\n"})
    assert ports == [(8082, Origin("notes/index.js", 2))]


def test_a_script_port_wins_and_a_non_server_is_not_read() -> None:
    ports, _ = detect(
        {
            "notes/package.json": pkg(scripts={"start": "PORT=4000 node server.js"}),
            "notes/server.js": "app.listen(process.env.PORT || 3000)\n",
        }
    )
    assert [n for n, _ in ports] == [4000]
    # no server dependency and no http.createServer: a listen() of something else is no port
    ports, _ = detect(
        {
            "notes/package.json": json.dumps({"name": "w", "scripts": {"start": "node server.js"}}),
            "notes/server.js": "queue.listen(3000)\n",
        }
    )
    assert ports == []


def test_missing_entry_file_is_no_error() -> None:
    ports, codes = detect({"notes/package.json": pkg(scripts={"start": "node dist/server.js"})})
    assert ports == [] and codes == []
