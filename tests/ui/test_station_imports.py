"""What the station loads before its scan field has the focus, and what waits until it is ready: on SQLite,
neither the PostgreSQL driver nor PDF, barcode or HTTP libraries, nor the office's views, nor what only the
PIN and work pages, the sounds, the offline store or a second start need; those come just after, and the
sounds' libraries load safely beside the database worker's imports."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from PySide6.QtCore import Qt

from app import db as app_db
from app import label_layout
from app.models import AuditEntry
from PySide6.QtWidgets import QLabel, QWidget

from tests.helpers.workers import REPO
from ui.card import PLACEHOLDER
from ui.settings import DEFAULT_LABEL_SIZE, StationSettings
from ui.single_instance import StationServer
from ui.station import StationWindow
from ui.widgets import WORD_WRAP, set_by_name

TIMEOUT = 5000
# ui.main as `certline` runs it, reporting the modules loaded at the moment it would print "ready".
AT_READY = """
import json, sys
import PySide6.QtCore
import ui.main
report = ui.main._report_ready
def snapshot(app, window):
    def quit():  # after "ready" is printed, before the window closes
        print("MODULES " + json.dumps(sorted(sys.modules)), file=sys.stderr, flush=True)
        # PySide makes Qt's namespace (every enum in it, ~15 ms) the first time Python touches it.
        print("QT_NAMESPACE " + json.dumps("Qt" in vars(PySide6.QtCore)), file=sys.stderr, flush=True)
        type(app).quit()
    app.quit = quit
    report(app, window)  # prints "ready" when the scan field has the focus
ui.main._report_ready = snapshot
sys.exit(ui.main.main(sys.argv[1:]))
"""
NOT_BEFORE_READY = ("psycopg", "psycopg_binary", "fpdf", "pypdf", "fastapi", "uvicorn", "zxingcpp", "biip")
QT_NOT_BEFORE_READY = ("PySide6.QtMultimedia", "PySide6.QtNetwork", "PySide6.QtPdf", "PySide6.QtPdfWidgets",
                       "PySide6.QtSerialPort")
# The demo plant (only for --demo on an empty database), the PIN page, the work page with its card and the
# core's records behind it, the offline queue and cache: built or opened on first use, or once ready.
OURS_NOT_BEFORE_READY = ("app.demo", "ui.pin_pad", "ui.card", "ui.route_strip", "app.serials", "app.attachments",
                         "app.certificates", "app.offline_queue", "app.station_cache", "app.label_layout")

# The sounds loading while another thread imports compiled modules, with a Python Qt message handler
# installed (pytest-qt has one; the station had one for QtMultimedia's chatter): that deadlocked on the
# library loader's lock and the GIL. Prints how many Qt messages reached Python while they loaded.
SOUNDS_BESIDE_IMPORTS = """
import faulthandler, glob, importlib, os, sys, threading
faulthandler.dump_traceback_later(30, exit=True)  # a deadlock: stacks on stderr, and out
from PySide6.QtCore import qInstallMessageHandler
from PySide6.QtWidgets import QApplication
app = QApplication([])
heard = []
qInstallMessageHandler(lambda kind, context, message: heard.append(message))
from ui.sound import Sounds
folder = os.path.join(os.path.dirname(os.__file__), "lib-dynload")
compiled = [os.path.basename(path).split(".")[0] for path in sorted(glob.glob(os.path.join(folder, "*.so")))]
go = threading.Event()
def importing():
    go.wait()
    for name in compiled:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
