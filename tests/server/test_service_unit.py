"""packaging/certline-server.service starts the command as this version parses it."""
from __future__ import annotations

import shlex
from pathlib import Path

from app.server.main import parse

UNIT = Path(__file__).resolve().parents[2] / "packaging" / "certline-server.service"


def test_the_systemd_unit_starts_certline_server_with_options_it_takes():
    lines = [line.strip() for line in UNIT.read_text().splitlines() if line.strip() and not line.startswith("#")]
    sections = [line for line in lines if line.startswith("[")]
    assert sections == ["[Unit]", "[Service]", "[Install]"]
    (start,) = [line.split("=", 1)[1] for line in lines if line.startswith("ExecStart=")]
    command, *argv = shlex.split(start)
    assert command.endswith("/certline-server")
    args = parse(argv)
    assert (args.host, args.port, args.db) == ("127.0.0.1", 3000, None)  # the database from CERTLINE_DB
    environment = dict(line.split("=", 1)[1].split("=", 1) for line in lines if line.startswith("Environment="))
    assert environment["CERTLINE_DB"].startswith("postgresql://") and "@" in environment["CERTLINE_DB"]
    assert ":" not in environment["CERTLINE_DB"].split("//", 1)[1].split("@", 1)[0]  # no password in the URL
    assert "RestartPreventExitStatus=5" in lines


def test_a_database_that_cannot_be_opened_is_said_in_one_line_and_exit_status_5(capsys):
    from app.server.main import main

    assert main(["--db", "postgresql://certline@127.0.0.1:1/certline"]) == 5
    error = capsys.readouterr().err
    assert error.startswith("certline-server: Cannot open the database postgresql://certline@127.0.0.1:1/certline")
    assert "Traceback" not in error and len(error.strip().splitlines()) == 1
