"""The Routes tab, driven with keys and the mouse as an administrator signed in by badge: create a route
with its steps, add, change, move and remove steps (each a new revision, asked for a reason), rename,
archive and restore; then the database is read through the station's worker — the path and step rows
of every revision, the serials still on the revision they were made on, the audit entries and their
reasons — on SQLite and PostgreSQL."""
from __future__ import annotations

from PySide6.QtCore import Qt

from app import jobs, route_history, routes, serials
from app.models import SerialNumber
from tests.helpers.setup_views import (TIMEOUT, ask, audit_entries, click, desk, opened, open_tab,  # noqa: F401
                                       plant_url, tab_titles, type_into)
from ui.office.route_editor import NewRouteDialog, StepDialog
from ui.office.routes import RoutesView


def routes_tab(desk) -> RoutesView:
    desk.sign_in("B-ADM", None)
    view = open_tab(desk.qtbot, desk.window, "Routes", lambda v: v.detail is not None)
    assert isinstance(view, RoutesView)
    return view


def steps_of(qtbot, view, route_id: str) -> list[tuple[str, str, list[str]]]:
    newest = ask(qtbot, view, routes.newest_revision, route_id)
    return [(s.id, s.name, s.requires) for s in newest.steps]


def fill_step(qtbot, dialog: StepDialog, name: str | None, kinds: dict[str, bool]) -> None:
    if name is not None:
        type_into(qtbot, dialog.name_field, name)
    for kind, wanted in kinds.items():
        box = dialog.kinds[kind]
        if box.isChecked() != wanted:
            box.setFocus()
            qtbot.keyClick(box, Qt.Key.Key_Space)  # a check box ticked from the keyboard
        assert box.isChecked() == wanted


def save(qtbot, view, dialog) -> None:
    """Press the dialog's Save and wait for the view to say the core kept it."""
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT)


def choose_step(qtbot, view, name: str) -> None:
    qtbot.waitUntil(lambda: view.detail is not None, timeout=TIMEOUT)
    row = next(n for n, s in enumerate(view.detail.newest.steps) if s.name == name)
    view.steps.setFocus()
    while view.steps.currentRow() != row:
        qtbot.keyClick(view.steps, Qt.Key.Key_Down if view.steps.currentRow() < row else Qt.Key.Key_Up)


def shown_revision(qtbot, view, revision: int) -> None:
    qtbot.waitUntil(lambda: view.detail is not None and view.detail.newest.revision == revision, timeout=TIMEOUT)


# --- who sees it ------------------------------------------------------------------------------------------


def test_only_an_administrator_gets_the_routes_tab(desk):
    desk.sign_in("B-OP1", "1234")
    assert tab_titles(desk.window) == ["Station"]
    desk.window.sign_out("Signed out")
    desk.sign_in("B-SUP1", "432100")
    titles = tab_titles(desk.window)
    assert "Certificates" in titles and "Routes" not in titles and "Users" not in titles
    desk.window.sign_out("Signed out")
    desk.sign_in("B-ADM", None)
    assert "Routes" in tab_titles(desk.window)


# --- the list and one route -------------------------------------------------------------------------------


def test_the_list_and_the_chosen_route_s_steps_in_people_s_words(qtbot, desk):
    view = routes_tab(desk)
    assert view.table.item(0, 0).text() == "Flange machining"
    assert [view.table.item(0, c).text() for c in range(1, 5)] == ["3", "1", "1", "Active"]
    assert view.title.text() == "Flange machining"
    assert [[view.steps.item(r, c).text() for c in range(3)] for r in range(3)] == [
        ["1", "Saw", "Material"], ["2", "Mill", "Nothing"], ["3", "Inspect", "Inspection"]]
    assert view.tabs.tabText(1) == "Revisions (1)"
    assert view.history.item(0, 2).text() == "Ada Admin"  # who made it, by name


# --- creating ----------------------------------------------------------------------------------------------


def test_a_route_is_created_with_its_steps_in_one_dialog(qtbot, desk):
    view = routes_tab(desk)
    dialog = opened(qtbot, view, view.new_button)
    assert isinstance(dialog, NewRouteDialog)
    type_into(qtbot, dialog.id_field, "weld")
    type_into(qtbot, dialog.name_field, "Welded frame")
    for name, kinds in (("Cut", {"MATERIAL": True}), ("Weld", {"PROCESS": True, "TRAINING": True}),
                        ("Check", {"INSPECTION": True})):
        with qtbot.waitSignal(dialog.step_dialog_opened, timeout=TIMEOUT) as blocker:
            click(qtbot, dialog.add_button)
        fill_step(qtbot, blocker.args[0], name, kinds)
        click(qtbot, blocker.args[0].save_button)
    # Check before Weld: chosen and moved up, before anything is written.
    assert dialog.table.currentRow() == 2
    click(qtbot, dialog.up_button)
    assert [dialog.table.item(r, 1).text() for r in range(3)] == ["Cut", "Check", "Weld"]
    assert dialog.table.item(2, 2).text() == "Process and Training"
    save(qtbot, view, dialog)

    assert steps_of(qtbot, view, "weld") == [("weld.s1", "Cut", ["MATERIAL"]), ("weld.s2", "Check", ["INSPECTION"]),
                                             ("weld.s3", "Weld", ["PROCESS", "TRAINING"])]
    created = ask(qtbot, view, audit_entries, "path_created")[-1]
    assert created[:2] == ("path_created", "admin") and created[3]["name"] == "Welded frame"
    assert "Created the route Welded frame with 3 steps" in view.notice.text()
    qtbot.waitUntil(lambda: view.title.text() == "Welded frame", timeout=TIMEOUT)


