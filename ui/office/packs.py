"""Packs: the certificate of conformance packs made here, newest first, with the sha256 of each file, so that
"is this the pack we sent?" is answered by choosing the file a customer sends back; and the button that
makes a new one (ui/office/pack_dialog.py)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QLabel, QLineEdit, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.pack import PackResult
from app.pack.store import PackRecord
from app.queries.pack_screen import FileCheck, check_file
from app.queries.packs import list_packs
from app.users import UserRecord
from app.words import plural
from ui.office import look, office_view
from ui.office.common import SaysWhatHappened, fit_columns, local_time, style_table, utc_tooltip
from ui.office.pack_dialog import PackDialog
from ui.worker import DatabaseWorker

COLUMNS = ("Made", "Made by", "Customer", "Order reference", "Serials", "Gaps", "File sha256")
SHA = COLUMNS.index("File sha256")
SHORT_HASH = 16  # hex digits shown; the whole value is in the tool tip, and Copy hash copies it
LISTED = 500


def short_hash(sha256: str) -> str:
    return f"{sha256[:SHORT_HASH]}…"


def who_and_when(pack: PackRecord) -> str:
    """``Sara Lindqvist made it on 2026-12-01 16:02:11 for Nordic Pumps AB, order PO-4711 (job JOB-7, 36 serials)``."""
    what = f"{pack.selection}, {plural(pack.serial_count, 'serial')}" if pack.selection.startswith("job") \
        else plural(pack.serial_count, "serial")
    return (f"{pack.made_by_name} made it on {local_time(pack.made_at)} for {pack.customer}, order "
            f"{pack.order_ref} ({what})")


class PacksView(SaysWhatHappened, QWidget):
    loaded = Signal(int)
    pack_checked = Signal(object)  # FileCheck
    dialog_opened = Signal(QWidget)
    refused = Signal(str)

    def __init__(self, database: DatabaseWorker, user: UserRecord):
        super().__init__(objectName="packsView")
        self._database, self.database, self._user = database, database, user
        self.packs: list[PackRecord] = []
        self.dialog: PackDialog | None = None
        self.search = QLineEdit(objectName="packSearch", clearButtonEnabled=True,
                                placeholderText="Customer, order reference, job or hash…")
        self.search.setMinimumWidth(380)
        self._typing = QTimer(self, singleShot=True, interval=250)
        self._typing.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self._typing.start())
        self.search.returnPressed.connect(self.refresh)
        self.count = QLabel("", objectName="packCount")
        self.table = QTableWidget(0, len(COLUMNS), objectName="packTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        style_table(self.table)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        QShortcut(QKeySequence.StandardKey.Copy, self.table, self.copy_hash,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.make_button = look.button("Make conformance pack…", "makePackButton", primary=True)
        self.make_button.setToolTip("Choose the serials, see what the pack holds and lacks, then sign it with "
                                    "your PIN")
        self.check_button = look.button("Is this the pack we sent?…", "checkPackButton")
        self.check_button.setToolTip("Choose a PDF file: its sha256 is looked for among the packs made here")
        self.copy_button = look.button("Copy hash", "copyPackHash")
        self.copy_button.setToolTip("The chosen pack's whole sha256, to paste into a mail or a sha256sum check")
        self.make_button.clicked.connect(self.make)
        self.check_button.clicked.connect(self.ask_file)
        self.copy_button.clicked.connect(self.copy_hash)
        self.notice = look.Notice("packNotice")
        self.notice.action_triggered.connect(self._open_folder)
        self._folder = ""
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading(
            "Conformance packs", "The certificate of conformance packs made here, each with its evidence: who "
            "signed it, for whom, and the sha256 of the file, which tells whether a PDF is the pack we sent."))
        layout.addLayout(look.row(self.search, self.count))
        layout.addWidget(self.table, 1)
        layout.addLayout(look.row(self.make_button, self.check_button, self.copy_button))
        layout.addWidget(self.notice)
        self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # Packs are made at other desks and by certline-cli too: read again whenever the tab is shown.
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        self._database.submit(list_packs, LISTED, self.search.text().strip() or None, owner=self,
                              on_done=self._on_loaded, on_failed=self._on_failed)

    def _on_loaded(self, packs: list[PackRecord]) -> None:
        chosen = self.chosen()
        self.packs = packs
        searched = bool(self.search.text().strip())
        self.count.setText(plural(len(packs), "pack") + (" found" if searched else " made") if packs else
                           "No pack found" if searched else "No pack made yet")
        self.table.setRowCount(len(packs))
        for row, pack in enumerate(packs):
            values = (local_time(pack.made_at), pack.made_by_name, pack.customer, pack.order_ref,
                      f"{pack.serial_count:,}", f"{pack.gap_count:,}" if pack.gap_count else "none",
                      short_hash(pack.file_sha256))
            tips = (utc_tooltip(pack.made_at), f"User id: {pack.made_by}", f"Plant: {pack.plant}",
                    pack.file_name, pack.selection, pack.reason and f"Reason: {pack.reason}",
                    f"sha256 {pack.file_sha256}\nContents hash {pack.contents_hash}\n"
                    f"{plural(pack.page_count, 'page')}; Ctrl+C copies the whole sha256")
            for column, (value, tip) in enumerate(zip(values, tips)):
                cell = QTableWidgetItem(value)
                cell.setToolTip(tip or "")
                if column == SHA:
                    cell.setFont(look_mono(cell.font()))
                if column in (COLUMNS.index("Serials"), COLUMNS.index("Gaps")):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, cell)
        fit_columns(self.table)  # the last column takes the room left
        again = next((row for row, pack in enumerate(packs) if chosen and pack.id == chosen.id), 0 if packs else -1)
        if again >= 0:
            self.table.selectRow(again)
        self.copy_button.setEnabled(bool(packs))
        self.loaded.emit(len(packs))

    def chosen(self) -> PackRecord | None:
        row = self.table.currentRow()
        return self.packs[row] if 0 <= row < len(self.packs) else None

    def copy_hash(self) -> None:
        pack = self.chosen()
        if pack is None:
            self._say("Choose a pack in the list first", "error")
            return
        QGuiApplication.clipboard().setText(pack.file_sha256)
        self._say(f"Copied the sha256 of the pack for {pack.customer}, order {pack.order_ref}: {pack.file_sha256}",
                  "info")

    # --- is this the pack we sent? -------------------------------------------------------------------------

    def ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Is this the pack we sent?", self._folder or str(Path.home()),
                                              "PDF (*.pdf);;Any file (*)")
        if path:
            self.check_file(path)

    def check_file(self, path: str) -> None:
        self.notice.show_message(f"Reading {Path(path).name}…", "info")
        self._database.submit(check_file, path, owner=self, on_done=self._on_checked, on_failed=self._on_failed)

    def _on_checked(self, found: FileCheck) -> None:
        name = Path(found.path).name
        if found.packs:
            first = found.packs[0]
            more = f" (made {len(found.packs)} times; the first is said)" if len(found.packs) > 1 else ""
            self._say(f"Yes: {name} is a pack made here. {who_and_when(first)}{more}.", "ok")
            self._select(first.id)
        else:
            self._say(f"No: {name} is not a pack made here. No pack made here has its sha256 "
                      f"{found.sha256[:SHORT_HASH]}…; a pack changed by even one byte has another.", "warning")
        self.notice.label.setToolTip(f"sha256 {found.sha256}\n{found.path}")
        self.pack_checked.emit(found)

    def _select(self, pack_id: str) -> None:
        for row, pack in enumerate(self.packs):
            if pack.id == pack_id:
                self.table.selectRow(row)
                return

    # --- making one ------------------------------------------------------------------------------------------

    def make(self) -> None:
        self.dialog = PackDialog(self._database, self._user, self)
        self.dialog.made.connect(self._on_made)
        self.dialog.setModal(True)
        self.dialog.show()
        self.dialog_opened.emit(self.dialog)

    def _on_made(self, result: PackResult) -> None:
        self._folder = str(Path(result.path).parent)
        self.notice.show_message(f"Pack made: {Path(result.path).name}, {plural(result.pages, 'page')}, sha256 "
                                 f"{result.sha256[:SHORT_HASH]}…", "ok", action="Open folder",
                                 tooltip=f"{result.path}\nsha256 {result.sha256}")
        self.search.clear()
        self.refresh()

    def _open_folder(self) -> None:
        if self._folder:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self._folder))


def look_mono(font: QFont) -> QFont:
    """A hash in fixed-width digits, so two are compared column by column."""
    mono = QFont(font)
    mono.setFamilies(["DejaVu Sans Mono", "Consolas", "Menlo", "monospace"])
    return mono


@office_view("Packs", order=45)
def build(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return PacksView(database, user)
