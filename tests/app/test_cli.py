"""certline-cli: commands, JSON records, messages on stderr and exit statuses."""
import datetime as dt
import json
import os
import subprocess

import pytest

from app import cli, demo, policy
from app.certificates import add_validity
from app.db import MIGRATIONS_DIR
from tests.helpers import documents_corpus as corpus
from tests.helpers.cli import PIN, PLANT, imported, run  # noqa: F401 - imported is a fixture
from tests.helpers.terminal import cli_command

def run_json(capsys, db_url, *argv):
    code, out, err = run(capsys, db_url, *argv, "--json")
    return code, (json.loads(out) if out.strip() else None), (json.loads(err) if err.strip() else None)


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


def test_demo_prints_every_person_and_how_they_sign_in(capsys, db_url):
    code, out, _ = run(capsys, db_url, "demo")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split() == ["name", "user", "role", "badge", "PIN"]
    people = lines[2:2 + len(demo.USERS)]
    for (user_id, name, role, badge, pin), line in zip(demo.USERS, people):
        assert line.startswith(name) and line.split()[-4 if pin else -5:] == [
            user_id, role, badge, *([pin] if pin else ["badge", "only"])]
    _, listed, _ = run_json(capsys, db_url, "user", "list")
    assert {u["id"]: (u["name"], u["role"], u["badge"], u["hasPin"]) for u in listed} == {
        user_id: (name, role, badge, pin is not None) for user_id, name, role, badge, pin in demo.USERS}


def test_policy_list_lines_up_and_set_says_what_changed(capsys, imported):
    code, out, _ = run(capsys, imported, "policy", "list")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == list(policy.POLICIES)
    value_columns = {line.index(f" {json.dumps(default)} ") for line, (default, _) in
                     zip(out.splitlines(), policy.POLICIES.values())}
    meaning_columns = {line.index(meaning) for line, (_, meaning) in zip(out.splitlines(), policy.POLICIES.values())}
    assert len(value_columns) == 1 and len(meaning_columns) == 1
    code, out, err = run(capsys, imported, "policy", "set", "require_approved", "true", "--user", "admin",
                         "--reason", "Audit finding 12")
    assert (code, out, err) == (0, "require_approved: false → true (reason: Audit finding 12)\n", "")
    code, change, _ = run_json(capsys, imported, "policy", "set", "pin_attempts", "7", "--user", "admin",
                               "--reason", "Gloves")
    assert (code, change) == (0, {"policy": "pin_attempts", "old": 5, "new": 7, "reason": "Gloves"})
    code, out, _ = run(capsys, imported, "policy", "set", "pin_attempts", "7", "--user", "admin", "--reason", "Again")
    assert (code, out) == (0, "pin_attempts: 7, unchanged (reason: Again)\n")
    _, values, _ = run_json(capsys, imported, "policy", "list")
    assert (values["require_approved"], values["pin_attempts"]) == (True, 7)


def test_every_view_exports_from_the_command_line(capsys, imported, tmp_path):
    for argv in (("attachments", "cert_mat01"), ("lacking", "--job", "JOB-1", "--kind", "PROCESS"),
                 ("gaps", "--job", "JOB-1"), ("audit", "--type", "serial_created")):
        target = tmp_path / f"{argv[0]}.csv"
        code, out, err = run(capsys, imported, "export", *argv, "--csv", str(target))
        assert (code, err) == (0, "") and out.endswith(f" rows to {target}\n"), err
        lines = target.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith(("id,", "serialId,", "seq,")) and len(lines) == 1 + int(out.split()[1])


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["attach", "SN-1"])
    assert exited.value.code == 2


def test_the_installed_command_runs(tmp_path):
    command = cli_command()
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
    scan.write_bytes(corpus.pdf())  # a PDF, whatever its name says
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
    monkeypatch.setenv("CERTLINE_PIN", PIN)
    code, _, error = run_json(capsys, imported, "cert", "doc", "remove", "cert_mat01", added["id"], "--user",
                              "sup1", "--reason", "Illegible scan")
    assert code == 0 and error is None
    _, cert, _ = run_json(capsys, imported, "cert", "show", "cert_mat01")
    assert cert["review_status"] == "pending"


