"""Signing in at the station: badge, picked name and PIN, the keypad, wrong PINs locking, the plant's policy.

Driven through the real window (keyboard, scanner keys and taps); each test then reads the database.
"""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QInputDialog, QLabel

from app import clock, policy, users
from app.models import AuditEntry, User
from tests.ui.conftest import TIMEOUT
from ui.pin_pad import BACKSPACE, CLEAR
from ui.station import BADGE_AND_PIN_HINT


def logins() -> list[tuple[str, str]]:
    query = AuditEntry.select().where(AuditEntry.type == "user_login").order_by(AuditEntry.seq)
    return [(e.user_id, e.details.get("method")) for e in query]


def entries(type: str) -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.type == type).order_by(AuditEntry.seq))


def user_row(window, name: str):
    picker = window.user_picker
    return next(picker.item(i) for i in range(picker.count()) if picker.item(i).text().startswith(name))


def tap_name(qtbot, window, name: str) -> None:
    picker = window.user_picker
    rect = picker.visualItemRect(user_row(window, name))
    qtbot.mouseClick(picker.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def tap(qtbot, window, *keys: str) -> None:
    for key in keys:
        qtbot.mouseClick(window.pin_page.pad.keys[key], Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
        assert window.focusWidget() is window.pin_field  # a tap never takes the focus from the PIN


def refusal(qtbot, window, action) -> str:
    with qtbot.waitSignal(window.result_shown, timeout=TIMEOUT,
                          check_params_cb=lambda state, text: state == "refused") as blocker:
        action()
    return blocker.args[1]


def assert_said_once(window, sentence: str) -> None:
    """``sentence`` in the banner, in red, and in no other label of the window."""
    assert window.banner.state == "refused" and window.banner.text() == f"✖  {sentence}"
    others = [label.text() for label in window.findChildren(QLabel) if label is not window.banner]
    assert not [text for text in others if sentence in text]


@pytest.fixture
def clock_at(monkeypatch):
    """Moves app.clock, which the database worker reads too: ``clock_at(seconds)`` after the start."""
    start = clock.now_utc()

    def move(seconds: float) -> None:
        moment = start + dt.timedelta(seconds=seconds)
        monkeypatch.setattr(clock, "now_utc", lambda: moment)

    move(0)
    return move


def test_a_picked_name_signs_in_with_the_pin_tapped_on_the_keypad(operator, qtbot):
    window = operator.window
    assert user_row(window, "Olga Operator").text() == "Olga Operator   (operator, PIN)"
    with qtbot.waitSignal(window.pin_requested, timeout=TIMEOUT):
        tap_name(qtbot, window, "Olga Operator")
    assert window.page == "pin" and window.focusWidget() is window.pin_field
    # The user's name is said once: on the page, not again in the banner.
    assert window.pin_page.name_label.text() == "PIN for Olga Operator"
    assert "Olga" not in window.banner.text()
    keys = window.pin_page.pad.keys
    assert set(keys) == set("0123456789") | {BACKSPACE, CLEAR, "Sign in"}
    assert min(key.height() for key in keys.values()) >= 64

    tap(qtbot, window, "9", "9", CLEAR, "1", "2", "3", "7", BACKSPACE, "4")
    assert window.pin_field.text() == "1234"
    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT) as blocker:
        tap(qtbot, window, "Sign in")

    assert blocker.args == ["op1"] and window.user.id == "op1"
    assert logins() == [("op1", "name+PIN")]
    assert entries("sign_in_refused") == []


def test_a_name_without_pin_is_told_to_scan_the_badge(operator, qtbot):
    window = operator.window
    assert user_row(window, "Otto Operator").text() == "Otto Operator   (operator, badge only)"
    for _ in range(3):  # the keyboard's way: ↓ to the name, Enter
        operator.key(Qt.Key.Key_Down)
    text = refusal(qtbot, window, lambda: operator.key(Qt.Key.Key_Return))
    assert text == "Otto Operator signs in with the badge only: scan your badge."
    text = refusal(qtbot, window, lambda: tap_name(qtbot, window, "Otto Operator"))
    assert text == "Otto Operator signs in with the badge only: scan your badge."
    assert window.user is None and window.page == "signin" and window.focusWidget() is window.scan_field
    assert logins() == []

    operator.sign_in("B-OP2", pin=None)
    assert logins() == [("op2", "badge")]


def test_five_wrong_pins_lock_the_user_and_the_screen_says_how_long(operator, qtbot, clock_at):
    window = operator.window
    operator.scan("B-OP1", window.pin_requested)

    def wrong_pin(pin: str = "9999") -> str:
        return refusal(qtbot, window, lambda: (operator.type(pin), operator.key(Qt.Key.Key_Return)))

    assert [wrong_pin() for _ in range(4)] == [
        f"Wrong PIN for Olga Operator: {left} before a 5-minute lock"
        for left in ("4 more tries", "3 more tries", "2 more tries", "1 more try")]
    assert User.get_by_id("op1").failed_pins == 4
    assert wrong_pin() == "Locked after 5 wrong PINs: try again in 5 min"
    assert_said_once(window, "Locked after 5 wrong PINs: try again in 5 min")

    clock_at(88)  # the right PIN, tapped, is refused while the lock lasts
    text = refusal(qtbot, window, lambda: tap(qtbot, window, "1", "2", "3", "4", "Sign in"))
    assert text == "Locked after 5 wrong PINs: try again in 3 min 32 s"
    assert_said_once(window, text)
    assert window.user is None and window.page == "pin" and window.focusWidget() is window.pin_field

    row = User.get_by_id("op1")
    assert row.failed_pins == 5 and row.locked_until is not None
    assert [e.user_id for e in entries("sign_in_refused")] == ["op1"] * 6
    assert [e.details.get("wrongPins") for e in entries("sign_in_refused")] == [1, 2, 3, 4, 5, None]
    assert [(e.user_id, e.details["wrongPins"]) for e in entries("user_locked")] == [("op1", 5)]

    operator.key(Qt.Key.Key_Escape)  # a badge scanned while locked says so at once, without a PIN page
    clock_at(240)
    text = refusal(qtbot, window, lambda: operator.scan("B-OP1", window.scan_handled))
    assert text == "Locked after 5 wrong PINs: try again in 1 min"
    assert window.page == "signin"

    clock_at(300)
    operator.sign_in("B-OP1", "1234")
    assert window.user.id == "op1"
    assert (User.get_by_id("op1").failed_pins, User.get_by_id("op1").locked_until) == (0, None)
    assert logins() == [("op1", "badge+PIN")]


def test_a_badge_scanned_while_the_pin_page_is_up_still_signs_in(operator, qtbot):
    window = operator.window
    operator.scan("B-SUP1", window.pin_requested)
    tap(qtbot, window, "4", "3")  # someone began a PIN, then the next person scans their badge
    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT) as blocker:
        operator.type("B-OP2")  # the scanner types into the PIN field; its first letter hands the scan over
        operator.key(Qt.Key.Key_Return)
    assert blocker.args == ["op2"] and window.focusWidget() is window.scan_field
    assert logins() == [("op2", "badge")]
    assert entries("sign_in_refused") == []  # the half-typed PIN was never checked