thread = threading.Thread(target=importing)
thread.start()
go.set()
sounds = Sounds(enabled=True)
sounds.load()
thread.join()
print("loaded", len(heard), sounds.loaded)
"""
ASK = ("import sys; from PySide6.QtCore import QCoreApplication; app = QCoreApplication([]); "
       "from ui.single_instance import ask_running_station_to_show as ask; "
       "sys.exit(0 if ask(sys.argv[1], 10000) else 3)")


def test_the_station_on_sqlite_is_ready_without_postgresql_pdf_barcode_http_office_modules_or_qt_namespace(
        station_db, tmp_path):
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", CERTLINE_DATA=str(tmp_path / "data"),
                       CERTLINE_EXIT_WHEN_READY="1")
    done = subprocess.run([sys.executable, "-c", AT_READY, "--db", station_db], capture_output=True, text=True,
                          cwd=REPO, env=environment, timeout=60)
    assert done.returncode == 0 and done.stdout == "ready\n", done.stderr
    modules = set(json.loads(next(line for line in done.stderr.splitlines() if line.startswith("MODULES "))[8:]))
    assert "QT_NAMESPACE false" in done.stderr.splitlines()
    assert "ui.station" in modules and "peewee" in modules  # the snapshot is of a station that opened its database
    assert {name for name in modules if name.split(".")[0] in NOT_BEFORE_READY} == set()
    assert not modules & set(QT_NOT_BEFORE_READY)
    assert not modules & set(OURS_NOT_BEFORE_READY)
    # The office's registry, look and views come with the first user who signs in.
    assert {name for name in modules if name.startswith("ui.office")} == set()
    assert "app.changes" not in modules  # the live card's change feed starts once the station is ready


def test_the_pages_sounds_and_live_card_come_once_the_station_is_ready(qtbot, station_db):
    window = StationWindow(station_db, StationSettings(sounds=True))
    qtbot.addWidget(window)
    assert window.page == "signin" and set(window._pages) == {"signin"}
    assert not window.sounds.loaded and window.live_card.watcher is None
    with qtbot.waitSignal(window.database_opened, timeout=TIMEOUT):
        window.show()
    qtbot.waitUntil(lambda: window.sounds.loaded and set(window._pages) == {"signin", "pin", "work"}
                    and window.live_card.watcher is not None, timeout=TIMEOUT)
    assert window.page == "signin" and window.focusWidget() is window.scan_field
    assert not window.scan_field.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled)
    window.shutdown()


def test_what_the_start_names_without_importing_it_is_what_qt_and_the_labels_call_it():
    assert DEFAULT_LABEL_SIZE == str(label_layout.DEFAULT_SIZE) == StationSettings().label_size
    assert StationSettings(label_size=" 62 x 29 mm").label_size == "62x29"  # another size is still checked
    assert StationSettings(label_size="huge").label_size == DEFAULT_LABEL_SIZE
    assert WORD_WRAP == Qt.TextFlag.TextWordWrap.value
    label = QLabel()
    set_by_name(label, "textFormat", "PlainText")
    set_by_name(label, "alignment", "AlignVCenter|AlignLeft")
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.alignment() == Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
    with pytest.raises(ValueError, match="textFormat cannot be 'Plain'"):
        set_by_name(label, "textFormat", "Plain")


def test_a_badge_scanned_the_moment_the_database_opens_signs_in_before_the_pages_are_built(qtbot, station_db):
    window = StationWindow(station_db, StationSettings(sounds=False))
    qtbot.addWidget(window)
    typed: list[set[str]] = []

    def scan_at_once(_description: str) -> None:  # in the same turn of the event loop as "ready"
        typed.append(set(window._pages))
        qtbot.keyClicks(window.scan_field, "B-OP1")
        qtbot.keyClick(window.scan_field, Qt.Key.Key_Return)

    window.database_opened.connect(scan_at_once)
    with qtbot.waitSignal(window.pin_requested, timeout=TIMEOUT):
        window.show()
        window.scan_field.setFocus()
    assert typed == [{"signin"}]  # scanned before the after-ready work built any other page
    assert window.focusWidget() is window.pin_field
    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT):
        qtbot.keyClicks(window.pin_field, "1234")
        qtbot.keyClick(window.pin_field, Qt.Key.Key_Return)
    assert window.page == "work"
    window.shutdown()
    app_db.open_database(station_db)
    logins = [(entry.user_id, entry.type) for entry in AuditEntry.select().where(AuditEntry.type == "user_login")]
    app_db.close_database()
    assert logins == [("op1", "user_login")]


def test_a_part_of_a_page_not_built_yet_builds_it(qtbot, station_db):
    window = StationWindow(station_db, StationSettings(sounds=False))
    qtbot.addWidget(window)
    assert "work" not in window._pages
    assert window.card.placeholder.text() == PLACEHOLDER  # built on the spot, empty
    assert "work" in window._pages and window.page == "signin"
    window.shutdown()


def test_the_sounds_load_beside_a_thread_importing_compiled_modules_without_qt_calling_python(tmp_path):
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", CERTLINE_DATA=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-c", SOUNDS_BESIDE_IMPORTS], capture_output=True, text=True, cwd=REPO,
                          env=environment, timeout=60)
    assert done.returncode == 0, done.stderr  # 1 with every thread's stack: the deadlock
    assert done.stdout == "loaded 0 True\n", done.stdout  # QtMultimedia's warnings reached no Python handler


@pytest.mark.qt_log_ignore(r"^This plugin does not support raise\(\)$")  # the offscreen platform's
def test_a_second_start_while_the_first_is_starting_waits_for_it_to_listen(qtbot, tmp_path):
    name = f"certline-test-starting-{os.getpid()}"
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", CERTLINE_DATA=str(tmp_path / "data"))
    window = QWidget()
    qtbot.addWidget(window)
    asking = subprocess.Popen([sys.executable, "-c", ASK, name], cwd=REPO, env=environment)
    time.sleep(1.0)  # the second start asks before the first listens (as when both start at once)
    server = StationServer(name)
    server.window = window
    try:
        with qtbot.waitSignal(server.shown, timeout=10_000):
            pass
        qtbot.waitUntil(lambda: asking.poll() is not None, timeout=10_000)
        assert asking.returncode == 0  # answered once the first listened, not "nobody answers" at once
    finally:
        if asking.poll() is None:
            asking.kill()
        server.close()
