"""The office's one look: every view gets the same margins, type and parts, so a new view looks
like the others by using these rather than styling itself.

A view is laid out top to bottom as: its heading (what this is), its filters, the table,
then its actions; a ``Notice`` says what just happened (an export written, the chain checked).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui import resources

MARGIN = 16
SPACING = 10


def apply(view: QWidget) -> None:
    """The office style sheet and margins on a view (the station calls this for every office tab)."""
    if not view.objectName():
        view.setObjectName("officeView")
    view.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    view.setStyleSheet(resources.stylesheet("office"))
    layout = view.layout()
    if layout is not None:
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.setSpacing(SPACING)


def heading(title: str, explanation: str = "") -> QWidget:
    """The view's title and one line in plain words of what it is for."""
    box = QWidget(objectName="viewHeading")
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 4)
    layout.setSpacing(2)
    layout.addWidget(QLabel(title, objectName="viewTitle"))
    if explanation:
        text = QLabel(explanation, objectName="viewExplanation", wordWrap=True)
        layout.addWidget(text)
    return box


def section(title: str) -> QLabel:
    return QLabel(title, objectName="sectionTitle")


def button(text: str, name: str, primary: bool = False, danger: bool = False) -> QPushButton:
    widget = QPushButton(text, objectName=name)
    widget.setProperty("primary", primary)
    widget.setProperty("danger", danger)
    return widget


class Notice(QWidget):
    """One line saying what just happened, with an optional action ("Open folder"); hidden until used."""

    action_triggered = Signal()

    def __init__(self, name: str = "notice", parent: QWidget | None = None):
        super().__init__(parent, objectName="notice")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.label = QLabel(objectName=f"{name}Text", wordWrap=True,
                            textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton(objectName=f"{name}Action")
        self.action.clicked.connect(self.action_triggered)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action)
        self.action.hide()
        self.hide()

    def show_message(self, text: str, state: str = "info", action: str | None = None, tooltip: str = "") -> None:
        self.setProperty("state", state)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.label.setToolTip(tooltip)
        self.action.setVisible(bool(action))
        self.action.setText(action or "")
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""
