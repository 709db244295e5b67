"""The Certificates office view: find a certificate in the list (filtered and sorted in the database,
read a page at a time by key), see it whole in the detail pane, create, edit, revoke, delete, approve.

The list is ``ui.office.certificate_list``, the detail pane ``ui.office.certificate_detail``.
Questions go to the database worker as calls of ``app.queries.certificates`` and the core; a
value the core refuses comes back as a ``Failure`` naming the field, shown beside it.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QSplitter, QVBoxLayout, QWidget

from app import certificates
from app.certificate_list import CertificateQuery
from app.certificates import CertificateRecord, DeletePlan
from app.queries import certificates as queries
from app.queries.certificates import EXPIRING_DAYS
from app.users import UserRecord
from app.words import CERT_KIND, REVIEW_STATUS
from ui.office import look, office_view
from ui.office.certificate_detail import CertificateDetailPane
from ui.office.certificate_form import CertificateForm, ask_reason
from ui.office.certificate_list import COLOURS, CertificateListModel, CertificateTable
from ui.office.common import SaysWhatHappened
from ui.worker import DatabaseWorker

__all__ = ["COLOURS", "CertificateListModel", "CertificatesView"]

WIDE = 1600  # from this width the detail pane stands beside the list, below it on smaller screens
# The state filter's choices: what each asks of the list.
STATES = {
    "valid": ("Valid", {"status": "active", "expired": False}),
    "expiring": (f"Expiring within {EXPIRING_DAYS} days", {"status": "active", "expires_within_days": EXPIRING_DAYS}),
    "expired": ("Expired", {"status": "active", "expired": True}),
    "revoked": ("Revoked", {"status": "revoked"}),
}


def _choice(name: str, anything: str, choices: dict[str, str], tip: str) -> QComboBox:
    box = QComboBox(objectName=name, toolTip=tip)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    box.addItem(anything, None)
    for code, text in choices.items():
        box.addItem(text, code)
    return box


def _confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class CertificatesView(SaysWhatHappened, QWidget):
    """Supervisors' and administrators' certificate register."""

    form_opened = Signal(object)  # CertificateForm
    revoked = Signal(object)
    deleted = Signal(object)  # DeletePlan
    refused = Signal(str)
    expiring_counted = Signal(int)

    def __init__(self, database: DatabaseWorker, user: UserRecord, parent: QWidget | None = None):
        super().__init__(parent, objectName="certificatesView")
        self.database, self.user = database, user
        self.form: CertificateForm | None = None
        self.ask_reason: Callable[[QWidget, str, str], str | None] = ask_reason
        self.confirm: Callable[[QWidget, str, str], bool] = _confirm

        self.search = QLineEdit(objectName="certificateSearch", placeholderText="Search id, name or number")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(240)
        self.kind = _choice("kindFilter", "Any kind", CERT_KIND, "Kind")
        self.state = _choice("stateFilter", "Any state", {code: text for code, (text, _) in STATES.items()},
                             "State")
        self.review = _choice("reviewFilter", "Any review", REVIEW_STATUS, "Review")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        for box in (self.kind, self.state, self.review):
            filters.addWidget(box)

        self.model = CertificateListModel(database)  # no parent: answers in flight keep it alive
        self.table = CertificateTable(self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.count = QLabel(objectName="certificateCount")
        self.expiring_button = look.button("Expiring soon", "expiringSoon")
        self.expiring_button.setToolTip(f"Active certificates that expire within {EXPIRING_DAYS} days")
        self.expiring_button.clicked.connect(self.show_expiring)
        self.new_button = look.button("New certificate…", "newCertificate", primary=True)
        self.new_button.clicked.connect(self.create)
        under = QHBoxLayout()
        under.addWidget(self.count)
        under.addWidget(self.expiring_button)
        under.addStretch(1)
        under.addWidget(self.new_button)
        listing = QWidget(objectName="certificateListing")
        listing_layout = QVBoxLayout(listing)
        listing_layout.setContentsMargins(0, 0, 0, 0)
        listing_layout.addWidget(self.table, 1)
        listing_layout.addLayout(under)

        self.detail = CertificateDetailPane(database, user)
        self.detail.edit_button.clicked.connect(self.edit_selected)
        self.detail.revoke_button.clicked.connect(self.revoke_selected)
        self.detail.delete_button.clicked.connect(self.delete_selected)
        self.detail.changed.connect(self.model.replace_record)
        self.detail.said.connect(self._say)
        self.documents = self.detail.documents
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())

        self.splitter = QSplitter(Qt.Orientation.Vertical, objectName="certificateSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(listing)
        self.splitter.addWidget(self.detail)
        self.notice = look.Notice("certificatesNotice")
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("Certificates", "Every certificate of the plant. Choose one to see its "
                                      "fields, documents, approval and history."))
        layout.addLayout(filters)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.notice)

        self.model.page_loaded.connect(self._on_model_loaded)
        self.model.count_changed.connect(self._on_model_loaded)
        self.model.failed.connect(lambda message: self._say(message, "error"))
        self.search.textChanged.connect(self.apply_filters)
        for box in (self.kind, self.state, self.review):
            box.currentIndexChanged.connect(self.apply_filters)
        self._arranged_wide: bool | None = None
        QTimer.singleShot(0, self.reload)

    # --- layout ---------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        wide = event.size().width() >= WIDE
        if wide != self._arranged_wide:
            self._arranged_wide = wide
            self.splitter.setOrientation(Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical)
            # Beside: the list keeps room for every column on one line. Below: the list a little less than half.
            whole = event.size().width() if wide else event.size().height()
            share = 0.6 if wide else 0.5
            self.splitter.setSizes([int(whole * share), int(whole * (1 - share))])

    # --- list ----------------------------------------------------------------------------------

    def current_query(self) -> CertificateQuery:
        state = STATES.get(self.state.currentData(), ("", {}))[1]
        return CertificateQuery(text=self.search.text().strip() or None, kind=self.kind.currentData(),
                                review_status=self.review.currentData(), sort=self.model.query.sort,
                                descending=self.model.query.descending, **state)

    def apply_filters(self, *_: object) -> None:
        self.model.set_query(self.current_query())

    def reload(self) -> None:
        self.apply_filters()
        self.database.submit(queries.expiring_count, EXPIRING_DAYS, owner=self, on_done=self._on_expiring_count,
                             on_failed=None)

    def show_expiring(self) -> None:
        """The active certificates that expire soon, soonest first."""
        self.state.setCurrentIndex(self.state.findData("expiring"))
        self.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # asks again only if sorted otherwise

    def _on_expiring_count(self, count: int) -> None:
        self.expiring_button.setText(f"Expiring soon: {count}")
        self.expiring_button.setEnabled(count > 0)
        self.expiring_counted.emit(count)

    def _on_model_loaded(self, _loaded: int) -> None:
        total, shown = self.model.count, self.model.rowCount()
        if total is not None:
            self.count.setText(f"{total:,} certificate{'' if total == 1 else 's'}"
                               + (f", {shown:,} loaded" if shown < total else ""))

    def selected(self) -> CertificateRecord | None:
        """The certificate chosen in the list (the detail pane shows it)."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def chosen(self) -> CertificateRecord | None:
        """The certificate the detail pane shows, which its actions act on."""
        return self.detail.record

    def select_id(self, cert_id: str) -> bool:
        for row, record in enumerate(self.model.rows()):
            if record.id == cert_id:
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows)
                self.table.scrollTo(self.model.index(row, 0))
                return True
        return False

    def _on_table_selection_changed(self, *_: object) -> None:
        record = self.selected()
        if record is not None and record.id != self.detail.cert_id:
            self.detail.show_certificate(record.id)

    # --- create, edit --------------------------------------------------------------------------

    def create(self) -> None:
        self._open_form(None)

    def edit_selected(self) -> None:
        record = self.chosen()
        if record is not None:
            self._open_form(record)

    def _open_form(self, record: CertificateRecord | None) -> None:
        self.form = CertificateForm(self.database, self.user, record, self)
        self.form.saved.connect(self._on_form_saved)
        self.form.resize(640, 700)
        self.form.open()
        self.form_opened.emit(self.form)

    def _on_form_saved(self, record: CertificateRecord) -> None:
        self._say(f"Saved {record.id} — {record.name}")
        self.reload_keeping(record.id)

    def reload_keeping(self, cert_id: str) -> None:
        """Reload the list and the detail of ``cert_id``, chosen again in the list once it is there."""
        def select(_loaded: int) -> None:
            self.model.page_loaded.disconnect(select)
            self.select_id(cert_id)
        self.model.page_loaded.connect(select)
        self.reload()
        self.detail.show_certificate(cert_id)

    # --- revoke, delete ------------------------------------------------------------------------

    def revoke_selected(self) -> None:
        record = self.chosen()
        if record is None:
            return
        reason = self.ask_reason(self, "Revoke certificate",
                                 f"Why revoke {record.id}? Its attachments stay; it cannot be attached again.")
        if reason is None:
            return
        if not reason.strip():
            self._say("A reason is required to revoke a certificate. Nothing was changed.", "error")
            return
        self.database.submit(certificates.revoke_certificate, record.id, self.user.id, reason,
                             owner=self, on_done=self._on_revoked, on_failed=self._on_failed)

    def _on_revoked(self, record: CertificateRecord) -> None:
        self._say(f"Revoked {record.id} — {record.name}")
        self.revoked.emit(record)
        self.reload_keeping(record.id)

    def delete_selected(self) -> None:
        record = self.chosen()
        if record is None:
            return
        reason = self.ask_reason(self, "Delete certificate", f"Why delete {record.id}?")
        if reason is None:
            return
        # First without force: the core refuses (attachments) or lists the documents that would go.
        self.database.submit(certificates.delete_certificate, record.id, self.user.id, reason, False, owner=self,
                             on_done=lambda plan: self._on_delete_planned(plan, reason), on_failed=self._on_failed)

    def _on_delete_planned(self, plan: DeletePlan, reason: str) -> None:
        if plan.deleted:
            self._on_deleted(plan)
            return
        names = "\n".join(f"• {d['file_name']} ({d['size']:,} bytes)" for d in plan.documents)
        if not self.confirm(self, "Delete certificate and documents",
                            f"Deleting {plan.certificate.id} also deletes its documents:\n{names}\n\nDelete?"):
            self._say("Nothing deleted", "info")
            return
        self.database.submit(certificates.delete_certificate, plan.certificate.id, self.user.id, reason, True,
                             owner=self, on_done=self._on_deleted, on_failed=self._on_failed)

    def _on_deleted(self, plan: DeletePlan) -> None:
        gone = f" and {len(plan.documents)} document{'' if len(plan.documents) == 1 else 's'}" \
            if plan.documents else ""
        self._say(f"Deleted {plan.certificate.id}{gone}")
        self.deleted.emit(plan)
        self.detail.clear()
        self.reload()


@office_view("Certificates", order=10)
def build(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return CertificatesView(database, user)
