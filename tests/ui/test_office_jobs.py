"""The Jobs tab, driven with keys and the mouse by a supervisor signed in by badge and PIN: jobs with their
progress, a new job (each refused field shown beside it), a job's serials in words and paged, several moved
at once with the core's reason, a job closed with a reason; then the database is read through the station's
worker — job rows, serial rows, audit entries with their reasons — on SQLite and PostgreSQL."""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from app import integrity, jobs, serials
from app.models import Job
from tests.helpers.job_views import (answer_dialog, audit_of, choose_rows, counts, jobs_tab, serial_rows,  # noqa: F401
                                     serials_tab, supervisor)
from tests.helpers.setup_views import TIMEOUT, ask, desk, open_tab, plant_url, tab_titles  # noqa: F401
from ui.office.jobs import JobsView
from ui.office.serial_batches import SerialsView


def cells(view: JobsView, row: int) -> list[str]:
    return [view.model.data(view.model.index(row, column)) for column in range(view.model.columnCount())]


# --- who sees it ------------------------------------------------------------------------------------------


def test_an_operator_never_sees_jobs_or_serials_and_a_supervisor_does(desk):
    desk.sign_in("B-OP2", None)  # badge only
    assert tab_titles(desk.window) == ["Station"]
    desk.window.sign_out("Signed out")
    desk.sign_in("B-OP1", "1234")
    assert tab_titles(desk.window) == ["Station"]
    desk.window.sign_out("Signed out")
    desk.sign_in("B-SUP1", "432100")
    titles = tab_titles(desk.window)
    assert "Jobs" in titles and "Serials" in titles
    views = dict(desk.window.office_views())
    assert isinstance(views["Jobs"], JobsView) and isinstance(views["Serials"], SerialsView)
    desk.window.sign_out("Signed out")
    desk.sign_in("B-ADM", None)
    assert {"Jobs", "Serials"} <= set(tab_titles(desk.window))


# --- the list and one job ---------------------------------------------------------------------------------


def test_jobs_with_their_progress_and_a_job_s_serials_in_words(qtbot, supervisor):
    ask(qtbot, supervisor.window, serials.scrap_serial, "SN-00002", "sup1", "Cracked")
    view = jobs_tab(supervisor)
    assert cells(view, 0) == ["JOB-1", "Flanges for Acme", "FL-100", "Flange machining", "1 of 100,000", "1", "0",
                              "1", "Open"]
    assert view.model.data(view.model.index(0, 5), Qt.ItemDataRole.ToolTipRole) == "In progress at Saw: 1"
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=view.table.visualRect(
        view.model.index(0, 1)).center())
    panel = view.serials
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2 and panel.model.count == 2, timeout=TIMEOUT)
    shown = [[panel.model.data(panel.model.index(r, c)) for c in range(3)] for r in range(2)]
    assert shown == [["SN-00001", "In progress", "Saw"], ["SN-00002", "Scrapped", "Saw"]]
    assert panel.title.text() == "Serials of JOB-1: 2"


def test_a_long_job_s_serials_come_a_page_at_a_time(qtbot, supervisor):
    ask(qtbot, supervisor.window, serials.create_serials, "JOB-1", 450, "sup1")
    view = jobs_tab(supervisor)
    qtbot.keyClick(view.table, Qt.Key.Key_Home)  # the first job, chosen from the keyboard
    panel = view.serials
    qtbot.waitUntil(lambda: panel.model.count == 452 and panel.model.rowCount() == 200, timeout=TIMEOUT)
    while panel.model.canFetchMore(QModelIndex()):
        panel.table.scrollToBottom()
        qtbot.waitUntil(lambda: not panel.model.loading, timeout=TIMEOUT)
    assert panel.model.rowCount() == 452 and panel.model.row_at(451).id == "SN-00452"


# --- a new job ----------------------------------------------------------------------------------------------


