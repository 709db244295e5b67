"""The Serials tab, driven with keys and the mouse by a supervisor signed in by badge and PIN: a batch by
count and numbering pattern with a certificate given by its number, previewed as it is typed; a pasted list
and an ERP's CSV file; a refused batch and a cancelled one writing nothing; labels of the batch to a printer
and to a PDF that decode back to the serials. The database is read through the station's worker
afterwards — serials, attachments, audit entries — on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app import integrity, serials
from app.models import CertAttachment
from tests.helpers.job_views import (accept_print_dialog, audit_of, counts, pdf_printer, serial_rows,  # noqa: F401
                                     serials_tab, supervisor)
from tests.helpers.labels import decode_pdf
from tests.helpers.setup_views import TIMEOUT, ask, desk, plant_url  # noqa: F401
from ui.office import look
from ui.office.label_actions import LabelButtons
from ui.office.serial_batches import SerialsView
from ui.settings import StationSettings

MADE_20 = "Made 20 serials SN-JOB-1-0001 to SN-JOB-1-0020 for JOB-1, each with cert_mat01."


def type_over(qtbot, field, text: str) -> None:
    """Replace a field's text from the keyboard: select all, then type."""
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)


def type_lines(qtbot, field, *lines: str) -> None:
    """Lines typed into a text box, each ended with Enter."""
    for number, line in enumerate(lines):
        if number:
            qtbot.keyClick(field, Qt.Key.Key_Return)
        qtbot.keyClicks(field, line)


def preview_says(qtbot, view: SerialsView, text: str) -> None:
    qtbot.waitUntil(lambda: view.preview_line.text() == text, timeout=TIMEOUT)


def attachments(qtbot, view) -> list[tuple[str, str, str, str]]:
    return ask(qtbot, view, lambda: [(a.serial_id, a.cert_id, a.step_id, a.attached_by_id) for a in
                                     CertAttachment.select().order_by(CertAttachment.serial)])


def make(qtbot, view: SerialsView) -> object:
    """Press Make serials; the batch as the view heard it (cancelled or not)."""
    with qtbot.waitSignal(view.batch_done, timeout=60_000) as done:
        qtbot.mouseClick(view.make_button, Qt.MouseButton.LeftButton)
    return done.args[0]


def test_twenty_numbered_serials_with_a_certificate_given_by_its_number(qtbot, supervisor):
    view = serials_tab(supervisor)
    assert view.job.currentData() == "JOB-1"
    preview_says(qtbot, view, "20 serials: SN-JOB-1-0001 … SN-JOB-1-0020")  # the pattern offered, the count
    type_over(qtbot, view.pattern, "SN-{job}-{n}")
    preview_says(qtbot, view, "20 serials: SN-JOB-1-1 … SN-JOB-1-20")
    type_over(qtbot, view.pattern, "SN-{job}-{n:04}")
    type_over(qtbot, view.cert, "HT-4711")  # cert_mat01's number, as scanned from the mill's report
    preview_says(qtbot, view, "20 serials: SN-JOB-1-0001 … SN-JOB-1-0020, each with cert_mat01 — Mill test report "
                              "42CrMo4")
    made = make(qtbot, view)
    assert made.serial_ids[0] == "SN-JOB-1-0001" and len(made.serial_ids) == 20 and not made.cancelled
    assert view.notice.text() == MADE_20
    assert view.notice.action.text() == "Print labels…" and view.notice.second.text() == "Labels as PDF…"
    assert view.notice.action.isVisible() and view.notice.second.isVisible()

    new = [f"SN-JOB-1-{n:04d}" for n in range(1, 21)]
    assert [s for s in serial_rows(qtbot, view) if s[0].startswith("SN-JOB")] == [(s, "in_progress", 0) for s in new]
    assert attachments(qtbot, view) == [(s, "cert_mat01", "step_001", "sup1") for s in new]
    created = audit_of(qtbot, view, "serial_created", "cert_attached")
    assert sorted((e[0], e[2]) for e in created if e[1] == "sup1") == sorted(
        [("serial_created", s) for s in new] + [("cert_attached", s) for s in new])
    assert ask(qtbot, view, lambda: integrity.verify(quick=True)).ok
    qtbot.waitUntil(lambda: view.panel.model.count == 22, timeout=TIMEOUT)  # the job's serials below
    preview_says(qtbot, view, "20 serials: SN-JOB-1-0021 … SN-JOB-1-0040, each with cert_mat01 — Mill test report "
                              "42CrMo4")  # the next batch numbers on


