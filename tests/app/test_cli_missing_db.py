"""A mistyped database path is said, not answered from an empty database made on the spot."""
from __future__ import annotations

import pytest

from app.cli import main as cli


@pytest.mark.parametrize("argv", [["verify"], ["serial", "SN-00001"], ["certs"], ["attachments", "cert_mat01"]])
def test_a_read_only_command_on_a_missing_file_says_so_and_creates_nothing(tmp_path, capsys, argv):
    missing = tmp_path / "typo" / "plant.sqlite3"
    assert cli([*argv, "--db", str(missing)]) == 4
    assert f"There is no database at {missing}" in capsys.readouterr().err
    assert not (tmp_path / "typo").exists()


def test_init_still_makes_a_new_database(tmp_path, capsys):
    target = tmp_path / "new" / "plant.sqlite3"
    assert cli(["init", "--db", str(target)]) == 0
    assert target.exists()
    assert cli(["verify", "--db", str(target)]) == 0
