"""Certificate attachments: scan or type a certificate, see its details and every serial it is attached to."""
from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QStackedWidget, QVBoxLayout,
                               QWidget)

from app import reports
from app.certificates import CertificateRecord
from app.queries import audit_views as queries
from app.users import UserRecord
from ui.office import office_view
from ui.paged_model import Column, PagedModel
from ui.worker import DatabaseWorker, Failure
from ui.office.export import ExportButtons
from ui.office.serial import open_serial
from ui.office.common import (CACHE_ROWS, MAX_PAGE_SIZE, RowTable, date_edit, fit_columns, local_time, style_table,
                              user_combo, utc_bounds)




ATTACHMENT_COLUMNS = [
    Column("serial", "Serial", lambda r: r.serial_id, sort_key="serial"),
    Column("job", "Job", lambda r: r.job_id, sort_key="job"),
    Column("step", "Step", lambda r: f"{r.step_name} ({r.step_id})", sort_key="step"),
    Column("attached_at", "Attached at", lambda r: local_time(r.attached_at), sort_key="attached_at",
           tooltip=lambda r: f"{r.attached_at.isoformat(timespec='milliseconds')}Z (UTC)"),
    Column("attached_by", "Attached by", lambda r: f"{r.attached_by_name} ({r.attached_by})", sort_key="attached_by"),
]


