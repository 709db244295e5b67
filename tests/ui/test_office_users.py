"""The Users tab, driven with keys and the mouse as an administrator signed in by badge: add a user with
a scanned badge and a PIN typed twice, edit, set and reset a PIN, unlock, deactivate and reactivate —
each change with a reason — and the refusals of the core said as it says them; then the database is
read through the station's worker — the user rows, the PIN (``users.check_pin``), the lock, the audit
entries and their reasons — on SQLite and PostgreSQL."""
from __future__ import annotations

from PySide6.QtCore import Qt

from app import user_admin, users
from app.errors import Forbidden
from tests.helpers.setup_views import (TIMEOUT, ask, audit_entries, click, desk, opened, open_tab,  # noqa: F401
                                       plant_url, tab_titles, type_into)
from ui.office.user_form import DIFFERENT_PINS, PinDialog, UserForm
from ui.office.users import UsersView


def users_tab(desk) -> UsersView:
    desk.sign_in("B-ADM", None)
    view = open_tab(desk.qtbot, desk.window, "Users", lambda v: v.table.rowCount() == 4)
    assert isinstance(view, UsersView)
    return view


def choose(qtbot, view: UsersView, user_id: str) -> None:
    """The user's row, reached with the arrow keys."""
    row = next(n for n, r in enumerate(view.shown_rows) if r.record.id == user_id)
    view.table.setFocus()
    if view.table.currentRow() < 0:
        qtbot.keyClick(view.table, Qt.Key.Key_Home)
    while view.table.currentRow() != row:
        qtbot.keyClick(view.table, Qt.Key.Key_Down if view.table.currentRow() < row else Qt.Key.Key_Up)
    assert view.chosen().id == user_id


def cells(view: UsersView, user_id: str) -> list[str]:
    row = next(n for n, r in enumerate(view.shown_rows) if r.record.id == user_id)
    return [view.table.item(row, c).text() for c in range(view.table.columnCount())]


def save(qtbot, view: UsersView, dialog) -> None:
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: view.database.pending == 0, timeout=TIMEOUT)


def pin_works(user_id: str, pin: str) -> bool:
    try:
        users.check_pin(user_id, pin)
    except Forbidden:
        return False
    return True


# --- who sees it ------------------------------------------------------------------------------------------


def test_only_an_administrator_gets_the_users_tab(desk):
    desk.sign_in("B-OP1", "1234")
    assert tab_titles(desk.window) == ["Station"]
    desk.window.sign_out("Signed out")
    desk.sign_in("B-SUP1", "432100")
    assert "Users" not in tab_titles(desk.window) and "Routes" not in tab_titles(desk.window)
    desk.window.sign_out("Signed out")
    desk.sign_in("B-ADM", None)
    assert "Users" in tab_titles(desk.window)


def test_the_list_says_role_pin_and_state_in_people_s_words(qtbot, desk):
    view = users_tab(desk)
    assert [view.table.horizontalHeaderItem(c).text() for c in range(7)] == [
        "Name", "User id", "Role", "Badge", "PIN", "Active", "Locked"]
    assert cells(view, "admin") == ["Ada Admin", "admin", "Administrator", "B-ADM", "No", "Active", ""]
    assert cells(view, "sup1") == ["Sam Supervisor", "sup1", "Supervisor", "B-SUP1", "Yes", "Active", ""]
    assert view.count.text() == "4 active users"
    qtbot.keyClicks(view.search, "oper")
    assert [r.record.id for r in view.shown_rows] == ["op1", "op2"]


# --- adding --------------------------------------------------------------------------------------------------


