"""The administrator's settings tab: saved to QSettings, tested connections, the plant-wide rules."""
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QInputDialog

from app import policy, users
from app import db as app_db
from app.errors import Invalid
from app.models import AuditEntry
from ui.settings import InstallSettings, StationSettings

TIMEOUT = 5000


@pytest.fixture
def settings_store(tmp_path):
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield tmp_path / "settings"


def settings_tab(window):
    return dict(window.office_views()).get("Settings")


def test_only_an_administrator_gets_the_settings(settings_store, operator):
    operator.sign_in("B-SUP1", "432100")
    assert settings_tab(operator.window) is None
    operator.sign_in("B-ADM", None)
    assert settings_tab(operator.window) is not None


def test_saved_settings_come_back_at_the_next_start(settings_store, qtbot, operator, tmp_path):
    operator.sign_in("B-ADM", None)
    view = settings_tab(operator.window)
    view.idle_box.setValue(7)
    view.terminator_box.setCurrentIndex(view.terminator_box.findData("tab"))
    view.attach_on_scan.setChecked(True)
    view.sounds_box.setChecked(False)
    qtbot.keyClicks(view.database_field, str(tmp_path / "plant.sqlite3"))
    qtbot.keyClicks(view.documents_field, str(tmp_path / "shared-docs"))
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        view.save_button.click()
    station = StationSettings.load()
    assert (station.idle_sign_out_minutes, station.scan_terminator, station.attach_on_certificate_scan,
            station.sounds) == (7, "tab", True, False)
    install = InstallSettings.load()
    assert install.database_url == str(tmp_path / "plant.sqlite3")
    assert install.documents_folder == str(tmp_path / "shared-docs")


def test_test_connection_says_what_is_there_or_why_not(settings_store, qtbot, operator, station_db):
    operator.sign_in("B-ADM", None)
    view = settings_tab(operator.window)
    view.database_field.setText(station_db)
    with qtbot.waitSignal(view.connection_tested, timeout=TIMEOUT) as ok:
        view.test_button.click()
    assert ok.args[0] is True and "Certline schema" in view.connection_label.text()
    view.database_field.setText("postgresql://nobody@127.0.0.1:1/none")
    with qtbot.waitSignal(view.connection_tested, timeout=TIMEOUT) as bad:
        view.test_button.click()
    assert bad.args[0] is False
    assert view.connection_label.text().startswith("Cannot open the database postgresql://nobody@127.0.0.1:1/none")


def test_the_approval_rule_is_set_in_the_database_with_a_reason(settings_store, qtbot, operator, station_db):
    operator.sign_in("B-ADM", None)
    view = settings_tab(operator.window)
    qtbot.waitUntil(view.approved_box.isEnabled, timeout=TIMEOUT)
    assert not view.approved_box.isChecked()
    with qtbot.waitSignal(view.policy_changed, timeout=TIMEOUT):
        view.change_policy(True, "Customer audit finding 7")
    assert view.approved_box.isChecked()
    operator.window.shutdown()
    app_db.open_database(station_db)
    try:
        assert policy.get_policy("require_approved") is True
        entry = AuditEntry.get(AuditEntry.type == "policy_changed")
        assert (entry.user_id, entry.reason) == ("admin", "Customer audit finding 7")
    finally:
        app_db.close_database()


def test_the_pin_digits_and_macro_rules_are_set_with_a_reason_by_the_widgets(settings_store, qtbot, operator,
                                                                              station_db, monkeypatch):
    operator.sign_in("B-ADM", None)
    view = settings_tab(operator.window)
    qtbot.waitUntil(view.macro_box.isEnabled, timeout=TIMEOUT)
    assert (view.min_pin_digits_box.value(), view.macro_box.isChecked()) == (6, False)
    assert (view.min_pin_digits_box.minimum(), view.min_pin_digits_box.maximum()) == (6, 12)
    box_middle = QPoint(8, view.macro_box.height() // 2)

    # Asked why, and cancelled: the box goes back and nothing is written.
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("", False))
    qtbot.mouseClick(view.macro_box, Qt.MouseButton.LeftButton, pos=box_middle)
    assert not view.macro_box.isChecked()
    qtbot.mouseClick(view.min_pin_digits_button, Qt.MouseButton.LeftButton)  # still 6: nothing to change
    assert view.message.text() == "Supervisors' and administrators' PINs already need 6 digits."

    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Supplier sends macro forms", True))
    with qtbot.waitSignal(view.plant_policy_changed, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.macro_box, Qt.MouseButton.LeftButton, pos=box_middle)
    assert blocker.args == ["allow_macro_documents", True]
    assert view.message.text() == "Word documents with macros may be added now."
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Pen test finding 7", True))
    view.min_pin_digits_box.lineEdit().selectAll()
    qtbot.keyClicks(view.min_pin_digits_box, "8")
    with qtbot.waitSignal(view.plant_policy_changed, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.min_pin_digits_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["min_pin_digits_privileged", 8]
    operator.window.shutdown()

    app_db.open_database(station_db)
    try:
        assert (policy.get_policy("allow_macro_documents"), policy.get_policy("min_pin_digits_privileged")) == (True, 8)
        changes = AuditEntry.select().where(AuditEntry.type == "policy_changed").order_by(AuditEntry.seq)
        assert [(e.user_id, e.reason, e.details) for e in changes] == [
            ("admin", "Supplier sends macro forms", {"policy": "allow_macro_documents", "old": False, "new": True}),
            ("admin", "Pen test finding 7", {"policy": "min_pin_digits_privileged", "old": 6, "new": 8})]
        with pytest.raises(Invalid, match="^PIN must be 8 to 12 digits for a supervisor or administrator$"):
            users.set_pin("sup1", "123456", "admin")  # the rule is in force where PINs are set
    finally:
        app_db.close_database()


def test_the_clock_tolerance_is_set_with_a_reason_by_the_widgets(settings_store, qtbot, operator, station_db,
                                                                monkeypatch):
    operator.sign_in("B-ADM", None)
    view = settings_tab(operator.window)
    qtbot.waitUntil(view.clock_box.isEnabled, timeout=TIMEOUT)
    assert (view.clock_box.value(), view.clock_box.minimum(), view.clock_box.maximum()) == (2, 1, 3600)
    qtbot.mouseClick(view.clock_button, Qt.MouseButton.LeftButton)
    assert view.message.text() == "Clocks may already differ by 2 s."
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Line 3 has no time server", True))
    view.clock_box.lineEdit().selectAll()
    qtbot.keyClicks(view.clock_box, "30")
    with qtbot.waitSignal(view.plant_policy_changed, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.clock_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["clock_tolerance_seconds", 30]
    assert view.message.text() == "Clocks may differ by 30 s before verify or a station says so."
    operator.window.shutdown()

    app_db.open_database(station_db)
    try:
        assert policy.get_policy("clock_tolerance_seconds") == 30
        (change,) = AuditEntry.select().where(AuditEntry.type == "policy_changed")
        assert (change.user_id, change.reason, change.details) == (
            "admin", "Line 3 has no time server", {"policy": "clock_tolerance_seconds", "old": 2, "new": 30})
    finally:
        app_db.close_database()
