"""The station says, in an amber line at its foot, when this workstation's clock is off the database server's."""
from __future__ import annotations

import pytest

from app import db as app_db
from tests.helpers.elision import assert_nothing_cut
from ui.station import StationWindow
from ui.station.shell import CLOCK_CHECK_MS

TIMEOUT = 5000
BEHIND = "This workstation's clock is 3 min 12 s behind the database server's. Ask IT to set the time."


@pytest.fixture
def offset(monkeypatch):
    """The offset app.db.clock_offset reports, as the database worker thread reads it."""
    value = {"seconds": 192.4}
    monkeypatch.setattr(app_db, "clock_offset", lambda: value["seconds"])
    return value


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800)])
def test_a_clock_off_is_said_on_opening_and_goes_when_it_is_set(qtbot, station_db, station_settings, offset, size):
    window = StationWindow(station_db, station_settings)
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(window.clock_checked, timeout=TIMEOUT) as blocker:
            window.resize(*size)
            window.show()
        qtbot.waitExposed(window)
        assert blocker.args == [BEHIND]
        assert window.clock_line.isVisible() and window.clock_line.text() == BEHIND
        assert_nothing_cut(window)
        assert window.focusWidget() is window.scan_field  # a line to read, nothing that takes a key

        offset["seconds"] = 0.4  # IT set the time: the next check takes the line away
        assert window._clock_timer.interval() == CLOCK_CHECK_MS == 10 * 60_000
        with qtbot.waitSignal(window.clock_checked, timeout=TIMEOUT) as blocker:
            window._clock_timer.start(10)
        assert blocker.args == [""]
        assert not window.clock_line.isVisible()
    finally:
        window.shutdown()


def test_the_line_stays_under_the_supervisors_tabs_too(offset, operator):
    window = operator.window  # opened after ``offset`` was set: its first check found the clock off
    operator.sign_in("B-SUP1", "432100")
    assert window.clock_line.text() == BEHIND
    assert window.tabs.count() > 1
    window.tabs.setCurrentIndex(1)
    assert window.clock_line.isVisible()
    window.tabs.setCurrentIndex(0)
    assert window.focusWidget() is window.scan_field


def test_the_check_is_quiet_when_the_clocks_agree(qtbot, station_db, station_settings):
    window = StationWindow(station_db, station_settings)  # SQLite: one clock, nothing to compare
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(window.clock_checked, timeout=TIMEOUT) as blocker:
            window.show()
        assert blocker.args == [""] and not window.clock_line.isVisible()
    finally:
        window.shutdown()
