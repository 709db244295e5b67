"""The Users view's dialogs: a user (id, name, role, badge scanned in, a first PIN) and a PIN typed twice.

The forms check one thing themselves, that a PIN typed twice is the same twice; every rule of the
core (ids, names that must differ, badge codes, the PIN's digits for the role) is the core's, said
beside the field it names while the dialog stays open.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.users import UserRecord
from app.words import ROLE
from ui.office import look

DIFFERENT_PINS = "The two PINs differ: type the same PIN twice."


class ScanField(QLineEdit):
    """A field a badge is scanned into: the scanner types the code and presses Enter, which moves on to
    the next field instead of pressing the dialog's default button with half a form filled."""

    scanned = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.scanned.emit(self.text().strip())
            self.focusNextChild()
            return
        super().keyPressEvent(event)


def pin_field(name: str) -> QLineEdit:
    field = QLineEdit(objectName=name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(12)
    return field


def _error(name: str) -> QLabel:
    label = QLabel(objectName=name, wordWrap=True)
    label.setStyleSheet("color: #b00020;")
    label.hide()
    return label


class _Form(QDialog):
    """Fields with an error line under each; ``submitted`` with the values when Save is pressed."""

    submitted = Signal(dict)

    def __init__(self, name: str, title: str, parent: QWidget | None):
        super().__init__(parent, objectName=name)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        self.form = look.form()
        self.general_error = _error("formError")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.first_field().setFocus()  # typing (or scanning) starts at once

    def first_field(self) -> QWidget:
        return next(iter(self.fields.values()))

    def add(self, key: str, label: str, widget: QWidget, hint: str = "") -> None:
        self.fields[key] = widget
        self.errors[key] = _error(f"error_{key}")
        parts = [widget, self.errors[key]] + ([look.hint(hint)] if hint else [])
        self.form.addRow(label, look.stack(*parts))

    def clear_errors(self) -> None:
        for label in (*self.errors.values(), self.general_error):
            label.clear()
            label.hide()

    def show_error(self, message: str, field: str | None = None) -> None:
        """The core's refusal beside the field it names (a PIN's beside the first PIN field)."""
        label = self.errors.get(field or "") or self.general_error
        if field is None and message.startswith("PIN") and "pin" in self.errors:
            label = self.errors["pin"]
        label.setText(message)
        label.show()
        widget = self.fields.get(field or "")
        if widget is not None:
            widget.setFocus()

    def pins_match(self) -> bool:
        if "pin" in self.fields and self.fields["pin"].text() != self.fields["pin_again"].text():
            self.show_error(DIFFERENT_PINS, "pin_again")
            return False
        return True

    def save(self) -> None:
        self.clear_errors()
        if self.pins_match():
            self.submitted.emit(self.values())

    def values(self) -> dict[str, Any]:
        raise NotImplementedError


class UserForm(_Form):
    """Add a user (``record`` None) or change one's name, role and badge; a new PIN goes with a new user
    or with a role that needs a longer one."""

    def __init__(self, record: UserRecord | None = None, parent: QWidget | None = None):
        super().__init__("userForm", f"User {record.name}" if record else "New user", parent)
        self.record = record
        self.id_field = QLineEdit(record.id if record else "", objectName="userId", readOnly=record is not None)
        self.name_field = QLineEdit(record.name if record else "", objectName="userName")
        self.role = QComboBox(objectName="userRole")
        for code in ROLE:  # every role, in the core's order
            self.role.addItem(ROLE.get(code, code), code)
        self.role.setCurrentIndex(self.role.findData(record.role if record else "operator"))
        self.badge = ScanField(record.badge if record else "", objectName="userBadge",
                               placeholderText="scan the badge, or type its code")
        self.pin = pin_field("userPin")
        self.pin_again = pin_field("userPinAgain")
        if record is None:
            self.add("id", "User id", self.id_field, "The code the audit trail names them by; it never changes.")
        self.add("name", "Name", self.name_field)
        self.add("role", "Role", self.role)
        self.add("badge", "Badge", self.badge)
        pin_hint = ("Optional: without a PIN an operator signs in by badge alone. Supervisors and administrators "
                    "need one to act." if record is None else
                    "Only with a role that needs a longer PIN than the user has; otherwise leave it empty.")
        self.add("pin", "PIN" if record is None else "New PIN", self.pin, pin_hint)
        self.add("pin_again", "PIN again", self.pin_again)

    def values(self) -> dict[str, Any]:
        return {"id": self.id_field.text().strip(), "name": self.name_field.text().strip(),
                "role": self.role.currentData(), "badge": self.badge.text().strip(), "pin": self.pin.text() or None}

    def changes(self) -> dict[str, Any]:
        """What an edit changes, as ``app.user_admin.update_user`` takes it (unchanged fields left out)."""
        values, record = self.values(), self.record
        assert record is not None
        found = {key: values[key] for key in ("name", "role", "badge") if values[key] != getattr(record, key)}
        if values["pin"]:
            found["pin"] = values["pin"]
        return found


class PinDialog(_Form):
    """A new PIN for ``record``, typed twice, masked."""

    def __init__(self, record: UserRecord, parent: QWidget | None = None):
        super().__init__("pinDialog", f"PIN of {record.name}", parent)
        self.record = record
        self.pin = pin_field("newPin")
        self.pin_again = pin_field("newPinAgain")
        self.add("pin", "New PIN", self.pin, "Digits only: an operator's PIN has 4 to 12, a supervisor's or "
                 "administrator's as many as the plant's rules ask (6 or more).")
        self.add("pin_again", "PIN again", self.pin_again)
        self.save_button.setText("Set PIN")

    def values(self) -> dict[str, Any]:
        return {"pin": self.pin.text()}
