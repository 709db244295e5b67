"""Coverage and the audit trail on the small plant, driven through the station window like a person;
what they show is checked against what app/ answers from the database."""
from __future__ import annotations

import datetime as dt
import sqlite3

from PySide6.QtCore import QDate, Qt

from app import audit, reports
from app.queries import audit_trail as audit_queries
from tests.helpers.office_views import TIMEOUT, office_tab, station_db, supervisor  # noqa: F401 (fixtures)
from ui.office import audit_trail as audit_trail_module
from ui.office.attachments import AttachmentsView
from ui.office.audit_trail import AuditView
from ui.office.coverage import CoverageView
from ui.office.serial import SerialView

DISPLAY, TOOLTIP, BACKGROUND = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.BackgroundRole


def ask(qtbot, window, function, *args):
    """What app/ answers, asked through the window's own database worker (the GUI thread has no connection)."""
    answers = []
    window.database.submit(function, *args, on_done=answers.append, on_failed=answers.append)
    qtbot.waitUntil(lambda: bool(answers), timeout=TIMEOUT)
    return answers[0]


def cells(model, row: int, role=DISPLAY) -> list:
    return [model.data(model.index(row, column), role) for column in range(model.columnCount())]


def test_the_supervisor_sees_the_four_views_and_an_operator_none(operator):
    operator.sign_in("B-SUP1", "432100")
    titles = [operator.window.tabs.tabText(i) for i in range(operator.window.tabs.count())]
    assert {"Attachments", "Serial", "Coverage", "Audit trail"} <= set(titles)


# --- coverage ----------------------------------------------------------------------------------------

def coverage_tab(supervisor, qtbot) -> CoverageView:
    view = office_tab(supervisor.window, CoverageView)
    supervisor.window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.job.count() == 1, timeout=TIMEOUT)
    return view


def check_coverage(qtbot, view):
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.lacking_model.complete and view.gap_model.complete, timeout=TIMEOUT)
    return blocker.args


def lacking_in_app(qtbot, window, **spec) -> list[str]:
    page = ask(qtbot, window, reports.lacking_page, reports.CoverageSpec(**spec))
    return [row.serial_id for row in page.rows]


def test_the_choice_of_certificate_or_kind_switches_the_query(supervisor, qtbot, qtmodeltester):
    view, window = coverage_tab(supervisor, qtbot), supervisor.window
    assert view.by_cert.isChecked() and view.cert_field.isVisible() and not view.kind.isVisible()
    qtbot.keyClicks(view.cert_field, "HT-4711")  # cert_mat01 by its issuer's number
    assert check_coverage(qtbot, view) == [2, 3]
    assert view.sentence == "2 of 3 serials hold cert_mat01 — Mill test report 42CrMo4; 1 lacks it."
    assert [r.serial_id for r in view.lacking_model.rows()] == lacking_in_app(
        qtbot, window, job_id="JOB-1", cert_id="cert_mat01") == ["SN-00003"]
    assert cells(view.lacking_model, 0) == ["SN-00003", "JOB-1", "In progress", "Mill"]
    assert cells(view.lacking_model, 0, TOOLTIP)[2:] == ["Status: in_progress", "Step id: step_002"]
    assert cells(view.gap_model, 0) == ["SN-00003", "Saw", "Material"]
    assert view.lacking_label.text() == "Serials that lack it: 1"
    qtmodeltester.check(view.lacking_model)
    qtmodeltester.check(view.gap_model)

    # The other choice: only its field shows, and the certificate still typed is not asked for.
    qtbot.mouseClick(view.by_kind, Qt.MouseButton.LeftButton)
    assert view.kind.isVisible() and not view.cert_field.isVisible() and view.cert_field.text() == "HT-4711"
    assert view.kind.itemText(view.kind.currentIndex()) == "Material"
    view.kind.setFocus()
    qtbot.keyClicks(view.kind, "Insp")
    assert view.kind.currentData() == "INSPECTION"
    assert check_coverage(qtbot, view) == [0, 3]
    assert view.sentence == "None of the 3 serials holds an Inspection certificate."
    assert [r.serial_id for r in view.lacking_model.rows()] == lacking_in_app(
        qtbot, window, job_id="JOB-1", kind="INSPECTION") == ["SN-00001", "SN-00002", "SN-00003"]

    qtbot.mouseClick(view.by_cert, Qt.MouseButton.LeftButton)
    assert check_coverage(qtbot, view) == [2, 3]  # back to the certificate


