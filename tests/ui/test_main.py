"""The ``certline`` command: its version, its self-test, and that it never touches the plant's database then."""
import os
import subprocess
import sys

import pytest

import app
from ui.main import NO_DISPLAY, parse_args


def run(*args: str, tmp_path, display: bool = True) -> subprocess.CompletedProcess:
    """``certline ARGS`` in a child process; ``display=False``: as on a machine without a desktop session
    (no DISPLAY, WAYLAND_DISPLAY nor QT_QPA_PLATFORM)."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", CERTLINE_DATA=str(tmp_path / "data"))
    if not display:
        for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
            environment.pop(name, None)
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


def test_the_self_test_needs_no_display(tmp_path):
    done = run("--self-test", tmp_path=tmp_path, display=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "station: ok" in done.stdout and "xcb" not in done.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY and WAYLAND_DISPLAY are Linux's")
def test_the_station_without_a_display_says_so_in_one_sentence(tmp_path):
    plant = tmp_path / "plant.sqlite3"
    done = run("--db", str(plant), tmp_path=tmp_path, display=False)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", NO_DISPLAY + "\n")
    assert NO_DISPLAY == ("No display: certline needs a desktop session (DISPLAY or WAYLAND_DISPLAY); "
                          "certline-cli works without one.")
    assert not plant.exists() and not (tmp_path / "data" / "certline.sqlite3").exists()  # nothing opened
