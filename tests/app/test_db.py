"""Opening the database: where it lives, its pragmas, its migrations, and a plain message when it cannot."""
import json
import logging
import socket
from pathlib import Path

import platformdirs
import pytest
from peewee import IntegrityError, OperationalError, SqliteDatabase

from app import db
from app.errors import DatabaseUnavailable
from app.models import User
from tests.helpers import workers

MIGRATIONS = sorted(p.stem for p in Path(db.MIGRATIONS_DIR).glob("[0-9][0-9][0-9][0-9]_*.py"))


@pytest.fixture
def closing():
    yield
    db.close_database()


def pragma(name):
    return db.database.obj.execute_sql(f"PRAGMA {name}").fetchone()[0]


def test_the_migrations_are_numbered_from_0001():
    assert MIGRATIONS[:2] == ["0001_initial", "0002_append_only"]
    assert [int(name[:4]) for name in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_opening_a_new_sqlite_file_creates_and_migrates_it(tmp_path, closing):
    path = tmp_path / "new" / "folder" / "certline.sqlite3"

    handle = db.open_database(str(path))

    assert path.is_file()
    assert isinstance(handle, SqliteDatabase) and db.database.obj is handle and db.is_sqlite()
    assert db.schema_migrations(handle) == MIGRATIONS
    tables = set(handle.get_tables())
    assert {"user", "path", "step", "job", "serial", "serial_counter", "certificate", "certificate_document",
            "cert_attachment", "audit_entry"} <= tables
    triggers = {row[0] for row in handle.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"cert_attachment_no_update", "cert_attachment_no_delete", "audit_entry_no_update",
            "audit_entry_no_delete"} <= triggers


def test_sqlite_pragmas(tmp_path, closing):
    db.open_database(str(tmp_path / "certline.sqlite3"))
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("synchronous") == 2  # FULL: a confirmed attach survives a power cut
    assert pragma("recursive_triggers") == 1
    assert pragma("busy_timeout") == 15000


def test_hand_written_sql_is_seen_by_query_hooks_and_logged_and_fails_as_peewee_fails(tmp_path, closing, caplog):
    db.open_database(str(tmp_path / "certline.sqlite3"))
    seen = []
    db.database.obj.query_hooks.append(lambda event: seen.append(event.sql))
    try:
        assert db.execute('SELECT count(*) FROM "user" WHERE "id" = ?', ("nobody",)).fetchone() == (0,)
    finally:
        db.database.obj.query_hooks.clear()
    assert seen == ['SELECT count(*) FROM "user" WHERE "id" = ?']
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        db.execute('SELECT 1 FROM "user" WHERE "id" = ?', ("logged",))
    assert any("logged" in record.getMessage() for record in caplog.records)
    with pytest.raises(OperationalError):
        db.execute('SELECT 1 FROM "no_such_table"')
    with pytest.raises(IntegrityError), db.write_transaction():
        db.execute('INSERT INTO "user" ("id") VALUES (?)', ("x",))  # no name, role or badge


def test_a_sqlite_url_is_a_path(tmp_path, closing):
    path = tmp_path / "by-url.sqlite3"
    db.open_database(f"sqlite:///{path}")
    assert path.is_file() and db.database.obj.database == str(path)


def test_reopening_is_idempotent(db_url, closing):
    handle = db.open_database(db_url)
    User.insert(id="admin", name="Ada", role="admin", badge="B-ADM").execute()
    db.close_database()

    handle = db.open_database(db_url)
    assert db.apply_migrations(handle) == []
    assert db.schema_migrations(handle) == MIGRATIONS
    assert [u.id for u in User.select()] == ["admin"]
    db.close_database()
    assert db.database.obj.is_closed()


def test_resolve_url_prefers_the_argument_then_certline_db_then_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("CERTLINE_DB", raising=False)
    monkeypatch.delenv("CERTLINE_DATA", raising=False)
    assert db.resolve_url() == str(Path(platformdirs.user_data_dir("certline", "Certline")) / "certline.sqlite3")

    monkeypatch.setenv("CERTLINE_DATA", str(tmp_path / "data"))
    assert db.resolve_url() == str(tmp_path / "data" / "certline.sqlite3")
    assert db.data_dir() == tmp_path / "data"

    monkeypatch.setenv("CERTLINE_DB", "postgresql://certline@db.example:5432/plant")
    assert db.resolve_url() == "postgresql://certline@db.example:5432/plant"
    assert db.resolve_url(str(tmp_path / "given.sqlite3")) == str(tmp_path / "given.sqlite3")


def test_open_database_without_a_url_uses_the_environment(monkeypatch, tmp_path, closing):
    monkeypatch.delenv("CERTLINE_DB", raising=False)
    monkeypatch.setenv("CERTLINE_DATA", str(tmp_path / "data"))
    db.open_database()
    assert (tmp_path / "data" / "certline.sqlite3").is_file()
    db.close_database()

    monkeypatch.setenv("CERTLINE_DB", str(tmp_path / "elsewhere.sqlite3"))
    db.open_database()
    assert (tmp_path / "elsewhere.sqlite3").is_file()
    assert db.database.obj.database == str(tmp_path / "elsewhere.sqlite3")


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_an_unreachable_postgres_gives_a_plain_message_without_the_password():
    port = closed_port()
    url = f"postgresql://certline:s3cret-pw@127.0.0.1:{port}/plant?connect_timeout=3&password=s3cret-q"

    with pytest.raises(DatabaseUnavailable) as refused:
        db.open_database(url)

    message = str(refused.value)
    assert message.startswith(f"Cannot open the database postgresql://certline@127.0.0.1:{port}/plant: ")
    assert "s3cret" not in message
    assert "\n" not in message and "Traceback" not in message
    assert refused.value.status == 503
    assert db.database.obj is None  # nothing half-open is left bound


@pytest.mark.parametrize("address, shown, detail", [
    ("127.0.0.1:notaport", "127.0.0.1:notaport", 'invalid integer value "notaport" for connection option "port"'),
    ("127.0.0.1:99999", "127.0.0.1:99999", 'invalid port number: "99999"'),
])
def test_a_malformed_port_gives_the_plain_message_too(address, shown, detail):
    url = f"postgresql://certline:s3cret-pw@{address}/plant"
    with pytest.raises(DatabaseUnavailable) as refused:
        db.open_database(url)
    assert str(refused.value) == (
        f"Cannot open the database postgresql://certline@{shown}/plant: connection is bad: {detail}")
    assert db.database.obj is None


def test_a_password_the_driver_quotes_back_is_blanked_out():
    # libpq repeats a badly percent-encoded token, the password included, in its message.
    with pytest.raises(DatabaseUnavailable) as refused:
        db.open_database("postgresql://certline:s3c%zzret@127.0.0.1:5/plant")
    message = str(refused.value)
    assert "s3c" not in message and "zzret" not in message
    assert message == ('Cannot open the database postgresql://certline@127.0.0.1:5/plant: '
                       'invalid percent-encoded token: "***"')


def test_an_unopenable_sqlite_file_gives_a_plain_message(tmp_path):
    folder = tmp_path / "a-folder.sqlite3"
    folder.mkdir()
    with pytest.raises(DatabaseUnavailable, match=f"^Cannot open the database {folder}: unable to open database file$"):
        db.open_database(str(folder))
    assert db.database.obj is None


def test_describe_hides_the_password():
    assert db.describe("postgresql://u:pw@host:5433/plant?password=x") == "postgresql://u@host:5433/plant"
    assert db.describe("postgresql://u:p@ss@Host.Example:x/plant") == "postgresql://u@Host.Example:x/plant"
    assert db.describe("postgresql://u:pw@[::1/plant") == "postgresql://u@[::1/plant"
    assert db.describe("postgres://host/plant") == "postgres://host/plant"
    assert db.describe("/data/certline.sqlite3") == "/data/certline.sqlite3"


@pytest.mark.postgres
def test_opening_a_new_postgres_database_migrates_it(pg_cluster, closing):
    handle = db.open_database(pg_cluster.create_database())
    assert not db.is_sqlite()
    assert db.schema_migrations(handle) == MIGRATIONS
    triggers = {row[0] for row in handle.execute_sql(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text IN "
        "('cert_attachment', 'audit_entry')")}
    # The append-only guards, and the notice that tells other stations' screens of each new entry (live screens).
    assert triggers == {"cert_attachment_append_only", "cert_attachment_no_truncate", "audit_entry_append_only",
                        "audit_entry_no_truncate", "audit_entry_notify"}


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_several_processes_opening_a_new_database_at_once_migrate_it_once(request, tmp_path, backend):
    if backend == "postgres":
        url = request.getfixturevalue("pg_cluster").create_database()
    else:
        url = str(tmp_path / "fresh.sqlite3")
    procs = [workers.start("open", url) for _ in range(4)]
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert json.loads(out) == MIGRATIONS

    handle = db.open_database(url)
    try:
        names = [row[0] for row in handle.execute_sql("SELECT name FROM schema_migration ORDER BY id")]
        assert names == MIGRATIONS
    finally:
        db.close_database()
