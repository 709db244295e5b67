"""The Certificates office tab, driven with keys and the mouse: the list in people's words, paged by
key; the detail pane (fields, documents, approval, history); the form; revoke, delete, documents,
approval with the PIN. What is written is checked afterwards in the database, through app/ in the worker."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit

from app import certificates, documents
from app.certificate_list import CertificateQuery, list_certificates
from app.queries import certificates as queries
from tests.helpers import documents_corpus as corpus
from tests.helpers.elision import assert_nothing_cut
from tests.ui.conftest import TIMEOUT
from ui import operations
from ui.office.certificates import CertificatesView

PDF = corpus.pdf()
COLUMN = {"Id": 0, "Name": 1, "Kind": 2, "Number": 3, "Expires": 4, "State": 5, "Review": 6}


@pytest.fixture
def documents_dir(tmp_path, monkeypatch):
    folder = tmp_path / "documents"
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(folder))
    return folder


def open_tab(operator) -> CertificatesView:
    tabs = operator.window.tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    tabs.setCurrentIndex(titles.index("Certificates"))
    widget = tabs.widget(titles.index("Certificates"))
    assert isinstance(widget, CertificatesView)
    operator.qtbot.waitUntil(lambda: widget.model.rowCount() >= 5, timeout=TIMEOUT)
    return widget


@pytest.fixture
def view(operator, documents_dir) -> CertificatesView:
    operator.sign_in("B-SUP1", "432100")
    return open_tab(operator)


def ask(qtbot, view: CertificatesView, operation, *args):
    """Run an operation in the station's worker (app/ on the same database) and wait for its answer."""
    answers: list = []
    view.database.submit(operation, *args, on_done=lambda r: answers.append(("done", r)),
                         on_failed=lambda f: answers.append(("failed", f)))
    qtbot.waitUntil(lambda: bool(answers), timeout=TIMEOUT)
    return answers[0]


def cell(view: CertificatesView, cert_id: str, heading: str) -> str:
    row = next(n for n, r in enumerate(view.model.rows()) if r.id == cert_id)
    return view.model.data(view.model.index(row, COLUMN[heading]))


def choose(qtbot, view: CertificatesView, cert_id: str) -> None:
    """Click the certificate's row and wait for its detail and history."""
    qtbot.waitUntil(lambda: any(r.id == cert_id for r in view.model.rows()), timeout=TIMEOUT)
    row = next(n for n, r in enumerate(view.model.rows()) if r.id == cert_id)
    index = view.model.index(row, COLUMN["Name"])
    view.table.scrollTo(index)
    with qtbot.waitSignal(view.detail.history_loaded, timeout=TIMEOUT):
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=view.table.visualRect(index).center())
    qtbot.waitUntil(lambda: view.chosen() is not None and view.chosen().id == cert_id, timeout=TIMEOUT)


def type_into(qtbot, widget, text: str) -> None:
    if isinstance(widget, QComboBox):
        widget.setCurrentText(text)
        return
    assert isinstance(widget, QLineEdit)
    widget.clear()
    qtbot.keyClicks(widget, text)


def open_form(qtbot, view, edit: bool = False):
    with qtbot.waitSignal(view.form_opened, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.detail.edit_button if edit else view.new_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def pick(qtbot, box: QComboBox, code) -> None:
    """Choose an entry of a filter with the keyboard, as a person does."""
    box.setFocus()
    target = box.findData(code)
    while box.currentIndex() != target:
        qtbot.keyClick(box, Qt.Key.Key_Down if box.currentIndex() < target else Qt.Key.Key_Up)


def show_tab(qtbot, view: CertificatesView, tab: int) -> None:
    bar = view.detail.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tab).center())
    assert view.detail.tabs.currentIndex() == tab


def click_heading(qtbot, view: CertificatesView, heading: str) -> None:
    header = view.table.horizontalHeader()
    x = header.sectionViewportPosition(COLUMN[heading]) + header.sectionSize(COLUMN[heading]) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def ids(view) -> list[str]:
    return [r.id for r in view.model.rows()]


