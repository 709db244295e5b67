"""Live screens: what a second workstation (another OS process) writes shows at this one within about a second,
on SQLite and on PostgreSQL: on the station's card, and as "N new …" with Refresh in the office views."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from PySide6.QtCore import Qt

from app import attachments, audit, serials
from app import db as app_db
from tests.helpers.office_views import TIMEOUT, load, office_tab, supervisor  # noqa: F401 (fixtures)
from tests.helpers.plant import build_plant
from tests.helpers.workers import REPO
from ui import live
from ui.office.attachments import AttachmentsView
from ui.office.audit_trail import AuditView
from ui.office.coverage import CoverageView
from ui.office.live_bar import LiveBar
from ui.worker import DatabaseWorker

# A change shows within about a second (one SQLite poll, or a PostgreSQL notice at once); the rest is a
# margin for a loaded CI machine, where the second process's own start takes longer than that.
LIVE_TIMEOUT = 3000


@pytest.fixture
def station_db(db_url):
    """The plant on either database (``db_url``): SN-00001..3 of JOB-1 at Saw, cert_mat01 attached to SN-00001."""
    app_db.open_database(db_url)
    build_plant()
    serials.create_serials("JOB-1", 3, "admin")
    attachments.attach("SN-00001", "cert_mat01", "op1")
    app_db.close_database()
    yield db_url
    app_db.close_database()


def another_workstation(url: str, code: str) -> float:
    """Run ``code`` with app/ in a separate process on the same database, as a second station would;
    the moment it finished (its transaction committed)."""
    script = f"from app import attachments, db, serials\ndb.open_database({url!r})\n{code}\ndb.close_database()\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60,
                          env=os.environ | {"CERTLINE_WORKSTATION": "line-2"})
    assert done.returncode == 0, done.stderr
    return time.monotonic()


def watching(qtbot, window):
    """The window's watcher, once it has connected and marked the trail's head."""
    qtbot.waitUntil(lambda: window.live_card.watcher is not None and window.live_card.watcher.mark is not None,
                    timeout=TIMEOUT)
    return window.live_card.watcher


def card_certificates(window) -> list[tuple[str, str, str]]:
    return [(a.attachment.cert_id, a.attachment.step_id, a.attachment.attached_by)
            for step in window.card.serial.steps for a in step.attachments]


def audit_head(url: str) -> int:
    """The trail's newest seq, read by another process (this one's database handle is the station's)."""
    script = f"from app import changes, db\ndb.open_database({url!r})\nprint(changes.head())\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def written(window, url: str) -> list[tuple[str, str, str]]:
    """Shut the window, then read SN-00001's attachments from the database; the trail must verify."""
    window.shutdown()
    app_db.open_database(url)
    rows = [(a.cert_id, a.step_id, a.attached_by) for a in attachments.attachments_of_serial("SN-00001")]
    assert audit.verify().ok
    return rows


def test_another_stations_attach_shows_on_the_card_within_a_second(signed_in, station_db, qtbot):
    window = signed_in.window
    signed_in.scan("SN-00001", window.serial_loaded)
    watching(qtbot, window)
    assert card_certificates(window) == [("cert_mat01", "step_001", "op1")]
    shown_at = []
    window.card.refreshed.connect(lambda _serial: shown_at.append(time.monotonic()))

    with qtbot.waitSignal(window.card.refreshed, timeout=LIVE_TIMEOUT) as blocker:
        committed = another_workstation(station_db, "attachments.attach('SN-00001', 'cert_insp01', 'op2')")

    assert blocker.args == ["SN-00001"]
    assert card_certificates(window) == [("cert_mat01", "step_001", "op1"), ("cert_insp01", "step_001", "op2")]
    assert window.serial == window.card.serial  # what an Enter would attach to is what the card shows
    print(f"card updated {shown_at[0] - committed:.3f} s after the other process ended")
    assert written(window, station_db) == [("cert_mat01", "step_001", "op1"), ("cert_insp01", "step_001", "op2")]


