"""The operator station driven like an operator: badge, serial, certificate, Enter; then the database."""
from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit

from app import serials
from app.models import AuditEntry, CertAttachment
from tests.ui.conftest import TIMEOUT
from ui import operations as ui_operations

TODAY = dt.date.today()


def attachments(serial_id: str = "SN-00001") -> list[tuple[str, str, str, str]]:
    return [(a.serial_id, a.cert_id, a.step_id, a.attached_by_id)
            for a in CertAttachment.select().where(CertAttachment.serial == serial_id).order_by(CertAttachment.id)]


def attach_entries() -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.type == "cert_attached").order_by(AuditEntry.seq))


def assert_focus_on_scan_field(window) -> None:
    assert window.focusWidget() is window.scan_field
    assert window.scan_field.hasFocus()


def test_signed_out_it_asks_for_a_badge_and_lists_the_users(station):
    assert station.page == "signin"
    assert station.banner.text() == "Scan your badge to sign in"
    assert station.user_picker.count() == 4
    assert_focus_on_scan_field(station)


def test_badge_serial_certificate_enter_attaches_once_at_the_current_step(signed_in):
    window = signed_in.window
    assert window.user.id == "op1" and window.user_label.text() == "Olga Operator"

    assert signed_in.scan("SN-00001", window.serial_loaded) == ["SN-00001"]
    assert window.card.serial_label.text() == "SN-00001"
    assert window.card.strip.texts(0) == ["▶ 1. Saw", "needs MATERIAL", "no certificates"]
    assert window.card.strip.texts(2) == ["3. Inspect", "will need INSPECTION", "no certificates"]
    assert window.card.strip.states() == ["current", "ahead", "ahead"]
    assert_focus_on_scan_field(window)

    assert signed_in.scan("cert_mat01", window.certificate_chosen) == ["cert_mat01"]
    assert window.cert_panel.id_label.text() == "cert_mat01"
    assert window.cert_panel.attach_button.isEnabled()
    assert window.banner.text() == "Enter: attach cert_mat01 to SN-00001 at Saw"

    assert signed_in.enter(window.attached) == ["SN-00001", "cert_mat01", "step_001"]
    assert attachments() == [("SN-00001", "cert_mat01", "step_001", "op1")]
    (entry,) = attach_entries()
    assert (entry.user_id, entry.serial_id, entry.cert_id, entry.step_id) == ("op1", "SN-00001", "cert_mat01",
                                                                              "step_001")
    assert window.banner.state == "attached"
    assert "Attached cert_mat01 (Mill test report 42CrMo4) to SN-00001 at Saw" in window.banner.text()
    assert window.history.entries()[0][0] == "attached"
    # The serial stays loaded, now showing the certificate at its step; the certificate clears.
    assert window.serial.id == "SN-00001" and window.certificate is None
    assert window.cert_panel.view is None and not window.cert_panel.attach_button.isEnabled()
    texts = window.card.strip.texts(0)
    assert texts[0] == "▶ 1. Saw"
    assert texts[1] == "cert_mat01 · Mill test report 42CrMo4" and texts[2].startswith("Olga Operator · ")
    assert "needs MATERIAL" not in texts
    assert_focus_on_scan_field(window)
    (login,) = AuditEntry.select().where(AuditEntry.type == "user_login")
    assert (login.user_id, login.workstation) == ("op1", "test-station")


def test_the_same_again_writes_nothing_and_says_already_attached(signed_in):
    window = signed_in.window
    signed_in.scan("SN-00001", window.serial_loaded)
    signed_in.scan("cert_mat01", window.certificate_chosen)
    signed_in.enter(window.attached)

    signed_in.scan("HT-4711", window.certificate_chosen)  # by its number this time
    assert signed_in.enter(window.already_attached) == ["SN-00001", "cert_mat01", "step_001"]

    assert len(attachments()) == 1 and len(attach_entries()) == 1
    assert window.banner.state == "already"
    text = window.banner.text()
    assert "Already attached: cert_mat01 to SN-00001 at Saw" in text
    assert "by Olga Operator" in text and "Nothing new written" in text
    assert window.certificate is None
    assert_focus_on_scan_field(window)


