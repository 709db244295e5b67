"""Serial labels from the office: to a printer (``label_printing.print_through_worker``) or to a PDF file
(``app.labels.save_pdf``), for a job or for listed serials, at the size in the label size field.

Both go through the core, which records the printing (reprints named) before the printer is fed or
the file appears; what happened is said on the view's notice.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QWidget

from app import labels
from app.errors import Invalid
from app.label_layout import LabelSize, parse_size
from app.labels import PrintOrder
from app.users import UserRecord
from app.words import plural
from ui.office import label_printing, look
from ui.settings import StationSettings
from ui.worker import DatabaseWorker

Which = tuple[str | None, tuple[str, ...]]  # (a job's id, or None and the serials' ids)


def order_sentence(order: PrintOrder, where: str) -> str:
    """``Printed 20 labels (50x25 mm) to the printer.``, with reprints and scrapped serials left out named."""
    verb = "Printed" if order.output == "printer" else "Saved"
    text = f"{verb} {plural(len(order.serial_ids), 'label')} ({order.size} mm) {where}."
    if order.reprints:
        shown = ", ".join(order.reprints[:3]) + (" …" if len(order.reprints) > 3 else "")
        text += f" {plural(len(order.reprints), 'label')} had been printed before: recorded as reprints ({shown})."
    if order.skipped:
        text += f" {plural(order.skipped, 'scrapped serial')} left out."
    return text


def labels_file_name(what: str, on: dt.date) -> str:
    """``JOB-1-labels-2026-12-01.pdf``: what the file holds, safe as a file name anywhere."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in what).strip(".")[:64] or "serials"
    return f"{safe}-labels-{on.isoformat()}.pdf"


def _documents() -> str:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return folder if folder and Path(folder).is_dir() else str(Path.home())


class LabelButtons(QWidget):
    """The label size and *Print labels…* / *Save labels as PDF…* for what ``which()`` names."""

    printed = Signal(object)  # PrintOrder, to a printer or to a PDF file
    failed = Signal(str)

    last_folder = ""  # where the last PDF of this session went: the next one is offered there too

    def __init__(self, database: DatabaseWorker, user: UserRecord, which: Callable[[], Which | None],
                 notice: look.Notice, name: str = "labels"):
        super().__init__(objectName=f"{name}Buttons")
        self._database, self._user, self._which, self.notice = database, user, which, notice
        # The size printed last at this workstation: its label printer's labels.
        self.size_field = QLineEdit(StationSettings.load().label_size, objectName=f"{name}Size")
        self.size_field.setToolTip("Label width x height in millimetres, e.g. 50x25 (the default) or 62x29")
        self.size_field.setFixedWidth(self.size_field.fontMetrics().horizontalAdvance("200x200") + 24)
        self.print_button = look.button("Print labels…", f"{name}Print")
        self.pdf_button = look.button("Labels as PDF…", f"{name}Pdf")
        self.pdf_button.setToolTip("Save the labels as a PDF file, one label a page")
        self.print_button.clicked.connect(lambda: self.print_labels())
        self.pdf_button.clicked.connect(lambda: self.save_pdf())
        # The printer the print dialog starts from; the tests hand it one that writes a PDF file.
        self.make_printer: Callable[[], QPrinter] = lambda: QPrinter(QPrinter.PrinterMode.HighResolution)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Labels (mm):", objectName=f"{name}SizeLabel"))
        layout.addWidget(self.size_field)
        layout.addWidget(self.print_button)
        layout.addWidget(self.pdf_button)

    def set_available(self, available: bool) -> None:
        self.print_button.setEnabled(available)
        self.pdf_button.setEnabled(available)

    def size(self) -> LabelSize | None:
        """The size in the field, or None after saying why it is not one."""
        try:
            size = parse_size(self.size_field.text())
        except Invalid as error:
            self._refused(error.message)
            self.size_field.setFocus()
            return None
        settings = StationSettings.load()
        if settings.label_size != str(size):
            settings.label_size = str(size)
            settings.save()
        return size

    def _refused(self, message: str) -> None:
        self.notice.show_message(message, "error")
        self.failed.emit(message)

    def _target(self, job_id: str | None, serial_ids: Sequence[str] | None) -> Which | None:
        if job_id is not None or serial_ids:
            return job_id, tuple(serial_ids or ())
        chosen = self._which()
        if chosen is None:
            self._refused("Choose a job or serials first: their labels are printed.")
        return chosen

    def print_labels(self, job_id: str | None = None, serial_ids: Sequence[str] | None = None) -> bool:
        """Choose a printer, then the core records the labels and they are printed; False when nothing started."""
        which, size = self._target(job_id, serial_ids), self.size()
        if which is None or size is None:
            return False
        try:
            printer = label_printing.choose_printer(self, size, self.make_printer())
        except label_printing.LabelPrintingFailed as error:
            self._refused(error.message)
            return False
        if printer is None:
            self.notice.show_message("No labels printed: the print dialog was cancelled.", "info")
            return False
        self.notice.show_message("Printing labels…", "info")
        return label_printing.print_through_worker(
            self, self._database, self._user.id, size, job_id=which[0], serial_ids=list(which[1]) or None,
            printer=printer, on_printed=lambda order: self._done(order, "on the printer"),
            on_failed=lambda failure: self._refused(f"Labels not printed: {failure.message}"))

    def save_pdf(self, job_id: str | None = None, serial_ids: Sequence[str] | None = None) -> bool:
        """Ask where, then the core lays the labels out, records them and writes the PDF."""
        which, size = self._target(job_id, serial_ids), self.size()
        if which is None or size is None:
            return False
        job, ids = which
        what = job or (ids[0] if len(ids) == 1 else f"{ids[0]}-and-{len(ids) - 1}-more")
        last = LabelButtons.last_folder
        folder = last if last and Path(last).is_dir() else _documents()
        offered = str(Path(folder) / labels_file_name(what, dt.date.today()))
        path, _ = QFileDialog.getSaveFileName(self, "Save labels as PDF", offered, "PDF (*.pdf)")
        if not path:
            return False
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        LabelButtons.last_folder = str(Path(path).parent)
        self.notice.show_message(f"Writing {Path(path).name}…", "info")
        self._database.submit(labels.save_pdf, path, self._user.id, size, job, list(ids) or None,
                              owner=self, on_done=lambda order: self._done(order, f"to {path}"),
                              on_failed=lambda failure: self._refused(f"No labels saved: {failure.message}"))
        return True

    def _done(self, order: PrintOrder, where: str) -> None:
        self.notice.show_message(order_sentence(order, where), "ok")
        self.printed.emit(order)
