"""Needs a supervisor: attaches a station saved offline that the database would not put where the operator saw
the serial (it had moved on, or the attach rule now refuses it). Each is resolved with a reason: attached at
the serial's current step, or dismissed; both are audited (app.queued_attach)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app import queued_attach
from app.queued_attach import HeldItem
from app.users import UserRecord
from ui.office import look, office_view
from ui.worker import DatabaseWorker, Failure

COLUMNS = ("Serial", "Certificate", "Step seen", "Step now", "Who", "Scanned (UTC)", "Station", "Why held")


class NeedsSupervisorView(QWidget):
    resolved = Signal(str, str)  # queue id, decision
    loaded = Signal(int)
    message_shown = Signal(str)

    def __init__(self, database: DatabaseWorker, user: UserRecord):
        super().__init__(objectName="needsSupervisorView")
        self._database, self._user = database, user
        self.items: list[HeldItem] = []
        self.table = QTableWidget(0, len(COLUMNS), objectName="heldTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.reason = QLineEdit(objectName="heldReason", placeholderText="Reason (required), e.g. checked the part")
        self.attach_button = look.button("Attach at the current step", "attachHeldButton", primary=True)
        self.dismiss_button = look.button("Dismiss", "dismissHeldButton", danger=True)
        self.refresh_button = look.button("Refresh", "refreshHeldButton")
        self.message = QLabel("", objectName="heldMessage", wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.attach_button.clicked.connect(lambda: self._resolve("attach"))
        self.dismiss_button.clicked.connect(lambda: self._resolve("dismiss"))
        self.refresh_button.clicked.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("Needs a supervisor", "Attaches saved on a station while the database was "
                                      "unreachable, which could not be put where the operator saw the serial. Nothing "
                                      "was attached for them."))
        layout.addWidget(self.table, 1)
        layout.addLayout(look.row(self.reason, 1, self.attach_button, self.dismiss_button, self.refresh_button,
                                  stretch=False))
        layout.addWidget(self.message)
        self.refresh()

    def refresh(self) -> None:
        self._database.submit(queued_attach.held, owner=self, on_done=self._on_loaded, on_failed=self._on_failed)

    def _on_loaded(self, items: list[HeldItem]) -> None:
        self.items = items
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            values = (item.serial_id, item.cert_id, item.step_seen_name, item.step_now_name,
                      f"{item.user_name} ({item.user_id})", item.scanned_at.replace("T", " ").removesuffix("Z"),
                      item.station, item.problem)
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        if items and not self.table.selectedItems():
            self.table.selectRow(0)
        self.loaded.emit(len(items))

    def _resolve(self, decision: str) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.items):
            self._say("Choose an item first")
            return
        item = self.items[row]
        self._database.submit(queued_attach.resolve, item.queue_id, decision, self._user.id, self.reason.text(),
                              owner=self, on_done=lambda _row: self._on_resolved(item, decision),
                              on_failed=self._on_failed)

    def _on_resolved(self, item: HeldItem, decision: str) -> None:
        done = "Attached at its current step" if decision == "attach" else "Dismissed"
        self._say(f"{done}: {item.cert_id} to {item.serial_id}, scanned {item.scanned_at} at {item.station}")
        self.reason.clear()
        self.resolved.emit(item.queue_id, decision)
        self.refresh()

    def _on_failed(self, failure: Failure) -> None:
        self._say(failure.message)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message_shown.emit(text)


@office_view("Needs a supervisor", order=35)
def build(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return NeedsSupervisorView(database, user)