# --- a certificate by its issuer's number, as at the station ---------------------------------------

def test_every_command_that_takes_a_certificate_takes_its_number_and_records_keep_the_id(capsys, imported, tmp_path,
                                                                                           monkeypatch):
    code, record, _ = run_json(capsys, imported, "attach", "SN-00001", "HT-4711", "--user", "op1")
    assert code == 0 and record["certId"] == "cert_mat01"
    _, listed, _ = run_json(capsys, imported, "attachments", "HT-4711")
    assert [a["certId"] for a in listed] == ["cert_mat01"]
    code, text, _ = run(capsys, imported, "attachments", "HT-4711")
    assert code == 0 and text.splitlines()[-1] == "1 attachment of cert_mat01 (HT-4711)"
    _, shown, _ = run_json(capsys, imported, "cert", "show", "HT-4711")
    assert (shown["id"], shown["number"]) == ("cert_mat01", "HT-4711")
    _, updated, _ = run_json(capsys, imported, "cert", "update", "HT-4711", "--note", "Heat 4711, ladle 2",
                             "--user", "sup1", "--reason", "Note from the mill")
    assert (updated["id"], updated["note"]) == ("cert_mat01", "Heat 4711, ladle 2")
    _, batch, _ = run_json(capsys, imported, "serials", "create", "--job", "JOB-1", "--count", "2", "--cert", "HT-4711",
                           "--user", "sup1")
    assert batch["certId"] == "cert_mat01"
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(tmp_path / "docs"))
    document = tmp_path / "mtr.pdf"
    document.write_bytes(corpus.pdf())
    code, added, _ = run_json(capsys, imported, "cert", "doc", "add", "HT-4711", str(document), "--user", "sup1")
    assert code == 0
    _, documents, _ = run_json(capsys, imported, "cert", "doc", "list", "HT-4711")
    assert [d["id"] for d in documents] == [added["id"]]
    monkeypatch.setenv("CERTLINE_PIN", "9999")
    code, _, error = run_json(capsys, imported, "cert", "approve", "HT-4711", "--user", "sup1")
    assert (code, error["error"]["message"]) == (3, "Wrong PIN: the certificate was not approved")
    monkeypatch.setenv("CERTLINE_PIN", PIN)
    csv_file = tmp_path / "a.csv"
    code, written, _ = run_json(capsys, imported, "export", "attachments", "HT-4711", "--csv", str(csv_file))
    assert (code, written["rows"]) == (0, 3)
    assert csv_file.read_text().count(",cert_mat01,") == 3
    code, lacking, _ = run_json(capsys, imported, "export", "lacking", "--job", "JOB-1", "--cert", "HT-4711",
                                "--csv", str(tmp_path / "l.csv"))
    assert code == 0
    code, revoked, _ = run_json(capsys, imported, "cert", "revoke", "CAL-1", "--user", "sup1", "--reason", "Recalled")
    assert (code, revoked["id"], revoked["status"]) == (0, "cert_old", "revoked")


