"""The station's pages built when first wanted, and its work deferred until it is ready.

The station opens on the sign-in page: the PIN page and the work page (the card, the certificate panel
and lists, with the modules behind them) are not needed to scan a badge, so the window does not build
them before its scan field has the focus. ``PagePart`` names a widget of such a page on the window;
reading it builds the page, whoever asks first (a scan's answer, a test, the warm-up).

``AfterReady`` runs what the station does not need before it is ready (its first answer from the
database, the scan field painted and focused), one task per turn of the event loop, so that a key
arriving meanwhile waits for one task at most.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer


class PagePart:
    """A widget on the page ``page`` of the window, kept as ``_<name>``; reading it builds the page."""

    def __init__(self, page: str):
        self.page = page
        self.attribute = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.attribute = f"_{name}"

    def __get__(self, window: Any, owner: type | None = None) -> Any:
        if window is None:
            return self
        window._page_widget(self.page)
        return getattr(window, self.attribute)


class AfterReady(QObject):
    """Tasks for after the station is ready, run in order; a task added once it is ready runs at the next turn."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._tasks: deque[Callable[[], object]] = deque()
        self.ready = False
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._run_one)

    def add(self, task: Callable[[], object]) -> None:
        self._tasks.append(task)
        if self.ready:
            self._timer.start()

    def start(self) -> None:
        """The station is ready: begin (idempotent)."""
        if not self.ready:
            self.ready = True
            if self._tasks:
                self._timer.start()

    def stop(self) -> None:
        self._tasks.clear()
        self._timer.stop()

    def _run_one(self) -> None:
        task = self._tasks.popleft()
        if self._tasks:
            self._timer.start()  # before the task: one that fails leaves the rest to run
        task()