def test_badge_and_pin_for_everyone(operator, qtbot):
    window = operator.window
    policy.set_policy("require_badge_and_pin", True, "admin", "Customer audit: two factors at the line")

    text = refusal(qtbot, window, lambda: tap_name(qtbot, window, "Olga Operator"))
    assert text == "This plant signs in with badge and PIN: scan your badge, then type your PIN."
    text = refusal(qtbot, window, lambda: operator.scan("B-OP2", window.scan_handled))
    assert text == ("Otto Operator: this plant signs in with badge and PIN, and you have no PIN yet. "
                    "Ask an administrator for a PIN.")
    assert window.user is None and logins() == []

    operator.sign_in("B-OP1", "1234")
    assert logins() == [("op1", "badge+PIN")]
    with qtbot.waitSignal(window.users_loaded, timeout=TIMEOUT):
        window.sign_out()
    assert window.signin_hint.text() == BADGE_AND_PIN_HINT
    assert user_row(window, "Otto Operator").text() == "Otto Operator   (operator, no PIN yet)"
    assert user_row(window, "Olga Operator").text() == "Olga Operator   (operator, badge and PIN)"


@pytest.fixture
def settings_store(tmp_path):
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))


def test_the_administrator_sets_the_sign_in_rules_in_settings(settings_store, operator, qtbot, monkeypatch):
    window = operator.window
    operator.sign_in("B-ADM", None)
    view = dict(window.office_views())["Settings"]
    qtbot.waitUntil(view.badge_pin_box.isEnabled, timeout=TIMEOUT)
    assert (view.badge_pin_box.isChecked(), view.pin_attempts_box.value(), view.pin_lock_box.value()) == (
        False, 5, 5)
    assert (view.pin_attempts_box.minimum(), view.pin_attempts_box.maximum()) == (3, 20)
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Pen test finding 3", True))

    with qtbot.waitSignal(view.plant_policy_changed, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.badge_pin_box, Qt.MouseButton.LeftButton, pos=QPoint(8, view.badge_pin_box.height() // 2))
    assert blocker.args == ["require_badge_and_pin", True]
    view.pin_attempts_box.setValue(3)
    view.pin_lock_box.setValue(30)
    with qtbot.waitSignals([view.plant_policy_changed] * 2, timeout=TIMEOUT):
        qtbot.mouseClick(view.pin_lock_button, Qt.MouseButton.LeftButton)

    assert policy.get_policies() == {"require_approved": False, "require_badge_and_pin": True, "pin_attempts": 3,
                                     "pin_lock_minutes": 30, "allow_macro_documents": False,
                                     "min_pin_digits_privileged": 6, "clock_tolerance_seconds": 2}
    assert [(e.user_id, e.reason, e.details["policy"], e.details["new"]) for e in entries("policy_changed")] == [
        ("admin", "Pen test finding 3", "require_badge_and_pin", True),
        ("admin", "Pen test finding 3", "pin_attempts", 3),
        ("admin", "Pen test finding 3", "pin_lock_minutes", 30)]
    assert view.message.text() == "PIN lock: after 3 wrong PINs in a row, 30 min."


# ---- a name typed, then Enter: the one it names goes to its PIN (no badge at hand) --------------------------------

def shown_names(window) -> list[str]:
    picker = window.user_picker
    return [picker.item(i).text().split("   (")[0] for i in range(picker.count())]


def test_part_of_a_name_typed_slowly_then_enter_asks_that_persons_pin(operator, qtbot):
    window = operator.window
    operator.type("sam")
    qtbot.waitUntil(lambda: shown_names(window) == ["Sam Supervisor"], timeout=TIMEOUT)  # the list's filter
    with qtbot.waitSignal(window.pin_requested, timeout=TIMEOUT) as blocker:
        operator.key(Qt.Key.Key_Return)
    assert blocker.args == ["sup1"] and window.page == "pin" and window.focusWidget() is window.pin_field
    assert window.pin_page.name_label.text() == "PIN for Sam Supervisor" and window.user is None
    assert entries("sign_in_refused") == [] and logins() == []  # nothing written before the PIN

    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT):
        operator.type("432100")
        operator.key(Qt.Key.Key_Return)
    assert window.user.id == "sup1" and logins() == [("sup1", "name+PIN")]


def test_a_name_at_scanner_speed_goes_to_its_pin_and_a_wrong_pin_is_counted(operator, qtbot):
    window = operator.window
    assert operator.scan("Olga", window.pin_requested) == ["op1"]  # keys and Enter before the list filters
    window.banner.set_seconds(2)
    text = refusal(qtbot, window, lambda: (operator.type("9999"), operator.key(Qt.Key.Key_Return)))
    assert text == "Wrong PIN for Olga Operator: 4 more tries before a 5-minute lock"
    assert window.user is None and window.page == "pin" and logins() == []
    assert [(e.user_id, e.details["wrongPins"]) for e in entries("sign_in_refused")] == [("op1", 1)]
    assert User.get_by_id("op1").failed_pins == 1

    # Said once: in the banner; when its red seconds are over, its standing line still says it.
    assert_said_once(window, text)
    qtbot.waitUntil(lambda: window.banner.state == "prompt", timeout=TIMEOUT)
    assert window.banner.text() == f"{text}. Esc goes back."

    operator.key(Qt.Key.Key_Escape)
    assert window.page == "signin" and window.banner.text() == "Scan your badge to sign in"


def test_a_whole_name_with_its_space_goes_to_its_pin(operator, qtbot):
    window = operator.window
    assert operator.scan("olga operator", window.pin_requested) == ["op1"]
    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT):
        operator.type("1234")
        operator.key(Qt.Key.Key_Return)
    assert logins() == [("op1", "name+PIN")]