# --- the list ------------------------------------------------------------------------------------


def test_an_operator_does_not_see_the_certificates(operator):
    operator.sign_in("B-OP1", "1234")
    tabs = operator.window.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Station"]


def test_the_list_says_kinds_states_and_reviews_in_people_s_words(qtbot, view, qtmodeltester):
    qtmodeltester.check(view.model)
    qtbot.waitUntil(lambda: view.model.complete and len(ids(view)) == 5, timeout=TIMEOUT)
    assert [view.model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)] == list(COLUMN)
    assert cell(view, "cert_old", "Kind") == "Calibration"
    assert cell(view, "cert_mat01", "Id") == "cert_mat01"
    assert cell(view, "cert_mat01", "Review") == "Waiting for documents"
    assert cell(view, "cert_soon", "State") == "expires in 5 days"
    assert cell(view, "cert_rev", "State") == "revoked"
    assert cell(view, "cert_insp01", "Expires") == "never"
    old = ask(qtbot, view, certificates.get_certificate, "cert_old")[1]
    assert cell(view, "cert_old", "State") == f"expired {old.date_expire.isoformat()}"
    row = ids(view).index("cert_old")
    colour = view.model.data(view.model.index(row, 0), Qt.ItemDataRole.BackgroundRole)
    assert colour.color().name() == "#f8d7da"  # expired
    assert "cert_old" in view.model.data(view.model.index(row, 1), Qt.ItemDataRole.ToolTipRole)


def test_the_filters_narrow_the_list_as_you_type_and_pick(qtbot, view):
    qtbot.keyClicks(view.search, "cert_")
    qtbot.waitUntil(lambda: view.model.complete and len(ids(view)) == 5, timeout=TIMEOUT)
    qtbot.keyClicks(view.search, "old")
    qtbot.waitUntil(lambda: ids(view) == ["cert_old"], timeout=TIMEOUT)
    view.search.clear()
    pick(qtbot, view.state, "revoked")
    qtbot.waitUntil(lambda: ids(view) == ["cert_rev"], timeout=TIMEOUT)
    pick(qtbot, view.state, "expired")
    qtbot.waitUntil(lambda: ids(view) == ["cert_old"], timeout=TIMEOUT)
    pick(qtbot, view.state, None)
    pick(qtbot, view.kind, "TRAINING")
    qtbot.waitUntil(lambda: ids(view) == ["cert_soon"], timeout=TIMEOUT)
    pick(qtbot, view.kind, None)
    pick(qtbot, view.review, "pending")
    qtbot.waitUntil(lambda: view.model.complete and len(ids(view)) == 5, timeout=TIMEOUT)
    assert view.review.currentText() == "Waiting for documents"


def test_expiring_soon_is_one_click_away(qtbot, view):
    qtbot.waitUntil(lambda: view.expiring_button.text() == "Expiring soon: 1", timeout=TIMEOUT)
    qtbot.mouseClick(view.expiring_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ids(view) == ["cert_soon"], timeout=TIMEOUT)
    assert view.state.currentData() == "expiring" and view.model.query.sort == "date_expire"
    row_colour = view.model.data(view.model.index(0, 1), Qt.ItemDataRole.BackgroundRole)
    assert row_colour.color().name() == "#fff3cd"  # expiring


def test_the_list_sorts_in_the_database_descending(qtbot, view):
    click_heading(qtbot, view, "Id")  # sorted by id already: now descending
    qtbot.waitUntil(lambda: view.model.query.descending and view.model.complete and len(ids(view)) == 5,
                    timeout=TIMEOUT)
    assert ids(view) == sorted(ids(view), reverse=True)