def test_several_certificates_in_a_row_and_the_step_follows_the_serial(signed_in):
    window = signed_in.window
    signed_in.scan("SN-00002", window.serial_loaded)
    signed_in.scan("cert_mat01", window.certificate_chosen)
    signed_in.enter(window.attached)
    signed_in.scan("cert_soon", window.certificate_chosen)
    assert window.banner.state == "warning" and "warning window" in window.banner.text()
    signed_in.enter(window.attached)
    serials.advance_serial("SN-00002", "admin")  # on another workstation
    signed_in.scan("SN-00002", window.serial_loaded)
    assert window.card.strip.states() == ["passed", "current", "ahead"]
    signed_in.scan("cert_insp01", window.certificate_chosen)
    assert signed_in.enter(window.attached) == ["SN-00002", "cert_insp01", "step_002"]
    assert sorted(a[1:3] for a in attachments("SN-00002")) == sorted(
        [("cert_mat01", "step_001"), ("cert_soon", "step_001"), ("cert_insp01", "step_002")])


def test_a_completed_serial_is_refused_with_the_core_message(signed_in):
    window = signed_in.window
    serials.advance_serial("SN-00003", "admin", reason="test")
    serials.advance_serial("SN-00003", "admin", reason="test")
    serials.complete_serial("SN-00003", "admin", reason="test")
    signed_in.scan("SN-00003", window.serial_loaded)
    assert window.card.status_chip.text() == "COMPLETED"
    signed_in.scan("cert_insp01", window.certificate_chosen)
    assert signed_in.enter(window.refused) == ["Serial is already completed, cannot attach cert"]
    assert window.banner.state == "refused"
    assert "Serial is already completed, cannot attach cert" in window.banner.text()
    assert attachments("SN-00003") == [] and attach_entries() == []
    assert_focus_on_scan_field(window)


def test_an_unknown_serial_is_refused_with_the_core_message(signed_in):
    window = signed_in.window
    # A GS1 code says it is a serial (AI 21): the core's not-found message, not "unknown code".
    assert signed_in.scan("]C121SN-404", window.refused) == ["SerialNumber not found: SN-404"]
    assert window.banner.state == "refused" and window.serial is None
    assert_focus_on_scan_field(window)


@pytest.mark.parametrize("code, message", [
    ("cert_rev", "Certificate cert_rev is revoked, cannot attach"),
    ("COC-3", "Certificate cert_rev is revoked, cannot attach"),
    ("cert_old", f"Certificate cert_old expired on {(TODAY - dt.timedelta(days=1)).isoformat()}, cannot attach"),
])
def test_revoked_and_expired_certificates_are_refused(signed_in, code, message):
    window = signed_in.window
    signed_in.scan("SN-00001", window.serial_loaded)
    assert signed_in.scan(code, window.refused) == [message]
    assert window.banner.state == "refused" and message in window.banner.text()
    assert window.cert_panel.refusal.text() == f"✖ {message}"
    # Shown but not chosen: Enter attaches nothing.
    assert window.certificate is None and not window.cert_panel.attach_button.isEnabled()
    signed_in.key(Qt.Key.Key_Return)
    assert window.banner.text() == "Scan or pick a certificate first"
    assert attachments() == [] and attach_entries() == []
    assert_focus_on_scan_field(window)


def test_an_unknown_code_is_said_with_the_code_as_scanned(signed_in):
    window = signed_in.window
    assert signed_in.scan("NOPE-123", window.unknown_code) == ["Unknown code: NOPE-123"]
    assert window.banner.state == "refused" and window.banner.text().endswith("Unknown code: NOPE-123")
    assert window.history.entries()[0] == ("refused", window.history.entries()[0][1])
    assert_focus_on_scan_field(window)


def test_an_unknown_code_is_said_when_signed_out_too(operator):
    window = operator.window
    # Signed out, what is typed may be a badge or a name: the sentence says neither matched.
    assert operator.scan("XYZ", window.unknown_code) == ["No badge or name matches 'XYZ'"]
    assert window.banner.state == "refused" and window.page == "signin"


def test_a_serial_before_signing_in_is_refused(operator):
    window = operator.window
    operator.scan("SN-00001", window.scan_handled)
    assert window.banner.state == "refused" and window.banner.text().startswith("✖  Sign in first")
    assert window.serial is None