def test_several_names_match_the_list_shows_them_to_pick_one(operator, qtbot):
    window = operator.window
    with qtbot.waitSignal(window.result_shown, timeout=TIMEOUT) as blocker:
        operator.type("Operator")
        operator.key(Qt.Key.Key_Return)
    assert blocker.args == ["info", "2 names match 'Operator': pick yours with ↑ ↓ and Enter, or tap it"]
    assert window.banner.state == "info" and "Unknown" not in window.banner.text()
    assert shown_names(window) == ["Olga Operator", "Otto Operator"] and window.user_picker.chosen() is None
    assert window.page == "signin" and window.user is None and window.scan_field.text() == ""

    operator.key(Qt.Key.Key_Down)
    with qtbot.waitSignal(window.pin_requested, timeout=TIMEOUT) as picked:
        operator.key(Qt.Key.Key_Return)
    assert picked.args == ["op1"] and logins() == [] and entries("sign_in_refused") == []

    operator.key(Qt.Key.Key_Escape)  # the same by a tap
    assert window.page == "signin"
    with qtbot.waitSignal(window.result_shown, timeout=TIMEOUT):
        operator.scan("Operator", window.scan_handled)
    text = refusal(qtbot, window, lambda: tap_name(qtbot, window, "Otto Operator"))
    assert text == "Otto Operator signs in with the badge only: scan your badge."
    assert window.user is None and logins() == []


