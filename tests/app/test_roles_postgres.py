"""PostgreSQL with two accounts: the owner migrates, the workstations work as a station role.

Every test here connects as the station role (``certline_station``) to a copy of a database that its owner
(``certline_owner``, no superuser) migrated and set up with ``certline-cli init --station-role``. The first
half shows what the station may not do — change or remove attachments and audit entries, switch their
triggers off, read PIN digests, reset a lockout, migrate — and the second runs the daily-work test suites
(attach, certificates, serials, users, documents) again as the station role: the app works with exactly
the grants of app/roles.py.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import inspect

import psycopg
import pytest
from psycopg import errors, sql

from app import attachments, audit, roles
from app import db as app_db
from app.cli import main as cli_main
from app.errors import DatabaseUnavailable
from tests.app.test_attach import approved_insp01, serial  # noqa: F401 (fixtures of the suites run again)
from tests.app.test_documents import document_folder  # noqa: F401
from tests.app.test_users import clock_at, digests  # noqa: F401
from tests.helpers.postgres import SUPERUSER
from tests.helpers.roles import OWNER, STATION, as_user, make_station_template
from tests.helpers.state import row_counts

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_url", ["station"], indirect=True)]


@pytest.fixture(scope="session")
def station_template(pg_server) -> str:
    return make_station_template(pg_server)


@pytest.fixture
def db_url(request, pg_cluster, station_template):
    """A copy of the owner's database, connected to as the station role."""
    yield as_user(pg_cluster.create_database(template=station_template), STATION)


def refused(url: str, statement: str) -> None:
    """``statement``, run as the account in ``url``, is refused for want of a privilege."""
    with psycopg.connect(url, autocommit=True) as conn:
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(statement)


TAMPERING = [
    'UPDATE cert_attachment SET attached_by = \'op2\'',
    "DELETE FROM cert_attachment",
    "TRUNCATE cert_attachment",
    "UPDATE audit_entry SET reason = 'nothing happened'",
    "DELETE FROM audit_entry WHERE seq = (SELECT max(seq) FROM audit_entry)",
    "TRUNCATE audit_entry CASCADE",
    "ALTER TABLE cert_attachment DISABLE TRIGGER cert_attachment_append_only",
    "ALTER TABLE audit_entry DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_entry_append_only ON audit_entry",
    "ALTER TABLE audit_entry OWNER TO certline_station",
    "CREATE TRIGGER sneak BEFORE INSERT ON audit_entry FOR EACH ROW EXECUTE FUNCTION certline_append_only()",
    "DROP TABLE cert_attachment",
    "SET session_replication_role = replica",  # would skip every trigger
    "CREATE TABLE shadow (id int)",
    "CREATE OR REPLACE FUNCTION certline_now() RETURNS timestamp LANGUAGE sql AS $$ SELECT now()::timestamp $$",
    # A route revision's steps never change (app.serials.revision_steps reads them once on that promise).
    "UPDATE step SET name = 'Renamed'",
    "DELETE FROM step",
]


def test_the_station_cannot_change_remove_or_unguard_attachments_and_audit_entries(serial, db_url, subtests):
    attachments.attach(serial, "cert_mat01", "op1")  # the daily work goes through
    before = row_counts()
    for statement in TAMPERING:
        with subtests.test(statement=statement):
            refused(db_url, statement)
    assert row_counts() == before and audit.verify().ok


def test_the_station_cannot_read_pin_digests_nor_reset_a_lockout(plant, db_url, subtests):
    for statement in ("SELECT pin_hash FROM user_pin", "SELECT * FROM user_pin",
                      "UPDATE user_pin SET pin_hash = 'x'", "INSERT INTO user_pin VALUES ('op2', 'x')",
                      "DELETE FROM user_pin", 'UPDATE "user" SET failed_pins = 0, locked_until = NULL',
                      'UPDATE "user" SET id = \'op9\' WHERE id = \'op2\''):
        with subtests.test(statement=statement):
            refused(db_url, statement)
    with psycopg.connect(db_url, autocommit=True) as conn:
        # Which users have a PIN, and a salt, is all the station learns; the digest is compared on the server.
        assert {row[0] for row in conn.execute("SELECT user_id FROM user_pin")} == {"op1", "sup1"}
        assert conn.execute("SELECT certline_pin_salt('op1')").fetchone()[0].count("$") == 1
        functions = conn.execute(
            "SELECT proname, prosecdef, proconfig, pg_get_userbyid(proowner) FROM pg_proc "
            "WHERE proname LIKE 'certline_%pin%' ORDER BY proname").fetchall()
    assert functions == [(name, True, ["search_path=public, pg_temp"], OWNER)
                         for name in ("certline_pin_check", "certline_pin_salt", "certline_set_pin")]
    with psycopg.connect(as_user(db_url, SUPERUSER)) as conn:
        assert conn.execute("SELECT pin_hash FROM user_pin WHERE user_id = 'op1'").fetchone()[0].startswith("scrypt$")