def test_a_refused_batch_says_the_core_s_sentence_and_writes_nothing(qtbot, supervisor):
    view = serials_tab(supervisor)
    before = counts(qtbot, view)
    type_over(qtbot, view.pattern, "SN-{part}-{n}")
    sentence = "The numbering pattern may hold only {job} and {n} (or {n:04} for 4 digits): SN-{part}-{n}"
    preview_says(qtbot, view, sentence)
    with qtbot.waitSignal(view.batch_failed, timeout=TIMEOUT) as failed:
        qtbot.keyClick(view.pattern, Qt.Key.Key_Return)  # Enter in the pattern makes the batch
    assert failed.args[0] == sentence and view.notice.text() == f"No serial made: {sentence}"

    type_over(qtbot, view.pattern, "SN-{job}-{n:04}")
    type_over(qtbot, view.cert, "cert_old")
    qtbot.waitUntil(lambda: view.preview_line.text().startswith("Certificate cert_old expired on "), timeout=TIMEOUT)
    with qtbot.waitSignal(view.batch_failed, timeout=TIMEOUT) as failed:
        qtbot.keyClick(view.cert, Qt.Key.Key_Return)
    assert failed.args[0].startswith("Certificate cert_old expired on ") and failed.args[0].endswith(
        ", cannot attach")
    assert counts(qtbot, view) == before


def test_a_pasted_list_and_an_erp_csv_file(qtbot, supervisor, monkeypatch, tmp_path):
    view = serials_tab(supervisor)
    qtbot.mouseClick(view.by_list, Qt.MouseButton.LeftButton)
    assert view.list_row.isVisible() and not view.pattern_row.isVisible() and view.focusWidget() is view.listed
    type_lines(qtbot, view.listed, "P-100", "P-101", "P-102")
    preview_says(qtbot, view, "3 serials: P-100 … P-102")
    made = make(qtbot, view)
    assert made.serial_ids == ("P-100", "P-101", "P-102") and made.cert_id is None
    assert view.notice.text() == "Made 3 serials P-100 to P-102 for JOB-1."

    erp = tmp_path / "erp.csv"
    erp.write_bytes("\ufeffOrder;Serial number;Qty\r\n4711;ERP-001;1\r\n4711;ERP-002;1\r\n".encode())
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(erp), "CSV"))
    with qtbot.waitSignal(view.list_imported, timeout=TIMEOUT):
        qtbot.mouseClick(view.import_button, Qt.MouseButton.LeftButton)
    assert view.notice.text() == "Read 2 serial numbers from erp.csv. Check the preview, then Make serials."
    preview_says(qtbot, view, "2 serials: ERP-001 … ERP-002")
    type_over(qtbot, view.cert, "cert_mat01")
    made = make(qtbot, view)
    assert view.notice.text() == "Made 2 serials ERP-001 to ERP-002 for JOB-1, each with cert_mat01."
    assert [a[:2] for a in attachments(qtbot, view)] == [("ERP-001", "cert_mat01"), ("ERP-002", "cert_mat01")]

    before = counts(qtbot, view)
    bad = tmp_path / "two-columns.csv"
    bad.write_text("a,b\nc,d\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(bad), "CSV"))
    qtbot.mouseClick(view.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.notice.text().startswith("This CSV has 2 columns and none is headed 'serial'"),
                    timeout=TIMEOUT)
    view.listed.selectAll()
    type_lines(qtbot, view.listed, "P-101", "Q-1")  # one taken already
    preview_says(qtbot, view, "1 of these serial numbers exists already (P-101)")
    assert counts(qtbot, view) == before


def test_a_cancelled_batch_writes_nothing(qtbot, supervisor):
    view = serials_tab(supervisor)
    before = counts(qtbot, view)
    type_over(qtbot, view.count, "30000")
    type_over(qtbot, view.cert, "cert_mat01")
    preview_says(qtbot, view, "30,000 serials: SN-JOB-1-0001 … SN-JOB-1-30000, each with cert_mat01 — Mill test "
                              "report 42CrMo4")

    def cancel_at_the_first_progress(value: int) -> None:
        if value > 0 and view.cancel_button.isEnabled():
            qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)

    view.progress_bar.valueChanged.connect(cancel_at_the_first_progress)
    made = make(qtbot, view)
    assert made.cancelled and made.serial_ids == ()
    assert view.notice.text() == ("Cancelled: nothing was written — no serial, no certificate attached, no audit "
                                  "entry.")
    assert counts(qtbot, view) == before  # no serial, attachment or audit entry
    assert not view.progress_bar.isVisible() and view.make_button.isEnabled()
    assert ask(qtbot, view, lambda: integrity.verify(quick=True)).ok