def test_a_serial_moved_on_elsewhere_shows_its_new_step_and_the_prompt_follows(signed_in, station_db, qtbot):
    window = signed_in.window
    signed_in.scan("SN-00001", window.serial_loaded)
    watching(qtbot, window)
    assert window.serial.current_step.step.name == "Saw"

    with qtbot.waitSignal(window.card.refreshed, timeout=LIVE_TIMEOUT):
        another_workstation(station_db, "serials.advance_serial('SN-00001', 'sup1')")

    assert window.card.serial.current_step.step.name == "Mill"
    assert window.serial.current_step.step.name == "Mill"
    assert window.banner.text() == "SN-00001 at Mill: scan or pick a certificate"
    # The next attach lands where the card now says the part stands.
    signed_in.scan("cert_insp01", window.certificate_chosen)
    assert signed_in.enter(window.attached) == ["SN-00001", "cert_insp01", "step_002"]
    assert ("cert_insp01", "step_002", "op1") in written(window, station_db)


def test_the_stations_own_attach_does_not_redraw_the_card_a_second_time(signed_in, station_db, qtbot):
    window = signed_in.window
    signed_in.scan("SN-00001", window.serial_loaded)
    watcher = watching(qtbot, window)
    redraws = []
    window.card.refreshed.connect(redraws.append)

    signed_in.scan("cert_insp01", window.certificate_chosen)
    with qtbot.waitSignal(watcher.changed, timeout=LIVE_TIMEOUT,
                          check_params_cb=lambda found: any(c.type == "cert_attached" for c in found)):
        signed_in.enter(window.attached)  # the green banner and the card, from the attach's own answer
    # The watcher has heard this station's own attach: the serial read again equals the card.
    with qtbot.waitSignal(window.card.refreshed, timeout=LIVE_TIMEOUT):
        another_workstation(station_db, "attachments.attach('SN-00001', 'cert_soon', 'op2')")

    assert redraws == ["SN-00001"]  # the other station's attach only
    assert [c for c, _, _ in card_certificates(window)] == ["cert_mat01", "cert_insp01", "cert_soon"]
    assert written(window, station_db) == [("cert_mat01", "step_001", "op1"), ("cert_insp01", "step_001", "op1"),
                                           ("cert_soon", "step_001", "op2")]


def test_another_serials_change_leaves_the_card_alone(signed_in, station_db, qtbot):
    window = signed_in.window
    signed_in.scan("SN-00001", window.serial_loaded)
    watcher = watching(qtbot, window)
    redraws = []
    window.card.refreshed.connect(redraws.append)

    with qtbot.waitSignal(watcher.changed, timeout=LIVE_TIMEOUT):
        another_workstation(station_db, "attachments.attach('SN-00002', 'cert_mat01', 'op2')")
    qtbot.waitUntil(lambda: window.database.pending == 0, timeout=TIMEOUT)

    assert redraws == []
    assert card_certificates(window) == [("cert_mat01", "step_001", "op1")]


def test_a_view_built_before_the_station_watches_goes_live_once_it_does(station_db, qtbot):
    """A supervisor may sign in, and so build the office's views, before the station's after-ready work has
    started its watcher: their bars count what is written once it has."""
    database = DatabaseWorker(station_db)
    bar = LiveBar(database, lambda change: change.type == "cert_attached", str, refresh=lambda: None)
    qtbot.addWidget(bar)
    watcher = live.start(database, station_db)  # as the station does when ready, after the view was built
    try:
        qtbot.waitUntil(lambda: watcher.mark is not None, timeout=TIMEOUT)
        with qtbot.waitSignal(bar.counted, timeout=LIVE_TIMEOUT) as blocker:
            another_workstation(station_db, "attachments.attach('SN-00002', 'cert_mat01', 'op2')")
        assert blocker.args == [1]
        assert bar.text() == "1"
    finally:
        watcher.stop()
        database.stop()


