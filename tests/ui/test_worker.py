"""The database worker: one thread, one connection, for as long as it runs."""
from __future__ import annotations

import threading

import pytest

from app import db as app_db
from app.models import database as proxy
from ui import operations, worker

TIMEOUT = 5000


def connection_and_thread() -> tuple[int, int]:
    return id(proxy.obj.connection()), threading.get_ident()


@pytest.fixture
def database(qtbot, db_url):
    database = worker.DatabaseWorker(db_url)
    yield database
    database.stop()
    app_db.close_database()


def run(qtbot, database, operation, *args):
    with qtbot.waitCallback(timeout=TIMEOUT) as callback:
        database.submit(operation, *args, on_done=callback, on_failed=callback)
    return callback.args[0]


def test_every_operation_runs_on_the_one_connection_the_worker_opened(qtbot, database, db_url):
    run(qtbot, database, operations.open_database, db_url)
    seen = {run(qtbot, database, connection_and_thread) for _ in range(5)}
    # One connection: a new one per operation cost a connect each time and leaked the old
    # one with its page cache (64 MiB after a large query).
    assert len(seen) == 1
    assert next(iter(seen))[1] != threading.get_ident()


def test_an_answer_for_a_deleted_owner_is_dropped_and_a_live_one_delivered(qtbot, database, db_url):
    import shiboken6
    from PySide6.QtWidgets import QWidget

    run(qtbot, database, operations.open_database, db_url)
    gone, kept = QWidget(), QWidget()
    answers: list[str] = []
    database.submit(connection_and_thread, owner=gone, on_done=lambda _: answers.append("gone"))
    database.submit(connection_and_thread, owner=kept, on_done=lambda _: answers.append("kept"))
    shiboken6.delete(gone)  # the tab closed on signing out, before the worker answered
    qtbot.waitUntil(lambda: database.pending == 0, timeout=TIMEOUT)
    assert answers == ["kept"]


def test_a_refused_value_reaches_the_screen_with_the_field_the_core_named(qtbot, database, db_url):
    from app import certificates

    run(qtbot, database, operations.open_database, db_url)
    failure = run(qtbot, database, certificates.create_certificate, {"id": "c1", "name": ""}, "nobody")
    assert isinstance(failure, worker.Failure) and failure.error == "Invalid" and failure.field == "name"
