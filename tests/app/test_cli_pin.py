"""certline-cli user pin: an administrator gives, resets or clears a PIN; a user changes their own.

The new PIN never travels as an argument: it is typed twice, unseen, in a terminal, or comes from
CERTLINE_NEW_PIN; the acting user is proven as for every writing command.
"""
from __future__ import annotations

import json
import sys

import pytest

from app import audit, integrity, users
from app.errors import Forbidden
from app.models import User
from tests.app.test_cli_auth import PINS, opened, plant_url, run  # noqa: F401 (fixtures)
from tests.helpers.state import entries, row_counts
from tests.helpers.terminal import converse


@pytest.fixture
def new_pin(monkeypatch):
    monkeypatch.delenv("CERTLINE_NEW_PIN", raising=False)
    return lambda pin: monkeypatch.setenv("CERTLINE_NEW_PIN", pin)


def test_an_administrator_gives_a_pin_and_the_user_can_then_act(capsys, plant_url, monkeypatch, new_pin, opened):
    monkeypatch.setenv("CERTLINE_PIN", PINS["admin"])
    new_pin("5678")
    code, record, error = run(capsys, plant_url, "user", "pin", "op2", "--user", "admin")
    assert (code, error, record["id"], record["hasPin"]) == (0, None, "op2", True)

    monkeypatch.setenv("CERTLINE_PIN", "5678")  # op2, badge-only until now, can act through the CLI
    code, attached, _ = run(capsys, plant_url, "attach", "SN-00001", "cert_mat01", "--user", "op2")
    assert (code, attached["attachedBy"]) == (0, "op2")
    with opened(plant_url):
        (entry,) = entries("pin_set")
        assert (entry.user_id, entry.auth, entry.details) == ("admin", "pin", {"userId": "op2", "hasPin": True})
        assert "5678" not in json.dumps(entry.details)
        assert integrity.verify(quick=True).ok


def test_an_administrator_clears_a_pin_only_with_a_reason(capsys, plant_url, monkeypatch, opened):
    monkeypatch.setenv("CERTLINE_PIN", PINS["admin"])
    with opened(plant_url):
        before = row_counts()
    code, _, error = run(capsys, plant_url, "user", "pin", "op1", "--clear", "--user", "admin")
    assert (code, error) == (3, "Clearing a PIN takes --reason R (recorded in the audit trail)")
    with opened(plant_url):
        assert row_counts() == before

    code, record, _ = run(capsys, plant_url, "user", "pin", "op1", "--clear", "--reason", "Badge only", "--user",
                          "admin")
    assert (code, record["hasPin"]) == (0, False)
    code, _, error = run(capsys, plant_url, "user", "pin", "op1", "--clear", "--reason", "Again", "--user", "admin")
    assert (code, error) == (3, "User op1 has no PIN to clear")
    with opened(plant_url):
        (entry,) = entries("pin_cleared")
        assert (entry.user_id, entry.reason, entry.details) == ("admin", "Badge only",
                                                                {"userId": "op1", "hasPin": False})
        assert not users.get_user("op1").has_pin


def test_a_user_changes_their_own_pin_and_nobody_elses(capsys, plant_url, monkeypatch, new_pin, opened):
    monkeypatch.setenv("CERTLINE_PIN", PINS["op1"])
    new_pin("2468")
    code, _, error = run(capsys, plant_url, "user", "pin", "op2", "--user", "op1")
    assert (code, error) == (3, "User op1 (operator) may change only their own PIN")
    code, _, error = run(capsys, plant_url, "user", "pin", "op1", "--clear", "--reason", "x", "--user", "op1")
    assert (code, error) == (3, "User op1 (operator) may not clear PINs")
    new_pin("12")
    code, _, error = run(capsys, plant_url, "user", "pin", "op1", "--user", "op1")
    assert (code, error) == (3, "PIN must be 4 to 12 digits")
    with opened(plant_url):
        assert entries("pin_set") == [] and users.check_pin("op1", PINS["op1"]).id == "op1"

    new_pin("2468")
    code, record, _ = run(capsys, plant_url, "user", "pin", "op1", "--user", "op1")
    assert (code, record["hasPin"]) == (0, True)
    with opened(plant_url):
        (entry,) = entries("pin_set")
        assert (entry.user_id, entry.details) == ("op1", {"userId": "op1", "hasPin": True})
        assert users.check_pin("op1", "2468").id == "op1"
        with pytest.raises(Forbidden):
            users.check_pin("op1", PINS["op1"])


def test_without_a_terminal_or_new_pin_nothing_changes(capsys, plant_url, monkeypatch, new_pin, opened):
    monkeypatch.setenv("CERTLINE_PIN", PINS["admin"])
    with opened(plant_url):
        before = row_counts()
    code, _, error = run(capsys, plant_url, "user", "pin", "op2", "--user", "admin")
    assert (code, error) == (3, "Give the new PIN: type it when asked (in a terminal), or set CERTLINE_NEW_PIN")
    new_pin("5678")
    code, _, error = run(capsys, plant_url, "user", "pin", "op2", "--user", "sup1")  # sup1's PIN is not admin's
    assert (code, error) == (6, "Wrong user or PIN")
    with opened(plant_url):
        assert row_counts()["user_pin"] == before["user_pin"] and entries("pin_set") == []
        assert User.get_by_id("sup1").failed_pins == 1


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX's")
def test_in_a_terminal_the_new_pin_is_asked_twice_unseen(plant_url, opened):
    argv = ["user", "pin", "op2", "--user", "admin", "--db", plant_url]
    status, seen = converse(argv, [(b"PIN for admin: ", PINS["admin"].encode()),
                                    (b"New PIN for op2: ", b"5678"), (b"The new PIN again: ", b"5679")])
    assert status == 3 and b"The two new PINs differ: nothing was changed" in seen
    status, seen = converse(argv, [(b"PIN for admin: ", PINS["admin"].encode()),
                                    (b"New PIN for op2: ", b"5678"), (b"The new PIN again: ", b"5678")])
    assert status == 0 and b"PIN of op2 (Otto Operator) set" in seen
    assert b"5678" not in seen and PINS["admin"].encode() not in seen  # getpass turned the echo off
    with opened(plant_url):
        assert [(e.user_id, e.details) for e in entries("pin_set")] == [("admin", {"userId": "op2", "hasPin": True})]
        assert users.check_pin("op2", "5678").id == "op2" and audit.verify().ok
