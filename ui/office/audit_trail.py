"""The audit trail: every entry, newest first, in people's words, filtered; and whether the hash chain holds."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QVBoxLayout, QWidget

from app import audit, reports
from app.changes import in_audit_query
from app.queries import audit_trail as queries
from app.queries.audit_trail import AuditLine
from app.users import UserRecord
from app.words import plural
from ui.office import look, office_view
from ui.office.common import (CACHE_ROWS, MAX_PAGE_SIZE, RowTable, date_edit, local_time, style_table, user_combo,
                              utc_bounds, utc_tooltip)
from ui.office.export import ExportButtons
from ui.office.live_bar import LiveBar
from ui.office.serial import open_serial
from ui.paged_model import Column, PagedModel
from ui.worker import DatabaseWorker, Failure

BROKEN = QColor("#f8d0d0")
MOST_REASON_WIDTH = 320  # a longer reason is cut in the cell and whole in its tool tip
TWO_LINE_REASON_WIDTH = 200  # the reason's column where rows take two lines
CELL_PADDING = 12  # the item delegate's margins either side of a cell's text
TYPE_CHARACTERS = 20  # "Certificate attached", "Plant file imported" whole in the type filter
NAME_CHARACTERS = 16


def _two_line_width(metrics: QFontMetrics, text: str) -> int:
    """The least width at which ``text`` wraps into two lines at most (its longest word, at least)."""
    def lines(width: int) -> int:
        height = metrics.boundingRect(QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), text).height()
        return round(height / metrics.lineSpacing())

    low = max((metrics.horizontalAdvance(part) for part in text.split()), default=0)
    high = metrics.horizontalAdvance(text)
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if lines(middle) <= 2 else (middle + 1, high)
    return high


def now() -> dt.datetime:
    """The local time a check of the chain finished (a test sets its own clock here)."""
    return dt.datetime.now().astimezone()


def _who_tooltip(line: AuditLine) -> str:
    if not line.user_id:
        return "No user"
    parts = [f"User id: {line.user_id}"]
    if line.auth:
        parts.append(f"proven by {line.auth}")
    if line.workstation:
        parts.append(f"at {line.workstation}" + (f" ({line.os_account})" if line.os_account else ""))
    return ", ".join(parts)


AUDIT_COLUMNS = [
    Column("seq", "Entry", lambda r: str(r.seq), tooltip=lambda r: f"Entry #{r.seq} ({r.id})"),
    Column("at", "When", lambda r: local_time(r.at), tooltip=lambda r: utc_tooltip(r.at)),
    Column("what", "What", lambda r: r.what, tooltip=lambda r: f"Type: {r.type}"),
    Column("who", "Who", lambda r: r.user_name or r.user_id or "—", tooltip=_who_tooltip),
    Column("details", "Details", lambda r: r.sentence),
    Column("reason", "Reason", lambda r: r.reason or ""),
]
DETAILS_COLUMN, REASON_COLUMN = 4, 5


class AuditView(QWidget):
    """Every audit entry, newest first, filtered; and whether the hash chain is intact."""

    verified = Signal(bool)
    listed = Signal(int)

    def __init__(self, database: DatabaseWorker, user: UserRecord):
        super().__init__(objectName="auditView")
        self._database = database
        self.verify_result: audit.VerifyResult | None = None
        self.checked_at: dt.datetime | None = None
        self._cert_id: str | None = None
        self._applied: tuple[str, str] = ("", "")  # the serial and certificate texts the table shows

        self.verify_button = look.button("Verify chain", "verifyButton")
        self.verify_button.setToolTip("Check that no entry was changed, removed or added behind Certline's back")
        self.verify_button.clicked.connect(self.verify)
        self.notice = look.Notice("verifyNotice")

        self.type_filter = QComboBox(objectName="auditType")
        self.type_filter.addItem("Any change", None)
        self.user_filter = user_combo(database, "auditUser")
        for combo, characters in ((self.type_filter, TYPE_CHARACTERS), (self.user_filter, NAME_CHARACTERS)):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(characters)
            combo.activated.connect(self.requery)
        self.serial_filter = QLineEdit(objectName="auditSerial", placeholderText="e.g. SN-00001")
        self.cert_filter = QLineEdit(objectName="auditCert", placeholderText="id or number")
        for edit in (self.serial_filter, self.cert_filter):
            edit.setMinimumWidth(180)
            edit.setClearButtonEnabled(True)
            edit.returnPressed.connect(self._apply_texts)
            edit.editingFinished.connect(self._apply_texts)
            edit.textChanged.connect(lambda text: None if text else self._apply_texts())
        self.since, self.until = date_edit(), date_edit()
        self.since.setObjectName("auditSince")
        self.until.setObjectName("auditUntil")
        for date in (self.since, self.until):
            date.setMinimumWidth(140)
            date.setToolTip("Local days; \"any\" leaves that end open")
            date.dateChanged.connect(self.requery)

        self.model = PagedModel(database, queries.audit_page, (), AUDIT_COLUMNS, start=False,
                                role_hook=self._role, max_page_size=MAX_PAGE_SIZE, cache_rows=CACHE_ROWS,
                                index_operation=reports.audit_page_index)
        self.model.page_loaded.connect(self._on_model_page_loaded)
        self.model.all_reachable.connect(self._on_model_all_reachable)
        self.model.failed.connect(lambda text: self._say_count(text, error=True))
        self.table = RowTable("auditTable")
        style_table(self.table)
        self.table.setModel(self.model)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(DETAILS_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.table.row_activated.connect(self._on_table_row_activated)
        self._fitted = False
        self._shown = False

        self.count_label = QLabel(objectName="auditCount")
        self.exports = ExportButtons(database, user, self._report, beside=self.count_label)
        self._build_layout()
        database.submit(queries.audit_types, owner=self, on_done=self._on_types)
        self.requery()

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(look.heading("Audit trail", "Every change, newest first: who did what, when, and why. "
                                                  "Verify chain proves that no entry was altered since."), 1)
        top.addWidget(self.verify_button, 0, Qt.AlignmentFlag.AlignBottom)
        filters = QGridLayout()
        filters.setHorizontalSpacing(look.SPACING)
        for column, pairs in enumerate(((("What:", self.type_filter), ("Serial:", self.serial_filter)),
                                        (("Who:", self.user_filter), ("Certificate:", self.cert_filter)),
                                        (("From:", self.since), ("To:", self.until)))):
            for row, (label, widget) in enumerate(pairs):
                filters.addWidget(QLabel(label, buddy=widget), row, column * 2)
                filters.addWidget(widget, row, column * 2 + 1)
        filters.setColumnStretch(6, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        self.live_bar = LiveBar(self._database, lambda c: in_audit_query(c, self.query()),
                                lambda n: f"{plural(n, 'new entry', 'new entries')} since this list was read",
                                self.requery, models=(self.model,))
        layout.addWidget(self.live_bar)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.exports)

    # --- the table ---------------------------------------------------------------------------

    def _role(self, row: AuditLine, column: Column, role: int) -> Any:
        result = self.verify_result
        if role == Qt.ItemDataRole.BackgroundRole and result is not None and not result.ok and result.seq == row.seq:
            return BROKEN
        return None

    def query(self) -> reports.AuditQuery:
        since, until = utc_bounds(self.since, self.until)
        return reports.AuditQuery(type=self.type_filter.currentData(), user_id=self.user_filter.currentData(),
                                  serial_id=self.serial_filter.text().strip() or None,
                                  cert_id=self._cert_id, since=since, until=until)

    def requery(self) -> None:
        self._fitted = False  # the columns fit the first page of what the filters find
        self._say_count("Reading the trail…")
        self.model.reset((self.query(),))

    def _apply_texts(self) -> None:
        """The serial and certificate fields, once typed (Enter, or leaving the field), or cleared."""
        texts = (self.serial_filter.text().strip(), self.cert_filter.text().strip())
        if texts == self._applied:
            return
        self._applied = texts
        code = texts[1]
        if not code:
            self._cert_id = None
            self.requery()
            return
        # A number means its certificate; resolved in the worker, before the query that uses it.
        self._database.submit(reports.audit_cert_id, code, owner=self, on_done=self._on_cert_resolved,
                              on_failed=self._on_cert_failed)

    def _on_cert_resolved(self, cert_id: str) -> None:
        self._cert_id = cert_id
        self.requery()

    def _on_cert_failed(self, failure: Failure) -> None:
        self._applied = (self._applied[0], "")
        self.model.clear()
        self._say_count(failure.message, error=True)

    def _report(self) -> tuple[str, dict]:
        return "audit", dataclasses.asdict(self.query())

    def _say_count(self, text: str, error: bool = False) -> None:
        self.count_label.setText(text)
        self.count_label.setStyleSheet("color: #b00020; font-weight: bold;" if error else "")

    def _on_model_page_loaded(self, rows: int) -> None:
        if not self._fitted and rows and self.isVisible():  # hidden, the table has no width yet: fitted when shown
            self._fit_columns()
        if self.model.complete:
            self._say_count(plural(rows, "entry", "entries") if rows else "No audit entry matches these filters.")
        else:
            self._say_count(f"The newest {rows:,} entries; scroll for more")
        self.listed.emit(rows)

    def _on_model_all_reachable(self, total: int) -> None:
        self._say_count(plural(total, "entry", "entries"))

    def _fit_columns(self) -> None:
        """Columns that show the loaded rows whole: one line a row where the details of the first page
        fit beside the other columns at their one-line widths; else two lines a row, the short columns
        wrapped, so the details keep the room a sentence needs (a long one is whole in its tool tip)."""
        rows = self.model.rows()[:200]
        self._fitted = bool(rows)
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        self.table.setWordWrap(False)  # cells measured on one line
        one_line = {column: max(self.table.sizeHintForColumn(column), header.sectionSizeHint(column))
                    for column in range(self.model.columnCount()) if column != DETAILS_COLUMN}
        one_line[REASON_COLUMN] = min(one_line[REASON_COLUMN], MOST_REASON_WIDTH)
        sentences = max((metrics.horizontalAdvance(row.sentence) for row in rows), default=0) + CELL_PADDING
        room = self.table.viewport().width() - sum(one_line.values())
        wide = room >= sentences
        self.table.setWordWrap(not wide)
        self.table.verticalHeader().setDefaultSectionSize(metrics.lineSpacing() * (1 if wide else 2) + 8)
        for column, width in one_line.items():
            if not wide:
                texts = {AUDIT_COLUMNS[column].text(row) for row in rows}
                width = max(max((_two_line_width(metrics, text) for text in texts if text), default=0) + CELL_PADDING,
                            header.sectionSizeHint(column))
                width = min(width, TWO_LINE_REASON_WIDTH) if column == REASON_COLUMN else width
            self.table.setColumnWidth(column, width)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fitted and event.size().width() != event.oldSize().width():
            self._fit_columns()

    def _on_types(self, types: list[tuple[str, str]]) -> None:
        for text, kind in types:
            self.type_filter.addItem(text, kind)
            self.type_filter.setItemData(self.type_filter.count() - 1, f"Type: {kind}", Qt.ItemDataRole.ToolTipRole)

    def _on_table_row_activated(self, row: int) -> None:
        record = self.model.row_at(row)
        serial_id = record.serial_id if record is not None else None
        if serial_id:
            open_serial(self, serial_id)

    # --- the chain ---------------------------------------------------------------------------

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.notice.show_message("Checking every entry of the chain…", "info")
        self._database.submit(audit.verify, owner=self, on_done=self._on_verified, on_failed=self._on_verify_failed)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._shown:  # back to the tab: what was written meanwhile shows (the first query ran on opening)
            self.requery()
        elif self.model.rowCount():
            self._fit_columns()
        self._shown = True
        if self.verify_result is None and self.verify_button.isEnabled():
            self.verify()  # once: on a long trail it reads every entry

    def _on_verified(self, result: audit.VerifyResult) -> None:
        self.verify_result = result
        self.checked_at = checked = now()
        self.verify_button.setEnabled(True)
        at = f"checked at {checked:%H:%M:%S}"
        when = (f"Checked on {checked:%Y-%m-%d} at {checked:%H:%M:%S} "
                f"({checked.astimezone(dt.timezone.utc):%H:%M:%S} UTC)")
        if result.ok:
            self.notice.show_message(
                f"Chain intact: {plural(result.entries, 'entry', 'entries')} and "
                f"{plural(result.attachments, 'attachment')} {at}", "ok",
                tooltip=f"{when}. Every entry's seal matches the one before it, and every attachment "
                        "has the entry that recorded it.")
        else:
            where = f" at entry #{result.seq}" if result.seq is not None else ""
            self.notice.show_message(f"Chain broken{where}: {result.problem}. {at[0].upper()}{at[1:]}", "error",
                                     tooltip=f"{when}." + (f" Entry id: {result.entry_id}." if result.entry_id
                                                           else ""))
        if self.model.rowCount():
            self.model.dataChanged.emit(self.model.index(0, 0), self.model.index(self.model.rowCount() - 1,
                                                                                 self.model.columnCount() - 1))
        self.verified.emit(result.ok)

    def _on_verify_failed(self, failure: Failure) -> None:
        self.checked_at = checked = now()
        self.verify_button.setEnabled(True)
        self.notice.show_message(f"The chain could not be checked at {checked:%H:%M:%S}: {failure.message}", "error")


@office_view("Audit trail", order=40)
def audit_view(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return AuditView(database, user)
