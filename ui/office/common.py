"""What the office views share: times, date filters, the user filter, tables that activate a row."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QComboBox, QDateEdit, QTableView)

from app import users
from app.users import UserRecord
from ui.worker import DatabaseWorker, Failure


KINDS = ("MATERIAL", "PROCESS", "CALIBRATION", "TRAINING", "CONFORMANCE", "INSPECTION", "OTHER")
MAX_PAGE_SIZE = 10_000  # pages grow to this while scrolling (ui.paged_model)
CACHE_ROWS = 50_000  # rows a table holds; pages scrolled out of it are fetched again when shown
NO_DATE = QDate(2000, 1, 1)  # the date edits' "any" value


# --- small helpers ---------------------------------------------------------------------------

def local_time(at: dt.datetime | None) -> str:
    """A stored (naive UTC) time as the workstation's local time."""
    if at is None:
        return ""
    return at.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def utc_tooltip(at: dt.datetime | None) -> str:
    """A stored (naive UTC) time as the tool tip beside its local time: ``2026-12-01 18:49:35.123 UTC``."""
    return "" if at is None else f"{at.isoformat(sep=' ', timespec='milliseconds')} UTC"


def date_edit() -> QDateEdit:
    edit = QDateEdit(calendarPopup=True)
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("any")
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(NO_DATE)
    return edit


def utc_bounds(since: QDateEdit, until: QDateEdit) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Local whole days, from ``since`` through ``until`` inclusive, as naive UTC [since, until+1)."""
    def start_of(day: QDate) -> dt.datetime:
        local = dt.datetime(day.year(), day.month(), day.day()).astimezone()
        return local.astimezone(dt.timezone.utc).replace(tzinfo=None)

    first = None if since.date() == NO_DATE else start_of(since.date())
    last = None if until.date() == NO_DATE else start_of(until.date().addDays(1))
    return first, last


def fit_combo(combo: QComboBox, at_least: int = 10, at_most: int = 24) -> None:
    """A filter combo as wide as its longest item (within bounds), so the chosen one reads whole."""
    longest = max((len(combo.itemText(i)) for i in range(combo.count())), default=0)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(min(at_most, max(at_least, longest)))


def user_combo(database: DatabaseWorker, name: str) -> QComboBox:
    combo = QComboBox(objectName=name)
    combo.addItem("Any user", None)

    def fill(found: list[UserRecord]) -> None:
        for user in found:  # by name, as people know each other; the id in the tool tip
            combo.addItem(user.name, user.id)
            combo.setItemData(combo.count() - 1, f"User id: {user.id}", Qt.ItemDataRole.ToolTipRole)
        fit_combo(combo)

    database.submit(users.list_users, owner=combo, on_done=fill)
    return combo


class RowTable(QTableView):
    """A table whose Enter, like a double-click, activates the current row."""

    row_activated = Signal(int)

    def __init__(self, name: str):
        super().__init__(objectName=name)
        self.doubleClicked.connect(lambda index: self.row_activated.emit(index.row()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.row_activated.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


def fit_columns(table: QTableView) -> None:
    """Columns as wide as what the loaded rows show (the last one stretches)."""
    for column in range(table.model().columnCount() - 1):
        table.resizeColumnToContents(column)


def style_table(table: QTableView) -> None:
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    table.horizontalHeader().setStretchLastSection(True)




class SaysWhatHappened:
    """For an office view with a ``notice`` (look.Notice) and a ``refused`` signal: what happened is said in
    the notice, a refusal is also emitted as ``refused``, and a change asks its reason through ``ask_reason``."""

    reason_required = "A reason is required for this change. Nothing was changed."

    def _say(self, text: str, state: str = "ok") -> None:
        self.notice.show_message(text, state)  # type: ignore[attr-defined]
        if state == "error":
            self.refused.emit(text)  # type: ignore[attr-defined]

    def _on_failed(self, failure: Failure) -> None:
        self._say(failure.message, "error")

    def _reason(self, title: str, prompt: str) -> str | None:
        """The person's reason, or None (the notice says why) when cancelled or left empty."""
        reason = self.ask_reason(self, title, prompt)  # type: ignore[attr-defined]
        if reason is None:
            return None
        if not reason.strip():
            self._say(self.reason_required, "error")
            return None
        return reason.strip()
