"""First run on an empty database (both choices), plain start-up errors, and the crash dialog."""
import sqlite3
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app import db as app_db
from app import users
from app.models import User
from ui import main as ui_main
from ui.first_run import FirstRunDialog
from ui.operations import needs_first_run


@pytest.fixture
def empty_db(tmp_path):
    url = str(tmp_path / "first.sqlite3")
    app_db.open_database(url)
    yield url
    app_db.close_database()


def test_first_run_with_a_first_administrator(qtbot, empty_db):
    assert needs_first_run()
    dialog = FirstRunDialog(empty_db)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.name_field, "Ada Admin")
    qtbot.keyClicks(dialog.badge_field, "B-ADA")
    qtbot.keyClicks(dialog.pin_field, "12")
    dialog.create_button.click()
    assert dialog.error_label.text() == "PIN must be 6 to 12 digits for a supervisor or administrator"
    assert User.select().count() == 0
    qtbot.keyClicks(dialog.pin_field, "3456")
    dialog.create_button.click()
    assert dialog.choice == "admin" and dialog.result() == FirstRunDialog.DialogCode.Accepted
    (admin,) = users.list_users()
    assert (admin.id, admin.name, admin.role, admin.badge, admin.has_pin) == ("admin", "Ada Admin", "admin",
                                                                             "B-ADA", True)
    assert users.check_pin("admin", "123456").id == "admin"
    assert not needs_first_run()


def test_first_run_with_the_demo_plant(qtbot, empty_db):
    dialog = FirstRunDialog(empty_db)
    qtbot.addWidget(dialog)
    dialog.demo_button.click()
    assert dialog.choice == "demo"
    assert users.find_by_badge("B-OP1") is not None
    assert not needs_first_run()


def test_a_database_of_a_newer_version_gets_a_plain_message_and_no_start(qtbot, tmp_path, monkeypatch):
    url = str(tmp_path / "new.sqlite3")
    app_db.open_database(url)
    app_db.close_database()
    raw = sqlite3.connect(url)
    raw.execute("INSERT INTO schema_migration (name, applied) VALUES ('0099_future', '2030-01-01')")
    raw.commit()
    raw.close()
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert ui_main.prepare_database(url, demo_requested=False) is False
    assert shown and shown[0].startswith("This database was made by a newer version of Certline")


def test_demo_flag_fills_only_an_empty_database(tmp_path):
    url = str(tmp_path / "demo.sqlite3")
    assert ui_main.prepare_database(url, demo_requested=True)
    app_db.open_database(url)
    try:
        before = User.select().count()
    finally:
        app_db.close_database()
    assert before == 7
    assert ui_main.prepare_database(url, demo_requested=True)  # not empty: opened as it is
    app_db.open_database(url)
    try:
        assert User.select().count() == before
    finally:
        app_db.close_database()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_shows_the_dialog_and_the_station_keeps_running(qtbot, station, monkeypatch,
                                                                                tmp_path):
    monkeypatch.setenv("CERTLINE_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "excepthook", ui_main._excepthook)

    def broken_slot():
        raise RuntimeError("printer on fire")

    QTimer.singleShot(0, broken_slot)
    qtbot.waitUntil(lambda: bool(ui_main._open_dialogs), timeout=3000)
    (dialog,) = ui_main._open_dialogs
    assert dialog.text().startswith(f"Something went wrong; the details are saved in {tmp_path / 'data'}")
    assert dialog.isVisible() and not dialog.isModal()
    assert station.isVisible()
    with qtbot.waitSignal(station.unknown_code, timeout=3000):  # still answering scans
        qtbot.keyClicks(station.scan_field, "NOPE")
        qtbot.keyClick(station.scan_field, "\r")
    dialog.close()
    assert QApplication.instance() is not None
