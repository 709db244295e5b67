"""certline-cli pack, end to end: make (signed with the user's PIN), verify on its own and with --db, list.

The plant of tests/helpers/pack.py, built once for the module and closed: each command opens it by --db,
as a script would.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import db as app_db
from tests.helpers.cli import run
from tests.helpers.pack import GAPS_JOB, JOB, SUPERVISOR_PIN, build_pack_plant

MAKE = ("pack", "make", "--plant", "Werk Nord", "--customer", "Acme Aerospace", "--order", "PO-77")


@pytest.fixture(scope="module")
def plant_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("pack-cli") / "certline.sqlite3"
    app_db.open_database(str(path))
    build_pack_plant(4)
    app_db.close_database()
    return str(path)


def test_make_verify_and_list_from_the_command_line(plant_db, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CERTLINE_PIN", SUPERVISOR_PIN)
    out = tmp_path / "pack.pdf"
    code, stdout, err = run(capsys, plant_db, *MAKE, "--job", JOB, "--out", str(out), "--user", "sup1", "--json")
    assert (code, err) == (0, "")
    made = json.loads(stdout)
    assert made["serialCount"] == 4 and made["signedBy"] == "Sam Supervisor" and made["gaps"] == []
    code, stdout, err = run(capsys, plant_db, "pack", "verify", str(out))
    assert (code, err) == (0, "") and stdout.startswith(f"OK: {out} (sha256 {made['sha256']})")
    code, stdout, _ = run(capsys, plant_db, "pack", "verify", str(out), "--json")
    assert code == 0 and json.loads(stdout)["made"]["fileSha256"] == made["sha256"]
    code, stdout, _ = run(capsys, plant_db, "pack", "list")
    assert code == 0 and "Acme Aerospace, order PO-77  4 serials (job JOB-1)  by Sam Supervisor" in stdout
    assert made["sha256"] in stdout
    data = bytearray(out.read_bytes())
    data[data.index(b"Final inspection report IR-0001 - page 1 of 2") + 10] ^= 0x20
    (tmp_path / "changed.pdf").write_bytes(bytes(data))
    code, stdout, _ = run(capsys, plant_db, "pack", "verify", str(tmp_path / "changed.pdf"))
    assert code == 3
    assert "problem: Page" in stdout
    assert "of document D1, inspection-IR0001.pdf of certificate “Final inspection report” (IR-0001)" in stdout


def test_gaps_without_a_reason_an_operator_and_a_listed_serial(plant_db, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CERTLINE_PIN", SUPERVISOR_PIN)
    out = tmp_path / "gaps.pdf"
    code, stdout, err = run(capsys, plant_db, *MAKE, "--job", GAPS_JOB, "--out", str(out), "--user", "sup1")
    assert code == 3 and stdout == ""
    assert "This pack has 2 gaps" in err and "no Inspection certificate attached for serial GS-00001" in err
    assert not out.exists()
    code, stdout, err = run(capsys, plant_db, *MAKE, "--job", GAPS_JOB, "--out", str(out), "--user", "sup1",
                            "--reason", "Report follows")
    assert code == 0 and "Made with gaps" in stdout and out.exists()
    monkeypatch.setenv("CERTLINE_PIN", "1234")
    code, _, err = run(capsys, plant_db, *MAKE, "--job", JOB, "--out", str(tmp_path / "op.pdf"), "--user", "op1")
    assert code == 3 and "op1 (operator) may not make conformance packs" in err
    serials = tmp_path / "shipment.txt"
    serials.write_text("SN-00002\n\nSN-00001\n")
    monkeypatch.setenv("CERTLINE_PIN", SUPERVISOR_PIN)
    code, stdout, err = run(capsys, plant_db, *MAKE, "--serials", str(serials), "--out", str(tmp_path / "s.pdf"),
                            "--user", "sup1", "--preview")
    assert (code, err) == (0, "") and stdout.startswith("2 serials (2 listed serials), 3 certificates")
    assert not Path(tmp_path / "s.pdf").exists()


def test_making_a_pack_with_a_token_but_no_pin_says_signing_it_takes_the_pin(plant_db, capsys, tmp_path,
                                                                              monkeypatch):
    from app import tokens

    app_db.open_database(plant_db)
    try:
        _, secret = tokens.create_token("sup1", "Shipping desk", "admin")
    finally:
        app_db.close_database()
    monkeypatch.delenv("CERTLINE_PIN", raising=False)
    monkeypatch.setenv("CERTLINE_TOKEN", secret)
    code, stdout, err = run(capsys, plant_db, *MAKE, "--job", JOB, "--out", str(tmp_path / "p.pdf"))
    assert code != 0 and stdout == ""
    assert "Signing the pack is a signature: it takes sup1's PIN as well as the token" in err, err
    assert not (tmp_path / "p.pdf").exists()
