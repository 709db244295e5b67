"""Labels through QPrinter: printed to a PDF by Qt (PdfFormat), rendered by poppler and decoded by zxing-cpp.

The same layouts app.labels makes for its own PDF, painted by Qt: the codes must read back the same,
on pages the label's size. Through the worker, the printing is recorded first, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QWidget

from app import db as app_db
from app import integrity, serials
from app.label_layout import Label, LabelSize, layout
from app.models import AuditEntry
from tests.helpers.labels import decode_pdf
from tests.helpers.plant import build_plant
from ui import operations
from ui.office import label_printing
from ui.worker import DatabaseWorker, Failure

TIMEOUT = 10_000


def pdf_printer(path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def test_twenty_labels_printed_by_qt_read_back(qtbot, tmp_path):
    made = [Label(f"SN-{n:05d}", "JOB-24-0417", "FL-100 flange", "9506000134352", "H4711") for n in range(1, 21)]
    pdf = tmp_path / "qt.pdf"
    label_printing.print_labels([layout(label) for label in made], pdf_printer(pdf))
    decoded = decode_pdf(pdf, tmp_path / "pages")
    assert [d.code128 for d in decoded] == [label.serial_id for label in made]
    assert [d.datamatrix_hri for d in decoded] == [f"(01)09506000134352(10)H4711(21){label.serial_id}"
                                                   for label in made]
    assert all(d.gs1 and d.symbology == "]d2" for d in decoded)
    assert all(d.page_mm == pytest.approx((50, 25), abs=0.3) for d in decoded)


def test_a_label_higher_than_wide_keeps_its_size(qtbot, tmp_path):
    size = LabelSize(40, 60)
    pdf = tmp_path / "tall.pdf"
    label_printing.print_labels([layout(Label("SN-1", "J-1", "P-1"), size)], pdf_printer(pdf))
    (decoded,) = decode_pdf(pdf, tmp_path / "pages")
    assert (decoded.code128, decoded.datamatrix_hri, decoded.page_mm) == ("SN-1", "(21)SN-1",
                                                                          pytest.approx((40, 60), abs=0.3))


def test_the_print_dialog_sets_up_a_label_page(qtbot, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[str] = []

    def accept() -> None:
        dialog = QApplication.activeModalWidget()
        seen.append(dialog.windowTitle())
        dialog.accept()

    QTimer.singleShot(100, accept)
    printer = label_printing.choose_printer(parent, LabelSize(62, 29), pdf_printer(tmp_path / "dialog.pdf"))
    assert seen == ["Print serial labels"] and printer is not None
    page = printer.pageLayout().fullRectPoints()
    assert (page.width(), page.height()) == (round(62 / 25.4 * 72), round(29 / 25.4 * 72))

    QTimer.singleShot(100, lambda: QApplication.activeModalWidget().reject())
    assert label_printing.choose_printer(parent, LabelSize(62, 29), pdf_printer(tmp_path / "no.pdf")) is None


@pytest.fixture
def worker(qtbot, db_url):
    app_db.open_database(db_url)
    build_plant()
    serials.create_serials("JOB-1", 4, "admin")
    app_db.close_database()
    database = DatabaseWorker(db_url)
    with qtbot.waitCallback(timeout=TIMEOUT) as opened:
        database.submit(operations.open_database, db_url, on_done=opened, on_failed=opened)
    yield database
    database.stop()
    app_db.close_database()


def print_through(qtbot, worker, owner, user, pdf, **which):
    with qtbot.waitCallback(timeout=TIMEOUT) as answered:
        started = label_printing.print_through_worker(owner, worker, user, LabelSize(50, 25), printer=pdf_printer(pdf),
                                                      on_printed=answered, on_failed=answered, **which)
    assert started
    return answered.args[0]


def entries(db_url) -> list[tuple[str, str, bool]]:
    app_db.open_database(db_url)
    try:
        return [(e.serial_id, e.user_id, e.details["reprint"]) for e in
                AuditEntry.select().where(AuditEntry.type == "labels_printed").order_by(AuditEntry.seq)]
    finally:
        app_db.close_database()


def test_printing_through_the_worker_records_then_prints(qtbot, worker, db_url, tmp_path):
    owner = QWidget()
    qtbot.addWidget(owner)
    order = print_through(qtbot, worker, owner, "sup1", tmp_path / "job.pdf", job_id="JOB-1")
    assert order.serial_ids == ("SN-00001", "SN-00002", "SN-00003", "SN-00004") and order.reprints == ()
    assert [d.code128 for d in decode_pdf(tmp_path / "job.pdf", tmp_path / "job")] == list(order.serial_ids)
    again = print_through(qtbot, worker, owner, "admin", tmp_path / "again.pdf", serial_ids=["SN-00003"])
    assert again.reprints == ("SN-00003",)
    refused = print_through(qtbot, worker, owner, "op1", tmp_path / "refused.pdf", job_id="JOB-1")
    assert isinstance(refused, Failure) and refused.message == "User op1 (operator) may not print labels"
    assert not (tmp_path / "refused.pdf").exists()
    worker.stop()
    assert entries(db_url) == [("SN-00001", "sup1", False), ("SN-00002", "sup1", False),
                               ("SN-00003", "sup1", False), ("SN-00004", "sup1", False), ("SN-00003", "admin", True)]
    app_db.open_database(db_url)
    assert integrity.verify(quick=True).ok


@pytest.mark.qt_log_ignore("QPdfWriter|QPainter::begin")
def test_a_printer_that_fails_after_recording_says_so(qtbot, worker, db_url, tmp_path):
    owner = QWidget()
    qtbot.addWidget(owner)
    failure = print_through(qtbot, worker, owner, "sup1", tmp_path / "no-such-folder" / "x.pdf",
                            serial_ids=["SN-00001"])
    assert isinstance(failure, Failure) and failure.error == "LabelPrintingFailed"
    assert failure.message.startswith("The printer could not be opened")
    assert failure.message.endswith(". The label was recorded as printed: printing again is recorded as a reprint.")
    worker.stop()
    assert entries(db_url) == [("SN-00001", "sup1", False)]