def test_wrong_pins_sent_straight_to_the_server_are_counted_and_lock(plant, db_url):
    """A program holding the station's password, skipping Certline, still meets the lock: the server counts,
    and a policy written straight into its table is held to the policy's bounds (at most 20 tries)."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO policy (key, value) VALUES ('pin_attempts', '1000')")
        answers = [conn.execute("SELECT o_kind, o_failed_pins, o_locked_until IS NOT NULL "
                                "FROM certline_pin_check('op1', %s)", (f"{n:0128x}",)).fetchone() for n in range(21)]
    assert answers == [("wrong", n, n == 20) for n in range(1, 21)] + [("locked", 20, True)]


def test_a_station_may_not_migrate_and_says_who_may(plant, db_url):
    with psycopg.connect(as_user(db_url, SUPERUSER), autocommit=True) as conn:
        latest = conn.execute("DELETE FROM schema_migration WHERE name = (SELECT max(name) FROM schema_migration) "
                              "RETURNING name").fetchone()[0]
    app_db.close_database()
    with pytest.raises(DatabaseUnavailable, match=f"schema needs upgrading \\({latest}\\), which only its owner "
                                                  f"\\({OWNER}\\) may do; this workstation connects as {STATION}"):
        app_db.open_database(db_url)


def test_every_table_has_a_line_in_the_station_grants(database):
    tables = {name for (name,) in database.execute_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    assert tables == set(roles.STATION_GRANTS), "a new table needs its line in app.roles.STATION_GRANTS"


def test_init_gives_a_station_back_exactly_its_grants(database, db_url):
    owner_url = as_user(db_url, OWNER)
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("REVOKE SELECT ON certificate FROM certline_station")
        conn.execute("GRANT DELETE ON audit_entry TO certline_station")
    app_db.close_database()
    assert cli_main(["init", "--db", owner_url]) == 0  # as after an upgrade: every station role granted again
    app_db.close_database()
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert conn.execute("SELECT has_table_privilege('certificate', 'SELECT'), "
                            "has_table_privilege('audit_entry', 'DELETE')").fetchone() == (True, False)


def test_init_sets_a_station_password_as_a_scram_verifier(database, db_url, tmp_path):
    secret = tmp_path / "station-password"
    secret.write_text("correct horse battery staple\n")
    app_db.close_database()
    assert cli_main(["init", "--db", as_user(db_url, OWNER), "--station-role", "line_b",
                     "--station-password-file", str(secret)]) == 0
    app_db.close_database()
    with psycopg.connect(as_user(db_url, SUPERUSER)) as conn:
        (verifier,) = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'line_b'").fetchone()
    head, keys = verifier.split("$", 1)[1].split("$")
    iterations, salt = head.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac("sha256", b"correct horse battery staple", base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    assert verifier.startswith("SCRAM-SHA-256$") and base64.b64decode(stored_key) == hashlib.sha256(client_key).digest()


@pytest.mark.parametrize("name, message", [
    (OWNER, "The station role must not be the owner (certline_owner)"),
    (SUPERUSER, "Role certline is a superuser or bypasses row security: it cannot be a station role"),
    ("Line-B", "A station role's name is lower-case letters, digits and _ (at most 63): 'Line-B'"),
])
def test_init_refuses_a_station_role_that_could_do_more(database, db_url, name, message, capsys):
    app_db.close_database()
    assert cli_main(["init", "--db", as_user(db_url, OWNER), "--station-role", name]) == 3
    app_db.close_database()
    assert message in capsys.readouterr().err


# ---- the daily work, as the station role: the suites run again with its connection ------------------------------

SUITES = ("test_attach", "test_certificates", "test_serials", "test_users", "test_documents", "test_routes_revisions",
          "test_jobs", "test_serial_batches", "test_user_admin", "test_outbox", "test_webhooks")
DATABASE_FIXTURES = {"plant", "database", "db_url", "serial", "approved_insp01"}
# Tests that do what the station may not: one's setup switches foreign keys off (only a superuser may), one
# reads the PIN digests back (here, the station's refusal to read them is the test), two rewrite steps (only
# the owner may).
NOT_AS_STATION = {"test_a_serial_whose_path_is_gone_is_refused", "test_a_pin_is_stored_only_as_a_salted_hash",
                  "test_routes_and_jobs_changed_behind_certlines_back_are_named",
                  "test_steps_read_inside_a_transaction_are_not_kept"}


def _own_backends(test) -> bool:
    return any(mark.name == "parametrize" and mark.args and mark.args[0] == "db_url"
               for mark in getattr(test, "pytestmark", []))


for _suite in SUITES:
    for _name, _test in vars(importlib.import_module(f"tests.app.{_suite}")).items():
        if (_name.startswith("test_") and inspect.isfunction(_test) and _name not in NOT_AS_STATION
                and DATABASE_FIXTURES & set(inspect.signature(_test).parameters) and not _own_backends(_test)):
            globals()[f"test_as_station_{_suite[5:]}__{_name[5:]}"] = _test
