"""Coverage: which serials of a job (or a pasted list) lack a certificate or any of a kind."""
from __future__ import annotations

import dataclasses

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QRadioButton, QVBoxLayout, QWidget)

from app import reports, routes
from app.queries import audit_views as queries
from app.queries.audit_views import CoverageResult
from app.users import UserRecord
from ui.office import office_view
from ui.paged_model import Column, PagedModel
from ui.worker import DatabaseWorker, Failure
from ui.office.export import ExportButtons
from ui.office.serial import open_serial
from ui.office.common import CACHE_ROWS, KINDS, MAX_PAGE_SIZE, RowTable, fit_columns, style_table




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
            style_table(table)
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




@office_view("Coverage", order=30)
def coverage_view(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return CoverageView(database, user)
