"""Needs a supervisor: attaches a station saved offline that the database would not put where the operator saw
the serial (it had moved on, or the attach rule now refuses it). Each is resolved with a reason: attached at
the serial's current step, or dismissed; both are audited (app.queued_attach)."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app import queued_attach
from app.queued_attach import HeldItem
from app.users import UserRecord
from app.words import plural
from ui.office import look, office_view
from ui.office.common import SaysWhatHappened, fit_columns, local_time, style_table, utc_tooltip
from ui.worker import DatabaseWorker, Failure

# Two lines a row, so that the list reads whole on a 1024-pixel screen.
COLUMNS = ("Serial", "Certificate", "Seen at step\nNow at step", "Scanned\nby, at station", "Why held")
SCANNED = COLUMNS.index("Scanned\nby, at station")


def _scanned(item: HeldItem) -> dt.datetime:
    return dt.datetime.strptime(item.scanned_at, "%Y-%m-%dT%H:%M:%S.%fZ")


class NeedsSupervisorView(SaysWhatHappened, QWidget):
    resolved = Signal(str, str)  # queue id, decision
    loaded = Signal(int)
    refused = Signal(str)

    def __init__(self, database: DatabaseWorker, user: UserRecord):
        super().__init__(objectName="needsSupervisorView")
        self._database, self._user = database, user
        self.items: list[HeldItem] = []
        self.count = QLabel("", objectName="heldCount")
        self.table = QTableWidget(0, len(COLUMNS), objectName="heldTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        style_table(self.table)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.reason = QLineEdit(objectName="heldReason", placeholderText="Reason (required), e.g. checked the part")
        self.attach_button = look.button("Attach at the current step", "attachHeldButton", primary=True)
        self.dismiss_button = look.button("Dismiss", "dismissHeldButton", danger=True)
        self.refresh_button = look.button("Refresh", "refreshHeldButton")
        self.notice = look.Notice("heldNotice")
        self.attach_button.clicked.connect(lambda: self._resolve("attach"))
        self.dismiss_button.clicked.connect(lambda: self._resolve("dismiss"))
        self.refresh_button.clicked.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("Needs a supervisor", "Attaches saved on a station while the database was "
                                      "unreachable, which could not be put where the operator saw the serial. Nothing "
                                      "was attached for them yet."))
        layout.addWidget(self.count)
        layout.addWidget(self.table, 1)
        layout.addLayout(look.row(self.reason, 1, self.attach_button, self.dismiss_button, self.refresh_button,
                                  stretch=False))
        layout.addWidget(self.notice)
        self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # Held items arrive whenever a station comes back online: the list is read again each time it is shown.
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        self._database.submit(queued_attach.held, owner=self, on_done=self._on_loaded, on_failed=self._on_failed)

    def _on_loaded(self, items: list[HeldItem]) -> None:
        # The list is read again while a supervisor has one chosen: the choice follows the item, not the row.
        chosen = self.chosen()
        self.items = items
        self.count.setText(plural(len(items), "attach waits", "attaches wait") + " for a supervisor"
                           if items else "Nothing waits for a supervisor")
        self.table.clearSelection()
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            values = (item.serial_id, f"{item.cert_number}\n{item.cert_name}",
                      f"{item.step_seen_name}\n{item.step_now_name}", f"{local_time(_scanned(item))}\n"
                      f"{item.user_name}, at {item.station}", item.problem)
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if column == SCANNED:
                    cell.setToolTip(utc_tooltip(_scanned(item)))
                self.table.setItem(row, column, cell)
        fit_columns(self.table)  # why it was held, the one column that can be long, takes the room left
        self.table.resizeRowsToContents()
        ids = [item.queue_id for item in items]
        if items:
            self.table.selectRow(ids.index(chosen.queue_id) if chosen and chosen.queue_id in ids else 0)
        self.loaded.emit(len(items))

    def chosen(self) -> HeldItem | None:
        row = self.table.currentRow() if self.table.selectedItems() else -1
        return self.items[row] if 0 <= row < len(self.items) else None

    def _resolve(self, decision: str) -> None:
        item = self.chosen()
        if item is None:
            self._say("Choose an attach in the list first", "error")
            return
        self._busy(True)  # one answer per item: a second click waits for the first
        self._database.submit(queued_attach.resolve, item.queue_id, decision, self._user.id, self.reason.text(),
                              owner=self, on_done=lambda _row: self._on_resolved(item, decision),
                              on_failed=self._on_resolve_failed)

    def _busy(self, busy: bool) -> None:
        for button in (self.attach_button, self.dismiss_button, self.refresh_button):
            button.setEnabled(not busy)

    def _on_resolve_failed(self, failure: Failure) -> None:
        self._busy(False)
        self._on_failed(failure)

    def _on_resolved(self, item: HeldItem, decision: str) -> None:
        self._busy(False)
        done = (f"Attached {item.cert_number} to {item.serial_id} at its current step" if decision == "attach"
                else f"Dismissed: {item.cert_number} was not attached to {item.serial_id}")
        self._say(f"{done} (scanned {local_time(_scanned(item))} at {item.station})")
        self.reason.clear()
        self.resolved.emit(item.queue_id, decision)
        self.refresh()


@office_view("Needs a supervisor", order=35)
def build(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return NeedsSupervisorView(database, user)
