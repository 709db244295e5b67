"""Serial labels to a printer through QPrinter, for the office's screens.

app.label_layout lays each label out in millimetres and app.labels records the printing; this
module only paints those layouts, one label a page the label's size (what label printers take), in
the same DejaVu Sans the PDF embeds, so a label from the printer and one from the PDF look alike.

The order of things: the printer is chosen first (cancel: nothing recorded, nothing printed), then
the worker records the printing and returns the layouts, then they are painted. Recorded before
printed, so a label that exists always has its audit entry; should the printer then fail, the
person is told the labels were recorded, and printing them again counts as a reprint.
"""
from __future__ import annotations

from functools import cache
from typing import Callable, Sequence

from PySide6.QtCore import QMarginsF, QObject, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from app import labels as app_labels
from app.label_layout import DEFAULT_SIZE, FONT_FILES, LabelLayout, LabelSize
from app.labels import PrintOrder
from ui import resources
from ui.worker import DatabaseWorker, Failure

FALLBACK_FAMILY = "DejaVu Sans"


class LabelPrintingFailed(Exception):
    """The printer could not be opened or refused a page; ``message`` says so to a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@cache
def font_family() -> str:
    """The labels' font family, DejaVu Sans from Certline's resources (loaded into Qt once)."""
    family = FALLBACK_FAMILY
    for name in FONT_FILES.values():
        file = resources.font(name)
        if file is not None:
            loaded = QFontDatabase.addApplicationFont(str(file))
            families = QFontDatabase.applicationFontFamilies(loaded) if loaded >= 0 else []
            family = families[0] if families else family
    return family


def page_layout(size: LabelSize) -> QPageLayout:
    """A page exactly the label's size, no margins; landscape when the label is wider than high."""
    # QPageSize keeps a custom size portrait (short side first), so the orientation carries the rest.
    page = QPageSize(QSizeF(min(size.width, size.height), max(size.width, size.height)),
                     QPageSize.Unit.Millimeter, f"Label {size} mm", QPageSize.SizeMatchPolicy.ExactMatch)
    orientation = (QPageLayout.Orientation.Landscape if size.width > size.height
                   else QPageLayout.Orientation.Portrait)
    return QPageLayout(page, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)


def prepare_printer(printer: QPrinter, size: LabelSize) -> None:
    printer.setFullPage(True)  # coordinates from the label's corner, not from a printable area inside it
    if not printer.setPageLayout(page_layout(size)):
        raise LabelPrintingFailed(f"The printer does not take labels of {size} mm")


def print_labels(labels: Sequence[LabelLayout], printer: QPrinter) -> None:
    """Paint ``labels`` (app.labels layouts), one a page, to ``printer``. Raises LabelPrintingFailed."""
    if not labels:
        return
    prepare_printer(printer, labels[0].size)
    painter = QPainter()
    if not painter.begin(printer):
        raise LabelPrintingFailed("The printer could not be opened: check that it is on and connected, "
                                  "then print again")
    try:
        per_mm = printer.resolution() / 25.4
        black = QColor(Qt.GlobalColor.black)
        painter.setPen(black)
        family = font_family()
        for number, label in enumerate(labels):
            if number and not printer.newPage():
                raise LabelPrintingFailed(f"The printer stopped after {number} of {len(labels)} labels")
            for box in label.boxes:
                painter.fillRect(QRectF(box.x * per_mm, box.y * per_mm, box.w * per_mm, box.h * per_mm), black)
            for text in label.texts:
                font = QFont(family)
                font.setPointSizeF(text.points)  # points on the printer's own resolution: true size on paper
                font.setBold(text.bold)
                painter.setFont(font)
                painter.drawText(QPointF(text.x * per_mm, text.y * per_mm), text.text)
    finally:
        painter.end()


def choose_printer(parent: QWidget | None, size: LabelSize = DEFAULT_SIZE,
                   printer: QPrinter | None = None) -> QPrinter | None:
    """The system's print dialog for ``size`` labels; the printer chosen, or None when cancelled."""
    printer = printer or QPrinter(QPrinter.PrinterMode.HighResolution)
    prepare_printer(printer, size)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print serial labels")
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return None
    prepare_printer(printer, size)  # the dialog may have changed the paper: a label printer takes labels
    return printer


def print_through_worker(owner: QObject, worker: DatabaseWorker, user_id: str, size: LabelSize = DEFAULT_SIZE, *,
                         job_id: str | None = None, serial_ids: Sequence[str] | None = None,
                         on_printed: Callable[[PrintOrder], None] | None = None,
                         on_failed: Callable[[Failure], None] | None = None,
                         printer: QPrinter | None = None) -> bool:
    """Choose a printer (unless ``printer`` is given), record the printing through the worker, then print.

    False when the person cancelled the dialog (nothing recorded). ``on_failed`` hears the core's
    refusals (an operator, a label that would not scan) and a printer that failed after recording.
    """
    if printer is None:
        printer = choose_printer(owner if isinstance(owner, QWidget) else None, size)
        if printer is None:
            return False

    def recorded(order: PrintOrder) -> None:
        try:
            print_labels(order.layouts, printer)
        except LabelPrintingFailed as error:
            if on_failed is not None:
                count = len(order.serial_ids)
                what = "The label was" if count == 1 else f"The {count} labels were"
                on_failed(Failure(f"{error.message}. {what} recorded as printed: printing again is recorded as "
                                  "a reprint.", "LabelPrintingFailed"))
            return
        if on_printed is not None:
            on_printed(order)

    worker.submit(app_labels.print_order, user_id, size, job_id, list(serial_ids) if serial_ids else None,
                  owner=owner, on_done=recorded, on_failed=on_failed)
    return True
