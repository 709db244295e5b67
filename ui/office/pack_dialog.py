"""Make a certificate of conformance pack: choose the serials (a job, a scanned or pasted list, one serial),
see what the pack holds and lacks (*Show what is in it*), type what the certificate of conformance prints
(plant, customer, order reference, statement; a reason when it has gaps), sign with your PIN, and choose
where to save it. The preview and the pack are made in the database worker (app.pack); nothing is written
until the core has the reason the gaps need and the PIN."""
from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QFileDialog, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QRadioButton, QVBoxLayout, QWidget)

from app.pack import DEFAULT_STATEMENT, PackPreview, PackResult, make_pack, read_pack
from app.queries.pack_screen import PackChoices, listed_serials, pack_choices
from app.users import UserRecord
from app.words import plural
from ui.office import look
from ui.office.common import local_time
from ui.office.pack_preview import PackPreviewPanel
from ui.worker import DatabaseWorker, Failure

Selection = tuple[str | None, tuple[str, ...]]  # (job, serials): one of them given


def _documents() -> str:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def pack_file_name(customer: str, order_ref: str, on: dt.date) -> str:
    """``Conformance pack Nordic Pumps PO-4711 2026-12-01.pdf``: what it is and for whom, safe on any disk."""
    words = " ".join(w for w in ("Conformance pack", customer.strip(), order_ref.strip(), on.isoformat()) if w)
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", words)[:150] + ".pdf"


