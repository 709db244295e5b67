"""Attachments and audit entries are append-only, enforced by the database itself, not only by the code."""
import pytest
from peewee import DatabaseError

from app import attachments, audit, serials
from app.models import AuditEntry, CertAttachment
from tests.helpers.tamper import is_sqlite, rows


@pytest.fixture
def attached(plant):
    """Two attachments and their audit entries; returns the first attachment's id."""
    first, second = serials.create_serials("JOB-1", 2, "admin").serial_ids
    record = attachments.attach(first, "cert_mat01", "op1").attachment
    attachments.attach(second, "cert_mat01", "op1")
    return record.id


def refused(database, sql, params=()):
    """Run raw SQL that must be refused; returns the error's text."""
    with pytest.raises(DatabaseError) as error:
        database.execute_sql(sql, params)
    if not is_sqlite(database):
        database.rollback()  # leave the connection usable whatever state psycopg left it in
    return str(error.value)


def statements(database, attachment_id):
    p = "?" if is_sqlite(database) else "%s"
    return [
        ("cert_attachment", f"UPDATE cert_attachment SET attached_by = 'op2' WHERE id = {p}", (attachment_id,)),
        ("cert_attachment", "UPDATE cert_attachment SET attached_at = attached_at", ()),
        ("cert_attachment", f"DELETE FROM cert_attachment WHERE id = {p}", (attachment_id,)),
        ("cert_attachment", "DELETE FROM cert_attachment", ()),
        ("audit_entry", "UPDATE audit_entry SET reason = 'nothing to see' WHERE seq = 3", ()),
        ("audit_entry", "UPDATE audit_entry SET user_id = user_id", ()),
        ("audit_entry", "DELETE FROM audit_entry WHERE type = 'cert_attached'", ()),
        ("audit_entry", "DELETE FROM audit_entry", ()),
    ]


def test_raw_updates_and_deletes_are_refused_and_change_nothing(attached, database, subtests):
    before = {table: rows(table, database) for table in ("cert_attachment", "audit_entry")}
    assert len(before["cert_attachment"]) == 2
    for table, sql, params in statements(database, attached):
        with subtests.test(sql=sql):
            message = refused(database, sql, params)
            assert f"{table} is append-only" in message
            assert rows(table, database) == before[table]
    assert audit.verify().ok


def test_replacing_a_row_is_refused(attached, database):
    """INSERT OR REPLACE (SQLite) deletes the row it replaces; ON CONFLICT DO UPDATE updates it."""
    row = CertAttachment.get_by_id(attached)
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    before = {table: rows(table, database) for table in ("cert_attachment", "audit_entry")}
    if is_sqlite(database):
        replace_attachment = ("INSERT OR REPLACE INTO cert_attachment "
                              "(id, serial_id, cert_id, step_id, attached_at, attached_by) VALUES (?, ?, ?, ?, ?, ?)")
        replace_entry = ("INSERT OR REPLACE INTO audit_entry (seq, id, type, at, details, prev_hash, hash) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)")
    else:
        replace_attachment = ("INSERT INTO cert_attachment (id, serial_id, cert_id, step_id, attached_at, attached_by) "
                              "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET attached_by = 'op2'")
        replace_entry = ("INSERT INTO audit_entry (seq, id, type, at, details, prev_hash, hash) "
                         "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (seq) DO UPDATE SET type = 'nothing'")
    assert "append-only" in refused(database, replace_attachment, (
        row.id, row.serial_id, row.cert_id, row.step_id, "2020-01-01 00:00:00", "op2"))
    assert "append-only" in refused(database, replace_entry, (
        entry.seq, entry.id, "nothing", "2020-01-01 00:00:00", "{}", entry.prev_hash, entry.hash))
    assert {table: rows(table, database) for table in before} == before
    assert audit.verify().ok


def test_the_models_cannot_update_or_delete_either(attached, database):
    before = {table: rows(table, database) for table in ("cert_attachment", "audit_entry")}
    attempts = [
        lambda: CertAttachment.update(attached_by="op2").where(CertAttachment.id == attached).execute(),
        lambda: CertAttachment.get_by_id(attached).delete_instance(),
        lambda: AuditEntry.update(reason="x").execute(),
        lambda: AuditEntry.delete().where(AuditEntry.seq == 1).execute(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="is append-only"):
            with database.atomic():
                attempt()
    assert {table: rows(table, database) for table in before} == before


def test_an_error_inside_a_transaction_takes_the_whole_transaction_back(attached, database):
    serial = serials.create_serials("JOB-1", 1, "admin").serial_ids[0]
    before = {table: rows(table, database) for table in ("cert_attachment", "audit_entry")}
    with pytest.raises(DatabaseError):
        with database.atomic():
            attachments.attach(serial, "cert_insp01", "op1")  # written ...
            CertAttachment.delete().where(CertAttachment.id == attached).execute()  # ... then refused
    assert {table: rows(table, database) for table in before} == before
    assert audit.verify().ok


# SQLite has no TRUNCATE; its DELETE FROM without WHERE is refused above.
@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_truncate_is_refused_on_postgres(attached, database):
    for table in ("cert_attachment", "audit_entry"):
        before = rows(table, database)
        assert "append-only" in refused(database, f"TRUNCATE {table}")
        assert "append-only" in refused(database, f"TRUNCATE {table} CASCADE")
        assert rows(table, database) == before
