"""The Users office view (administrators): everyone who may sign in, with role, badge, PIN, whether
active and whether locked after wrong PINs; add, edit, set or clear a PIN, unlock, deactivate and
reactivate — never delete, for the audit trail names them.

Every change goes to ``app.users`` / ``app.user_admin`` in the worker; a change to what exists asks
for a reason, and a refusal is the core's sentence (an administrator deactivating themselves, a
badge already taken, a PIN too short for the role). The dialogs are ``ui.office.user_form``'s.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from app import user_admin, users
from app.queries import users as queries
from app.queries.users import UserRow
from app.users import UserRecord
from app.words import ROLE, plural, word
from ui.office import ADMINISTRATION, look, office_view
from ui.office.certificate_form import ask_reason
from ui.office.setup_tables import SetupTable
from ui.office.user_form import PinDialog, UserForm
from ui.office.common import SaysWhatHappened
from ui.worker import DatabaseWorker, Failure

COLUMNS = ("Name", "User id", "Role", "Badge", "PIN", "Active", "Locked")
GREY = QColor("#e0e0e0")
LOCKED = QColor("#fff3cd")


def _cells(row: UserRow) -> list[tuple[str, str]]:
    user = row.record
    return [(user.name, f"User id: {user.id}"), (user.id, ""), (word(ROLE, user.role), user.role),
            (user.badge, ""), ("Yes" if user.has_pin else "No", "" if user.has_pin else "Signs in by badge alone"),
            ("Active" if user.active else "Deactivated", "" if user.active else "Cannot sign in nor act"),
            ("Locked" if row.locked else "", row.lock or "")]


class UsersView(SaysWhatHappened, QWidget):
    """Administrators' users."""

    listed = Signal(int)  # users shown
    saved = Signal(object)  # UserRecord, after a change the core accepted
    refused = Signal(str)
    dialog_opened = Signal(object)  # UserForm or PinDialog

    def __init__(self, database: DatabaseWorker, user: UserRecord, parent: QWidget | None = None):
        super().__init__(parent, objectName="usersView")
        self.database, self.user = database, user
        self.ask_reason: Callable[[QWidget, str, str], str | None] = ask_reason
        self.rows: list[UserRow] = []
        self.shown_rows: list[UserRow] = []
        self.dialog: UserForm | PinDialog | None = None

        self.search = QLineEdit(objectName="userSearch", placeholderText="Search name, user id or badge")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(280)
        self.search.textChanged.connect(lambda _text: self._show_rows())
        self.table = SetupTable("userTable", COLUMNS, (0,))
        self.table.currentCellChanged.connect(lambda *_: self._enable())
        self.table.row_activated.connect(lambda _row: self.edit())
        self.count = QLabel(objectName="userCount")
        self.add_button = look.button("Add user…", "addUser", primary=True)
        self.edit_button = look.button("Edit…", "editUser")
        self.pin_button = look.button("Set PIN…", "setPin")
        self.clear_pin_button = look.button("Clear PIN…", "clearPin")
        self.unlock_button = look.button("Unlock…", "unlockUser")
        self.active_button = look.button("Deactivate…", "deactivateUser", danger=True)
        self.add_button.clicked.connect(self.create)
        self.edit_button.clicked.connect(self.edit)
        self.pin_button.clicked.connect(self.set_pin)
        self.clear_pin_button.clicked.connect(self.clear_pin)
        self.unlock_button.clicked.connect(self.unlock)
        self.active_button.clicked.connect(self.deactivate_or_reactivate)
        self.notice = look.Notice("usersNotice")
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("Users", "Everyone who signs in: role, badge and PIN. A user is never "
                                      "deleted, for the audit trail names them: deactivate them instead."))
        layout.addLayout(look.row(self.search, 1, self.count))
        layout.addWidget(self.table, 1)
        layout.addLayout(look.row(self.add_button, self.edit_button, self.pin_button, self.clear_pin_button,
                                  self.unlock_button, self.active_button))
        layout.addWidget(self.notice)
        self._enable()
        self.reload()

    # --- the list -------------------------------------------------------------------------------

    def reload(self, keep: str | None = None) -> None:
        keep = keep or (self.chosen().id if self.chosen() else None)
        self.database.submit(queries.user_rows, owner=self, on_done=lambda rows: self._on_listed(rows, keep),
                             on_failed=self._on_failed)

    def _on_listed(self, rows: list[UserRow], keep: str | None) -> None:
        self.rows = rows
        self._show_rows(keep)
        self.listed.emit(len(self.shown_rows))

    def _show_rows(self, keep: str | None = None) -> None:
        keep = keep or (self.chosen().id if self.chosen() else None)
        text = self.search.text().strip().casefold()
        self.shown_rows = [r for r in self.rows if not text or any(
            text in value.casefold() for value in (r.record.name, r.record.id, r.record.badge))]
        self.table.fill([_cells(r) for r in self.shown_rows],
                        [LOCKED if r.locked else (None if r.record.active else GREY) for r in self.shown_rows])
        active = sum(r.record.active for r in self.rows)
        self.count.setText(plural(active, "active user") + (f", {len(self.rows) - active:,} deactivated"
                                                            if active < len(self.rows) else ""))
        row = next((n for n, r in enumerate(self.shown_rows) if r.record.id == keep), None)
        if row is not None:
            self.table.setCurrentCell(row, 0)
        self._enable()

    def chosen_row(self) -> UserRow | None:
        row = self.table.currentRow()
        return self.shown_rows[row] if 0 <= row < len(self.shown_rows) else None

    def chosen(self) -> UserRecord | None:
        row = self.chosen_row()
        return row.record if row else None

    def select_user(self, user_id: str) -> bool:
        row = next((n for n, r in enumerate(self.shown_rows) if r.record.id == user_id), None)
        if row is not None:
            self.table.setCurrentCell(row, 0)
        return row is not None

    def _enable(self) -> None:
        row = self.chosen_row()
        for button in (self.edit_button, self.pin_button, self.active_button):
            button.setEnabled(row is not None)
        self.clear_pin_button.setEnabled(row is not None and row.record.has_pin)
        self.unlock_button.setEnabled(row is not None and row.locked)
        reactivate = row is not None and not row.record.active
        self.active_button.setText("Reactivate…" if reactivate else "Deactivate…")
        self.active_button.setProperty("danger", row is not None and not reactivate)
        self.active_button.style().unpolish(self.active_button)
        self.active_button.style().polish(self.active_button)

    # --- changes --------------------------------------------------------------------------------

    def _submit(self, function: Callable[..., UserRecord], *args: Any, done: Callable[[UserRecord], str],
                dialog: UserForm | PinDialog | None = None) -> None:
        def on_done(record: UserRecord) -> None:
            if dialog is not None:
                dialog.accept()
            self._say(done(record))
            self.saved.emit(record)
            self.reload(record.id)

        def on_failed(failure: Failure) -> None:
            if dialog is not None:
                dialog.show_error(failure.message, failure.field)
            self._on_failed(failure)

        self.database.submit(function, *args, owner=self, on_done=on_done, on_failed=on_failed)

    def _open(self, dialog: UserForm | PinDialog) -> None:
        self.dialog = dialog
        dialog.open()
        self.dialog_opened.emit(dialog)

    def create(self) -> None:
        form = UserForm(None, self)
        form.submitted.connect(lambda v: self._submit(
            users.create_user, v["id"], v["name"], v["role"], v["badge"], v["pin"], self.user.id, dialog=form,
            done=lambda r: f"Added {r.name} ({word(ROLE, r.role).lower()}, badge {r.badge})"
                           + (" with a PIN." if r.has_pin else ", signing in by badge alone.")))
        self._open(form)

    def edit(self) -> None:
        record = self.chosen()
        if record is None:
            return
        form = UserForm(record, self)

        def submitted(_values: dict) -> None:
            changes = form.changes()
            if not changes:
                form.accept()
                return
            reason = self._reason("Reason for the change", f"Why change {record.name}?")
            if reason is not None:
                self._submit(user_admin.update_user, record.id, self.user.id, reason, changes.get("name"),
                             changes.get("role"), changes.get("badge"), changes.get("pin"), dialog=form,
                             done=lambda r: f"Saved {r.name}: {', '.join(_changed(changes))} changed.")
        form.submitted.connect(submitted)
        self._open(form)

    def set_pin(self) -> None:
        record = self.chosen()
        if record is None:
            return
        dialog = PinDialog(record, self)

        def submitted(values: dict) -> None:
            reason = None
            if record.has_pin:  # a reset: say why, as for any change to what exists
                reason = self._reason("Reason for the new PIN", f"Why give {record.name} a new PIN?")
                if reason is None:
                    return
            self._submit(users.set_pin, record.id, values["pin"], self.user.id, None, reason, dialog=dialog,
                         done=lambda r: f"{r.name} has a new PIN.")
        dialog.submitted.connect(submitted)
        self._open(dialog)

    def clear_pin(self) -> None:
        record = self.chosen()
        reason = record and self._reason("Clear PIN", f"Why take {record.name}'s PIN away? They will sign in "
                                         "by badge alone.")
        if record is not None and reason is not None:
            self._submit(users.clear_pin, record.id, self.user.id, reason,
                         done=lambda r: f"{r.name} has no PIN now and signs in by badge alone.")

    def unlock(self) -> None:
        record = self.chosen()
        reason = record and self._reason("Unlock user", f"Why unlock {record.name} before the lock runs out?")
        if record is not None and reason is not None:
            self._submit(user_admin.unlock_user, record.id, self.user.id, reason,
                         done=lambda r: f"Unlocked {r.name}: their PIN is checked again.")

    def deactivate_or_reactivate(self) -> None:
        record = self.chosen()
        if record is None:
            return
        if record.active:
            reason = self._reason("Deactivate user", f"Why deactivate {record.name}? They will no longer sign in "
                                  "nor be named on any command; their records keep their name.")
            if reason is not None:
                self._submit(user_admin.deactivate_user, record.id, self.user.id, reason,
                             done=lambda r: f"Deactivated {r.name}: they can no longer sign in.")
            return
        reason = self._reason("Reactivate user", f"Why reactivate {record.name}?")
        if reason is not None:
            self._submit(user_admin.reactivate_user, record.id, self.user.id, reason,
                         done=lambda r: f"Reactivated {r.name}: they can sign in again.")


def _changed(changes: dict[str, Any]) -> list[str]:
    return [{"name": "name", "role": "role", "badge": "badge", "pin": "PIN"}[key] for key in changes]


@office_view("Users", roles=("admin",), order=70, group=ADMINISTRATION)
def build(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return UsersView(database, user)