def test_the_core_s_refusal_stays_in_the_open_dialog_and_nothing_is_written(qtbot, desk):
    view = routes_tab(desk)
    dialog = opened(qtbot, view, view.new_button)
    type_into(qtbot, dialog.id_field, "path_a")
    type_into(qtbot, dialog.name_field, "Again")
    with qtbot.waitSignal(view.refused, timeout=TIMEOUT) as blocker:
        click(qtbot, dialog.save_button)
    assert dialog.isVisible() and dialog.error.text() == blocker.args[0] == "Path path_a needs at least one step"
    assert len(ask(qtbot, view, route_history.list_routes, True)) == 1


# --- changing the steps: a revision each --------------------------------------------------------------------


def test_each_change_of_the_steps_makes_a_revision_and_the_serials_keep_theirs(qtbot, desk):
    view = routes_tab(desk)
    reasons: list[str] = []
    view.ask_reason = lambda parent, title, prompt: reasons.append(prompt) or f"Change {len(reasons)}"

    # Add a step after Mill, requiring a process certificate.
    choose_step(qtbot, view, "Mill")
    dialog = opened(qtbot, view, view.add_button)
    assert dialog.position.value() == 3  # after the chosen step
    fill_step(qtbot, dialog, "Harden", {"PROCESS": True})
    save(qtbot, view, dialog)
    shown_revision(qtbot, view, 2)
    assert "Saved as revision 2 of Flange machining" in view.notice.text()
    assert "Serials already made keep the revision they were made on" in view.notice.text()
    assert steps_of(qtbot, view, "path_a") == [
        ("step_001@r2", "Saw", ["MATERIAL"]), ("step_002@r2", "Mill", []), ("path_a.s1@r2", "Harden", ["PROCESS"]),
        ("step_003@r2", "Inspect", ["INSPECTION"])]

    # Change Mill: it now requires a calibration certificate too, and is called Mill flange (Enter opens it).
    choose_step(qtbot, view, "Mill")
    with qtbot.waitSignal(view.dialog_opened, timeout=TIMEOUT) as blocker:
        qtbot.keyClick(view.steps, Qt.Key.Key_Return)
    fill_step(qtbot, blocker.args[0], "Mill flange", {"CALIBRATION": True})
    save(qtbot, view, blocker.args[0])
    shown_revision(qtbot, view, 3)

    # Move Inspect up before Harden, then remove Harden.
    choose_step(qtbot, view, "Inspect")
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, view.up_button)
    shown_revision(qtbot, view, 4)
    assert view.chosen_step().name == "Inspect"  # the moved step stays chosen
    choose_step(qtbot, view, "Harden")
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, view.remove_button)
    shown_revision(qtbot, view, 5)

    assert steps_of(qtbot, view, "path_a") == [
        ("step_001@r5", "Saw", ["MATERIAL"]), ("step_002@r5", "Mill flange", ["CALIBRATION"]),
        ("step_003@r5", "Inspect", ["INSPECTION"])]
    assert [[view.steps.item(r, c).text() for c in (1, 2)] for r in range(3)] == [
        ["Saw", "Material"], ["Mill flange", "Calibration"], ["Inspect", "Inspection"]]
    revised = ask(qtbot, view, audit_entries, "route_revised")
    assert [(e[1], e[2], e[3]["revision"]) for e in revised] == [("admin", f"Change {n}", n + 1) for n in range(1, 5)]
    assert len(reasons) == 4 and "Why add Harden to Flange machining?" == reasons[0]
    # The serials made on revision 1 keep it, with its three steps as they were.
    made = ask(qtbot, view, lambda: [(s.id, s.path_id) for s in SerialNumber.select().order_by(SerialNumber.id)])
    assert made == [("SN-00001", "path_a"), ("SN-00002", "path_a")]
    assert [s.name for s in ask(qtbot, view, routes.steps_of, "path_a")] == ["Saw", "Mill", "Inspect"]
    assert view.tabs.tabText(1) == "Revisions (5)"
    assert view.history.item(0, 0).text() == "5" and view.history.item(0, 3).text() == "Change 4"
    assert "removed step Harden" in view.history.item(0, 4).text()


