"""certline-cli: commands, JSON records, messages on stderr and exit statuses."""
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli
from app.certificates import add_validity
from app.db import MIGRATIONS_DIR

PLANT = Path(__file__).parent.parent / "data" / "plant.json"


def run(capsys, db_url, *argv):
    code = cli.main([*argv, "--db", db_url])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys, db_url, *argv):
    code, out, err = run(capsys, db_url, *argv, "--json")
    return code, (json.loads(out) if out.strip() else None), (json.loads(err) if err.strip() else None)


@pytest.fixture
def imported(capsys, db_url):
    code, out, err = run(capsys, db_url, "import", str(PLANT), "--user", "admin")
    assert (code, err) == (0, ""), err
    return db_url


def test_import_loads_every_section(capsys, imported):
    code, serial, _ = run_json(capsys, imported, "serial", "SN-00002")
    assert code == 0
    assert (serial["status"], serial["currentStepIndex"], serial["jobId"]) == ("in_progress", 1, "JOB-1")
    _, completed, _ = run_json(capsys, imported, "serial", "SN-00003")
    assert (completed["status"], completed["currentStepIndex"]) == ("completed", -1)
    _, scrapped, _ = run_json(capsys, imported, "serial", "SN-00004")
    assert (scrapped["status"], scrapped["currentStepIndex"]) == ("scrapped", 1)
    _, cert, _ = run_json(capsys, imported, "cert", "show", "cert_mat01")
    assert cert["date_expire"] == "2031-01-10"  # derived from release + 5 years
    _, listed, _ = run_json(capsys, imported, "certs", "--status", "revoked")
    assert [c["id"] for c in listed["certificates"]] == ["cert_rev"]


def test_attach_prints_the_seed_record_and_is_idempotent(capsys, imported):
    code, record, err = run_json(capsys, imported, "attach", "SN-00001", "cert_mat01", "--user", "op1")
    assert (code, err) == (0, None)
    assert set(record) == {"id", "serialId", "certId", "stepId", "attachedAt", "attachedBy"}
    assert (record["serialId"], record["certId"], record["stepId"], record["attachedBy"]) == (
        "SN-00001", "cert_mat01", "step_001", "op1")
    code, again, _ = run_json(capsys, imported, "attach", "SN-00001", "cert_mat01", "--user", "op1")
    assert code == 0 and again == record
    code, text, _ = run(capsys, imported, "attach", "SN-00001", "cert_mat01", "--user", "op1")
    assert code == 0 and text.startswith("Already attached: cert_mat01 on SN-00001 at Saw (step_001)")
    _, listed, _ = run_json(capsys, imported, "attachments", "cert_mat01")
    assert listed == [record]
    code, result, _ = run_json(capsys, imported, "verify")
    assert code == 0 and result["ok"] and result["attachments"] == 1


@pytest.mark.parametrize("argv, status, code, message", [
    (("attach", "SN-404", "cert_mat01", "--user", "op1"), 404, 4, "SerialNumber not found: SN-404"),
    (("attach", "SN-00001", "cert_404", "--user", "op1"), 404, 4, "Certificate not found: cert_404"),
    (("attach", "SN-00003", "cert_mat01", "--user", "op1"), 400, 3, "Serial is already completed, cannot attach cert"),
    (("attach", "SN-00001", "cert_rev", "--user", "op1"), 400, 3, "Certificate cert_rev is revoked, cannot attach"),
    (("attach", "SN-00001", "cert_old", "--user", "op1"), 400, 3,
     "Certificate cert_old expired on 2021-01-01, cannot attach"),
    (("attachments", "cert_404"), 404, 4, "Certificate not found: cert_404"),
    (("cert", "delete", "cert_mat01", "--user", "op1", "--reason", "x"), 403, 3,
     "User op1 (operator) may not delete certificates"),
])
def test_errors_go_to_stderr_with_status_and_exact_message(capsys, imported, argv, status, code, message):
    exit_code, out, error = run_json(capsys, imported, *argv)
    assert exit_code == code
    assert out is None
    assert error == {"error": {"status": status, "message": message}}
    plain_code, _, plain_err = run(capsys, imported, *argv)
    assert plain_code == code and plain_err.strip() == f"certline-cli: {message}"


def test_attachments_of_a_certificate_with_none_is_an_empty_list(capsys, imported):
    code, listed, _ = run_json(capsys, imported, "attachments", "cert_old")
    assert (code, listed) == (0, [])


def test_cert_lifecycle_with_reasons_audited(capsys, imported):
    released = dt.date.today().replace(day=1)
    code, created, _ = run_json(capsys, imported, "cert", "add", "cert_p1", "--name", "Heat treatment",
                                "--kind", "PROCESS", "--date-release", released.isoformat(), "--validity", "6",
                                "--validity-unit", "MONTH", "--user", "sup1")
    assert code == 0 and created["date_expire"] == add_validity(released, 6, "MONTH").isoformat()
    code, updated, _ = run_json(capsys, imported, "cert", "update", "cert_p1", "--name", "Heat treatment Q&T",
                                "--user", "sup1", "--reason", "Name as on the document")
    assert code == 0 and updated["name"] == "Heat treatment Q&T"
    code, _, error = run_json(capsys, imported, "cert", "update", "cert_p1", "--name", "x", "--user", "sup1",
                              "--reason", " ")
    assert code == 3 and error["error"]["message"] == "A reason is required to update a certificate"
    run_json(capsys, imported, "attach", "SN-00001", "cert_p1", "--user", "op1")
    code, _, error = run_json(capsys, imported, "cert", "delete", "cert_p1", "--user", "sup1", "--reason", "dup")
    assert code == 3 and "Revoke it instead" in error["error"]["message"]
    code, revoked, _ = run_json(capsys, imported, "cert", "revoke", "cert_p1", "--user", "sup1",
                                "--reason", "Supplier withdrew it")
    assert code == 0 and revoked["status"] == "revoked"
    code, deleted, _ = run_json(capsys, imported, "cert", "delete", "cert_old", "--user", "sup1",
                                "--reason", "Entered by mistake")
    assert code == 0 and deleted["deleted"]
    assert run_json(capsys, imported, "cert", "show", "cert_old")[0] == 4


