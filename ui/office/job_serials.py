"""A job's serials: how far each has gone (the step it stands at by name, its status in words), read a page
at a time by id; several chosen at once are advanced, completed or scrapped together, all or nothing, and
their labels (or the whole job's) printed or saved as PDF. Shared by the Jobs and the Serials views.

A move is asked first without a reason; where the core asks for one (a step left without a certificate
kind it requires), its own sentence is shown with a field for the reason, and the move is asked again.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit,
                               QVBoxLayout, QWidget)

from app.jobs import JobSerial
from app.queries import jobs as queries
from app.users import UserRecord
from app.words import SERIAL_STATUS, plural, word
from ui.office import look
from ui.office.common import (CACHE_ROWS, MAX_PAGE_SIZE, RowTable, SaysWhatHappened, fit_columns, local_time,
                              style_table, utc_tooltip)
from ui.office.label_actions import LabelButtons, Which
from ui.office.serial import open_serial
from ui.paged_model import Column, PagedModel
from ui.worker import DatabaseWorker, Failure

# What each move is called on its button, in its title and once done.
MOVES = {"advance": ("Advance", "Advance serials", "Advanced"),
         "complete": ("Complete", "Complete serials", "Completed"),
         "scrap": ("Scrap…", "Scrap serials", "Scrapped")}


def _stands_at(serial: JobSerial) -> str:
    if serial.status == "completed" or serial.step_index < 0:
        return "Past the last step"
    return serial.step_name or f"Step {serial.step_index + 1}"


COLUMNS = [
    Column("id", "Serial"),
    Column("status", "Status", lambda s: word(SERIAL_STATUS, s.status), tooltip=lambda s: f"Status: {s.status}"),
    Column("step", "Stands at", _stands_at,
           tooltip=lambda s: f"Step id: {s.step_id} (step {s.step_index + 1} of its route)" if s.step_id else ""),
    Column("created_at", "Made", lambda s: local_time(s.created_at), tooltip=lambda s: utc_tooltip(s.created_at)),
]


def ask_reason(parent: QWidget, title: str, sentence: str) -> str | None:
    """The sentence (the core's, or the question), a field for the reason, OK and Cancel; None when cancelled."""
    dialog = QDialog(parent, objectName="reasonDialog")
    dialog.setWindowTitle(title)
    field = QLineEdit(objectName="reasonField", placeholderText="The reason, recorded with each serial")
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    text = QLabel(sentence, objectName="reasonSentence", wordWrap=True)
    text.setMinimumWidth(440)
    layout.addWidget(text)
    layout.addWidget(field)
    layout.addWidget(buttons)
    field.setFocus()
    return field.text() if dialog.exec() == QDialog.DialogCode.Accepted else None


class JobSerialsPanel(SaysWhatHappened, QWidget):
    """The serials of one job, several chosen at once, with the moves and the labels."""

    moved = Signal(str, int)  # action, serials moved
    refused = Signal(str)
    loaded = Signal(int)  # rows loaded

    def __init__(self, database: DatabaseWorker, user: UserRecord, notice: look.Notice, name: str = "jobSerials"):
        super().__init__(objectName=name)
        self._database, self._user, self.notice = database, user, notice
        self.job_id: str | None = None
        self.ask_reason: Callable[[QWidget, str, str], str | None] = ask_reason
        self.title = look.section("Serials")
        self.model = PagedModel(database, queries.serial_page, ("",), COLUMNS, start=False,
                                count_operation=queries.count_serials, max_page_size=MAX_PAGE_SIZE,
                                cache_rows=CACHE_ROWS)
        self.table = RowTable(f"{name}Table")
        style_table(self.table)
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setToolTip("Ctrl or Shift and a click (or the arrows) choose several serials; Enter opens one")
        self.table.row_activated.connect(self._open)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.model.page_loaded.connect(self._on_loaded)
        self.model.count_changed.connect(self._on_loaded)
        self.model.failed.connect(lambda message: self._say(message, "error"))
        self.buttons = {action: look.button(text, f"{name}{action.title()}", danger=action == "scrap")
                        for action, (text, _title, _done) in MOVES.items()}
        for action, button in self.buttons.items():
            button.clicked.connect(lambda _=False, a=action: self.move(a))
        self.chosen = QLabel(objectName=f"{name}Chosen", wordWrap=True)  # two lines where the row is narrow
        self.chosen.setMinimumWidth(120)
        self.labels = LabelButtons(database, user, self._label_target, notice, f"{name}Labels")
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        for button in self.buttons.values():
            actions.addWidget(button)
        actions.addWidget(self.chosen, 1)
        actions.addWidget(self.labels)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(look.SPACING // 2)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        self._on_selection_changed()

    # --- the job -------------------------------------------------------------------------------

    def show_job(self, job_id: str | None) -> None:
        """List ``job_id``'s serials (None: none)."""
        self.job_id = job_id
        if job_id is None:
            self.model.clear()
            self.title.setText("Serials")
        else:
            self.title.setText(f"Serials of {job_id}")
            self.model.reset((job_id,), (job_id,))
        self._on_selection_changed()

    def reload(self) -> None:
        self.show_job(self.job_id)

    def _on_loaded(self, _rows: int) -> None:
        fit_columns(self.table)
        total = self.model.count
        if self.job_id is not None and total is not None:
            self.title.setText(f"Serials of {self.job_id}: {total:,}" if total else f"{self.job_id} has no serials yet")
        self._on_selection_changed()
        self.loaded.emit(self.model.rowCount())

    def _open(self, row: int) -> None:
        serial = self.model.row_at(row)
        if serial is not None:
            open_serial(self, serial.id)

    # --- choosing ------------------------------------------------------------------------------

    def selected_ids(self) -> list[str]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [s.id for s in (self.model.row_at(r) for r in rows) if s is not None]

    def select_ids(self, wanted: set[str]) -> None:
        """Choose these serials in the list (those loaded)."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        for row, serial in enumerate(self.model.rows()):
            if serial.id in wanted:
                selection.select(self.model.index(row, 0), selection.SelectionFlag.Select
                                 | selection.SelectionFlag.Rows)

    def _on_selection_changed(self, *_: object) -> None:
        count = len(self.table.selectionModel().selectedRows())
        for button in self.buttons.values():
            button.setEnabled(count > 0)
        self.labels.set_available(self.job_id is not None)
        if self.job_id is None:
            self.chosen.setText("")
        elif count:
            self.chosen.setText(f"{plural(count, 'serial')} chosen: labels of those")
        else:
            self.chosen.setText("None chosen: labels of the whole job")

    def _label_target(self) -> Which | None:
        ids = self.selected_ids()
        if ids:
            return None, tuple(ids)
        return (self.job_id, ()) if self.job_id else None

    # --- moves ---------------------------------------------------------------------------------

    def move(self, action: str) -> None:
        """Advance, complete or scrap the chosen serials, all or nothing."""
        ids = self.selected_ids()
        if not ids:
            self._say("Choose serials in the list first (Ctrl or Shift and a click for several).", "error")
            return
        reason = None
        if action == "scrap":
            what = ids[0] if len(ids) == 1 else plural(len(ids), "serial")
            reason = self.ask_reason(self, MOVES[action][1], f"Why scrap {what}? The reason is recorded with each; "
                                     "a scrapped serial keeps its step and takes no more moves.")
            if reason is None:
                self._say("Nothing scrapped.", "info")
                return
        self._submit(action, ids, reason)

    def _submit(self, action: str, ids: list[str], reason: str | None) -> None:
        self._database.submit(queries.move, action, ids, self._user.id, reason, owner=self,
                              on_done=lambda count: self._on_moved(action, ids, count, reason),
                              on_failed=lambda failure: self._on_move_refused(action, ids, reason, failure))

    def _on_move_refused(self, action: str, ids: list[str], reason: str | None, failure: Failure) -> None:
        if failure.field == "reason" and not (reason or "").strip():
            # The core asks for a reason: its sentence, then the reason, then the same move again.
            typed = self.ask_reason(self, MOVES[action][1], f"{failure.message}.\n\nGive the reason to go on anyway:")
            if typed is None:
                self.notice.show_message("No reason given: nothing moved.", "info", tooltip=failure.message)
                return
            if not typed.strip():
                self._say(f"Nothing moved: a reason is needed. {failure.message}", "error")
                return
            self._submit(action, ids, typed)
            return
        self._say(failure.message, "error")

    def _on_moved(self, action: str, ids: list[str], count: int, reason: str | None) -> None:
        shown = ", ".join(ids[:3]) + (" …" if len(ids) > 3 else "")
        text = f"{MOVES[action][2]} {plural(count, 'serial')} ({shown})."
        if (reason or "").strip():
            text += f" Reason recorded: {reason.strip().rstrip('.')}."
        self._say(text, "ok")
        self.moved.emit(action, count)
        kept = set(ids)
        self.model.page_loaded.connect(self._reselect(kept))
        self.reload()

    def _reselect(self, kept: set[str]):
        def once(_rows: int) -> None:
            self.model.page_loaded.disconnect(once)
            self.select_ids(kept)
        return once


__all__ = ["COLUMNS", "JobSerialsPanel", "MOVES", "ask_reason"]
