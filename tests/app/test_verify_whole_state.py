"""verify sees the whole state: each change made behind Certline's back with a plain database
client (sqlite3, or PostgreSQL as the tables' owner) is named by verify."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app import attachments, audit, db, documents, integrity, policy, serials, tokens, users, witness
from tests.helpers import documents_corpus as corpus
from tests.helpers.state import entries
from tests.helpers.tamper import disable_append_only

PNG = corpus.png(extra=bytes(range(256)) * 4)


@pytest.fixture
def records(plant, tmp_path, monkeypatch):
    """Attachments, a revoked certificate, a document, a completed serial, a policy: a plant that has lived."""
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(tmp_path / "documents"))
    serials.create_serials("JOB-1", 2, "admin")
    attachments.attach("SN-00001", "cert_mat01", "op1")
    attachments.attach("SN-00002", "cert_mat01", "op1")
    for _ in range(2):
        serials.advance_serial("SN-00002", "sup1", reason="Inspection waived for the sample")
    serials.complete_serial("SN-00002", "sup1", reason="Inspection waived for the sample")
    documents.add_document_bytes("cert_insp01", PNG, "report.png", "sup1")
    policy.set_policy("require_approved", True, "admin", "Customer audit")
    assert integrity.verify().ok, integrity.verify().problems
    return plant


def _plain_client(handle):
    """A connection that is not Certline's: sqlite3 without recursive_triggers, or the PostgreSQL owner."""
    if db.is_sqlite():
        return sqlite3.connect(handle.database, isolation_level=None)
    return handle


def _run(client, sql: str) -> None:
    if isinstance(client, sqlite3.Connection):
        client.execute(sql)
    else:
        client.execute_sql(sql)


TAMPERING = {
    "certificate un-revoked": ("UPDATE certificate SET status = 'active' WHERE id = 'cert_rev'",
                               "certificate cert_rev: status is active, the audit trail says revoked at #"),
    "approval forged": ("UPDATE certificate SET review_status = 'approved', approved_by = 'sup1' "
                        "WHERE id = 'cert_insp01'",
                        "certificate cert_insp01: review status is approved, the audit trail says uploaded at #"),
    "expiry extended": ("UPDATE certificate SET date_expire = '2099-01-01' WHERE id = 'cert_old'",
                        'certificate cert_old: date_expire is "2099-01-01", the audit trail says "'),
    "operator made admin": ('UPDATE "user" SET role = \'admin\' WHERE id = \'op1\'',
                            'user op1: role is "admin", the audit trail says "operator" at #'),
    "completed serial reopened": ("UPDATE serial SET current_step_index = 1, status = 'in_progress' "
                                  "WHERE id = 'SN-00002'",
                                  "serial SN-00002: it stands at step index 1, in progress; the audit trail says "
                                  "step index -1, completed at #"),
    "document hash rewritten": ("UPDATE certificate_document SET sha256 = '" + "a" * 64 + "'",
                                "sha256 is aaaaaaaaaaaaaaaa…, the audit trail says"),
    "policy switched": ("UPDATE policy SET value = 'false' WHERE key = 'require_approved'",
                        "policy require_approved: it is false, the audit trail says true at #"),
}


@pytest.mark.parametrize("case", TAMPERING)
def test_a_record_changed_behind_certlines_back_is_named(records, case):
    sql, message = TAMPERING[case]
    client = _plain_client(records)
    _run(client, sql)
    report = integrity.verify(quick=True)
    assert audit.verify().ok  # the chain itself is untouched: only the replay can see it
    assert not report.ok
    assert any(message in problem for problem in report.problems), report.problems


def test_a_pin_cleared_behind_certlines_back_is_named(records):
    assert integrity.verify(quick=True).ok
    _run(_plain_client(records), "DELETE FROM user_pin WHERE user_id = 'op1'")
    report = integrity.verify(quick=True)
    assert "user op1: hasPin is false, the audit trail says true at #" in " ".join(report.problems), report.problems