class AttachmentsView(QWidget):
    """Scan or type a certificate: its details, and every attachment of it, paged."""

    certificate_loaded = Signal(str)
    message_shown = Signal(str)
    listed = Signal(int)  # rows loaded after a (re)query's first page

    def __init__(self, database: DatabaseWorker, user: UserRecord):
        super().__init__(objectName="attachmentsView")
        self._database, self._user = database, user
        self.certificate: CertificateRecord | None = None
        self._sort, self._descending = "attached_at", False

        self.cert_field = QLineEdit(objectName="certField", placeholderText="Scan or type a certificate id or number")
        self.cert_field.returnPressed.connect(self._on_cert_field_return_pressed)
        self.details = QLabel(objectName="certDetails", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.text_filter = QLineEdit(objectName="textFilter", placeholderText="Serial, job, step or user contains…")
        self.text_filter.returnPressed.connect(self.requery)
        self.step_filter = QComboBox(objectName="stepFilter")
        self.step_filter.addItem("Any step", None)
        self.user_filter = user_combo(database, "userFilter")
        self.since, self.until = date_edit(), date_edit()
        for combo in (self.step_filter, self.user_filter):
            combo.activated.connect(self.requery)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self.requery)
        self.count_label = QLabel(objectName="countLabel")
        self.message = QLabel(objectName="message", alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.message.setStyleSheet("font-size: 16pt; color: palette(mid);")

        self.model = PagedModel(database, reports.attachment_page, (), ATTACHMENT_COLUMNS, page_size=200,
                                count_operation=reports.count_attachments, start=False,
                                max_page_size=MAX_PAGE_SIZE, cache_rows=CACHE_ROWS,
                                index_operation=reports.attachment_page_index)
        self.table = RowTable("attachmentsTable")
        style_table(self.table)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSortIndicator(3, Qt.SortOrder.AscendingOrder)
        self.model.note_sort(3, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        for column, width in enumerate((120, 90, 200, 160)):
            self.table.setColumnWidth(column, width)
        self.table.row_activated.connect(self._on_table_row_activated)
        self.model.sort_requested.connect(self._on_model_sort_requested)
        self.model.count_changed.connect(self._on_model_count_changed)
        self.model.page_loaded.connect(self._on_model_page_loaded)
        self.model.failed.connect(self.show_message)
        self._first_page = False

        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.message)
        self.exports = ExportButtons(database, user, self.report, lambda: self.model.count)

        top = QHBoxLayout()
        top.addWidget(QLabel("Certificate:"))
        top.addWidget(self.cert_field, 1)
        filters = QHBoxLayout()
        for label, widget in (("Filter:", self.text_filter), ("Step:", self.step_filter),
                              ("By:", self.user_filter), ("From:", self.since), ("To:", self.until)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget, 2 if widget is self.text_filter else 0)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.exports)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details)
        layout.addLayout(filters)
        layout.addWidget(self.stack, 1)
        layout.addLayout(bottom)
        self.show_message("Scan or type a certificate to see where it was attached.")

    # the query
    def query(self) -> reports.AttachmentQuery | None:
        if self.certificate is None:
            return None
        since, until = utc_bounds(self.since, self.until)
        return reports.AttachmentQuery(self.certificate.id, text=self.text_filter.text().strip() or None,
                                       step_id=self.step_filter.currentData(), user_id=self.user_filter.currentData(),
                                       since=since, until=until, sort=self._sort, descending=self._descending)

    def filtered(self) -> bool:
        query = self.query()
        return bool(query and (query.text or query.step_id or query.user_id or query.since or query.until))

    def report(self) -> tuple[str, dict] | None:
        query = self.query()
        return None if query is None else ("attachments", dataclasses.asdict(query))

    def load(self, code: str) -> None:
        """Look the certificate up (id or number) and list its attachments."""
        self.cert_field.setText(code)
        self._on_cert_field_return_pressed()

    def requery(self) -> None:
        query = self.query()
        if query is None:
            return
        self._first_page = True
        self.count_label.setText("Counting…")
        self.model.reset((query,), (query,))

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)
        self.message_shown.emit(text)

    # slots
    def _on_cert_field_return_pressed(self) -> None:
        code = self.cert_field.text().strip()
        if code:
            self._database.submit(queries.find_certificate, code, owner=self, on_done=self._on_certificate,
                                  on_failed=self._on_certificate_failed)

    def _on_certificate(self, record: CertificateRecord) -> None:
        self.certificate = record
        self.cert_field.selectAll()
        expire = record.date_expire.isoformat() if record.date_expire else "never"
        release = record.date_release.isoformat() if record.date_release else "—"
        state = record.expiry_state()
        colour = {"expired": "#b00020", "expiring": "#a06000"}.get(state, "")
        status = f"<b style='color:#b00020'>{record.status}</b>" if record.status != "active" else record.status
        self.details.setText(
            f"<b>{record.id}</b> — {record.name} &nbsp;·&nbsp; {record.kind}"
            f"{' ' + record.en10204_type if record.en10204_type else ''} &nbsp;·&nbsp; number "
            f"<b>{record.number or '—'}</b> &nbsp;·&nbsp; released {release} &nbsp;·&nbsp; "
            f"expires <span style='color:{colour}'>{expire}</span> &nbsp;·&nbsp; status {status}"
            f" &nbsp;·&nbsp; review {record.review_status}")
        self.step_filter.clear()
        self.step_filter.addItem("Any step", None)
        self._database.submit(reports.steps_with_attachments, record.id, owner=self, on_done=self._on_steps)
        self.certificate_loaded.emit(record.id)
        self.requery()

    def _on_steps(self, steps: list[tuple[str, str]]) -> None:
        for step_id, name in steps:
            self.step_filter.addItem(f"{name} ({step_id})", step_id)

    def _on_certificate_failed(self, failure: Failure) -> None:
        self.certificate = None
        self.details.clear()
        self.count_label.clear()
        self.model.clear()
        self.cert_field.selectAll()
        self.show_message(failure.message)

    def _on_model_sort_requested(self, key: str, descending: bool) -> None:
        self._sort, self._descending = key, descending
        self.requery()

    def _on_model_count_changed(self, total: int) -> None:
        self.count_label.setText(f"{total:,} attachment{'s' if total != 1 else ''}"
                                 f"{' match the filters' if self.filtered() else ''}")

    def _on_model_page_loaded(self, rows: int) -> None:
        if not self._first_page:
            return
        self._first_page = False
        if rows == 0 and self.certificate is not None:
            self.show_message("No attachment matches these filters." if self.filtered() else
                              f"Certificate {self.certificate.id} has no attachments: it was never attached "
                              "to a serial.")
        else:
            self.stack.setCurrentWidget(self.table)
            fit_columns(self.table)
        self.listed.emit(rows)

    def _on_table_row_activated(self, row: int) -> None:
        record = self.model.row_at(row)
        if record is not None:
            open_serial(self, record.serial_id)




@office_view("Certificate attachments", order=10)
def attachments_view(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return AttachmentsView(database, user)
