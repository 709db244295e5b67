"""Database work off the GUI thread: one worker thread with a queue, results back as Qt signals.

The GUI submits an operation by name with plain arguments and two callbacks; the worker
runs operations one at a time, in order, on its own database connection (peewee keeps
connections per thread, so the database is opened in the worker's thread), and reports
back with plain values. The callbacks run on the GUI thread. The window never waits.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Qt, Signal, Slot

from app.errors import CertlineError
from ui import operations

log = logging.getLogger(__name__)

OPERATIONS: dict[str, Callable[..., Any]] = {
    "open": operations.open_database,
    "read": operations.read,
    "load_serial": operations.load_serial,
    "attach": operations.attach,
    "users": operations.sign_in_users,
    "begin_sign_in": operations.begin_sign_in,
    "sign_in": operations.sign_in_user,
    "certificates": operations.find_certificates,
    "clock_check": operations.clock_check,
}


@dataclass(frozen=True)
class Failure:
    message: str  # what the person reads
    error: str  # the error's class name: NotFound, Invalid, Forbidden, DatabaseUnavailable, ...


class _Worker(QObject):
    """Lives in the worker thread."""

    finished = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, url: str):
        super().__init__()
        self._url = url

    @Slot(int, str, object)
    def run(self, ticket: int, operation: str, args: object) -> None:
        started = time.perf_counter()
        try:
            result = OPERATIONS[operation](*args)  # type: ignore[misc]
        except CertlineError as error:
            self.failed.emit(ticket, Failure(error.message, type(error).__name__))
        except Exception as error:  # the database went away, a bug: say so, and start clean next time
            log.exception("operation %s failed", operation)
            text = (str(error).strip() or type(error).__name__).splitlines()[0]
            self.failed.emit(ticket, Failure(f"Database error: {text}", type(error).__name__))
            try:
                operations.close_database()
            except Exception:
                log.exception("closing the database after an error failed")
        else:
            self.finished.emit(ticket, result)
        log.debug("%s took %.1f ms", operation, (time.perf_counter() - started) * 1000)

    @Slot()
    def close(self) -> None:
        try:
            operations.close_database()
        except Exception:
            log.exception("closing the database failed")


class _Thread(QThread):
    def run(self) -> None:
        # The event loop is entered from Python, so the thread keeps one Python thread state for
        # its whole life. Under QThread's own run() each queued call made a fresh one, and with it
        # lost threading.local: peewee then opened a new connection for every operation, and the
        # old ones (each with its page cache) were never freed.
        self.exec()


class DatabaseWorker(QObject):
    """The GUI side: ``submit`` an operation; ``busy_changed`` while anything is queued or running."""

    busy_changed = Signal(bool)
    _requested = Signal(int, str, object)
    _close_requested = Signal()

    def __init__(self, url: str, parent: QObject | None = None):
        super().__init__(parent)
        self._tickets = 0
        self._callbacks: dict[int, tuple[Callable[[Any], None] | None, Callable[[Failure], None] | None]] = {}
        self._thread = _Thread()
        self._thread.setObjectName("certline-database")
        self._worker = _Worker(url)
        self._worker.moveToThread(self._thread)
        self._requested.connect(self._worker.run)
        self._close_requested.connect(self._worker.close, Qt.ConnectionType.BlockingQueuedConnection)
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.failed.connect(self._on_worker_failed)
        self._thread.start()
        self._stopped = False

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def submit(self, operation: str, *args: Any, on_done: Callable[[Any], None] | None = None,
               on_failed: Callable[[Failure], None] | None = None) -> int:
        if operation not in OPERATIONS:
            raise KeyError(operation)
        if self._stopped:
            return 0
        self._tickets += 1
        self._callbacks[self._tickets] = (on_done, on_failed)
        if len(self._callbacks) == 1:
            self.busy_changed.emit(True)
        self._requested.emit(self._tickets, operation, args)
        return self._tickets

    @Slot(int, object)
    def _on_worker_finished(self, ticket: int, result: object) -> None:
        on_done, _ = self._finish(ticket)
        if on_done is not None:
            on_done(result)

    @Slot(int, object)
    def _on_worker_failed(self, ticket: int, failure: object) -> None:
        _, on_failed = self._finish(ticket)
        if on_failed is not None:
            on_failed(failure)  # type: ignore[arg-type]

    def _finish(self, ticket: int):
        callbacks = self._callbacks.pop(ticket, (None, None))
        if not self._callbacks:
            self.busy_changed.emit(False)
        return callbacks

    def stop(self) -> None:
        """Let queued work finish, close the worker's connection, end the thread. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._callbacks.clear()
        if self._thread.isRunning():
            self._close_requested.emit()
            self._thread.quit()
            self._thread.wait()
