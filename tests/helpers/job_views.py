"""The Jobs and Serials office views through the real station (tests/helpers/setup_views.py's ``desk``):
a supervisor signed in by badge and PIN, a tab opened by a click, dialogs answered from the keyboard, and
what the database holds afterwards read back through the station's worker."""
from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit

from app.models import AuditEntry, CertAttachment, Job, SerialNumber
from tests.helpers.setup_views import TIMEOUT, ask, open_tab, tab_titles


@pytest.fixture
def supervisor(desk):
    """Sam Supervisor (sup1) signed in with badge and PIN."""
    desk.sign_in("B-SUP1", "432100")
    return desk


def _tab(desk, title: str, loaded: str):
    """Click the tab ``title`` and wait for the list it reads again as it is shown (what the database holds now)."""
    view = dict(desk.window.office_views())[title]
    with desk.qtbot.waitSignal(getattr(view, loaded), timeout=TIMEOUT):
        open_tab(desk.qtbot, desk.window, title)
    return view


def jobs_tab(desk):
    return _tab(desk, "Jobs", "jobs_loaded")


def serials_tab(desk):
    return _tab(desk, "Serials", "jobs_loaded")


def answer_dialog(qtbot, text: str | None, seen: list[str] | None = None) -> None:
    """When the next modal dialog opens: keep its sentences in ``seen``, type ``text`` into its field and press
    Enter (None: Esc, as a person who changes their mind). Call it just before the click that opens it."""
    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, act)
            return
        if seen is not None:
            seen.extend(label.text() for label in dialog.findChildren(QLabel) if label.text())
        if text is None:
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)
            return
        field = dialog.findChild(QLineEdit)
        qtbot.keyClicks(field, text)
        qtbot.keyClick(field, Qt.Key.Key_Return)

    QTimer.singleShot(20, act)


def accept_print_dialog() -> None:
    """The system's print dialog, accepted as it comes (a person pressing Print)."""
    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, act)
            return
        dialog.accept()

    QTimer.singleShot(20, act)


def pdf_printer(path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def choose_rows(qtbot, table, rows: list[int]) -> None:
    """Click the first row, Ctrl+click the others: several chosen, as a person does with the mouse."""
    for number, row in enumerate(rows):
        index = table.model().index(row, 0)
        table.scrollTo(index)
        modifier = Qt.KeyboardModifier.ControlModifier if number else Qt.KeyboardModifier.NoModifier
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, table.visualRect(index).center())
    assert sorted(i.row() for i in table.selectionModel().selectedRows()) == sorted(rows)


def serial_rows(qtbot, view) -> list[tuple[str, str, int]]:
    return ask(qtbot, view, lambda: [(s.id, s.status, s.current_step_index)
                                     for s in SerialNumber.select().order_by(SerialNumber.id)])


def audit_of(qtbot, view, *types: str) -> list[tuple[str, str, str | None, str | None, dict]]:
    """(type, user, serial, reason, details) of these entries, in the chain's order."""
    def read() -> list[Any]:
        return [(e.type, e.user_id, e.serial_id, e.reason, e.details or {}) for e in
                AuditEntry.select().where(AuditEntry.type.in_(types)).order_by(AuditEntry.seq)]
    return ask(qtbot, view, read)


def counts(qtbot, view) -> tuple[int, int, int, int]:
    """Jobs, serials, attachments and audit entries: what a refused or cancelled action must leave as it was."""
    return ask(qtbot, view, lambda: (Job.select().count(), SerialNumber.select().count(),
                                     CertAttachment.select().count(), AuditEntry.select().count()))
