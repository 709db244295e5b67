"""Database work off the GUI thread: one worker thread with a queue, results back as Qt signals.

The GUI submits a callable (a function of app/) with plain arguments, the widget that asked
and two callbacks; the worker runs calls one at a time, in order, on its own database
connection (peewee keeps connections per thread, so the database is opened in the worker's
thread), and reports back with plain values. The callbacks run on the GUI thread, and only
while the widget that asked is still alive: an answer arriving after its tab was closed (on
signing out) is dropped here, once, for every screen. The window never waits.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

import shiboken6
from PySide6 import QtCore
from PySide6.QtCore import QObject, QThread, Signal, Slot

from app import db
from app.connection import is_connection_lost
from app.errors import CertlineError, Invalid
from ui import operations

log = logging.getLogger(__name__)
UNREACHABLE = "The database cannot be reached ({reason}). Certline reconnects by itself: try again in a moment."


@dataclass(frozen=True)
class Failure:
    message: str  # what the person reads
    error: str  # the error's class name: NotFound, Invalid, Forbidden, DatabaseUnavailable, ...
    field: str | None = None  # the input at fault, when the core named one (a form shows it there)
    # The database could not be reached (server, network, share): a write's outcome is unknown until read back.
    lost: bool = False


@dataclass(frozen=True)
class _Callbacks:
    owner: QObject | None
    on_done: Callable[[Any], None] | None
    on_failed: Callable[[Failure], None] | None

    def alive(self) -> bool:
        # shiboken6.isValid: the Python wrapper outlives the C++ widget deleted on signing out.
        return self.owner is None or shiboken6.isValid(self.owner)


class _Worker(QObject):
    """Lives in the worker thread."""

    started = Signal(int)
    finished = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, url: str):
        super().__init__()
        self._url = url

    @Slot(int, object, object)
    def run(self, ticket: int, function: object, args: object) -> None:
        started = time.perf_counter()
        self.started.emit(ticket)
        name = getattr(function, "__qualname__", repr(function))
        try:
            result = function(*args)  # type: ignore[operator, misc]
        except CertlineError as error:
            field = error.field if isinstance(error, Invalid) else None
            lost = is_connection_lost(error)
            self.failed.emit(ticket, Failure(error.message, type(error).__name__, field, lost))
            if lost:
                self._start_clean()
        except Exception as error:  # the database went away, a bug: say so, and start clean next time
            text = db.safe_message(error, self._url)
            if is_connection_lost(error):
                # An outage is no bug: one line in the log, a sentence on the screen, no stack trace.
                log.warning("%s: the database cannot be reached: %s", name, text)
                self.failed.emit(ticket, Failure(UNREACHABLE.format(reason=text), type(error).__name__, lost=True))
            else:
                log.exception("%s failed", name)
                self.failed.emit(ticket, Failure(f"Database error: {text}", type(error).__name__))
            self._start_clean()
        else:
            self.finished.emit(ticket, result)
        log.debug("%s took %.1f ms", name, (time.perf_counter() - started) * 1000)

    def _start_clean(self) -> None:
        """Close this thread's connection after a failure; the next call opens a new one."""
        try:
            operations.close_database()
        except Exception:
            log.exception("closing the database after an error failed")

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
    started = Signal(int)  # the ticket the worker began to run
    _requested = Signal(int, object, object)
    _close_requested = Signal()

    def __init__(self, url: str, parent: QObject | None = None):
        super().__init__(parent)
        self._tickets = 0
        self._callbacks: dict[int, _Callbacks] = {}
        self._quiet: set[int] = set()  # a connection check: not work anyone waits for, never "Working…"
        self._running: tuple[int, float] | None = None  # the ticket the worker runs, since (monotonic)
        self._thread = _Thread()
        self._thread.setObjectName("certline-database")
        self._worker = _Worker(url)
        self._worker.moveToThread(self._thread)
        self._requested.connect(self._worker.run)
        self._worker.started.connect(self._on_worker_started)
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.failed.connect(self._on_worker_failed)
        self._thread.start()
        self._stopped = False

    @property
    def pending(self) -> int:
        return len(self._callbacks) - len(self._quiet)

    def running_for(self, ticket: int) -> float | None:
        """Seconds the worker has been running ``ticket``; None while it waits its turn or is done."""
        if self._running is None or self._running[0] != ticket:
            return None
        return time.monotonic() - self._running[1]

    def submit(self, function: Callable[..., Any], *args: Any, owner: QObject | None = None,
               on_done: Callable[[Any], None] | None = None,
               on_failed: Callable[[Failure], None] | None = None, quiet: bool = False) -> int:
        """Run ``function(*args)`` in the worker; the answer goes to ``on_done`` or ``on_failed``
        on the GUI thread, unless ``owner`` has been deleted by then. ``quiet``: not counted as
        ``pending`` nor shown as busy (the station's connection checks)."""
        if not callable(function):
            raise TypeError(f"not callable: {function!r}")
        if self._stopped:
            return 0
        self._tickets += 1
        self._callbacks[self._tickets] = _Callbacks(owner, on_done, on_failed)
        if quiet:
            self._quiet.add(self._tickets)
        elif self.pending == 1:
            self.busy_changed.emit(True)
        self._requested.emit(self._tickets, function, args)
        return self._tickets

    @Slot(int)
    def _on_worker_started(self, ticket: int) -> None:
        self._running = (ticket, time.monotonic())
        self.started.emit(ticket)

    @Slot(int, object)
    def _on_worker_finished(self, ticket: int, result: object) -> None:
        callbacks = self._finish(ticket)
        if callbacks is not None and callbacks.on_done is not None and callbacks.alive():
            callbacks.on_done(result)

    @Slot(int, object)
    def _on_worker_failed(self, ticket: int, failure: object) -> None:
        callbacks = self._finish(ticket)
        if callbacks is not None and callbacks.on_failed is not None and callbacks.alive():
            callbacks.on_failed(failure)  # type: ignore[arg-type]

    def _finish(self, ticket: int) -> _Callbacks | None:
        if self._running is not None and self._running[0] == ticket:
            self._running = None
        callbacks = self._callbacks.pop(ticket, None)
        if ticket in self._quiet:
            self._quiet.discard(ticket)
        elif callbacks is not None and self.pending == 0:
            self.busy_changed.emit(False)
        return callbacks

    def stop(self) -> None:
        """Let queued work finish, close the worker's connection, end the thread. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._callbacks.clear()
        self._quiet.clear()
        if self._thread.isRunning():
            # Connected here rather than at the start, which does not make Qt's namespace (ui/widgets.py).
            self._close_requested.connect(self._worker.close, QtCore.Qt.ConnectionType.BlockingQueuedConnection)
            self._close_requested.emit()
            self._thread.quit()
            self._thread.wait()