def test_a_change_without_a_reason_writes_nothing(qtbot, desk):
    view = routes_tab(desk)
    view.ask_reason = lambda *args: "   "
    choose_step(qtbot, view, "Inspect")
    with qtbot.waitSignal(view.refused, timeout=TIMEOUT) as blocker:
        click(qtbot, view.remove_button)
    assert blocker.args[0] == "A reason is required to change a route. Nothing was changed."
    view.ask_reason = lambda *args: None  # cancelled: nothing said, nothing written
    click(qtbot, view.up_button)
    assert ask(qtbot, view, routes.newest_revision, "path_a").revision == 1


def test_a_new_job_takes_the_newest_revision_while_old_serials_keep_the_first(qtbot, desk):
    view = routes_tab(desk)
    view.ask_reason = lambda *args: "Saw needs a process sheet too"
    choose_step(qtbot, view, "Saw")
    dialog = opened(qtbot, view, view.change_button)
    fill_step(qtbot, dialog, None, {"MATERIAL": True, "PROCESS": True})
    save(qtbot, view, dialog)
    shown_revision(qtbot, view, 2)
    job = ask(qtbot, view, jobs.create_job, {"id": "JOB-2", "name": "More flanges", "part": "FL-100",
                                               "path": "path_a", "quantity": 5}, "admin")
    ask(qtbot, view, serials.create_serials, "JOB-2", 1, "admin")
    on = dict(ask(qtbot, view, lambda: [(s.id, s.path_id) for s in SerialNumber.select()]))
    assert job.path_id == "path_a@r2" and on["SN-00001"] == "path_a" and on["SN-00003"] == "path_a@r2"
    assert [s.requires for s in ask(qtbot, view, routes.steps_of, "path_a")][0] == ["MATERIAL"]


# --- the route as a whole: rename, archive, restore ---------------------------------------------------------


def test_rename_then_archive_refused_while_a_job_uses_it_and_done_when_none_does(qtbot, desk):
    view = routes_tab(desk)
    view.ask_text = lambda parent, title, prompt, text="": "Flange turning"
    view.ask_reason = lambda *args: "The shop calls it so"
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, view.rename_button)
    qtbot.waitUntil(lambda: view.title.text() == "Flange turning", timeout=TIMEOUT)
    assert ask(qtbot, view, routes.newest_revision, "path_a").name == "Flange turning"
    assert ask(qtbot, view, audit_entries, "route_renamed")[0][2] == "The shop calls it so"

    with qtbot.waitSignal(view.refused, timeout=TIMEOUT) as blocker:
        click(qtbot, view.archive_button)
    assert blocker.args[0] == "Route path_a is used by open jobs (JOB-1): close them before archiving it"
    assert view.notice.text() == blocker.args[0]
    assert not ask(qtbot, view, routes.newest_revision, "path_a").archived

    ask(qtbot, view, routes.create_path, {"id": "spare", "name": "Spare parts", "steps": [{"name": "Pack"}]}, "admin")
    view.reload("spare")
    qtbot.waitUntil(lambda: view.title.text() == "Spare parts", timeout=TIMEOUT)
    view.ask_reason = lambda *args: "Nobody makes spares here"
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, view.archive_button)
    qtbot.waitUntil(lambda: view.archive_button.text() == "Restore…", timeout=TIMEOUT)
    assert ask(qtbot, view, routes.newest_revision, "spare").archived
    assert not view.add_button.isEnabled()  # an archived route's steps are not changed
    row = next(r for r in range(view.table.rowCount()) if view.table.item(r, 0).text() == "Spare parts")
    assert view.table.item(row, 4).text() == "Archived"
    view.ask_reason = lambda *args: "We make spares again"
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, view.archive_button)
    assert not ask(qtbot, view, routes.newest_revision, "spare").archived
    assert [e[2] for e in ask(qtbot, view, audit_entries, "route_archived", "route_restored")] == [
        "Nobody makes spares here", "We make spares again"]


def test_routes_are_chosen_with_the_arrow_keys(qtbot, desk):
    view = routes_tab(desk)
    ask(qtbot, view, routes.create_path, {"id": "b", "name": "Bracket", "steps": [{"name": "Bend"}]}, "admin")
    view.reload()
    qtbot.waitUntil(lambda: view.table.rowCount() == 2, timeout=TIMEOUT)
    view.table.setFocus()
    with qtbot.waitSignal(view.shown, timeout=TIMEOUT):
        qtbot.keyClick(view.table, Qt.Key.Key_Up)  # Bracket sorts first
    assert view.title.text() == "Bracket" and view.steps.item(0, 1).text() == "Bend"
