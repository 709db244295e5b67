"""certline-server for the tests: a real uvicorn on a loopback port, on the test's database (SQLite and
PostgreSQL), asked with a real HTTP client (httpx).

``server`` runs uvicorn in a thread of the test process, on the database the ``plant`` fixture opened, so
a test can set the database up and read it back with app/ directly. ``server_process`` starts
``certline-server`` itself as a child process, for what needs a process of its own (its memory, two
servers side by side).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Iterator

import httpx
import pytest
import uvicorn

from app import db, serials, tokens
from app.server.application import create_app
from tests.helpers.documents_corpus import document_folder  # noqa: F401 - documents stay in the test's folder

ALL_SCOPES = ",".join(tokens.SCOPES)
REPO = FilePath(__file__).resolve().parents[2]


@dataclass
class Server:
    url: str
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, secret: str | None = None, **kwargs) -> httpx.Client:
        """An HTTP client of this server, sending ``secret`` as its bearer token (none without it)."""
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=60, **kwargs)
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()


def token(user: str = "sup1", scopes: str = ALL_SCOPES, name: str = "ERP import", **kwargs) -> tuple[str, str]:
    """A new API token's (id, secret), made by the plant's administrator."""
    record, secret = tokens.create_token(user, name, "admin", scopes=scopes, **kwargs)
    return record.id, secret


def bulk_attachments(cert_id: str, count: int, prefix: str = "SN-B") -> None:
    """``count`` serials of JOB-1, each with ``cert_id`` attached at its first step, one second apart: made by
    one INSERT … SELECT per table, as the benchmark database is (no audit entries: verify is not asked here)."""
    if db.is_sqlite():
        numbers = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "
        serial_id, at = f"printf('{prefix}%07d', i)", "strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || i || ' seconds') || '000'"
        source = "FROM n"
    else:
        numbers, serial_id = "", f"'{prefix}' || lpad(i::text, 7, '0')"
        at, source = "timestamp '2026-01-01' + i * interval '1 second'", f"FROM generate_series(1, {count}) AS n(i)"
    with db.write_transaction():
        db.execute(f'{numbers}INSERT INTO "serial" ("id", "job_id", "path_id", "current_step_index", "status", '
                   f'"created_at") SELECT {serial_id}, \'JOB-1\', \'path_a\', 0, \'in_progress\', {at} {source}')
        db.execute(f'{numbers}INSERT INTO "cert_attachment" ("id", "serial_id", "cert_id", "step_id", "attached_at", '
                   f'"attached_by") SELECT \'ca_B\' || {serial_id}, {serial_id}, \'{cert_id}\', \'step_001\', {at}, '
                   f'\'op1\' {source}')


@pytest.fixture
def server(plant) -> Iterator[Server]:
    """uvicorn in a thread on the test's database, on a free loopback port."""
    config = uvicorn.Config(create_app(threads=4), host="127.0.0.1", port=0, log_config=None, access_log=False,
                            lifespan="on")
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not runner.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = runner.servers[0].sockets[0].getsockname()[1]
    running = Server(f"http://127.0.0.1:{port}")
    try:
        yield running
    finally:
        running.close()
        runner.should_exit = True
        thread.join(30)
        assert not thread.is_alive(), "uvicorn did not stop"


@pytest.fixture
def api(server) -> httpx.Client:
    """A client with a token of sup1 (a supervisor) holding every scope."""
    return server.client(token()[1])


@pytest.fixture
def on_the_line(plant) -> list[str]:
    """Three serials of JOB-1 at the route's first step: SN-00001 … SN-00003."""
    return serials.create_serials("JOB-1", 3, "admin").serial_ids


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """``certline-server`` as a child process; ``peak_rss()`` is its high-water mark of resident memory."""

    def __init__(self, db_url: str, log_path: FilePath, threads: int = 4):
        self.db_url, self.port = db_url, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.server.main", "--db", db_url, "--port", str(self.port), "--threads",
             str(threads), "--no-access-log"], cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
            env=os.environ | {"PYTHONUNBUFFERED": "1"})
        self.log_path = log_path
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, f"certline-server exited: {log_path.read_text()}"
            assert time.monotonic() < deadline, f"certline-server did not start: {log_path.read_text()}"
            try:
                httpx.get(f"{self.url}/openapi.json", timeout=1).raise_for_status()
                return
            except httpx.TransportError:
                time.sleep(0.05)

    def peak_rss(self) -> int:
        """Bytes: VmHWM, the most the process ever held resident (Linux)."""
        for line in FilePath(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmHWM in /proc")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def server_process(db_url, tmp_path, document_folder):  # noqa: F811
    """A factory of certline-server processes on the test's database; each stopped when the test ends."""
    started: list[ServerProcess] = []

    def start(**kwargs) -> ServerProcess:
        started.append(ServerProcess(db_url, tmp_path / f"server-{len(started)}.log", **kwargs))
        return started[-1]

    yield start
    for process in started:
        process.stop()