def test_a_user_is_added_with_a_scanned_badge_and_a_pin_typed_twice(qtbot, desk):
    view = users_tab(desk)
    form = opened(qtbot, view, view.add_button)
    assert isinstance(form, UserForm)
    qtbot.waitUntil(form.id_field.hasFocus, timeout=TIMEOUT)
    qtbot.keyClicks(form.id_field, "op9")
    qtbot.keyClick(form.id_field, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.name_field, "Nina Novak")
    form.role.setFocus()
    assert form.role.currentText() == "Operator"
    form.badge.setFocus()
    qtbot.keyClicks(form.badge, "B-OP9")
    qtbot.keyClick(form.badge, Qt.Key.Key_Return)  # the scanner's Enter moves on, it does not save
    assert form.isVisible() and form.pin.hasFocus()
    qtbot.keyClicks(form.pin, "2468")
    qtbot.keyClicks(form.pin_again, "2469")
    click(qtbot, form.save_button)
    assert form.errors["pin_again"].text() == DIFFERENT_PINS and form.isVisible()
    assert ask(qtbot, view, users.list_users)[-1].id != "op9"  # nothing written

    type_into(qtbot, form.pin_again, "2468")
    assert form.pin.echoMode() == form.pin.EchoMode.Password
    save(qtbot, view, form)
    created = ask(qtbot, view, users.get_user, "op9")
    assert (created.name, created.role, created.badge, created.has_pin, created.active) == (
        "Nina Novak", "operator", "B-OP9", True, True)
    assert ask(qtbot, view, pin_works, "op9", "2468") and not ask(qtbot, view, pin_works, "op9", "2469")
    entry = ask(qtbot, view, audit_entries, "user_created")[-1]
    assert entry[1] == "admin" and entry[3] | {"hasPin": True} == {"userId": "op9", "name": "Nina Novak",
                                                                   "role": "operator", "badge": "B-OP9",
                                                                   "hasPin": True}
    assert view.notice.text() == "Added Nina Novak (operator, badge B-OP9) with a PIN."
    assert cells(view, "op9")[4] == "Yes"


def test_the_core_s_refusals_stay_beside_their_fields(qtbot, desk):
    view = users_tab(desk)
    form = opened(qtbot, view, view.add_button)
    qtbot.keyClicks(form.id_field, "sup9")
    type_into(qtbot, form.name_field, "Sven Berg")
    form.role.setCurrentIndex(form.role.findData("supervisor"))
    type_into(qtbot, form.badge, "B-SUP1")
    with qtbot.waitSignal(view.refused, timeout=TIMEOUT) as blocker:
        click(qtbot, form.save_button)
    assert blocker.args[0] == "Badge code already belongs to another user: B-SUP1"
    type_into(qtbot, form.badge, "B-SUP9")
    type_into(qtbot, form.pin, "1234")
    type_into(qtbot, form.pin_again, "1234")
    with qtbot.waitSignal(view.refused, timeout=TIMEOUT) as blocker:
        click(qtbot, form.save_button)
    assert blocker.args[0] == "PIN must be 6 to 12 digits for a supervisor or administrator"
    assert form.errors["pin"].text() == blocker.args[0] and form.isVisible()
    assert "sup9" not in [u.id for u in ask(qtbot, view, users.list_users)]


# --- changing ------------------------------------------------------------------------------------------------


def test_name_role_and_badge_are_changed_with_a_reason(qtbot, desk):
    view = users_tab(desk)
    view.ask_reason = lambda parent, title, prompt: "Married; now leads the shift"
    choose(qtbot, view, "op2")
    with qtbot.waitSignal(view.dialog_opened, timeout=TIMEOUT) as blocker:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)  # Enter on the row opens it
    form = blocker.args[0]
    assert form.id_field.isReadOnly() and form.name_field.text() == "Otto Operator"
    type_into(qtbot, form.name_field, "Otto Lindgren")
    form.role.setCurrentIndex(form.role.findData("supervisor"))
    type_into(qtbot, form.badge, "B-OP2-NEW")
    save(qtbot, view, form)
    changed = ask(qtbot, view, users.get_user, "op2")
    assert (changed.name, changed.role, changed.badge) == ("Otto Lindgren", "supervisor", "B-OP2-NEW")
    entry = ask(qtbot, view, audit_entries, "user_updated")[-1]
    assert entry[1:3] == ("admin", "Married; now leads the shift")
    assert entry[3]["changes"]["badge"] == {"old": "B-OP2", "new": "B-OP2-NEW"}
    assert cells(view, "op2")[:4] == ["Otto Lindgren", "op2", "Supervisor", "B-OP2-NEW"]
    assert view.notice.text() == "Saved Otto Lindgren: name, role, badge changed."


