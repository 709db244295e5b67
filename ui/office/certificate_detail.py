"""The chosen certificate in full: every field in words, its documents, its approval, its history,
and what can be done with it (edit, revoke, delete, approve).

What it shows comes from ``app.queries.certificates`` as plain records (``detail``, ``approval``,
``history_lines``): the pane reads nothing out of audit entries itself. Times are the
workstation's, with UTC in the tool tip; people by name, with their id in the tool tip.
"""
from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit, QScrollArea,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from app import documents
from app.certificates import CertificateRecord, state_words
from app.clock import today
from app.queries import certificates as queries
from app.queries.certificates import Approval, CertificateDetail, HistoryLine
from app.users import UserRecord
from app.words import AUDIT_TYPE, CERT_KIND, CERT_STATUS, REVIEW_STATUS, REVIEW_WAITING, word
from ui.office import look
from ui.office.certificate_form import LABELS
from ui.office.common import local_time
from ui.office.documents_panel import DocumentsPanel
from ui.worker import DatabaseWorker, Failure

CERTIFIES = {"material_lot": "Material lot", "person": "Person", "equipment": "Equipment", "other": "Other"}
UNITS = {"DAY": ("day", "days"), "MONTH": ("month", "months"), "YEAR": ("year", "years")}
FIELDS = ("kind", "number", "en10204_type", "heat_lot", "resource_type", "date_release", "date_expire", "validity",
          "warning", "status", "note", "data")


def ask_pin(parent: QWidget, prompt: str) -> str | None:
    text, ok = QInputDialog.getText(parent, "Approve with your PIN", prompt, QLineEdit.EchoMode.Password)
    return text if ok else None


def field_text(record: CertificateRecord, name: str) -> str:
    """One field of the certificate as a person reads it; empty when it has no value."""
    value = getattr(record, name)
    if name == "kind":
        return word(CERT_KIND, value)
    if name == "status":
        return word(CERT_STATUS, value)
    if name == "resource_type":
        what = CERTIFIES.get(value, value)
        return f"{what}: {record.resource_id}" if record.resource_id else ("" if value == "other" else what)
    if name == "date_expire":
        if value is None:
            return "Never expires"
        state = state_words(record, today())
        return value.isoformat() if state.endswith(value.isoformat()) else f"{value.isoformat()} ({state})"
    if name == "validity":
        one, many = UNITS.get(record.validity_unit or "", ("", ""))
        return f"{value} {one if value == 1 else many}".strip() if value else ""
    if name == "warning":
        return f"{value} day{'' if value == 1 else 's'} before it expires" if value else ""
    if name == "data":
        return json.dumps(value, ensure_ascii=False) if value else ""
    return value.isoformat() if hasattr(value, "isoformat") else ("" if value is None else str(value))


def approval_text(record: CertificateRecord, found: Approval | None) -> tuple[str, str]:
    """The approval in one or two sentences, and its tool tip (UTC, the user's id)."""
    if found is not None:
        documents_word = f"{found.documents} document{'' if found.documents == 1 else 's'}"
        return (f"Approved by {found.user_name} on {local_time(found.at)[:16]}.\n"
                f"Meaning of the signature: {found.meaning}. It covers {documents_word}.",
                f"{found.user_id}, {found.at.isoformat(timespec='seconds')} UTC")
    status = word(REVIEW_STATUS, record.review_status)
    return f"{status}. {REVIEW_WAITING.get(record.review_status, '')}".strip(), ""


