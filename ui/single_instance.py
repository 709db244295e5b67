"""One station per workstation and database: a second start brings the running one to the front.

The first station holds a QLockFile and listens on a QLocalServer, both named after the
database. A second ``certline`` on the same database cannot take the lock, asks the first over
a QLocalSocket to show itself, and exits: someone who double-clicked the icon again (or a
start-up script that ran twice) gets the station they already had, not a dialog to dismiss.

The lock is taken first thing; the server listens once the station is ready, or before a dialog it
shows on its way there (QtNetwork is not loaded before the scan field has the focus). A second start
that finds nobody listening yet keeps asking for a moment: the first may still be starting.
"""
from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QDeadlineTimer, QDir, QLockFile, QObject, QStandardPaths, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalSocket

log = logging.getLogger(__name__)
REQUEST = b"show\n"
ANSWER = b"shown\n"
WAIT_MS = 3000
RETRY_S = 0.05  # between two tries to reach a station that holds the lock but does not listen yet


def instance_name(url: str) -> str:
    """The name of the lock and the local server for a database: the same database, the same name."""
    return f"certline-station-{hashlib.sha256(url.encode()).hexdigest()[:16]}"


def lock_for(url: str) -> QLockFile:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.TempLocation) or QDir.tempPath()
    return QLockFile(str(Path(folder) / f"{instance_name(url)}.lock"))


def ask_running_station_to_show(name: str, wait_ms: int = WAIT_MS) -> bool:
    """Ask the station listening on ``name`` to come to the front; True when it says it did."""
    from PySide6.QtNetwork import QLocalSocket

    errors = QLocalSocket.LocalSocketError
    not_yet = (errors.ServerNotFoundError, errors.ConnectionRefusedError)  # no socket yet, or a crashed one's
    deadline = QDeadlineTimer(wait_ms)
    socket = QLocalSocket()
    socket.connectToServer(name)
    while not socket.waitForConnected(max(0, deadline.remainingTime())):
        if socket.error() not in not_yet or deadline.hasExpired():
            log.info("no running station answers on %s: %s", name, socket.errorString())
            return False
        time.sleep(RETRY_S)  # it holds the lock and is starting: it listens once its window is ready
        socket.connectToServer(name)
    socket.write(REQUEST)
    socket.flush()
    answer = b""
    while ANSWER not in answer and socket.waitForReadyRead(wait_ms):
        answer += bytes(socket.readAll().data())
    socket.disconnectFromServer()
    return ANSWER in answer


def bring_to_front(window: QWidget) -> None:
    """Un-minimise (keeping full screen if it was), raise and activate."""
    state = QtCore.Qt.WindowState
    window.setWindowState((window.windowState() & ~state.WindowMinimized) | state.WindowActive)
    window.show()
    window.raise_()
    window.activateWindow()


class StationServer(QObject):
    """Listens for second starts; ``shown`` after each one it answered. ``window`` is what comes to the front
    (until the station's window exists, whatever dialog is open, such as the first start's)."""

    shown = Signal()

    def __init__(self, name: str, parent: QObject | None = None):
        from PySide6.QtNetwork import QLocalServer

        super().__init__(parent)
        self.window: QWidget | None = None
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_server_new_connection)
        # We hold the lock, so a socket file left under this name is a crashed station's: remove it.
        QLocalServer.removeServer(name)
        if not self.server.listen(name):
            log.warning("a second start cannot reach this station: %s", self.server.errorString())

    @Slot()
    def _on_server_new_connection(self) -> None:
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_socket_ready_read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _on_socket_ready_read(self, socket: QLocalSocket) -> None:
        if REQUEST not in bytes(socket.readAll().data()):
            return
        target = self.window or QApplication.activeModalWidget() or QApplication.activeWindow()
        if target is not None:
            bring_to_front(target)
        log.info("a second start on this database: brought the station to the front")
        socket.write(ANSWER)
        socket.flush()
        self.shown.emit()

    def close(self) -> None:
        self.server.close()
