"""The station's card stays true: when another workstation attaches to the serial on the card, moves it on,
completes or scraps it, the card shows it within about a second (ui/live.py tells of the change).

The serial is read again through the database worker as a scan reads it, and the card redraws only when
what it shows changed: this station's own attach, heard back a moment later, reads the same and leaves
the card alone (no second flash after the green banner).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot

from ui import operations
from ui.worker import Failure

if TYPE_CHECKING:
    from app.changes import Change
    from app.serials import SerialDetail
    from ui.live import LiveWatcher

log = logging.getLogger(__name__)


class LiveCard(QObject):
    """Watches for changes once ``start``ed (the window does, once ready and its database is open);
    ``stop`` before the worker stops."""

    def __init__(self, window):
        super().__init__(window)
        self._window = window
        self.watcher: LiveWatcher | None = None
        self._deferred: tuple[Change, ...] = ()  # heard while this station's own attach was being written
        for answer in (window.attached, window.already_attached, window.refused):
            answer.connect(self._on_attach_answered)

    def start(self) -> None:
        from ui import live  # with the change feed: once the station is ready

        if self.watcher is None:
            self.watcher = live.start(self._window.database, self._window.url)
            self.watcher.changed.connect(self._on_changed)

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()

    @staticmethod
    def concerns(serial: SerialDetail, found: tuple[Change, ...]) -> bool:
        """A change the card does not show yet: to the serial itself, or to a certificate it shows (revoked,
        renamed). An attachment the card already holds at the current step is one it shows (this station's
        own attach, whose answer drew the card): one attachment per serial, certificate and step."""
        current = serial.current_step
        held = {a.attachment.cert_id for a in current.attachments} if current else set()
        shown = {a.attachment.cert_id for step in serial.steps for a in step.attachments}
        return any((c.serial_id == serial.id and not (c.type == "cert_attached" and c.cert_id in held))
                   or (c.serial_id is None and c.cert_id in shown) for c in found)

    @Slot(object)
    def _on_changed(self, found: tuple[Change, ...]) -> None:
        found, self._deferred = self._deferred + found, ()
        if self._window._attaching:
            # The attach's answer is about to draw the card; judge these against what it draws.
            self._deferred = found
            return
        serial = self._window.serial
        if serial is not None and self.concerns(serial, found):
            self._window.database.submit(operations.load_serial, serial.id, owner=self, on_done=self._on_serial,
                                         on_failed=self._on_failed)

    def _on_attach_answered(self, *_answer) -> None:
        if self._deferred and not self._window._attaching:
            self._on_changed(())

    def _on_serial(self, serial: SerialDetail) -> None:
        window = self._window
        if window.serial is None or window.serial.id != serial.id:
            return  # another part was scanned meanwhile: its own read shows it
        if window.card.refresh(serial):
            window.serial = serial
            window._refresh()  # the prompt names the step it stands at now

    def _on_failed(self, failure: Failure) -> None:
        # The card keeps what it showed; the next scan or attach says plainly that the database is away.
        log.info("reading %s again after a change failed: %s", self._window.serial.id if self._window.serial
                 else "the serial", failure.message)