def test_serials_create_with_a_certificate_and_moves(capsys, imported):
    code, batch, _ = run_json(capsys, imported, "serials", "create", "--job", "JOB-1", "--count", "3",
                              "--cert", "cert_mat01", "--user", "sup1")
    assert code == 0
    assert batch["serialIds"] == ["SN-00005", "SN-00006", "SN-00007"]  # after the imported SN-00001..4
    _, listed, _ = run_json(capsys, imported, "attachments", "cert_mat01")
    assert sorted(a["serialId"] for a in listed) == batch["serialIds"]
    code, moved, _ = run_json(capsys, imported, "serial", "advance", "SN-00005", "--user", "op1")
    assert code == 0 and moved["currentStepIndex"] == 1
    code, _, error = run_json(capsys, imported, "serial", "complete", "SN-00005", "--user", "op1")
    assert code == 3 and "advance it first" in error["error"]["message"]
    code, scrapped, _ = run_json(capsys, imported, "serial", "scrap", "SN-00006", "--user", "sup1",
                                 "--reason", "Crack found")
    assert code == 0 and scrapped["status"] == "scrapped"


def test_a_bad_plant_file_names_the_record_and_imports_nothing(capsys, db_url, tmp_path):
    plant = json.loads(PLANT.read_text())
    plant["serials"][2]["step"] = "step_999"
    plant["serials"][2]["status"] = "in_progress"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(plant))
    code, _, error = run_json(capsys, db_url, "import", str(bad), "--user", "admin")
    assert code == 3
    assert error["error"]["message"] == "serials[2] (SN-00003): step step_999 is not on path path_a of job JOB-1"
    code, users, _ = run_json(capsys, db_url, "user", "list")
    assert (code, users) == (0, [])


def test_demo_fills_a_believable_plant_once(capsys, db_url):
    code, result, _ = run_json(capsys, db_url, "demo")
    assert code == 0 and result["demo"]["serials"] == 200 and result["demo"]["certificates"] == 30
    _, certs, _ = run_json(capsys, db_url, "certs")
    states = {(c["kind"], c["expiry_state"], c["status"]) for c in certs["certificates"]}
    assert {kind for kind, _, _ in states} >= {"MATERIAL", "PROCESS", "CALIBRATION", "TRAINING", "CONFORMANCE",
                                               "INSPECTION", "OTHER"}
    assert any(state == "expired" for _, state, _ in states)
    assert any(state == "expiring" for _, state, _ in states)
    assert any(status == "revoked" for _, _, status in states)
    code, verified, _ = run_json(capsys, db_url, "verify")
    assert code == 0 and verified["ok"] and 200 <= verified["attachments"] <= 1000
    code, _, error = run_json(capsys, db_url, "demo")
    assert code == 3 and "already holds data" in error["error"]["message"]


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["attach", "SN-1"])
    assert exited.value.code == 2


def test_the_installed_command_runs(tmp_path):
    command = shutil.which("certline-cli") or str(Path(sys.executable).with_name("certline-cli"))
    database = tmp_path / "x.sqlite3"
    done = subprocess.run([command, "--json", "init", "--db", str(database)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    shipped = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))
    assert json.loads(done.stdout)["migrations"] == shipped and shipped[0] == "0001_initial"
    missing = subprocess.run([command, "serial", "SN-1", "--db", str(database)], capture_output=True, text=True,
                             timeout=60)
    assert missing.returncode == 4 and missing.stderr.strip() == "certline-cli: SerialNumber not found: SN-1"


def test_document_commands_validate_add_list_approve_remove(capsys, imported, tmp_path, monkeypatch):
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(tmp_path / "docs"))
    scan = tmp_path / "mtr.png"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")  # a PDF, whatever its name says
    code, preflight, _ = run_json(capsys, imported, "cert", "validate-file", str(scan))
    assert code == 0 and preflight["valid"] and preflight["max_file_size_bytes"] == 10485760
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"GIF89a....")
    code, preflight, _ = run_json(capsys, imported, "cert", "validate-file", str(junk))
    assert code == 3 and preflight["errors"][0].startswith("Unsupported file type: image/gif. Allowed: ")

    code, added, _ = run_json(capsys, imported, "cert", "doc", "add", "cert_mat01", str(scan), "--user", "sup1")
    assert code == 0 and (added["file_name"], added["content_type"]) == ("mtr.pdf", "application/pdf")
    _, listed, _ = run_json(capsys, imported, "cert", "doc", "list", "cert_mat01")
    assert [d["id"] for d in listed] == [added["id"]]
    monkeypatch.setenv("CERTLINE_PIN", "9999")
    code, _, error = run_json(capsys, imported, "cert", "approve", "cert_mat01", "--user", "sup1")
    assert code == 3 and error["error"]["message"] == "Wrong PIN: the certificate was not approved"
    code, _, error = run_json(capsys, imported, "cert", "doc", "remove", "cert_mat01", added["id"], "--user",
                              "sup1", "--reason", "Illegible scan")
    assert code == 0 and error is None
    _, cert, _ = run_json(capsys, imported, "cert", "show", "cert_mat01")
    assert cert["review_status"] == "pending"
