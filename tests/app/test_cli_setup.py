"""certline-cli sets up a plant: route, job, serials, users — the same rules as app/, proven by PIN."""
from __future__ import annotations

import json

from tests.helpers.cli import imported, run  # noqa: F401 (fixture)


def run_json(capsys, db_url, *argv):
    code, out, err = run(capsys, db_url, *argv, "--json")
    return code, (json.loads(out) if out.strip() else None), (json.loads(err)["error"]["message"] if err.strip()
                                                               else None)


def test_a_route_a_job_and_a_batch_from_the_command_line(capsys, imported, tmp_path):
    db = imported
    code, route, _ = run_json(capsys, db, "route", "create", "weld", "--name", "Welded frame", "--step",
                              "Cut:MATERIAL", "--step", "Weld:PROCESS,TRAINING", "--step", "w_insp=Inspect:inspection",
                              "--user", "admin")
    assert code == 0, route
    assert [(s["id"], s["name"], s["requires"]) for s in route["steps"]] == [
        ("weld.s1", "Cut", ["MATERIAL"]), ("weld.s2", "Weld", ["PROCESS", "TRAINING"]),
        ("w_insp", "Inspect", ["INSPECTION"])]
    code, _, error = run_json(capsys, db, "route", "create", "weld2", "--name", "X", "--step", "A", "--user", "sup1")
    assert (code, error) == (3, "User sup1 (supervisor) may not create routes")

    code, job, _ = run_json(capsys, db, "job", "create", "JOB-W1", "--name", "Frames", "--part", "WF-1", "--route",
                            "weld", "--quantity", "5", "--gtin", "4012345678901", "--lot", "L-77", "--user", "sup1")
    assert code == 0 and (job["path"], job["gtin"], job["lot"]) == ("weld", "04012345678901", "L-77")

    code, batch, _ = run_json(capsys, db, "serials", "create", "--job", "JOB-W1", "--count", "3", "--pattern",
                              "FR-{job}-{n:03}", "--cert", "HT-4711", "--user", "sup1")
    assert code == 0 and batch["serialIds"] == ["FR-JOB-W1-001", "FR-JOB-W1-002", "FR-JOB-W1-003"]
    assert batch["certId"] == "cert_mat01"
    listed = tmp_path / "erp.csv"
    listed.write_text("serial,qty\nERP-9,1\nERP-10,1\n")
    code, _, error = run_json(capsys, db, "serials", "create", "--job", "JOB-W1", "--from-file", str(listed),
                              "--user", "sup1")
    assert code == 0  # 5 pieces: 3 made, these 2 fit
    listed.write_text("serial,qty\nERP-11,1\n")
    code, _, error = run_json(capsys, db, "serials", "create", "--job", "JOB-W1", "--from-file", str(listed),
                              "--user", "sup1")
    assert (code, error) == (3, "Job JOB-W1 is for 5 pieces and has 5 serials (scrapped ones not counted): 1 more "
                                "would make 6; at most 0 more")
    code, _, _ = run_json(capsys, db, "serials", "scrap", "ERP-10", "--reason", "Cracked", "--user", "sup1")
    assert code == 0
    listed.write_text("ERP-9\n")
    code, _, error = run_json(capsys, db, "serials", "create", "--job", "JOB-W1", "--from-file", str(listed),
                              "--user", "sup1")
    assert (code, error) == (3, "1 of these serial numbers exists already (ERP-9)")

    # The route changes; the serials made keep their revision, new jobs take the new one.
    code, revised, _ = run_json(capsys, db, "route", "edit", "weld", "--add-step", "Paint:PROCESS", "--at", "3",
                                "--reason", "Customer wants paint", "--user", "admin")
    assert code == 0 and (revised["id"], revised["revision"]) == ("weld@r2", 2)
    code, shown, _ = run_json(capsys, db, "route", "show", "weld")
    assert [h["revision"] for h in shown["history"]] == [2, 1] and shown["history"][1]["serials"] == 5
    code, serial, _ = run_json(capsys, db, "serial", "FR-JOB-W1-001")
    assert (serial["pathId"], serial["revision"], len(serial["steps"])) == ("weld", 1, 3)

    # Many serials moved at once: all or nothing.
    code, _, error = run_json(capsys, db, "serials", "advance", "FR-JOB-W1-001", "ERP-9", "--user", "sup1")
    assert code == 3 and "serial ERP-9 does not have" in error and "nothing was moved" in error
    code, moved, _ = run_json(capsys, db, "serials", "advance", "FR-JOB-W1-001", "ERP-9", "--user", "sup1",
                              "--reason", "Certificate follows")
    assert code == 0 and [m["currentStepIndex"] for m in moved] == [1, 1]

    code, listed_jobs, _ = run_json(capsys, db, "job", "list")
    mine = next(j for j in listed_jobs if j["id"] == "JOB-W1")
    assert (mine["serials"], mine["inProgress"], mine["scrapped"], mine["room"]) == (5, 4, 1, 1)
    code, closed, _ = run_json(capsys, db, "job", "close", "JOB-W1", "--reason", "Order delivered", "--user", "sup1")
    assert code == 0 and closed["closed"]
    code, _, error = run_json(capsys, db, "serials", "create", "--job", "JOB-W1", "--count", "1", "--pattern",
                              "FR-{n}", "--user", "sup1")
    assert (code, error) == (3, "Job JOB-W1 is closed: it takes no new serials")
    code, archived, _ = run_json(capsys, db, "route", "archive", "weld", "--reason", "Frames discontinued",
                                 "--user", "admin")
    assert code == 0 and archived["archived"]
    code, routes, _ = run_json(capsys, db, "route", "list")
    assert [r["routeId"] for r in routes] == ["path_a"]
    code, _, error = run_json(capsys, db, "route", "show", "nowhere")
    assert (code, error) == (4, "Route not found: nowhere")
    code, report, _ = run_json(capsys, db, "verify", "--quick")
    assert code == 0 and report["ok"], report["problems"]


