"""The PIN page: the PIN field, an on-screen keypad for touch stations, and Back.

Touch stations have no keyboard, so every key a PIN needs is on the screen, large enough for a
gloved finger. The keys never take the keyboard focus: the PIN field keeps it, so a keyboard
still types there and a badge scanned meanwhile still reaches the field, which hands it on
(``PinField.diverted``). The page names the user once, in large type; the banner above says what to do
and why a PIN was refused.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.text import shown
from ui.widgets import PinField

KEY_WIDTH, KEY_HEIGHT = 112, 76  # a gloved fingertip; the style sheet may make them larger, never smaller
BACKSPACE, CLEAR = "⌫", "Clear"


class PinPad(QWidget):
    """Digits, ⌫, Clear and OK as large keys that type into ``field`` without taking its focus."""

    submitted = Signal()

    def __init__(self, field: QLineEdit, ok_text: str = "OK", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pinPad")
        self.field = field
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        # 1 2 3 ⌫ / 4 5 6 Clear / 7 8 9 OK / 0 (wide), OK (tall): the telephone order people know.
        for index, digit in enumerate("123456789"):
            grid.addWidget(self._key(digit, self._on_digit), index // 3, index % 3)
        grid.addWidget(self._key("0", self._on_digit), 3, 0, 1, 3)
        grid.addWidget(self._key(BACKSPACE, self.field.backspace, "pinEdit"), 0, 3)
        grid.addWidget(self._key(CLEAR, self.field.clear, "pinEdit"), 1, 3)
        self.ok_button = self._key(ok_text, self.submitted.emit, "pinOk")
        self.ok_button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        grid.addWidget(self.ok_button, 2, 3, 2, 1)

    def _key(self, text: str, slot, name: str = "pinKey") -> QPushButton:
        key = QPushButton(text, objectName=name)
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        key.setMinimumSize(KEY_WIDTH, KEY_HEIGHT)
        key.setAutoDefault(False)
        key.clicked.connect(slot)
        self.keys[text] = key
        return key

    @Slot()
    def _on_digit(self) -> None:
        self.field.insert(self.sender().text())  # the field's length limit holds as for typed digits


class PinPage(QFrame):
    """What the station shows while it waits for a PIN: ``submitted`` (Enter or OK), ``cancelled`` (Esc or Back)."""

    submitted = Signal()
    cancelled = Signal()

    def __init__(self, ok_text: str = "Sign in", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pinPage")
        row = QHBoxLayout(self)
        row.setContentsMargins(24, 16, 24, 16)
        row.setSpacing(32)
        column = QVBoxLayout()
        column.setSpacing(12)
        self.name_label = QLabel("", objectName="bigPrompt", wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        column.addWidget(self.name_label)
        self.field = PinField()
        self.field.returnPressed.connect(self.submitted)
        self.field.cancelled.connect(self.cancelled)
        column.addWidget(self.field)
        column.addStretch(1)
        self.back_button = QPushButton("Back (Esc)", objectName="pinBack")
        self.back_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.back_button.setMinimumSize(200, KEY_HEIGHT)
        self.back_button.clicked.connect(self.cancelled)
        column.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        row.addLayout(column, 1)
        self.pad = PinPad(self.field, ok_text)
        self.pad.submitted.connect(self.submitted)
        row.addWidget(self.pad, 0, Qt.AlignmentFlag.AlignTop)

    def start(self, name: str) -> None:
        """A fresh prompt for ``name``: empty field with the focus."""
        self.name_label.setText(f"PIN for {shown(name)}")  # a name's controls and bidi overrides escaped
        self.field.clear()
        self.field.setFocus()
