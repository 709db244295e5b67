"""certline-cli and a database it cannot reach: a sentence, exit status 5, within --timeout; never a traceback."""
from __future__ import annotations

import socket
import time

import pytest

from app import certificates
from app import db as app_db
from app.cli import main as cli
from tests.helpers.postgres import Cluster

MARGIN_S = 3.0  # a loaded machine's slack on top of --timeout


@pytest.fixture(scope="module")
def own_cluster():
    cluster = Cluster()
    if not cluster.available:
        pytest.skip("PostgreSQL is not installed (no initdb/pg_ctl); .ci/run installs it")
    cluster.start()
    yield cluster
    cluster.stop()


def run(capsys, *argv: str) -> tuple[int, str, str, float]:
    started = time.monotonic()
    code = cli(list(argv))
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    return code, captured.out, captured.err, elapsed


@pytest.mark.postgres
def test_a_stopped_server_exits_5_with_a_sentence(own_cluster, capsys):
    url = own_cluster.create_database()
    app_db.open_database(url)
    app_db.close_database()
    assert run(capsys, "certs", "--db", url)[0] == 0
    own_cluster.pause()
    try:
        code, out, err, elapsed = run(capsys, "--timeout", "4", "certs", "--db", url)
    finally:
        own_cluster.resume()
    assert code == 5 and out == ""
    assert err.startswith(f"certline-cli: Cannot open the database {url}: connection failed: ")
    assert err.rstrip().endswith("The database cannot be reached (waited at most 4 s); nothing was done.")
    assert "Traceback" not in err
    assert elapsed < 4 + MARGIN_S
    assert run(capsys, "certs", "--db", url)[0] == 0  # and back, with nothing to do


@pytest.mark.postgres
def test_a_server_that_never_answers_is_given_up_after_the_timeout(capsys):
    with socket.socket() as silent:  # the handshake is the kernel's; nothing ever answers after it
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        code, _, err, elapsed = run(capsys, "--timeout", "2", "certs", "--db",
                                    f"postgresql://certline:Sesame-42@127.0.0.1:{port}/certline")
    assert code == 5
    assert "The database cannot be reached (waited at most 2 s); nothing was done." in err
    assert "Sesame-42" not in err and "Traceback" not in err
    assert 1.5 < elapsed < 2 + MARGIN_S


@pytest.mark.postgres
def test_a_connection_lost_in_the_middle_of_a_command_says_the_outcome_is_unknown(own_cluster, capsys, monkeypatch):
    url = own_cluster.create_database()
    app_db.open_database(url)
    app_db.close_database()

    def connection_dies(*args, **kwargs):
        app_db.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(certificates, "list_certificates", connection_dies)
    code, out, err, _ = run(capsys, "certs", "--db", url)
    assert code == 5 and out == ""
    assert err.startswith("certline-cli: The connection to the database was lost: terminating connection due to "
                          "administrator command. A change this command was making may or may not have been saved")
    assert "Traceback" not in err


def test_timeout_is_bounded(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli(["--timeout", "0", "certs"])
    assert exit_.value.code == 2
    assert "argument --timeout: between 1 and 3600 seconds" in capsys.readouterr().err
