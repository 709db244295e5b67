"""Serial detail: a serial's route, step by step, with its attachments and its audit entries."""
from __future__ import annotations


from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QSplitter, QTableWidget, QTableWidgetItem,
                               QTabWidget, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from app.queries import audit_views as queries
from app.queries.audit_views import SerialReport
from app.users import UserRecord
from ui.office import office_view
from ui.worker import DatabaseWorker, Failure
from ui.office.common import local_time, style_table


def open_serial(widget: QWidget, serial_id: str) -> None:
    """Show the serial in the Serial detail tab of the same window."""
    view = widget.window().findChild(SerialView)
    if view is None:
        return
    view.show_serial(serial_id)
    parent = view.parentWidget()
    while parent is not None and not isinstance(parent, QTabWidget):
        parent = parent.parentWidget()
    if isinstance(parent, QTabWidget):
        parent.setCurrentWidget(view)




class SerialView(QWidget):
    """A serial: its job and route, per step the certificates attached there (who, when), its audit entries."""

    serial_loaded = Signal(str)
    message_shown = Signal(str)

    def __init__(self, database: DatabaseWorker, user: UserRecord):
        super().__init__(objectName="serialView")
        self._database = database
        self.report: SerialReport | None = None
        self.serial_field = QLineEdit(objectName="serialField", placeholderText="Scan or type a serial")
        self.serial_field.returnPressed.connect(lambda: self.show_serial(self.serial_field.text()))
        self.header = QLabel(objectName="serialHeader", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.steps = QTreeWidget(objectName="serialSteps")
        self.steps.setHeaderLabels(["Step / certificate", "Kind", "Attached at", "Attached by"])
        self.steps.setColumnWidth(0, 320)
        self.steps.setColumnWidth(1, 110)
        self.steps.setColumnWidth(2, 160)
        self.audit = QTableWidget(0, 5, objectName="serialAudit")
        self.audit.setHorizontalHeaderLabels(["#", "At", "Type", "User", "Details"])
        self.audit.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        style_table(self.audit)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.steps)
        splitter.addWidget(self.audit)
        top = QHBoxLayout()
        top.addWidget(QLabel("Serial:"))
        top.addWidget(self.serial_field, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.header)
        layout.addWidget(splitter, 1)

    def show_serial(self, serial_id: str) -> None:
        serial_id = serial_id.strip()
        if not serial_id:
            return
        self.serial_field.setText(serial_id)
        self._database.submit(queries.serial_report, serial_id, owner=self, on_done=self._on_serial,
                              on_failed=self._on_failed)

    def _on_failed(self, failure: Failure) -> None:
        self.report = None
        self.header.setText(f"<b style='color:#b00020'>{failure.message}</b>")
        self.steps.clear()
        self.audit.setRowCount(0)
        self.message_shown.emit(failure.message)

    def _on_serial(self, report: SerialReport) -> None:
        self.report = report
        d = report.detail
        current = d.current_step
        where = "completed" if d.current_step_index == -1 else (
            f"at {current.step.name} ({current.step.id})" if current else "")
        self.header.setText(f"<b>{d.id}</b> &nbsp;·&nbsp; job <b>{d.job_id}</b> {d.job_name} (part {d.part})"
                            f" &nbsp;·&nbsp; route {d.path_name} ({d.path_id}) &nbsp;·&nbsp; {d.status}, {where}")
        self.steps.clear()
        for state in d.steps:
            step = state.step
            needs = f" — requires {', '.join(step.requires)}" if step.requires else ""
            item = QTreeWidgetItem([f"{step.position + 1}. {step.name} ({step.id}) [{state.state}]{needs}"])
            missing = state.missing_kinds if state.state != "ahead" else []
            if missing:
                item.setForeground(0, QColor("#b00020"))
                item.setToolTip(0, f"Missing: {', '.join(missing)}")
            for a in state.attachments:
                child = QTreeWidgetItem([f"{a.attachment.cert_id} — {a.cert_name}", a.cert_kind,
                                         local_time(a.attachment.attached_at),
                                         f"{a.attached_by_name} ({a.attachment.attached_by})"])
                item.addChild(child)
            self.steps.addTopLevelItem(item)
        self.steps.expandAll()
        for column in range(3):
            self.steps.resizeColumnToContents(column)
        self.audit.setRowCount(len(report.audit))
        for row, entry in enumerate(report.audit):
            detail = ", ".join(filter(None, [entry.cert_id and f"cert {entry.cert_id}",
                                             entry.step_id and f"step {entry.step_id}", entry.reason]))
            for column, text in enumerate((str(entry.seq), local_time(entry.at), entry.type, entry.user_id or "",
                                           detail)):
                self.audit.setItem(row, column, QTableWidgetItem(text))
        self.audit.resizeColumnsToContents()
        self.serial_loaded.emit(d.id)




@office_view("Serial detail", order=20)
def serial_view(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return SerialView(database, user)
