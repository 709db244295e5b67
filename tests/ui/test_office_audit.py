"""The supervisor's views on the small plant, driven through the station window like a person."""
from __future__ import annotations

import csv
import sqlite3

import pytest
from PySide6.QtCore import Qt

from app import attachments
from app import db as app_db
from app import serials
from app.queries import audit_views
from tests.helpers.pdf import pdf_text
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


@pytest.fixture
def attachments_view(supervisor, qtbot):
    window = supervisor.window
    view = office_tab(window, AttachmentsView)
    window.tabs.setCurrentWidget(view)
    return view


def load(qtbot, view, code):
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.cert_field.setFocus()
        view.cert_field.clear()
        qtbot.keyClicks(view.cert_field, code)
        qtbot.keyClick(view.cert_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.count is not None, timeout=TIMEOUT)


def serial_and_step(model):
    return [(r.serial_id, r.step_id) for r in model.rows()]


def test_the_supervisor_sees_the_four_views_and_an_operator_none(operator):
    operator.sign_in("B-SUP1", "432100")
    titles = [operator.window.tabs.tabText(i) for i in range(operator.window.tabs.count())]
    assert {"Certificate attachments", "Serial detail", "Coverage", "Audit trail"} <= set(titles)


def test_a_certificate_by_number_lists_its_attachments_with_count(attachments_view, qtbot, qtmodeltester):
    view = attachments_view
    load(qtbot, view, "HT-4711")  # the issuer's number finds cert_mat01
    assert view.certificate.id == "cert_mat01"
    details = view.details.text()
    for text in ("cert_mat01", "MATERIAL", "HT-4711", "active", "pending"):
        assert text in details
    assert view.model.count == 3 and view.count_label.text() == "3 attachments"
    assert view.stack.currentWidget() is view.table
    assert view.model.rowCount() == 3
    row = view.model.row_at(0)
    assert (row.serial_id, row.step_id, row.attached_by) == ("SN-00001", "step_001", "op1")
    assert view.model.data(view.model.index(0, 2)) == "Saw (step_001)"
    assert view.model.data(view.model.index(0, 4)) == "Olga Operator (op1)"
    qtmodeltester.check(view.model)


def test_sorting_by_a_header_asks_sql_for_a_new_order(attachments_view, qtbot):
    view = attachments_view
    load(qtbot, view, "cert_mat01")
    assert serial_and_step(view.model) == [("SN-00001", "step_001"), ("SN-00002", "step_001"),
                                           ("SN-00001", "step_002")]
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    assert serial_and_step(view.model) == [("SN-00002", "step_001"), ("SN-00001", "step_002"),
                                           ("SN-00001", "step_001")]
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.table.horizontalHeader().setSortIndicator(4, Qt.SortOrder.AscendingOrder)
    assert [r.attached_by for r in view.model.rows()] == ["op1", "op2", "sup1"]


def test_filters_by_text_step_user_and_date(attachments_view, qtbot):
    view = attachments_view
    load(qtbot, view, "cert_mat01")
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        qtbot.keyClicks(view.text_filter, "Otto")
        qtbot.keyClick(view.text_filter, Qt.Key.Key_Return)
    assert serial_and_step(view.model) == [("SN-00002", "step_001")]
    qtbot.waitUntil(lambda: view.count_label.text() == "1 attachment match the filters", timeout=TIMEOUT)
    view.text_filter.clear()

    qtbot.waitUntil(lambda: view.step_filter.count() == 3, timeout=TIMEOUT)
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.step_filter.setCurrentIndex(view.step_filter.findData("step_002"))
        view.step_filter.activated.emit(view.step_filter.currentIndex())
    assert serial_and_step(view.model) == [("SN-00001", "step_002")]
    view.step_filter.setCurrentIndex(0)

    qtbot.waitUntil(lambda: view.user_filter.findData("op1") >= 0, timeout=TIMEOUT)
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.user_filter.setCurrentIndex(view.user_filter.findData("op1"))
        view.user_filter.activated.emit(view.user_filter.currentIndex())
    assert serial_and_step(view.model) == [("SN-00001", "step_001")]
    view.user_filter.setCurrentIndex(0)

    with qtbot.waitSignal(view.listed, timeout=TIMEOUT) as blocker:
        view.until.setDate(view.until.date().currentDate().addDays(-2))
    assert blocker.args == [0] and view.message.text() == "No attachment matches these filters."
    assert view.stack.currentWidget() is view.message
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT) as blocker:
        view.until.setDate(view.until.date().currentDate())
    assert blocker.args == [3]


def test_an_unknown_certificate_says_so(attachments_view, qtbot):
    view = attachments_view
    with qtbot.waitSignal(view.message_shown, timeout=TIMEOUT) as blocker:
        qtbot.keyClicks(view.cert_field, "cert_nope")
        qtbot.keyClick(view.cert_field, Qt.Key.Key_Return)
    assert blocker.args == ["Certificate not found: cert_nope"]
    assert view.stack.currentWidget() is view.message and view.model.rowCount() == 0


