"""The Certificates office view: list (filtered and sorted in the database, paged), expiring soon,
create, edit, revoke, delete, and the chosen certificate's documents.

Questions go to the database worker as calls of ``app.queries.certificates`` and the core;
a value the core refuses comes back as a ``Failure`` naming the field, shown beside it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import certificates
from app.queries import certificates as queries
from app.queries.certificates import EXPIRING_DAYS
from app.certificates import SORTABLE_FIELDS, CertificateQuery, CertificateRecord, DeletePlan, state_words
from app.certificates import CERT_KINDS, REVIEW_STATUSES
from app.clock import today
from app.users import UserRecord
from ui.office.certificate_form import CertificateForm, ask_reason
from ui.office.documents_panel import DocumentsPanel
from ui.office import office_view
from ui.paged_model import Column, PagedModel
from ui.worker import DatabaseWorker, Failure

PAGE_SIZE = 200

# --- the list model -----------------------------------------------------------------------------

COLUMNS = (("id", "Id"), ("name", "Name"), ("kind", "Kind"), ("number", "Number"),
           ("date_release", "Released"), ("date_expire", "Expires"), ("status", "State"),
           ("review_status", "Review"))
COLOURS = {"expired": QColor("#f8d7da"), "expiring": QColor("#fff3cd"), "revoked": QColor("#e0e0e0")}


def state_of(record: CertificateRecord, on: dt.date) -> str:
    """``revoked``, ``expired``, ``expiring`` or ``valid``: what the row's colour says."""
    return "revoked" if record.status == "revoked" else record.expiry_state(on)


def _cell(key: str) -> Callable[[CertificateRecord], str]:
    def text(record: CertificateRecord) -> str:
        value = getattr(record, key)
        if value is None:
            return ""
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return text


