"""A certificate's documents: add (file dialog or drag and drop), list, open, remove, approve.

Every file goes to the core, which validates it by its bytes before anything is
stored; its messages are shown as they are. Approval re-enters the supervisor's PIN
and shows the printed name, time and meaning of the signature.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import certificates, documents
from app.certificates import CertificateRecord
from app.queries import certificates as queries
from app.documents import DocumentRecord
from app.users import UserRecord
from ui import pdf_preview
from ui.office.certificate_form import ask_reason
from ui.worker import DatabaseWorker, Failure


def ask_pin(parent: QWidget, prompt: str) -> str | None:
    text, ok = QInputDialog.getText(parent, "Approve with your PIN", prompt, QLineEdit.EchoMode.Password)
    return text if ok else None


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
    """The documents of one certificate; ``changed`` after anything was stored, removed or approved."""

    changed = Signal(object)  # CertificateRecord as it is now
    added = Signal(object)  # DocumentRecord
    refused = Signal(str)  # the core's message
    approved = Signal(dict)  # the signature
    listed = Signal(list)

    def __init__(self, database: DatabaseWorker, user: UserRecord, parent: QWidget | None = None):
        super().__init__(parent, objectName="documentsPanel")
        self.database, self.user = database, user
        self.record: CertificateRecord | None = None
        self.documents: list[DocumentRecord] = []
        self.ask_reason: Callable[[QWidget, str, str], str | None] = ask_reason
        self.ask_pin: Callable[[QWidget, str], str | None] = ask_pin
        self.ask_files: Callable[[QWidget], list[str]] = ask_files
        self.open_in_viewer: Callable[[Path], bool] = open_in_viewer
        self.setAcceptDrops(True)

        self.title = QLabel("Documents", objectName="documentsTitle")
        self.title.setStyleSheet("font-weight: bold;")
        self.review = QLabel(objectName="reviewStatus")
        self.review.setWordWrap(True)
        self.table = QTableWidget(0, 4, objectName="documentsTable")
        self.table.setHorizontalHeaderLabels(["File", "Type", "Size", "Added (UTC)"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(self.open_selected)
        self.hint = QLabel("Drop PDF, JPEG, PNG, DOC or DOCX files here (10 MB at most)")
        self.hint.setStyleSheet("color: #555;")
        self.hint.setWordWrap(True)
        self.message = QLabel(objectName="documentsMessage")
        self.message.setWordWrap(True)
        self.add_button = QPushButton("Add…", objectName="addDocument", clicked=self.add_from_dialog)
        self.open_button = QPushButton("Open", objectName="openDocument", clicked=self.open_selected)
        self.remove_button = QPushButton("Remove…", objectName="removeDocument", clicked=self.remove_selected)
        self.approve_button = QPushButton("Approve…", objectName="approveCertificate", clicked=self.approve)
        buttons = QGridLayout()
        for n, button in enumerate((self.add_button, self.open_button, self.remove_button, self.approve_button)):
            buttons.addWidget(button, n // 2, n % 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.review)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.preview = pdf_preview.PdfPreview(self)
        self.preview.setMinimumHeight(240)
        layout.addWidget(self.preview, 2)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.show_certificate(None)

    # --- what is shown -------------------------------------------------------------------------

    def show_certificate(self, record: CertificateRecord | None) -> None:
        self.record = record
        self.documents = []
        self.table.setRowCount(0)
        self.message.clear()
        for button in (self.add_button, self.open_button, self.remove_button, self.approve_button):
            button.setEnabled(record is not None)
        self.title.setText(f"Documents of {record.id}" if record else "Documents")
        self.review.setText("" if record else "Choose a certificate")
        if record is not None:
            self.refresh()

    def refresh(self) -> None:
        if self.record is not None:
            self.database.submit(queries.document_state, self.record.id, owner=self, on_done=self._on_state,
                       on_failed=self._on_failed)

    def _on_state(self, state: Any) -> None:
        record, documents, signature = state
        if self.record is None or record.id != self.record.id:
            return  # another certificate was chosen meanwhile
        self.record, self.documents = record, documents
        self.table.setRowCount(len(documents))
        for row, document in enumerate(documents):
            for column, text in enumerate((document.file_name, document.content_type, _size(document.size),
                                           document.uploaded_at.strftime("%Y-%m-%d %H:%M"))):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self._show_review(record, signature)
        self.listed.emit(documents)

    def _show_review(self, record: CertificateRecord, signature: dict | None) -> None:
        if record.review_status == "approved" and signature:
            self.review.setText(f"Approved — {signature['printedName']}, {signature['signedAt']}, "
                                f"meaning: {signature['meaning']}")
            self.review.setStyleSheet("color: #1b5e20;")
        else:
            text = {"pending": "Review: pending — no document yet",
                    "uploaded": "Review: uploaded — documents not yet approved"}.get(record.review_status,
                                                                                     record.review_status)
            self.review.setText(text)
            self.review.setStyleSheet("")
        self.approve_button.setEnabled(record.review_status == "uploaded")

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "color: #1b5e20;")

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
        self.database.submit(documents.add_document, self.record.id, path, self.user.id, owner=self, on_done=self._on_added,
                             on_failed=self._on_failed)

    def _on_added(self, document: DocumentRecord) -> None:
        self._say(f"Stored {document.file_name}")
        self.added.emit(document)
        self._after_change()

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

    # --- the selected document -----------------------------------------------------------------

    def selected(self) -> DocumentRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.documents[rows[0].row()] if rows and rows[0].row() < len(self.documents) else None

    def _on_table_selection_changed(self) -> None:
        self.preview.clear()
        document = self.selected()
        if document is not None and document.content_type == "application/pdf":
            # Shown only once the worker found the stored bytes to be the recorded ones.
            self.database.submit(documents.checked_path, document.cert_id, document.id,
                       owner=self, on_done=lambda path: self._on_preview_checked(document, path), on_failed=self._on_failed)

    def _on_preview_checked(self, document: DocumentRecord, path: Path) -> None:
        if self.selected() == document:
            self.preview.show_file(path, document.file_name)

    def open_selected(self, *_: object) -> None:
        document = self.selected()
        if document is None:
            self._say("Choose a document first", error=True)
            return
        self.database.submit(documents.checked_path, document.cert_id, document.id,
                   owner=self, on_done=lambda path: self._on_open_checked(document, path), on_failed=self._on_failed)

    def _on_open_checked(self, document: DocumentRecord, path: Path) -> None:
        if not self.open_in_viewer(path):
            self._say(f"No viewer could open {document.file_name}", error=True)

    def remove_selected(self) -> None:
        document = self.selected()
        if document is None or self.record is None:
            self._say("Choose a document first", error=True)
            return
        reason = self.ask_reason(self, "Remove document", f"Why remove {document.file_name}?")
        if reason is None:
            return
        self.database.submit(documents.remove_document, self.record.id, document.id, self.user.id, reason,
                             owner=self, on_done=self._on_removed, on_failed=self._on_failed)

    def _on_removed(self, document: DocumentRecord) -> None:
        self._say(f"Removed {document.file_name}")
        self._after_change()

    # --- approval ------------------------------------------------------------------------------

    def approve(self) -> None:
        if self.record is None:
            return
        pin = self.ask_pin(self, f"{self.user.name}: your PIN to approve the documents of {self.record.id}")
        if pin is None:
            return
        self.database.submit(documents.approve_certificate, self.record.id, self.user.id, pin, owner=self, on_done=self._on_approved,
                             on_failed=self._on_failed)

    def _on_approved(self, signature: dict) -> None:
        self._say(f"Approved by {signature['printedName']} at {signature['signedAt']}")
        self.approved.emit(signature)
        self._after_change()

    def _after_change(self) -> None:
        if self.record is not None:
            self.database.submit(certificates.get_certificate, self.record.id, owner=self, on_done=self.changed.emit,
                       on_failed=self._on_failed)
        self.refresh()


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"

