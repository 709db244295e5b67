"""The certificate list: a paged model read by key (``app.certificate_list``), in people's words,
and a table whose columns are as wide as what they can hold.

Columns whose words come from a short list (kind, state, review) are sized for the longest of
them; id and number for what the loaded rows hold; the name takes the rest and wraps onto a
second (or third) line where a name is longer than that room, so no word is cut.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFontMetrics
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView, QWidget

from app.certificate_list import CertificateQuery, count_certificates
from app.certificates import CertificateRecord, state_words
from app.clock import today
from app.queries import certificates as queries
from app.words import CERT_KIND, REVIEW_STATUS, word
from ui.office.common import style_table
from ui.paged_model import Column, PagedModel
from ui.worker import DatabaseWorker

PAGE_SIZE = 200
MAX_NAME_LINES = 3
COLOURS = {"expired": QColor("#f8d7da"), "expiring": QColor("#fff3cd"), "revoked": QColor("#e0e0e0")}
# The longest text each column of fixed words can show (the state's dates and day counts at their widest).
WIDEST = {"kind": list(CERT_KIND.values()), "review_status": list(REVIEW_STATUS.values()),
          "date_expire": ["2088-08-28", "never"],
          "status": ["valid until 2088-08-28", "expired 2088-08-28", "expires in 3650 days", "revoked"]}


def state_of(record: CertificateRecord, on: dt.date) -> str:
    """``revoked``, ``expired``, ``expiring`` or ``valid``: what the row's colour says."""
    return "revoked" if record.status == "revoked" else record.expiry_state(on)


class CertificateListModel(PagedModel):
    """Certificates matching a query, a page at a time as the view scrolls, each page read after the
    key of the last row (``app.queries.certificates.page``). Sorting asks the database again."""

    def __init__(self, database: DatabaseWorker, parent=None):
        self.query = CertificateQuery()
        self._on = today()
        self._fresh: dict[str, CertificateRecord] = {}  # records changed since their page was loaded
        columns = [
            Column("id", "Id", sort_key="id", tooltip=self._tooltip),
            Column("name", "Name", sort_key="name", tooltip=self._tooltip),
            Column("kind", "Kind", lambda r: word(CERT_KIND, r.kind), sort_key="kind", tooltip=self._tooltip),
            Column("number", "Number", sort_key="number", tooltip=self._tooltip),
            Column("date_expire", "Expires", lambda r: r.date_expire.isoformat() if r.date_expire else "never",
                   sort_key="date_expire", tooltip=self._tooltip),
            Column("status", "State", lambda r: state_words(r, self._on), sort_key="status", tooltip=self._tooltip),
            Column("review_status", "Review", lambda r: word(REVIEW_STATUS, r.review_status),
                   sort_key="review_status", tooltip=self._tooltip),
        ]
        super().__init__(database, queries.page, (self.query,), columns, page_size=PAGE_SIZE,
                         count_operation=count_certificates, count_args=(self.query,),
                         role_hook=self._colour, parent=parent, start=False)
        self.note_sort(0, Qt.SortOrder.AscendingOrder)
        self.sort_requested.connect(self._on_sort_requested)

    def set_query(self, query: CertificateQuery) -> None:
        """Start again with ``query``; answers to an older query are dropped."""
        self.query = query
        self._on = today()
        self._fresh = {}
        self.reset((query,), (query,))

    def _on_sort_requested(self, key: str, descending: bool) -> None:
        self.set_query(replace(self.query, sort=key, descending=descending))

    def _colour(self, record: CertificateRecord, _column: Column, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = COLOURS.get(state_of(record, self._on))
            return QBrush(colour) if colour else None
        return None

    def _tooltip(self, record: CertificateRecord) -> str:
        return f"{record.id} — {record.name}: {state_words(record, self._on)}"

    def replace_record(self, record: CertificateRecord) -> None:
        """Show a certificate as it is now (after a document change) without loading the list again."""
        for row in range(self.rowCount()):
            old = super().row_at(row)
            if old is not None and old.id == record.id:
                self._fresh[record.id] = record
                self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
                return

    def row_at(self, row: int) -> Any:
        record = super().row_at(row)
        return self._fresh.get(record.id, record) if record is not None else None

    def rows(self) -> list[Any]:
        return [self._fresh.get(r.id, r) for r in super().rows()]


class CertificateTable(QTableView):
    """The list's table: fixed-word columns sized for their longest word, the name wrapping."""

    def __init__(self, model: CertificateListModel, parent: QWidget | None = None):
        super().__init__(parent, objectName="certificateTable")
        style_table(self)
        self.setModel(model)
        self.setSortingEnabled(True)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.horizontalHeader().setStretchLastSection(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._fit = QTimer(self, singleShot=True, interval=0)
        self._fit.timeout.connect(self.fit)
        model.rowsInserted.connect(self._fit.start)
        model.modelReset.connect(self._fit.start)
        model.dataChanged.connect(self._fit.start)
        self.horizontalHeader().sectionResized.connect(lambda index, *_: index == 1 and self._fit.start())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit.start()  # the name's room changed: rows as tall as their names need at the new width

    def _room(self, text: str) -> int:
        """Width a cell needs to show ``text`` on one line, the delegate's margins included."""
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        return self.fontMetrics().horizontalAdvance(text) + 2 * margin + 10

    def _heading(self, column: int) -> int:
        header = self.horizontalHeader()
        text = str(self.model().headerData(column, Qt.Orientation.Horizontal))
        margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        arrow = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header)
        bold = header.font()
        bold.setBold(True)
        return QFontMetrics(bold).horizontalAdvance(text) + 2 * margin + arrow + margin + 20

    def fit(self) -> None:
        """Column widths for what they hold, then each loaded row as tall as its name needs."""
        model: CertificateListModel = self.model()  # type: ignore[assignment]
        rows = model.rows()
        for column, spec in enumerate(model.columns):
            if column == 1:
                continue
            texts = WIDEST.get(spec.key) or [spec.text(r) for r in rows]
            self.setColumnWidth(column, max([self._heading(column), *(self._room(t) for t in texts)]))
        line = self.verticalHeader().defaultSectionSize()
        room = max(self.columnWidth(1) - self._room(""), 20)
        spacing = self.fontMetrics().lineSpacing()
        for row in range(model.rowCount()):
            record = model.row_at(row)  # every row counted is loaded: this list has no page index
            name = record.name if record is not None else ""
            if self.fontMetrics().horizontalAdvance(name) <= room:
                if self.rowHeight(row) != line:
                    self.setRowHeight(row, line)
                continue
            wrapped = self.fontMetrics().boundingRect(QRect(0, 0, room, 10_000), int(Qt.TextFlag.TextWordWrap), name)
            lines = min(MAX_NAME_LINES, max(1, round(wrapped.height() / spacing)))
            self.setRowHeight(row, max(line, lines * spacing + 8))
