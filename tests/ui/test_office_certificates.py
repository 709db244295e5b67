"""The Certificates office tab: list, form (field errors, create, edit with history), revoke, delete,
documents (dropped on the panel), approval with the PIN; checked afterwards through app/ in the worker."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QMimeData, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit

from app import certificates, documents
from app.queries import certificates as queries
from tests.helpers import documents_corpus as corpus
from tests.ui.conftest import TIMEOUT
from ui import operations
from ui.office.certificates import COLUMNS, CertificateListModel, CertificatesView

PDF = corpus.pdf()


@pytest.fixture
def documents_dir(tmp_path, monkeypatch):
    folder = tmp_path / "documents"
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(folder))
    return folder


@pytest.fixture
def view(operator, documents_dir) -> CertificatesView:
    operator.sign_in("B-SUP1", "432100")
    tabs = operator.window.tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert "Certificates" in titles
    tabs.setCurrentIndex(titles.index("Certificates"))
    widget = tabs.widget(titles.index("Certificates"))
    assert isinstance(widget, CertificatesView)
    operator.qtbot.waitUntil(lambda: widget.model.rowCount() >= 5, timeout=TIMEOUT)
    return widget


def ask(qtbot, view: CertificatesView, operation, *args):
    """Run an operation in the station's worker (app/ on the same database) and wait for its answer."""
    answers: list = []
    view.database.submit(operation, *args, on_done=lambda r: answers.append(("done", r)),
                         on_failed=lambda f: answers.append(("failed", f)))
    qtbot.waitUntil(lambda: bool(answers), timeout=TIMEOUT)
    return answers[0]


def choose(qtbot, view: CertificatesView, cert_id: str) -> None:
    qtbot.waitUntil(lambda: view.select_id(cert_id), timeout=TIMEOUT)
    assert view.selected().id == cert_id
    qtbot.waitUntil(lambda: view.documents.record is not None and view.documents.record.id == cert_id,
                    timeout=TIMEOUT)


def type_into(qtbot, widget, text: str) -> None:
    if isinstance(widget, QComboBox):
        widget.setCurrentText(text)
        return
    assert isinstance(widget, QLineEdit)
    widget.clear()
    qtbot.keyClicks(widget, text)


def open_form(qtbot, view, edit: bool = False):
    with qtbot.waitSignal(view.form_opened, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.edit_button if edit else view.new_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_an_operator_does_not_see_the_certificates(operator):
    operator.sign_in("B-OP1", "1234")
    tabs = operator.window.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Station"]


def test_the_list_filters_as_you_type_and_colours_states(qtbot, view, qtmodeltester):
    qtmodeltester.check(view.model)
    qtbot.keyClicks(view.search, "cert_")
    qtbot.waitUntil(lambda: view.model.complete, timeout=TIMEOUT)
    assert {r.id for r in view.model.rows()} >= {"cert_mat01", "cert_old", "cert_rev"}
    qtbot.keyClicks(view.search, "old")
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows()] == ["cert_old"], timeout=TIMEOUT)
    colour = view.model.data(view.model.index(0, 0), Qt.ItemDataRole.BackgroundRole)
    assert colour is not None and colour.color().name() == "#f8d7da"  # expired
    view.search.clear()
    view.status.setCurrentIndex(view.status.findData("revoked"))
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows()] == ["cert_rev"], timeout=TIMEOUT)
    view.status.setCurrentIndex(0)
    view.expired.setChecked(True)
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows()] == ["cert_old"], timeout=TIMEOUT)


def test_the_list_sorts_in_the_database_descending(qtbot, view):
    view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: view.model.query.descending and view.model.rowCount() >= 5, timeout=TIMEOUT)
    ids = [r.id for r in view.model.rows()]
    assert ids == sorted(ids, reverse=True)


def test_the_model_pages(qtbot, view, monkeypatch):
    monkeypatch.setattr("ui.office.certificates.PAGE_SIZE", 2)
    model = CertificateListModel(view.database)
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
        model.set_query(model.query)
    assert model.rowCount() == 2 and model.canFetchMore()
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
        model.fetchMore()
    assert model.rowCount() > 2 and [r.id for r in model.rows()] == sorted(r.id for r in model.rows())


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


