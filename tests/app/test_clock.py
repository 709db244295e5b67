"""This workstation's clock against the database server's (app.db.clock_offset, app.clock.offset_warning)."""
import datetime as dt

import pytest

from app import clock, db


@pytest.fixture
def opened(db_url):
    db.open_database(db_url)
    yield db_url
    db.close_database()


def test_the_offset_is_the_servers_clock_minus_this_machines(opened, monkeypatch):
    if db.is_sqlite():
        assert db.clock_offset() == 0.0  # no server: records take this machine's time, nothing to compare
    else:
        # The test server runs on this machine, so the two clocks are one clock.
        assert abs(db.clock_offset()) < 1.0
    real = clock.now_utc
    monkeypatch.setattr(clock, "now_utc", lambda: real() + dt.timedelta(minutes=3, seconds=12))
    offset = db.clock_offset()
    if db.is_sqlite():
        assert offset == 0.0
    else:
        assert -193.0 < offset < -191.0  # this machine ahead: the server's clock is behind it
        assert clock.offset_warning(offset, 2) == ("This workstation's clock is 3 min 12 s ahead of the database "
                                                "server's. Ask IT to set the time.")
        assert abs((db.now() - real()).total_seconds()) < 1.0  # records keep the server's time meanwhile


@pytest.mark.parametrize("offset, said", [
    (0.0, ""),
    (2.0, ""),  # the tolerance itself is still right
    (-1.9, ""),
    (192.4, "This workstation's clock is 3 min 12 s behind the database server's. Ask IT to set the time."),
    (-2.6, "This workstation's clock is 3 s ahead of the database server's. Ask IT to set the time."),
    (3600 * 2 + 61, "This workstation's clock is 2 h 1 min behind the database server's. Ask IT to set the time."),
    (-86400 * 365 - 7200, "This workstation's clock is 365 days 2 h ahead of the database server's. "
                          "Ask IT to set the time."),
])
def test_the_warning_says_how_far_and_which_way(offset, said):
    assert clock.offset_warning(offset, 2) == said


def test_the_tolerance_can_be_given():
    assert clock.offset_warning(30.0, tolerance=60.0) == ""
    assert clock.offset_warning(61.0, tolerance=60.0).startswith("This workstation's clock is 1 min 1 s behind")
