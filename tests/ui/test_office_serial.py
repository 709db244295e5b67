"""Serial detail: a serial's route step by step, who attached what and when, and its history in words."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel

from app import db as app_db
from app.queries import audit_views
from tests.helpers.elision import assert_nothing_cut
from tests.helpers.office_views import TIMEOUT, office_tab, station_db, supervisor  # noqa: F401 (fixtures)
from ui.office.common import local_time
from ui.office.serial import SerialView

RED = "#b00020"


def show(qtbot, supervisor, serial_id):
    view = office_tab(supervisor.window, SerialView)
    supervisor.window.tabs.setCurrentWidget(view)
    view.serial_field.setFocus()
    view.serial_field.selectAll()
    with qtbot.waitSignal(view.serial_loaded, timeout=TIMEOUT):
        qtbot.keyClicks(view.serial_field, serial_id)
        qtbot.keyClick(view.serial_field, Qt.Key.Key_Return)
    return view


def route(view):
    """Each row of the route as its texts, children (more attachments, what is missing) indented under it."""
    rows = []
    for i in range(view.steps.topLevelItemCount()):
        item = view.steps.topLevelItem(i)
        rows.append(tuple(item.text(c) for c in range(5)))
        rows += [("  ",) + tuple(item.child(j).text(c) for c in range(1, 5)) for j in range(item.childCount())]
    return rows


def stored(station_db, serial_id):
    app_db.open_database(station_db)
    try:
        return audit_views.serial_report(serial_id)
    finally:
        app_db.close_database()


def test_the_serial_reads_as_its_route_in_words(supervisor, station_db, qtbot):
    view = show(qtbot, supervisor, "SN-00001")
    header = view.header.text()
    for text in ("SN-00001", "In progress, at Mill (step 2 of 3)", "JOB-1", "Flanges for Acme", "FL-100",
                 "Route Flange machining"):
        assert text in header
    assert "in_progress" not in header and "path_a" not in header
    assert "Route id: path_a" in view.header.toolTip()

    report = stored(station_db, "SN-00001")
    saw, mill = (state.attachments[0].attachment for state in report.detail.steps[:2])
    assert route(view) == [
        ("1. Saw", "Passed", "cert_mat01 — Mill test report 42CrMo4 (Material)", local_time(saw.attached_at),
         "Olga Operator"),
        ("2. Mill", "Current", "cert_mat01 — Mill test report 42CrMo4 (Material)", local_time(mill.attached_at),
         "Sam Supervisor"),
        ("3. Inspect", "Ahead", "Requires Inspection", "", ""),
    ]
    first = view.steps.topLevelItem(0)
    assert first.toolTip(0) == "Step id: step_001; requires Material"
    assert first.toolTip(3) == f"{saw.attached_at.isoformat(sep=' ', timespec='milliseconds')} UTC"
    assert first.toolTip(4) == "User id: op1"
    assert first.toolTip(2).startswith("Certificate id: cert_mat01")
    assert view.steps.topLevelItem(1).font(1).bold()  # where it stands
    assert view.route_count.text() == "3 steps, 2 certificates attached"


def test_a_step_passed_without_its_certificate_is_red_and_the_reason_is_read(supervisor, qtbot):
    view = show(qtbot, supervisor, "SN-00003")
    assert route(view)[0] == ("1. Saw", "Passed", "Missing: Material", "", "")
    assert view.steps.topLevelItem(0).foreground(2).color().name() == RED
    assert route(view)[1][:2] == ("2. Mill", "Current")


def test_its_history_is_in_words_newest_first(supervisor, station_db, qtbot):
    view = show(qtbot, supervisor, "SN-00001")
    report = stored(station_db, "SN-00001")

    def column(c, role=Qt.ItemDataRole.DisplayRole):
        return [view.audit.item(r, c).data(role) for r in range(view.audit.rowCount())]

    assert column(0) == [str(entry.seq) for entry in report.audit]
    assert column(2) == ["Certificate attached", "Serial advanced", "Certificate attached", "Serial created"]
    assert column(3) == ["Sam Supervisor", "Olga Operator", "Olga Operator", "Ada Admin"]
    assert column(3, Qt.ItemDataRole.ToolTipRole) == ["User id: sup1", "User id: op1", "User id: op1",
                                                       "User id: admin"]
    assert column(1) == [local_time(entry.at) for entry in report.audit]
    assert all(tip.endswith(" UTC") for tip in column(1, Qt.ItemDataRole.ToolTipRole))
    details = column(4)
    assert details[0] == "Attached cert_mat01 — Mill test report 42CrMo4 to SN-00001 at Mill"
    assert "Saw" in details[1] and "Mill" in details[1]
    assert view.audit_count.text() == "4 entries, newest first"

    other = show(qtbot, supervisor, "SN-00003")
    assert "reason: Material certificate follows" in other.audit.item(0, 4).text()


def test_the_view_reads_top_down_and_an_unknown_serial_says_so(supervisor, qtbot):
    view = office_tab(supervisor.window, SerialView)
    assert not view.exports.csv_button.isEnabled()
    view = show(qtbot, supervisor, "SN-00001")
    assert view.exports.csv_button.isEnabled()

    def top(widget):
        return widget.mapTo(view, QPoint(0, 0)).y()

    heading = view.findChild(QLabel, "viewTitle")
    assert heading.text() == "Serial detail"
    tops = [top(w) for w in (heading, view.serial_field, view.header, view.steps, view.exports.csv_button,
                             view.audit)]
    assert tops == sorted(tops)
    qtbot.waitUntil(lambda: view.header.height() >= view.header.heightForWidth(view.header.width()),
                    timeout=TIMEOUT)  # the two lines laid out
    assert_nothing_cut(view, "Serial detail at 1280x800")

    with qtbot.waitSignal(view.message_shown, timeout=TIMEOUT) as blocker:
        view.serial_field.selectAll()
        qtbot.keyClicks(view.serial_field, "SN-99999")
        qtbot.keyClick(view.serial_field, Qt.Key.Key_Return)
    assert blocker.args == ["SerialNumber not found: SN-99999"]
    assert "SerialNumber not found: SN-99999" in view.header.text()
    assert view.steps.topLevelItemCount() == 0 and view.audit.rowCount() == 0
    assert not view.exports.csv_button.isEnabled()