def test_a_dropped_trigger_is_named(records):
    disable_append_only(records)
    report = integrity.verify(quick=True)
    assert not report.ok
    if db.is_sqlite():
        assert "trigger cert_attachment_no_update: missing; the append-only rule is not enforced by the database" \
            in report.problems
    else:
        assert "trigger cert_attachment_append_only: switched off (ALTER TABLE … DISABLE TRIGGER)" in report.problems


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_plain_client_can_neither_replace_nor_append_a_record(records):
    client = _plain_client(records)
    assert client.execute("PRAGMA recursive_triggers").fetchone() == (0,)
    attachment = attachments.attachments_of_serial("SN-00001")[0]
    columns = "(id, serial_id, cert_id, step_id, attached_at, attached_by)"
    for verb, attachment_id in (("INSERT OR REPLACE", attachment.id), ("INSERT", "ca_forged")):
        with pytest.raises(sqlite3.OperationalError, match="no such function: certline_writer"):
            client.execute(f"{verb} INTO cert_attachment {columns} VALUES (?, 'SN-00001', 'cert_insp01', ?, "
                           "'2020-01-01 00:00:00.000000', 'sup1')", (attachment_id, attachment.step_id))
    with pytest.raises(sqlite3.OperationalError, match="no such function: certline_writer"):
        client.execute("INSERT OR REPLACE INTO audit_entry (seq, id, type, at, prev_hash, hash, details) "
                       "SELECT seq, 'ae_forged', type, at, prev_hash, hash, details FROM audit_entry WHERE seq = 1")
    assert client.execute("SELECT count(*) FROM cert_attachment").fetchone()[0] == 2  # reading is still open
    # Certline's own connection refuses a REPLACE too, with the trigger's sentence.
    with pytest.raises(Exception, match="append-only"):
        records.execute_sql("INSERT OR REPLACE INTO cert_attachment " + columns + " VALUES (?, 'SN-00001', "
                            "'cert_mat01', ?, '2020-01-01 00:00:00.000000', 'sup1')",
                            (attachment.id, attachment.step_id))
    assert attachments.attachments_of_serial("SN-00001") == [attachment]
    assert integrity.verify(quick=True).ok


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_attachment_removed_from_the_middle_with_the_chain_recomputed_is_found(records):
    """The strongest edit a plain client can make: remove a record and reseal every entry after it."""
    seen = witness.remember()
    client = _plain_client(records)
    for trigger in ("cert_attachment_no_delete", "audit_entry_no_delete", "audit_entry_no_update",
                    "audit_entry_no_replace"):
        client.execute(f"DROP TRIGGER {trigger}")
    victim = attachments.attachments_of_serial("SN-00001")[0]
    client.execute("DELETE FROM cert_attachment WHERE id = ?", (victim.id,))
    (gone,) = client.execute("SELECT seq FROM audit_entry WHERE record_id = ?", (victim.id,)).fetchone()
    client.execute("DELETE FROM audit_entry WHERE seq = ?", (gone,))
    _reseal(client, gone)
    assert audit.verify().ok  # resealed: the chain alone is fooled
    report = integrity.verify([str(witness.witness_file())], quick=True)
    assert any(f"entries after #{seen.seq - 1} are missing" in problem for problem in report.problems), \
        report.problems


