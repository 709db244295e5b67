"""Coverage: which serials of a job (or a pasted list) lack a certificate or any of a kind."""
from __future__ import annotations

import dataclasses
import html

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QGridLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QRadioButton, QSplitter, QVBoxLayout, QWidget)

from app import reports, routes
from app.changes import may_change_coverage
from app.queries.coverage import CoverageAnswer, check_coverage
from app.users import UserRecord
from app.words import CERT_KIND, SERIAL_STATUS, kinds_phrase, plural, word
from ui.office import look, office_view
from ui.office.live_bar import LiveBar
from ui.office.common import CACHE_ROWS, KINDS, MAX_PAGE_SIZE, RowTable, fit_columns, style_table
from ui.office.export import ExportButtons
from ui.office.serial import open_serial
from ui.paged_model import Column, PagedModel
from ui.worker import DatabaseWorker, Failure

GREEN, RED, AMBER = "#1b7f3b", "#b00020", "#8a5300"
SIDE_BY_SIDE_WIDTH = 1500  # from this width the two tables stand side by side, each still whole
FIELD_WIDTH = 560  # a job's name, a list of serials, a certificate's number: never the whole width
FEWEST_ROWS = 3  # a table is never shorter than this, however few rows it has

LACKING_COLUMNS = [
    Column("serial_id", "Serial"),
    Column("job_id", "Job"),
    Column("status", "Status", lambda r: word(SERIAL_STATUS, r.status), tooltip=lambda r: f"Status: {r.status}"),
    Column("step", "Stands at", lambda r: r.step_name or ("Completed" if r.status == "completed" else "—"),
           tooltip=lambda r: f"Step id: {r.step_id}" if r.step_id else "Past the last step of its route"),
]
GAP_COLUMNS = [
    Column("serial_id", "Serial"),
    Column("step", "Step passed", lambda r: r.step_name, tooltip=lambda r: f"Step id: {r.step_id}"),
    Column("missing", "Missing", lambda r: kinds_phrase(r.missing),
           tooltip=lambda r: "Kinds: " + ", ".join(r.missing)),
]


def _radio(text: str, name: str, group: QButtonGroup) -> QRadioButton:
    button = QRadioButton(text, objectName=name)
    group.addButton(button)
    return button


