"""The supervisor's views on the small plant, driven through the station window like a person."""
from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt

from app import attachments
from app import db as app_db
from app import serials
from tests.helpers.plant import build_plant
from ui.office.attachments import AttachmentsView
from ui.office.audit_trail import AuditView
from ui.office.coverage import CoverageView
from ui.office.serial import SerialView

TIMEOUT = 5000


@pytest.fixture
def station_db(tmp_path):
    """The plant; SN-00001..3 of JOB-1. cert_mat01 attached three times: SN-00001 at Saw (op1) and at Mill
    (sup1), SN-00002 at Saw (op2). SN-00003 was moved past Saw without it (an override)."""
    url = str(tmp_path / "station.sqlite3")
    app_db.open_database(url)
    build_plant()
    serials.create_serials("JOB-1", 3, "admin")
    attachments.attach("SN-00001", "cert_mat01", "op1")
    attachments.attach("SN-00002", "cert_mat01", "op2")
    serials.advance_serial("SN-00001", "op1")
    attachments.attach("SN-00001", "cert_mat01", "sup1")
    serials.advance_serial("SN-00003", "sup1", reason="Material certificate follows")
    app_db.close_database()
    yield url
    app_db.close_database()


def office_tab(window, cls):
    for i in range(window.tabs.count()):
        if isinstance(window.tabs.widget(i), cls):
            return window.tabs.widget(i)
    raise AssertionError(f"no {cls.__name__} tab")


@pytest.fixture
def supervisor(operator):
    operator.sign_in("B-SUP1", "432100")
    return operator


def test_the_supervisor_sees_the_four_views_and_an_operator_none(operator):
    operator.sign_in("B-SUP1", "432100")
    titles = [operator.window.tabs.tabText(i) for i in range(operator.window.tabs.count())]
    assert {"Certificate attachments", "Serial detail", "Coverage", "Audit trail"} <= set(titles)


def check_coverage(qtbot, view):
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.lacking_model.complete and view.gap_model.complete, timeout=TIMEOUT)
    return blocker.args


def test_coverage_of_a_job_lists_exactly_the_serials_that_lack_it(supervisor, qtbot, qtmodeltester):
    view = office_tab(supervisor.window, CoverageView)
    qtbot.waitUntil(lambda: view.job.count() == 1, timeout=TIMEOUT)
    qtbot.keyClicks(view.cert_field, "cert_mat01")
    assert check_coverage(qtbot, view) == [2, 3]
    assert "2 of 3" in view.result.text()
    assert [(r.serial_id, r.step_id) for r in view.lacking_model.rows()] == [("SN-00003", "step_002")]
    assert [(r.serial_id, r.step_id, r.missing) for r in view.gap_model.rows()] == [
        ("SN-00003", "step_001", ["MATERIAL"])]
    qtmodeltester.check(view.lacking_model)
    qtmodeltester.check(view.gap_model)

    view.cert_field.clear()
    view.kind.setCurrentIndex(view.kind.findData("INSPECTION"))
    assert check_coverage(qtbot, view) == [0, 3]
    assert [r.serial_id for r in view.lacking_model.rows()] == ["SN-00001", "SN-00002", "SN-00003"]


def test_coverage_of_a_pasted_list(supervisor, qtbot):
    view = office_tab(supervisor.window, CoverageView)
    view.serial_list.setPlainText("SN-00002\nSN-00003\n")
    assert view.by_list.isChecked()
    view.kind.setCurrentIndex(view.kind.findData("MATERIAL"))
    assert check_coverage(qtbot, view) == [1, 2]
    assert [r.serial_id for r in view.lacking_model.rows()] == ["SN-00003"]
    with qtbot.waitSignal(view.message_shown, timeout=TIMEOUT) as blocker:
        view.cert_field.setText("cert_nope")
        view.check()
    assert blocker.args == ["Certificate not found: cert_nope"]


def audit_view(supervisor, qtbot):
    view = office_tab(supervisor.window, AuditView)
    with qtbot.waitSignal(view.verified, timeout=TIMEOUT) as blocker:
        supervisor.window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.model.complete, timeout=TIMEOUT)
    return view, blocker.args[0]


def test_audit_trail_newest_first_filtered_and_verified(supervisor, qtbot, qtmodeltester):
    view, ok = audit_view(supervisor, qtbot)
    assert ok and "Chain intact" in view.verify_label.text()
    seqs = [r.seq for r in view.model.rows()]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) > 10
    assert view.model.rows()[0].type == "user_login"
    qtmodeltester.check(view.model)

    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        qtbot.keyClicks(view.serial_filter, "SN-00003")
        qtbot.keyClick(view.serial_filter, Qt.Key.Key_Return)
    assert [r.type for r in view.model.rows()] == ["serial_advanced", "serial_created"]
    qtbot.waitUntil(lambda: view.type_filter.findData("cert_attached") >= 0, timeout=TIMEOUT)
    view.serial_filter.clear()
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.type_filter.setCurrentIndex(view.type_filter.findData("cert_attached"))
        view.type_filter.activated.emit(view.type_filter.currentIndex())
    assert [(r.serial_id, r.user_id) for r in view.model.rows()] == [
        ("SN-00001", "sup1"), ("SN-00002", "op2"), ("SN-00001", "op1")]


def test_a_broken_chain_is_reported_at_its_entry(station_db, supervisor, qtbot):
    connection = sqlite3.connect(station_db)
    connection.execute("DROP TRIGGER audit_entry_no_update")
    seq = connection.execute("SELECT seq FROM audit_entry WHERE type = 'serial_advanced' AND serial_id = 'SN-00003'"
                             ).fetchone()[0]
    connection.execute("UPDATE audit_entry SET reason = 'nothing to see' WHERE seq = ?", (seq,))
    connection.commit()
    connection.close()
    view, ok = audit_view(supervisor, qtbot)
    assert not ok
    assert f"Chain broken at entry #{seq}" in view.verify_label.text()
    row = next(i for i, r in enumerate(view.model.rows()) if r.seq == seq)
    assert view.model.data(view.model.index(row, 0), Qt.ItemDataRole.BackgroundRole) is not None


def test_signing_out_while_queries_are_in_flight_is_harmless(supervisor, qtbot):
    window = supervisor.window
    view = office_tab(window, AttachmentsView)
    view.load("cert_mat01")
    office_tab(window, CoverageView).check()
    office_tab(window, SerialView).show_serial("SN-00001")
    window.sign_out("Signed out")
    qtbot.waitUntil(lambda: window.database.pending == 0, timeout=TIMEOUT)
    qtbot.wait(50)
    assert window.tabs.count() == 1
