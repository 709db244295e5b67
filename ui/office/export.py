"""The export buttons of a report: CSV streamed with a cancellable progress dialog, and PDF; both made
in the worker, the same files the command line writes."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QProgressDialog, QPushButton, QWidget)

from app.queries import audit_views as queries
from app.queries.audit_views import ExportJob, ExportResult
from app.users import UserRecord
from ui.worker import DatabaseWorker, Failure


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