class CoverageView(QWidget):
    """Which serials of a job (or a pasted list) lack a certificate (or any of a kind); the route's own gaps."""

    checked = Signal(int, int)  # covered, total
    message_shown = Signal(str)

    def __init__(self, database: DatabaseWorker, user: UserRecord):
        super().__init__(objectName="coverageView")
        self._database = database
        self.spec: reports.CoverageSpec | None = None
        self.answer: CoverageAnswer | None = None
        self.sentence = ""

        # Which serials: a job, or a list. Only the chosen one's field shows.
        scope = QButtonGroup(self)
        self.by_job = _radio("A job", "byJob", scope)
        self.by_list = _radio("A list of serials", "byList", scope)
        self.by_job.setChecked(True)
        self.job = QComboBox(objectName="jobChoice")
        self.job.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.job.setMinimumContentsLength(28)
        self.serial_list = QPlainTextEdit(objectName="serialList",
                                          placeholderText="Paste or scan serials, one a line (or separated by commas)")
        self.serial_list.setFixedHeight(84)
        self.serial_list.textChanged.connect(self._on_serial_list_text_changed)
        # Against what: one certificate, or any certificate of a kind. Only the chosen one's field shows.
        wanted = QButtonGroup(self)
        self.by_cert = _radio("A certificate", "byCertificate", wanted)
        self.by_kind = _radio("Any certificate of a kind", "byKind", wanted)
        self.by_cert.setChecked(True)
        self.cert_field = QLineEdit(objectName="coverageCert", placeholderText="Scan or type a certificate id or number")
        self.cert_field.returnPressed.connect(self.check)
        self.kind = QComboBox(objectName="coverageKind")
        for kind in KINDS:
            self.kind.addItem(word(CERT_KIND, kind), kind)
            self.kind.setItemData(self.kind.count() - 1, f"Kind: {kind}", Qt.ItemDataRole.ToolTipRole)
        self.kind.setMinimumContentsLength(14)
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        for button, field in ((self.by_job, self.job), (self.by_list, self.serial_list),
                              (self.by_cert, self.cert_field), (self.by_kind, self.kind)):
            button.toggled.connect(self._show_chosen_fields)
            button.clicked.connect(lambda _=False, f=field: f.setFocus())  # chosen by a person: on to its field
        self.check_button = look.button("Check coverage", "checkCoverage", primary=True)
        self.check_button.clicked.connect(self.check)
        self.result = QLabel(objectName="coverageResult", textFormat=Qt.TextFormat.RichText, wordWrap=True)
        self.result.setStyleSheet("font-size: 17px;")
        self.result.setText("Choose the serials and what they must hold, then <b>Check coverage</b>.")
        database.submit(routes.list_jobs, owner=self, on_done=self._on_jobs)

        self.lacking_model = PagedModel(database, reports.lacking_page, (), LACKING_COLUMNS, start=False,
                                        max_page_size=MAX_PAGE_SIZE, cache_rows=CACHE_ROWS,
                                        index_operation=reports.lacking_page_index)
        self.gap_model = PagedModel(database, reports.route_gap_page, (), GAP_COLUMNS, start=False)
        self.lacking_table, self.gap_table = RowTable("lackingTable"), RowTable("gapTable")
        for table, model in ((self.lacking_table, self.lacking_model), (self.gap_table, self.gap_model)):
            style_table(table)
            table.setModel(model)
            table.row_activated.connect(lambda row, m=model: self._open(m.row_at(row)))
            model.failed.connect(self._show)
        self.lacking_model.page_loaded.connect(self._on_lacking_loaded)
        self.lacking_model.all_reachable.connect(self._on_lacking_loaded)
        self.gap_model.page_loaded.connect(self._on_gaps_loaded)
        self.lacking_label = look.section("Serials that lack it")
        self.gap_label = look.section("Steps passed without a kind they require")
        self.gap_label.setToolTip("The route's own rules: each step lists the certificate kinds it requires")
        self.lacking_exports = ExportButtons(database, user, lambda: self._report("lacking"),
                                             self._lacking_total, label="lacking ", beside=self.lacking_label)
        self.gap_exports = ExportButtons(database, user, lambda: self._report("gaps"), label="gaps ",
                                         beside=self.gap_label)
        for exports in (self.lacking_exports, self.gap_exports):
            exports.set_available(False)
        self._build_layout()
        self._show_chosen_fields()

    def _build_layout(self) -> None:
        choices = QGridLayout()
        choices.setHorizontalSpacing(look.SPACING * 2)
        choices.addWidget(QLabel("Which serials:"), 0, 0)
        choices.addWidget(self.by_job, 0, 1)
        choices.addWidget(self.by_list, 0, 2)
        choices.addWidget(self.job, 0, 3)
        choices.addWidget(self.serial_list, 0, 3)
        choices.addWidget(QLabel("Must hold:"), 1, 0)
        choices.addWidget(self.by_cert, 1, 1)
        choices.addWidget(self.by_kind, 1, 2)
        choices.addWidget(self.cert_field, 1, 3)
        choices.addWidget(self.kind, 1, 3, Qt.AlignmentFlag.AlignLeft)
        choices.addWidget(self.check_button, 1, 4)
        choices.setColumnStretch(5, 1)
        for field in (self.job, self.serial_list, self.cert_field):
            field.setMaximumWidth(FIELD_WIDTH)
        self.splitter = QSplitter(Qt.Orientation.Vertical, objectName="coverageTables", childrenCollapsible=False)
        self.splitter.setHandleWidth(look.SPACING + 2)
        self.panes: list[QWidget] = []
        for exports, table in ((self.lacking_exports, self.lacking_table), (self.gap_exports, self.gap_table)):
            pane = QWidget()
            self.panes.append(pane)
            pane_layout = QVBoxLayout(pane)
            pane_layout.setContentsMargins(0, look.SPACING // 2, 0, 0)
            pane_layout.addWidget(exports)
            pane_layout.addWidget(table, 1)
            self.splitter.addWidget(pane)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("Coverage", "Which serials lack a certificate, or any certificate of a "
                                                  "kind; and the steps they passed without a kind the route "
                                                  "requires there."))
        layout.addLayout(choices)
        layout.addWidget(self.result)
        self.live_bar = LiveBar(self._database, lambda c: self.spec is not None and may_change_coverage(c, self.spec),
                                lambda n: "Serials or certificates changed since this check: the result may be out of "
                                          "date", self.check, models=(self.lacking_model,))
        layout.addWidget(self.live_bar)
        layout.addWidget(self.splitter, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = event.size().width() >= SIDE_BY_SIDE_WIDTH
        self.splitter.setOrientation(Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical)
        self._share_height()

    def _needed_height(self, pane: QWidget, table: RowTable) -> int:
        rows = max(FEWEST_ROWS, table.model().rowCount())
        return (pane.sizeHint().height() - table.sizeHint().height() + table.horizontalHeader().height()
                + rows * table.verticalHeader().defaultSectionSize() + 2 * table.frameWidth() + 2)

    def _share_height(self) -> None:
        """One above the other, a table with few rows takes only what it needs and the other the rest."""
        if self.splitter.orientation() != Qt.Orientation.Vertical or self.spec is None:
            return
        total = sum(self.splitter.sizes())
        lacking = self._needed_height(self.panes[0], self.lacking_table)
        gaps = self._needed_height(self.panes[1], self.gap_table)
        if lacking + gaps <= total or gaps <= total * 0.4:
            self.splitter.setSizes([total - gaps, gaps])
        elif lacking <= total * 0.6:
            self.splitter.setSizes([lacking, total - lacking])
        else:
            self.splitter.setSizes([total * 3 // 5, total - total * 3 // 5])

    def _show_chosen_fields(self) -> None:
        self.job.setVisible(self.by_job.isChecked())
        self.serial_list.setVisible(self.by_list.isChecked())
        self.cert_field.setVisible(self.by_cert.isChecked())
        self.kind.setVisible(self.by_kind.isChecked())

    def _on_serial_list_text_changed(self) -> None:
        if self.serial_list.toPlainText().strip():
            self.by_list.setChecked(True)

    def _open(self, record) -> None:
        if record is not None:
            open_serial(self, record.serial_id)

    def _on_jobs(self, jobs) -> None:
        for job in jobs:
            self.job.addItem(f"{job.id} — {job.name}", job.id)
            self.job.setItemData(self.job.count() - 1, f"Part {job.part}, {job.quantity:,} pieces",
                                 Qt.ItemDataRole.ToolTipRole)

    def serial_ids(self) -> tuple[str, ...]:
        text = self.serial_list.toPlainText().replace(",", "\n").replace(";", "\n")
        return tuple(dict.fromkeys(s.strip() for s in text.split() if s.strip()))

    def check(self) -> None:
        """Ask for what the choices say: the job or the list, the certificate or the kind."""
        by_job, by_cert = self.by_job.isChecked(), self.by_cert.isChecked()
        self._database.submit(check_coverage, self.job.currentData() if by_job else None,
                              () if by_job else self.serial_ids(),
                              (self.cert_field.text().strip() or None) if by_cert else None,
                              None if by_cert else self.kind.currentData(),
                              owner=self, on_done=self._on_coverage, on_failed=self._on_failed)

    def _show(self, text: str) -> None:
        self.sentence = text
        self.result.setText(f"<b style='color:{RED}'>{html.escape(text)}</b>")
        self.message_shown.emit(text)

    def _on_failed(self, failure: Failure) -> None:
        self.spec = self.answer = None
        self.lacking_model.clear()
        self.gap_model.clear()
        for exports in (self.lacking_exports, self.gap_exports):
            exports.set_available(False)
        self.lacking_label.setText("Serials that lack it")
        self.gap_label.setText("Steps passed without a kind they require")
        self._show(failure.message)

    def _on_coverage(self, answer: CoverageAnswer) -> None:
        self.answer, self.spec, count = answer, answer.spec, answer.count
        self.sentence = answer.sentence
        colour = GREEN if count.covered == count.total and count.total else RED
        text = f"<b style='color:{colour}'>{html.escape(answer.sentence)}</b>"
        if answer.unknown:
            shown = ", ".join(answer.unknown[:10]) + (" …" if len(answer.unknown) > 10 else "")
            text += (f"<br><span style='color:{AMBER}'>{html.escape(plural(len(answer.unknown), 'serial'))} of the "
                     f"list not found, so not counted: {html.escape(shown)}</span>")
        self.result.setText(text)
        self.result.setToolTip(f"Checked against {answer.wanted}")
        self.lacking_model.reset((answer.spec,))
        self.gap_model.reset((dataclasses.replace(answer.spec, cert_id=None, kind=None),))
        for exports in (self.lacking_exports, self.gap_exports):
            exports.set_available(True)
        self.checked.emit(count.covered, count.total)

    def _on_lacking_loaded(self, rows: int) -> None:
        fit_columns(self.lacking_table)
        self._share_height()
        total = self._lacking_total()
        self.lacking_label.setText(f"Serials that lack it: {total:,}" if total is not None else "Serials that lack it")

    def _on_gaps_loaded(self, rows: int) -> None:
        fit_columns(self.gap_table)
        self._share_height()
        more = "+" if self.gap_model.canFetchMore(QModelIndex()) else ""
        self.gap_label.setText(f"Steps passed without a kind they require: {rows:,}{more}" if rows
                               else "Every step passed holds the kinds it requires")

    def _lacking_total(self) -> int | None:
        return None if self.answer is None else self.answer.count.total - self.answer.count.covered

    def _report(self, view: str) -> tuple[str, dict] | None:
        if self.spec is None:
            return None
        spec = self.spec if view == "lacking" else dataclasses.replace(self.spec, cert_id=None, kind=None)
        return view, dataclasses.asdict(spec)


@office_view("Coverage", order=30)
def coverage_view(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return CoverageView(database, user)
