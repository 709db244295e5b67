"""The supervisor's views: a certificate's attachments, a serial's detail, coverage, the audit trail.

Each is an office tab (``@office_view``). Every query runs in the database worker through
the operations registered below; tables are ``PagedModel``s over keyset pages, sorted and
filtered in SQL. Exports stream in the worker: CSV with a cancellable progress dialog,
PDF through ``app.report_pdf``, the same file the command line writes.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Callable

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDateEdit, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QProgressDialog, QPushButton,
                               QRadioButton, QSplitter, QStackedWidget, QTableView, QTableWidget, QTableWidgetItem,
                               QTabWidget, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from app import audit, reports, routes, users
from app.certificates import CertificateRecord
from app.queries import audit_views as queries
from app.queries.audit_views import CoverageResult, ExportJob, ExportResult, SerialReport
from app.users import UserRecord
from ui.office import office_view
from ui.paged_model import Column, PagedModel
from ui.worker import DatabaseWorker, Failure

KINDS = ("MATERIAL", "PROCESS", "CALIBRATION", "TRAINING", "CONFORMANCE", "INSPECTION", "OTHER")
MAX_PAGE_SIZE = 10_000  # pages grow to this while scrolling (ui.paged_model)
CACHE_ROWS = 50_000  # rows a table holds; pages scrolled out of it are fetched again when shown
NO_DATE = QDate(2000, 1, 1)  # the date edits' "any" value


# --- small helpers ---------------------------------------------------------------------------

def local_time(at: dt.datetime | None) -> str:
    """A stored (naive UTC) time as the workstation's local time."""
    if at is None:
        return ""
    return at.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def date_edit() -> QDateEdit:
    edit = QDateEdit(calendarPopup=True)
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("any")
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(NO_DATE)
    return edit


