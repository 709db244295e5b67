"""certline-cli proves who acts: a PIN (asked, CERTLINE_PIN, --pin-file) or an API token, else nothing is written."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import audit, cli, db, sign_in, users
from app.audit import GENESIS_HASH, HASHED_FIELDS
from app.clock import iso_utc
from app.models import ApiToken, AuditEntry, Certificate, User
from tests.helpers.state import entries, row_counts
from tests.helpers.tamper import disable_append_only
from tests.helpers.terminal import cli_command, converse

PLANT = Path(__file__).parent.parent / "data" / "plant.json"
PINS = {"admin": "000000", "sup1": "432100", "op1": "1234"}  # op2: an operator without a PIN


def run(capsys, db_url, *argv):
    code = cli.main([*argv, "--db", db_url, "--json"])
    captured = capsys.readouterr()
    out = json.loads(captured.out) if captured.out.strip() else None
    error = json.loads(captured.err)["error"]["message"] if captured.err.strip() else None
    return code, out, error


@pytest.fixture
def opened():
    """Look into the database the CLI wrote: ``with opened(url): ...``."""
    import contextlib

    @contextlib.contextmanager
    def look(url):
        db.open_database(url)
        try:
            yield
        finally:
            db.close_database()

    return look


@pytest.fixture
def plant_url(capsys, db_url, tmp_path, monkeypatch):
    monkeypatch.delenv("CERTLINE_PIN", raising=False)
    monkeypatch.delenv("CERTLINE_TOKEN", raising=False)
    plant = json.loads(PLANT.read_text())
    for user in plant["users"]:
        user["pin"] = PINS[user["id"]]
    plant["users"].append({"id": "op2", "name": "Otto Operator", "role": "operator", "badge": "B-OP2"})
    path = tmp_path / "plant.json"
    path.write_text(json.dumps(plant))
    code, _, error = run(capsys, db_url, "import", str(path), "--user", "admin")  # the first user: nobody to prove
    assert (code, error) == (0, None)
    return db_url


def private_file(tmp_path, name: str, text: str, mode: int = 0o600) -> str:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(mode)
    return str(path)


# --- a claim is not enough ------------------------------------------------------------------------

def test_acting_as_another_user_without_their_pin_is_refused_and_changes_nothing(capsys, plant_url, monkeypatch,
                                                                                 opened):
    with opened(plant_url):
        before, chain = row_counts(), len(entries())
    code, out, error = run(capsys, plant_url, "cert", "revoke", "cert_mat01", "--user", "sup1", "--reason", "x")
    assert (code, out) == (6, None)
    assert error.startswith("certline-cli acts as sup1 only with their PIN: type the PIN when asked (in a terminal), "
                            "or set CERTLINE_PIN, or give --pin-file FILE")
    monkeypatch.setenv("CERTLINE_PIN", PINS["op1"])  # op1 knows their own PIN, and claims to be sup1
    code, out, error = run(capsys, plant_url, "cert", "revoke", "cert_mat01", "--user", "sup1", "--reason", "x")
    assert (code, out, error) == (6, None, "Wrong user or PIN")
    with opened(plant_url):
        assert Certificate.get_by_id("cert_mat01").status == "active"
        assert row_counts() == before | {"audit_entry": before["audit_entry"] + 1}
        refused = entries()[chain:]  # only the wrong PIN, recorded as at the station
        assert [(e.type, e.user_id, e.details) for e in refused] == [
            ("sign_in_refused", "sup1", {"purpose": "cli", "wrongPins": 1})]
        assert audit.verify().ok


def test_the_right_pin_from_the_environment_or_a_file_acts_and_the_entry_names_user_and_os_account(
        capsys, plant_url, monkeypatch, tmp_path, opened):
    monkeypatch.setenv("CERTLINE_PIN", PINS["sup1"])
    code, revoked, _ = run(capsys, plant_url, "cert", "revoke", "cert_old", "--user", "sup1", "--reason", "Recall")
    assert (code, revoked["status"]) == (0, "revoked")
    monkeypatch.delenv("CERTLINE_PIN")
    pin_file = private_file(tmp_path, "op1.pin", PINS["op1"] + "\nignored\n")
    code, attached, _ = run(capsys, plant_url, "attach", "SN-00001", "cert_mat01", "--user", "op1",
                            "--pin-file", pin_file)
    assert (code, attached["attachedBy"]) == (0, "op1")
    with opened(plant_url):
        (revoke,), (attach,) = entries("cert_revoked")[-1:], entries("cert_attached")
        assert (revoke.user_id, revoke.auth, revoke.token_id) == ("sup1", "pin", None)
        assert (attach.user_id, attach.auth) == ("op1", "pin")
        assert revoke.os_account == attach.os_account == audit.os_account()
        assert audit.os_account().endswith("@" + os.uname().nodename)
        assert audit.verify().ok


def test_a_pin_file_others_may_read_is_refused_with_a_sentence(capsys, plant_url, tmp_path, opened):
    with opened(plant_url):
        before = row_counts()
    loose = private_file(tmp_path, "loose.pin", PINS["op1"], mode=0o644)
    code, _, error = run(capsys, plant_url, "attach", "SN-00001", "cert_mat01", "--user", "op1", "--pin-file", loose)
    assert (code, error) == (6, f"The PIN file {loose} may be read by other accounts (mode 644): make it yours alone "
                                f"with chmod 600 {loose}")
    empty = private_file(tmp_path, "empty.pin", "\n")
    code, _, error = run(capsys, plant_url, "attach", "SN-00001", "cert_mat01", "--user", "op1", "--pin-file", empty)
    assert (code, error) == (3, f"The PIN file {empty} is empty: its first line should hold the PIN")
    code, _, error = run(capsys, plant_url, "attach", "SN-00001", "cert_mat01", "--user", "op1", "--pin-file",
                         str(tmp_path / "none.pin"))
    assert code == 3 and error.startswith(f"Cannot read the PIN file {tmp_path / 'none.pin'}: ")
    with opened(plant_url):
        assert row_counts() == before


def test_a_user_without_a_pin_and_no_token_cannot_act(capsys, plant_url, monkeypatch, opened):
    monkeypatch.setenv("CERTLINE_PIN", "1234")
    code, _, error = run(capsys, plant_url, "attach", "SN-00001", "cert_mat01", "--user", "op2")
    assert (code, error) == (6, "op2 has no PIN, so cannot act through certline-cli: ask an administrator for a PIN "
                                "or an API token")
    code, _, error = run(capsys, plant_url, "attach", "SN-00001", "cert_mat01")
    assert code == 6 and error.startswith("Say who does this: --user USER, proven by their PIN")
    with opened(plant_url):
        assert entries("cert_attached") == [] and entries("sign_in_refused") == []


def test_wrong_pins_through_the_cli_lock_the_user_at_the_station_too(capsys, plant_url, monkeypatch, opened):
    monkeypatch.setenv("CERTLINE_PIN", "9999")
    for _ in range(4):
        assert run(capsys, plant_url, "serial", "advance", "SN-00001", "--user", "op1")[::2] == (6, "Wrong user or PIN")
    code, _, error = run(capsys, plant_url, "serial", "advance", "SN-00001", "--user", "op1")
    assert (code, error) == (6, "Locked after 5 wrong PINs: try again in 5 min")
    monkeypatch.setenv("CERTLINE_PIN", PINS["op1"])  # even the right PIN, meanwhile
    code, _, error = run(capsys, plant_url, "serial", "advance", "SN-00001", "--user", "op1")
    assert code == 6 and error.startswith("Locked after 5 wrong PINs: try again in ")
    with opened(plant_url):
        assert [(e.type, e.details.get("purpose")) for e in entries() if e.user_id == "op1"] == [
            ("sign_in_refused", "cli")] * 5 + [("user_locked", None)]
        assert User.get_by_id("op1").failed_pins == 5
        with pytest.raises(users.Locked):
            sign_in.complete("op1", "B-OP1", PINS["op1"])  # the station meets the same lock
        assert entries("serial_advanced") == []


# --- the first user, and the station ---------------------------------------------------------------

def test_the_first_user_needs_nobody_and_the_next_needs_an_administrator(capsys, db_url, monkeypatch, opened):
    monkeypatch.delenv("CERTLINE_PIN", raising=False)
    monkeypatch.delenv("CERTLINE_TOKEN", raising=False)
    code, first, _ = run(capsys, db_url, "user", "add", "ada", "--name", "Ada", "--role", "admin", "--badge", "B-ADA",
                         "--pin", "555555")
    assert (code, first["hasPin"]) == (0, True)
    argv = ("user", "add", "mallory", "--name", "Mallory", "--role", "admin", "--badge", "B-MAL")
    code, _, error = run(capsys, db_url, *argv, "--user", "ada")
    assert code == 6 and error.startswith("certline-cli acts as ada only with their PIN")
    code, _, error = run(capsys, db_url, *argv)
    assert code == 6 and error.startswith("Say who does this")
    monkeypatch.setenv("CERTLINE_PIN", "555555")
    monkeypatch.setenv("CERTLINE_NEW_PIN", "777777")
    code, added, _ = run(capsys, db_url, *argv, "--user", "ada")
    assert (code, added["id"], added["hasPin"]) == (0, "mallory", True)
    with opened(db_url):
        created = entries("user_created")
        assert [(e.user_id, e.auth) for e in created] == [(None, "bootstrap"), ("ada", "pin")]
        assert audit.verify().ok


def test_a_station_sign_in_marks_its_entries_with_how(plant):
    try:
        sign_in.complete("op1", "B-OP1", "1234")
        (login,) = entries("user_login")
        assert (login.user_id, login.auth, login.token_id, login.os_account) == ("op1", "badge+PIN", None,
                                                                                 audit.os_account())
    finally:
        audit.set_auth(None)


# --- API tokens -----------------------------------------------------------------------------------

def create_token(capsys, url, monkeypatch, *extra, owner="op1"):
    monkeypatch.setenv("CERTLINE_PIN", PINS["admin"])
    code, token, error = run(capsys, url, "token", "create", "--for", owner, "--name", "ERP import", "--user",
                             "admin", *extra)
    monkeypatch.delenv("CERTLINE_PIN")
    assert (code, error) == (0, None)
    return token


def test_a_token_is_shown_once_stored_as_a_hash_and_acts_as_its_user(capsys, plant_url, monkeypatch, tmp_path,
                                                                      opened):
    token = create_token(capsys, plant_url, monkeypatch, "--expires", "30")
    secret = token.pop("token")
    assert secret.startswith("certline_") and len(secret) > 40
    assert (token["userId"], token["name"], token["state"], token["createdBy"]) == ("op1", "ERP import", "active",
                                                                                    "admin")
    monkeypatch.setenv("CERTLINE_TOKEN", secret)
    code, attached, _ = run(capsys, plant_url, "attach", "SN-00001", "cert_mat01")
    assert (code, attached["attachedBy"]) == (0, "op1")
    code, _, error = run(capsys, plant_url, "attach", "SN-00001", "cert_old", "--user", "sup1")
    assert (code, error) == (6, f"This API token ({token['id']}) acts as op1, not as sup1")
    monkeypatch.delenv("CERTLINE_TOKEN")
    token_file = private_file(tmp_path, "erp.token", secret + "\n")
    code, moved, _ = run(capsys, plant_url, "serial", "advance", "SN-00001", "--token-file", token_file)
    assert (code, moved["currentStepIndex"]) == (0, 1)
    monkeypatch.setenv("CERTLINE_PIN", PINS["admin"])
    code, listed, _ = run(capsys, plant_url, "token", "list", "--user", "admin")
    assert code == 0 and [(t["id"], t["state"]) for t in listed] == [(token["id"], "active")]
    assert secret not in json.dumps(listed)
    with opened(plant_url):
        row = ApiToken.get_by_id(token["id"])
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in json.dumps([str(v) for v in row.__data__.values()])
        assert iso_utc(row.expires_at) == token["expiresAt"]
        assert row.expires_at - row.created_at == dt.timedelta(days=30)
        (created,) = entries("token_created")
        assert (created.user_id, created.auth, created.record_id) == ("admin", "pin", token["id"])
        assert secret not in json.dumps(created.details)
        by_token = [e for e in entries() if e.token_id]
        assert [(e.type, e.user_id, e.auth, e.token_id) for e in by_token] == [
            ("cert_attached", "op1", "token", token["id"]), ("serial_advanced", "op1", "token", token["id"])]
        assert audit.verify().ok


def test_a_revoked_or_expired_token_is_refused(capsys, plant_url, monkeypatch, opened):
    revoked, expired = create_token(capsys, plant_url, monkeypatch), create_token(capsys, plant_url, monkeypatch)
    monkeypatch.setenv("CERTLINE_PIN", PINS["admin"])
    code, record, _ = run(capsys, plant_url, "token", "revoke", revoked["id"], "--user", "admin")
    assert (code, record["state"], record["revokedBy"]) == (0, "revoked", "admin")
    code, _, error = run(capsys, plant_url, "token", "revoke", revoked["id"], "--user", "admin")
    assert code == 3 and error.startswith(f"API token {revoked['id']} was already revoked on ")
    monkeypatch.delenv("CERTLINE_PIN")
    with opened(plant_url):
        created = ApiToken.get_by_id(expired["id"]).created_at
        ApiToken.update(expires_at=created - dt.timedelta(days=1)).where(ApiToken.id == expired["id"]).execute()
        before = row_counts()
    monkeypatch.setenv("CERTLINE_TOKEN", revoked["token"])
    code, _, error = run(capsys, plant_url, "attach", "SN-00001", "cert_mat01")
    assert code == 6 and error.startswith(f"API token {revoked['id']} (ERP import) was revoked on ")
    monkeypatch.setenv("CERTLINE_TOKEN", expired["token"])
    code, _, error = run(capsys, plant_url, "attach", "SN-00001", "cert_mat01")
    assert code == 6 and error.startswith(f"API token {expired['id']} (ERP import) expired on ")
    monkeypatch.setenv("CERTLINE_TOKEN", "certline_not-a-token")
    code, _, error = run(capsys, plant_url, "attach", "SN-00001", "cert_mat01")
    assert (code, error) == (6, "Unknown API token: it was mistyped, or belongs to another database")
    with opened(plant_url):
        assert row_counts() == before
        (entry,) = entries("token_revoked")
        assert (entry.user_id, entry.record_id, entry.details["userId"]) == ("admin", revoked["id"], "op1")


def test_only_an_administrator_creates_tokens_and_an_operators_token_does_no_admin_work(capsys, plant_url,
                                                                                        monkeypatch, opened):
    monkeypatch.setenv("CERTLINE_PIN", PINS["sup1"])
    code, _, error = run(capsys, plant_url, "token", "create", "--for", "sup1", "--name", "mine", "--user", "sup1")
    assert (code, error) == (3, "User sup1 (supervisor) may not create API tokens")
    code, _, error = run(capsys, plant_url, "token", "list", "--user", "sup1")
    assert (code, error) == (3, "User sup1 (supervisor) may not list API tokens")
    monkeypatch.delenv("CERTLINE_PIN")
    operator = create_token(capsys, plant_url, monkeypatch)
    with opened(plant_url):
        before = row_counts()
    monkeypatch.setenv("CERTLINE_TOKEN", operator["token"])
    for argv, message in (
            (("token", "create", "--for", "op1", "--name", "more"), "User op1 (operator) may not create API tokens"),
            (("policy", "set", "require_approved", "true", "--reason", "x"), "User op1 (operator) may not "),
            (("user", "add", "mallory", "--name", "M", "--role", "admin", "--badge", "B-MAL"),
             "User op1 (operator) may not create users"),
            (("cert", "revoke", "cert_mat01", "--reason", "x"), "User op1 (operator) may not ")):
        code, _, error = run(capsys, plant_url, *argv)
        assert code == 3 and error.startswith(message), (argv, error)
    with opened(plant_url):
        assert row_counts() == before


def test_approving_is_a_signature_a_token_alone_cannot_sign(capsys, plant_url, monkeypatch, opened):
    token = create_token(capsys, plant_url, monkeypatch, owner="sup1")
    monkeypatch.setenv("CERTLINE_TOKEN", token["token"])
    code, _, error = run(capsys, plant_url, "cert", "approve", "cert_mat01")
    assert code == 6 and error.startswith("Approving is a signature: it takes sup1's PIN as well as the token")


# --- the audit trail: old entries keep their hashes -------------------------------------------------

def old_entry_hash(prev_hash: str, row: dict) -> str:
    """entry_hash as it was before schema 0006, written out."""
    payload = {name: row.get(name) for name in HASHED_FIELDS} | {"at": iso_utc(row["at"])}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def test_entries_without_the_new_fields_hash_as_before_and_new_ones_seal_them(database):
    from app.db import write_transaction

    with write_transaction():  # as written before 0006, then after
        audit.append([audit.new_entry("note", "someone", os_account=None, auth=None, token_id=None)])
        audit.set_auth("token", "tok_x")
        try:
            audit.record("note", "someone")
        finally:
            audit.set_auth(None)
    old, new = AuditEntry.select().order_by(AuditEntry.seq).dicts()
    assert (old["os_account"], old["auth"]) == (None, None)
    assert old["hash"] == old_entry_hash(GENESIS_HASH, old)
    assert (new["os_account"], new["auth"], new["token_id"]) == (audit.os_account(), "token", "tok_x")
    assert new["hash"] != old_entry_hash(old["hash"], new)
    assert audit.verify().ok
    disable_append_only(database)
    AuditEntry.update(os_account="admin@elsewhere").where(AuditEntry.seq == 2).execute()
    result = audit.verify()
    assert (result.ok, result.seq) == (False, 2)


# --- the real command: environment, file, prompt ------------------------------------------------------

def test_the_command_reads_the_pin_from_the_environment_or_a_file_and_never_prompts_without_a_terminal(
        plant_url, tmp_path, opened):
    env = {k: v for k, v in os.environ.items() if k not in ("CERTLINE_PIN", "CERTLINE_TOKEN")}
    argv = [cli_command(), "cert", "revoke", "cert_mat01", "--user", "sup1", "--reason", "Recall", "--db", plant_url]
    refused = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 6 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("certline-cli: certline-cli acts as sup1 only with their PIN")
    done = subprocess.run(argv, env=env | {"CERTLINE_PIN": PINS["sup1"]}, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    pin_file = private_file(tmp_path, "sup1.pin", PINS["sup1"])
    done = subprocess.run([*argv[:3], "cert_old", *argv[4:], "--pin-file", pin_file], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    with opened(plant_url):
        revoked = entries("cert_revoked")[-2:]
        assert [(e.cert_id, e.user_id, e.auth, e.os_account) for e in revoked] == [
            ("cert_mat01", "sup1", "pin", audit.os_account()), ("cert_old", "sup1", "pin", audit.os_account())]


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX's")
def test_in_a_terminal_the_pin_is_asked_and_not_echoed(plant_url, opened):
    status, seen = converse(["attach", "SN-00001", "cert_mat01", "--user", "op1", "--db", plant_url],
                            [(b"PIN for op1: ", PINS["op1"].encode())])
    assert status == 0 and b"Attached cert_mat01 to SN-00001" in seen
    assert PINS["op1"].encode() not in seen  # getpass turned the echo off
    with opened(plant_url):
        (attached,) = entries("cert_attached")
        assert (attached.user_id, attached.auth) == ("op1", "pin")


def test_a_chain_from_before_schema_0006_still_verifies_with_new_entries_after_it(tmp_path):
    from app.db import write_transaction

    path = tmp_path / "old.sqlite3"
    shutil.copy(Path(__file__).parent.parent / "data" / "schema-0002.sqlite3", path)
    db.open_database(str(path))
    try:
        old = entries()
        assert old and all(e.os_account is None and e.auth is None for e in old)
        with write_transaction():
            audit.record("note", None)
        (new,) = entries()[len(old):]
        assert new.os_account == audit.os_account()
        assert audit.verify().ok
    finally:
        db.close_database()

