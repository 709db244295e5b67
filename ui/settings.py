"""The station's preferences: one typed object, stored in QSettings ("Certline", "certline").

Screens read a ``StationSettings``; tests build one directly. Values that cannot be read
(a hand-edited file, an old version) fall back to the default rather than failing.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, fields
from typing import Literal

from PySide6.QtCore import QSettings

from app.errors import Invalid

ORGANIZATION = "Certline"
APPLICATION = "certline"
GROUP = "station"
Terminator = Literal["enter", "tab", "enter_or_tab"]
TERMINATORS = ("enter", "tab", "enter_or_tab")
STATION_NAME_LENGTH = 40  # what the header has room for beside the user's name at 1024 px
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
# str(app.label_layout.DEFAULT_SIZE), which a test compares: every start reads these settings, and the labels'
# layout module (~5 ms to import) is loaded to check a size only when a station has printed another one.
DEFAULT_LABEL_SIZE = "50x25"


class _Stored:
    """Load and save a dataclass's fields in one QSettings group; unreadable values keep their default."""

    group = ""

    @classmethod
    def load(cls, store: QSettings | None = None):
        store = store or QSettings(ORGANIZATION, APPLICATION)
        values = {}
        store.beginGroup(cls.group)
        try:
            for option in fields(cls):
                if not store.contains(option.name):
                    continue
                raw = store.value(option.name)
                value = _convert(raw, option.default)
                if value is not None:
                    values[option.name] = value
        finally:
            store.endGroup()
        return cls(**values)

    def save(self, store: QSettings | None = None) -> None:
        store = store or QSettings(ORGANIZATION, APPLICATION)
        store.beginGroup(self.group)
        for option in fields(self):
            store.setValue(option.name, getattr(self, option.name))
        store.endGroup()
        store.sync()


@dataclass
class StationSettings(_Stored):
    group = GROUP
    idle_sign_out_minutes: int = 15  # 0: never sign out by itself
    scan_terminator: Terminator = "enter_or_tab"  # which key ends a scan
    attach_on_certificate_scan: bool = False  # attach at once when a certificate is scanned
    sounds: bool = True  # success and failure sounds, where the machine can play them
    gs1_separator: str = ""  # printable stand-in the scanner sends for FNC1/GS, e.g. "^"; "" for none
    result_seconds: int = 6  # how long a result stays in the banner
    station_name: str = ""  # what the header calls this workstation, e.g. "Line 3 – Saw"; "" for the host name
    serial_port: str = ""  # a serial-port (USB-CDC) scanner, e.g. /dev/ttyACM0 or COM3; "" for none
    serial_baud: int = 9600
    label_size: str = DEFAULT_LABEL_SIZE  # the label printer's labels, width x height in mm; the last size printed

    def __post_init__(self) -> None:
        default = StationSettings.__dataclass_fields__
        if not isinstance(self.idle_sign_out_minutes, int) or not 0 <= self.idle_sign_out_minutes <= 24 * 60:
            self.idle_sign_out_minutes = default["idle_sign_out_minutes"].default
        if self.scan_terminator not in TERMINATORS:
            self.scan_terminator = default["scan_terminator"].default
        if not isinstance(self.result_seconds, int) or not 1 <= self.result_seconds <= 120:
            self.result_seconds = default["result_seconds"].default
        name = " ".join(self.station_name.split()) if isinstance(self.station_name, str) else ""
        self.station_name = name[:STATION_NAME_LENGTH] or socket.gethostname() or "Station"
        if not isinstance(self.serial_port, str):
            self.serial_port = ""
        self.serial_port = self.serial_port.strip()
        if self.serial_baud not in BAUD_RATES:
            self.serial_baud = default["serial_baud"].default
        if self.label_size != DEFAULT_LABEL_SIZE:
            from app.label_layout import parse_size

            try:
                self.label_size = str(parse_size(self.label_size))
            except Invalid:
                self.label_size = DEFAULT_LABEL_SIZE
        if not (isinstance(self.gs1_separator, str) and (self.gs1_separator == "" or (
                len(self.gs1_separator) == 1 and self.gs1_separator.isprintable()
                and not self.gs1_separator.isspace()))):
            self.gs1_separator = ""

@dataclass
class InstallSettings(_Stored):
    """Where this workstation keeps its data; set by an administrator, read at start-up."""

    group = "install"
    database_url: str = ""  # SQLite file or postgresql:// URL; "" for the default in the data directory
    documents_folder: str = ""  # a shared folder for documents; "" for documents/ in the data directory
    language: str = "en"  # the only translation shipped so far


def _convert(raw: object, default: object) -> object | None:
    """``raw`` as the default's type (INI files give back text), or None when it cannot be."""
    try:
        if isinstance(default, bool):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            return {"true": True, "1": True, "yes": True, "on": True,
                    "false": False, "0": False, "no": False, "off": False}.get(text)
        if isinstance(default, int):
            return int(str(raw).strip())
        return "" if raw is None else str(raw)
    except (TypeError, ValueError):
        return None