def _reseal(client: sqlite3.Connection, start: int) -> None:
    """Renumber and rehash every entry from ``start`` on, as a forger with the source code would."""
    rows = client.execute("SELECT * FROM audit_entry WHERE seq > ? ORDER BY seq", (start,)).fetchall()
    names = [column[0] for column in client.execute("SELECT * FROM audit_entry LIMIT 0").description]
    previous = client.execute("SELECT hash FROM audit_entry WHERE seq = ?", (start - 1,)).fetchone()
    prev_hash = previous[0] if previous else audit.GENESIS_HASH
    for values in rows:
        row = dict(zip(names, values))
        old_seq = row["seq"]
        row["seq"] = old_seq - 1
        row["at"] = db.to_datetime(row["at"])
        row["details"] = json.loads(row["details"]) if row["details"] else {}
        row["prev_hash"] = prev_hash
        row["hash"] = prev_hash = audit.entry_hash(prev_hash, row)
        client.execute("UPDATE audit_entry SET seq = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                       (row["seq"], row["prev_hash"], row["hash"], old_seq))


# ---- PINs given and cleared, API tokens -------------------------------------------------------------------------

def test_a_pin_put_back_behind_certlines_back_after_it_was_cleared_is_named(records):
    users.set_pin("op2", "5678", "admin")
    users.clear_pin("op1", "admin", "Badge only on line 3")
    assert integrity.verify(quick=True).ok  # the latest pin_set or pin_cleared of each user rules
    _run(_plain_client(records), "INSERT INTO user_pin SELECT 'op1', pin_hash FROM user_pin WHERE user_id = 'op2'")
    cleared = entries("pin_cleared")[-1].seq
    report = integrity.verify(quick=True)
    assert report.problems == [f"user op1: hasPin is true, the audit trail says false at #{cleared}"]


@pytest.fixture
def token(records):
    """An API token of op1's, revoked; and one of sup1's, in use."""
    revoked, _ = tokens.create_token("op1", "ERP import", "admin", expires_days=30)
    tokens.revoke_token(revoked.id, "admin")
    kept, _ = tokens.create_token("sup1", "Nightly report", "admin")
    assert integrity.verify(quick=True).ok
    return revoked.id, kept.id


def test_a_revocation_cleared_behind_certlines_back_is_named(records, token):
    revoked, _ = token
    _run(_plain_client(records), f"UPDATE api_token SET revoked_at = NULL, revoked_by = NULL WHERE id = '{revoked}'")
    seq = entries("token_revoked")[-1].seq
    assert integrity.verify(quick=True).problems == [
        f"token {revoked}: revoked is false, the audit trail says revoked at #{seq}"]


def test_a_token_row_inserted_behind_certlines_back_is_named(records, token):
    """A token the trail never made would let whoever holds its secret act as its user: it is named."""
    _run(_plain_client(records), "INSERT INTO api_token (id, user_id, name, token_hash, created_at, created_by) "
                                 f"VALUES ('tok_forged', 'admin', 'Backdoor', '{'b' * 64}', "
                                 "'2026-01-01 00:00:00', 'admin')")
    assert integrity.verify(quick=True).problems == [
        "token tok_forged: it is in the table (user admin), the audit trail never recorded it created"]


def test_a_tokens_user_or_expiry_changed_behind_certlines_back_is_named(records, token):
    _, kept = token
    created = next(e for e in entries("token_created") if e.details["tokenId"] == kept)
    _run(_plain_client(records), f"UPDATE api_token SET user_id = 'admin', expires_at = '2099-01-01 00:00:00' "
                                 f"WHERE id = '{kept}'")
    assert integrity.verify(quick=True).problems == [
        f'token {kept}: user is "admin", the audit trail says "sup1" at #{created.seq}',
        f'token {kept}: expiresAt is "2099-01-01T00:00:00.000Z", the audit trail says empty at #{created.seq}']


def test_a_token_deleted_or_revoked_behind_certlines_back_is_named(records, token):
    revoked, kept = token
    client = _plain_client(records)
    _run(client, f"UPDATE api_token SET revoked_at = '2026-01-01 00:00:00', revoked_by = 'admin' WHERE id = '{kept}'")
    _run(client, f"DELETE FROM api_token WHERE id = '{revoked}'")
    created = {e.details["tokenId"]: e.seq for e in entries("token_created")}
    assert integrity.verify(quick=True).problems == [
        f"token {kept}: revoked is true, the audit trail never recorded it revoked (created at #{created[kept]})",
        f"token {revoked}: missing from the table, created at #{created[revoked]}"]


def test_imported_records_are_held_to_the_trail_too(database, tmp_path):
    from app import plant_file

    plant_file.import_plant(str(Path(__file__).parents[1] / "data" / "plant.json"), "admin")
    report = integrity.verify(quick=True)
    assert report.ok, report.problems
    imported_serial = database.execute_sql("SELECT id FROM serial ORDER BY id LIMIT 1").fetchone()[0]
    database.execute_sql("UPDATE serial SET status = 'scrapped' WHERE id = %s" % database.param, (imported_serial,))
    database.execute_sql("UPDATE \"user\" SET role = 'admin' WHERE role = 'operator'")
    problems = " ".join(integrity.verify(quick=True).problems)
    assert f"serial {imported_serial}: it stands at" in problems
    assert "role is \"admin\", the audit trail says \"operator\"" in problems
