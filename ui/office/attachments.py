"""Certificate attachments: scan or type a certificate, see its details and every serial it is attached to."""
from __future__ import annotations

import dataclasses
import html

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QStackedWidget, QVBoxLayout,
                               QWidget)

from app import reports
from app.certificates import CertificateRecord, state_words
from app.queries import audit_views as queries
from app.users import UserRecord
from app.words import CERT_KIND, REVIEW_STATUS, plural, word
from ui.office import look, office_view
from ui.office.common import (CACHE_ROWS, MAX_PAGE_SIZE, RowTable, date_edit, fit_combo, local_time,
                              style_table, user_combo, utc_bounds, utc_tooltip)
from ui.office.export import ExportButtons
from ui.office.live_bar import LiveBar
from ui.office.serial import open_serial
from ui.paged_model import Column, PagedModel
from ui.worker import DatabaseWorker, Failure

ATTACHMENT_COLUMNS = [
    Column("serial", "Serial", lambda r: r.serial_id, sort_key="serial"),
    Column("job", "Job", lambda r: r.job_id, sort_key="job"),
    Column("step", "Step", lambda r: r.step_name, sort_key="step", tooltip=lambda r: f"Step id: {r.step_id}"),
    Column("attached_at", "Attached at", lambda r: local_time(r.attached_at), sort_key="attached_at",
           tooltip=lambda r: utc_tooltip(r.attached_at)),
    Column("attached_by", "Attached by", lambda r: r.attached_by_name, sort_key="attached_by",
           tooltip=lambda r: f"User id: {r.attached_by}"),
]
RED, AMBER = "#b00020", "#8a5300"


def certificate_summary(record: CertificateRecord) -> str:
    """The certificate in words, as rich text: its name, then kind, number, dates, state and review."""
    kind = word(CERT_KIND, record.kind) + (f", EN 10204 {record.en10204_type}" if record.en10204_type else "")
    state = state_words(record)
    colour = RED if record.status == "revoked" or state.startswith("expired") else (
        AMBER if state.startswith("expires in") else "")
    state_html = html.escape(state[:1].upper() + state[1:])
    if colour:
        state_html = f"<b style='color:{colour}'>{state_html}</b>"
    review = word(REVIEW_STATUS, record.review_status)
    parts = [html.escape(kind), f"Number <b>{html.escape(record.number or '—')}</b>"]
    if record.date_release:
        parts.append(f"Released {record.date_release.isoformat()}")
    parts += [state_html, html.escape(f"Documents: {review}")]
    return (f"<span style='font-size:17px'><b>{html.escape(record.id)}</b> — {html.escape(record.name)}</span>"
            f"<br>{' &nbsp;·&nbsp; '.join(parts)}")


