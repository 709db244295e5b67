"""Users: roles, unique badges, PINs kept only as salted slow hashes, how they sign in, wrong PINs locking them."""
import datetime as dt
import hashlib
import hmac
import json
import os
import pathlib
import re
import sqlite3
import stat

import pytest
from peewee import IntegrityError

from app import audit, clock, db, documents, integrity, pins, policy, sign_in, users
from app import db as app_db
from app.db import write_transaction
from app.errors import Forbidden, Invalid, NotFound
from app.models import AuditEntry, Certificate, User, UserPin
from tests.helpers.roles import hold_server_clock
from tests.helpers.state import entries, row_counts


def test_a_pin_is_stored_only_as_a_salted_hash(plant):
    users.create_user("op3", "Olli Operator", "operator", "B-OP3", pin="1234", by="admin")  # op1's PIN too

    mine, olgas = UserPin.get_by_id("op3").pin_hash, UserPin.get_by_id("op1").pin_hash
    for stored in (mine, olgas):
        scheme, salt, digest = stored.split("$")
        # SQLite mixes in the pepper kept outside the database file; PostgreSQL hides the table instead.
        assert scheme == ("scrypt-hmac" if db.is_sqlite() else "scrypt")
        assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 64
        assert "1234" not in stored
    assert mine != olgas  # same PIN, different salt
    assert UserPin.get_or_none(UserPin.user_id == "op2") is None
    # Neither the audit trail nor the record gives the PIN away.
    assert not any("1234" in str(e.details) for e in AuditEntry.select())
    assert "1234" not in str(users.get_user("op3").to_json())


def test_check_pin(plant):
    assert users.check_pin("op1", "1234") == users.get_user("op1")
    assert users.check_pin("sup1", "432100").role == "supervisor"
    for user_id, pin in (("op1", "4321"), ("op1", "12345"), ("op1", ""), ("ghost", "1234"), ("op2", "1234")):
        with pytest.raises(Forbidden, match="^Wrong user or PIN$"):  # the same words whatever was wrong
            users.check_pin(user_id, pin)
    User.update(active=False).where(User.id == "op1").execute()
    with pytest.raises(Forbidden, match="^Wrong user or PIN$"):
        users.check_pin("op1", "1234")


def test_create_user_records_who_created_them(plant):
    record = users.create_user("qe1", "  Quinn Quality  ", "supervisor", "B-QE1", pin="000000", by="admin")

    assert record == users.UserRecord("qe1", "Quinn Quality", "supervisor", "B-QE1", True, True)
    row = User.get_by_id("qe1")
    assert (row.name, row.role, row.badge, row.active) == ("Quinn Quality", "supervisor", "B-QE1", True)
    (entry,) = entries("user_created")[-1:]
    # Badge and whether a PIN was set are recorded too, so verify can replay them against the table.
    assert (entry.user_id, entry.details) == ("admin", {"userId": "qe1", "name": "Quinn Quality",
                                                        "role": "supervisor", "badge": "B-QE1", "hasPin": True})


REFUSED_USERS = [
    ({"badge": "B-OP1"}, Invalid, "Badge code already belongs to another user: B-OP1"),
    ({"user_id": "op1"}, Invalid, "User already exists: op1"),
    ({"role": "boss"}, Invalid, "Role must be one of operator, supervisor, admin: boss"),
    ({"name": "  "}, Invalid, "User op9 needs a name"),
    ({"user_id": "op 9"}, Invalid, "User id may hold only printable ASCII without spaces: 'op 9'"),
    ({"badge": ""}, Invalid, "Badge code is required"),
    ({"pin": "12"}, Invalid, "PIN must be 4 to 12 digits"),
    ({"pin": "12ab"}, Invalid, "PIN must be 4 to 12 digits"),
    ({"pin": "1" * 13}, Invalid, "PIN must be 4 to 12 digits"),
    ({"role": "supervisor", "pin": "12345"}, Invalid, "PIN must be 6 to 12 digits for a supervisor or administrator"),
    ({"role": "admin", "pin": "9999"}, Invalid, "PIN must be 6 to 12 digits for a supervisor or administrator"),
    ({"by": "sup1"}, Forbidden, "User sup1 (supervisor) may not create users"),
    ({"by": "nobody"}, NotFound, "User not found: nobody"),
]


