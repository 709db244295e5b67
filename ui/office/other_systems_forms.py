"""The Other systems view's dialogs: a new API token, a new webhook subscription, and the one showing of
a secret Certline keeps no readable copy of (a token) or shows nowhere else (a webhook's signing secret).

The forms check nothing themselves beyond what a check box can say; the core's refusals (a name too
long, a URL without a host, a secret too short) are said beside the field they name.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QGridLayout, QLabel, QLineEdit,
                               QSpinBox, QVBoxLayout, QWidget)

from app.outbox import EVENT_TYPES
from app.tokens import DEFAULT_SCOPES, MAX_DAYS, SCOPES
from app.users import UserRecord
from app.words import ROLE, TOKEN_SCOPE, WEBHOOK_EVENT, word
from ui.office import look
from ui.office.user_form import _Form  # the office's form: fields, an error line under each, Save

SCOPE_HINT = {"read": "serials, certificates, attachments, documents",
              "attach": "certificates to serials, serials made with one",
              "certificates": "create, change, delete", "documents": "add, check, remove"}


def _checks(codes: tuple[str, ...], words: dict[str, str], prefix: str, checked: tuple[str, ...],
            tips: dict[str, str] | None = None) -> tuple[QWidget, dict[str, QCheckBox]]:
    box = QWidget()
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    boxes = {}
    for n, code in enumerate(codes):
        text = word(words, code)
        check = QCheckBox(text[:1].upper() + text[1:], objectName=f"{prefix}_{code.split('::')[-1].lower()}")
        check.setChecked(code in checked)
        check.setToolTip(f"{(tips or {}).get(code, '')} ({code})".lstrip())
        grid.addWidget(check, n // 2, n % 2)
        boxes[code] = check
    return box, boxes


class TokenForm(_Form):
    """A new token: what uses it, whose it is, what it may do, when it stops working."""

    def __init__(self, holders: list[UserRecord], parent: QWidget | None = None):
        super().__init__("tokenForm", "New API token", parent)
        self.name_field = QLineEdit(objectName="tokenName", placeholderText="e.g. MES line 3")
        self.holder = QComboBox(objectName="tokenUser")
        for user in holders:
            self.holder.addItem(f"{user.name} ({word(ROLE, user.role).lower()})", user.id)
            self.holder.setItemData(self.holder.count() - 1, f"User id: {user.id}", Qt.ItemDataRole.ToolTipRole)
        box, self.scopes = _checks(SCOPES, TOKEN_SCOPE, "scope", DEFAULT_SCOPES, SCOPE_HINT)
        self.days = QSpinBox(objectName="tokenDays", minimum=0, maximum=MAX_DAYS, value=365, suffix=" days")
        self.days.setSpecialValueText("Never")
        self.add("name", "Name", self.name_field, "What uses it, so that whoever reads the list knows.")
        self.add("user", "Acts as", self.holder, "It can do what this user's role allows, never more.")
        self.add("scopes", "May", box)
        self.add("expires", "Expires after", self.days, f"1 to {MAX_DAYS} days; Never is 0.")
        self.save_button.setText("Make token")

    def values(self) -> dict[str, Any]:
        return {"name": self.name_field.text().strip(), "user": self.holder.currentData(),
                "scopes": [code for code, check in self.scopes.items() if check.isChecked()],
                "days": self.days.value() or None}


class WebhookForm(_Form):
    """A new subscription: where to send, which events, and the secret (made by Certline, or typed)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("webhookForm", "New webhook", parent)
        self.url = QLineEdit(objectName="webhookUrl", placeholderText="https://erp.plant.local/hooks/certline")
        box, self.events = _checks(EVENT_TYPES, WEBHOOK_EVENT, "event", EVENT_TYPES)
        self.secret = QLineEdit(objectName="webhookSecret", placeholderText="leave empty: Certline makes one")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.add("url", "URL", self.url, "Where each event is sent, as a signed POST.")
        self.add("event_types", "Events", box, "None ticked is all of them.")
        self.add("secret", "Secret", self.secret, "Signs every event. Empty: a new one, shown to you once. "
                 "Typed: at least 16 characters the receiver already has.")
        self.setMinimumWidth(600)
        self.save_button.setText("Add webhook")

    def values(self) -> dict[str, Any]:
        return {"url": self.url.text().strip(), "secret": self.secret.text() or None,
                "event_types": [code for code, check in self.events.items() if check.isChecked()]}


class SecretDialog(QDialog):
    """A secret shown this once, selectable and copyable, with what to do with it."""

    def __init__(self, title: str, what: str, secret: str, parent: QWidget | None = None):
        super().__init__(parent, objectName="secretDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(640)
        self.field = QLineEdit(secret, objectName="secretField", readOnly=True)
        self.field.setMinimumWidth(self.field.fontMetrics().horizontalAdvance(secret) + 24)
        self.copy_button = look.button("Copy", "copySecret", primary=True)
        self.copied = QLabel(objectName="secretCopied")
        self.copy_button.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(what, objectName="secretWhat", wordWrap=True))
        layout.addLayout(look.row(self.field, 1, self.copy_button, stretch=False))
        layout.addWidget(self.copied)
        layout.addWidget(QLabel("It will not be shown again: Certline keeps no copy it can show. "
                                "Copy it now; if it is lost, make a new one.", objectName="secretOnce",
                                wordWrap=True))
        layout.addWidget(buttons)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.field.selectAll()
        self.field.setFocus()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.field.text())
        self.copied.setText("Copied to the clipboard.")
