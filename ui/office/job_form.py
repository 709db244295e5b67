"""A new job: its id, name, part, route (chosen by name: a new job takes the route's newest revision),
quantity, and the GTIN and lot its labels carry when given. The core checks every field
(``app.jobs.create_job``); the field it refuses shows the core's sentence under it.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from app import jobs
from app.jobs import JobRecord
from app.queries import jobs as queries
from app.route_history import RouteSummary
from app.users import UserRecord
from app.words import plural
from ui.office import look
from ui.worker import DatabaseWorker, Failure

# The core's name for each field, and its label on the form.
FIELDS = {"id": "Job id", "name": "Name", "part": "Part", "path": "Route", "quantity": "Quantity",
          "gtin": "GTIN (optional)", "lot": "Lot (optional)"}


class JobForm(QDialog):
    """Create a job; ``saved`` with it once the core has written it."""

    saved = Signal(object)  # JobRecord
    refused = Signal(str, str)  # message, field ("" when the core named none)
    routes_loaded = Signal(int)

    def __init__(self, database: DatabaseWorker, user: UserRecord, parent: QWidget | None = None):
        super().__init__(parent, objectName="jobForm")
        self.database, self.user = database, user
        self.setWindowTitle("New job")
        self.inputs: dict[str, QWidget] = {
            "id": QLineEdit(objectName="jobId", placeholderText="e.g. JOB-24-0431"),
            "name": QLineEdit(objectName="jobName", placeholderText="e.g. Flanges for Acme, order 4711"),
            "part": QLineEdit(objectName="jobPart", placeholderText="part number, e.g. FL-100"),
            "path": QComboBox(objectName="jobRoute"),
            "quantity": QSpinBox(objectName="jobQuantity", minimum=1, maximum=jobs.MAX_QUANTITY, value=20),
            "gtin": QLineEdit(objectName="jobGtin", placeholderText="8, 12, 13 or 14 digits: on GS1 labels"),
            "lot": QLineEdit(objectName="jobLot", placeholderText="up to 20 characters: on GS1 labels"),
        }
        self.inputs["quantity"].setGroupSeparatorShown(True)
        self.inputs["quantity"].setToolTip("How many pieces the job is for: serials beyond it are refused")
        self.inputs["path"].setToolTip("A new job takes the route's newest revision and keeps it")
        self.errors = {key: QLabel(objectName=f"{key}Error", wordWrap=True) for key in FIELDS}
        form = look.form()
        for key, label in FIELDS.items():
            self.errors[key].setProperty("state", "error")
            self.errors[key].setStyleSheet("color: #b00020;")
            self.errors[key].hide()
            form.addRow(label, look.stack(self.inputs[key], self.errors[key]))
        self.general = QLabel(objectName="jobFormError", wordWrap=True)
        self.general.setStyleSheet("color: #b00020;")
        self.general.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton("Create job", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("createJob")
        self.create_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("New job", "A batch of one part along one route. Its serials are made in "
                                                 "the Serials tab."))
        layout.addLayout(form)
        layout.addWidget(self.general)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        database.submit(queries.routes_for_new_jobs, owner=self, on_done=self._on_routes, on_failed=self._on_failed)

    def _on_routes(self, found: list[RouteSummary]) -> None:
        box: QComboBox = self.inputs["path"]  # type: ignore[assignment]
        for route in found:
            box.addItem(f"{route.name} ({plural(route.steps, 'step')})", route.route_id)
            box.setItemData(box.count() - 1, f"Route {route.route_id}, revision {route.revision}: new jobs take this "
                            "revision", Qt.ItemDataRole.ToolTipRole)
        if not found:
            self._show_error("path", "There is no route yet: an administrator makes one in the Routes tab.")
        self.routes_loaded.emit(len(found))

    def values(self) -> dict:
        text = {key: self.inputs[key].text().strip() for key in ("id", "name", "part", "gtin", "lot")}
        return text | {"path": self.inputs["path"].currentData() or "",
                       "quantity": self.inputs["quantity"].value()}

    def _clear_errors(self) -> None:
        for label in (*self.errors.values(), self.general):
            label.clear()
            label.hide()

    def _show_error(self, field: str | None, message: str) -> None:
        label = self.errors.get(field or "", self.general)
        label.setText(message)
        label.show()
        if field in self.inputs:
            self.inputs[field].setFocus()

    def submit(self) -> None:
        self._clear_errors()
        self.create_button.setEnabled(False)
        self.database.submit(jobs.create_job, self.values(), self.user.id, owner=self, on_done=self._on_created,
                             on_failed=self._on_failed)

    def _on_created(self, job: JobRecord) -> None:
        self.create_button.setEnabled(True)
        self.saved.emit(job)
        self.accept()

    def _on_failed(self, failure: Failure) -> None:
        self.create_button.setEnabled(True)
        self._show_error(failure.field, failure.message)
        self.refused.emit(failure.message, failure.field or "")