def test_create_user_refusals_write_nothing(plant, subtests):
    before = row_counts()
    for kwargs, error, message in REFUSED_USERS:
        with subtests.test(**kwargs):
            arguments = {"user_id": "op9", "name": "Nina", "role": "operator", "badge": "B-OP9", "pin": "9999",
                         "by": "admin"} | kwargs
            with pytest.raises(error, match=f"^{re.escape(message)}$"):
                users.create_user(**arguments)
            assert row_counts() == before


def test_the_database_itself_keeps_badges_unique(plant):
    with pytest.raises(IntegrityError):
        User.insert(id="op9", name="Nina", role="operator", badge="B-OP1").execute()
    assert User.select().where(User.badge == "B-OP1").count() == 1


def test_find_by_badge_finds_active_users_only(plant):
    assert users.find_by_badge("B-OP1").id == "op1"
    assert users.find_by_badge("b-op1") is None  # codes are case-sensitive
    assert users.find_by_badge("B-NONE") is None
    User.update(active=False).where(User.id == "op1").execute()
    assert users.find_by_badge("B-OP1") is None


def test_require_user_checks_roles_and_activity(plant):
    assert users.require_user("op1").id == "op1"
    assert users.require_user("sup1", roles=("supervisor", "admin")).role == "supervisor"
    with pytest.raises(Forbidden, match=r"^User op1 \(operator\) may not approve certificates$"):
        users.require_user("op1", roles=("supervisor", "admin"), action="approve certificates")
    User.update(active=False).where(User.id == "sup1").execute()
    with pytest.raises(Forbidden, match="^User sup1 is not active$"):
        users.require_user("sup1", roles=("supervisor", "admin"))
    with pytest.raises(Invalid, match="^User id is required$"):
        users.require_user(None)


def test_list_users(plant):
    assert [u.id for u in users.list_users()] == ["admin", "op1", "op2", "sup1"]  # by name
    User.update(active=False).where(User.id == "op2").execute()
    assert [u.id for u in users.list_users(active_only=True)] == ["admin", "op1", "sup1"]
    assert [(u.id, u.has_pin) for u in users.list_users()] == [
        ("admin", False), ("op1", True), ("op2", False), ("sup1", True)]


# ---- signing in: badge, name and PIN (app/sign_in.py) ----------------------------------------------------------

def logins() -> list[tuple[str, str]]:
    return [(e.user_id, e.details.get("method")) for e in entries("user_login")]


def test_a_picked_name_needs_the_pin(plant):
    attempt = sign_in.begin(user_id="op1")
    assert (attempt.user.id, attempt.badge, attempt.needs_pin, attempt.method) == ("op1", None, True, "name+PIN")
    for pin in (None, ""):
        with pytest.raises(Forbidden, match="^Type your PIN$"):
            sign_in.complete("op1", None, pin)
    # The station's person named themselves: the refusal says whose PIN and how many tries are left.
    with pytest.raises(Forbidden, match="^Wrong PIN for Olga Operator: 4 more tries before a 5-minute lock$"):
        sign_in.complete("op1", None, "9999")
    assert logins() == []

    assert sign_in.complete("op1", None, "1234") == users.get_user("op1")

    assert logins() == [("op1", "name+PIN")]
    assert User.get_by_id("op1").failed_pins == 0  # the right PIN started the count again


def test_a_user_without_pin_signs_in_by_badge_only(plant):
    assert [(c.user.id, c.by_name, c.note) for c in sign_in.choices()] == [
        ("admin", False, "badge only"), ("op1", True, "PIN"), ("op2", False, "badge only"), ("sup1", True, "PIN")]
    for attempt in (lambda: sign_in.begin(user_id="op2"), lambda: sign_in.complete("op2", None, "1234")):
        with pytest.raises(Forbidden, match="^Otto Operator signs in with the badge only: scan your badge.$"):
            attempt()
    assert logins() == []

    attempt = sign_in.begin(badge="B-OP2")
    assert (attempt.user.id, attempt.needs_pin, attempt.method) == ("op2", False, "badge")
    assert sign_in.complete("op2", "B-OP2", None).id == "op2"
    # A badge with a PIN behind it asks for the PIN; another user's badge does not sign this one in.
    assert sign_in.begin(badge="B-OP1").needs_pin
    with pytest.raises(Forbidden, match="^Type your PIN$"):
        sign_in.complete("op1", "B-OP1", None)
    with pytest.raises(Forbidden, match="^Badge B-OP2 is not op1's$"):
        sign_in.complete("op1", "B-OP2", None)
    with pytest.raises(Forbidden, match="^Unknown badge: B-NONE$"):
        sign_in.begin(badge="B-NONE")
    assert logins() == [("op2", "badge")]