def test_the_list_pages_by_key_past_the_first_page(qtbot, operator, documents_dir, monkeypatch):
    """Two rows a page: scrolling with End asks for each next page after the key of the last row."""
    monkeypatch.setattr("ui.office.certificate_list.PAGE_SIZE", 2)
    asked: list = []
    real_page = queries.page

    def page(query, after, limit):
        asked.append(after)
        return real_page(query, after, limit)

    monkeypatch.setattr(queries, "page", page)
    operator.sign_in("B-SUP1", "432100")
    view = open_tab(operator)
    qtbot.waitUntil(lambda: view.model.complete, timeout=TIMEOUT)
    asked.clear()
    click_heading(qtbot, view, "Name")
    qtbot.waitUntil(lambda: view.model.query.sort == "name" and view.model.rowCount() >= 2, timeout=TIMEOUT)
    view.table.setFocus()
    while not view.model.complete:
        qtbot.keyClick(view.table, Qt.Key.Key_End)
        qtbot.wait(20)
    whole = ask(qtbot, view, list_certificates, CertificateQuery(sort="name"))[1]
    assert len(whole) == 5 and ids(view) == [r.id for r in whole]
    # Each page after the first started after (name, id) of the row before it, never at an offset.
    assert asked == [None, (whole[1].name, whole[1].id), (whole[3].name, whole[3].id)]


# --- the detail pane -----------------------------------------------------------------------------


def test_the_detail_pane_shows_every_field_in_words_and_what_the_approval_waits_for(qtbot, view):
    choose(qtbot, view, "cert_mat01")
    detail = view.detail
    assert detail.title.text() == "cert_mat01 — Mill test report 42CrMo4"
    assert detail.values["kind"].text() == "Material"
    assert detail.values["number"].text() == "HT-4711"
    assert detail.values["en10204_type"].text() == "3.1"
    assert detail.values["validity"].text() == "1 year"
    assert detail.values["warning"].text() == "30 days before it expires"
    assert detail.values["status"].text() == "Active"
    record = ask(qtbot, view, certificates.get_certificate, "cert_mat01")[1]
    assert detail.values["date_expire"].text() == record.date_expire.isoformat()  # valid: the date says it all
    assert detail.summary.text() == f"Material · valid until {record.date_expire.isoformat()} · Waiting for documents"
    assert detail.approval.text() == "Waiting for documents. No document yet: add the scanned certificate."
    assert not detail.approve_button.isEnabled() and detail.revoke_button.isEnabled()
    assert detail.tabs.tabText(1) == "Documents (0)"
    assert detail.history.rowCount() == 1 and detail.history.item(0, 2).text() == "Ada Admin"
    assert detail.history.item(0, 2).toolTip() == "admin"
    assert detail.history.item(0, 1).text().startswith("Created certificate cert_mat01")


def test_open_and_remove_are_enabled_only_with_a_chosen_document(qtbot, view, tmp_path):
    choose(qtbot, view, "cert_insp01")
    show_tab(qtbot, view, 1)
    panel = view.documents
    assert panel.add_button.isEnabled()
    assert not panel.open_button.isEnabled() and not panel.remove_button.isEnabled()
    assert panel.empty.isVisible() and not panel.table.isVisible()

    scan = tmp_path / "cal.pdf"
    scan.write_bytes(PDF)
    panel.ask_files = lambda parent: [str(scan)]
    with qtbot.waitSignal(view.detail.shown, timeout=TIMEOUT):
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=TIMEOUT)
    assert view.detail.tabs.tabText(1) == "Documents (1)"
    assert panel.open_button.isEnabled() and panel.remove_button.isEnabled()  # the one document is chosen
    assert panel.table.item(0, 1).text() == "PDF" and panel.table.item(0, 4).text() == "Sam Supervisor"
    panel.table.clearSelection()
    assert not panel.open_button.isEnabled() and not panel.remove_button.isEnabled()
    panel.table.selectRow(0)

    opened: list = []
    panel.open_in_viewer = lambda path: opened.append(path) or True
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=TIMEOUT)
    assert opened[0].read_bytes() == PDF

    panel.ask_reason = lambda *args: "Wrong scan"
    with qtbot.waitSignal(panel.removed, timeout=TIMEOUT):
        qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0 and view.detail.tabs.tabText(1) == "Documents (0)",
                    timeout=TIMEOUT)
    assert not panel.open_button.isEnabled() and not panel.remove_button.isEnabled()
    assert ask(qtbot, view, documents.list_documents, "cert_insp01")[1] == []
    removal = next(r for r in ask(qtbot, view, queries.history, "cert_insp01")[1] if r.type == "document_removed")
    assert removal.reason == "Wrong scan" and removal.details["file_name"] == "cal.pdf"
    qtbot.waitUntil(lambda: "Removed document cal.pdf" in view.detail.history.item(0, 1).text(), timeout=TIMEOUT)
    assert view.detail.history.item(0, 3).text() == "Wrong scan"


