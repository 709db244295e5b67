"""A certificate's documents in its detail pane: add (file dialog or drag and drop), open, remove,
and a PDF shown beside the list.

Every file goes to the core, which validates it by its bytes before anything is stored; its
messages are shown as they are. *Open* and *Remove* act on the chosen document, so they are
enabled only while one is chosen; *Add* always is, for the managers who see this view.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from app import documents
from app.certificates import CertificateRecord
from app.documents import DocumentRecord
from app.users import UserRecord
from app.words import DOCUMENT_TYPE, word
from ui import pdf_preview
from ui.office import look
from ui.office.certificate_form import ask_reason
from ui.office.common import local_time
from ui.worker import DatabaseWorker, Failure

HEADINGS = ("File", "Type", "Size", "Added", "By")


def ask_files(parent: QWidget) -> list[str]:
    files, _ = QFileDialog.getOpenFileNames(parent, "Add documents", "",
                                            "Documents (*.pdf *.jpg *.jpeg *.png *.doc *.docx);;All files (*)")
    return files


def open_in_viewer(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def local_files(event: QDragEnterEvent | QDropEvent) -> list[str]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and Path(url.toLocalFile()).is_file()]


class DocumentsPanel(QWidget):
    """The documents of one certificate; ``changed`` after one was stored or removed."""

    changed = Signal(str)  # the certificate's id: read it again
    added = Signal(object)  # DocumentRecord
    removed = Signal(object)  # DocumentRecord
    refused = Signal(str)  # the core's message
    said = Signal(str, str)  # what happened, and its state for the view's notice ("ok", "error")

    def __init__(self, database: DatabaseWorker, user: UserRecord, parent: QWidget | None = None):
        super().__init__(parent, objectName="documentsPanel")
        self.database, self.user = database, user
        self.record: CertificateRecord | None = None
        self.documents: list[DocumentRecord] = []
        self.ask_reason: Callable[[QWidget, str, str], str | None] = ask_reason
        self.ask_files: Callable[[QWidget], list[str]] = ask_files
        self.open_in_viewer: Callable[[Path], bool] = open_in_viewer
        self.setAcceptDrops(True)

        self.table = QTableWidget(0, len(HEADINGS), objectName="documentsTable")
        self.table.setHorizontalHeaderLabels(list(HEADINGS))
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # A long file name wraps in its cell rather than being cut: rows grow once the width is known.
        self._fit_rows = QTimer(self, singleShot=True, interval=0)
        self._fit_rows.timeout.connect(self.table.resizeRowsToContents)
        header.sectionResized.connect(lambda column, *_: column == 0 and self._fit_rows.start())
        self.table.doubleClicked.connect(self.open_selected)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.empty = QLabel("No document yet. Add the scanned certificate, or drop its file here "
                            "(PDF, JPEG, PNG, DOC or DOCX, 10 MB at most).", objectName="hint", wordWrap=True)

        self.add_button = look.button("Add…", "addDocument", primary=True)
        self.open_button = look.button("Open", "openDocument")
        self.remove_button = look.button("Remove…", "removeDocument", danger=True)
        self.add_button.clicked.connect(self.add_from_dialog)
        self.open_button.clicked.connect(self.open_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QVBoxLayout()
        for button in (self.add_button, self.open_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.preview = pdf_preview.PdfPreview(self)
        self.preview.caption.setWordWrap(True)
        self.preview.setMinimumWidth(220)
        self.preview.setMinimumHeight(120)

        listing = QVBoxLayout()
        listing.setContentsMargins(0, 0, 0, 0)
        listing.addWidget(self.table, 1)
        listing.addWidget(self.empty)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(listing, 3)
        layout.addLayout(buttons)
        layout.addWidget(self.preview, 2)
        self.show_documents(None, [], {})

    # --- what is shown -------------------------------------------------------------------------

    def show_documents(self, record: CertificateRecord | None, found: list[DocumentRecord],
                       user_names: dict[str, str]) -> None:
        """The documents of ``record`` as the detail read them; the first one chosen."""
        chosen = self.selected()
        self.record, self.documents = record, list(found)
        self.preview.clear()
        self.table.setRowCount(len(found))
        for row, document in enumerate(found):
            cells = (
                (document.file_name, f"{document.sha256}"),
                (word(DOCUMENT_TYPE, document.content_type), document.content_type),
                (_size(document.size), f"{document.size:,} bytes"),
                (local_time(document.uploaded_at)[:16], f"{document.uploaded_at.isoformat(timespec='seconds')} UTC"),
                (user_names.get(document.uploaded_by, document.uploaded_by), document.uploaded_by),
            )
            for column, (text, tip) in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(found))
        self.empty.setVisible(record is not None and not found)
        self.add_button.setEnabled(record is not None)
        keep = next((n for n, d in enumerate(found) if chosen is not None and d.id == chosen.id), 0)
        if found:
            self.table.selectRow(keep)
        self._update_buttons()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._fit_rows.start()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_rows.start()

    def selected(self) -> DocumentRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.documents[rows[0].row()] if rows and rows[0].row() < len(self.documents) else None

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.open_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    def _say(self, text: str, error: bool = False) -> None:
        self.said.emit(text, "error" if error else "ok")

    def _on_failed(self, failure: Failure) -> None:
        self._say(failure.message, error=True)
        self.refused.emit(failure.message)

    # --- adding --------------------------------------------------------------------------------

    def add_from_dialog(self) -> None:
        for path in self.ask_files(self):
            self.add_file(path)

    def add_file(self, path: str) -> None:
        if self.record is None:
            return
        self.database.submit(documents.add_document, self.record.id, path, self.user.id, owner=self,
                             on_done=self._on_added, on_failed=self._on_failed)

    def _on_added(self, document: DocumentRecord) -> None:
        self._say(f"Stored {document.file_name} with {document.cert_id}")
        self.added.emit(document)
        self.changed.emit(document.cert_id)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if self.record is not None and local_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.record is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        files = local_files(event)
        if self.record is None or not files:
            event.ignore()
            return
        event.acceptProposedAction()
        for path in files:
            self.add_file(path)

    # --- the chosen document -------------------------------------------------------------------

    def _on_table_selection_changed(self) -> None:
        self._update_buttons()
        self.preview.clear()
        document = self.selected()
        if document is not None and document.content_type == "application/pdf":
            # Shown only once the worker found the stored bytes to be the recorded ones.
            self.database.submit(documents.checked_path, document.cert_id, document.id, owner=self,
                                 on_done=lambda path: self._on_preview_checked(document, path),
                                 on_failed=self._on_failed)

    def _on_preview_checked(self, document: DocumentRecord, path: Path) -> None:
        if self.selected() == document:
            self.preview.show_file(path, document.file_name)

    def open_selected(self, *_: object) -> None:
        document = self.selected()
        if document is None:
            return
        self.database.submit(documents.checked_path, document.cert_id, document.id, owner=self,
                             on_done=lambda path: self._on_open_checked(document, path), on_failed=self._on_failed)

    def _on_open_checked(self, document: DocumentRecord, path: Path) -> None:
        if not self.open_in_viewer(path):
            self._say(f"No program on this computer could open {document.file_name}", error=True)

    def remove_selected(self) -> None:
        document = self.selected()
        if document is None or self.record is None:
            return
        reason = self.ask_reason(self, "Remove document",
                                 f"Why remove {document.file_name}? An approval of the documents is withdrawn.")
        if reason is None:
            return
        self.database.submit(documents.remove_document, self.record.id, document.id, self.user.id, reason,
                             owner=self, on_done=self._on_removed, on_failed=self._on_failed)

    def _on_removed(self, document: DocumentRecord) -> None:
        self._say(f"Removed {document.file_name} from {document.cert_id}")
        self.removed.emit(document)
        self.changed.emit(document.cert_id)


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"