def test_the_plant_may_require_badge_and_pin_of_everyone(plant):
    policy.set_policy("require_badge_and_pin", True, "admin", "Customer audit: two factors at the line")

    assert [(c.user.id, c.by_name, c.note) for c in sign_in.choices()] == [
        ("admin", False, "no PIN yet"), ("op1", False, "badge and PIN"), ("op2", False, "no PIN yet"),
        ("sup1", False, "badge and PIN")]
    for user_id in ("op1", "op2"):
        with pytest.raises(Forbidden, match="^This plant signs in with badge and PIN: scan your badge, then type "
                                            "your PIN.$"):
            sign_in.complete(user_id, None, "1234")
    with pytest.raises(Forbidden, match="^Otto Operator: this plant signs in with badge and PIN, and you have no "
                                        "PIN yet. Ask an administrator for a PIN.$"):
        sign_in.begin(badge="B-OP2")
    with pytest.raises(Forbidden, match="Ask an administrator for a PIN"):
        sign_in.complete("op2", "B-OP2", None)
    with pytest.raises(Forbidden, match="^Type your PIN$"):
        sign_in.complete("op1", "B-OP1", None)
    assert logins() == []

    assert sign_in.begin(badge="B-OP1").method == "badge+PIN"
    assert sign_in.complete("op1", "B-OP1", "1234").id == "op1"
    assert logins() == [("op1", "badge+PIN")]


@pytest.fixture
def clock_at(monkeypatch, database):
    """Drives the clock of PIN locks: ``clock_at(seconds)`` puts "now" that many seconds after the start.

    On PostgreSQL that clock is the server's (``certline_now()``, which only the owner may replace)."""
    start = clock.now_utc().replace(microsecond=0)

    def move(seconds: float) -> dt.datetime:
        moment = start + dt.timedelta(seconds=seconds)
        monkeypatch.setattr(clock, "now_utc", lambda: moment)
        if not db.is_sqlite():
            hold_server_clock(database, moment)
        return moment

    move(0)
    return move


def test_five_wrong_pins_lock_the_user_for_five_minutes(plant, clock_at):
    start = clock_at(0)
    for count in range(1, 5):
        with pytest.raises(Forbidden, match=f"^Wrong PIN for Olga Operator: {5 - count} more tr"):
            sign_in.complete("op1", "B-OP1", "0000")
        assert (User.get_by_id("op1").failed_pins, User.get_by_id("op1").locked_until) == (count, None)
    with pytest.raises(users.Locked, match="^Locked after 5 wrong PINs: try again in 5 min$"):
        sign_in.complete("op1", "B-OP1", "0000")

    row = User.get_by_id("op1")
    assert (row.failed_pins, row.locked_until) == (5, start + dt.timedelta(minutes=5))
    refused = entries("sign_in_refused")
    assert [(e.user_id, e.details) for e in refused] == [
        ("op1", {"purpose": "sign_in", "wrongPins": n}) for n in range(1, 6)]
    (locked,) = entries("user_locked")
    assert (locked.user_id, locked.details) == ("op1", {"wrongPins": 5, "minutes": 5,
                                                        "lockedUntil": clock.iso_utc(row.locked_until)})
    assert locked.seq == refused[-1].seq + 1 and locked.workstation == "test-station"

    # Locked: the right PIN too is refused, saying how long is left; the badge scan says so at once.
    clock_at(88)
    with pytest.raises(users.Locked, match="^Locked after 5 wrong PINs: try again in 3 min 32 s$"):
        sign_in.complete("op1", "B-OP1", "1234")
    clock_at(299.5)
    with pytest.raises(users.Locked, match="^Locked after 5 wrong PINs: try again in 1 s$"):
        sign_in.begin(badge="B-OP1")
    assert entries("sign_in_refused")[-1].details == {"purpose": "sign_in", "locked": True,
                                                      "lockedUntil": clock.iso_utc(row.locked_until)}
    assert len(entries("sign_in_refused")) == 6 and logins() == []
    assert (User.get_by_id("op1").failed_pins, len(entries("user_locked"))) == (5, 1)  # the lock is not extended
    # A badge-only user is not held up by anyone else's lock.
    assert sign_in.complete("op2", "B-OP2", None).id == "op2"

    clock_at(300)  # the lock has run out
    assert sign_in.complete("op1", "B-OP1", "1234").id == "op1"
    assert (User.get_by_id("op1").failed_pins, User.get_by_id("op1").locked_until) == (0, None)
    assert audit.verify().ok


