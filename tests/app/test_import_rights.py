"""An import grants no rights: a plant file cannot bring its own administrator into a database
that has users, nor act as one it creates."""
from __future__ import annotations

import json

import pytest

from app import plant_file, users
from app.errors import Invalid, NotFound
from app.models import AuditEntry, User


def _write(tmp_path, plant: dict):
    path = tmp_path / "plant.json"
    path.write_text(json.dumps(plant))
    return path


MALLORY = {"id": "mallory", "name": "Mallory", "role": "admin", "badge": "B-MAL"}


def test_a_file_cannot_act_as_the_administrator_it_brings(plant, tmp_path):
    path = _write(tmp_path, {"users": [MALLORY]})
    before = AuditEntry.select().count()
    with pytest.raises(NotFound, match="User not found: mallory"):
        plant_file.import_plant(path, "mallory")
    assert User.get_or_none(User.id == "mallory") is None
    assert AuditEntry.select().count() == before


def test_a_file_imported_by_an_administrator_may_not_create_an_administrator(plant, tmp_path):
    path = _write(tmp_path, {"users": [MALLORY]})
    with pytest.raises(Invalid, match="may only add operators"):
        plant_file.import_plant(path, "admin")
    assert User.get_or_none(User.id == "mallory") is None


def test_operators_in_a_file_are_added_by_an_administrator(plant, tmp_path):
    path = _write(tmp_path, {"users": [{"id": "op9", "name": "Nine", "role": "operator", "badge": "B-OP9"}]})
    plant_file.import_plant(path, "admin")
    assert users.get_user("op9").role == "operator"


def test_a_supervisor_cannot_import(plant, tmp_path):
    path = _write(tmp_path, {"users": [{"id": "op9", "name": "Nine", "role": "operator", "badge": "B-OP9"}]})
    with pytest.raises(Exception, match="may not import"):
        plant_file.import_plant(path, "sup1")
    assert User.get_or_none(User.id == "op9") is None


def test_an_empty_database_takes_its_first_administrator_from_the_file(database, tmp_path):
    path = _write(tmp_path, {"users": [MALLORY | {"id": "ada", "name": "Ada"}]})
    with pytest.raises(Invalid, match="must bring the administrator"):
        plant_file.import_plant(path, "someone-else")
    plant_file.import_plant(path, "ada")
    assert users.get_user("ada").role == "admin"
