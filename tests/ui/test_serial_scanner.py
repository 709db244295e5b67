"""A serial-port scanner feeds the station through the same reader as the keyboard.

A pseudo-terminal pair stands in for the scanner: the test writes to the master what a
USB-CDC scanner sends, the station reads the slave's path (through a symbolic link, so the
"scanner" can be unplugged and plugged back in at the same name).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QStatusBar

from app.models import AuditEntry, CertAttachment
from tests.ui.conftest import TIMEOUT
from ui.serial_scanner import separators, split_codes, start_serial_scanner
from ui.settings import StationSettings

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


class FakeScanner:
    """The master side of a pty; ``path`` (a link to the slave) is what the station opens."""

    def __init__(self, path: Path):
        self.path = path
        self.master = -1
        self.plug_in()

    def plug_in(self) -> None:
        self.master, slave = os.openpty()
        name = os.ttyname(slave)
        os.close(slave)  # the station opens it by name, as it would /dev/ttyACM0
        if self.path.is_symlink():
            self.path.unlink()
        self.path.symlink_to(name)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        os.close(self.master)
        self.master = -1


@pytest.fixture
def fake_scanner(tmp_path):
    scanner = FakeScanner(tmp_path / "ttyACM0")
    yield scanner
    if scanner.master >= 0:
        scanner.unplug()


@pytest.fixture
def station_settings(tmp_path):
    # Overrides tests/ui/conftest.py's: the port is the fake scanner's link.
    return StationSettings(sounds=False, result_seconds=5, serial_port=str(tmp_path / "ttyACM0"))


def start(window):
    scanner = start_serial_scanner(window, retry_ms=100)
    assert scanner is not None and scanner.port.isOpen(), scanner.status if scanner else "no scanner"
    return scanner


def test_codes_are_cut_at_cr_lf_and_the_configured_terminator():
    assert split_codes(b"SN-1\r\nSN-2\rSN-3\nSN", separators("enter")) == (["SN-1", "SN-2", "SN-3"], b"SN")
    assert split_codes(b"a\tb\r\n", separators("enter_or_tab")) == (["a", "b"], b"")
    assert split_codes(b"a\tb\r\n", separators("enter")) == (["a\tb"], b"")
    assert split_codes(b"\r\n\r\n", separators("enter")) == ([], b"")
    assert split_codes("Stahl-ü\r".encode(), b"\r") == (["Stahl-ü"], b"")
    assert split_codes(b"\xfc1\r", b"\r") == (["ü1"], b"")  # not UTF-8: read as Latin-1, never an error


def test_a_code_from_the_serial_port_is_read_like_a_keyboard_scan(qtbot, station, fake_scanner):
    start(station)
    with qtbot.waitSignal(station.scan_handled, timeout=TIMEOUT) as blocker:
        fake_scanner.send(b"SN-00001\r\n")  # signed out: a serial is not a badge
    assert blocker.args == ["serial"] and "Sign in first: scan your badge" in station.banner.text()
    with qtbot.waitSignal(station.signed_in, timeout=TIMEOUT):
        fake_scanner.send(b"B-OP2\r\n")  # Otto has no PIN
    with qtbot.waitSignal(station.serial_loaded, timeout=TIMEOUT) as blocker:
        fake_scanner.send(b"SN-00001\r\n")
    assert blocker.args == ["SN-00001"]
    assert station.serial.id == "SN-00001" and station.card.serial_label.text() == "SN-00001"
    assert station.focusWidget() is station.scan_field


def test_serial_then_certificate_then_enter_attaches(qtbot, signed_in, fake_scanner):
    window = signed_in.window
    start(window)
    with qtbot.waitSignal(window.serial_loaded, timeout=TIMEOUT):
        fake_scanner.send(b"SN-00001\r\n")
    with qtbot.waitSignal(window.certificate_chosen, timeout=TIMEOUT) as blocker:
        fake_scanner.send(b"cert_mat01\r")  # a scanner that ends with CR only
    assert blocker.args == ["cert_mat01"]
    assert signed_in.enter(window.attached) == ["SN-00001", "cert_mat01", "step_001"]
    rows = [(a.serial_id, a.cert_id, a.step_id, a.attached_by_id) for a in CertAttachment.select()]
    assert rows == [("SN-00001", "cert_mat01", "step_001", "op1")]
    assert AuditEntry.select().where(AuditEntry.type == "cert_attached").count() == 1


def test_a_scan_at_the_pin_prompt_goes_back_and_is_read(qtbot, operator, fake_scanner):
    window = operator.window
    start(window)
    operator.scan("B-OP1", window.pin_requested)
    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT):
        fake_scanner.send(b"B-OP2\r\n")  # someone else's badge: the PIN prompt goes, Otto signs in
    assert window.user.id == "op2" and window.page == "work"


def test_an_unplugged_scanner_is_said_plainly_and_read_again_when_back(qtbot, station, fake_scanner):
    scanner = start(station)
    bar = station.statusBar()
    assert not bar.isVisible()
    with qtbot.waitSignal(scanner.status_changed, timeout=TIMEOUT) as blocker:
        fake_scanner.unplug()
    assert "stopped answering" in blocker.args[0] or "is not connected" in blocker.args[0]
    assert bar.isVisible() and bar.findChild(QLabel, "scannerStatus").text() == scanner.status
    assert scanner.status.startswith(f"The scanner on {fake_scanner.path} ")
    assert "Traceback" not in scanner.status

    with qtbot.waitSignal(scanner.status_changed, timeout=TIMEOUT, check_params_cb=lambda text: text == ""):
        fake_scanner.plug_in()
    assert not bar.isVisible()
    with qtbot.waitSignal(station.unknown_code, timeout=TIMEOUT):
        fake_scanner.send(b"XX-404\n")
    assert station.focusWidget() is station.scan_field


def test_a_port_that_is_not_there_says_so_and_keeps_trying(qtbot, station_db, tmp_path):
    from ui.station import StationWindow

    window = StationWindow(station_db, StationSettings(sounds=False, serial_port=str(tmp_path / "ttyUSB9")))
    qtbot.addWidget(window)
    window.show()
    scanner = start_serial_scanner(window, retry_ms=100)
    assert scanner is not None and not scanner.port.isOpen()
    assert scanner.status == (f"The scanner on {tmp_path / 'ttyUSB9'} is not connected. Trying again every 1 s; "
                              "the keyboard still works.")
    assert window.statusBar().isVisible()
    assert window.statusBar().findChild(QLabel, "scannerStatus").text() == scanner.status
    fake = FakeScanner(tmp_path / "ttyUSB9")
    try:
        with qtbot.waitSignal(scanner.status_changed, timeout=TIMEOUT):
            pass  # the next retry finds it
        assert scanner.port.isOpen() and scanner.status == ""
    finally:
        fake.unplug()
        window.shutdown()


def test_no_port_set_means_no_serial_scanner(qtbot, station_db):
    from ui.station import StationWindow

    window = StationWindow(station_db, StationSettings(sounds=False))
    qtbot.addWidget(window)
    try:
        assert start_serial_scanner(window) is None
        assert window.findChild(QStatusBar) is None  # nothing added to the screen
    finally:
        window.shutdown()


def test_the_administrator_sets_the_port_and_baud_rate(qtbot, tmp_path, operator):
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    assert StationSettings.load() == StationSettings()  # no port, 9600 baud by default
    operator.sign_in("B-ADM", None)
    window = operator.window
    view = dict(window.office_views())["Settings"]
    assert view.serial_port_box.currentText() == "" and view.baud_box.currentData() == 9600
    qtbot.keyClicks(view.serial_port_box.lineEdit(), "/dev/ttyACM0")
    view.baud_box.setCurrentIndex(view.baud_box.findData(115200))
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        view.save_button.click()
    loaded = StationSettings.load()
    assert (loaded.serial_port, loaded.serial_baud) == ("/dev/ttyACM0", 115200)
