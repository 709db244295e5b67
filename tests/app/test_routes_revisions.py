"""Route revisions: an edit never changes the steps a serial stands on; new jobs take the newest revision."""
from __future__ import annotations

import pytest

from app import attachments, integrity, jobs, route_history, routes, serials
from app.errors import Forbidden, Invalid, NotFound
from app.models import Path, Step
from tests.helpers.state import entries, row_counts

REASON = "Customer drawing rev C"


def _verified() -> None:
    report = integrity.verify(quick=True)
    assert report.ok, report.problems


def test_a_serial_made_before_an_edit_keeps_its_steps_and_requirements(plant):
    (old,) = serials.create_serials("JOB-1", 1, "sup1").serial_ids
    revised = routes.revise_route("path_a", [
        {"id": "step_001", "name": "Saw", "requires": []},  # no longer needs MATERIAL
        {"name": "Deburr", "requires": ["PROCESS"]},  # new
        {"id": "step_002@r1", "name": "Mill", "requires": []},
        {"id": "step_003", "name": "Final inspection", "requires": ["INSPECTION"]},
    ], "admin", REASON)
    assert (revised.id, revised.route_id, revised.revision, revised.revision_of) == ("path_a@r2", "path_a", 2, "path_a")
    assert [s.id for s in revised.steps] == ["step_001@r2", "path_a.s1@r2", "step_002@r2", "step_003@r2"]
    # The old revision is untouched, row for row.
    assert [(s.id, s.requires) for s in routes.get_path("path_a").steps] == [
        ("step_001", ["MATERIAL"]), ("step_002", []), ("step_003", ["INSPECTION"])]

    detail = serials.get_serial(old)
    assert (detail.path_id, detail.route_id, detail.revision) == ("path_a", "path_a", 1)
    assert detail.to_json()["revision"] == 1 and detail.to_json()["routeId"] == "path_a"
    assert [s.step.id for s in detail.steps] == ["step_001", "step_002", "step_003"]
    # Its checks read its own revision: Saw still needs MATERIAL there.
    with pytest.raises(Invalid, match="requires a MATERIAL certificate"):
        serials.advance_serial(old, "sup1")
    assert attachments.attach(old, "cert_mat01", "op1").attachment.step_id == "step_001"
    assert serials.advance_serial(old, "sup1").current_step.step.id == "step_002"

    # The job made before keeps its revision too; a new job takes the newest.
    assert jobs.get_job("JOB-1").path_id == "path_a"
    new_job = jobs.create_job({"id": "JOB-2", "name": "More flanges", "part": "FL-100", "route": "path_a",
                               "quantity": 5}, "sup1")
    assert (new_job.path_id, new_job.revision) == ("path_a@r2", 2)
    (new,) = serials.create_serials("JOB-2", 1, "sup1").serial_ids
    assert serials.get_serial(new).revision == 2
    assert serials.advance_serial(new, "sup1").current_step.step.name == "Deburr"  # Saw needs nothing now
    _verified()
    entry = entries("route_revised")[-1]
    assert (entry.user_id, entry.reason, entry.path_id) == ("admin", REASON, "path_a@r2")
    assert "added step Deburr (path_a.s1) at 2" in entry.details["changes"]


def test_step_edits_each_make_a_revision_and_the_history_says_why(plant):
    routes.add_step("path_a", "Wash", ["PROCESS"], "admin", "New washing line", position=3)
    routes.move_step("path_a", 3, 1, "admin", "Wash first")
    routes.change_step("path_a", "step_002", "admin", "Mill needs a program", requires=["PROCESS"])
    routes.remove_step("path_a", "step_003", "admin", "Inspection moved to the customer")
    newest = routes.newest_revision("path_a")
    assert newest.revision == 5
    assert [(s.name, s.requires) for s in newest.steps] == [("Wash", ["PROCESS"]), ("Saw", ["MATERIAL"]),
                                                            ("Mill", ["PROCESS"])]
    history = route_history.route_history("path_a@r2")  # any revision names its route
    assert [r.path.revision for r in history] == [5, 4, 3, 2, 1]
    assert [r.reason for r in history] == ["Inspection moved to the customer", "Mill needs a program",
                                          "Wash first", "New washing line", None]
    assert history[-1].serials == 0 and history[-1].jobs == 1
    _verified()


def test_rename_keeps_the_revision_and_names_every_revision(plant):
    routes.add_step("path_a", "Wash", [], "admin", REASON)
    before = row_counts()
    renamed = routes.rename_route("path_a", "Flange machining, line 2", "admin", "Moved to line 2")
    assert renamed.revision == 2 and row_counts()["path"] == before["path"]
    assert {p.name for p in Path.select()} == {"Flange machining, line 2"}
    assert entries("route_renamed")[-1].details["name"] == {"old": "Flange machining",
                                                           "new": "Flange machining, line 2"}
    _verified()