def test_deactivate_and_reactivate_with_a_reason_but_never_oneself(qtbot, desk):
    view = users_tab(desk)
    view.ask_reason = lambda *args: "Left the company"
    choose(qtbot, view, "admin")
    with qtbot.waitSignal(view.refused, timeout=TIMEOUT) as blocker:
        click(qtbot, view.active_button)
    assert blocker.args[0] == "You cannot deactivate yourself: ask another administrator"
    assert ask(qtbot, view, users.get_user, "admin").active

    choose(qtbot, view, "op1")
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, view.active_button)
    qtbot.waitUntil(lambda: cells(view, "op1")[5] == "Deactivated", timeout=TIMEOUT)
    assert not ask(qtbot, view, users.get_user, "op1").active
    assert view.active_button.text() == "Reactivate…" and view.count.text() == "3 active users, 1 deactivated"
    view.ask_reason = lambda *args: "Came back"
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, view.active_button)
    assert ask(qtbot, view, users.get_user, "op1").active
    assert [(e[0], e[2], e[3]["userId"]) for e in ask(qtbot, view, audit_entries, "user_deactivated",
                                                      "user_reactivated")] == [
        ("user_deactivated", "Left the company", "op1"), ("user_reactivated", "Came back", "op1")]


def test_a_pin_is_set_then_reset_with_a_reason_and_cleared(qtbot, desk):
    view = users_tab(desk)
    asked: list[str] = []
    view.ask_reason = lambda parent, title, prompt: asked.append(prompt) or "Forgot it"
    choose(qtbot, view, "op2")  # no PIN yet: a first PIN needs no reason
    dialog = opened(qtbot, view, view.pin_button)
    assert isinstance(dialog, PinDialog)
    qtbot.waitUntil(dialog.pin.hasFocus, timeout=TIMEOUT)
    qtbot.keyClicks(dialog.pin, "12")
    qtbot.keyClicks(dialog.pin_again, "12")
    with qtbot.waitSignal(view.refused, timeout=TIMEOUT) as blocker:
        click(qtbot, dialog.save_button)
    assert blocker.args[0] == "PIN must be 4 to 12 digits" and dialog.errors["pin"].text() == blocker.args[0]
    type_into(qtbot, dialog.pin, "5790")
    type_into(qtbot, dialog.pin_again, "5790")
    save(qtbot, view, dialog)
    assert asked == [] and ask(qtbot, view, pin_works, "op2", "5790")

    dialog = opened(qtbot, view, view.pin_button)  # a reset: asked why
    qtbot.keyClicks(dialog.pin, "8642")
    qtbot.keyClicks(dialog.pin_again, "8642")
    save(qtbot, view, dialog)
    assert asked == ["Why give Otto Operator a new PIN?"]
    assert ask(qtbot, view, pin_works, "op2", "8642") and not ask(qtbot, view, pin_works, "op2", "5790")
    assert [(e[2], e[3]["userId"]) for e in ask(qtbot, view, audit_entries, "pin_set")][-2:] == [
        (None, "op2"), ("Forgot it", "op2")]

    view.ask_reason = lambda *args: "Badge only on this line"
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, view.clear_pin_button)
    assert not ask(qtbot, view, users.get_user, "op2").has_pin
    assert ask(qtbot, view, audit_entries, "pin_cleared")[-1][2] == "Badge only on this line"


def test_a_locked_user_is_shown_locked_and_unlocked_with_a_reason(qtbot, desk):
    view = users_tab(desk)
    for _ in range(5):
        assert not ask(qtbot, view, pin_works, "op1", "0000")
    assert ask(qtbot, view, user_admin.is_locked, "op1")
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.reload()
    assert cells(view, "op1")[6] == "Locked"
    choose(qtbot, view, "op1")
    row = next(n for n, r in enumerate(view.shown_rows) if r.record.id == "op1")
    assert view.table.item(row, 6).toolTip().startswith("Locked after 5 wrong PINs: try again in ")
    assert view.unlock_button.isEnabled()
    view.ask_reason = lambda *args: "Called me; it is her"
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, view.unlock_button)
    assert not ask(qtbot, view, user_admin.is_locked, "op1")
    assert ask(qtbot, view, pin_works, "op1", "1234")
    assert ask(qtbot, view, audit_entries, "user_unlocked")[-1][1:3] == ("admin", "Called me; it is her")
    qtbot.waitUntil(lambda: cells(view, "op1")[6] == "", timeout=TIMEOUT)


def test_a_dialog_closed_with_escape_writes_nothing(qtbot, desk):
    view = users_tab(desk)
    form = opened(qtbot, view, view.add_button)
    qtbot.keyClicks(form.id_field, "op7")
    qtbot.keyClick(form.id_field, Qt.Key.Key_Escape)
    assert not form.isVisible()
    assert "op7" not in [u.id for u in ask(qtbot, view, users.list_users)]
