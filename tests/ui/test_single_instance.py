"""A second start on the same database brings the running station to the front and exits quietly."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from ui.single_instance import StationServer, instance_name, lock_for

ROOT = Path(__file__).resolve().parents[2]
ASK = ("import sys; from PySide6.QtCore import QCoreApplication; app = QCoreApplication([]); "
       "from ui.single_instance import ask_running_station_to_show as ask; sys.exit(0 if ask(sys.argv[1], 2000) else 3)")


def environment(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", CERTLINE_DATA=str(tmp_path / "data"))


def test_the_name_follows_the_database():
    assert instance_name("/plant/a.sqlite3") == instance_name("/plant/a.sqlite3")
    assert instance_name("/plant/a.sqlite3") != instance_name("/plant/b.sqlite3")
    assert Path(lock_for("/plant/a.sqlite3").fileName()).name == instance_name("/plant/a.sqlite3") + ".lock"


# The tests' offscreen platform has no window stacking to raise a window in; the real ones do.
@pytest.mark.qt_log_ignore(r"^This plugin does not support raise\(\)$")
def test_a_request_raises_a_minimised_window(qtbot, tmp_path):
    window = QWidget()
    qtbot.addWidget(window)
    window.showMinimized()
    name = f"certline-test-{os.getpid()}-{tmp_path.name}"
    server = StationServer(name)
    server.window = window
    try:
        with qtbot.waitSignal(server.shown, timeout=10_000):
            asking = subprocess.Popen([sys.executable, "-c", ASK, name], cwd=ROOT, env=environment(tmp_path))
        qtbot.waitUntil(lambda: asking.poll() is not None, timeout=10_000)
        assert asking.returncode == 0  # the second process heard that the first came to the front
        assert not window.isMinimized() and window.isVisible()
    finally:
        server.close()


def test_nobody_listening_is_a_plain_no(qapp, tmp_path):
    done = subprocess.run([sys.executable, "-c", ASK, f"certline-test-nobody-{os.getpid()}"], cwd=ROOT,
                          env=environment(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 3 and done.stderr == ""


@pytest.mark.slow
def test_a_second_certline_on_the_same_database_exits_0_and_the_first_comes_to_the_front(tmp_path):
    database = tmp_path / "plant.sqlite3"
    command = [sys.executable, "-m", "ui.main", "--db", str(database), "--demo", "--size", "1024x768"]
    log = tmp_path / "data" / "logs" / "certline.log"
    errors = tmp_path / "first.stderr"
    with errors.open("w") as stderr:
        first = subprocess.Popen(command, cwd=ROOT, env=environment(tmp_path), stdout=subprocess.DEVNULL,
                                 stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        while "station on" not in (log.read_text() if log.exists() else ""):
            assert first.poll() is None, errors.read_text()
            assert time.monotonic() < deadline, "the first station did not start"
            time.sleep(0.1)
        second = subprocess.run(command, cwd=ROOT, env=environment(tmp_path), capture_output=True, text=True,
                                timeout=60)
        assert second.returncode == 0 and second.stdout == "" and second.stderr == ""
        text = log.read_text()
        assert "is already open on this computer: brought it to the front" in text
        assert "a second start on this database: brought the station to the front" in text
        assert first.poll() is None  # the first station runs on
    finally:
        first.terminate()
        first.wait(timeout=30)
    assert "Traceback" not in errors.read_text()