def test_edit_asks_a_reason_and_the_history_shows_old_and_new(qtbot, view):
    choose(qtbot, view, "cert_insp01")
    form = open_form(qtbot, view, edit=True)
    assert form.inputs["id"].isReadOnly()
    old_name = form.value("name")
    asked: list[str] = []
    form.ask_reason = lambda parent, title, prompt: asked.append(prompt) or "Typo in the name"
    type_into(qtbot, form.inputs["name"], "Final inspection report rev B")
    with qtbot.waitSignal(form.saved, timeout=TIMEOUT):
        form.save()
    assert asked and "Name" in asked[0]
    status, rows = ask(qtbot, view, queries.history, "cert_insp01")
    update = next(r for r in rows if r.type == "cert_updated")
    assert update.reason == "Typo in the name"
    assert update.details["updated_fields"] == {"name": {"old": old_name, "new": "Final inspection report rev B"}}

    choose(qtbot, view, "cert_insp01")
    form = open_form(qtbot, view, edit=True)
    with qtbot.waitSignal(form.history_loaded, timeout=TIMEOUT) as blocker:
        form.load_history()
    assert any(line[3] == "Name" and line[4] == old_name and line[5] == "Final inspection report rev B"
               and line[6] == "Typo in the name" for line in blocker.args[0])
    form.reject()


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
        view.revoke_selected()
    assert ask(qtbot, view, certificates.get_certificate, "cert_mat01")[1].status == "active"
    view.ask_reason = lambda *args: "Supplier recalled the heat"
    with qtbot.waitSignal(view.revoked, timeout=TIMEOUT):
        qtbot.mouseClick(view.revoke_button, Qt.MouseButton.LeftButton)
    assert ask(qtbot, view, certificates.get_certificate, "cert_mat01")[1].status == "revoked"
    revocation = next(r for r in ask(qtbot, view, queries.history, "cert_mat01")[1] if r.type == "cert_revoked")
    assert revocation.reason == "Supplier recalled the heat"


def test_delete_is_refused_with_attachments(qtbot, view):
    assert ask(qtbot, view, operations.attach, "SN-00001", "cert_mat01", "sup1")[0] == "done"
    choose(qtbot, view, "cert_mat01")
    view.ask_reason = lambda *args: "Registered twice"
    with qtbot.waitSignal(view.refused, timeout=TIMEOUT) as blocker:
        view.delete_selected()
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
    view.delete_selected()
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT)
    assert "report.pdf" in shown[0]
    qtbot.waitUntil(lambda: view.message.text() == "Nothing deleted", timeout=TIMEOUT)
    assert ask(qtbot, view, certificates.get_certificate, "cert_insp01")[0] == "done"

    view.confirm = lambda parent, title, text: True
    with qtbot.waitSignal(view.deleted, timeout=TIMEOUT) as blocker:
        view.delete_selected()
    assert blocker.args[0].deleted and [d["file_name"] for d in blocker.args[0].documents] == ["report.pdf"]
    assert ask(qtbot, view, certificates.get_certificate, "cert_insp01")[0] == "failed"


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


def test_a_dropped_document_is_stored_and_approval_needs_the_right_pin(qtbot, view, tmp_path, documents_dir):
    choose(qtbot, view, "cert_insp01")
    panel = view.documents
    scan = tmp_path / "inspection.pdf"
    scan.write_bytes(PDF)
    with qtbot.waitSignal(panel.added, timeout=TIMEOUT) as blocker:
        event = drop(panel, scan)
    assert event.isAccepted()
    document = blocker.args[0]
    assert document.file_name == "inspection.pdf" and document.path.read_bytes() == PDF
    assert document.path.is_relative_to(documents_dir)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and panel.approve_button.isEnabled(), timeout=TIMEOUT)
    status, docs = ask(qtbot, view, queries.document_state, "cert_insp01")
    assert docs[0].review_status == "uploaded" and [d.sha256 for d in docs[1]] == [document.sha256]

    panel.ask_pin = lambda *args: "0000"
    with qtbot.waitSignal(panel.refused, timeout=TIMEOUT) as refusal:
        qtbot.mouseClick(panel.approve_button, Qt.MouseButton.LeftButton)
    assert "Wrong PIN" in refusal.args[0]
    assert ask(qtbot, view, certificates.get_certificate, "cert_insp01")[1].review_status == "uploaded"

    panel.ask_pin = lambda *args: "432100"
    with qtbot.waitSignal(panel.approved, timeout=TIMEOUT) as approval:
        qtbot.mouseClick(panel.approve_button, Qt.MouseButton.LeftButton)
    assert approval.args[0]["printedName"] == "Sam Supervisor" and approval.args[0]["meaning"] == "approved"
    qtbot.waitUntil(lambda: panel.review.text().startswith("Approved — Sam Supervisor"), timeout=TIMEOUT)
    assert "meaning: approved" in panel.review.text()
    record = ask(qtbot, view, certificates.get_certificate, "cert_insp01")[1]
    assert (record.review_status, record.approved_by) == ("approved", "sup1")


def test_a_refused_file_shows_the_seed_message_and_stores_nothing(qtbot, view, tmp_path, documents_dir):
    choose(qtbot, view, "cert_insp01")
    fake = tmp_path / "notes.pdf"
    fake.write_bytes(b"GIF89a not a pdf")
    with qtbot.waitSignal(view.documents.refused, timeout=TIMEOUT) as blocker:
        drop(view.documents, fake)
    assert blocker.args[0].startswith("Unsupported file type: image/gif. Allowed: application/pdf")
    assert view.documents.message.text() == blocker.args[0]
    assert not documents_dir.exists() or not any(documents_dir.rglob("*"))
    assert ask(qtbot, view, queries.document_state, "cert_insp01")[1][1] == []