def test_coverage_of_a_pasted_list_names_serials_that_do_not_exist(supervisor, qtbot):
    view = coverage_tab(supervisor, qtbot)
    qtbot.mouseClick(view.by_list, Qt.MouseButton.LeftButton)
    assert view.serial_list.isVisible() and not view.job.isVisible() and view.serial_list.hasFocus()
    for serial in ("SN-00002", "SN-00003", "SN-09999"):  # as a scanner types them, Enter after each
        qtbot.keyClicks(view.serial_list, serial)
        qtbot.keyClick(view.serial_list, Qt.Key.Key_Return)
    qtbot.mouseClick(view.by_kind, Qt.MouseButton.LeftButton)  # Material, the first kind
    assert check_coverage(qtbot, view) == [1, 2]
    assert view.sentence == "1 of 2 serials holds a Material certificate; 1 lacks it."
    assert "1 serial of the list not found, so not counted: SN-09999" in view.result.text()
    assert [r.serial_id for r in view.lacking_model.rows()] == ["SN-00003"]

    qtbot.mouseClick(view.by_cert, Qt.MouseButton.LeftButton)
    assert view.cert_field.hasFocus()
    with qtbot.waitSignal(view.message_shown, timeout=TIMEOUT) as blocker:
        qtbot.keyClicks(view.cert_field, "cert_nope")
        qtbot.keyClick(view.cert_field, Qt.Key.Key_Return)
    assert blocker.args == ["Certificate not found: cert_nope"]
    assert view.lacking_model.rowCount() == 0 and not view.lacking_exports.csv_button.isEnabled()


def test_the_result_tables_use_the_height_they_have(supervisor, qtbot):
    view, window = coverage_tab(supervisor, qtbot), supervisor.window
    qtbot.keyClicks(view.cert_field, "cert_mat01")
    check_coverage(qtbot, view)
    qtbot.wait(50)
    bottom = view.splitter.mapTo(view, view.splitter.rect().bottomLeft()).y()
    assert bottom >= view.height() - 40  # the tables reach down to the view's margin
    assert view.splitter.orientation() == Qt.Orientation.Vertical
    # The route-gap table has one row: it takes the height of three and leaves the rest to the other
    gaps = view.gap_table
    assert gaps.viewport().height() >= 3 * gaps.verticalHeader().defaultSectionSize()
    assert gaps.viewport().height() < 5 * gaps.verticalHeader().defaultSectionSize()
    assert view.lacking_table.height() > 2 * gaps.height()
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: view.splitter.orientation() == Qt.Orientation.Horizontal, timeout=TIMEOUT)
    assert view.lacking_table.height() > 500 and view.gap_table.height() > 500


# --- the audit trail ---------------------------------------------------------------------------------

def audit_tab(supervisor, qtbot) -> AuditView:
    view = office_tab(supervisor.window, AuditView)
    with qtbot.waitSignal(view.verified, timeout=TIMEOUT):
        supervisor.window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.model.complete and not view.model.loading, timeout=TIMEOUT)
    return view


def requery_by(qtbot, view, edit, text: str) -> None:
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        edit.setFocus()
        qtbot.keyClicks(edit, text)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.complete, timeout=TIMEOUT)


