"""An inline view of a PDF document (QtPdf), beside the list of a certificate's documents."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PdfPreview(QWidget):
    """One PDF at a time, the whole page width, scrolling through the pages."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, objectName="pdfPreview")
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.caption = QLabel("", objectName="pdfCaption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)

    def show_file(self, path: Path, name: str) -> bool:
        """Load ``path``; False (and a caption that says so) when Qt cannot read it."""
        error = self.document.load(str(path))
        if error != QPdfDocument.Error.None_:
            self.document.close()
            self.caption.setText(f"{name} cannot be shown here ({error.name}); use Open")
            return False
        self.caption.setText(f"{name} · {self.document.pageCount()} page(s)")
        return True

    def clear(self) -> None:
        self.document.close()
        self.caption.setText("")