def test_signing_out_while_the_list_loads_is_harmless(qtbot, operator, documents_dir):
    operator.sign_in("B-SUP1", "432100")
    window = operator.window
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    view = window.tabs.widget(titles.index("Certificates"))
    # The other tabs' first loads done first: only this tab's answers are in flight at sign-out.
    qtbot.waitUntil(lambda: window.database.pending == 0, timeout=TIMEOUT)
    view.reload()
    view.documents.show_certificate(None)
    window.sign_out("Signed out")
    qtbot.waitUntil(lambda: window.database.pending == 0, timeout=TIMEOUT)
    qtbot.wait(50)
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["Station"]


def _panel_with_one_document(qtbot, view, tmp_path):
    """cert_insp01 chosen in the list, with one PDF added through the worker, as its panel shows it."""
    scan = tmp_path / "cal.pdf"
    scan.write_bytes(PDF)
    assert ask(qtbot, view, documents.add_document, "cert_insp01", str(scan), "sup1")[0] == "done"
    choose(qtbot, view, "cert_insp01")
    panel = view.documents
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=TIMEOUT)
    return panel


def test_a_document_is_opened_and_removed_with_a_reason(qtbot, view, tmp_path):
    panel = _panel_with_one_document(qtbot, view, tmp_path)
    panel.table.selectRow(0)
    opened: list = []
    panel.open_in_viewer = lambda path: opened.append(path) or True
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=TIMEOUT)
    assert opened[0].read_bytes() == PDF
    panel.ask_reason = lambda *args: "Wrong scan"
    with qtbot.waitSignal(panel.changed, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].review_status == "pending"
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0, timeout=TIMEOUT)
    removal = next(r for r in ask(qtbot, view, queries.history, "cert_insp01")[1] if r.type == "document_removed")
    assert removal.reason == "Wrong scan" and removal.details["file_name"] == "cal.pdf"


def test_a_forged_document_is_not_opened_and_the_panel_says_why(qtbot, view, tmp_path):
    panel = _panel_with_one_document(qtbot, view, tmp_path)
    stored = panel.documents[0].path
    stored.chmod(0o644)
    stored.write_bytes(PDF.replace(b"%%EOF", b"%%EOX"))  # same size, other bytes
    panel.table.selectRow(0)
    opened: list = []
    panel.open_in_viewer = lambda path: opened.append(path) or True
    with qtbot.waitSignal(panel.refused, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert "not the one that was uploaded" in blocker.args[0] and "It is not shown" in blocker.args[0]
    assert "not the one that was uploaded" in panel.message.text()
    qtbot.wait(50)
    assert opened == []


def test_what_expires_in_30_days_is_listed_and_found_on_a_click(qtbot, view):
    qtbot.waitUntil(lambda: view.expiring.count() == 1 and "cert_soon" in view.expiring.item(0).text(),
                    timeout=TIMEOUT)
    view.within.setChecked(True)
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows()] == ["cert_soon"], timeout=TIMEOUT)
    colour = view.model.data(view.model.index(0, 1), Qt.ItemDataRole.BackgroundRole)
    assert colour.color().name() == "#fff3cd"  # expiring
    view.within.setChecked(False)
    view._on_expiring_clicked(view.expiring.item(0))
    assert view.search.text() == "cert_soon"
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows()] == ["cert_soon"], timeout=TIMEOUT)


def test_a_pdf_document_is_shown_inline_where_qtpdf_is_installed(qtbot, view, tmp_path):
    from app.report_pdf import Report, write_pdf

    scan = tmp_path / "mill test report.pdf"
    write_pdf(Report("Mill test report H4711", [("Heat", "H4711")], [("a", "Element")], [{"a": "C 0.42"}],
                     "the mill", "2026-11-23"), str(scan))
    assert ask(qtbot, view, documents.add_document, "cert_mat01", str(scan), "sup1")[0] == "done"
    choose(qtbot, view, "cert_mat01")
    panel = view.documents
    assert panel.preview is not None  # QtPdf is part of every install
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=TIMEOUT)
    panel.table.selectRow(0)
    qtbot.waitUntil(lambda: panel.preview.document.pageCount() == 1, timeout=TIMEOUT)
    assert panel.preview.caption.text() == "mill test report.pdf · 1 page(s)"
    panel.table.clearSelection()
    assert panel.preview.caption.text() == ""


def test_the_state_column_says_each_certificate_s_state_in_one_phrase(qtbot, view):
    qtbot.waitUntil(lambda: view.model.complete, timeout=TIMEOUT)
    column = [heading for _, heading in COLUMNS].index("State")
    states = {record.id: view.model.data(view.model.index(row, column))
              for row, record in enumerate(view.model.rows())}
    old, soon = (ask(qtbot, view, certificates.get_certificate, cert_id)[1] for cert_id in ("cert_old", "cert_soon"))
    assert states["cert_old"] == f"expired {old.date_expire.isoformat()}"
    assert states["cert_rev"] == "revoked"
    assert states["cert_soon"] == "expires in 5 days"
    assert states["cert_insp01"] == "valid"
    choose(qtbot, view, "cert_soon")
    assert "expires in 5 days" in view.details.text() and "active" not in view.details.text()