def test_a_badge_without_pin_signs_in_at_once_and_another_badge_switches(operator):
    window = operator.window
    operator.sign_in("B-OP2", pin=None)
    assert window.user.id == "op2"
    operator.scan("SN-00001", window.serial_loaded)
    operator.sign_in("B-SUP1", pin="432100")
    # The new user starts clean: the part in front of them is scanned again.
    assert window.user.id == "sup1" and window.serial is None
    operator.scan("SN-00001", window.serial_loaded)
    operator.scan("cert_mat01", window.certificate_chosen)
    operator.enter(window.attached)
    assert attachments() == [("SN-00001", "cert_mat01", "step_001", "sup1")]


def test_a_wrong_pin_is_refused_and_esc_goes_back(operator, qtbot):
    window = operator.window
    operator.scan("B-OP1", window.pin_requested)
    with qtbot.waitSignal(window.result_shown, timeout=TIMEOUT) as blocker:
        operator.type("9999")
        operator.key(Qt.Key.Key_Return)
    assert blocker.args == ["refused", "Wrong PIN for Olga Operator: 4 more tries before a 5-minute lock"]
    assert window.user is None and window.page == "pin"
    assert window.focusWidget() is window.pin_field
    operator.key(Qt.Key.Key_Escape)
    assert window.page == "signin"
    assert_focus_on_scan_field(window)


def test_a_pin_prompt_left_alone_goes_back(operator, qtbot):
    window = operator.window
    operator.scan("B-OP1", window.pin_requested)
    window._pin_timer.start(10)
    qtbot.waitUntil(lambda: window.page == "signin", timeout=TIMEOUT)
    assert window.user is None
    assert_focus_on_scan_field(window)


def test_a_scan_arriving_at_the_pin_prompt_goes_to_the_scan_field(operator, qtbot):
    window = operator.window
    operator.scan("B-OP1", window.pin_requested)
    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT):
        operator.type("B-OP2")  # the first letter hands the scan back to the scan field
        operator.key(Qt.Key.Key_Return)
    assert window.user.id == "op2"


def test_pick_a_name_with_the_keyboard(operator, qtbot):
    window = operator.window
    assert [window.user_picker.item(i).text().split("   ")[0] for i in range(4)] == [
        "Ada Admin", "Olga Operator", "Otto Operator", "Sam Supervisor"]
    for _ in range(2):
        operator.key(Qt.Key.Key_Down)
    operator.enter(window.pin_requested)  # a picked name is followed by the PIN (tests/ui/test_sign_in.py)
    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT) as blocker:
        operator.type("1234")
        operator.key(Qt.Key.Key_Return)
    assert blocker.args == ["op1"]
    assert_focus_on_scan_field(window)


def test_the_picker_filters_as_you_type_and_picks_with_arrows_and_enter(signed_in, qtbot):
    window = signed_in.window
    listed = [window.picker.item(i).data(Qt.ItemDataRole.UserRole) for i in range(window.picker.count())]
    by_id = {v.id: (window.picker.item(i)) for i, v in enumerate(listed)}
    assert set(by_id) == {"cert_mat01", "cert_insp01", "cert_old", "cert_soon", "cert_rev"}
    assert not by_id["cert_rev"].flags() & Qt.ItemFlag.ItemIsEnabled
    assert not by_id["cert_old"].flags() & Qt.ItemFlag.ItemIsEnabled
    assert by_id["cert_soon"].text().startswith("⚠")
    assert "MATERIAL" in by_id["cert_mat01"].text() and "valid until" in by_id["cert_mat01"].text()

    signed_in.scan("SN-00001", window.serial_loaded)
    with qtbot.waitSignal(window.certificates_listed, timeout=TIMEOUT) as blocker:
        signed_in.type("4711")  # a person types part of the number
    assert blocker.args == [1]
    signed_in.key(Qt.Key.Key_Down)
    with qtbot.waitSignal(window.certificate_chosen, timeout=TIMEOUT) as blocker:
        signed_in.key(Qt.Key.Key_Return)
    assert blocker.args == ["cert_mat01"]
    assert window.scan_field.text() == ""
    signed_in.enter(window.attached)
    assert attachments() == [("SN-00001", "cert_mat01", "step_001", "op1")]