def drop(panel, path) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    position = QPointF(panel.rect().center())
    enter = QDragEnterEvent(position.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel, enter)
    assert enter.isAccepted()
    event = QDropEvent(position, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel, event)
    return event


def test_a_dropped_document_is_approved_with_the_pin_and_the_pane_says_who_when_and_what(qtbot, view, tmp_path,
                                                                                          documents_dir):
    choose(qtbot, view, "cert_insp01")
    detail, panel = view.detail, view.documents
    scan = tmp_path / "inspection.pdf"
    scan.write_bytes(PDF)
    with qtbot.waitSignal(panel.added, timeout=TIMEOUT) as blocker:
        assert drop(panel, scan).isAccepted()
    assert blocker.args[0].path.is_relative_to(documents_dir) and blocker.args[0].path.read_bytes() == PDF
    qtbot.waitUntil(lambda: detail.approve_button.isEnabled(), timeout=TIMEOUT)
    assert detail.approval.text().startswith("Waiting for approval.")
    qtbot.waitUntil(lambda: cell(view, "cert_insp01", "Review") == "Waiting for approval", timeout=TIMEOUT)

    detail.ask_pin = lambda *args: "0000"
    with qtbot.waitSignal(detail.refused, timeout=TIMEOUT) as refusal:
        qtbot.mouseClick(detail.approve_button, Qt.MouseButton.LeftButton)
    assert "Wrong PIN" in refusal.args[0] and "Wrong PIN" in view.notice.text()
    assert ask(qtbot, view, certificates.get_certificate, "cert_insp01")[1].review_status == "uploaded"

    detail.ask_pin = lambda *args: "432100"
    with qtbot.waitSignal(detail.approved, timeout=TIMEOUT):
        qtbot.mouseClick(detail.approve_button, Qt.MouseButton.LeftButton)
    record = ask(qtbot, view, certificates.get_certificate, "cert_insp01")[1]
    assert (record.review_status, record.approved_by) == ("approved", "sup1")
    approval = ask(qtbot, view, queries.approval, "cert_insp01")[1]
    from ui.office.common import local_time
    qtbot.waitUntil(lambda: detail.approval.text().startswith("Approved by Sam Supervisor on "), timeout=TIMEOUT)
    assert local_time(approval.at)[:16] in detail.approval.text()
    assert "Meaning of the signature: approved. It covers 1 document." in detail.approval.text()
    assert approval.at.isoformat(timespec="seconds") in detail.approval.toolTip()
    assert not detail.approve_button.isEnabled()
    qtbot.waitUntil(lambda: cell(view, "cert_insp01", "Review") == "Approved", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: detail.history.item(0, 1).text().startswith("Approved the document of cert_insp01"),
                    timeout=TIMEOUT)


