"""A plant set up from an empty database through the screens alone, then worked at the station.

The first administrator is made as ``certline`` makes them on first start (ui/first_run.py's dialog).
Then, signed in at the station with badge and PIN, the administrator uses only the office's tabs:
a route of three steps with their required kinds (Routes), a material and a process certificate
(Certificates), a new operator with badge and PIN (Users), a job on the route (Jobs), and 20 serials
made with the material certificate attached to each (Serials). The operator then signs in by badge
and PIN and attaches the process certificate to one of the 20 serials. The database is read at the
end: the rows each screen wrote, the attachment by that operator at the serial's step, and ``verify``.
No CLI, no JSON — on SQLite and PostgreSQL.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from app import db as app_db
from app import integrity, jobs, reports, routes, users
from app.models import CertAttachment, SerialNumber
from tests.helpers.setup_views import TIMEOUT, ask, audit_entries, click, open_tab, type_into
from tests.ui.conftest import Operator, shown_station
from ui.first_run import FirstRunDialog
from ui.operations import needs_first_run
from ui.office.certificates import CertificatesView
from ui.office.routes import RoutesView
from ui.office.users import UsersView
from ui.settings import StationSettings

ADMIN_PIN = "135790"
KIM_PIN = "4826"


def first_administrator(qtbot, url: str) -> None:
    """The first start's dialog, as a person fills it: name, user id, badge, PIN."""
    app_db.open_database(url)
    try:
        assert needs_first_run()
        dialog = FirstRunDialog(url)
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.name_field, "Petra Berg")
        assert dialog.user_field.text() == "admin"
        qtbot.keyClicks(dialog.badge_field, "B-BOSS")
        qtbot.keyClicks(dialog.pin_field, ADMIN_PIN)
        click(qtbot, dialog.create_button)
        assert dialog.choice == "admin"
    finally:
        app_db.close_database()


def make_route(qtbot, window) -> None:
    view = open_tab(qtbot, window, "Routes", lambda v: v.count.text() == "0 routes")
    assert isinstance(view, RoutesView)
    with qtbot.waitSignal(view.dialog_opened, timeout=TIMEOUT) as blocker:
        click(qtbot, view.new_button)
    dialog = blocker.args[0]
    type_into(qtbot, dialog.id_field, "hx")
    type_into(qtbot, dialog.name_field, "Heat exchanger")
    for name, kinds in (("Cut tube", ("MATERIAL",)), ("Braze", ("PROCESS",)), ("Leak test", ("INSPECTION",))):
        with qtbot.waitSignal(dialog.step_dialog_opened, timeout=TIMEOUT) as step:
            click(qtbot, dialog.add_button)
        type_into(qtbot, step.args[0].name_field, name)
        for kind in kinds:
            click(qtbot, step.args[0].kinds[kind])
        click(qtbot, step.args[0].save_button)
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, dialog.save_button)


def make_certificate(qtbot, window, fields: dict[str, str]) -> None:
    view = open_tab(qtbot, window, "Certificates")
    assert isinstance(view, CertificatesView)
    with qtbot.waitSignal(view.form_opened, timeout=TIMEOUT) as blocker:
        click(qtbot, view.new_button)
    form = blocker.args[0]
    for name, value in fields.items():
        if name == "kind":
            form.inputs["kind"].setCurrentText(value)
        else:
            type_into(qtbot, form.inputs[name], value)
    with qtbot.waitSignal(form.saved, timeout=TIMEOUT):
        form.buttons.accepted.emit()  # the dialog's Save


def add_operator(qtbot, window) -> None:
    view = open_tab(qtbot, window, "Users", lambda v: v.table.rowCount() == 1)
    assert isinstance(view, UsersView)
    with qtbot.waitSignal(view.dialog_opened, timeout=TIMEOUT) as blocker:
        click(qtbot, view.add_button)
    form = blocker.args[0]
    qtbot.waitUntil(form.id_field.hasFocus, timeout=TIMEOUT)
    qtbot.keyClicks(form.id_field, "kim")
    type_into(qtbot, form.name_field, "Kim Lee")
    assert form.role.currentData() == "operator"
    form.badge.setFocus()
    qtbot.keyClicks(form.badge, "B-KIM")
    qtbot.keyClick(form.badge, Qt.Key.Key_Return)  # scanned: on to the PIN
    qtbot.keyClicks(form.pin, KIM_PIN)
    qtbot.keyClicks(form.pin_again, KIM_PIN)
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, form.save_button)


