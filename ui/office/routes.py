"""The Routes office view (administrators): every route, and the chosen one's steps in order, each
with the certificate kinds it requires; its revisions; create, rename, archive; add, change, move
and remove steps.

A route's steps never change under the serials on it: every saved change to its steps writes a new
revision (``app.routes``), which the notice names, and serials already made keep theirs. Each change
asks for a reason. The dialogs are ``ui.office.route_editor``'s.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QSplitter, QTabWidget,
                               QVBoxLayout, QWidget)

from app import routes
from app.queries import routes as queries
from app.queries.routes import RouteDetail
from app.route_history import RouteSummary
from app.routes import PathRecord, StepRecord
from app.users import UserRecord
from app.words import plural
from ui.office import PLANT_SET_UP, look, office_view
from ui.office.certificate_form import ask_reason
from ui.office.route_editor import NewRouteDialog, StepDialog, ask_text, history_rows, list_rows, step_rows
from ui.office.setup_tables import SetupTable
from ui.office.common import SaysWhatHappened
from ui.worker import DatabaseWorker, Failure

WIDE = 1500  # from this width the chosen route stands beside the list, below it on smaller screens
LIST_COLUMNS = ("Route", "Steps", "Revision", "Open jobs", "State")
STEP_COLUMNS = ("No.", "Step", "Requires")
HISTORY_COLUMNS = ("Revision", "Made", "By", "Reason", "What changed", "Jobs", "Serials")


class RoutesView(SaysWhatHappened, QWidget):
    """Administrators' routes."""

    reason_required = "A reason is required to change a route. Nothing was changed."

    listed = Signal(int)  # routes in the list
    shown = Signal(object)  # RouteDetail of the chosen route
    saved = Signal(object)  # PathRecord, after a change the core accepted
    refused = Signal(str)
    dialog_opened = Signal(object)  # NewRouteDialog or StepDialog

    def __init__(self, database: DatabaseWorker, user: UserRecord, parent: QWidget | None = None):
        super().__init__(parent, objectName="routesView")
        self.database, self.user = database, user
        self.ask_reason: Callable[[QWidget, str, str], str | None] = ask_reason
        self.ask_text: Callable[..., str | None] = ask_text
        self.summaries: list[RouteSummary] = []
        self.detail: RouteDetail | None = None
        self.route_id: str | None = None  # the route chosen, or asked for last
        self.dialog: NewRouteDialog | StepDialog | None = None
        self._step_wanted: int | None = None  # the step row to choose once a change is shown

        self.show_archived = QCheckBox("Show archived routes", objectName="showArchived")
        self.show_archived.toggled.connect(lambda _on: self.reload())
        self.new_button = look.button("New route…", "newRoute", primary=True)
        self.new_button.clicked.connect(self.create)
        self.table = SetupTable("routeTable", LIST_COLUMNS, (0,))
        self.table.currentCellChanged.connect(self._on_route_row_changed)
        self.count = QLabel(objectName="routeCount")
        listing = QWidget(objectName="routeListing")
        listing_layout = QVBoxLayout(listing)
        listing_layout.setContentsMargins(0, 0, 0, 0)
        listing_layout.addWidget(self.table, 1)
        under = QHBoxLayout()
        under.addWidget(self.count)
        under.addSpacing(16)
        under.addWidget(self.show_archived)
        under.addStretch(1)
        under.addWidget(self.new_button)
        listing_layout.addLayout(under)

        self.placeholder = QLabel("Choose a route in the list to see its steps and revisions.", objectName="hint",
                                  wordWrap=True)
        self.title = QLabel(objectName="routeTitle", wordWrap=True)
        self.title.setStyleSheet("font-size: 17px; font-weight: bold; color: #16324f;")
        self.summary = QLabel(objectName="routeSummary", wordWrap=True)
        self.rename_button = look.button("Rename…", "renameRoute")
        self.archive_button = look.button("Archive…", "archiveRoute", danger=True)
        self.rename_button.clicked.connect(self.rename)
        self.archive_button.clicked.connect(self.archive_or_restore)
        self.steps = SetupTable("stepTable", STEP_COLUMNS, (1, 2))
        self.steps.currentCellChanged.connect(lambda *_: self._enable_steps())
        self.steps.row_activated.connect(lambda _row: self.change_step())
        self.add_button = look.button("Add step…", "addStep", primary=True)
        self.change_button = look.button("Change step…", "changeStep")
        self.up_button = look.button("Move up", "moveStepUp")
        self.down_button = look.button("Move down", "moveStepDown")
        self.remove_button = look.button("Remove step…", "removeStep", danger=True)
        self.add_button.clicked.connect(self.add_step)
        self.change_button.clicked.connect(self.change_step)
        self.up_button.clicked.connect(lambda: self.move_step(-1))
        self.down_button.clicked.connect(lambda: self.move_step(1))
        self.remove_button.clicked.connect(self.remove_step)
        steps_tab = QWidget()
        steps_layout = QVBoxLayout(steps_tab)
        steps_layout.setContentsMargins(0, 6, 0, 0)
        steps_layout.addWidget(self.steps, 1)
        steps_layout.addLayout(look.row(self.add_button, self.change_button, self.up_button, self.down_button,
                                        self.remove_button))
        self.history = SetupTable("revisionTable", HISTORY_COLUMNS, (3, 4))
        self.tabs = QTabWidget(objectName="routeTabs")
        self.tabs.addTab(steps_tab, "Steps")
        self.tabs.addTab(self.history, "Revisions")
        self.body = QWidget(objectName="routeBody")
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(look.row(look.stack(self.title, self.summary), 1, self.rename_button, self.archive_button,
                                stretch=False))
        body.addWidget(self.tabs, 1)
        detail = QWidget(objectName="routeDetail")
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.placeholder)
        detail_layout.addWidget(self.body, 1)

        self.splitter = QSplitter(Qt.Orientation.Vertical, objectName="routeSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(listing)
        self.splitter.addWidget(detail)
        self.notice = look.Notice("routesNotice")
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("Routes", "The steps a job's serials go through, and the certificate kinds "
                                      "each step requires. A change to the steps makes a new revision: serials "
                                      "already made keep theirs, new jobs take the newest."))
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.notice)
        self._arranged_wide: bool | None = None
        self._show_detail(None)
        self.reload()

    # --- layout ---------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        wide = event.size().width() >= WIDE
        if wide != self._arranged_wide:
            self._arranged_wide = wide
            self.splitter.setOrientation(Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical)
            self._arrange()

    def _arrange(self) -> None:
        """Beside: the list takes 45 %. Below: the list as tall as its routes (3 to 6 rows shown), the
        chosen route's steps the rest."""
        if self._arranged_wide:
            whole = self.splitter.width()
            self.splitter.setSizes([int(whole * 0.45), int(whole * 0.55)])
            return
        rows = min(max(self.table.rowCount(), 3), 6)
        line = self.table.rowHeight(0) if self.table.rowCount() else self.table.verticalHeader().defaultSectionSize()
        listed = (self.table.horizontalHeader().sizeHint().height() + rows * line + 2 * self.table.frameWidth()
                  + self.new_button.sizeHint().height() + 12)
        whole = max(self.splitter.height(), listed * 2)
        self.splitter.setSizes([listed, whole - listed])

    # --- the list -------------------------------------------------------------------------------

    def reload(self, keep: str | None = None) -> None:
        """Read the list again; choose ``keep`` (a route id) in it, else the route chosen now."""
        keep = keep or self.route_id or ""
        self.database.submit(queries.route_list, True, owner=self,
                             on_done=lambda found: self._on_listed(found, keep), on_failed=self._on_failed)

    def _on_listed(self, found: list[RouteSummary], keep: str | None) -> None:
        shown = [s for s in found if self.show_archived.isChecked() or not s.archived or s.route_id == keep]
        self.summaries = shown
        self.table.blockSignals(True)
        self.table.fill(list_rows(shown))
        self.table.blockSignals(False)
        archived = sum(s.archived for s in found)
        self.count.setText(plural(len(found) - archived, "route") + (f", {archived:,} archived" if archived else ""))
        self._arrange()
        row = next((n for n, s in enumerate(shown) if s.route_id == keep), 0 if shown and not keep else None)
        if row is not None:
            self.table.blockSignals(True)
            self.table.setCurrentCell(row, 0)
            self.table.blockSignals(False)
            self.show_route(shown[row].route_id)
        else:
            self._show_detail(None)
        self.listed.emit(len(shown))

    def _on_route_row_changed(self, row: int, *_: Any) -> None:
        if 0 <= row < len(self.summaries) and self.summaries[row].route_id != self.route_id:
            self.show_route(self.summaries[row].route_id)

    def select_route(self, route_id: str) -> bool:
        row = next((n for n, s in enumerate(self.summaries) if s.route_id == route_id), None)
        if row is None:
            return False
        self.table.setCurrentCell(row, 0)
        return True

    # --- the chosen route -----------------------------------------------------------------------

    def show_route(self, route_id: str) -> None:
        self.route_id = route_id
        self.database.submit(queries.route_detail, route_id, owner=self, on_done=self._on_detail,
                             on_failed=self._on_failed)

    def _on_detail(self, found: RouteDetail) -> None:
        if found.summary.route_id != self.route_id:
            return  # another route was chosen meanwhile
        step_row = self.steps.currentRow() if self._step_wanted is None else self._step_wanted
        self._step_wanted = None
        if self.detail is None or self.detail.summary.route_id != found.summary.route_id:
            step_row = 0
        self._show_detail(found)
        self._show_steps(found.newest.steps, step_row)
        self.shown.emit(found)

    def _show_detail(self, found: RouteDetail | None) -> None:
        self.detail = found
        self.placeholder.setVisible(found is None)
        self.body.setVisible(found is not None)
        if found is None:
            self.route_id = None
            return
        summary, newest = found.summary, found.newest
        self.title.setText(summary.name)
        self.title.setToolTip(f"Route id: {summary.route_id}")
        state = "archived: not offered for new jobs" if summary.archived else "offered for new jobs"
        self.summary.setText(f"Revision {newest.revision} · {plural(len(newest.steps), 'step')} · "
                             f"{plural(summary.open_jobs, 'open job')} · {state}")
        self.summary.setToolTip(f"Newest revision: {newest.id}")
        self.archive_button.setText("Restore…" if summary.archived else "Archive…")
        self.archive_button.setProperty("danger", not summary.archived)
        self.archive_button.style().unpolish(self.archive_button)
        self.archive_button.style().polish(self.archive_button)
        self.history.fill(history_rows(found.history))
        self.tabs.setTabText(1, f"Revisions ({len(found.history)})")
        for button in (self.add_button, self.rename_button):
            button.setEnabled(not summary.archived)

    def _show_steps(self, steps: list[StepRecord], current: int) -> None:
        self.steps.fill(step_rows(steps))
        if steps:
            self.steps.setCurrentCell(max(0, min(current, len(steps) - 1)), 1)
        self._enable_steps()

    def chosen_step(self) -> StepRecord | None:
        row = self.steps.currentRow()
        steps = self.detail.newest.steps if self.detail else []
        return steps[row] if 0 <= row < len(steps) else None

    def _enable_steps(self) -> None:
        step = self.chosen_step()
        editable = self.detail is not None and not self.detail.summary.archived
        count = len(self.detail.newest.steps) if self.detail else 0
        self.change_button.setEnabled(editable and step is not None)
        self.remove_button.setEnabled(editable and step is not None and count > 1)
        self.up_button.setEnabled(editable and step is not None and step.position > 0)
        self.down_button.setEnabled(editable and step is not None and self.steps.currentRow() < count - 1)

    # --- changes --------------------------------------------------------------------------------

    def _submit(self, function: Callable[..., PathRecord], *args: Any, done: str,
                dialog: StepDialog | None = None, step_row: int | None = None) -> None:
        def on_done(record: PathRecord) -> None:
            if dialog is not None:
                dialog.accept()
            self._step_wanted = step_row
            self._on_saved(record, done)

        def on_failed(failure: Failure) -> None:
            if dialog is not None:
                dialog.show_error(failure.message)
            self._on_failed(failure)

        self.database.submit(function, *args, owner=self, on_done=on_done, on_failed=on_failed)

    def _on_saved(self, record: PathRecord, done: str) -> None:
        if done == "revision":
            self._say(f"Saved as revision {record.revision} of {record.name}. Serials already made keep the "
                      f"revision they were made on; new jobs take revision {record.revision}.")
        else:
            self._say(done)
        self.saved.emit(record)
        self.reload(record.route_id or record.id)

    def create(self) -> None:
        dialog = NewRouteDialog(self)
        dialog.submitted.connect(lambda route: self.database.submit(
            routes.create_path, route, self.user.id, owner=self,
            on_done=lambda record: (dialog.accept(), self._on_saved(record, f"Created the route {record.name} "
                                                                    f"with {plural(len(record.steps), 'step')}.")),
            on_failed=lambda failure: (dialog.show_error(failure.message), self._on_failed(failure))))
        self._open(dialog)

    def _open(self, dialog: NewRouteDialog | StepDialog) -> None:
        self.dialog = dialog
        dialog.open()
        self.dialog_opened.emit(dialog)

    def rename(self) -> None:
        if self.detail is None:
            return
        old = self.detail.summary.name
        name = self.ask_text(self, "Rename route", f"New name for {old}:", old)
        if name is None or name.strip() == old:
            return
        reason = self._reason("Reason for the new name", f"Why rename {old}?")
        if reason is not None:
            self._submit(routes.rename_route, self.detail.summary.route_id, name.strip(), self.user.id, reason,
                         done=f"Renamed {old} to {name.strip()}. Every revision has the new name.")

    def archive_or_restore(self) -> None:
        if self.detail is None:
            return
        summary = self.detail.summary
        verb = "restore" if summary.archived else "archive"
        reason = self._reason(f"{verb.capitalize()} route", f"Why {verb} {summary.name}?")
        if reason is None:
            return
        if summary.archived:
            self._submit(routes.restore_route, summary.route_id, self.user.id, reason,
                         done=f"Restored {summary.name}: it is offered for new jobs again.")
        else:
            self.show_archived.blockSignals(True)
            self.show_archived.setChecked(True)  # the route stays in view once archived
            self.show_archived.blockSignals(False)
            self._submit(routes.archive_route, summary.route_id, self.user.id, reason,
                         done=f"Archived {summary.name}: it is no longer offered for new jobs.")

    def add_step(self) -> None:
        if self.detail is None:
            return
        count = len(self.detail.newest.steps)
        after = self.steps.currentRow() + 2 if self.chosen_step() else count + 1
        dialog = StepDialog("Add step", None, positions=count + 1, position=after, parent=self)

        def submitted(values: dict) -> None:
            reason = self._reason("Reason for the new step", f"Why add {values['name'] or 'a step'} to "
                                  f"{self.detail.summary.name}?")
            if reason is not None:
                self._submit(routes.add_step, self.detail.summary.route_id, values["name"], values["requires"],
                             self.user.id, reason, values["position"], values["code"], done="revision", dialog=dialog,
                             step_row=values["position"] - 1)
        dialog.submitted.connect(submitted)
        self._open(dialog)

    def change_step(self) -> None:
        step = self.chosen_step()
        if step is None or self.detail is None or self.detail.summary.archived:
            return
        dialog = StepDialog("Change step", step, parent=self)

        def submitted(values: dict) -> None:
            reason = self._reason("Reason for the change", f"Why change the step {step.name}?")
            if reason is not None:
                self._submit(routes.change_step, self.detail.summary.route_id, step.code, self.user.id, reason,
                             values["name"], values["requires"], done="revision", dialog=dialog)
        dialog.submitted.connect(submitted)
        self._open(dialog)

    def move_step(self, by: int) -> None:
        step = self.chosen_step()
        if step is None or self.detail is None:
            return
        to = step.position + 1 + by
        if not 1 <= to <= len(self.detail.newest.steps):
            return
        reason = self._reason("Reason for the new order", f"Why move {step.name} {'up' if by < 0 else 'down'}?")
        if reason is not None:
            self._submit(routes.move_step, self.detail.summary.route_id, step.code, to, self.user.id, reason,
                         done="revision", step_row=to - 1)

    def remove_step(self) -> None:
        step = self.chosen_step()
        if step is None or self.detail is None:
            return
        reason = self._reason("Remove step", f"Why remove {step.name} from {self.detail.summary.name}?")
        if reason is not None:
            self._submit(routes.remove_step, self.detail.summary.route_id, step.code, self.user.id, reason,
                         done="revision")


@office_view("Routes", roles=("admin",), order=60, group=PLANT_SET_UP)
def build(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return RoutesView(database, user)