def test_a_refused_file_shows_the_core_s_message_and_stores_nothing(qtbot, view, tmp_path, documents_dir):
    choose(qtbot, view, "cert_insp01")
    fake = tmp_path / "notes.pdf"
    fake.write_bytes(b"GIF89a not a pdf")
    with qtbot.waitSignal(view.documents.refused, timeout=TIMEOUT) as blocker:
        drop(view.documents, fake)
    assert blocker.args[0].startswith("Unsupported file type: image/gif. Allowed: application/pdf")
    assert view.notice.text() == blocker.args[0]
    assert not documents_dir.exists() or not any(documents_dir.rglob("*"))
    assert ask(qtbot, view, documents.list_documents, "cert_insp01")[1] == []


def test_a_forged_document_is_not_opened_and_the_view_says_why(qtbot, view, tmp_path):
    scan = tmp_path / "cal.pdf"
    scan.write_bytes(PDF)
    assert ask(qtbot, view, documents.add_document, "cert_insp01", str(scan), "sup1")[0] == "done"
    choose(qtbot, view, "cert_insp01")
    panel = view.documents
    stored = panel.documents[0].path
    stored.chmod(0o644)
    stored.write_bytes(PDF.replace(b"%%EOF", b"%%EOX"))  # same size, other bytes
    opened: list = []
    panel.open_in_viewer = lambda path: opened.append(path) or True
    with qtbot.waitSignal(panel.refused, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert "not the one that was uploaded" in blocker.args[0] and "It is not shown" in blocker.args[0]
    qtbot.waitUntil(lambda: "not the one that was uploaded" in view.notice.text(), timeout=TIMEOUT)
    assert opened == []


def test_a_pdf_document_is_shown_beside_the_list(qtbot, view, tmp_path):
    from app.report_pdf import Report, write_pdf

    scan = tmp_path / "mill test report.pdf"
    write_pdf(Report("Mill test report H4711", [("Heat", "H4711")], [("a", "Element")], [{"a": "C 0.42"}],
                     "the mill", "2026-11-23"), str(scan))
    assert ask(qtbot, view, documents.add_document, "cert_mat01", str(scan), "sup1")[0] == "done"
    choose(qtbot, view, "cert_mat01")
    panel = view.documents
    qtbot.waitUntil(lambda: panel.preview.document.pageCount() == 1, timeout=TIMEOUT)
    assert panel.preview.caption.text() == "mill test report.pdf · 1 page(s)"
    panel.table.clearSelection()
    assert panel.preview.caption.text() == ""


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)])
def test_nothing_is_cut_with_a_certificate_and_its_document_shown(qtbot, operator, view, tmp_path, size):
    scan = tmp_path / "Mill test report 42CrMo4 heat H4711.pdf"
    scan.write_bytes(PDF)
    assert ask(qtbot, view, documents.add_document, "cert_mat01", str(scan), "sup1")[0] == "done"
    operator.window.resize(*size)
    choose(qtbot, view, "cert_mat01")
    qtbot.wait(100)
    for tab in range(view.detail.tabs.count()):
        show_tab(qtbot, view, tab)
        qtbot.wait(50)
        assert_nothing_cut(view, f"{size}, detail tab {view.detail.tabs.tabText(tab)}")


# --- the form, revoke, delete ------------------------------------------------------------------


