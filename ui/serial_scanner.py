"""A scanner on a serial port (USB-CDC, a virtual COM port), read into the station like the keyboard.

Scanners in "USB serial" mode do not type: they send each code followed by CR and/or LF to a
serial port. ``SerialScanner`` reads that port with QSerialPort, cuts the bytes into codes at
CR, LF (and Tab when the station's scans end with Tab), and hands each code to the station's
``scan`` slot, the same reader a keyboard scan goes through. A port that cannot be opened, or a
scanner unplugged while in use, is said in one plain sentence at the foot of the station, and
the port is tried again every few seconds until the scanner is back.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QIODeviceBase, QObject, QTimer, Signal, Slot
from PySide6.QtSerialPort import QSerialPort
from PySide6.QtWidgets import QLabel

if TYPE_CHECKING:
    from ui.station import StationWindow

log = logging.getLogger(__name__)
RETRY_MS = 3000
MAX_CODE_BYTES = 4096  # as the scan field's longest text: bytes with no end in sight are not a scan
Error = QSerialPort.SerialPortError
# Errors after which the port is of no use until it is opened again (the scanner was unplugged).
LOST = {Error.ResourceError, Error.ReadError, Error.DeviceNotFoundError, Error.PermissionError, Error.OpenError,
        Error.UnknownError}


def separators(terminator: str) -> bytes:
    """The bytes that end a code: CR and LF always, Tab too where the station's scans end with Tab."""
    return b"\r\n\t" if terminator in ("tab", "enter_or_tab") else b"\r\n"


def split_codes(buffer: bytes, ends: bytes) -> tuple[list[str], bytes]:
    """The complete codes in ``buffer`` (empty ones, as between CR and LF, dropped) and the rest."""
    codes: list[str] = []
    start = 0
    for index, byte in enumerate(buffer):
        if byte in ends:
            if index > start:
                codes.append(_decode(buffer[start:index]))
            start = index + 1
    return codes, buffer[start:]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # older scanners send their code page; every byte is a character


class SerialScanner(QObject):
    """One serial port, read for codes; ``status_changed`` carries "" when all is well, else a sentence."""

    code_read = Signal(str)
    status_changed = Signal(str)

    def __init__(self, port_name: str, baud: int = 9600, terminator: str = "enter_or_tab",
                 parent: QObject | None = None, retry_ms: int = RETRY_MS):
        super().__init__(parent)
        self.port_name = port_name
        self.status = ""
        self._ends = separators(terminator)
        self._buffer = b""
        self.port = QSerialPort(self)
        self.port.setPortName(port_name)
        self.port.setBaudRate(baud)
        self.port.readyRead.connect(self._on_port_ready_read)
        self.port.errorOccurred.connect(self._on_port_error_occurred)
        self._retry = QTimer(self, singleShot=True, interval=retry_ms)
        self._retry.timeout.connect(self.open)

    @Slot()
    def open(self) -> bool:
        """Open the port; on failure say why and try again later. True when it is open."""
        if self.port.isOpen():
            return True
        self._buffer = b""
        if self.port.open(QIODeviceBase.OpenModeFlag.ReadOnly):
            self.port.clear()  # what a scanner sent while nobody listened is stale
            log.info("serial scanner on %s opened", self.port_name)
            self._set_status("")
            return True
        self._lost(self.port.error())
        return False

    def close(self) -> None:
        self._retry.stop()
        if self.port.isOpen():
            self.port.close()

    @Slot()
    def _on_port_ready_read(self) -> None:
        self._buffer += bytes(self.port.readAll().data())
        codes, self._buffer = split_codes(self._buffer, self._ends)
        if len(self._buffer) > MAX_CODE_BYTES:
            log.warning("serial scanner on %s: %d bytes without CR or LF dropped", self.port_name,
                        len(self._buffer))
            self._buffer = b""
        for code in codes:
            self.code_read.emit(code)

    @Slot(QSerialPort.SerialPortError)
    def _on_port_error_occurred(self, error: QSerialPort.SerialPortError) -> None:
        if error in LOST and self.port.isOpen():
            self.port.close()
            self._lost(error)

    def _lost(self, error: QSerialPort.SerialPortError) -> None:
        seconds = max(1, round(self._retry.interval() / 1000))
        if error == Error.DeviceNotFoundError:
            problem = "is not connected"
        elif error == Error.PermissionError:
            problem = "is in use by another program or not allowed for this user"
        elif error in (Error.ResourceError, Error.ReadError):
            problem = "stopped answering (unplugged?)"
        else:
            problem = "cannot be opened"
        self._set_status(f"The scanner on {self.port_name} {problem}. Trying again every {seconds} s; "
                         "the keyboard still works.")
        log.info("serial scanner on %s: %s (%s)", self.port_name, self.port.errorString(), error.name)
        self._retry.start()

    def _set_status(self, text: str) -> None:
        if text != self.status:
            self.status = text
            self.status_changed.emit(text)


def start_serial_scanner(window: StationWindow, retry_ms: int = RETRY_MS) -> SerialScanner | None:
    """The station's serial-port scanner, from its settings (None when none is set), feeding ``window.scan``."""
    settings = window.settings
    if not settings.serial_port:
        return None
    scanner = SerialScanner(settings.serial_port, settings.serial_baud, settings.scan_terminator, window, retry_ms)
    scanner.code_read.connect(window.scan)
    bar = window.statusBar()
    bar.setObjectName("scannerBar")
    bar.setSizeGripEnabled(False)
    label = QLabel("", objectName="scannerStatus")
    label.setWordWrap(True)  # a long port name (/dev/serial/by-id/…) wraps rather than being cut
    bar.addWidget(label, 1)
    bar.hide()

    def show(text: str) -> None:
        label.setText(text)
        bar.setVisible(bool(text))

    scanner.status_changed.connect(show)
    scanner.open()
    return scanner