def test_certificate_attachments_says_how_many_are_new_and_refresh_lists_them(supervisor, station_db, qtbot):
    window = supervisor.window
    watcher = watching(qtbot, window)
    view = office_tab(window, AttachmentsView)
    window.tabs.setCurrentWidget(view)
    load(qtbot, view, "cert_mat01")
    assert [r.serial_id for r in view.model.rows()] == ["SN-00001"]
    assert view.live_bar.text() == ""

    with qtbot.waitSignal(view.live_bar.counted, timeout=LIVE_TIMEOUT) as blocker:
        another_workstation(station_db, "attachments.attach('SN-00002', 'cert_mat01', 'op2')")
    assert blocker.args == [1]
    assert view.live_bar.text() == "1 new attachment since this list was read"
    assert view.live_bar.action.isVisible() and view.live_bar.action.text() == "Refresh"
    assert [r.serial_id for r in view.model.rows()] == ["SN-00001"]  # never reloaded under the reader's eyes

    # Another certificate's attachment is not this list's news.
    with qtbot.waitSignal(watcher.changed, timeout=LIVE_TIMEOUT):
        another_workstation(station_db, "attachments.attach('SN-00002', 'cert_insp01', 'op2')")
    assert view.live_bar.count == 1

    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        qtbot.mouseClick(view.live_bar.action, Qt.MouseButton.LeftButton)
    assert [(r.serial_id, r.attached_by) for r in view.model.rows()] == [("SN-00001", "op1"), ("SN-00002", "op2")]
    assert view.live_bar.text() == "" and view.live_bar.count == 0
    qtbot.waitUntil(lambda: view.count_label.text() == "2 attachments", timeout=TIMEOUT)


def test_audit_trail_counts_new_entries_its_filters_list(supervisor, station_db, qtbot):
    window = supervisor.window
    watching(qtbot, window)
    view = office_tab(window, AuditView)
    window.tabs.setCurrentWidget(view)
    view.serial_filter.setText("SN-00002")
    view.serial_filter.editingFinished.emit()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0 and not view.live_bar.count
                    and {view.model.row_at(i).serial_id for i in range(view.model.rowCount())} == {"SN-00002"},
                    timeout=TIMEOUT)
    before = view.model.rowCount()

    another_workstation(station_db, "attachments.attach('SN-00002', 'cert_mat01', 'op2')\n"
                                    "attachments.attach('SN-00003', 'cert_mat01', 'op2')\n"
                                    "serials.advance_serial('SN-00002', 'op2')")
    # Three transactions: heard in one batch or in several. SN-00003's entry is not in this filtered list.
    qtbot.waitUntil(lambda: view.live_bar.count == 2, timeout=LIVE_TIMEOUT)
    head = audit_head(station_db)
    qtbot.waitUntil(lambda: window.live_card.watcher.mark == head, timeout=LIVE_TIMEOUT)  # all three read ...
    qtbot.wait(100)  # ... and handed to the window
    assert view.live_bar.count == 2
    assert view.live_bar.text() == "2 new entries since this list was read"

    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        qtbot.mouseClick(view.live_bar.action, Qt.MouseButton.LeftButton)
    assert view.model.rowCount() == before + 2
    assert [view.model.row_at(i).type for i in range(2)] == ["serial_advanced", "cert_attached"]  # newest first
    assert view.live_bar.text() == ""


def test_coverage_says_its_result_may_be_out_of_date_and_refresh_checks_again(supervisor, station_db, qtbot):
    window = supervisor.window
    watching(qtbot, window)
    view = office_tab(window, CoverageView)
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.job.count() > 0, timeout=TIMEOUT)
    view.cert_field.setText("cert_mat01")
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [1, 3]

    with qtbot.waitSignal(view.live_bar.counted, timeout=LIVE_TIMEOUT):
        another_workstation(station_db, "attachments.attach('SN-00003', 'cert_mat01', 'op2')")
    assert "may be out of date" in view.live_bar.text()

    with qtbot.waitSignal(view.checked, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.live_bar.action, Qt.MouseButton.LeftButton)
    assert blocker.args == [2, 3]
    qtbot.waitUntil(lambda: view.live_bar.text() == "", timeout=TIMEOUT)