@pytest.mark.parametrize("fields, field", [
    ({"id": "bad id", "name": "X"}, "id"),
    ({"id": "cert_new", "name": ""}, "name"),
    ({"id": "cert_new", "name": "X", "date_release": "2024-05-01", "date_expire": "2024-01-01"}, "date_expire"),
    ({"id": "cert_new", "name": "X", "validity": "2"}, "validity_unit"),
    ({"id": "cert_new", "name": "X", "warning": "-3"}, "warning"),
    ({"id": "cert_new", "name": "X", "kind": "PROCESS", "en10204_type": "3.1"}, "en10204_type"),
    ({"id": "cert_mat01", "name": "X"}, "id"),
    # values out of bounds: refused before anything is written (tests/app/test_bad_input.py has them all)
    ({"id": "cert_new", "name": "X", "warning": "1000000"}, "warning"),
    ({"id": "cert_new", "name": "X", "date_release": "9999-06-01", "validity": "5", "validity_unit": "YEAR"},
     "date_release"),
    ({"id": "cert_new", "name": "X", "date_release": "2024-05-01", "validity": "100000000000000000000",
      "validity_unit": "DAY"}, "validity"),
])
def test_the_form_shows_the_error_beside_its_field(qtbot, view, fields, field):
    form = open_form(qtbot, view)
    for name, text in fields.items():
        type_into(qtbot, form.inputs[name], text)
    with qtbot.waitSignal(form.rejected_by_core, timeout=TIMEOUT) as blocker:
        form.save()
    assert blocker.args[1] == field
    assert form.errors[field].isVisible() and form.errors[field].text() == blocker.args[0]
    assert all(not label.isVisible() for name, label in form.errors.items() if name != field)
    assert form.isVisible()
    assert ask(qtbot, view, certificates.get_certificate, "cert_new")[0] == "failed"