def test_revoked_and_expired_rows_are_skipped_by_the_arrows_and_taps(signed_in, qtbot):
    window = signed_in.window
    chosen = []
    for _ in range(window.picker.count() + 2):
        signed_in.key(Qt.Key.Key_Down)
        chosen.append(window.picker.chosen().id)
    assert set(chosen) == {"cert_insp01", "cert_mat01", "cert_soon"}
    revoked = next(i for i in range(window.picker.count()) if "cert_rev" in window.picker.item(i).text())
    rect = window.picker.visualItemRect(window.picker.item(revoked))
    qtbot.mouseClick(window.picker.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.certificate is None
    assert_focus_on_scan_field(window)


def test_tap_a_certificate_and_the_attach_button(signed_in, qtbot):
    window = signed_in.window
    signed_in.scan("SN-00001", window.serial_loaded)
    row = next(i for i in range(window.picker.count()) if "cert_mat01" in window.picker.item(i).text())
    rect = window.picker.visualItemRect(window.picker.item(row))
    with qtbot.waitSignal(window.certificate_chosen, timeout=TIMEOUT):
        qtbot.mouseClick(window.picker.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(window.attached, timeout=TIMEOUT):
        qtbot.mouseClick(window.cert_panel.attach_button, Qt.MouseButton.LeftButton)
    assert len(attachments()) == 1
    assert_focus_on_scan_field(window)


def test_esc_clears_everything(signed_in):
    window = signed_in.window
    signed_in.scan("SN-00001", window.serial_loaded)
    signed_in.scan("cert_mat01", window.certificate_chosen)
    signed_in.type("half a scan")
    signed_in.key(Qt.Key.Key_Escape)
    assert window.serial is None and window.certificate is None
    assert window.card.serial is None and window.cert_panel.view is None
    assert window.scan_field.text() == "" and window.user.id == "op1"
    assert_focus_on_scan_field(window)


def test_tab_ends_a_scan_and_never_moves_the_focus(signed_in):
    window = signed_in.window
    with signed_in.qtbot.waitSignal(window.serial_loaded, timeout=TIMEOUT):
        signed_in.type("SN-00001")
        signed_in.key(Qt.Key.Key_Tab)
    assert_focus_on_scan_field(window)


def test_a_gs1_code_with_its_separator_loads_the_serial(signed_in):
    window = signed_in.window
    # GS1 DataMatrix content as a wedge scanner types it: AIM prefix, GTIN, GS (Ctrl+]), serial.
    signed_in.type("]d2")
    QCoreApplication.sendEvent(window.scan_field, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_BracketRight,
                                                            Qt.KeyboardModifier.ControlModifier, "\x1d"))
    assert signed_in.scan("010401234567890121SN-00002", window.serial_loaded) == ["SN-00002"]


def test_attach_on_certificate_scan_when_switched_on(signed_in, station_settings):
    window = signed_in.window
    station_settings.attach_on_certificate_scan = True
    signed_in.scan("SN-00001", window.serial_loaded)
    assert signed_in.scan("cert_mat01", window.attached) == ["SN-00001", "cert_mat01", "step_001"]
    assert len(attachments()) == 1


def _slow(monkeypatch, name: str, seconds: float) -> None:
    real = getattr(ui_operations, name)

    def slow(*args):
        time.sleep(seconds)
        return real(*args)

    monkeypatch.setattr(ui_operations, name, slow)


def _post_keys(window, text: str) -> None:
    """Queue key events on the window as a wedge scanner delivers them: all at once, faster than handled."""
    target = window.windowHandle()
    for char in text:
        key = Qt.Key.Key_Return if char == "\r" else ord(char.upper())
        shown = "" if char == "\r" else char
        QCoreApplication.postEvent(target, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier,
                                                     shown))
        QCoreApplication.postEvent(target, QKeyEvent(QEvent.Type.KeyRelease, key, Qt.KeyboardModifier.NoModifier,
                                                     shown))


