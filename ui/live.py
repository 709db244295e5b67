"""Live screens: a thread that watches the database for other workstations' changes and tells the window.

The watching is app.changes' ``ChangeFeed``, on a connection of its own in a thread of its own: the
database worker, which the station's scans go through, never runs a check, so a check never delays a
scan. What it finds comes to the GUI thread as ``changed`` (a tuple of ``Change``, oldest first); each
screen picks what concerns it (the serial on the card, the certificate shown, …) and reloads that
through the worker as it always does.

There is one watcher per database worker (``watcher_for``). The office views connect to it when they are
built, which may be before the station starts it (a supervisor can sign in, and so build the office's
views, before the station's after-ready work has reached ``start``): they go live the moment it starts. A
view built without a station is connected to a watcher nobody starts, and simply never goes live.
"""
from __future__ import annotations

import logging
import weakref

from PySide6 import QtCore
from PySide6.QtCore import QObject, QThread, Signal, Slot

from app import changes
from app.changes import Change, ChangeFeed

log = logging.getLogger(__name__)


class _Thread(QThread):
    found = Signal(object)  # list[Change]

    def __init__(self, feed: ChangeFeed):
        super().__init__()
        self.feed = feed

    def run(self) -> None:
        try:
            changes.watch(self.feed, self.found.emit)
        except Exception:  # noqa: BLE001 - a bug here must not take the station down: it only stops being live
            log.exception("the change feed stopped")


class LiveWatcher(QObject):
    """Emits ``changed`` with what other workstations (and this one) committed, within about a second."""

    changed = Signal(object)  # tuple[Change, ...], oldest first

    def __init__(self, parent: QObject | None = None, poll_seconds: float = changes.POLL_SECONDS):
        super().__init__(parent)
        self._poll_seconds = poll_seconds
        self._thread: _Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    @property
    def mark(self) -> int | None:
        """The last change seen (the trail's head when it began); None until it has first connected."""
        return self._thread.feed.mark if self._thread is not None else None

    def start(self, url: str) -> None:
        """Start watching ``url`` from the trail's head (once the database is open: it must exist)."""
        if self._thread is not None:
            return
        self._thread = _Thread(ChangeFeed(url, self._poll_seconds))
        self._thread.setObjectName("certline-changes")
        # Queued: the thread emits, this object (on the GUI thread) hears it in its own event loop.
        self._thread.found.connect(self._on_found, QtCore.Qt.ConnectionType.QueuedConnection)
        self._thread.start(QThread.Priority.LowPriority)

    def stop(self) -> None:
        """Stop and wait for the thread (at once: stopping wakes its wait). Idempotent."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.feed.stop()
            thread.wait()
            thread.found.disconnect(self._on_found)

    @Slot(object)
    def _on_found(self, found: list[Change]) -> None:
        if self._thread is not None:  # not after stop(): a window shutting down has nothing to show it on
            self.changed.emit(tuple(found))


_WATCHERS: "weakref.WeakKeyDictionary[QObject, LiveWatcher]" = weakref.WeakKeyDictionary()


def start(database: QObject, url: str) -> LiveWatcher:
    """The watcher of ``database`` (a DatabaseWorker on ``url``), running."""
    watcher = watcher_for(database)
    watcher.start(url)
    return watcher


def watcher_for(database: QObject) -> LiveWatcher:
    """The one watcher of ``database``, started or not: those connected to it hear changes once it runs."""
    watcher = _WATCHERS.get(database)
    if watcher is None:
        watcher = _WATCHERS[database] = LiveWatcher(database)
    return watcher
