"""The ``certline`` command: its version, its self-test, and that it never touches the plant's database then."""
import os
import subprocess
import sys

import app
from ui.main import parse_args


def run(*args: str, tmp_path) -> subprocess.CompletedProcess:
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", CERTLINE_DATA=str(tmp_path / "data"))
    return subprocess.run([sys.executable, "-m", "ui.main", *args], env=environment, capture_output=True,
                          text=True, timeout=120)


def test_version(tmp_path):
    done = run("--version", tmp_path=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == f"certline {app.__version__}"


def test_self_test_builds_the_station_on_a_throwaway_database(tmp_path):
    done = run("--self-test", tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "audit chain: intact" in done.stdout and "station: ok" in done.stdout
    assert not (tmp_path / "data" / "certline.sqlite3").exists()


def test_arguments():
    args = parse_args(["--db", "/tmp/x.sqlite3", "--fullscreen"])
    assert (args.db, args.fullscreen, args.size, args.self_test) == ("/tmp/x.sqlite3", True, "1280x800", False)
