"""Users: roles, unique badges, PINs kept only as salted slow hashes."""
import re

import pytest
from peewee import IntegrityError

from app import users
from app.errors import Forbidden, Invalid, NotFound
from app.models import AuditEntry, User
from tests.helpers.state import entries, row_counts


def test_a_pin_is_stored_only_as_a_salted_hash(plant):
    users.create_user("op3", "Olli Operator", "operator", "B-OP3", pin="1234", by="admin")  # op1's PIN too

    mine, olgas = User.get_by_id("op3").pin_hash, User.get_by_id("op1").pin_hash
    for stored in (mine, olgas):
        scheme, salt, digest = stored.split("$")
        assert scheme == "scrypt" and len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 64
        assert "1234" not in stored
    assert mine != olgas  # same PIN, different salt
    assert User.get_by_id("op2").pin_hash is None
    # Neither the audit trail nor the record gives the PIN away.
    assert not any("1234" in str(e.details) for e in AuditEntry.select())
    assert "1234" not in str(users.get_user("op3").to_json())


def test_check_pin(plant):
    assert users.check_pin("op1", "1234") == users.get_user("op1")
    assert users.check_pin("sup1", "4321").role == "supervisor"
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
    assert (entry.user_id, entry.details) == ("admin", {"userId": "qe1", "name": "Quinn Quality",
                                                        "role": "supervisor"})


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
