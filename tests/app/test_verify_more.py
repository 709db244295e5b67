"""What the hash chain alone cannot show, found by verify: a cut-off tail (against a witnessed
head), a workstation clock that ran backwards, a stored document replaced by a forgery."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from app import attachments, audit, db, documents, integrity, serials, witness
from app.cli import main as cli
from app.errors import Invalid
from tests.helpers import documents_corpus as corpus
from tests.helpers.plant import build_plant
from tests.helpers.tamper import disable_append_only

PNG = corpus.png(extra=bytes(range(256)) * 8)


@pytest.fixture
def attached(plant, tmp_path, monkeypatch):
    monkeypatch.setenv("CERTLINE_DATA", str(tmp_path / "data"))
    serials.create_serials("JOB-1", 2, "admin")
    attachments.attach("SN-00001", "cert_mat01", "op1")
    attachments.attach("SN-00002", "cert_mat01", "op1")
    return plant


def test_a_tail_cut_off_the_chain_is_found_against_a_witnessed_head(attached, tmp_path):
    seen = witness.remember()
    assert json.loads(witness.witness_file().read_text())["seq"] == seen.seq
    last = attachments.attachments_of_serial("SN-00002")[0]
    disable_append_only(attached)
    # Behind the application's back: the last attachment and the entry that recorded it go.
    attached.execute_sql('DELETE FROM cert_attachment WHERE id = %s' % attached.param, (last.id,))
    attached.execute_sql('DELETE FROM audit_entry WHERE seq = %s' % attached.param, (seen.seq,))
    assert audit.verify().ok  # the chain that is left is a valid chain: the witness is what finds it
    report = integrity.verify([str(witness.witness_file())], quick=True)
    assert not report.ok
    assert (f"entries after #{seen.seq - 1} are missing: {witness.witness_file()} saw the "
            f"chain reach #{seen.seq} ({seen.hash[:16]})") in report.problems
    assert any(problem.startswith("trigger ") for problem in report.problems)  # the triggers dropped for it


def test_a_witness_only_moves_forward(attached):
    head = witness.remember()
    older = witness.Head(head.seq - 1, "0" * 64)
    assert witness.remember(older) == head
    assert witness.read(witness.witness_file()) == head


def test_a_rewritten_entry_at_the_witnessed_place_is_found(attached, tmp_path):
    seen = witness.remember()
    disable_append_only(attached)
    attached.execute_sql('UPDATE audit_entry SET hash = %s WHERE seq = %s' % (attached.param, attached.param),
                         ("f" * 64, seen.seq))
    assert any("is not the one" in problem
               for problem in integrity.verify([str(witness.witness_file())], quick=True).problems)


def test_a_workstation_clock_set_back_is_flagged_on_sqlite_and_ignored_on_postgres(attached, monkeypatch):
    from app import clock

    real = clock.now_utc()
    monkeypatch.setattr(clock, "now_utc", lambda: real - dt.timedelta(days=400))
    attachments.attach("SN-00001", "cert_insp01", "op1")
    recorded = next(a for a in attachments.attachments_of_serial("SN-00001") if a.cert_id == "cert_insp01")
    report = integrity.verify(quick=True)
    assert audit.verify().ok
    if db.is_sqlite():
        # No server to ask: the workstation's time is recorded, and verify names both times.
        assert recorded.attached_at.year == (real - dt.timedelta(days=400)).year
        assert len(report.problems) == 1
        problem = report.problems[0]
        assert "ran backwards" in problem and str(recorded.attached_at.year) in problem and str(real.year) in problem
    else:
        # The database server's clock stamps the record; the workstation's does not count.
        assert abs(recorded.attached_at - real) < dt.timedelta(minutes=5)
        assert report.problems == []


def _attach_dated_back(monkeypatch, seconds: float) -> None:
    """An attach from a workstation whose clock runs ``seconds`` behind (SQLite stamps records with it)."""
    from app import clock

    real = clock.now_utc()
    monkeypatch.setattr(clock, "now_utc", lambda: real - dt.timedelta(seconds=seconds))
    attachments.attach("SN-00001", "cert_insp01", "op1")
    monkeypatch.setattr(clock, "now_utc", lambda: real)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # on PostgreSQL the server's clock stamps records
def test_a_small_step_back_within_the_tolerance_is_not_flagged(attached, monkeypatch):
    _attach_dated_back(monkeypatch, 1)
    assert integrity.verify(quick=True).problems == []
    assert integrity.verify(quick=True, clock_tolerance_seconds=0.1).problems != []


def test_a_same_size_forgery_of_a_document_is_found_and_never_shown(attached, tmp_path, monkeypatch):
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(tmp_path / "documents"))
    record = documents.add_document_bytes("cert_mat01", PNG, "mill-test.png", "admin")
    assert documents.checked_path("cert_mat01", record.id) == record.path
    assert integrity.verify().ok
    forged = bytearray(record.path.read_bytes())
    forged[-1] ^= 0xFF
    record.path.chmod(0o644)
    record.path.write_bytes(bytes(forged))
    report = integrity.verify()
    assert not report.ok and report.documents_checked == 1
    assert "not the one that was uploaded" in report.problems[0] and "mill-test.png" in report.problems[0]
    with pytest.raises(Invalid, match="It is not shown"):
        documents.checked_path("cert_mat01", record.id)
    assert integrity.verify(quick=True).ok  # --quick skips the documents, and says so by documents_checked


def test_the_cli_verify_says_what_is_missing_and_exits_3(attached, tmp_path, capsys, db_url):
    db.close_database()
    assert cli(["verify", "--db", db_url]) == 0  # remembers the head, as every CLI call does
    witness_files = list((tmp_path / "data" / "witness").glob("*.json"))
    assert len(witness_files) == 1
    db.open_database(db_url)
    handle = db.database.obj
    disable_append_only(handle)
    head = witness.chain_head()
    handle.execute_sql('DELETE FROM audit_entry WHERE seq = %s' % handle.param, (head.seq,))
    db.close_database()
    capsys.readouterr()
    code = cli(["verify", "--db", db_url, "--witness", str(witness_files[0])])
    out = capsys.readouterr().out
    assert code == 3
    assert f"PROBLEM: entries after #{head.seq - 1} are missing" in out


def test_a_printed_head_is_a_witness_too(attached):
    from app import export

    _, details, _ = export.report_title_and_details("attachments", cert_id="cert_mat01")
    label, printed = details[-1]
    head = witness.chain_head()
    assert (label, printed) == ("Audit trail head", f"entry #{head.seq:,}, sha256 {head.hash}")
    assert integrity.verify([f"{head.seq}:{head.hash}"], quick=True).ok
    disable_append_only(attached)
    attached.execute_sql('DELETE FROM audit_entry WHERE seq = %s' % attached.param, (head.seq,))
    assert any(f"entries after #{head.seq - 1} are missing" in problem
               for problem in integrity.verify([f"{head.seq}:{head.hash}"], quick=True).problems)


def test_plain_verify_holds_the_database_to_this_workstations_own_witness(attached, tmp_path, capsys, db_url):
    db.close_database()
    assert cli(["verify", "--db", db_url]) == 0
    db.open_database(db_url)
    handle = db.database.obj
    disable_append_only(handle)
    head = witness.chain_head()
    last = attachments.attachments_of_serial("SN-00002")[0]
    handle.execute_sql('DELETE FROM cert_attachment WHERE id = %s' % handle.param, (last.id,))
    handle.execute_sql('DELETE FROM audit_entry WHERE seq = %s' % handle.param, (head.seq,))
    db.close_database()
    capsys.readouterr()
    assert cli(["verify", "--db", db_url, "--quick"]) == 3
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("The hash chain is unbroken") and lines[0].endswith("but:")
    assert any(f"PROBLEM: entries after #{head.seq - 1} are missing" in line for line in lines)
    assert lines[-1].startswith("VERIFY FAILED: ")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_restore_starts_this_workstations_witness_again_from_the_restored_head(attached, tmp_path, db_url,
                                                                                 capsys):
    from app import backup

    db.close_database()
    assert cli(["backup", str(tmp_path / "backup"), "--db", db_url]) == 0
    db.open_database(db_url)
    attachments.attach("SN-00001", "cert_insp01", "op1")
    witness.remember()  # this workstation saw the attach the restore will take away
    db.close_database()
    backup.restore(str(tmp_path / "backup"), db_url)
    capsys.readouterr()
    assert cli(["verify", "--db", db_url, "--quick"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # on PostgreSQL the server's clock stamps records
def test_the_clock_tolerance_is_the_plants_setting(attached, monkeypatch):
    from app import policy

    _attach_dated_back(monkeypatch, 30)
    assert len(integrity.verify(quick=True).problems) == 1
    policy.set_policy("clock_tolerance_seconds", 60, "admin", "Station clocks drift by up to a minute")
    assert integrity.verify(quick=True).problems == []


def test_a_witness_that_cannot_be_written_never_fails_the_work(attached, tmp_path, monkeypatch, caplog):
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "witness").write_text("a file where the folder should be")
    assert witness.remember() == witness.chain_head()
    assert "Could not keep the audit trail's head" in caplog.text