def make_job(qtbot, window) -> None:
    view = open_tab(qtbot, window, "Jobs")
    with qtbot.waitSignal(view.form_opened, timeout=TIMEOUT) as blocker:
        click(qtbot, view.new_button)
    form = blocker.args[0]
    route = form.inputs["path"]
    qtbot.waitUntil(lambda: route.findData("hx") >= 0, timeout=TIMEOUT)
    route.setCurrentIndex(route.findData("hx"))
    type_into(qtbot, form.inputs["id"], "HX-1")
    type_into(qtbot, form.inputs["name"], "Heat exchangers for Nordkraft")
    type_into(qtbot, form.inputs["part"], "HX-200")
    form.inputs["quantity"].setValue(20)
    with qtbot.waitSignal(view.job_created, timeout=TIMEOUT):
        click(qtbot, form.create_button)


def make_serials(qtbot, window) -> list[str]:
    view = open_tab(qtbot, window, "Serials", lambda v: v.job.findData("HX-1") >= 0)
    view.job.setCurrentIndex(view.job.findData("HX-1"))
    view.count.setValue(20)
    type_into(qtbot, view.cert, "MTR-7781")  # the certificate by its issuer's number
    with qtbot.waitSignal(view.batch_done, timeout=TIMEOUT) as blocker:
        click(qtbot, view.make_button)
    made = blocker.args[0]
    assert not made.cancelled and made.cert_id == "cert_tube01"
    return list(made.serial_ids)


def test_a_plant_set_up_from_the_screens_alone_then_worked_at_the_station(qtbot, db_url):
    first_administrator(qtbot, db_url)
    window = shown_station(qtbot, db_url, StationSettings(sounds=False, idle_sign_out_minutes=0, result_seconds=5),
                           timeout=TIMEOUT)
    desk = Operator(qtbot, window)
    try:
        desk.sign_in("B-BOSS", ADMIN_PIN)
        make_route(qtbot, window)
        today = dt.date.today().isoformat()
        make_certificate(qtbot, window, {"id": "cert_tube01", "name": "Mill test report, tube 25x2 CuNi10Fe1Mn",
                                         "kind": "MATERIAL", "number": "MTR-7781", "date_release": today})
        make_certificate(qtbot, window, {"id": "cert_braze01", "name": "Brazing procedure BP-12",
                                         "kind": "PROCESS", "number": "BP-12", "date_release": today})
        add_operator(qtbot, window)
        make_job(qtbot, window)
        made = make_serials(qtbot, window)
        assert len(made) == 20

        window.tabs.setCurrentIndex(0)
        window.sign_out("Signed out")
        qtbot.waitUntil(lambda: window.focusWidget() is window.scan_field, timeout=TIMEOUT)
        desk.sign_in("B-KIM", KIM_PIN)
        assert window.user.id == "kim" and [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["Station"]
        serial = made[6]
        desk.scan(serial, window.serial_loaded)
        desk.scan("BP-12", window.certificate_chosen)
        assert desk.enter(window.attached) == [serial, "cert_braze01", "hx.s1"]

        # What the screens wrote, read back from the database the station works on.
        path = ask(qtbot, window, routes.newest_revision, "hx")
        assert [(s.id, s.name, s.requires) for s in path.steps] == [
            ("hx.s1", "Cut tube", ["MATERIAL"]), ("hx.s2", "Braze", ["PROCESS"]),
            ("hx.s3", "Leak test", ["INSPECTION"])]
        kim = ask(qtbot, window, users.get_user, "kim")
        assert (kim.name, kim.role, kim.badge, kim.has_pin, kim.active) == ("Kim Lee", "operator", "B-KIM", True, True)
        job = ask(qtbot, window, jobs.get_job, "HX-1")
        assert (job.path_id, job.quantity, job.part) == ("hx", 20, "HX-200")
        on_job = ask(qtbot, window, lambda: sorted(s.id for s in SerialNumber.select()
                                                   .where(SerialNumber.job == "HX-1")))
        assert on_job == sorted(made)
        held = ask(qtbot, window, lambda: sorted((a.serial_id, a.cert_id, a.step_id, a.attached_by_id)
                                                 for a in CertAttachment.select()))
        assert held == sorted([(s, "cert_tube01", "hx.s1", "admin") for s in made]
                              + [(serial, "cert_braze01", "hx.s1", "kim")])
        spec = reports.CoverageSpec(job_id="HX-1", cert_id="cert_tube01")
        coverage = ask(qtbot, window, reports.coverage_count, spec)
        assert (coverage.covered, coverage.total) == (20, 20)
        types = [entry[0] for entry in ask(qtbot, window, audit_entries)]
        for wanted in ("user_created", "path_created", "cert_created", "job_created", "serial_created",
                       "cert_attached", "user_login"):
            assert wanted in types, wanted
        assert ask(qtbot, window, lambda: integrity.verify(quick=True)).ok
    finally:
        window.shutdown()