def test_the_trail_in_people_s_words(supervisor, qtbot, qtmodeltester):
    view, window = audit_tab(supervisor, qtbot), supervisor.window
    model = view.model
    in_app = ask(qtbot, window, audit_queries.audit_page, reports.AuditQuery(), None, 500)
    assert [r.seq for r in model.rows()] == [r.seq for r in in_app.rows]  # newest first, every entry
    assert view.count_label.text() == f"{len(in_app.rows)} entries"
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == [
        "Entry", "When", "What", "Who", "Details", "Reason"]
    row = next(i for i, r in enumerate(model.rows()) if r.type == "cert_attached" and r.serial_id == "SN-00002")
    entry = model.rows()[row]
    assert cells(model, row)[2:] == ["Certificate attached", "Otto Operator",
                                     "Attached cert_mat01 — Mill test report 42CrMo4 to SN-00002 at Saw", ""]
    assert cells(model, row)[0] == str(entry.seq)
    local = entry.at.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert cells(model, row)[1] == local and cells(model, row, TOOLTIP)[1].endswith(" UTC")
    assert cells(model, row, TOOLTIP)[2] == "Type: cert_attached"
    assert cells(model, row, TOOLTIP)[3].startswith("User id: op2")
    override = next(i for i, r in enumerate(model.rows()) if r.type == "serial_advanced" and r.serial_id == "SN-00003")
    assert cells(model, override)[2:] == [
        "Serial advanced", "Sam Supervisor",
        "Advanced SN-00003 from Saw to Mill, without its required Material certificate (overridden)",
        "Material certificate follows"]
    qtmodeltester.check(model)


def test_filters_by_serial_words_name_certificate_number_and_date(supervisor, qtbot):
    view, window = audit_tab(supervisor, qtbot), supervisor.window
    requery_by(qtbot, view, view.serial_filter, "SN-00003")
    assert [r.what for r in view.model.rows()] == ["Serial advanced", "Serial created"]
    view.serial_filter.clear()  # a cleared field stops filtering
    qtbot.waitUntil(lambda: view.model.complete and view.model.rowCount() > 2, timeout=TIMEOUT)

    # The type by its words, typed into the combo as a person would
    qtbot.waitUntil(lambda: view.type_filter.findData("cert_attached") >= 0, timeout=TIMEOUT)
    assert "Certificate attached" in [view.type_filter.itemText(i) for i in range(view.type_filter.count())]
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.type_filter.setFocus()
        qtbot.keyClicks(view.type_filter, "Certificate")  # the first such word (a space would open the list)
    assert view.type_filter.currentData() == "cert_attached"
    assert [(r.serial_id, r.user_name) for r in view.model.rows()] == [
        ("SN-00001", "Sam Supervisor"), ("SN-00002", "Otto Operator"), ("SN-00001", "Olga Operator")]

    # The user by name
    qtbot.waitUntil(lambda: view.user_filter.findData("op2") >= 0, timeout=TIMEOUT)
    assert view.user_filter.itemText(view.user_filter.findData("op2")) == "Otto Operator"
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.user_filter.setFocus()
        qtbot.keyClicks(view.user_filter, "Otto")
    assert [(r.serial_id, r.user_id) for r in view.model.rows()] == [("SN-00002", "op2")]
    view.user_filter.setCurrentIndex(0)
    view.type_filter.setCurrentIndex(0)

    # The certificate by its issuer's number: the entries of cert_mat01, as app/ lists them
    requery_by(qtbot, view, view.cert_filter, "HT-4711")
    in_app = ask(qtbot, window, reports.audit_page, reports.AuditQuery(cert_id="cert_mat01"), None, 200)
    assert [r.seq for r in view.model.rows()] == [r.seq for r in in_app.rows] and len(in_app.rows) == 4
    assert {r.what for r in view.model.rows()} == {"Certificate attached", "Certificate created"}

    # From tomorrow: nothing, said in words
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT) as blocker:
        view.since.setDate(QDate.currentDate().addDays(1))
    assert blocker.args == [0] and view.count_label.text() == "No audit entry matches these filters."