def test_a_scanner_burst_arrives_whole_while_the_attach_is_still_written(signed_in, monkeypatch, qtbot):
    window = signed_in.window
    signed_in.scan("SN-00001", window.serial_loaded)
    signed_in.scan("cert_mat01", window.certificate_chosen)
    _slow(monkeypatch, "attach", 0.5)
    signed_in.key(Qt.Key.Key_Return)  # the attach is being written now
    assert window.cert_panel.attach_button.text() == "ATTACHING…"
    assert not window.cert_panel.attach_button.isEnabled()
    assert window.busy_label.text() == "Working…"
    signed_in.key(Qt.Key.Key_Return)  # a second Enter: no double submit
    code = "]C1" + "0104012345678901" + "17271231" + "21SN-00002"  # 35 characters
    with qtbot.waitSignal(window.attached, timeout=TIMEOUT), \
            qtbot.waitSignal(window.serial_loaded, timeout=TIMEOUT,
                             check_params_cb=lambda serial_id: serial_id == "SN-00002") as loaded:
        _post_keys(window, code + "\r")
    assert loaded.args == ["SN-00002"]
    assert window.serial.id == "SN-00002"
    assert attachments() == [("SN-00001", "cert_mat01", "step_001", "op1")]
    assert len(attach_entries()) == 1
    # Nothing landed anywhere else.
    assert window.pin_field.text() == ""
    assert all(edit.text() == "" for edit in window.findChildren(QLineEdit))
    assert_focus_on_scan_field(window)


def test_forty_characters_at_scanner_speed_arrive_whole(signed_in, qtbot):
    window = signed_in.window
    code = "]C1" + "0104012345678901" + "\x1d" + "10LOT-1" + "\x1d" + "21SN-00003"
    typed = []
    window.scan_field.scanned.connect(typed.append)
    started = time.perf_counter()
    with qtbot.waitSignal(window.serial_loaded, timeout=TIMEOUT) as blocker:
        for char in code:
            if char == "\x1d":
                QCoreApplication.sendEvent(window.scan_field, QKeyEvent(
                    QEvent.Type.KeyPress, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier, char))
            else:
                qtbot.keyClick(window.scan_field, char)
        qtbot.keyClick(window.scan_field, Qt.Key.Key_Return)
        typing = time.perf_counter() - started
    assert typing < 0.1
    assert blocker.args == ["SN-00003"]
    assert typed == [code.replace("\x1d", "\u241d")]


def test_an_attach_refused_by_a_database_error_is_said_and_the_station_goes_on(signed_in, monkeypatch):
    window = signed_in.window
    signed_in.scan("SN-00001", window.serial_loaded)
    signed_in.scan("cert_mat01", window.certificate_chosen)

    def broken(*args):
        raise OSError("disk I/O error")

    monkeypatch.setattr(ui_operations, "attach", broken)
    assert signed_in.enter(window.refused) == ["Database error: disk I/O error"]
    monkeypatch.undo()
    signed_in.scan("cert_mat01", window.certificate_chosen)
    signed_in.enter(window.attached)


def test_idle_sign_out(signed_in, station_settings, qtbot):
    window = signed_in.window
    assert window._idle_timer.isActive()
    assert window._idle_timer.interval() == station_settings.idle_sign_out_minutes * 60_000
    signed_in.scan("SN-00001", window.serial_loaded)
    with qtbot.waitSignal(window.signed_out, timeout=TIMEOUT) as blocker:
        window._idle_timer.start(10)
    assert blocker.args == ["Signed out after 15 idle minutes"]
    assert window.user is None and window.serial is None and window.page == "signin"
    assert_focus_on_scan_field(window)


def test_sign_out_button(signed_in, qtbot):
    window = signed_in.window
    with qtbot.waitSignal(window.signed_out, timeout=TIMEOUT):
        qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
    assert window.user is None
    assert_focus_on_scan_field(window)


def test_the_window_fits_1024_by_768(station):
    station.resize(1024, 768)
    assert station.minimumSizeHint().width() <= 1024 and station.minimumSizeHint().height() <= 768


def test_the_screens_hold_no_sql_and_no_peewee():
    forbidden = re.compile(r"^\s*(from|import)\s+(peewee|playhouse|app\.models|sqlite3|psycopg)|execute_sql|"
                           r"\bSELECT\s|\bINSERT\s+INTO\b", re.MULTILINE)
    for path in Path(__file__).resolve().parents[2].joinpath("ui").glob("*.py"):
        assert not forbidden.search(path.read_text()), path
