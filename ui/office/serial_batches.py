"""The Serials office view (supervisors and administrators): a job's serials made in one batch — a count
and a numbering pattern, or a list from the ERP (pasted, or a CSV file) — each optionally with a
certificate attached, in one transaction (``app.serial_batches.create_batch``, through
``app.queries.jobs.make_batch``). Below, the job's serials, moved several at once, and labels.

The pattern's first and last ids are previewed as it is typed, by the batch's own checks
(``preview_batch``), with the sentence it would refuse with. While a batch is written, a progress bar
follows it (``BatchProgress``, shared with the worker and read by a timer) and *Cancel* rolls the
whole batch back: nothing is written.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFileDialog, QGridLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QProgressBar, QRadioButton, QSpinBox, QVBoxLayout, QWidget)

from app.jobs import JobRecord
from app.queries import jobs as queries
from app.queries.jobs import BatchPreview, BatchProgress, MadeBatch
from app.serial_batches import EXAMPLE
from app.serials import MAX_BATCH
from app.users import UserRecord
from app.words import plural
from ui.office import PLANT_SET_UP, look, office_view
from ui.office.common import fit_combo
from ui.office.job_serials import JobSerialsPanel
from ui.worker import DatabaseWorker, Failure

PREVIEW_DELAY_MS = 250  # typing pauses this long before the preview is asked for
POLL_MS = 50


class BatchNotice(look.Notice):
    """The view's notice; after a batch it offers both *Print labels…* and *Labels as PDF…*."""

    def __init__(self, name: str = "serialsNotice"):
        super().__init__(name)
        self.second = look.button("Labels as PDF…", f"{name}Pdf")
        self.layout().addWidget(self.second)
        self.second.hide()

    def show_message(self, text: str, state: str = "info", action: str | None = None, tooltip: str = "",
                     second: str | None = None) -> None:
        super().show_message(text, state, action, tooltip)
        self.second.setVisible(bool(second))
        self.second.setText(second or "")