def test_a_certificate_never_attached_says_so_instead_of_an_empty_grid(attachments_view, qtbot):
    view = attachments_view
    load(qtbot, view, "cert_insp01")
    assert view.stack.currentWidget() is view.message
    assert view.message.text().startswith("Certificate cert_insp01 has no attachments")
    assert view.count_label.text() == "0 attachments"


def test_enter_on_a_row_opens_the_serial(attachments_view, supervisor, qtbot):
    view = attachments_view
    load(qtbot, view, "cert_mat01")
    serial_view = office_tab(supervisor.window, SerialView)
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(1, 0))
    with qtbot.waitSignal(serial_view.serial_loaded, timeout=TIMEOUT) as blocker:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert blocker.args == ["SN-00002"]
    assert supervisor.window.tabs.currentWidget() is serial_view


def test_serial_detail_shows_steps_certificates_and_audit(supervisor, qtbot):
    view = office_tab(supervisor.window, SerialView)
    with qtbot.waitSignal(view.serial_loaded, timeout=TIMEOUT):
        qtbot.keyClicks(view.serial_field, "SN-00001")
        qtbot.keyClick(view.serial_field, Qt.Key.Key_Return)
    header = view.header.text()
    for text in ("SN-00001", "JOB-1", "Flange machining", "path_a", "Mill"):
        assert text in header
    saw, mill = view.steps.topLevelItem(0), view.steps.topLevelItem(1)
    assert saw.childCount() == 1 and saw.child(0).text(0).startswith("cert_mat01")
    assert saw.child(0).text(3) == "Olga Operator (op1)"
    assert mill.child(0).text(3) == "Sam Supervisor (sup1)"
    types = [view.audit.item(r, 2).text() for r in range(view.audit.rowCount())]
    assert types == ["cert_attached", "serial_advanced", "cert_attached", "serial_created"]
    with qtbot.waitSignal(view.message_shown, timeout=TIMEOUT) as blocker:
        view.show_serial("SN-99999")
    assert blocker.args == ["SerialNumber not found: SN-99999"]


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


def test_csv_and_pdf_exports_hold_the_rows(attachments_view, supervisor, qtbot, tmp_path):
    view = attachments_view
    load(qtbot, view, "cert_mat01")
    target = tmp_path / "attachments.csv"
    with qtbot.waitSignal(view.exports.exported, timeout=TIMEOUT) as blocker:
        view.exports.export_csv(str(target))
    assert blocker.args == ["csv", str(target), 3]
    with open(target, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:6] == ["id", "serialId", "certId", "stepId", "attachedAt", "attachedBy"]
    assert [(r["serialId"], r["stepId"]) for r in rows] == [("SN-00001", "step_001"), ("SN-00002", "step_001"),
                                                            ("SN-00001", "step_002")]
    assert rows[0]["attachedAt"].endswith("Z")

    pdf = tmp_path / "attachments.pdf"
    with qtbot.waitSignal(view.exports.exported, timeout=15000) as blocker:
        view.exports.export_pdf(str(pdf))
    assert blocker.args == ["pdf", str(pdf), 3]
    text = pdf_text(pdf)
    for expected in ("Attachments of certificate cert_mat01", "SN-00001", "SN-00002", "Sam Supervisor",
                     "Generated by Sam Supervisor (sup1)", "Page 1 of 1"):
        assert expected in text


def test_coverage_and_audit_export(supervisor, qtbot, tmp_path):
    view = office_tab(supervisor.window, CoverageView)
    qtbot.waitUntil(lambda: view.job.count() == 1, timeout=TIMEOUT)
    view.cert_field.setText("cert_mat01")
    check_coverage(qtbot, view)
    with qtbot.waitSignal(view.lacking_exports.exported, timeout=TIMEOUT) as blocker:
        view.lacking_exports.export_csv(str(tmp_path / "lacking.csv"))
    assert blocker.args[2] == 1
    assert "SN-00003" in (tmp_path / "lacking.csv").read_text()
    with qtbot.waitSignal(view.gap_exports.exported, timeout=15000):
        view.gap_exports.export_pdf(str(tmp_path / "gaps.pdf"))

    audit, _ = audit_view(supervisor, qtbot)
    with qtbot.waitSignal(audit.exports.exported, timeout=TIMEOUT) as blocker:
        audit.exports.export_csv(str(tmp_path / "audit.csv"))
    assert blocker.args[2] == audit.model.rowCount()

    # Last, as it skips where pdftotext is missing.
    text = pdf_text(tmp_path / "gaps.pdf", layout=False)
    assert "SN-00003" in text and "MATERIAL" in text


def test_a_cancelled_csv_export_leaves_no_file(monkeypatch, tmp_path):

    monkeypatch.setattr(audit_views.export, "report_table",
                        lambda view, **options: (["serialId"], iter([("SN-1",)] * 20000)))
    job = audit_views.ExportJob()
    job.cancel.set()
    target = tmp_path / "cancelled.csv"
    result = audit_views.export_csv("attachments", {}, str(target), job)
    assert result.cancelled
    assert not target.exists() and not (tmp_path / "cancelled.csv.partial").exists()
    finished = audit_views.export_csv("attachments", {}, str(target), audit_views.ExportJob())
    assert finished == audit_views.ExportResult(str(target), 20000) and target.exists()


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