def test_a_right_pin_starts_the_count_again_and_an_ended_lock_too(plant, clock_at):
    for _ in range(4):
        with pytest.raises(Forbidden):
            users.check_pin("op1", "0000")
    users.check_pin("op1", "1234")
    for _ in range(4):
        with pytest.raises(Forbidden, match="^Wrong user or PIN$"):
            users.check_pin("op1", "0000")
    assert User.get_by_id("op1").failed_pins == 4
    with pytest.raises(users.Locked):
        users.check_pin("op1", "0000")
    clock_at(301)
    with pytest.raises(Forbidden, match="^Wrong user or PIN$"):  # one wrong PIN after the lock: one of five
        users.check_pin("op1", "0000")
    assert (User.get_by_id("op1").failed_pins, User.get_by_id("op1").locked_until) == (1, None)
    assert [e.details["wrongPins"] for e in entries("sign_in_refused")] == [1, 2, 3, 4, 1, 2, 3, 4, 5, 1]


def test_approval_pins_are_counted_and_locked_the_same(plant, clock_at):
    for _ in range(4):
        with pytest.raises(Forbidden, match="^Wrong PIN: the certificate was not approved$"):
            documents.approve_certificate("cert_mat01", "sup1", "0000")
    # The fifth wrong PIN at the station locks the approvals too: one count per user, wherever the PIN is asked.
    with pytest.raises(users.Locked, match="^Locked after 5 wrong PINs: try again in 5 min$"):
        sign_in.complete("sup1", "B-SUP1", "0000")
    clock_at(30)
    with pytest.raises(users.Locked, match="^Locked after 5 wrong PINs: try again in 4 min 30 s. The certificate "
                                           "was not approved$"):
        documents.approve_certificate("cert_mat01", "sup1", "432100")
    assert [e.details.get("purpose") for e in entries("sign_in_refused")] == ["approve"] * 4 + ["sign_in", "approve"]
    assert Certificate.get_by_id("cert_mat01").approved_by is None
    assert (User.get_by_id("sup1").failed_pins, len(entries("user_locked"))) == (5, 1)
    clock_at(300)
    with pytest.raises(Invalid, match="^Certificate cert_mat01 has no documents to approve$"):
        documents.approve_certificate("cert_mat01", "sup1", "432100")  # the PIN passes; the certificate's state rules
    assert User.get_by_id("sup1").failed_pins == 0


def test_pin_policies_change_the_count_and_the_lock(plant, clock_at):
    policy.set_policy("pin_attempts", 3, "admin", "Stricter after the pen test")
    policy.set_policy("pin_lock_minutes", 90, "admin", "Stricter after the pen test")
    for _ in range(2):
        with pytest.raises(Forbidden, match="^Wrong user or PIN$"):
            users.check_pin("op1", "0000")
    with pytest.raises(users.Locked, match="^Locked after 3 wrong PINs: try again in 1 h 30 min$"):
        users.check_pin("op1", "0000")
    assert entries("user_locked")[-1].details["minutes"] == 90
    clock_at(90 * 60)  # the station counts down the plant's numbers, on both databases
    with pytest.raises(Forbidden, match="^Wrong PIN for Olga Operator: 2 more tries before a 90-minute lock$"):
        sign_in.complete("op1", "B-OP1", "0000")
    with pytest.raises(Forbidden, match="^Wrong PIN for Olga Operator: 1 more try before a 90-minute lock$"):
        sign_in.complete("op1", None, "0000")
    with pytest.raises(users.Locked, match="^Locked after 3 wrong PINs: try again in 1 h 30 min$"):
        sign_in.complete("op1", None, "0000")


