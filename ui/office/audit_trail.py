"""The audit trail: every entry, newest first, filtered; and whether the hash chain holds."""
from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout,
                               QWidget)

from app import audit, reports
from app.users import UserRecord
from ui.office import office_view
from ui.paged_model import Column, PagedModel
from ui.worker import DatabaseWorker
from ui.office.export import ExportButtons
from ui.office.serial import open_serial
from ui.office.common import (CACHE_ROWS, MAX_PAGE_SIZE, RowTable, date_edit, fit_columns, local_time, style_table,
                              user_combo, utc_bounds)




AUDIT_COLUMNS = [
    Column("seq", "#"),
    Column("at", "At", lambda r: local_time(r.at), tooltip=lambda r: f"{r.at.isoformat(timespec='milliseconds')}Z"),
    Column("type", "Type"),
    Column("user_id", "User"),
    Column("serial_id", "Serial"),
    Column("cert_id", "Certificate"),
    Column("step_id", "Step"),
    Column("reason", "Reason"),
    Column("details", "Details", lambda r: ", ".join(f"{k}={v}" for k, v in (r.details or {}).items())),
]


class AuditView(QWidget):
    """Every audit entry, newest first, filtered; and whether the hash chain is intact."""

    verified = Signal(bool)
    listed = Signal(int)

    def __init__(self, database: DatabaseWorker, user: UserRecord):
        super().__init__(objectName="auditView")
        self._database = database
        self.verify_result: audit.VerifyResult | None = None
        self.type_filter = QComboBox(objectName="auditType")
        self.type_filter.addItem("Any type", None)
        self.user_filter = user_combo(database, "auditUser")
        self.serial_filter = QLineEdit(objectName="auditSerial", placeholderText="serial")
        self.cert_filter = QLineEdit(objectName="auditCert", placeholderText="certificate id")
        self.since, self.until = date_edit(), date_edit()
        for edit in (self.serial_filter, self.cert_filter):
            edit.returnPressed.connect(self.requery)
        for combo in (self.type_filter, self.user_filter):
            combo.activated.connect(self.requery)
        for date in (self.since, self.until):
            date.dateChanged.connect(self.requery)
        self.verify_label = QLabel("Chain not yet verified", objectName="verifyLabel",
                                   textFormat=Qt.TextFormat.RichText, wordWrap=True)
        self.verify_button = QPushButton("Verify chain", objectName="verifyButton")
        self.verify_button.clicked.connect(self.verify)
        self.model = PagedModel(database, reports.audit_page, (), AUDIT_COLUMNS, start=False,
                                role_hook=self._role, max_page_size=MAX_PAGE_SIZE, cache_rows=CACHE_ROWS,
                                index_operation=reports.audit_page_index)
        self.model.page_loaded.connect(self._on_model_page_loaded)
        self.table = RowTable("auditTable")
        style_table(self.table)
        self.table.setModel(self.model)
        for column, width in enumerate((60, 150, 130, 70, 90, 100, 80, 140)):
            self.table.setColumnWidth(column, width)
        self.table.row_activated.connect(self._on_table_row_activated)
        self.exports = ExportButtons(database, user, lambda: ("audit", dataclasses.asdict(self.query())))
        filters = QHBoxLayout()
        for label, widget in (("Type:", self.type_filter), ("User:", self.user_filter),
                              ("Serial:", self.serial_filter), ("Certificate:", self.cert_filter),
                              ("From:", self.since), ("To:", self.until)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        top = QHBoxLayout()
        top.addWidget(self.verify_label, 1)
        top.addWidget(self.verify_button)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.exports)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        database.submit(reports.audit_types, owner=self, on_done=self._on_types)
        self.requery()

    def _role(self, row: reports.AuditRow, column: Column, role: int) -> Any:
        result = self.verify_result
        if role == Qt.ItemDataRole.BackgroundRole and result is not None and not result.ok and result.seq == row.seq:
            return QColor("#f8d0d0")
        return None

    def query(self) -> reports.AuditQuery:
        since, until = utc_bounds(self.since, self.until)
        return reports.AuditQuery(type=self.type_filter.currentData(), user_id=self.user_filter.currentData(),
                                  serial_id=self.serial_filter.text().strip() or None,
                                  cert_id=self.cert_filter.text().strip() or None, since=since, until=until)

    def requery(self) -> None:
        self.model.reset((self.query(),))

    def verify(self) -> None:
        self.verify_label.setText("Verifying the chain…")
        self._database.submit(audit.verify, owner=self, on_done=self._on_verified)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.verify_result is None:
            self.verify()

    def _on_model_page_loaded(self, rows: int) -> None:
        if rows <= self.model.rowCount() and rows <= 200:
            fit_columns(self.table)
        self.listed.emit(rows)

    def _on_types(self, types: list[str]) -> None:
        for name in types:
            self.type_filter.addItem(name, name)

    def _on_verified(self, result: audit.VerifyResult) -> None:
        self.verify_result = result
        if result.ok:
            self.verify_label.setText(f"<b style='color:#1b7f3b'>Chain intact</b>: {result.entries:,} entries, "
                                      f"{result.attachments:,} attachments verified.")
        else:
            at = f"entry #{result.seq} ({result.entry_id})" if result.seq is not None else "an entry"
            self.verify_label.setText(f"<b style='color:#b00020'>Chain broken at {at}</b>: {result.problem}")
        if self.model.rowCount():
            self.model.dataChanged.emit(self.model.index(0, 0), self.model.index(self.model.rowCount() - 1,
                                                                                 self.model.columnCount() - 1))
        self.verified.emit(result.ok)

    def _on_table_row_activated(self, row: int) -> None:
        record = self.model.row_at(row)
        serial_id = record.serial_id if record is not None else None
        if serial_id:
            open_serial(self, serial_id)




@office_view("Audit trail", order=40)
def audit_view(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return AuditView(database, user)
