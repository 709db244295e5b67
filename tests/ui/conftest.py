"""The station on a fresh SQLite plant (tests/helpers/plant.py), driven through its scan field.

GUI tests use SQLite only; the names here differ from tests/conftest.py's ``db_url``, which
would run every test on PostgreSQL too.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app import db as app_db
from app import serials
from tests.helpers.plant import build_plant
from ui.settings import StationSettings
from ui.station import StationWindow

TIMEOUT = 5000


@pytest.fixture
def station_db(tmp_path):
    """A migrated SQLite file with the plant and three serials SN-00001..3 of JOB-1 at step_001."""
    url = str(tmp_path / "station.sqlite3")
    app_db.open_database(url)
    build_plant()
    serials.create_serials("JOB-1", 3, "admin")
    app_db.close_database()
    yield url
    app_db.close_database()


@pytest.fixture
def station_settings():
    return StationSettings(sounds=False, idle_sign_out_minutes=15, result_seconds=5)


def shown_station(qtbot, url: str, settings: StationSettings, size: tuple[int, int] = (1280, 800),
                  timeout: int = TIMEOUT) -> StationWindow:
    """The station on ``url`` shown at ``size``, its users loaded (within ``timeout`` ms) and its scan field
    focused, nobody signed in. Whoever opens it shuts it down (``window.shutdown()``)."""
    window = StationWindow(url, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.users_loaded, timeout=timeout):
        window.resize(*size)
        window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.scan_field.setFocus()
    return window


@pytest.fixture
def station(qtbot, station_db, station_settings):
    window = shown_station(qtbot, station_db, station_settings)
    yield window
    window.shutdown()


class Operator:
    """Types into whatever has the focus, as a scanner or a person at the keyboard does."""

    def __init__(self, qtbot, window: StationWindow):
        self.qtbot, self.window = qtbot, window

    def focused(self):
        return self.window.focusWidget()

    def type(self, text: str) -> None:
        # Key by key to whatever has the focus at that moment, as the keyboard delivers them.
        for char in text:
            self.qtbot.keyClicks(self.focused(), char)

    def key(self, key) -> None:
        self.qtbot.keyClick(self.focused(), key)

    def scan(self, code: str, signal, timeout: int = TIMEOUT) -> list:
        """Scan ``code`` (the keys, then Enter) and wait for ``signal``; its arguments."""
        assert self.focused() is self.window.scan_field
        with self.qtbot.waitSignal(signal, timeout=timeout) as blocker:
            self.type(code)
            self.key(Qt.Key.Key_Return)
        return blocker.args

    def enter(self, signal, timeout: int = TIMEOUT) -> list:
        with self.qtbot.waitSignal(signal, timeout=timeout) as blocker:
            self.key(Qt.Key.Key_Return)
        return blocker.args

    def sign_in(self, badge: str = "B-OP1", pin: str | None = "1234") -> None:
        if pin is None:
            self.scan(badge, self.window.signed_in)
            return
        self.scan(badge, self.window.pin_requested)
        assert self.focused() is self.window.pin_field
        with self.qtbot.waitSignal(self.window.signed_in, timeout=TIMEOUT):
            self.type(pin)
            self.key(Qt.Key.Key_Return)


@pytest.fixture
def operator(qtbot, station):
    return Operator(qtbot, station)


@pytest.fixture
def signed_in(operator):
    """Olga Operator (op1) signed in with badge and PIN, the certificate list loaded."""
    with operator.qtbot.waitSignal(operator.window.certificates_listed, timeout=TIMEOUT):
        operator.sign_in()
    return operator