def test_verify_says_the_result_and_the_time_at_every_press(supervisor, qtbot, monkeypatch):
    clock = iter([dt.datetime(2026, 12, 1, 14, 2, 11).astimezone(), dt.datetime(2026, 12, 1, 14, 5, 30).astimezone()])
    monkeypatch.setattr(audit_trail_module, "now", lambda: next(clock))
    view, window = audit_tab(supervisor, qtbot), supervisor.window
    truth = ask(qtbot, window, audit.verify)
    assert truth.ok and truth.attachments == 3
    first = view.notice.text()
    assert first == f"Chain intact: {truth.entries} entries and 3 attachments checked at 14:02:11"
    assert view.notice.property("state") == "ok"

    with qtbot.waitSignal(view.verified, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert view.notice.text() == f"Chain intact: {truth.entries} entries and 3 attachments checked at 14:05:30"
    assert view.verify_button.isEnabled()


def test_a_broken_chain_is_reported_at_its_entry(station_db, supervisor, qtbot):
    connection = sqlite3.connect(station_db)
    connection.execute("DROP TRIGGER audit_entry_no_update")
    seq = connection.execute("SELECT seq FROM audit_entry WHERE type = 'serial_advanced' AND serial_id = 'SN-00003'"
                             ).fetchone()[0]
    connection.execute("UPDATE audit_entry SET reason = 'nothing to see' WHERE seq = ?", (seq,))
    connection.commit()
    connection.close()
    view = office_tab(supervisor.window, AuditView)
    with qtbot.waitSignal(view.verified, timeout=TIMEOUT) as blocker:
        supervisor.window.tabs.setCurrentWidget(view)
    assert blocker.args == [False]
    assert view.notice.text().startswith(f"Chain broken at entry #{seq}: its content does not match its hash")
    assert view.notice.property("state") == "error" and "Checked at " in view.notice.text()
    qtbot.waitUntil(lambda: view.model.complete, timeout=TIMEOUT)
    row = next(i for i, r in enumerate(view.model.rows()) if r.seq == seq)
    assert view.model.data(view.model.index(row, 0), BACKGROUND) is not None
    assert view.model.data(view.model.index(row + 1, 0), BACKGROUND) is None


def test_an_attach_at_the_station_reads_as_its_sentence_in_the_trail(supervisor, qtbot):
    window = supervisor.window
    trail = audit_tab(supervisor, qtbot)
    window.tabs.setCurrentIndex(0)
    window.scan_field.setFocus()
    supervisor.scan("SN-00003", window.serial_loaded)
    supervisor.scan("IR-0001", window.certificate_chosen)  # cert_insp01 by its number
    supervisor.enter(window.attached)
    with qtbot.waitSignal(trail.listed, timeout=TIMEOUT):
        window.tabs.setCurrentWidget(trail)  # the trail is read again when it is shown again
    newest = trail.model.rows()[0]
    stored = ask(qtbot, window, reports.audit_page, reports.AuditQuery(), None, 1).rows[0]
    assert (newest.seq, newest.type, newest.serial_id, newest.cert_id) == (
        stored.seq, "cert_attached", "SN-00003", "cert_insp01")
    assert cells(trail.model, 0)[2:5] == ["Certificate attached", "Sam Supervisor",
                                          "Attached cert_insp01 — Final inspection report to SN-00003 at Mill"]


def test_signing_out_while_queries_are_in_flight_is_harmless(supervisor, qtbot):
    window = supervisor.window
    view = office_tab(window, AttachmentsView)
    view.load("cert_mat01")
    office_tab(window, CoverageView).check()
    office_tab(window, SerialView).show_serial("SN-00001")
    office_tab(window, AuditView).verify()
    window.sign_out("Signed out")
    qtbot.waitUntil(lambda: window.database.pending == 0, timeout=TIMEOUT)
    qtbot.wait(50)
    assert window.tabs.count() == 1