def test_create_computes_the_expiry_live_and_stores_the_certificate(qtbot, view):
    form = open_form(qtbot, view)
    for name, text in {"id": "cert_new", "name": "Heat 99 mill report", "kind": "MATERIAL", "number": "HT-99",
                       "en10204_type": "3.1", "heat_lot": "H99", "date_release": "2024-01-31", "validity": "1",
                       "validity_unit": "MONTH", "warning": "10"}.items():
        type_into(qtbot, form.inputs[name], text)
    assert form.computed_expiry.text() == "expires 2024-02-29"
    with qtbot.waitSignal(form.saved, timeout=TIMEOUT):
        qtbot.mouseClick(form.buttons.button(form.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert not form.isVisible()
    status, record = ask(qtbot, view, certificates.get_certificate, "cert_new")
    assert status == "done"
    assert (record.kind, record.en10204_type, record.heat_lot, str(record.date_expire), record.warning) == (
        "MATERIAL", "3.1", "H99", "2024-02-29", 10)
    qtbot.waitUntil(lambda: view.selected() is not None and view.selected().id == "cert_new", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: view.detail.title.text() == "cert_new — Heat 99 mill report", timeout=TIMEOUT)


def test_edit_asks_a_reason_and_the_history_says_old_and_new(qtbot, view):
    choose(qtbot, view, "cert_insp01")
    form = open_form(qtbot, view, edit=True)
    assert form.inputs["id"].isReadOnly()
    asked: list[str] = []
    form.ask_reason = lambda parent, title, prompt: asked.append(prompt) or "Typo in the name"
    type_into(qtbot, form.inputs["name"], "Final inspection report rev B")
    with qtbot.waitSignal(form.saved, timeout=TIMEOUT):
        qtbot.keyClick(form.inputs["name"], Qt.Key.Key_Return)
    assert asked and "Name" in asked[0]
    update = next(r for r in ask(qtbot, view, queries.history, "cert_insp01")[1] if r.type == "cert_updated")
    assert update.reason == "Typo in the name"
    assert update.details["updated_fields"] == {"name": {"old": "Final inspection report",
                                                         "new": "Final inspection report rev B"}}
    history = view.detail.history
    qtbot.waitUntil(lambda: history.rowCount() == 2 and "rev B" in history.item(0, 1).text(), timeout=TIMEOUT)
    assert "Final inspection report" in history.item(0, 1).text() and history.item(0, 3).text() == "Typo in the name"
    assert view.detail.title.text() == "cert_insp01 — Final inspection report rev B"


def test_edit_cancelled_at_the_reason_changes_nothing(qtbot, view):
    choose(qtbot, view, "cert_insp01")
    form = open_form(qtbot, view, edit=True)
    form.ask_reason = lambda *args: None
    type_into(qtbot, form.inputs["name"], "Changed")
    form.save()
    assert form.isVisible()
    form.reject()
    assert ask(qtbot, view, certificates.get_certificate, "cert_insp01")[1].name != "Changed"


def test_revoke_needs_a_reason(qtbot, view):
    choose(qtbot, view, "cert_mat01")
    view.ask_reason = lambda *args: "  "
    with qtbot.waitSignal(view.refused, timeout=TIMEOUT):
        qtbot.mouseClick(view.detail.revoke_button, Qt.MouseButton.LeftButton)
    assert ask(qtbot, view, certificates.get_certificate, "cert_mat01")[1].status == "active"
    view.ask_reason = lambda *args: "Supplier recalled the heat"
    with qtbot.waitSignal(view.revoked, timeout=TIMEOUT):
        qtbot.mouseClick(view.detail.revoke_button, Qt.MouseButton.LeftButton)
    assert ask(qtbot, view, certificates.get_certificate, "cert_mat01")[1].status == "revoked"
    revocation = next(r for r in ask(qtbot, view, queries.history, "cert_mat01")[1] if r.type == "cert_revoked")
    assert revocation.reason == "Supplier recalled the heat"
    qtbot.waitUntil(lambda: view.detail.values["status"].text() == "Revoked", timeout=TIMEOUT)
    assert not view.detail.revoke_button.isEnabled()
    qtbot.waitUntil(lambda: cell(view, "cert_mat01", "State") == "revoked", timeout=TIMEOUT)


def test_delete_is_refused_with_attachments(qtbot, view):
    assert ask(qtbot, view, operations.attach, "SN-00001", "cert_mat01", "sup1")[0] == "done"
    choose(qtbot, view, "cert_mat01")
    view.ask_reason = lambda *args: "Registered twice"
    with qtbot.waitSignal(view.refused, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.detail.delete_button, Qt.MouseButton.LeftButton)
    assert "cannot be deleted" in blocker.args[0] and "Revoke it instead" in blocker.args[0]
    assert ask(qtbot, view, certificates.get_certificate, "cert_mat01")[0] == "done"


def test_delete_without_attachments_lists_the_documents_first(qtbot, view, tmp_path):
    scan = tmp_path / "report.pdf"
    scan.write_bytes(PDF)
    assert ask(qtbot, view, documents.add_document, "cert_insp01", str(scan), "sup1")[0] == "done"
    choose(qtbot, view, "cert_insp01")
    view.ask_reason = lambda *args: "Registered by mistake"
    shown: list[str] = []
    view.confirm = lambda parent, title, text: shown.append(text) or False
    qtbot.mouseClick(view.detail.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT)
    assert "report.pdf" in shown[0]
    qtbot.waitUntil(lambda: view.notice.text() == "Nothing deleted", timeout=TIMEOUT)
    assert ask(qtbot, view, certificates.get_certificate, "cert_insp01")[0] == "done"

    view.confirm = lambda parent, title, text: True
    with qtbot.waitSignal(view.deleted, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.detail.delete_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].deleted and [d["file_name"] for d in blocker.args[0].documents] == ["report.pdf"]
    assert ask(qtbot, view, certificates.get_certificate, "cert_insp01")[0] == "failed"
    assert view.chosen() is None and view.detail.placeholder.isVisible()
    qtbot.waitUntil(lambda: "cert_insp01" not in ids(view), timeout=TIMEOUT)


def test_signing_out_while_the_list_loads_is_harmless(qtbot, operator, documents_dir):
    operator.sign_in("B-SUP1", "432100")
    window = operator.window
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    view = window.tabs.widget(titles.index("Certificates"))
    # The other tabs' first loads done first: only this tab's answers are in flight at sign-out.
    qtbot.waitUntil(lambda: window.database.pending == 0, timeout=TIMEOUT)
    view.reload()
    view.detail.show_certificate("cert_mat01")
    window.sign_out("Signed out")
    qtbot.waitUntil(lambda: window.database.pending == 0, timeout=TIMEOUT)
    qtbot.wait(50)
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["Station"]