class CertificateListModel(PagedModel):
    """Certificates matching a query (ui/paged_model.py), fetched page by page as the view scrolls.

    Sorting asks for the query again sorted another way: the database sorts.
    """

    def __init__(self, database: DatabaseWorker, parent=None):
        self.query = CertificateQuery()
        self._on = today()
        # The state column says revoked, expired or how long still valid in the words every screen uses;
        # it sorts by the stored status.
        columns = [Column(key, heading, self._state_words if key == "status" else _cell(key),
                          sort_key=key if key in SORTABLE_FIELDS else None, tooltip=self._tooltip)
                   for key, heading in COLUMNS]
        super().__init__(database, queries.page, (self.query,), columns, page_size=PAGE_SIZE,
                         count_operation=certificates.count_certificates, count_args=(self.query,), role_hook=self._colour,
                         parent=parent, start=False)
        self._columns_by_index = columns
        self._fresh: dict[str, CertificateRecord] = {}  # records changed since their page was loaded
        self.note_sort(0, Qt.SortOrder.AscendingOrder)
        self.sort_requested.connect(self._on_sort_requested)

    def set_query(self, query: CertificateQuery) -> None:
        """Start again with ``query``; answers to an older query are dropped."""
        self.query = query
        self._on = today()
        self._fresh = {}
        self.reset((query,), (query,))

    def _on_sort_requested(self, key: str, descending: bool) -> None:
        self.set_query(replace(self.query, sort=key, descending=descending))

    def _colour(self, record: CertificateRecord, _column: Column, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = COLOURS.get(state_of(record, self._on))
            return QBrush(colour) if colour else None
        return None

    def _state_words(self, record: CertificateRecord) -> str:
        return state_words(record, self._on)

    def _tooltip(self, record: CertificateRecord) -> str:
        return f"{record.name}: {state_words(record, self._on)}"

    def replace_record(self, record: CertificateRecord) -> None:
        """Show a certificate as it is now (after a document change) without loading the list again."""
        for row in range(self.rowCount()):
            old = super().row_at(row)
            if old is not None and old.id == record.id:
                self._fresh[record.id] = record
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                return

    def row_at(self, row: int) -> Any:
        record = super().row_at(row)
        return self._fresh.get(record.id, record) if record is not None else None

    def rows(self) -> list[Any]:
        return [self._fresh.get(r.id, r) if r is not None else None for r in super().rows()]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < self.rowCount()) or not (0 <= index.column() < len(COLUMNS)):
            return None
        record = self.row_at(index.row())
        if record is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns_by_index[index.column()].text(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(record)
        if role == Qt.ItemDataRole.UserRole:
            return record
        return self._colour(record, self._columns_by_index[index.column()], role)


# --- the view -----------------------------------------------------------------------------------


class CertificatesView(QWidget):
    """Supervisors' and administrators' certificate register."""

    form_opened = Signal(object)  # CertificateForm
    revoked = Signal(object)
    deleted = Signal(object)  # DeletePlan
    refused = Signal(str)
    expiring_loaded = Signal(list)

    def __init__(self, database: DatabaseWorker, user: UserRecord, parent: QWidget | None = None):
        super().__init__(parent, objectName="certificatesView")
        self.database, self.user = database, user
        self.form: CertificateForm | None = None
        self.ask_reason: Callable[[QWidget, str, str], str | None] = ask_reason
        self.confirm: Callable[[QWidget, str, str], bool] = _confirm

        self.search = QLineEdit(objectName="certificateSearch", placeholderText="Id, name or number contains…")
        self.search.setClearButtonEnabled(True)
        self.kind = _choice("kindFilter", "Any kind", CERT_KINDS)
        self.status = _choice("statusFilter", "Any status", ("active", "revoked"))
        self.review = _choice("reviewFilter", "Any review", REVIEW_STATUSES)
        self.within = QCheckBox("Expires within", objectName="withinFilter")
        self.within.setMinimumWidth(self.within.sizeHint().width())
        self.within_days = QSpinBox(objectName="withinDays", minimum=1, maximum=3650, value=EXPIRING_DAYS,
                                    suffix=" days")
        self.expired = QCheckBox("Expired", objectName="expiredFilter")
        self.expired.setMinimumWidth(self.expired.sizeHint().width())
        filters = QVBoxLayout()
        first, second = QHBoxLayout(), QHBoxLayout()
        first.addWidget(self.search, 1)
        first.addWidget(self.expired)
        for widget in (self.kind, self.status, self.review):
            second.addWidget(widget)
        second.addStretch(1)
        second.addWidget(self.within)
        second.addWidget(self.within_days)
        filters.addLayout(first)
        filters.addLayout(second)

        self.model = CertificateListModel(database)  # no parent: answers in flight keep it alive
        self.table = QTableView(objectName="certificateTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.count = QLabel(objectName="certificateCount")

        self.expiring = QListWidget(objectName="expiringList")
        self.expiring.setMaximumHeight(130)
        self.expiring.itemClicked.connect(self._on_expiring_clicked)

        self.new_button = QPushButton("New…", objectName="newCertificate", clicked=self.create)
        self.edit_button = QPushButton("Edit…", objectName="editCertificate", clicked=self.edit_selected)
        self.revoke_button = QPushButton("Revoke…", objectName="revokeCertificate", clicked=self.revoke_selected)
        self.delete_button = QPushButton("Delete…", objectName="deleteCertificate", clicked=self.delete_selected)
        actions = QGridLayout()
        for n, button in enumerate((self.new_button, self.edit_button, self.revoke_button, self.delete_button)):
            actions.addWidget(button, n // 2, n % 2)
        self.message = QLabel(objectName="certificatesMessage")
        self.message.setWordWrap(True)
        self.details = QLabel(objectName="certificateDetails")
        self.details.setWordWrap(True)
        self.documents = DocumentsPanel(database, user)
        self.documents.changed.connect(self._on_record_changed)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count)
        left_layout.addWidget(QLabel(f"<b>Expiring in the next {EXPIRING_DAYS} days</b>"))
        left_layout.addWidget(self.expiring)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.message)
        right_layout.addWidget(self.details)
        right_layout.addWidget(self.documents, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([720, 560])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.model.page_loaded.connect(self._on_model_loaded)
        self.model.count_changed.connect(self._on_model_loaded)
        self.model.failed.connect(lambda message: self._say(message, error=True))
        self.search.textChanged.connect(self.apply_filters)
        for box in (self.kind, self.status, self.review):
            box.currentIndexChanged.connect(self.apply_filters)
        for check in (self.within, self.expired):
            check.toggled.connect(self.apply_filters)
        self.within_days.valueChanged.connect(lambda _value: self.within.isChecked() and self.apply_filters())
        self._update_buttons()
        QTimer.singleShot(0, self.reload)

    # --- list ----------------------------------------------------------------------------------

    def current_query(self) -> CertificateQuery:
        return CertificateQuery(
            text=self.search.text().strip() or None, kind=self.kind.currentData(), status=self.status.currentData(),
            review_status=self.review.currentData(),
            expires_within_days=self.within_days.value() if self.within.isChecked() else None,
            expired=True if self.expired.isChecked() else None,
            sort=self.model.query.sort, descending=self.model.query.descending)

    def apply_filters(self, *_: object) -> None:
        self.model.set_query(self.current_query())

    def reload(self) -> None:
        self.apply_filters()
        self.database.submit(queries.expiring, EXPIRING_DAYS, owner=self, on_done=self._on_expiring, on_failed=None)

    def _on_model_loaded(self, loaded: int) -> None:
        total, shown = self.model.count, self.model.rowCount()
        if total is not None:
            self.count.setText(f"{total} certificates" + (f", {shown} shown" if shown < total else ""))

    def _on_expiring(self, records: list[CertificateRecord]) -> None:
        self.expiring.clear()
        on = today()
        for record in records:
            days = (record.date_expire - on).days if record.date_expire else 0
            item = QListWidgetItem(f"{record.date_expire}  ({days} d)  {record.id} — {record.name}")
            item.setData(Qt.ItemDataRole.UserRole, record)
            item.setBackground(QBrush(COLOURS["expiring"]))
            self.expiring.addItem(item)
        if not records:
            self.expiring.addItem("Nothing expires in the next 30 days")
        self.expiring_loaded.emit(records)

    def _on_expiring_clicked(self, item: QListWidgetItem) -> None:
        record = item.data(Qt.ItemDataRole.UserRole)
        if record is not None:
            self.search.setText(record.id)

    def selected(self) -> CertificateRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_id(self, cert_id: str) -> bool:
        for row, record in enumerate(self.model.rows()):
            if record.id == cert_id:
                self.table.selectRow(row)
                return True
        return False

    def _on_table_selection_changed(self, *_: object) -> None:
        self._show(self.selected())

    def _show(self, record: CertificateRecord | None) -> None:
        if record is None:
            self.details.clear()
        else:
            self.details.setText(
                f"<b>{record.id}</b> — {record.name}<br>{record.kind}"
                + (f", EN 10204 {record.en10204_type}" if record.en10204_type else "")
                + (f", heat/lot {record.heat_lot}" if record.heat_lot else "")
                + f"<br>{state_words(record, today())}")
        if self.documents.record is None or record is None or self.documents.record.id != (record.id):
            self.documents.show_certificate(record)
        self._update_buttons()

    def _on_record_changed(self, record: CertificateRecord) -> None:
        self.model.replace_record(record)
        if self.selected() is not None and self.selected().id == record.id:  # type: ignore[union-attr]
            self._show(record)

    def _update_buttons(self) -> None:
        record = self.selected()
        self.edit_button.setEnabled(record is not None)
        self.revoke_button.setEnabled(record is not None and record.status == "active")
        self.delete_button.setEnabled(record is not None)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "color: #1b5e20;")
        if error:
            self.refused.emit(text)

    # --- create, edit --------------------------------------------------------------------------

    def create(self) -> None:
        self._open_form(None)

    def edit_selected(self) -> None:
        record = self.selected()
        if record is not None:
            self._open_form(record)

    def _open_form(self, record: CertificateRecord | None) -> None:
        self.form = CertificateForm(self.database, self.user, record, self)
        self.form.saved.connect(self._on_form_saved)
        self.form.resize(640, 760)
        self.form.open()
        self.form_opened.emit(self.form)

    def _on_form_saved(self, record: CertificateRecord) -> None:
        self._say(f"Saved {record.id}")
        self.reload_keeping(record.id)

    def reload_keeping(self, cert_id: str) -> None:
        """Reload the list and select ``cert_id`` again once it is there."""
        def select(_loaded: int) -> None:
            self.model.page_loaded.disconnect(select)
            self.select_id(cert_id)
        self.model.page_loaded.connect(select)
        self.reload()

    # --- revoke, delete ------------------------------------------------------------------------

    def revoke_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        reason = self.ask_reason(self, "Revoke certificate",
                                 f"Why revoke {record.id}? Existing attachments stay; no new ones.")
        if reason is None:
            return
        if not reason.strip():
            self._say("A reason is required to revoke a certificate", error=True)
            return
        self.database.submit(certificates.revoke_certificate, record.id, self.user.id, reason,
                             owner=self, on_done=self._on_revoked, on_failed=self._on_failed)

    def _on_revoked(self, record: CertificateRecord) -> None:
        self._say(f"Revoked {record.id}")
        self.revoked.emit(record)
        self.reload_keeping(record.id)

    def delete_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        reason = self.ask_reason(self, "Delete certificate", f"Why delete {record.id}?")
        if reason is None:
            return
        # First without force: the core refuses (attachments) or lists the documents that would go.
        self.database.submit(certificates.delete_certificate, record.id, self.user.id, reason, False,
                             owner=self, on_done=lambda plan: self._on_delete_planned(plan, reason), on_failed=self._on_failed)

    def _on_delete_planned(self, plan: DeletePlan, reason: str) -> None:
        if plan.deleted:
            self._on_deleted(plan)
            return
        names = "\n".join(f"• {d['file_name']} ({d['content_type']}, {d['size']} bytes)" for d in plan.documents)
        if not self.confirm(self, "Delete certificate and documents",
                            f"Deleting {plan.certificate.id} also deletes its documents:\n{names}\n\nDelete?"):
            self._say("Nothing deleted")
            return
        self.database.submit(certificates.delete_certificate, plan.certificate.id, self.user.id, reason, True,
                             owner=self, on_done=self._on_deleted, on_failed=self._on_failed)

    def _on_deleted(self, plan: DeletePlan) -> None:
        gone = f" and {len(plan.documents)} document(s)" if plan.documents else ""
        self._say(f"Deleted {plan.certificate.id}{gone}")
        self.deleted.emit(plan)
        self.documents.show_certificate(None)
        self.reload()

    def _on_failed(self, failure: Failure) -> None:
        self._say(failure.message, error=True)


def _choice(name: str, anything: str, values: tuple[str, ...]) -> QComboBox:
    box = QComboBox(objectName=name)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    box.addItem(anything, None)
    for value in values:
        box.addItem(value, value)
    return box


def _confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


@office_view("Certificates", order=10)
def build(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return CertificatesView(database, user)
