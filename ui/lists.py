"""The station's lists: certificates to pick, names to pick, and this session's results.

None of them takes the keyboard focus: the scan field keeps it and moves in them with ↑ ↓, a tap
picks. None touches the database; the station window feeds them plain records.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

from PySide6 import QtCore
from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QBrush, QColor, QResizeEvent
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from app.sign_in import Choice
from app.text import look_alike_key, shown
from ui.operations import CertificateView
from ui.widgets import expiry_text, refused_because, set_by_name


class PickList(QListWidget):
    """A list that never takes the focus: the scan field's arrows move in it, a tap picks."""

    picked = Signal(object)

    def __init__(self, object_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name)
        # By name: the names list is on the station's first screen (ui/widgets.py says why).
        set_by_name(self, "focusPolicy", "NoFocus")
        self.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.setUniformItemSizes(False)
        set_by_name(self, "textElideMode", "ElideRight")
        set_by_name(self, "horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        self.itemClicked.connect(self._on_item_clicked)

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        if item.flags() & QtCore.Qt.ItemFlag.ItemIsEnabled:
            self.picked.emit(item.data(QtCore.Qt.ItemDataRole.UserRole))

    def move(self, delta: int) -> None:  # type: ignore[override]
        """Move the current row by ``delta``, over rows that cannot be chosen."""
        rows = [r for r in range(self.count()) if self.item(r).flags() & QtCore.Qt.ItemFlag.ItemIsEnabled]
        if not rows:
            return
        current = self.currentRow() if self.currentItem() and self.currentItem().isSelected() else None
        if current is None or current not in rows:
            target = rows[0] if delta > 0 else rows[-1]
        else:
            index = max(0, min(len(rows) - 1, rows.index(current) + delta))
            target = rows[index]
        self.setCurrentRow(target)
        self.scrollToItem(self.item(target))

    def chosen(self) -> object | None:
        item = self.currentItem()
        if item is None or not item.isSelected() or not item.flags() & QtCore.Qt.ItemFlag.ItemIsEnabled:
            return None
        return item.data(QtCore.Qt.ItemDataRole.UserRole)

    def unselect(self) -> None:
        self.clearSelection()
        self.setCurrentRow(-1)


class CertificatePicker(PickList):
    """Certificates filtered by what is typed: id, name, number; kind and expiry. Those the attach would
    refuse (revoked, expired, not approved where the plant asks for approval) are listed greyed with
    the reason and cannot be chosen; one inside its warning window is marked.

    A row is two lines: the id and name, then the state, kind and number. In a list narrower than
    ``COMPACT_CHARACTERS`` average characters (the 1024-wide screen) those lines would wrap to four,
    so a row says the id and state, then the name: the kind and number are the panel's to show once
    the certificate is chosen (the filter still finds a certificate by its number).
    """

    COMPACT_CHARACTERS = 40

    def __init__(self, parent: QWidget | None = None):
        super().__init__("picker", parent)
        self._compact = False

    def set_rows(self, views: list[CertificateView]) -> None:
        self.clear()
        self._compact = self._narrow()
        for view in views:
            item = QListWidgetItem(self._text(view))
            item.setData(QtCore.Qt.ItemDataRole.UserRole, view)
            if view.refusal:
                item.setFlags(QtCore.Qt.ItemFlag.NoItemFlags)
                item.setForeground(QBrush(QColor("#7b8794")))
                item.setToolTip(view.refusal)
            elif view.expiry == "expiring":
                item.setBackground(QBrush(QColor("#ffe9a8")))
            self.addItem(item)

    def _narrow(self) -> bool:
        return self.viewport().width() < self.COMPACT_CHARACTERS * self.fontMetrics().averageCharWidth()

    def _text(self, view: CertificateView) -> str:
        record = view.record
        mark = "⚠ " if view.expiry == "expiring" and not view.refusal else ""
        state = f"✖ {refused_because(view)}" if view.refusal else expiry_text(view)
        if self._compact:
            state = state.split(" (")[0]  # "✖ not approved (uploaded)": the panel says which review status
            return f"{mark}{record.id} · {state}\n{shown(record.name)}"
        number = f" · No. {shown(record.number)}" if record.number else ""
        return f"{mark}{record.id} — {shown(record.name)}\n{state} · {record.kind}{number}"

    def _retext(self) -> None:
        """The rows in the form the list's width takes now, keeping the current row."""
        if self._narrow() == self._compact:
            return
        self._compact = not self._compact
        for row in range(self.count()):
            item = self.item(row)
            item.setText(self._text(item.data(QtCore.Qt.ItemDataRole.UserRole)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._retext()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._retext()


class UserPicker(PickList):
    """The names to pick from, each saying how that person signs in ("PIN", "badge only"). A pick of
    someone who must scan is still a pick: the app's answer tells them to scan their badge.

    The rows are all of one height, and the list shows only whole ones: a name cut in half at the
    bottom edge reads as another name. It scrolls by rows, and the band a row would not fill is left
    empty below the last (``_whole_rows``).
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__("users", parent)
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerItem)
        self.setUniformItemSizes(True)
        self.choices: list[Choice] = []
        self._ambiguous: set[str] = set()

    def set_users(self, choices: list[Choice], text: str = "") -> None:
        self.choices = choices
        # Names are unique as people see them (app.users), but a database from before that rule may
        # hold two that look alike: those show the user id beside the name, so each can tell theirs.
        keys = Counter(look_alike_key(choice.user.name) for choice in choices)
        self._ambiguous = {choice.user.id for choice in choices if keys[look_alike_key(choice.user.name)] > 1}
        self.filter(text)

    def matching(self, text: str) -> list[Choice]:
        """The people ``text`` names: part of their name or user id, any case (all of them for no text)."""
        needle = text.strip().lower()
        return [choice for choice in self.choices
                if not needle or needle in choice.user.name.lower() or needle in choice.user.id.lower()]

    def filter(self, text: str) -> None:
        self.clear()
        for choice in self.matching(text):
            user = choice.user
            name = shown(user.name) + (f"  [{user.id}]" if user.id in self._ambiguous else "")
            item = QListWidgetItem(f"{name}   ({user.role}, {choice.note})")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, user)
            if not choice.by_name:
                item.setForeground(QBrush(QColor("#5b6b79")))
            self.addItem(item)
        self._whole_rows()

    def _whole_rows(self) -> None:
        """Leave the viewport a whole number of rows high; the rest of the list's height stays blank."""
        row = self.sizeHintForRow(0) if self.count() else 0
        room = self.height() - 2 * self.frameWidth()
        spare = room % row if row > 0 and room >= row else 0
        if self.viewportMargins().bottom() != spare:
            self.setViewportMargins(0, 0, 0, spare)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._whole_rows()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._whole_rows()


class History(QListWidget):
    """This session's results, newest first, each in its colour."""

    COLOURS = {"attached": ("#e3f3e6", "#14532d"), "already": ("#fff3cd", "#5c4100"),
               "warning": ("#fff3cd", "#5c4100"), "refused": ("#fde2e1", "#8b1a1a"),
               "info": ("#e8eef6", "#16324f")}
    LIMIT = 500

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("history")
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setTextElideMode(QtCore.Qt.TextElideMode.ElideNone)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def add(self, state: str, text: str) -> None:
        background, foreground = self.COLOURS.get(state, self.COLOURS["info"])
        item = QListWidgetItem(f"{dt.datetime.now():%H:%M:%S}  {text}")
        item.setBackground(QBrush(QColor(background)))
        item.setForeground(QBrush(QColor(foreground)))
        item.setData(QtCore.Qt.ItemDataRole.UserRole, state)
        self.insertItem(0, item)
        while self.count() > self.LIMIT:
            self.takeItem(self.count() - 1)

    def entries(self) -> list[tuple[str, str]]:
        """(state, text) newest first, for tests and screenshots."""
        return [(self.item(i).data(QtCore.Qt.ItemDataRole.UserRole), self.item(i).text()) for i in range(self.count())]
