"""The office's one look: every view gets the same margins, type and parts, so a new view looks
like the others by using these rather than styling itself.

A view is laid out top to bottom as: its heading (what this is), its filters, the table,
then its actions; a ``Notice`` says what just happened (an export written, the chain checked).
"""
from __future__ import annotations

from PySide6.QtCore import QDir, QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from ui import resources

MARGIN = 16
SPACING = 10
ARROWS = ("arrow_down", "arrow_up", "arrow_down_disabled", "arrow_up_disabled")  # resources/icons/*.svg


def sheet() -> str:
    """The office's style sheet, with the folder of its arrows known to Qt as ``office:``."""
    if not QDir.searchPaths("office"):
        folders = {str(path.parent) for name in ARROWS if (path := resources.icon_file(name)) is not None}
        QDir.setSearchPaths("office", sorted(folders))
    return resources.stylesheet("office")


def apply(view: QWidget) -> None:
    """The office style sheet and margins on a view (the station calls this for every office tab)."""
    if not view.objectName():
        view.setObjectName("officeView")
    view.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    view.setStyleSheet(sheet())
    layout = view.layout()
    if layout is not None:
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.setSpacing(SPACING)


COMPACT_TABS_BELOW = 1200  # px of tab bar under which the tabs close up (a 1024 window: an administrator's tabs)


class _CompactTabs(QObject):
    """Closes the tabs up on a narrow window, so every one stays in view rather than behind scroll arrows."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(watched, QTabBar) and event.type() == QEvent.Type.Resize:
            compact = watched.width() < COMPACT_TABS_BELOW
            if watched.property("compact") != compact:
                watched.setProperty("compact", compact)
                watched.style().unpolish(watched)
                watched.style().polish(watched)
        return False


def tab_bar(bar: QTabBar) -> None:
    """The office's tabs along the station window: desk-sized, the current one marked; closer together on a
    narrow window. The sheet is set on the bar alone, so the station's own screens keep the station's sheet."""
    bar.setStyleSheet(sheet())
    bar.setExpanding(False)
    bar.setElideMode(Qt.TextElideMode.ElideNone)  # a tab that does not fit scrolls; the fit test catches it
    bar.installEventFilter(_CompactTabs(bar))


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


def group(title: str, name: str = "") -> QGroupBox:
    """A framed part of a view with its title: "This workstation", "Plant rules"."""
    return QGroupBox(title, objectName=name or "group")


def form(parent: QWidget | None = None) -> QFormLayout:
    """Labels on the left, right-aligned against their fields; a row too wide for the view puts its field
    under its label instead of squeezing either."""
    layout = QFormLayout(parent)
    layout.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    layout.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    layout.setHorizontalSpacing(14)
    layout.setVerticalSpacing(SPACING)
    return layout


def hint(text: str, name: str = "hint") -> QLabel:
    """A quieter line under a field or a section: what a value means, where a default lies."""
    label = QLabel(text, objectName=name, wordWrap=True)
    label.setProperty("hint", True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def row(*widgets: QWidget | QLayout | int | None, stretch: bool = True) -> QHBoxLayout:
    """Widgets side by side; an int is a stretch factor for the widget before it; ends with a stretch."""
    layout = QHBoxLayout()
    layout.setSpacing(8)
    last: QWidget | QLayout | None = None
    for item in widgets:
        if isinstance(item, int) and last is not None:
            layout.setStretchFactor(last, item)
        elif isinstance(item, QLayout):
            layout.addLayout(item)
            last = item
        elif item is not None and not isinstance(item, int):
            layout.addWidget(item)
            last = item
    if stretch:
        layout.addStretch(1)
    return layout


def stack(*parts: QWidget | QLayout) -> QVBoxLayout:
    """A field with what belongs under it (a hint, a result), as one row of a form."""
    column = QVBoxLayout()
    column.setSpacing(4)
    for part in parts:
        if isinstance(part, QLayout):
            column.addLayout(part)
        else:
            column.addWidget(part)
    return column


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
        """What it says; "" once hidden. Shown but on a tab not in front still says it."""
        return self.label.text() if not self.isHidden() else ""

    def clear(self) -> None:
        self.label.clear()
        self.hide()
