"""The Routes view's parts: its tables in words, and its dialogs — one step (its name and the certificate
kinds it requires, chosen with check boxes), and a new route (id, name and its steps in order) written in one go.

The dialogs check nothing the core checks: they hand what was typed to the caller, which asks the
core in the worker and shows its refusal back here, beside the field it names, the dialog still open.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QGridLayout, QHeaderView, QInputDialog, QLabel,
                               QLineEdit, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.queries.routes import RevisionLine
from app.route_history import RouteSummary
from app.routes import StepRecord
from app.words import CERT_KIND, kinds_phrase
from ui.office import look
from ui.office.common import KINDS, local_time, style_table
from ui.office.setup_tables import Cell


def requires_text(kinds: list[str]) -> str:
    return kinds_phrase(kinds) if kinds else "Nothing"


def ask_text(parent: QWidget, title: str, prompt: str, text: str = "") -> str | None:
    """A line typed by the person, starting from ``text``; None when cancelled."""
    value, ok = QInputDialog.getText(parent, title, prompt, text=text)
    return value if ok else None


# --- the Routes view's tables, as (text, tool tip) cells ---------------------------------------------------

def list_rows(summaries: list[RouteSummary]) -> list[list[Cell]]:
    return [[(s.name, f"Route id: {s.route_id}; newest revision: {s.path_id}"), (str(s.steps), ""),
             (str(s.revision), s.path_id), (str(s.open_jobs), "Open jobs on any revision of this route"),
             ("Archived", "Not offered for new jobs") if s.archived else ("Active", "Offered for new jobs")]
            for s in summaries]


def step_rows(steps: list[StepRecord]) -> list[list[Cell]]:
    return [[(str(n + 1), ""), (s.name, f"Step code: {s.code} ({s.id})"), (requires_text(s.requires), "")]
            for n, s in enumerate(steps)]


def history_rows(history: list[RevisionLine]) -> list[list[Cell]]:
    return [[(str(line.revision), line.path_id),
             (local_time(line.made_at)[:16],
              f"{line.made_at.isoformat(timespec='seconds')} UTC" if line.made_at else ""),
             (line.made_by_name, line.made_by or ""), (line.reason or "", line.reason or ""),
             ("; ".join(line.changes) or ("Created" if line.revision == 1 else ""), ""),
             (f"{line.jobs:,}", ""), (f"{line.serials:,}", "")]
            for line in history]


def _error_label(name: str) -> QLabel:
    label = QLabel(objectName=name, wordWrap=True)
    label.setStyleSheet("color: #b00020;")
    label.hide()
    return label


class StepDialog(QDialog):
    """A step's name, its code (optional, new steps only) and required kinds; ``submitted`` with
    ``{"name", "code", "requires", "position"}`` when the person presses Save. The caller closes it."""

    submitted = Signal(dict)

    def __init__(self, title: str, step: StepRecord | dict | None = None, positions: int = 0,
                 position: int = 0, parent: QWidget | None = None):
        super().__init__(parent, objectName="stepDialog")
        self.setWindowTitle(title)
        values = step if isinstance(step, dict) else (
            {"name": step.name, "code": step.code, "requires": step.requires} if step else {})
        self.name_field = QLineEdit(values.get("name", ""), objectName="stepName")
        self.name_field.setMinimumWidth(320)
        self.code_field = QLineEdit(values.get("code") or "", objectName="stepCode",
                                    placeholderText="made from the route's id")
        self.code_field.setReadOnly(step is not None)
        self.kinds: dict[str, QCheckBox] = {}
        kinds = QWidget(objectName="stepKinds")
        grid = QGridLayout(kinds)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, kind in enumerate(KINDS):
            box = QCheckBox(CERT_KIND[kind], objectName=f"requires_{kind}")
            box.setChecked(kind in values.get("requires", []))
            self.kinds[kind] = box
            grid.addWidget(box, index // 2, index % 2)
        self.position = QSpinBox(objectName="stepPosition", minimum=1, maximum=max(1, positions))
        self.position.setValue(max(1, min(position, positions)) if positions else 1)
        form = look.form()
        form.addRow("Name", self.name_field)
        if step is None:
            form.addRow("Step code", look.stack(self.code_field, look.hint("Optional: the code scripts and the "
                                                                           "audit trail use for this step.")))
        form.addRow("Requires", look.stack(kinds, look.hint("The certificate kinds a serial must hold when it "
                                                            "leaves this step. None: nothing is required.")))
        if positions:
            form.addRow("Position", self.position)
        self.error = _error_label("stepError")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.name_field.setFocus()

    def requires(self) -> list[str]:
        return [kind for kind, box in self.kinds.items() if box.isChecked()]

    def values(self) -> dict[str, Any]:
        return {"name": self.name_field.text().strip(), "code": self.code_field.text().strip() or None,
                "requires": self.requires(), "position": self.position.value()}

    def save(self) -> None:
        self.error.hide()
        self.submitted.emit(self.values())

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class NewRouteDialog(QDialog):
    """A new route: its id, name and steps, arranged here and written in one go (``submitted`` with the
    route as ``app.routes.create_path`` takes it). A step is added, changed, moved and removed freely
    until it is saved: no revision exists yet."""

    submitted = Signal(dict)
    step_dialog_opened = Signal(object)  # StepDialog

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, objectName="newRouteDialog")
        self.setWindowTitle("New route")
        self.steps: list[dict[str, Any]] = []
        self.id_field = QLineEdit(objectName="routeId", placeholderText="e.g. fl_route")
        self.name_field = QLineEdit(objectName="routeName", placeholderText="e.g. Flange machining")
        form = look.form()
        form.addRow("Route id", look.stack(self.id_field, look.hint("The code scripts and the audit trail use; "
                                                                    "it never changes.")))
        form.addRow("Name", self.name_field)
        self.table = QTableWidget(0, 3, objectName="newRouteSteps")
        style_table(self.table)
        self.table.setHorizontalHeaderLabels(["No.", "Step", "Requires"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(170)
        self.add_button = look.button("Add step…", "addNewStep", primary=True)
        self.change_button = look.button("Change…", "changeNewStep")
        self.up_button = look.button("Move up", "newStepUp")
        self.down_button = look.button("Move down", "newStepDown")
        self.remove_button = look.button("Remove", "removeNewStep", danger=True)
        self.add_button.clicked.connect(lambda: self._open_step(None))
        self.change_button.clicked.connect(lambda: self._open_step(self.table.currentRow()))
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.remove_button.clicked.connect(self._remove)
        self.table.currentCellChanged.connect(lambda *_: self._enable())
        self.error = _error_label("newRouteError")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Create route")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(look.section("Steps, in order"))
        layout.addWidget(self.table, 1)
        layout.addLayout(look.row(self.add_button, self.change_button, self.up_button, self.down_button,
                                  self.remove_button))
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.step_dialog: StepDialog | None = None
        self._enable()

    def _enable(self) -> None:
        row = self.table.currentRow()
        chosen = 0 <= row < len(self.steps)
        self.change_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)
        self.up_button.setEnabled(chosen and row > 0)
        self.down_button.setEnabled(chosen and row < len(self.steps) - 1)

    def _show_steps(self, current: int) -> None:
        self.table.setRowCount(len(self.steps))
        for row, step in enumerate(self.steps):
            for column, text in enumerate((str(row + 1), step["name"], requires_text(step["requires"]))):
                item = QTableWidgetItem(text)
                item.setToolTip(f"Step code: {step['code']}" if step.get("code") else "")
                self.table.setItem(row, column, item)
        if self.steps:
            self.table.setCurrentCell(max(0, min(current, len(self.steps) - 1)), 1)
        self._enable()

    def _open_step(self, row: int | None) -> None:
        editing = row is not None and 0 <= row < len(self.steps)
        self.step_dialog = StepDialog("Change step" if editing else "Add step",
                                      dict(self.steps[row]) if editing else None, parent=self)
        if editing:
            self.step_dialog.code_field.setReadOnly(False)
        self.step_dialog.submitted.connect(lambda values: self._on_step(values, row if editing else None))
        self.step_dialog.open()
        self.step_dialog_opened.emit(self.step_dialog)

    def _on_step(self, values: dict[str, Any], row: int | None) -> None:
        step = {"name": values["name"], "code": values["code"], "requires": values["requires"]}
        if row is None:
            self.steps.append(step)
            row = len(self.steps) - 1
        else:
            self.steps[row] = step
        if self.step_dialog is not None:
            self.step_dialog.accept()
        self._show_steps(row)

    def _move(self, by: int) -> None:
        row = self.table.currentRow()
        if 0 <= row + by < len(self.steps) and 0 <= row < len(self.steps):
            self.steps.insert(row + by, self.steps.pop(row))
            self._show_steps(row + by)

    def _remove(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.steps):
            del self.steps[row]
            self._show_steps(row)

    def route(self) -> dict[str, Any]:
        return {"id": self.id_field.text().strip(), "name": self.name_field.text().strip(),
                "steps": [{"id": s["code"], "name": s["name"], "requires": s["requires"]} for s in self.steps]}

    def save(self) -> None:
        self.error.hide()
        self.submitted.emit(self.route())

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
