"""A throwaway PostgreSQL cluster for the tests: initdb and pg_ctl into a temporary folder.

PostgreSQL refuses to run as root, so as root the cluster is made and run as the
``postgres`` system user. Each test gets its own database, copied from a migrated template,
and the database is dropped when the test ends: a few hundred left behind cost seconds of
teardown and hundreds of megabytes of temporary disk.
"""
from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "certline"


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, fsync: bool = False) -> None:
        self.fsync = fsync  # off for the tests' speed; the soak benchmark runs with it on
        self.initdb = find_bin("initdb")
        self.pg_ctl = find_bin("pg_ctl")
        self.as_root = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="certline-pg-"))
        self.port = _free_port()
        self._names = itertools.count(1)

    @property
    def available(self) -> bool:
        return bool(self.initdb and self.pg_ctl)

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> None:
        data = self.dir / "data"
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(self.initdb, "-D", str(data), "-A", "trust", "-U", SUPERUSER, "--no-sync")
        self.resume()

    def pause(self) -> None:
        """Stop the server as an administrator would (``-m fast``: sessions ended, data kept); ``resume`` starts it."""
        self._run(self.pg_ctl, "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync={'on' if self.fsync else 'off'} "
                   "-c max_connections=200")
        self._run(self.pg_ctl, "-D", str(self.dir / "data"), "-o", options, "-l", str(self.dir / "log"), "-w",
                  "start")

    def stop(self) -> None:
        try:
            self._run(self.pg_ctl, "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, name: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    def create_database(self, template: str | None = None) -> str:
        """A new empty (or template-copied) database; returns its URL."""
        import psycopg

        name = f"t{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            suffix = f" TEMPLATE {template}" if template else ""
            conn.execute(f"CREATE DATABASE {name}{suffix}")
        return self.url(name)

    def databases(self) -> set[str]:
        """The names of the cluster's databases other than ``postgres`` and the templates."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            rows = conn.execute("SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'")
            return {name for (name,) in rows}

    def drop_databases(self, names: set[str]) -> None:
        """Drop ``names``, also while a test's worker thread or child process still holds a connection."""
        import psycopg
        from psycopg import sql

        if not names:
            return
        with psycopg.connect(self.url(), autocommit=True) as conn:
            # WITH (FORCE), PostgreSQL 13+, ends the database's sessions first; older servers are told to.
            force = conn.info.server_version >= 130000
            for name in sorted(names):
                if not force:
                    conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                                 (name,))
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}" + (" WITH (FORCE)" if force else ""))
                             .format(sql.Identifier(name)))