def test_the_batch_s_labels_to_a_printer_and_to_a_pdf_read_back(qtbot, supervisor, monkeypatch, tmp_path):
    view = serials_tab(supervisor)
    type_over(qtbot, view.cert, "cert_mat01")
    make(qtbot, view)
    assert view.notice.text() == MADE_20
    labels = view.panel.labels
    labels.make_printer = lambda: pdf_printer(tmp_path / "printer.pdf")
    accept_print_dialog()
    with qtbot.waitSignal(labels.printed, timeout=TIMEOUT):
        qtbot.mouseClick(view.notice.action, Qt.MouseButton.LeftButton)  # Print labels…
    assert view.notice.text() == "Printed 20 labels (50x25 mm) on the printer."
    batch = [f"SN-JOB-1-{n:04d}" for n in range(1, 21)]
    assert [d.code128 for d in decode_pdf(tmp_path / "printer.pdf", tmp_path / "printer")] == batch

    type_over(qtbot, labels.size_field, "62x29")
    offered: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda parent, title, path, kinds: (
        offered.append(path) or str(tmp_path / "labels.pdf"), kinds))
    with qtbot.waitSignal(labels.printed, timeout=TIMEOUT):
        qtbot.mouseClick(view.notice.second, Qt.MouseButton.LeftButton)  # Labels as PDF…
    assert Path(offered[0]).name == f"SN-JOB-1-0001-and-19-more-labels-{dt.date.today().isoformat()}.pdf"
    assert view.notice.text().startswith(f"Saved 20 labels (62x29 mm) to {tmp_path / 'labels.pdf'}. 20 labels had "
                                         "been printed before: recorded as reprints (SN-JOB-1-0001,")
    decoded = decode_pdf(tmp_path / "labels.pdf", tmp_path / "pdf")
    assert [d.code128 for d in decoded] == batch and decoded[0].page_mm == pytest.approx((62, 29), abs=0.3)
    printed = audit_of(qtbot, view, "labels_printed")
    assert [(e[1], e[2], e[4]["reprint"], e[4]["output"]) for e in printed] == (
        [("sup1", s, False, "printer") for s in batch] + [("sup1", s, True, "pdf") for s in batch])
    # The size is this workstation's setting from now on: the next label field offers it.
    assert StationSettings.load().label_size == "62x29"
    again = LabelButtons(labels._database, labels._user, lambda: None, look.Notice())
    qtbot.addWidget(again)
    assert again.size_field.text() == "62x29"


def test_a_job_s_labels_leave_scrapped_serials_out(qtbot, supervisor, monkeypatch, tmp_path):
    view = serials_tab(supervisor)
    ask(qtbot, view, serials.scrap_serial, "SN-00001", "sup1", "Cracked")
    panel = view.panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=TIMEOUT)
    assert panel.chosen.text() == "None chosen: labels of the whole job"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(tmp_path / "job.pdf"), "PDF"))
    with qtbot.waitSignal(panel.labels.printed, timeout=TIMEOUT):
        qtbot.mouseClick(panel.labels.pdf_button, Qt.MouseButton.LeftButton)
    assert view.notice.text() == f"Saved 1 label (50x25 mm) to {tmp_path / 'job.pdf'}. 1 scrapped serial left out."
    assert [d.code128 for d in decode_pdf(tmp_path / "job.pdf", tmp_path / "job")] == ["SN-00002"]

    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Down)  # from the first serial to the second, by keyboard
    assert panel.selected_ids() == ["SN-00002"] and panel.chosen.text() == "1 serial chosen: labels of those"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(tmp_path / "one"), "PDF"))
    with qtbot.waitSignal(panel.labels.printed, timeout=TIMEOUT):
        qtbot.mouseClick(panel.labels.pdf_button, Qt.MouseButton.LeftButton)
    assert [d.code128 for d in decode_pdf(tmp_path / "one.pdf", tmp_path / "one")] == ["SN-00002"]
    assert "1 label had been printed before: recorded as reprints (SN-00002)" in view.notice.text()
    assert [(e[2], e[4]["reprint"]) for e in audit_of(qtbot, view, "labels_printed")] == [
        ("SN-00002", False), ("SN-00002", True)]