class CertificateDetailPane(QWidget):
    """One certificate: heading and actions, then tabs for its fields and approval, documents, history."""

    shown = Signal(object)  # CertificateDetail
    history_loaded = Signal(list)  # HistoryLine
    changed = Signal(object)  # CertificateRecord as it is now (documents or approval changed)
    approved = Signal(dict)  # the signature
    refused = Signal(str)
    said = Signal(str, str)  # a message for the view's notice, and its state

    def __init__(self, database: DatabaseWorker, user: UserRecord, parent: QWidget | None = None):
        super().__init__(parent, objectName="certificateDetail")
        self.database, self.user = database, user
        self.detail: CertificateDetail | None = None
        self.cert_id: str | None = None  # the certificate shown, or asked for last
        self.ask_pin = ask_pin

        self.placeholder = QLabel("Choose a certificate in the list to see its fields, documents, approval "
                                  "and history.", objectName="hint", wordWrap=True)
        self.title = QLabel(objectName="detailTitle", wordWrap=True,
                            textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setStyleSheet("font-size: 17px; font-weight: bold; color: #16324f;")
        self.summary = QLabel(objectName="detailSummary", wordWrap=True)
        self.edit_button = look.button("Edit…", "editCertificate")
        self.approve_button = look.button("Approve…", "approveCertificate", primary=True)
        self.revoke_button = look.button("Revoke…", "revokeCertificate", danger=True)
        self.delete_button = look.button("Delete…", "deleteCertificate", danger=True)
        self.approve_button.clicked.connect(self.approve)
        top = QHBoxLayout()
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(self.title)
        heading.addWidget(self.summary)
        top.addLayout(heading, 1)
        for button in (self.edit_button, self.approve_button, self.revoke_button, self.delete_button):
            top.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)

        self.values: dict[str, QLabel] = {}
        fields = QWidget(objectName="detailFields")
        form = QFormLayout(fields)
        form.setContentsMargins(8, 8, 8, 8)
        form.setVerticalSpacing(4)
        for name in FIELDS:
            value = QLabel(objectName=f"value_{name}", wordWrap=True,
                           textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[name] = value
            form.addRow(QLabel(LABELS.get(name, "Status").replace(" (JSON)", "")), value)
        self.approval = QLabel(objectName="approvalSummary", wordWrap=True)
        approval_box = QWidget()
        approval_layout = QVBoxLayout(approval_box)
        approval_layout.setContentsMargins(8, 8, 8, 8)
        approval_layout.addWidget(look.section("Approval"))
        approval_layout.addWidget(self.approval)
        approval_layout.addStretch(1)
        about = QWidget()
        about_layout = QHBoxLayout(about)
        about_layout.setContentsMargins(0, 0, 0, 0)
        about_layout.addWidget(fields, 3)
        about_layout.addWidget(approval_box, 2)
        scroll = QScrollArea(objectName="detailScroll", widgetResizable=True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(about)

        self.documents = DocumentsPanel(database, user)
        self.documents.changed.connect(self.refresh)
        self.documents.said.connect(self.said)
        self.documents.refused.connect(self.refused)
        self.history = QTableWidget(0, 4, objectName="historyTable")
        self.history.setHorizontalHeaderLabels(["When", "What happened", "By", "Reason"])
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history.setWordWrap(True)
        self.history.verticalHeader().hide()
        header = self.history.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.sectionResized.connect(lambda *_: self.history.resizeRowsToContents())
        self.tabs = QTabWidget(objectName="detailTabs")
        self.tabs.addTab(scroll, "Details and approval")
        self.tabs.addTab(self.documents, "Documents")
        self.tabs.addTab(self.history, "History")

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(top)
        body.addWidget(self.tabs, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.body, 1)
        self.clear()

    @property
    def record(self) -> CertificateRecord | None:
        return self.detail.record if self.detail else None

    # --- what is shown -------------------------------------------------------------------------

    def clear(self) -> None:
        self.detail, self.cert_id = None, None
        self.body.hide()
        self.placeholder.show()
        self.documents.show_documents(None, [], {})

    def show_certificate(self, cert_id: str | None) -> None:
        """Read ``cert_id``'s detail and history (None: show nothing)."""
        if cert_id is None:
            self.clear()
            return
        self.cert_id = cert_id
        self.database.submit(queries.detail, cert_id, owner=self, on_done=self._on_detail, on_failed=self._on_failed)
        self.database.submit(queries.history_lines, cert_id, owner=self,
                             on_done=lambda lines: self._on_history(cert_id, lines), on_failed=self._on_failed)

    def refresh(self, *_: object) -> None:
        """Read the shown certificate again (a document or its approval changed); the list hears of it."""
        if self.cert_id is not None:
            self.show_certificate(self.cert_id)

    def _on_detail(self, found: CertificateDetail) -> None:
        if found.record.id != self.cert_id:
            return  # another certificate was chosen meanwhile
        changed = self.detail is not None and self.detail.record.id == found.record.id \
            and self.detail.record != found.record
        self.detail = found
        record = found.record
        self.title.setText(f"{record.id} — {record.name}")
        self.title.setToolTip(record.id)
        self.summary.setText(f"{word(CERT_KIND, record.kind)} · {state_words(record, today())} · "
                             f"{word(REVIEW_STATUS, record.review_status)}")
        for name, label in self.values.items():
            label.setText(field_text(record, name) or "—")
        text, tip = approval_text(record, found.approval)
        self.approval.setText(text)
        self.approval.setToolTip(tip)
        self.documents.show_documents(record, found.documents, found.user_names)
        self.tabs.setTabText(1, f"Documents ({len(found.documents)})")
        self.edit_button.setEnabled(True)
        self.approve_button.setEnabled(record.review_status == "uploaded")
        self.revoke_button.setEnabled(record.status == "active")
        self.delete_button.setEnabled(True)
        self.placeholder.hide()
        self.body.show()
        self.shown.emit(found)
        if changed:
            self.changed.emit(record)

    def _on_history(self, cert_id: str, lines: list[HistoryLine]) -> None:
        if cert_id != self.cert_id:
            return
        self.history.setRowCount(len(lines))
        for row, line in enumerate(lines):
            cells = ((local_time(line.at)[:16], f"{line.at.isoformat(timespec='seconds')} UTC"),
                     (line.sentence, word(AUDIT_TYPE, line.type)),
                     (line.user_name, line.user_id or ""),
                     (line.reason, line.reason))
            for column, (text, tip) in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                self.history.setItem(row, column, item)
        self.tabs.setTabText(2, f"History ({len(lines)})")
        self.history.setColumnWidth(3, 220)
        self.history.resizeRowsToContents()
        self.history_loaded.emit(lines)

    def _on_failed(self, failure: Failure) -> None:
        self.said.emit(failure.message, "error")
        self.refused.emit(failure.message)

    # --- approval ------------------------------------------------------------------------------

    def approve(self) -> None:
        record = self.record
        if record is None:
            return
        pin = self.ask_pin(self, f"{self.user.name}: your PIN to approve the documents of {record.id}")
        if pin is None:
            return
        self.database.submit(documents.approve_certificate, record.id, self.user.id, pin, owner=self,
                             on_done=self._on_approved, on_failed=self._on_failed)

    def _on_approved(self, signature: dict) -> None:
        self.said.emit(f"Approved the documents of {self.cert_id}, signed by {signature['printedName']}", "ok")
        self.approved.emit(signature)
        self.refresh()