class SerialsView(QWidget):
    """A batch of serials for a job, its progress and cancel; the job's serials, moves and labels."""

    jobs_loaded = Signal(int)
    previewed = Signal(str)  # the preview line, or the batch's refusal
    batch_started = Signal()
    batch_done = Signal(object)  # MadeBatch (cancelled or not)
    batch_failed = Signal(str)
    list_imported = Signal(int)

    def __init__(self, database: DatabaseWorker, user: UserRecord, parent: QWidget | None = None):
        super().__init__(parent, objectName="serialsView")
        self.database, self.user = database, user
        self.batch: MadeBatch | None = None  # the last batch made
        self.progress: BatchProgress | None = None
        self._wanted_job: str | None = None
        self._preview_asked = 0

        self.job = QComboBox(objectName="batchJob", toolTip="Open jobs: a closed job takes no new serials")
        self.job.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.job.setMinimumContentsLength(30)
        how = QButtonGroup(self)
        self.by_pattern = QRadioButton("Numbered", objectName="byPattern", checked=True)
        self.by_list = QRadioButton("From a list (pasted, or a CSV file from the ERP)", objectName="byList")
        how.addButton(self.by_pattern)
        how.addButton(self.by_list)
        self.count = QSpinBox(objectName="batchCount", minimum=1, maximum=MAX_BATCH, value=20)
        self.count.setGroupSeparatorShown(True)
        self.count.setToolTip(f"How many serials, 1 to {MAX_BATCH:,}")
        self.pattern = QLineEdit(EXAMPLE, objectName="batchPattern")
        self.pattern.setToolTip("{job} is the job's id; {n} the number, {n:04} with at least 4 digits. Numbers go "
                                "on after the highest this pattern has made.")
        self.listed = QPlainTextEdit(objectName="batchList",
                                     placeholderText="Serial numbers, one a line, or a CSV with a column 'serial'")
        self.listed.setFixedHeight(66)
        self.import_button = look.button("Import CSV file…", "importList")
        self.cert = QLineEdit(objectName="batchCertificate",
                              placeholderText="Optional: scan or type a certificate id or number")
        self.cert.setToolTip("This certificate is attached to every serial of the batch at the route's first step")
        self.preview_line = QLabel(objectName="batchPreview", wordWrap=True)
        self.make_button = look.button("Make serials", "makeBatch", primary=True)
        self.progress_bar = QProgressBar(objectName="batchProgress", textVisible=True)
        self.progress_bar.setFormat("%v of %m")
        self.cancel_button = look.button("Cancel", "cancelBatch")
        self.notice = BatchNotice()
        self.panel = JobSerialsPanel(database, user, self.notice, "batchSerials")
        self._build_layout()

        self._preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.ask_preview)
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self._on_poll)
        for signal in (self.count.valueChanged, self.pattern.textChanged, self.listed.textChanged,
                       self.by_pattern.toggled, self.cert.textChanged):
            signal.connect(lambda *_: self._preview_timer.start())
        self.job.currentIndexChanged.connect(self._on_job_changed)
        self.by_pattern.toggled.connect(self._show_chosen_fields)
        self.by_pattern.clicked.connect(lambda: self.count.setFocus())
        self.by_list.clicked.connect(lambda: self.listed.setFocus())
        self.import_button.clicked.connect(self.import_list)
        self.make_button.clicked.connect(self.make)
        self.pattern.returnPressed.connect(self.make)
        self.cert.returnPressed.connect(self.make)
        self.cancel_button.clicked.connect(self.cancel)
        self.notice.action_triggered.connect(lambda: self._batch_labels(pdf=False))
        self.notice.second.clicked.connect(lambda: self._batch_labels(pdf=True))
        self._show_chosen_fields()
        self._set_running(False)
        self.reload_jobs()

    def _build_layout(self) -> None:
        making = look.group("Make a batch", "batchGroup")
        grid = QGridLayout(making)
        grid.setHorizontalSpacing(look.SPACING)
        grid.addWidget(QLabel("Serials:"), 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addLayout(look.row(self.by_pattern, self.by_list), 0, 1, 1, 3)
        self.pattern_row = QWidget(objectName="patternRow")
        pattern_row = look.row(self.count, QLabel("numbered"), self.pattern, 1, stretch=False)
        pattern_row.setContentsMargins(0, 0, 0, 0)
        self.pattern_row.setLayout(pattern_row)
        self.list_row = QWidget(objectName="listRow")
        list_row = look.row(self.listed, 1, self.import_button, stretch=False)
        list_row.setContentsMargins(0, 0, 0, 0)
        list_row.setAlignment(self.import_button, Qt.AlignmentFlag.AlignTop)
        self.list_row.setLayout(list_row)
        grid.addWidget(self.pattern_row, 1, 1, 1, 3)
        grid.addWidget(self.list_row, 1, 1, 1, 3)
        grid.addWidget(self.preview_line, 2, 1, 1, 3)
        grid.addWidget(QLabel("Certificate on each:"), 3, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.cert, 3, 1)
        grid.addWidget(self.make_button, 3, 2)
        grid.addLayout(look.row(self.progress_bar, 1, self.cancel_button, stretch=False), 3, 3)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        self.pattern.setMinimumWidth(200)
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("Serials", "Make a job's serials: numbered, or from a list of the ERP, each "
                                                 "with a certificate if you give one. Move several at once; print "
                                                 "their labels."))
        layout.addLayout(look.row(QLabel("Job:"), self.job))
        layout.addWidget(making)
        layout.addWidget(self.notice)
        layout.addWidget(self.panel, 1)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.progress is None:
            self.reload_jobs()  # a job made or closed in the Jobs tab shows here at once

    # --- the job -------------------------------------------------------------------------------

    def reload_jobs(self) -> None:
        self.database.submit(queries.open_jobs, owner=self, on_done=self._on_jobs, on_failed=self._on_failed)

    def _on_jobs(self, found: list[JobRecord]) -> None:
        wanted = self._wanted_job or self.job.currentData()  # the job asked for, else the one shown stays
        self.job.blockSignals(True)
        self.job.clear()
        for job in found:
            self.job.addItem(f"{job.id} — {job.name}", job.id)
            self.job.setItemData(self.job.count() - 1, f"Part {job.part}, {job.quantity:,} pieces, route "
                                 f"{job.route_id} revision {job.revision}", Qt.ItemDataRole.ToolTipRole)
        if not found:
            self.job.addItem("No open job: create one in the Jobs tab", None)
        self.job.setCurrentIndex(max(0, self.job.findData(wanted)) if wanted else 0)
        fit_combo(self.job, at_least=30, at_most=64)
        self.job.blockSignals(False)
        self._wanted_job = None
        self._on_job_changed()
        self.jobs_loaded.emit(len(found))

    def choose_job(self, job_id: str) -> None:
        """Show ``job_id`` (the Jobs view's *Make serials…*); once the jobs are read, if they are still coming."""
        index = self.job.findData(job_id)
        if index >= 0:
            self.job.setCurrentIndex(index)
        else:
            self._wanted_job = job_id
            self.reload_jobs()
        self.count.setFocus()

    def _on_job_changed(self, *_: object) -> None:
        job_id = self.job.currentData()
        if job_id != self.panel.job_id:
            self.panel.show_job(job_id)
        self._preview_timer.start()

    # --- what the batch is ---------------------------------------------------------------------

    def _show_chosen_fields(self) -> None:
        self.pattern_row.setVisible(self.by_pattern.isChecked())
        self.list_row.setVisible(self.by_list.isChecked())

    def _batch(self) -> tuple[int | None, str | None, str | None]:
        """(count, pattern, list text) as the chosen way of numbering gives them."""
        if self.by_list.isChecked():
            return None, None, self.listed.toPlainText()
        return self.count.value(), self.pattern.text(), None

    def ask_preview(self) -> None:
        job_id = self.job.currentData()
        if job_id is None:
            self._show_preview("Choose a job first.", error=False)
            return
        if self.by_list.isChecked() and not self.listed.toPlainText().strip():
            self._show_preview("Paste the serial numbers, or import a CSV file.", error=False)
            return
        self._preview_asked += 1
        asked = self._preview_asked
        self.database.submit(queries.preview, job_id, *self._batch(), self.cert.text().strip() or None, owner=self,
                             on_done=lambda found: asked == self._preview_asked and self._on_preview(found),
                             on_failed=lambda failure: asked == self._preview_asked and self._show_preview(
                                 failure.message, error=True))

    def _on_preview(self, found: BatchPreview) -> None:
        ids = found.first if found.count == 1 else f"{found.first} … {found.last}"
        cert = f", each with {found.cert_id} — {found.cert_name}" if found.cert_id else ""
        self._show_preview(f"{plural(found.count, 'serial')}: {ids}{cert}", error=False)

    def _show_preview(self, text: str, error: bool) -> None:
        self.preview_line.setText(text)
        self.preview_line.setStyleSheet("color: #b00020;" if error else "color: #1b5e20;")
        self.previewed.emit(text)

    def import_list(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Import serial numbers", folder,
                                              "CSV or text files (*.csv *.txt);;All files (*)")
        if not path:
            return
        self.database.submit(queries.read_list_file, path, owner=self,
                             on_done=lambda answer: self._on_list_read(path, *answer), on_failed=self._on_failed)

    def _on_list_read(self, path: str, text: str, count: int) -> None:
        self.by_list.setChecked(True)
        self.listed.setPlainText(text)
        self.notice.show_message(f"Read {plural(count, 'serial number')} from {Path(path).name}. Check the preview, "
                                 "then Make serials.", "info", tooltip=path)
        self.list_imported.emit(count)

    # --- making it -----------------------------------------------------------------------------

    def make(self) -> None:
        job_id = self.job.currentData()
        if job_id is None or self.progress is not None:
            if job_id is None:
                self.notice.show_message("Choose a job first: create one in the Jobs tab.", "error")
            return
        self.progress = progress = BatchProgress()
        count, pattern, listed = self._batch()
        self._set_running(True)
        self.progress_bar.setRange(0, count or 0)
        self.progress_bar.setValue(0)
        self.notice.show_message(f"Making serials for {job_id}…", "info")
        self.batch_started.emit()
        self.database.submit(queries.make_batch, job_id, self.user.id, count, pattern, listed,
                             self.cert.text().strip() or None, progress, owner=self, on_done=self._on_made,
                             on_failed=self._on_batch_failed)

    def cancel(self) -> None:
        if self.progress is not None:
            self.progress.cancel.set()
            self.cancel_button.setEnabled(False)
            self.notice.show_message("Cancelling: the batch is rolled back…", "warning")

    def _set_running(self, running: bool) -> None:
        self.make_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running)
        for field in (self.job, self.count, self.pattern, self.listed, self.cert, self.import_button,
                      self.by_pattern, self.by_list):
            field.setEnabled(not running)
        if running:
            self._poll.start()
        else:
            self._poll.stop()

    def _on_poll(self) -> None:
        if self.progress is not None and self.progress.total:
            self.progress_bar.setMaximum(self.progress.total)
            self.progress_bar.setValue(self.progress.done)

    def _finish(self) -> None:
        self.progress = None
        self._set_running(False)
        self.panel.reload()
        self._preview_timer.start()

    def _on_made(self, made: MadeBatch) -> None:
        self._finish()
        if made.cancelled:
            self.notice.show_message("Cancelled: nothing was written — no serial, no certificate attached, no audit "
                                     "entry.", "warning")
        else:
            self.batch = made
            ids = made.serial_ids
            span = ids[0] if len(ids) == 1 else f"{ids[0]} to {ids[-1]}"
            cert = f", each with {made.cert_id}" if made.cert_id else ""
            self.notice.show_message(f"Made {plural(len(ids), 'serial')} {span} for {made.job_id}{cert}.", "ok",
                                     action="Print labels…", second="Labels as PDF…",
                                     tooltip=f"Certificate: {made.cert_id} — {made.cert_name}" if made.cert_id else "")
        self.batch_done.emit(made)

    def _on_batch_failed(self, failure: Failure) -> None:
        self._finish()
        self.notice.show_message(f"No serial made: {failure.message}", "error")
        if failure.field in ("pattern", "count"):
            (self.pattern if failure.field == "pattern" else self.count).setFocus()
        self.batch_failed.emit(failure.message)

    def _batch_labels(self, pdf: bool) -> None:
        if self.batch is None or not self.batch.serial_ids:
            return
        labels = self.panel.labels
        (labels.save_pdf if pdf else labels.print_labels)(serial_ids=self.batch.serial_ids)

    def _on_failed(self, failure: Failure) -> None:
        self.notice.show_message(failure.message, "error")


@office_view("Serials", roles=("supervisor", "admin"), order=52, group=PLANT_SET_UP)
def build(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return SerialsView(database, user)