def test_an_archived_route_takes_no_new_jobs_and_is_archived_only_without_open_jobs(plant):
    with pytest.raises(Invalid, match=r"^Route path_a is used by open jobs \(JOB-1\): close them before archiving it$"):
        routes.archive_route("path_a", "admin", "Part discontinued")
    jobs.close_job("JOB-1", "sup1", "Order delivered")
    archived = routes.archive_route("path_a", "admin", "Part discontinued")
    assert archived.archived and route_history.list_routes() == []
    assert [r.route_id for r in route_history.list_routes(include_archived=True)] == ["path_a"]
    before = row_counts()
    with pytest.raises(Invalid, match="^Route path_a is archived: it takes no new jobs$"):
        jobs.create_job({"id": "JOB-2", "name": "x", "part": "x", "route": "path_a", "quantity": 1}, "sup1")
    with pytest.raises(Invalid, match="archived: restore it before changing it"):
        routes.add_step("path_a", "Wash", [], "admin", REASON)
    assert row_counts() == before
    routes.restore_route("path_a", "admin", "Part back in the catalogue")
    assert jobs.create_job({"id": "JOB-2", "name": "x", "part": "x", "route": "path_a", "quantity": 1},
                           "sup1").path_id == "path_a"
    _verified()


@pytest.mark.parametrize("user", ["sup1", "op1"])
def test_only_administrators_keep_routes(plant, user):
    before = row_counts()
    for attempt in (lambda: routes.create_path({"id": "p2", "name": "P", "steps": [{"name": "One"}]}, user),
                    lambda: routes.add_step("path_a", "Wash", [], user, REASON),
                    lambda: routes.rename_route("path_a", "New", user, REASON),
                    lambda: routes.archive_route("path_a", user, REASON)):
        with pytest.raises(Forbidden, match=f"^User {user} \\((supervisor|operator)\\) may not "):
            attempt()
    assert row_counts() == before


def test_refusals_say_why_and_write_nothing(plant):
    before = row_counts()
    same = [{"id": s.id, "name": s.name, "requires": s.requires} for s in routes.get_path("path_a").steps]
    cases = [
        (lambda: routes.revise_route("path_a", same, "admin", REASON), Invalid,
         "Nothing to change: these are the steps of revision 1"),
        (lambda: routes.add_step("path_a", "Wash", [], "admin", "  "), Invalid,
         "A reason is required to change a route"),
        (lambda: routes.add_step("path_a", "Wash", ["PAINT"], "admin", REASON), Invalid,
         "Step 4 requires unknown certificate kinds: PAINT"),
        (lambda: routes.remove_step("path_a", "step_999", "admin", REASON), NotFound,
         "Step not found on this route: step_999"),
        (lambda: routes.revise_route("nowhere", same, "admin", REASON), NotFound, "Route not found: nowhere"),
        (lambda: routes.revise_route("path_a", [], "admin", REASON), Invalid, "Path path_a needs at least one step"),
        (lambda: routes.create_path({"id": "x@r2", "name": "X", "steps": [{"name": "A"}]}, "admin"), Invalid,
         "Path id may not end in @r and a number, which marks a revision: x@r2"),
        (lambda: routes.rename_route("path_a", "Flange machining", "admin", REASON), Invalid,
         "Route path_a is called Flange machining already"),
    ]
    for attempt, error, message in cases:
        with pytest.raises(error) as refused:
            attempt()
        assert refused.value.message.startswith(message), refused.value.message
    assert row_counts() == before


def test_routes_and_jobs_changed_behind_certlines_back_are_named(plant):
    (serial,) = serials.create_serials("JOB-1", 1, "sup1").serial_ids
    routes.add_step("path_a", "Wash", [], "admin", REASON)
    jobs.close_job("JOB-1", "sup1", "Order delivered")
    _verified()
    handle = plant
    p = handle.param
    tampering = [
        (f"UPDATE step SET requires = '[]' WHERE id = {p}", ("step_001",),
         "route revision path_a: its steps are"),
        (f"UPDATE serial SET path_id = {p} WHERE id = {p}", ("path_a@r2", serial),
         f"serial {serial}: it is on route revision path_a@r2, the audit trail says path_a at #"),
        (f"UPDATE job SET closed_at = NULL WHERE id = {p}", ("JOB-1",),
         "job JOB-1: closed is false, the audit trail says true at #"),
        (f"UPDATE job SET quantity = 5 WHERE id = {p}", ("JOB-1",),
         "job JOB-1: quantity is 5, the audit trail says 100000 at #"),
        (f"UPDATE path SET archived_at = '2026-01-01 00:00:00' WHERE id = {p}", ("path_a",),
         "route revision path_a: archived is true, the audit trail says false at #"),
    ]
    for sql, params, message in tampering:
        handle.execute_sql(sql, params)
        problems = integrity.verify(quick=True).problems
        assert any(message in problem for problem in problems), (message, problems)


def test_a_revision_is_never_written_over_an_existing_step_id(plant):
    routes.create_path({"id": "path_b", "name": "Other", "steps": [{"id": "b1", "name": "One"}]}, "admin")
    Step.insert(id="step_001@r2", path="path_b", position=1, name="Squat", requires=[]).execute()  # behind the back
    with pytest.raises(Invalid, match="^Step already exists: step_001@r2$"):
        routes.add_step("path_a", "Wash", [], "admin", REASON)