def test_a_name_that_matches_nobody_says_so_in_words(operator, qtbot):
    window = operator.window
    assert operator.scan("Xyz", window.unknown_code) == ["No badge or name matches 'Xyz'"]
    assert window.banner.state == "refused" and window.banner.text() == "✖  No badge or name matches 'Xyz'"
    assert len(shown_names(window)) == 4 and window.page == "signin"  # the whole list again
    text = refusal(qtbot, window, lambda: operator.scan("Nobody Here", window.scan_handled))
    assert text == "No badge or name matches 'Nobody Here'"  # not "no spaces in a code"
    assert logins() == [] and entries("sign_in_refused") == []


def test_a_name_typed_is_held_to_the_same_rule_as_a_name_picked(operator, qtbot):
    window = operator.window
    text = refusal(qtbot, window, lambda: operator.scan("Otto", window.scan_handled))
    assert text == "Otto Operator signs in with the badge only: scan your badge."
    policy.set_policy("require_badge_and_pin", True, "admin", "Customer audit: two factors at the line")
    text = refusal(qtbot, window, lambda: operator.scan("Olga", window.scan_handled))
    assert text == "This plant signs in with badge and PIN: scan your badge, then type your PIN."
    assert window.user is None and window.page == "signin" and logins() == []


def test_a_badge_that_is_part_of_a_name_still_signs_in_by_badge(operator, qtbot):
    window = operator.window
    users.create_user("op3", "Petra Picker", "operator", "Olga", by="admin")  # a badge code that is in a name
    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT) as blocker:
        operator.type("Olga")
        operator.key(Qt.Key.Key_Return)
    assert blocker.args == ["op3"] and window.user.id == "op3"
    assert logins() == [("op3", "badge")]
