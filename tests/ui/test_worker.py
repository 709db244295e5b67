"""The database worker: one thread, one connection, for as long as it runs."""
from __future__ import annotations

import threading

import pytest

from app import db as app_db
from app.models import database as proxy
from ui import worker

TIMEOUT = 5000


def connection_and_thread() -> tuple[int, int]:
    return id(proxy.obj.connection()), threading.get_ident()


@pytest.fixture
def database(qtbot, db_url):
    worker.OPERATIONS["test_connection_and_thread"] = connection_and_thread
    database = worker.DatabaseWorker(db_url)
    yield database
    database.stop()
    worker.OPERATIONS.pop("test_connection_and_thread")
    app_db.close_database()


def run(qtbot, database, operation: str, *args):
    with qtbot.waitCallback(timeout=TIMEOUT) as callback:
        database.submit(operation, *args, on_done=callback, on_failed=callback)
    return callback.args[0]


def test_every_operation_runs_on_the_one_connection_the_worker_opened(qtbot, database, db_url):
    run(qtbot, database, "open", db_url)
    seen = {run(qtbot, database, "test_connection_and_thread") for _ in range(5)}
    # One connection: a new one per operation cost a connect each time and leaked the old
    # one with its page cache (64 MiB after a large query).
    assert len(seen) == 1
    assert next(iter(seen))[1] != threading.get_ident()
