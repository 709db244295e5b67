"""certline-cli run in-process, and the plant it is tried on (tests/data/plant.json, every user with a PIN)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import cli

PLANT = Path(__file__).parent.parent / "data" / "plant.json"
PIN = "246813"  # every user of the imported plant; a command that writes proves its --user with it (CERTLINE_PIN)


def run(capsys, db_url: str, *argv: str) -> tuple[int, str, str]:
    """Exit status, standard output and standard error of one command on ``db_url``."""
    code = cli.main([*argv, "--db", db_url])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def imported(capsys, db_url, tmp_path, monkeypatch):
    """The plant imported by its own first administrator; CERTLINE_PIN set for the commands that follow."""
    plant = json.loads(PLANT.read_text())
    for user in plant["users"]:
        user["pin"] = PIN
    with_pins = tmp_path / "plant-with-pins.json"
    with_pins.write_text(json.dumps(plant))
    code, _, err = run(capsys, db_url, "import", str(with_pins), "--user", "admin")  # the first user: no PIN yet
    assert (code, err) == (0, ""), err
    monkeypatch.setenv("CERTLINE_PIN", PIN)  # subprocesses inherit it too
    return db_url
