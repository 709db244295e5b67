"""The certificate form: create or edit every field, each error next to its field.

The form validates nothing itself: it hands the fields to the core (in the worker) and shows
the core's message beside the field the core names (``Invalid.field``). Saving an edit asks
for a reason. (A certificate's history is in its detail pane, ``ui.office.certificate_detail``.)
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app import certificates
from app.bounds import parse_json
from app.certificates import (
    CERT_KINDS,
    EDITABLE_FIELDS,
    EN10204_TYPES,
    RESOURCE_TYPES,
    VALIDITY_UNITS,
    CertificateRecord,
    add_validity,
)
from app.errors import Invalid
from app.users import UserRecord
from ui.worker import DatabaseWorker, Failure

LABELS = {
    "id": "Id", "name": "Name", "kind": "Kind", "number": "Number", "en10204_type": "EN 10204 type",
    "heat_lot": "Heat / lot", "resource_type": "Certifies", "resource_id": "Resource id",
    "date_release": "Release date", "date_expire": "Expiry date", "validity": "Validity",
    "validity_unit": "Validity unit", "warning": "Warning days", "note": "Note", "data": "Data (JSON)",
}


def ask_reason(parent: QWidget, title: str, prompt: str) -> str | None:
    """A reason typed by the person; None when cancelled."""
    text, ok = QInputDialog.getText(parent, title, prompt)
    return text if ok else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class CertificateForm(QDialog):
    """Create (``record`` None) or edit a certificate; ``saved`` with the stored record."""

    saved = Signal(object)  # CertificateRecord
    rejected_by_core = Signal(str, str)  # message, field ("" when it names none)

    def __init__(self, database: DatabaseWorker, user: UserRecord, record: CertificateRecord | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent, objectName="certificateForm")
        self.database, self.user, self.record = database, user, record
        self.ask_reason: Callable[[QWidget, str, str], str | None] = ask_reason
        self.setWindowTitle(f"Certificate {record.id}" if record else "New certificate")
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}

        fields = QWidget()
        form = QFormLayout(fields)
        for name in ("id", *EDITABLE_FIELDS):
            widget = self._make_input(name)
            self.inputs[name] = widget
            error = QLabel(objectName=f"error_{name}")
            error.setStyleSheet("color: #b00020;")
            error.setWordWrap(True)
            error.hide()
            self.errors[name] = error
            cell = QWidget()
            row = QHBoxLayout(cell)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(widget, 1)
            if name == "date_expire":
                self.computed_expiry = QLabel(objectName="computedExpiry")
                row.addWidget(self.computed_expiry)
            column = QVBoxLayout()
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(cell)
            column.addWidget(error)
            holder = QWidget()
            holder.setLayout(column)
            form.addRow(LABELS[name], holder)
        self.general_error = QLabel(objectName="formError")
        self.general_error.setStyleSheet("color: #b00020;")
        self.general_error.setWordWrap(True)
        self.general_error.hide()

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(fields)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

        for name in ("date_release", "validity"):
            self.inputs[name].textChanged.connect(self._update_computed_expiry)
        self.inputs["date_expire"].textChanged.connect(self._update_computed_expiry)
        self.inputs["validity_unit"].currentTextChanged.connect(self._update_computed_expiry)
        if record is not None:
            self._fill(record)
            self.inputs["id"].setReadOnly(True)
        self._update_computed_expiry()

    # --- fields --------------------------------------------------------------------------------

    def _make_input(self, name: str) -> QWidget:
        choices = {"kind": CERT_KINDS, "en10204_type": ("", *EN10204_TYPES), "resource_type": RESOURCE_TYPES,
                   "validity_unit": ("", *VALIDITY_UNITS)}
        if name in choices:
            box = QComboBox(objectName=f"field_{name}")
            box.addItems(list(choices[name]))
            if name == "resource_type":
                box.setCurrentText("other")
            return box
        if name in ("note", "data"):
            edit = QPlainTextEdit(objectName=f"field_{name}")
            edit.setFixedHeight(54)
            return edit
        edit = QLineEdit(objectName=f"field_{name}")
        if name.startswith("date_"):
            edit.setPlaceholderText("YYYY-MM-DD")
        if name == "warning":
            edit.setPlaceholderText("0")
        return edit

    def _fill(self, record: CertificateRecord) -> None:
        for name, widget in self.inputs.items():
            value = getattr(record, name)
            if isinstance(widget, QComboBox):
                widget.setCurrentText(_text(value))
            elif name == "data":
                widget.setPlainText(json.dumps(value) if value else "")  # type: ignore[attr-defined]
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(_text(value))
            else:
                widget.setText(_text(value))

    def value(self, name: str) -> str:
        widget = self.inputs[name]
        if isinstance(widget, QComboBox):
            return widget.currentText()
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText()
        return widget.text()  # type: ignore[attr-defined]

    def fields(self) -> dict[str, Any] | None:
        """The fields as the core takes them; None (and the error shown) when the data is not JSON."""
        values: dict[str, Any] = {name: self.value(name).strip() or None for name in self.inputs}
        if values["data"]:
            try:  # the core's bounded parser: deep nesting is refused, not a RecursionError
                values["data"] = parse_json(values["data"], "Data", "data")
            except Invalid as error:
                self.show_error(error.message, "data")
                return None
        else:
            values["data"] = {}
        if self.record is not None and not values["date_expire"] and self.record.date_expire is not None:
            values["date_expire"] = None
        return values

    def _update_computed_expiry(self, *_: object) -> None:
        """Expiry from release + validity, live, when no expiry date is typed."""
        label = self.computed_expiry
        if self.value("date_expire").strip():
            label.setText("")
            return
        try:
            release = dt.date.fromisoformat(self.value("date_release").strip())
            validity = int(self.value("validity").strip())
            unit = self.value("validity_unit")
            if validity < 1 or unit not in VALIDITY_UNITS:
                raise ValueError
            expire = add_validity(release, validity, unit)  # ValueError past the calendar's end
        except ValueError:
            label.setText("no expiry" if not self.value("validity").strip() else "")
            return
        label.setText(f"expires {expire.isoformat()}")

    # --- saving --------------------------------------------------------------------------------

    def clear_errors(self) -> None:
        for label in (*self.errors.values(), self.general_error):
            label.clear()
            label.hide()

    def show_error(self, message: str, field: str | None) -> None:
        label = self.errors.get(field or "", self.general_error)
        label.setText(message)
        label.show()
        if field in self.inputs:
            self.scroll.ensureWidgetVisible(self.inputs[field])
            self.inputs[field].setFocus()
        self.rejected_by_core.emit(message, field or "")

    def save(self) -> None:
        self.clear_errors()
        values = self.fields()
        if values is None:
            return
        if self.record is None:
            self.database.submit(certificates.create_certificate, values, self.user.id, owner=self, on_done=self._on_saved,
                                 on_failed=self._on_failed)
            return
        changes = {name: values[name] for name in EDITABLE_FIELDS if values[name] != _stored(self.record, name)}
        if not changes:
            self.accept()
            return
        reason = self.ask_reason(self, "Reason for the change",
                                 f"Why change {', '.join(LABELS[n] for n in changes)} of {self.record.id}?")
        if reason is None:
            return
        self.database.submit(certificates.update_certificate, self.record.id, changes, self.user.id, reason,
                             owner=self, on_done=self._on_saved, on_failed=self._on_failed)

    def _on_saved(self, result: Any) -> None:
        self.record = result
        self.saved.emit(result)
        self.accept()

    def _on_failed(self, failure: Failure) -> None:
        self.show_error(failure.message, failure.field)


def _stored(record: CertificateRecord, name: str) -> Any:
    value = getattr(record, name)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and name != "data":
        return str(value)
    if name == "data":
        return value or {}
    return value if value not in ("",) else None