class FilterRows(QWidget):
    """Filters in one row where they fit whole, else the ``wrapping`` ones on a second row. It asks
    for no width of its own, so it never holds a window wider than the screen it is on."""

    def __init__(self, first: list[tuple[str, QWidget]], wrapping: list[tuple[str, QWidget]]):
        super().__init__(objectName="filters")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._first, self._second = QHBoxLayout(), QHBoxLayout()
        layout.addLayout(self._first)
        layout.addLayout(self._second)
        for label, widget in first:
            self._first.addWidget(QLabel(label))
            self._first.addWidget(widget, 1 if isinstance(widget, QLineEdit) else 0)
        self.tail = QWidget(objectName="filtersTail")
        tail = QHBoxLayout(self.tail)
        tail.setContentsMargins(0, 0, 0, 0)
        for label, widget in wrapping:
            tail.addWidget(QLabel(label))
            tail.addWidget(widget)
        self._second.addWidget(self.tail)
        self._second.addStretch(1)
        self.wrapped = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit(event.size().width())

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # a filter grew (a combo filled): fit again
            self._refit(self.width())
        return handled

    def _refit(self, room: int) -> None:
        head = self._first.minimumSize().width()
        if not self.wrapped:
            head -= self.tail.minimumSizeHint().width() + self._first.spacing()
        wrap = head + self._first.spacing() + self.tail.minimumSizeHint().width() > room
        if wrap != self.wrapped:
            self.wrapped = wrap
            (self._first if wrap else self._second).removeWidget(self.tail)
            (self._second if wrap else self._first).insertWidget(0 if wrap else -1, self.tail)


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
        self.details.hide()
        self.text_filter = QLineEdit(objectName="textFilter", placeholderText="Serial, job, step or name")
        self.text_filter.setMinimumWidth(220)
        self.text_filter.returnPressed.connect(self.requery)
        self.step_filter = QComboBox(objectName="stepFilter")
        self.step_filter.addItem("Any step", None)
        self.user_filter = user_combo(database, "userFilter")
        fit_combo(self.step_filter)
        for combo in (self.step_filter, self.user_filter):
            combo.activated.connect(self.requery)
        self.since, self.until = date_edit(), date_edit()
        self.since.setObjectName("sinceFilter")
        self.until.setObjectName("untilFilter")
        for edit in (self.since, self.until):
            edit.setMinimumWidth(130)
            edit.setToolTip("Local days; \"any\" leaves that end open")
            edit.dateChanged.connect(self.requery)
        self.count_label = QLabel(objectName="countLabel")
        self.message = QLabel(objectName="message", alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.message.setStyleSheet("font-size: 18px; color: #4a5a6a;")

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
        for column, width in enumerate((120, 120, 200, 180)):
            self.table.setColumnWidth(column, width)
        self.table.row_activated.connect(self._on_table_row_activated)
        self.table.viewport().installEventFilter(self)
        self.model.sort_requested.connect(self._on_model_sort_requested)
        self.model.count_changed.connect(self._on_model_count_changed)
        self.model.page_loaded.connect(self._on_model_page_loaded)
        self.model.failed.connect(self.show_message)
        self._first_page = False

        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.message)
        self.exports = ExportButtons(database, user, self.report, lambda: self.model.count, beside=self.count_label)
        self.exports.set_available(False)

        top = QHBoxLayout()
        top.addWidget(QLabel("Certificate"))
        top.addWidget(self.cert_field, 1)
        self.filters = FilterRows([("Filter", self.text_filter), ("Step", self.step_filter),
                                   ("Attached by", self.user_filter)], [("From", self.since), ("To", self.until)])
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("Certificate attachments",
                                      "Every serial a certificate was attached to: where, when and by whom."))
        layout.addLayout(top)
        layout.addWidget(self.details)
        self.live_bar = LiveBar(database, lambda c: c.type == "cert_attached" and self.certificate is not None
                                and c.cert_id == self.certificate.id, lambda n: f"{plural(n, 'new attachment')} since "
                                "this list was read", self.requery, models=(self.model,))
        layout.addWidget(self.live_bar)
        layout.addWidget(self.filters)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.exports)
        self.show_message("Scan or type a certificate to see where it was attached.")

    def spread_columns(self) -> None:
        """Each column as wide as what it shows, and the room left shared out in that proportion, so a
        wide screen widens every column rather than leaving one vast last column."""
        header = self.table.horizontalHeader()
        fit = [max(self.table.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in range(header.count())]
        spare = self.table.viewport().width() - sum(fit)
        for column, width in enumerate(fit[:-1]):
            self.table.setColumnWidth(column, width + max(0, spare) * width // sum(fit))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.spread_columns()  # the table's own width, once it has it (a hidden tab gets it late)
        return super().eventFilter(watched, event)

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
        self.details.setText(certificate_summary(record))
        self.details.setToolTip(f"Kind {record.kind}, status {record.status}, review {record.review_status}")
        self.details.show()
        self.step_filter.clear()
        self.step_filter.addItem("Any step", None)
        self._database.submit(reports.steps_with_attachments, record.id, owner=self, on_done=self._on_steps)
        self.exports.set_available(True)
        self.certificate_loaded.emit(record.id)
        self.requery()

    def _on_steps(self, steps: list[tuple[str, str]]) -> None:
        for step_id, name in steps:
            self.step_filter.addItem(name, step_id)
            self.step_filter.setItemData(self.step_filter.count() - 1, f"Step id: {step_id}",
                                         Qt.ItemDataRole.ToolTipRole)
        fit_combo(self.step_filter)

    def _on_certificate_failed(self, failure: Failure) -> None:
        self.certificate = None
        self.details.clear()
        self.details.hide()
        self.count_label.clear()
        self.model.clear()
        self.exports.set_available(False)
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
            self.spread_columns()
        self.listed.emit(rows)

    def _on_table_row_activated(self, row: int) -> None:
        record = self.model.row_at(row)
        if record is not None:
            open_serial(self, record.serial_id)


@office_view("Attachments", order=10)
def attachments_view(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return AttachmentsView(database, user)