class PackDialog(QDialog):
    """``previewed`` when the preview of the chosen serials is shown; ``made`` once the pack is written;
    ``refused`` with the sentence when something stopped it (nothing was made)."""

    previewed = Signal(object)  # PackPreview
    made = Signal(object)  # PackResult
    refused = Signal(str)
    choices_loaded = Signal(int)

    last_folder = ""  # where the last pack of this session went: the next is offered there too

    def __init__(self, database: DatabaseWorker, user: UserRecord, parent: QWidget | None = None):
        super().__init__(parent, objectName="packDialog")
        self.database, self.user = database, user
        self.setWindowTitle("Make conformance pack")
        self._previewed: Selection | None = None
        self._busy = False
        self.result: PackResult | None = None
        self.show_button = look.button("&Show what is in it", "showPackButton")
        self.show_button.clicked.connect(self.show_contents)
        self.make_button = look.button("&Make pack…", "makePackDialogButton", primary=True)
        self.make_button.clicked.connect(self.ask_and_make)
        self._build_selection()
        self._build_fields()
        self.preview = PackPreviewPanel()
        self.close_button = look.button("Close", "closePackDialog")
        self.close_button.clicked.connect(self.reject)
        self.notice = look.Notice("packDialogNotice")
        self.notice.action_triggered.connect(self._open_folder)
        self._layout()
        for button in (self.show_button, self.make_button, self.close_button):
            button.setAutoDefault(False)  # Enter acts where it is typed: the serial shown, the PIN signs
        chain = (self.by_job, self.by_list, self.by_serial, *self.fields, self.show_button, self.plant, self.customer,
                 self.order_ref, self.statement, self.reason, self.pin, self.make_button, self.close_button)
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)
        self._selection_changed()
        look.apply(self)
        screen = self.screen().availableGeometry() if self.screen() else None
        self.resize(min(1000, screen.width() - 24) if screen else 1000, min(720, screen.height() - 40) if screen else 720)
        database.submit(pack_choices, owner=self, on_done=self._on_choices, on_failed=self._on_failed)

    # --- building ---------------------------------------------------------------------------------------------

    def _build_selection(self) -> None:
        self.which = QButtonGroup(self)
        self.by_job = QRadioButton("A &job", objectName="packByJob")
        self.by_list = QRadioButton("A &list of serials", objectName="packByList")
        self.by_serial = QRadioButton("One s&erial", objectName="packBySerial")
        self.job = QComboBox(objectName="packJob")
        self.job.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.job.setMinimumContentsLength(24)
        self.serial_list = QPlainTextEdit(objectName="packSerialList", tabChangesFocus=True,
                                          placeholderText="Scan or paste the shipment's serials: one a line, or "
                                                          "separated by spaces or commas")
        self.serial = QLineEdit(objectName="packSerial", placeholderText="Scan or type a serial")
        self.serial.returnPressed.connect(self.show_contents)
        self.fields = (self.job, self.serial_list, self.serial)  # only the chosen one shows
        for index, (radio, field) in enumerate(zip((self.by_job, self.by_list, self.by_serial), self.fields)):
            self.which.addButton(radio, index)
            radio.toggled.connect(self._selection_changed)
            radio.clicked.connect(lambda _=False, f=field: f.setFocus())
        self.serial_list.setFixedHeight(64)
        self.by_job.setChecked(True)
        self.job.currentIndexChanged.connect(self._selection_changed)
        self.serial_list.textChanged.connect(self._selection_changed)
        self.serial.textChanged.connect(self._selection_changed)

    def _build_fields(self) -> None:
        self.plant = QLineEdit(objectName="packPlant", placeholderText="e.g. Werk Nord, flange line")
        self.customer = QLineEdit(objectName="packCustomer", placeholderText="e.g. Nordic Pumps AB")
        self.order_ref = QLineEdit(objectName="packOrderRef", placeholderText="the customer's purchase order")
        self.statement = QPlainTextEdit(DEFAULT_STATEMENT, objectName="packStatement", tabChangesFocus=True)
        self.statement.setFixedHeight(150)
        self.reason = QPlainTextEdit(objectName="packReason", tabChangesFocus=True,
                                     placeholderText="e.g. released under concession C-118")
        self.reason.setFixedHeight(56)
        self.reason_hint = look.hint("Needed only when the pack has gaps.", "packReasonHint")
        self.pin = QLineEdit(objectName="packPin", echoMode=QLineEdit.EchoMode.Password,
                             placeholderText="your PIN: it signs the pack")
        self.pin.returnPressed.connect(self.ask_and_make)
        self.signer = look.hint(f"Signed by {self.user.name}, meaning “certified conforming”, at the time it is "
                                "made.", "packSigner")

    def _layout(self) -> None:
        which = QHBoxLayout()
        which.setSpacing(look.SPACING)
        for radio in (self.by_job, self.by_list, self.by_serial):
            which.addWidget(radio)
        for field in self.fields:
            which.addWidget(field, 1)
        which.addWidget(self.show_button)
        printed = QGroupBox("What the certificate of conformance prints", objectName="packPrinted")
        form = look.form(printed)
        form.setRowWrapPolicy(form.RowWrapPolicy.DontWrapRows)
        form.addRow("&Plant", self.plant)
        form.addRow("&Customer", self.customer)
        form.addRow("&Order reference", self.order_ref)
        form.addRow("S&tatement", self.statement)
        form.addRow("&Reason", look.stack(self.reason, self.reason_hint))
        form.addRow("P&IN", look.stack(self.pin, self.signer))
        self._buddy(form, "&Reason", self.reason)
        self._buddy(form, "P&IN", self.pin)
        columns = QHBoxLayout()
        columns.setSpacing(look.SPACING * 2)
        columns.addWidget(self.preview, 1)
        columns.addWidget(printed, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.notice, 1)
        bottom.addStretch(0)
        bottom.addWidget(self.make_button, 0, Qt.AlignmentFlag.AlignBottom)
        bottom.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("Make a conformance pack", "Choose the serials: the certificate of conformance "
                                      "for them and the evidence behind each, in one PDF signed with your PIN."))
        layout.addLayout(which)
        layout.addLayout(columns, 1)
        layout.addLayout(bottom)

    @staticmethod
    def _buddy(form, text: str, field: QWidget) -> None:
        """A row whose field is a stack (the field and its hint): its label still takes Alt and the letter."""
        for row in range(form.rowCount()):
            label = form.itemAt(row, form.ItemRole.LabelRole)
            if label is not None and isinstance(label.widget(), QLabel) and label.widget().text() == text:
                label.widget().setBuddy(field)

    # --- the serials --------------------------------------------------------------------------------------------

    def _on_choices(self, choices: PackChoices) -> None:
        self.job.blockSignals(True)
        for job in choices.jobs:
            self.job.addItem(f"{job.id} — {job.name}", job.id)
            self.job.setItemData(self.job.count() - 1, f"Part {job.part}, {job.quantity:,} pieces",
                                 Qt.ItemDataRole.ToolTipRole)
        self.job.blockSignals(False)
        if choices.plant and not self.plant.text():
            self.plant.setText(choices.plant)
            self.plant.setCursorPosition(0)
        self._selection_changed()
        self.choices_loaded.emit(len(choices.jobs))

    def selection(self) -> Selection | None:
        if self.by_job.isChecked():
            job = self.job.currentData()
            return (job, ()) if job else None
        ids = listed_serials(self.serial_list.toPlainText() if self.by_list.isChecked() else self.serial.text())
        return (None, tuple(ids)) if ids else None

    def _selection_changed(self) -> None:
        for index, field in enumerate(self.fields):
            field.setVisible(index == self.which.checkedId())
        if self._previewed is not None and self.selection() != self._previewed:
            self._previewed = None
            self.preview.clear("The serials changed: Show what is in it again before the pack is made.")
        self._enable()

    def _enable(self) -> None:
        self.show_button.setEnabled(not self._busy and self.selection() is not None)
        self.make_button.setEnabled(not self._busy and self._previewed is not None)
        self.make_button.setToolTip("" if self._previewed is not None else
                                    "Show what is in it first: a pack is made once you have seen its gaps")

    def show_contents(self) -> None:
        chosen = self.selection()
        if chosen is None:
            self._refuse("Choose the serials first: a job, a list of serials or one serial.")
            return
        self._set_busy(True, "Reading what the pack would hold…")
        job, ids = chosen
        self.database.submit(read_pack, self.user.id, job, list(ids) or None, owner=self,
                             on_done=lambda preview: self._on_preview(chosen, preview), on_failed=self._on_failed)

    def _on_preview(self, chosen: Selection, preview: PackPreview) -> None:
        self._set_busy(False)
        self.notice.clear()
        self._previewed = chosen if chosen == self.selection() else None
        self.preview.show_preview(preview)
        gaps = len(preview.gaps)
        self.reason_hint.setText(f"Required: this pack has {plural(gaps, 'gap')}; the reason is printed beside "
                                 "them." if gaps else "Not needed: this pack has no gaps.")
        self.reason_hint.setStyleSheet("color: #b00020; font-weight: bold;" if gaps else "")
        self._enable()
        self.previewed.emit(preview)

    # --- making it ----------------------------------------------------------------------------------------------

    def _missing(self) -> str | None:
        """Why the pack cannot be made yet, said before the save dialog asks anything."""
        preview = self.preview.preview
        if self._previewed is None or preview is None:
            return "Show what is in it first: a pack is made once you have seen what it holds and lacks."
        for field, label in ((self.plant, "the plant"), (self.customer, "the customer"),
                             (self.order_ref, "the customer's order reference")):
            if not field.text().strip():
                field.setFocus()
                return f"Type {label}: it is printed on the certificate of conformance. Nothing was made."
        if preview.gaps and not self.reason.toPlainText().strip():
            self.reason.setFocus()
            return (f"This pack has {plural(len(preview.gaps), 'gap')}: write the reason it is made with them "
                    "(it is printed beside them). Nothing was made.")
        if not self.pin.text():
            self.pin.setFocus()
            return "Type your PIN: it signs the pack. Nothing was made."
        return None

    def suggested_path(self) -> str:
        last = PackDialog.last_folder
        folder = last if last and Path(last).is_dir() else _documents()
        return str(Path(folder) / pack_file_name(self.customer.text(), self.order_ref.text(), dt.date.today()))

    def ask_and_make(self) -> None:
        if self._busy:
            return
        why = self._missing()
        if why is not None:
            self._refuse(why)
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the conformance pack", self.suggested_path(), "PDF (*.pdf)")
        if not path:
            self.notice.show_message("Not made: no file was chosen.", "info")
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        PackDialog.last_folder = str(Path(path).parent)
        self.make(path)

    def make(self, path: str) -> None:
        job, ids = self._previewed or (None, ())
        work = functools.partial(
            make_pack, self.user.id, self.pin.text(), path, job=job, serials=list(ids) or None,
            plant=self.plant.text(), customer=self.customer.text(), order_ref=self.order_ref.text(),
            statement=self.statement.toPlainText(), reason=self.reason.toPlainText().strip() or None,
            expected=self.preview.preview.digest() if self.preview.preview else None)  # signed only as shown
        self.pin.clear()  # typed once for this pack: a second pack is signed again
        self._set_busy(True, f"Making {Path(path).name}…")
        self.database.submit(work, owner=self, on_done=self._on_made, on_failed=self._on_failed)

    def _on_made(self, result: PackResult) -> None:
        self._set_busy(False)
        self.result = result
        gaps = f", with {plural(len(result.gaps), 'gap')} and your reason" if result.gaps else ""
        self.notice.show_message(
            f"Made {Path(result.path).name}: {plural(result.pages, 'page')} ({plural(result.serial_count, 'serial')}, "
            f"{plural(result.certificate_count, 'certificate')}{gaps}), signed by {result.signed_by} at "
            f"{local_time(result.signed_at)}. sha256 {result.sha256}", "ok", action="Open folder",
            tooltip=f"{result.path}\nsha256 {result.sha256}")
        self.made.emit(result)

    def _open_folder(self) -> None:
        if self.result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.result.path).parent)))

    # --- saying what happened -------------------------------------------------------------------------------

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        if busy:
            self.notice.show_message(text, "info")
        self._enable()

    def _refuse(self, message: str) -> None:
        self.notice.show_message(message, "error")
        self.refused.emit(message)

    def _on_failed(self, failure: Failure) -> None:
        self._set_busy(False)
        focus = {"plant": self.plant, "customer": self.customer, "order_ref": self.order_ref,
                 "statement": self.statement, "reason": self.reason}.get(failure.field or "")
        if failure.error in ("Forbidden", "Locked"):
            focus = self.pin
        if failure.field == "preview":  # what was shown is no longer what the pack would hold
            self._previewed = None
            self.preview.clear("The records changed since you looked: Show what is in it again.")
            self._enable()
        if focus is not None:
            focus.setFocus()
        self._refuse(failure.message)
