"""What a conformance pack would hold, shown before it is made: how many serials, certificates and
documents, its gaps in their sentences (first and prominent: a pack with gaps is made only with a
reason), and the certificates it appends."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QHeaderView, QLabel, QScrollArea, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.pack import PackCertificate, PackPreview
from app.words import CERT_KIND, REVIEW_STATUS, plural, word
from ui.office.common import style_table

COLUMNS = ("Certificate", "Documents")
RED, GREEN = "#b00020", "#1b7f3b"


def summary(preview: PackPreview) -> str:
    """``36 serials of DS-42-A (job JOB-24-0423) · 14 certificates · 12 documents``."""
    parts = ", ".join(part if len(preview.parts) == 1 else f"{count:,} of {part}" for part, count in preview.parts)
    return (f"{plural(preview.quantity, 'serial')} of {parts} ({preview.selection}) · "
            f"{plural(len(preview.certificates), 'certificate')} · {plural(len(preview.documents), 'document')}")


def left_out(preview: PackPreview) -> str:
    count = len(preview.scrapped_left_out)
    return (f"{plural(count, 'scrapped serial')} of the job {'is' if count == 1 else 'are'} left out: scrapped parts "
            "do not ship." if count else "")


def documents_words(cert: PackCertificate) -> str:
    if not cert.documents:
        return "none"
    state = "approved" if cert.review_status == "approved" else word(REVIEW_STATUS, cert.review_status).lower()
    return f"{plural(len(cert.documents), 'document')}, {state}"


class PackPreviewPanel(QWidget):
    """The preview of one selection; empty (with a line saying how to fill it) until ``show_preview``."""

    def __init__(self) -> None:
        super().__init__(objectName="packPreview")
        self.preview: PackPreview | None = None
        self.summary = QLabel("Choose the serials, then <b>Show what is in it</b>: the pack's certificates and "
                              "what it lacks are shown here before anything is made.", objectName="packSummary",
                              wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.gap_title = QLabel(objectName="packGapTitle", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.gaps = QLabel(objectName="packGaps", wordWrap=True, textFormat=Qt.TextFormat.RichText,
                           textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.gaps.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.gap_scroll = QScrollArea(objectName="packGapScroll", widgetResizable=True)
        self.gap_scroll.setWidget(self.gaps)
        self.gap_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.gap_box = QFrame(objectName="packGapBox")
        self.gap_box.setStyleSheet(f"QFrame#packGapBox {{ border: 2px solid {RED}; border-radius: 4px; "
                                   "background: #fff4f4; } QLabel { background: transparent; }")
        self.gaps.setStyleSheet("background: #fff4f4;")
        box = QVBoxLayout(self.gap_box)
        box.setContentsMargins(10, 8, 10, 8)
        box.addWidget(self.gap_title)
        box.addWidget(self.gap_scroll, 1)
        self.table = QTableWidget(0, len(COLUMNS), objectName="packCertificates")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        style_table(self.table)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.gap_box, 1)
        layout.addWidget(self.table, 1)
        self.table.setMinimumHeight(150)
        self.gap_box.hide()
        self.table.hide()

    def clear(self, text: str) -> None:
        self.preview = None
        self.summary.setText(html.escape(text))
        self.gap_box.hide()
        self.table.hide()

    def show_preview(self, preview: PackPreview) -> None:
        self.preview = preview
        self.summary.setText(f"<b>{html.escape(summary(preview))}</b>" + (
            f"<br>{html.escape(left_out(preview))}" if preview.scrapped_left_out else ""))
        self.summary.setToolTip(", ".join(preview.scrapped_left_out) and "Left out: " + ", ".join(
            preview.scrapped_left_out))
        count = len(preview.gaps)
        if count:
            self.gap_title.setText(f"<b style='color:{RED}; font-size: 15px'>{plural(count, 'gap')}</b> "
                                   f"<span style='color:{RED}'>— this pack is made only with a reason, printed "
                                   "in it beside them:</span>")
            self.gaps.setText("".join(f"<p style='margin: 0 0 4px 0'>• {html.escape(g.sentence)}</p>"
                                      for g in preview.gaps))
        else:
            self.gap_title.setText(f"<b style='color:{GREEN}'>No gaps:</b> every step passed holds the kinds it "
                                   "requires, and every certificate is in force, documented and approved.")
            self.gaps.setText("")
        self.gap_scroll.setVisible(bool(count))
        self.gap_box.setStyleSheet(
            f"QFrame#packGapBox {{ border: 2px solid {RED if count else GREEN}; border-radius: 4px; "
            f"background: {'#fff4f4' if count else '#f2faf4'}; }} QLabel {{ background: transparent; }}")
        self.gap_box.show()
        self._fill_table(preview)

    def _fill_table(self, preview: PackPreview) -> None:
        # Two lines a certificate, so that it reads whole in half a dialog on a 1024-pixel screen.
        self.table.setRowCount(len(preview.certificates))
        for row, cert in enumerate(preview.certificates):
            name = f"{cert.number} — {cert.name}" if cert.number else cert.name
            values = (f"{name}\n{word(CERT_KIND, cert.kind)} · {cert.state}",
                      f"{documents_words(cert)}\nbehind {plural(cert.serial_count, 'serial')}")
            tips = (f"Certificate id: {cert.id}", "\n".join(f"{d.file_name}: {d.how}" for d in cert.documents))
            for column, (value, tip) in enumerate(zip(values, tips)):
                cell = QTableWidgetItem(value)
                cell.setToolTip(tip)
                if cert.status == "revoked" or cert.review_status != "approved" or not cert.documents:
                    cell.setForeground(QColor(RED))
                self.table.setItem(row, column, cell)
        self.table.setVisible(bool(preview.certificates))
