"""The export buttons of a report: CSV streamed with a cancellable progress dialog, and PDF; both made
in the worker, the same files the command line writes. The file is offered under a name that says what
it holds, and once written the notice under the buttons says where, with *Open folder*."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QStandardPaths, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QProgressDialog, QVBoxLayout, QWidget

from app.queries import exports
from app.queries.exports import ExportJob, ExportResult
from app.users import UserRecord
from ui.office import look
from ui.worker import DatabaseWorker, Failure

Report = Callable[[], "tuple[str, dict] | None"]  # (view, options) as app.queries.exports takes them


def _start_folder() -> str:
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return documents if documents and Path(documents).is_dir() else str(Path.home())


class ExportButtons(QWidget):
    """CSV (streamed, with a cancellable progress dialog) and PDF of one report, both made in the worker;
    a notice below says what became of the last export.

    ``beside`` (the view's row count, say) sits at the left of the buttons' row, so the notice spans
    the whole width under both.
    """

    exported = Signal(str, str, int)  # "csv" or "pdf", path, rows
    export_failed = Signal(str)
    export_cancelled = Signal()

    last_folder = ""  # where the last export of this session went: the next one is offered there too

    def __init__(self, database: DatabaseWorker, user: UserRecord, report: Report,
                 total: Callable[[], int | None] = lambda: None, label: str = "", beside: QWidget | None = None):
        super().__init__(objectName="exportButtons")
        self._database, self._user, self._report, self._total = database, user, report, total
        self.csv_button = look.button(f"Export {label}CSV…", "exportCsv")
        self.pdf_button = look.button(f"Export {label}PDF…", "exportPdf")
        self.csv_button.clicked.connect(lambda: self._ask("csv"))
        self.pdf_button.clicked.connect(lambda: self._ask("pdf"))
        self.notice = look.Notice("exportNotice")
        self.notice.action_triggered.connect(self._on_notice_action_triggered)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        if beside is not None:
            row.addWidget(beside, 1)
        else:
            row.addStretch(1)
        row.addWidget(self.csv_button)
        row.addWidget(self.pdf_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(look.SPACING // 2)
        layout.addLayout(row)
        layout.addWidget(self.notice)
        self.progress: QProgressDialog | None = None
        self._job: ExportJob | None = None
        self._folder = ""
        self._available, self._busy = True, False
        self._timer = QTimer(self, interval=100)
        self._timer.timeout.connect(self._on_timer_timeout)

    def set_available(self, available: bool) -> None:
        """Whether there is a report to export (a certificate chosen, a serial shown); the notice stays usable."""
        self._available = available
        self.csv_button.setEnabled(available and not self._busy)
        self.pdf_button.setEnabled(available and not self._busy)

    def suggested_path(self, kind: str) -> str | None:
        """Where the save dialog starts: the last export's folder and a name saying what the file holds."""
        report = self._report()
        if report is None:
            return None
        view, options = report
        name = exports.export_file_name(view, options, dt.date.today(), kind)
        last = ExportButtons.last_folder
        return str(Path(last if last and Path(last).is_dir() else _start_folder()) / name)

    def _ask(self, kind: str) -> None:
        suggested = self.suggested_path(kind)
        if suggested is None:
            self.notice.show_message("There is nothing to export yet.", "info")
            return
        path, _ = QFileDialog.getSaveFileName(self, f"Export {kind.upper()}", suggested, f"{kind.upper()} (*.{kind})")
        if not path:
            return
        if not path.lower().endswith(f".{kind}"):
            path += f".{kind}"
        ExportButtons.last_folder = str(Path(path).parent)
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
        self._set_busy(True, f"Writing {Path(path).name}…")
        self._database.submit(exports.export_csv, view, options, path, job,
                              owner=self, on_done=lambda result: self._on_done("csv", result),
                              on_failed=self._on_failed)

    def export_pdf(self, path: str) -> None:
        report = self._report()
        if report is None:
            return
        view, options = report
        self._set_busy(True, f"Writing {Path(path).name}…")
        self._database.submit(exports.export_pdf, view, options, path, f"{self._user.name} ({self._user.id})",
                              owner=self, on_done=lambda result: self._on_done("pdf", result),
                              on_failed=self._on_failed)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.set_available(self._available)
        if busy:
            self.notice.show_message(text, "info")

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
            self.notice.show_message("Export cancelled: no file was written.", "warning")
            self.export_cancelled.emit()
            return
        self._folder = str(Path(result.path).parent)
        rows = f"{result.rows:,} row{'' if result.rows == 1 else 's'}"
        if result.total is not None and result.total > result.rows:
            rows = f"the first {result.rows:,} of {result.total:,} rows"
        self.notice.show_message(f"Saved {rows} to {result.path}", "ok", action="Open folder",
                                 tooltip=f"Folder: {self._folder}")
        self.exported.emit(kind, result.path, result.rows)

    def _on_failed(self, failure: Failure) -> None:
        self._close_progress()
        self._set_busy(False)
        self.notice.show_message(f"Not exported: {failure.message}", "error")
        self.export_failed.emit(failure.message)

    def _on_notice_action_triggered(self) -> None:
        if self._folder:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self._folder))