def utc_bounds(since: QDateEdit, until: QDateEdit) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Local whole days, from ``since`` through ``until`` inclusive, as naive UTC [since, until+1)."""
    def start_of(day: QDate) -> dt.datetime:
        local = dt.datetime(day.year(), day.month(), day.day()).astimezone()
        return local.astimezone(dt.timezone.utc).replace(tzinfo=None)

    first = None if since.date() == NO_DATE else start_of(since.date())
    last = None if until.date() == NO_DATE else start_of(until.date().addDays(1))
    return first, last


def user_combo(database: DatabaseWorker, name: str) -> QComboBox:
    combo = QComboBox(objectName=name)
    combo.addItem("Any user", None)

    def fill(found: list[UserRecord]) -> None:
        for user in found:
            combo.addItem(f"{user.name} ({user.id})", user.id)

    database.submit(users.list_users, owner=combo, on_done=fill)
    return combo


def open_serial(widget: QWidget, serial_id: str) -> None:
    """Show the serial in the Serial detail tab of the same window."""
    view = widget.window().findChild(SerialView)
    if view is None:
        return
    view.show_serial(serial_id)
    parent = view.parentWidget()
    while parent is not None and not isinstance(parent, QTabWidget):
        parent = parent.parentWidget()
    if isinstance(parent, QTabWidget):
        parent.setCurrentWidget(view)


class RowTable(QTableView):
    """A table whose Enter, like a double-click, activates the current row."""

    row_activated = Signal(int)

    def __init__(self, name: str):
        super().__init__(objectName=name)
        self.doubleClicked.connect(lambda index: self.row_activated.emit(index.row()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.row_activated.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class ExportButtons(QWidget):
    """CSV (streamed, with a cancellable progress dialog) and PDF of one report, both made in the worker."""

    exported = Signal(str, str, int)  # "csv" or "pdf", path, rows
    export_failed = Signal(str)
    export_cancelled = Signal()

    def __init__(self, database: DatabaseWorker, user: UserRecord, report: Callable[[], tuple[str, dict] | None],
                 total: Callable[[], int | None] = lambda: None, label: str = ""):
        super().__init__()
        self._database, self._user, self._report, self._total = database, user, report, total
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.csv_button = QPushButton(f"Export {label}CSV…", objectName="exportCsv")
        self.pdf_button = QPushButton(f"Export {label}PDF…", objectName="exportPdf")
        layout.addWidget(self.csv_button)
        layout.addWidget(self.pdf_button)
        self.csv_button.clicked.connect(lambda: self._ask("csv"))
        self.pdf_button.clicked.connect(lambda: self._ask("pdf"))
        self.progress: QProgressDialog | None = None
        self._job: ExportJob | None = None
        self._timer = QTimer(self, interval=100)
        self._timer.timeout.connect(self._on_timer_timeout)

    def _ask(self, kind: str) -> None:
        if self._report() is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, f"Export {kind.upper()}", f"report.{kind}",
                                              f"{kind.upper()} (*.{kind})")
        if path:
            (self.export_csv if kind == "csv" else self.export_pdf)(path)

    def export_csv(self, path: str) -> None:
        report = self._report()
        if report is None:
            return
        view, options = report
        self._job = job = ExportJob()
        total = self._total()
        self.progress = QProgressDialog("Writing CSV…", "Cancel", 0, total or 0, self)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(400)
        self.progress.canceled.connect(job.cancel.set)
        self._timer.start()
        self._set_busy(True)
        self._database.submit(queries.export_csv, view, options, path, job,
                              owner=self, on_done=lambda result: self._on_done("csv", result),
                              on_failed=self._on_failed)

    def export_pdf(self, path: str) -> None:
        report = self._report()
        if report is None:
            return
        view, options = report
        self._set_busy(True)
        self._database.submit(queries.export_pdf, view, options, path, f"{self._user.name} ({self._user.id})",
                              owner=self, on_done=lambda result: self._on_done("pdf", result),
                              on_failed=self._on_failed)

    def _set_busy(self, busy: bool) -> None:
        self.csv_button.setEnabled(not busy)
        self.pdf_button.setEnabled(not busy)

    def _on_timer_timeout(self) -> None:
        if self.progress is not None and self._job is not None:
            if self.progress.maximum() and self._job.rows <= self.progress.maximum():
                self.progress.setValue(self._job.rows)
            self.progress.setLabelText(f"Writing CSV… {self._job.rows:,} rows")

    def _close_progress(self) -> None:
        self._timer.stop()
        if self.progress is not None:
            self.progress.canceled.disconnect()
            self.progress.reset()
            self.progress.deleteLater()
            self.progress = None

    def _on_done(self, kind: str, result: ExportResult) -> None:
        self._close_progress()
        self._set_busy(False)
        if result.cancelled:
            self.export_cancelled.emit()
        else:
            self.exported.emit(kind, result.path, result.rows)

    def _on_failed(self, failure: Failure) -> None:
        self._close_progress()
        self._set_busy(False)
        self.export_failed.emit(failure.message)


# --- Certificate attachments -----------------------------------------------------------------

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
        _style_table(self.table)
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


def fit_columns(table: QTableView) -> None:
    """Columns as wide as what the loaded rows show (the last one stretches)."""
    for column in range(table.model().columnCount() - 1):
        table.resizeColumnToContents(column)


def _style_table(table: QTableView) -> None:
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    table.horizontalHeader().setStretchLastSection(True)


# --- Serial detail ---------------------------------------------------------------------------

class SerialView(QWidget):
    """A serial: its job and route, per step the certificates attached there (who, when), its audit entries."""

    serial_loaded = Signal(str)
    message_shown = Signal(str)

    def __init__(self, database: DatabaseWorker, user: UserRecord):
        super().__init__(objectName="serialView")
        self._database = database
        self.report: SerialReport | None = None
        self.serial_field = QLineEdit(objectName="serialField", placeholderText="Scan or type a serial")
        self.serial_field.returnPressed.connect(lambda: self.show_serial(self.serial_field.text()))
        self.header = QLabel(objectName="serialHeader", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.steps = QTreeWidget(objectName="serialSteps")
        self.steps.setHeaderLabels(["Step / certificate", "Kind", "Attached at", "Attached by"])
        self.steps.setColumnWidth(0, 320)
        self.steps.setColumnWidth(1, 110)
        self.steps.setColumnWidth(2, 160)
        self.audit = QTableWidget(0, 5, objectName="serialAudit")
        self.audit.setHorizontalHeaderLabels(["#", "At", "Type", "User", "Details"])
        self.audit.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        _style_table(self.audit)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.steps)
        splitter.addWidget(self.audit)
        top = QHBoxLayout()
        top.addWidget(QLabel("Serial:"))
        top.addWidget(self.serial_field, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.header)
        layout.addWidget(splitter, 1)

    def show_serial(self, serial_id: str) -> None:
        serial_id = serial_id.strip()
        if not serial_id:
            return
        self.serial_field.setText(serial_id)
        self._database.submit(queries.serial_report, serial_id, owner=self, on_done=self._on_serial,
                              on_failed=self._on_failed)

    def _on_failed(self, failure: Failure) -> None:
        self.report = None
        self.header.setText(f"<b style='color:#b00020'>{failure.message}</b>")
        self.steps.clear()
        self.audit.setRowCount(0)
        self.message_shown.emit(failure.message)

    def _on_serial(self, report: SerialReport) -> None:
        self.report = report
        d = report.detail
        current = d.current_step
        where = "completed" if d.current_step_index == -1 else (
            f"at {current.step.name} ({current.step.id})" if current else "")
        self.header.setText(f"<b>{d.id}</b> &nbsp;·&nbsp; job <b>{d.job_id}</b> {d.job_name} (part {d.part})"
                            f" &nbsp;·&nbsp; route {d.path_name} ({d.path_id}) &nbsp;·&nbsp; {d.status}, {where}")
        self.steps.clear()
        for state in d.steps:
            step = state.step
            needs = f" — requires {', '.join(step.requires)}" if step.requires else ""
            item = QTreeWidgetItem([f"{step.position + 1}. {step.name} ({step.id}) [{state.state}]{needs}"])
            missing = state.missing_kinds if state.state != "ahead" else []
            if missing:
                item.setForeground(0, QColor("#b00020"))
                item.setToolTip(0, f"Missing: {', '.join(missing)}")
            for a in state.attachments:
                child = QTreeWidgetItem([f"{a.attachment.cert_id} — {a.cert_name}", a.cert_kind,
                                         local_time(a.attachment.attached_at),
                                         f"{a.attached_by_name} ({a.attachment.attached_by})"])
                item.addChild(child)
            self.steps.addTopLevelItem(item)
        self.steps.expandAll()
        for column in range(3):
            self.steps.resizeColumnToContents(column)
        self.audit.setRowCount(len(report.audit))
        for row, entry in enumerate(report.audit):
            detail = ", ".join(filter(None, [entry.cert_id and f"cert {entry.cert_id}",
                                             entry.step_id and f"step {entry.step_id}", entry.reason]))
            for column, text in enumerate((str(entry.seq), local_time(entry.at), entry.type, entry.user_id or "",
                                           detail)):
                self.audit.setItem(row, column, QTableWidgetItem(text))
        self.audit.resizeColumnsToContents()
        self.serial_loaded.emit(d.id)


# --- Coverage --------------------------------------------------------------------------------

LACKING_COLUMNS = [
    Column("serial_id", "Serial"),
    Column("job_id", "Job"),
    Column("status", "Status"),
    Column("step", "At step", lambda r: f"{r.step_name} ({r.step_id})" if r.step_id else "completed"),
]
GAP_COLUMNS = [
    Column("serial_id", "Serial"),
    Column("step", "Step passed", lambda r: f"{r.step_name} ({r.step_id})"),
    Column("missing", "Missing certificate kinds", lambda r: ", ".join(r.missing)),
]


class CoverageView(QWidget):
    """Which serials of a job (or a pasted list) lack a certificate (or any of a kind); the route's own gaps."""

    checked = Signal(int, int)  # covered, total
    message_shown = Signal(str)

    def __init__(self, database: DatabaseWorker, user: UserRecord):
        super().__init__(objectName="coverageView")
        self._database = database
        self.spec: reports.CoverageSpec | None = None
        self.by_job = QRadioButton("Job", checked=True)
        self.by_list = QRadioButton("Serials (pasted or scanned, one a line)")
        group = QButtonGroup(self)
        group.addButton(self.by_job)
        group.addButton(self.by_list)
        self.job = QComboBox(objectName="jobChoice")
        self.serial_list = QPlainTextEdit(objectName="serialList")
        self.serial_list.setMaximumHeight(70)
        self.serial_list.textChanged.connect(lambda: self.by_list.setChecked(True))
        self.cert_field = QLineEdit(objectName="coverageCert", placeholderText="certificate id or number")
        self.cert_field.returnPressed.connect(self.check)
        self.kind = QComboBox(objectName="coverageKind")
        self.kind.addItem("— or any certificate of a kind —", None)
        for kind in KINDS:
            self.kind.addItem(kind, kind)
        self.check_button = QPushButton("Check coverage", objectName="checkCoverage")
        self.check_button.clicked.connect(self.check)
        self.result = QLabel(objectName="coverageResult", textFormat=Qt.TextFormat.RichText)
        database.submit(routes.list_jobs, owner=self, on_done=self._on_jobs)

        self.lacking_model = PagedModel(database, reports.lacking_page, (), LACKING_COLUMNS, start=False,
                                        max_page_size=MAX_PAGE_SIZE, cache_rows=CACHE_ROWS,
                                        index_operation=reports.lacking_page_index)
        self.gap_model = PagedModel(database, reports.route_gap_page, (), GAP_COLUMNS, start=False)
        self.lacking_table, self.gap_table = RowTable("lackingTable"), RowTable("gapTable")
        for table, model in ((self.lacking_table, self.lacking_model), (self.gap_table, self.gap_model)):
            _style_table(table)
            table.setModel(model)
            table.setColumnWidth(0, 130)
            table.row_activated.connect(lambda row, m=model: self._open(m.row_at(row)))
            model.failed.connect(self._show)
        self.lacking_model.page_loaded.connect(self._on_lacking_loaded)
        self.gap_model.page_loaded.connect(self._on_gaps_loaded)
        self.lacking_label = QLabel("Serials lacking the certificate")
        self.gap_label = QLabel("Route rules: passed steps whose required certificate kinds are missing")
        self.lacking_exports = ExportButtons(database, user, lambda: self._report("lacking"),
                                             lambda: self._lacking_total(), label="lacking ")
        self.gap_exports = ExportButtons(database, user, lambda: self._report("gaps"), label="gaps ")

        form = QFormLayout()
        scope = QHBoxLayout()
        scope.addWidget(self.by_job)
        scope.addWidget(self.job, 1)
        scope.addWidget(self.by_list)
        form.addRow("Serials:", scope)
        form.addRow("", self.serial_list)
        wanted = QHBoxLayout()
        wanted.addWidget(self.cert_field, 1)
        wanted.addWidget(self.kind)
        wanted.addWidget(self.check_button)
        form.addRow("Certificate:", wanted)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.result)
        for label, table, exports in ((self.lacking_label, self.lacking_table, self.lacking_exports),
                                      (self.gap_label, self.gap_table, self.gap_exports)):
            row = QHBoxLayout()
            row.addWidget(label, 1)
            row.addWidget(exports)
            layout.addLayout(row)
            layout.addWidget(table, 1)

    def _open(self, record) -> None:
        if record is not None:
            open_serial(self, record.serial_id)

    def _on_jobs(self, jobs) -> None:
        for job in jobs:
            self.job.addItem(f"{job.id} — {job.name}", job.id)

    def serial_ids(self) -> tuple[str, ...]:
        text = self.serial_list.toPlainText().replace(",", "\n").replace(";", "\n")
        return tuple(dict.fromkeys(s.strip() for s in text.split() if s.strip()))

    def check(self) -> None:
        job_id = self.job.currentData() if self.by_job.isChecked() else None
        serial_ids = () if self.by_job.isChecked() else self.serial_ids()
        self._database.submit(queries.coverage, job_id, serial_ids, self.cert_field.text().strip() or None,
                              self.kind.currentData(), owner=self, on_done=self._on_coverage,
                              on_failed=self._on_failed)

    def _show(self, text: str) -> None:
        self.result.setText(f"<b style='color:#b00020'>{text}</b>")
        self.message_shown.emit(text)

    def _on_failed(self, failure: Failure) -> None:
        self.spec = None
        self.lacking_model.clear()
        self.gap_model.clear()
        self._show(failure.message)

    def _on_coverage(self, result: CoverageResult) -> None:
        self.spec = result.spec
        count = result.count
        wanted = f"certificate {result.spec.cert_id}" if result.spec.cert_id else f"a {result.spec.kind} certificate"
        colour = "#1b7f3b" if count.covered == count.total else "#b00020"
        self.result.setText(f"<span style='font-size:14pt; color:{colour}'><b>{count.covered:,} of "
                            f"{count.total:,}</b> serials hold {wanted}</span>; "
                            f"{count.total - count.covered:,} lack it.")
        self._count = count
        self.lacking_model.reset((result.spec,))
        self.gap_model.reset((dataclasses.replace(result.spec, cert_id=None, kind=None),))
        self.checked.emit(count.covered, count.total)

    def _on_lacking_loaded(self, rows: int) -> None:
        fit_columns(self.lacking_table)
        self.lacking_label.setText(f"Serials lacking it: {self._lacking_total():,}" if self.spec else "")

    def _on_gaps_loaded(self, rows: int) -> None:
        fit_columns(self.gap_table)
        more = "+" if self.gap_model.canFetchMore(QModelIndex()) else ""
        self.gap_label.setText(f"Route rules: {rows:,}{more} passed steps lack a required kind" if rows
                               else "Route rules: every passed step holds its required kinds")

    def _lacking_total(self) -> int | None:
        count = getattr(self, "_count", None)
        return None if count is None else count.total - count.covered

    def _report(self, view: str) -> tuple[str, dict] | None:
        if self.spec is None:
            return None
        spec = self.spec if view == "lacking" else dataclasses.replace(self.spec, cert_id=None, kind=None)
        return view, dataclasses.asdict(spec)


# --- Audit trail -----------------------------------------------------------------------------

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
        _style_table(self.table)
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


# --- the tabs --------------------------------------------------------------------------------

@office_view("Certificate attachments", order=10)
def attachments_view(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return AttachmentsView(database, user)


@office_view("Serial detail", order=20)
def serial_view(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return SerialView(database, user)


@office_view("Coverage", order=30)
def coverage_view(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return CoverageView(database, user)


@office_view("Audit trail", order=40)
def audit_view(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return AuditView(database, user)
