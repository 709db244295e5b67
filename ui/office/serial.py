"""Serial detail: a serial's route, step by step, with who attached what and when, and its history."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QSplitter, QTableWidget, QTableWidgetItem,
                               QTabWidget, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from app.queries import audit_views as queries
from app.queries.audit_views import SERIAL_AUDIT_ROWS, SerialReport
from app.queries.exports import where_it_stands
from app.serials import StepAttachment, StepState
from app.users import UserRecord
from app.words import AUDIT_TYPE, CERT_KIND, STEP_STATE, word
from ui.office import look, office_view
from ui.office.common import local_time, style_table, utc_tooltip
from ui.office.export import ExportButtons
from ui.worker import DatabaseWorker, Failure

RED, GREY = QColor("#b00020"), QColor("#6b7a89")
STEP, STATE, CERTIFICATE, AT, BY = range(5)


def open_serial(widget: QWidget, serial_id: str) -> None:
    """Show the serial in the Serial tab of the same window."""
    view = widget.window().findChild(SerialView)
    if view is None:
        return
    view.show_serial(serial_id)
    parent = view.parentWidget()
    while parent is not None and not isinstance(parent, QTabWidget):
        parent = parent.parentWidget()
    if isinstance(parent, QTabWidget):
        parent.setCurrentWidget(view)


def kinds(codes: list[str]) -> str:
    return ", ".join(word(CERT_KIND, code) for code in codes)


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
        self.header.setText("<span style='color:#4a5a6a'>Scan or type a serial to see its route.</span>")

        self.steps = QTreeWidget(objectName="serialSteps")
        self.steps.setHeaderLabels(["Step", "State", "Certificate", "Attached at", "Attached by"])
        self.steps.setRootIsDecorated(False)
        self.steps.setItemsExpandable(False)
        self.steps.setAlternatingRowColors(True)
        self.steps.header().setStretchLastSection(True)
        self.steps.setStyleSheet("QTreeView::item { padding: 3px 2px; }")  # rows as tall as the tables'
        self.route_count = QLabel(objectName="routeCount")
        self.exports = ExportButtons(database, user, self.export_report, beside=self.route_count)
        self.exports.set_available(False)

        self.audit = QTableWidget(0, 5, objectName="serialAudit")
        self.audit.setHorizontalHeaderLabels(["#", "When", "What", "Who", "Details"])
        self.audit.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        style_table(self.audit)
        # A long sentence wraps within its row rather than being cut, at any width.
        self.audit.horizontalHeader().sectionResized.connect(lambda *_: self.audit.resizeRowsToContents())
        self.audit_count = QLabel(objectName="auditCount")

        route = QWidget()
        route_layout = QVBoxLayout(route)
        route_layout.setContentsMargins(0, 0, 0, 4)
        route_layout.addWidget(look.section("Route"))
        route_layout.addWidget(self.steps, 1)
        route_layout.addWidget(self.exports)
        history = QWidget()
        history_layout = QVBoxLayout(history)
        history_layout.setContentsMargins(0, 4, 0, 0)
        history_layout.addWidget(look.section("History"))
        history_layout.addWidget(self.audit, 1)
        history_layout.addWidget(self.audit_count)
        splitter = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        splitter.addWidget(route)
        splitter.addWidget(history)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        top = QHBoxLayout()
        top.addWidget(QLabel("Serial"))
        top.addWidget(self.serial_field, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("Serial detail", "A serial's route step by step: what was attached at each "
                                                       "step, by whom and when, and everything that happened to it."))
        layout.addLayout(top)
        layout.addWidget(self.header)
        layout.addWidget(splitter, 1)

    def export_report(self) -> tuple[str, dict] | None:
        return None if self.report is None else ("serial", {"serial_id": self.report.detail.id})

    def show_serial(self, serial_id: str) -> None:
        serial_id = serial_id.strip()
        if not serial_id:
            return
        self.serial_field.setText(serial_id)
        self._database.submit(queries.serial_report, serial_id, owner=self, on_done=self._on_serial,
                              on_failed=self._on_failed)

    def _on_failed(self, failure: Failure) -> None:
        self.report = None
        self.header.setText(f"<b style='color:#b00020'>{html.escape(failure.message)}</b>")
        self.steps.clear()
        self.audit.setRowCount(0)
        self.route_count.clear()
        self.audit_count.clear()
        self.exports.set_available(False)
        self.serial_field.selectAll()
        self.message_shown.emit(failure.message)

    def _on_serial(self, report: SerialReport) -> None:
        self.report = report
        d = report.detail
        self.serial_field.selectAll()
        self.header.setText(
            f"<span style='font-size:17px'><b>{html.escape(d.id)}</b> — {html.escape(where_it_stands(d))}</span><br>"
            f"Job <b>{html.escape(d.job_id)}</b> {html.escape(d.job_name)} &nbsp;·&nbsp; Part {html.escape(d.part)}"
            f" &nbsp;·&nbsp; Route {html.escape(d.path_name)}, revision {d.revision} &nbsp;·&nbsp; Created {local_time(d.created_at)}")
        self.header.setToolTip(f"Route id: {d.path_id}; status {d.status}; created {utc_tooltip(d.created_at)}")
        self.steps.clear()
        for state in d.steps:
            self.steps.addTopLevelItem(self._step_item(state))
        self.steps.expandAll()
        for column in range(BY):
            self.steps.resizeColumnToContents(column)
        attached = sum(len(state.attachments) for state in d.steps)
        self.route_count.setText(f"{len(d.steps)} steps, {attached} certificate{'' if attached == 1 else 's'} "
                                 "attached")
        self._fill_audit(report)
        self.exports.set_available(True)
        self.serial_loaded.emit(d.id)

    def _step_item(self, state: StepState) -> QTreeWidgetItem:
        step = state.step
        item = QTreeWidgetItem([f"{step.position + 1}. {step.name}", word(STEP_STATE, state.state)])
        item.setToolTip(STEP, f"Step id: {step.id}" + (f"; requires {kinds(step.requires)}" if step.requires else ""))
        rows = [self._attachment_cells(a) for a in state.attachments]
        missing = state.missing_kinds if state.state != "ahead" else []
        if missing:
            rows.append(([f"Missing: {kinds(missing)}", "", ""], [f"Requires {', '.join(step.requires)}", "", ""],
                         RED))
        elif state.state == "ahead" and step.requires:
            rows.append(([f"Requires {kinds(step.requires)}", "", ""], ["", "", ""], GREY))
        for index, (texts, tips, colour) in enumerate(rows):
            target = item if index == 0 else QTreeWidgetItem(item)
            for column, text, tip in zip((CERTIFICATE, AT, BY), texts, tips):
                target.setText(column, text)
                target.setToolTip(column, tip)
                if colour is not None:
                    target.setForeground(column, QBrush(colour))
        if state.state == "current":
            bold = QFont(item.font(STEP))
            bold.setBold(True)
            item.setFont(STEP, bold)
            item.setFont(STATE, bold)
        elif state.state == "ahead":
            item.setForeground(STEP, QBrush(GREY))
            item.setForeground(STATE, QBrush(GREY))
        return item

    @staticmethod
    def _attachment_cells(a: StepAttachment) -> tuple[list[str], list[str], QColor | None]:
        record = a.attachment
        texts = [f"{record.cert_id} — {a.cert_name} ({word(CERT_KIND, a.cert_kind)})", local_time(record.attached_at),
                 a.attached_by_name]
        tips = [f"Certificate id: {record.cert_id}; kind {a.cert_kind}", utc_tooltip(record.attached_at),
                f"User id: {record.attached_by}"]
        return texts, tips, None

    def _fill_audit(self, report: SerialReport) -> None:
        self.audit.setRowCount(len(report.audit))
        for row, entry in enumerate(report.audit):
            cells = ((str(entry.seq), f"Entry id: {entry.id}"), (local_time(entry.at), utc_tooltip(entry.at)),
                     (word(AUDIT_TYPE, entry.type), f"Type: {entry.type}"),
                     (report.user_name(entry.user_id), f"User id: {entry.user_id}" if entry.user_id else ""),
                     (report.sentence(entry), ""))
            for column, (text, tip) in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip or text)
                self.audit.setItem(row, column, item)
        for column in range(self.audit.columnCount() - 1):  # the last (the sentence) takes the rest
            self.audit.resizeColumnToContents(column)
        count = len(report.audit)
        self.audit_count.setText(f"The newest {count} entries; the Audit trail tab has every one"
                                 if count >= SERIAL_AUDIT_ROWS else
                                 f"{count} entr{'y' if count == 1 else 'ies'}, newest first")


@office_view("Serial", order=20)
def serial_view(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return SerialView(database, user)