def test_a_new_job_from_the_form_each_refused_field_beside_it(qtbot, supervisor):
    view = jobs_tab(supervisor)
    ask(qtbot, view, lambda: None)
    before = counts(qtbot, view)
    with qtbot.waitSignal(view.form_opened, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(view.new_button, Qt.MouseButton.LeftButton)
    form = blocker.args[0]
    qtbot.waitUntil(lambda: form.inputs["path"].count() == 1, timeout=TIMEOUT)
    assert form.inputs["path"].currentText() == "Flange machining (3 steps)"
    for key, text in (("id", "JOB-1"), ("name", "Flanges for Baltic Valves"), ("part", "FL-150"),
                      ("gtin", "4012345678902"), ("lot", "H24-1187")):
        form.inputs[key].setFocus()
        qtbot.keyClicks(form.inputs[key], text)
    quantity = form.inputs["quantity"]
    quantity.setFocus()
    quantity.selectAll()
    qtbot.keyClicks(quantity, "250")

    with qtbot.waitSignal(form.refused, timeout=TIMEOUT) as refused:
        qtbot.keyClick(form.inputs["lot"], Qt.Key.Key_Return)  # Enter presses Create job
    assert refused.args == ["GTIN 4012345678902 has a wrong check digit", "gtin"]
    assert form.errors["gtin"].isVisible() and form.errors["gtin"].text() == refused.args[0]
    assert form.focusWidget() is form.inputs["gtin"]

    form.inputs["gtin"].clear()
    qtbot.keyClicks(form.inputs["gtin"], "4012345678901")
    with qtbot.waitSignal(form.refused, timeout=TIMEOUT) as refused:
        qtbot.mouseClick(form.create_button, Qt.MouseButton.LeftButton)
    assert refused.args == ["Job already exists: JOB-1", "id"]
    assert form.errors["id"].isVisible() and not form.errors["gtin"].isVisible()
    assert counts(qtbot, view) == before  # each refusal wrote nothing

    form.inputs["id"].clear()
    qtbot.keyClicks(form.inputs["id"], "JOB-2")
    with qtbot.waitSignal(view.job_created, timeout=TIMEOUT):
        qtbot.mouseClick(form.create_button, Qt.MouseButton.LeftButton)
    assert not form.isVisible()
    made = ask(qtbot, view, lambda: Job.get_by_id("JOB-2"))
    assert (made.name, made.part, made.path_id, made.quantity, made.gtin, made.lot) == (
        "Flanges for Baltic Valves", "FL-150", "path_a", 250, "04012345678901", "H24-1187")
    created = audit_of(qtbot, view, "job_created")
    assert [(e[0], e[1]) for e in created] == [("job_created", "admin"), ("job_created", "sup1")]
    assert "Created job JOB-2" in view.notice.text()
    qtbot.waitUntil(lambda: view.chosen() is not None and view.chosen().id == "JOB-2", timeout=TIMEOUT)


# --- moves ----------------------------------------------------------------------------------------------------


def test_several_serials_advanced_at_once_with_the_reason_the_core_asks_for(qtbot, supervisor):
    view = jobs_tab(supervisor)
    view.select_job("JOB-1")
    panel = view.serials
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=TIMEOUT)
    choose_rows(qtbot, panel.table, [0, 1])
    seen: list[str] = []
    answer_dialog(qtbot, "Material certificate follows with the delivery", seen)
    with qtbot.waitSignal(panel.moved, timeout=TIMEOUT) as moved:
        qtbot.mouseClick(panel.buttons["advance"], Qt.MouseButton.LeftButton)
    assert moved.args == ["advance", 2]
    assert any(text.startswith("Step Saw (step_001) requires a MATERIAL certificate that serial SN-00001 does not "
                               "have; attach it, or give a reason to override") for text in seen), seen
    assert serial_rows(qtbot, view) == [("SN-00001", "in_progress", 1), ("SN-00002", "in_progress", 1)]
    advanced = audit_of(qtbot, view, "serial_advanced")
    assert [(e[1], e[2], e[3]) for e in advanced] == [
        ("sup1", "SN-00001", "Material certificate follows with the delivery"),
        ("sup1", "SN-00002", "Material certificate follows with the delivery")]
    assert advanced[0][4]["overridden"] == ["MATERIAL"]
    assert "Advanced 2 serials (SN-00001, SN-00002)" in view.notice.text()
    qtbot.waitUntil(lambda: cells(view, 0)[5] == "2", timeout=TIMEOUT)  # the job's progress follows
    assert view.model.data(view.model.index(0, 5), Qt.ItemDataRole.ToolTipRole) == "In progress at Mill: 2"