def test_policies_are_for_administrators_with_a_reason_and_sane_values(plant):
    before = row_counts()
    refused = [
        ("pin_attempts", 2, "admin", Invalid, "Policy pin_attempts must be from 3 to 20, got 2"),
        ("pin_attempts", 21, "admin", Invalid, "Policy pin_attempts must be from 3 to 20, got 21"),
        ("pin_lock_minutes", 0, "admin", Invalid, "Policy pin_lock_minutes must be from 1 to 1440, got 0"),
        ("pin_attempts", True, "admin", Invalid, "Policy pin_attempts takes a int, got True"),
        ("pin_attempts", 5.0, "admin", Invalid, "Policy pin_attempts takes a int, got 5.0"),
        ("require_badge_and_pin", 1, "admin", Invalid, "Policy require_badge_and_pin takes a bool, got 1"),
        ("require_badge_and_pin", True, "sup1", Forbidden, "User sup1 (supervisor) may not change policies"),
        ("require_badge_and_pin", True, "op1", Forbidden, "User op1 (operator) may not change policies"),
    ]
    for key, value, user_id, error, message in refused:
        with pytest.raises(error, match=f"^{re.escape(message)}$"):
            policy.set_policy(key, value, user_id, "because")
    with pytest.raises(Invalid, match="^A reason is required to change a policy$"):
        policy.set_policy("pin_attempts", 4, "admin", "  ")
    assert row_counts() == before
    assert policy.get_policies() == {"require_approved": False, "require_badge_and_pin": False, "pin_attempts": 5,
                                     "pin_lock_minutes": 5, "min_pin_digits_privileged": 6,
                                     "allow_macro_documents": False, "clock_tolerance_seconds": 2}

    policy.set_policy("require_badge_and_pin", True, "admin", "Two factors at the line")
    policy.set_policy("pin_attempts", 4, "admin", "Pen test finding 3")

    assert policy.get_policies()["require_badge_and_pin"] is True and policy.get_policy("pin_attempts") == 4
    assert [(e.user_id, e.reason, e.details) for e in entries("policy_changed")] == [
        ("admin", "Two factors at the line", {"policy": "require_badge_and_pin", "old": False, "new": True}),
        ("admin", "Pen test finding 3", {"policy": "pin_attempts", "old": 5, "new": 4})]


def test_a_pin_check_refuses_to_run_inside_a_transaction(plant):
    # Its count of wrong PINs must be committed even when the caller's work is rolled back.
    with pytest.raises(RuntimeError, match="call it outside a transaction"):
        with write_transaction():
            users.check_pin("op1", "0000")
    assert User.get_by_id("op1").failed_pins == 0


# ---- PINs of supervisors and administrators; the pepper on SQLite ------------------------------------------------

def test_privileged_pins_have_the_plants_minimum_of_digits(plant):
    with pytest.raises(Invalid, match="^Policy min_pin_digits_privileged must be from 6 to 12, got 4$"):
        policy.set_policy("min_pin_digits_privileged", 4, "admin", "Shorter is easier")
    policy.set_policy("min_pin_digits_privileged", 8, "admin", "Pen test finding 7")
    with pytest.raises(Invalid, match="^PIN must be 8 to 12 digits for a supervisor or administrator$"):
        users.create_user("qe1", "Quinn Quality", "supervisor", "B-QE1", pin="123456", by="admin")
    users.create_user("qe1", "Quinn Quality", "supervisor", "B-QE1", pin="12345678", by="admin")
    users.create_user("op5", "Otis Operator", "operator", "B-OP5", pin="2468", by="admin")  # operators keep 4
    assert users.check_pin("qe1", "12345678").role == "supervisor" and users.check_pin("op5", "2468").id == "op5"


SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_on_sqlite_the_stored_digest_is_not_scrypt_of_the_pin_alone(plant):
    scheme, salt, digest = UserPin.get_by_id("op1").pin_hash.split("$")
    without_pepper = hashlib.scrypt(b"1234", salt=bytes.fromhex(salt), n=2**14, r=8, p=1).hex()
    assert scheme == "scrypt-hmac" and digest != without_pepper
    peppered = hmac.new(pins.pepper(), b"1234", hashlib.sha256).digest()
    assert hashlib.scrypt(peppered, salt=bytes.fromhex(salt), n=2**14, r=8, p=1).hex() == digest
    # The pepper is a file of this OS account only, outside the database file.
    assert stat.S_IMODE(os.stat(pins.pepper_path()).st_mode) == 0o600
    assert pins.pepper().hex() not in pathlib.Path(plant.database).read_bytes().hex()