def test_an_id_wins_over_a_number_and_a_shared_number_is_refused_naming_them(capsys, imported):
    run_json(capsys, imported, "cert", "add", "cert_x", "--name", "Odd number", "--kind", "OTHER",
             "--number", "cert_old", "--user", "sup1")
    _, shown, _ = run_json(capsys, imported, "cert", "show", "cert_old")
    assert shown["id"] == "cert_old"
    code, _, _ = run_json(capsys, imported, "cert", "add", "cert_twin", "--name", "Second report", "--kind",
                          "MATERIAL", "--number", "HT-4711", "--user", "sup1")
    assert code == 0
    message = "Number HT-4711 belongs to several certificates (cert_mat01, cert_twin); use the certificate's id"
    for argv in (("attach", "SN-00001", "HT-4711", "--user", "op1"), ("attachments", "HT-4711"),
                 ("cert", "show", "HT-4711"), ("export", "attachments", "HT-4711", "--csv", "-")):
        code, out, error = run_json(capsys, imported, *argv)
        assert (code, out, error) == (3, None, {"error": {"status": 400, "message": message}})
    _, listed, _ = run_json(capsys, imported, "attachments", "cert_twin")
    assert listed == []
    code, _, error = run_json(capsys, imported, "attach", "SN-00001", "HT-9999", "--user", "op1")
    assert (code, error["error"]["message"]) == (4, "Certificate not found: HT-9999")


# --- standard output: '-', closed pipes -----------------------------------------------------------

@pytest.fixture
def busy(capsys, imported):
    """The imported plant with 3,000 attachments of cert_mat01: more output than a pipe holds."""
    code, _, err = run(capsys, imported, "serials", "create", "--job", "JOB-1", "--count", "3000", "--cert",
                       "cert_mat01", "--user", "sup1")
    assert code == 0, err
    return imported


def run_out(db_url, *argv):
    return subprocess.run([cli_command(), *argv, "--db", db_url], capture_output=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_csv_to_standard_output_is_the_file_byte_for_byte(busy, tmp_path):
    to_file = run_out(busy, "export", "attachments", "HT-4711", "--csv", str(tmp_path / "a.csv"))
    assert to_file.returncode == 0, to_file.stderr
    to_stdout = run_out(busy, "export", "attachments", "HT-4711", "--csv", "-")
    assert (to_stdout.returncode, to_stdout.stderr) == (0, b"")
    assert to_stdout.stdout.startswith(b"id,serialId,certId,stepId,attachedAt,attachedBy,")
    assert to_stdout.stdout == (tmp_path / "a.csv").read_bytes() and to_stdout.stdout.count(b"\r\n") == 3001


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_pdf_to_standard_output_is_a_whole_pdf(imported):
    done = run_out(imported, "export", "attachments", "cert_mat01", "--pdf", "-", "--user", "sup1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"%PDF-") and done.stdout.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize("argv", [("attachments", "HT-4711", "--json"), ("attachments", "HT-4711"), ("certs",),
                                  ("export", "attachments", "HT-4711", "--csv", "-"),
                                  ("export", "audit", "--pdf", "-")])
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_closed_pipe_ends_quietly_with_status_141(busy, argv):
    # The reader is gone before the first byte is written: every write meets the closed pipe.
    process = subprocess.Popen([cli_command(), *argv, "--db", busy], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    process.stdout.close()
    with process.stderr:
        error = process.stderr.read()
    assert (process.wait(timeout=120), error) == (cli.EXIT_CLOSED_PIPE, b"")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_head_reading_one_line_leaves_no_traceback(busy):
    done = subprocess.run(f"'{cli_command()}' attachments HT-4711 --json --db '{busy}' | head -1", shell=True,
                          capture_output=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"[\n", b"")


def test_certificates_say_their_state_in_the_words_of_every_screen(capsys, imported):
    _, listed, _ = run_json(capsys, imported, "certs")
    states = {c["id"]: c["state"] for c in listed["certificates"]}
    old = next(c for c in listed["certificates"] if c["id"] == "cert_old")
    assert states["cert_old"] == f"expired {old['date_expire']}"
    code, out, _ = run(capsys, imported, "certs")
    assert code == 0 and out.splitlines()[0].split() == ["id", "kind", "number", "state", "review", "name"]
    for line in out.splitlines()[1:-1]:
        cert_id = line.split()[0]
        assert f" {states[cert_id]} " in line
    assert "EXPIRED" not in out and "active" not in out
    code, shown, _ = run(capsys, imported, "cert", "show", "cert_old")
    assert code == 0 and f"state          expired {old['date_expire']}" in shown.splitlines()