def test_a_move_is_all_or_nothing_and_a_cancelled_reason_moves_nothing(qtbot, supervisor):
    view = jobs_tab(supervisor)
    ask(qtbot, view, serials.scrap_serial, "SN-00002", "sup1", "Cracked")
    view.select_job("JOB-1")
    panel = view.serials
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=TIMEOUT)
    before = counts(qtbot, view)

    choose_rows(qtbot, panel.table, [0])
    answer_dialog(qtbot, None)  # asked for a reason, the person presses Esc
    qtbot.mouseClick(panel.buttons["advance"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.notice.text() == "No reason given: nothing moved.", timeout=TIMEOUT)

    choose_rows(qtbot, panel.table, [0, 1])
    answer_dialog(qtbot, "Material certificate follows")
    with qtbot.waitSignal(panel.refused, timeout=TIMEOUT) as refused:
        qtbot.mouseClick(panel.buttons["advance"], Qt.MouseButton.LeftButton)
    assert refused.args[0] == "Serial SN-00002 is scrapped, cannot advance (nothing was moved: 2 serials in this call)"
    assert counts(qtbot, view) == before
    assert serial_rows(qtbot, view) == [("SN-00001", "in_progress", 0), ("SN-00002", "scrapped", 0)]


def test_serials_scrapped_with_a_reason(qtbot, supervisor):
    view = jobs_tab(supervisor)
    view.select_job("JOB-1")
    panel = view.serials
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=TIMEOUT)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Home)
    qtbot.keyClick(panel.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)  # both, from the keyboard
    assert panel.selected_ids() == ["SN-00001", "SN-00002"]
    seen: list[str] = []
    answer_dialog(qtbot, "Dropped from the crane", seen)
    with qtbot.waitSignal(panel.moved, timeout=TIMEOUT):
        qtbot.mouseClick(panel.buttons["scrap"], Qt.MouseButton.LeftButton)
    assert seen[0].startswith("Why scrap 2 serials?")
    assert [s[1] for s in serial_rows(qtbot, view)] == ["scrapped", "scrapped"]
    assert [(e[1], e[2], e[3]) for e in audit_of(qtbot, view, "serial_scrapped")] == [
        ("sup1", "SN-00001", "Dropped from the crane"), ("sup1", "SN-00002", "Dropped from the crane")]
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2 and panel.model.row_at(0).status == "scrapped",
                    timeout=TIMEOUT)
    assert panel.model.data(panel.model.index(0, 1)) == "Scrapped"


# --- closing -------------------------------------------------------------------------------------------------


def test_a_job_closed_with_a_reason_takes_no_new_serials(qtbot, supervisor):
    serials_view = serials_tab(supervisor)
    assert serials_view.job.currentData() == "JOB-1"
    view = jobs_tab(supervisor)
    view.select_job("JOB-1")
    before = counts(qtbot, view)
    answer_dialog(qtbot, "")  # no reason: the core refuses in its words
    with qtbot.waitSignal(view.refused, timeout=TIMEOUT) as refused:
        qtbot.mouseClick(view.close_button, Qt.MouseButton.LeftButton)
    assert refused.args[0].startswith("A reason is required to close a job")
    assert counts(qtbot, view) == before

    answer_dialog(qtbot, "Order cancelled by the customer")
    with qtbot.waitSignal(view.job_closed, timeout=TIMEOUT):
        qtbot.mouseClick(view.close_button, Qt.MouseButton.LeftButton)
    closed = ask(qtbot, view, lambda: Job.get_by_id("JOB-1").closed_at)
    assert closed is not None
    assert [(e[1], e[3]) for e in audit_of(qtbot, view, "job_closed")] == [("sup1", "Order cancelled by the customer")]
    qtbot.waitUntil(lambda: cells(view, 0)[-1].startswith("Closed "), timeout=TIMEOUT)
    assert not view.close_button.isEnabled() and not view.serials_button.isEnabled()
    # The Serials tab no longer offers it.
    serials_view = open_tab(qtbot, supervisor.window, "Serials", lambda v: v.job.currentData() is None)
    assert serials_view.job.currentText() == "No open job: create one in the Jobs tab"
    assert ask(qtbot, view, lambda: integrity.verify(quick=True)).ok


def test_make_serials_opens_the_serials_tab_on_the_chosen_job(qtbot, supervisor):
    ask(qtbot, supervisor.window, jobs.create_job, {"id": "JOB-2", "name": "Spares", "part": "FL-9", "path": "path_a",
                                                    "quantity": 5}, "admin")
    view = jobs_tab(supervisor)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=TIMEOUT)
    view.select_job("JOB-2")
    qtbot.mouseClick(view.serials_button, Qt.MouseButton.LeftButton)
    serials_view = dict(supervisor.window.office_views())["Serials"]
    assert isinstance(serials_view, SerialsView) and serials_view.isVisible()  # in front, in its group's tab
    qtbot.waitUntil(lambda: serials_view.job.currentData() == "JOB-2", timeout=TIMEOUT)
    # Twenty, the count offered, is more than the job is for: the batch's own sentence, before anything is made.
    qtbot.waitUntil(lambda: serials_view.preview_line.text() == (
        "Job JOB-2 is for 5 pieces and has 0 serials (scrapped ones not counted): 20 more would make 20; at most 5 "
        "more"), timeout=TIMEOUT)
    assert serials_view.focusWidget() is serials_view.count
    serials_view.count.selectAll()
    qtbot.keyClicks(serials_view.count, "5")
    qtbot.waitUntil(lambda: serials_view.preview_line.text() == "5 serials: SN-JOB-2-0001 … SN-JOB-2-0005",
                    timeout=TIMEOUT)