@SQLITE_ONLY
def test_a_copied_database_file_cannot_check_a_pin_without_its_pepper(plant, tmp_path, monkeypatch):
    copy = tmp_path / "copied.sqlite3"
    plant.connection().backup(sqlite3.connect(copy))
    app_db.close_database()
    monkeypatch.setenv("CERTLINE_PEPPER_FILE", str(tmp_path / "elsewhere" / "pin-pepper"))
    app_db.open_database(str(copy))
    with pytest.raises(Forbidden, match="^Wrong user or PIN$"):
        users.check_pin("op1", "1234")
    monkeypatch.undo()  # the right pepper again, as on the workstation the file came from
    assert users.check_pin("op1", "1234").id == "op1"


@SQLITE_ONLY
def test_a_pin_stored_before_the_pepper_works_and_is_peppered_at_its_next_right_pin(plant):
    salt = os.urandom(16)
    old = f"scrypt${salt.hex()}${hashlib.scrypt(b'1234', salt=salt, n=2**14, r=8, p=1).hex()}"
    UserPin.update(pin_hash=old).where(UserPin.user_id == "op1").execute()
    with pytest.raises(Forbidden, match="^Wrong user or PIN$"):
        users.check_pin("op1", "4321")
    assert UserPin.get_by_id("op1").pin_hash == old  # a wrong PIN changes nothing

    assert users.check_pin("op1", "1234").id == "op1"

    assert UserPin.get_by_id("op1").pin_hash.startswith("scrypt-hmac$")
    assert users.check_pin("op1", "1234").id == "op1"


@SQLITE_ONLY
def test_a_damaged_pepper_file_refuses_every_pin_plainly(plant, tmp_path, monkeypatch):
    damaged = tmp_path / "pin-pepper"
    damaged.write_text("not a pepper\n")
    monkeypatch.setenv("CERTLINE_PEPPER_FILE", str(damaged))
    with pytest.raises(pins.PepperUnreadable, match=f"^The PIN pepper file {re.escape(str(damaged))} is damaged"):
        users.check_pin("op1", "1234")
    assert User.get_by_id("op1").failed_pins == 0


# ---- giving, changing and clearing a PIN after the user exists ---------------------------------------------------

@pytest.fixture
def digests(monkeypatch) -> list[str]:
    """Every PIN digest made meanwhile (read where it is made: the station role may not read ``user_pin``)."""
    made: list[str] = []
    make = pins.make_hash

    def keep(pin: str) -> str:
        made.append(make(pin))
        return made[-1]

    monkeypatch.setattr(pins, "make_hash", keep)
    return made


def assert_no_pin_material(entry: AuditEntry, pin: str, digest: str) -> None:
    text = json.dumps(entry.details) + str(entry.reason)
    for secret in (pin, digest, *digest.split("$")[1:]):
        assert secret not in text, (secret, text)


def test_an_administrator_gives_and_resets_pins_and_the_trail_holds_no_pin(plant, digests):
    given = users.set_pin("op2", "5678", "admin")
    reset = users.set_pin("op1", "8642", "admin", reason="Forgot it")

    assert (given.has_pin, reset.has_pin) == (True, True)
    assert users.check_pin("op2", "5678").id == "op2" and users.check_pin("op1", "8642").id == "op1"
    with pytest.raises(Forbidden, match="^Wrong user or PIN$"):
        users.check_pin("op1", "1234")  # the old PIN is gone
    set_entries = entries("pin_set")
    assert [(e.user_id, e.reason, e.details) for e in set_entries] == [
        ("admin", None, {"userId": "op2", "hasPin": True}), ("admin", "Forgot it", {"userId": "op1", "hasPin": True})]
    for entry, pin, digest in zip(set_entries, ("5678", "8642"), digests):
        assert_no_pin_material(entry, pin, digest)
    assert audit.verify().ok and integrity.verify(quick=True).ok  # the replay expects exactly these PINs