def test_users_from_the_command_line(capsys, imported, monkeypatch):
    db = imported
    monkeypatch.setenv("CERTLINE_NEW_PIN", "8642")
    code, added, _ = run_json(capsys, db, "user", "add", "op9", "--name", "Nina Nine", "--role", "operator",
                              "--badge", "B-OP9", "--user", "admin")
    assert code == 0 and added["hasPin"]
    code, edited, _ = run_json(capsys, db, "user", "edit", "op9", "--badge", "B-OP9-2", "--reason", "Badge lost",
                               "--user", "admin")
    assert code == 0 and edited["badge"] == "B-OP9-2"
    code, _, error = run_json(capsys, db, "user", "edit", "op9", "--name", "Nina Nine", "--reason", "x",
                              "--user", "sup1")
    assert (code, error) == (3, "User sup1 (supervisor) may not change users")
    code, _, error = run_json(capsys, db, "user", "deactivate", "admin", "--reason", "x", "--user", "admin")
    assert (code, error) == (3, "You cannot deactivate yourself: ask another administrator")
    code, done, _ = run_json(capsys, db, "user", "deactivate", "sup1", "--reason", "Left", "--user", "admin")
    assert code == 0 and done["active"] is False
    # A deactivated user is named on no command: refused before anything is done (exit status 6).
    code, _, error = run_json(capsys, db, "job", "close", "JOB-1", "--reason", "x", "--user", "sup1")
    assert (code, error) == (6, "User sup1 is not active")
    code, _, _ = run_json(capsys, db, "user", "reactivate", "sup1", "--reason", "Back", "--user", "admin")
    assert code == 0
    monkeypatch.setenv("CERTLINE_PIN", "000000")  # wrong: five of them lock sup1
    for _ in range(5):
        assert run_json(capsys, db, "job", "list")[0] == 0  # reading needs no PIN
        run_json(capsys, db, "job", "close", "JOB-1", "--reason", "x", "--user", "sup1")
    code, _, error = run_json(capsys, db, "job", "close", "JOB-1", "--reason", "x", "--user", "sup1")
    assert code == 6 and error.startswith("Locked after 5 wrong PINs")
    monkeypatch.setenv("CERTLINE_PIN", "246813")
    code, unlocked, _ = run_json(capsys, db, "user", "unlock", "sup1", "--reason", "Identity checked",
                                 "--user", "admin")
    assert code == 0 and unlocked["id"] == "sup1"
    code, closed, _ = run_json(capsys, db, "job", "close", "JOB-1", "--reason", "Delivered", "--user", "sup1")
    assert code == 0 and closed["closed"]
    code, report, _ = run_json(capsys, db, "verify", "--quick")
    assert code == 0 and report["ok"], report["problems"]