def test_a_user_changes_their_own_pin_only_with_the_present_one(plant, digests):
    before = row_counts()
    with pytest.raises(Forbidden, match="^Wrong user or PIN$"):
        users.set_pin("op1", "2468", "op1", old_pin="4321")
    # The wrong present PIN counts toward the lock, wherever it was typed.
    assert User.get_by_id("op1").failed_pins == 1
    assert [(e.user_id, e.details) for e in entries("sign_in_refused")] == [
        ("op1", {"purpose": "pin_change", "wrongPins": 1})]
    assert digests == [] and entries("pin_set") == []

    changed = users.set_pin("op1", "2468", "op1", old_pin="1234")

    assert changed.has_pin and users.check_pin("op1", "2468").id == "op1"
    (entry,) = entries("pin_set")
    assert (entry.user_id, entry.details) == ("op1", {"userId": "op1", "hasPin": True})
    assert_no_pin_material(entry, "2468", digests[-1])
    assert_no_pin_material(entry, "1234", digests[-1])
    assert User.get_by_id("op1").failed_pins == 0
    assert row_counts()["audit_entry"] == before["audit_entry"] + 2  # the refusal and pin_set
    assert integrity.verify(quick=True).ok


SET_PIN_REFUSED = [
    (("op2", "5678", "op1"), {}, Forbidden, "User op1 (operator) may change only their own PIN"),
    (("op1", "5678", "sup1"), {"old_pin": "432100"}, Forbidden, "User sup1 (supervisor) may change only their own PIN"),
    (("op1", "5678", "op1"), {}, Forbidden, "Changing your PIN takes your present PIN"),
    (("op1", "12", "op1"), {"old_pin": "0000"}, Invalid, "PIN must be 4 to 12 digits"),  # no try of the old PIN spent
    (("op1", "", "admin"), {}, Invalid, "PIN must be 4 to 12 digits"),
    (("sup1", "12345", "admin"), {}, Invalid, "PIN must be 6 to 12 digits for a supervisor or administrator"),
    (("ghost", "5678", "admin"), {}, NotFound, "User not found: ghost"),
    (("op1", "5678", "nobody"), {}, NotFound, "User not found: nobody"),
    (("op1", "5678", None), {}, Invalid, "User id is required"),
]


def test_set_pin_refusals_change_nothing(plant, subtests, digests):
    before = row_counts()
    for args, kwargs, error, message in SET_PIN_REFUSED:
        with subtests.test(args=args):
            with pytest.raises(error, match=f"^{re.escape(message)}$"):
                users.set_pin(*args, **kwargs)
            assert row_counts() == before and digests == []
    assert User.get_by_id("op1").failed_pins == 0
    assert users.check_pin("op1", "1234").id == "op1"


def test_an_administrator_clears_a_pin_with_a_reason(plant):
    before = row_counts()
    for args, error, message in [
        (("op1", "admin", "  "), Invalid, "A reason is required to clear a PIN"),
        (("op1", "sup1", "Lost"), Forbidden, "User sup1 (supervisor) may not clear PINs"),
        (("op1", "op1", "Lost"), Forbidden, "User op1 (operator) may not clear PINs"),
        (("op2", "admin", "Lost"), Invalid, "User op2 has no PIN to clear"),
        (("ghost", "admin", "Lost"), NotFound, "User not found: ghost"),
    ]:
        with pytest.raises(error, match=f"^{re.escape(message)}$"):
            users.clear_pin(*args)
    assert row_counts() == before

    cleared = users.clear_pin("op1", "admin", "Badge only on line 3")

    assert cleared.has_pin is False and not pins.has_pin("op1")
    with pytest.raises(Forbidden, match="^Wrong user or PIN$"):
        users.check_pin("op1", "1234")
    (entry,) = entries("pin_cleared")
    assert (entry.user_id, entry.reason, entry.details) == ("admin", "Badge only on line 3",
                                                            {"userId": "op1", "hasPin": False})
    assert sign_in.complete("op1", "B-OP1", None).id == "op1"  # by badge alone now
    assert integrity.verify(quick=True).ok
    users.set_pin("op1", "9753", "admin")
    assert integrity.verify(quick=True).ok and users.check_pin("op1", "9753").id == "op1"
