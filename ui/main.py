"""``certline``: the operator station on the default database, ``--db`` or ``CERTLINE_DB``."""
from __future__ import annotations

import argparse
import faulthandler
import gc
import logging
import logging.handlers
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

# Python's collector walks the objects made so far each time a few hundred more were made: the station's start
# makes some hundred thousand (modules, classes, Qt's enums) and frees few, so it ran some sixty times for nothing
# (~10 ms). It is off while these imports load (on again at the end of this module) and in main() until the
# station is ready.
_collecting = gc.isenabled()
gc.disable()

from app import psycopg_later  # noqa: E402

psycopg_later.defer()  # before anything imports peewee: a station on SQLite never loads psycopg

# The core's modules that open the database and sign in come before PySide: once PySide is imported, it
# reads the source of every module imported after it (looking for "PySide6", for its __feature__
# switches), ~10 ms of the start for these alone.
from app import __version__ as app_version  # noqa: E402
from app.db import data_dir, describe, resolve_url  # noqa: E402
from app.errors import CertlineError  # noqa: E402
from ui import operations  # noqa: E402 - what the station's database worker runs, and the first-run question

from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from ui import resources  # noqa: E402
from ui.settings import APPLICATION, ORGANIZATION, InstallSettings, StationSettings  # noqa: E402
from ui.single_instance import StationServer, ask_running_station_to_show, instance_name, lock_for  # noqa: E402

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox  # its Python class made when a message is shown, not at each start

log = logging.getLogger("certline")
_fault_log = None  # kept open for faulthandler for the life of the process
NO_DISPLAY = ("No display: certline needs a desktop session (DISPLAY or WAYLAND_DISPLAY); "
              "certline-cli works without one.")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="certline", description="Certline operator station")
    parser.add_argument("--db", help="database: a SQLite file path or a postgresql:// URL "
                                     "(default: CERTLINE_DB, else the file in the user data directory)")
    parser.add_argument("--fullscreen", action="store_true", help="open full screen (a line workstation)")
    parser.add_argument("--size", default="1280x800", help="window size WIDTHxHEIGHT when not full screen")
    parser.add_argument("--demo", action="store_true",
                        help="fill a database that has nobody in it with the demo plant, then open it")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help="how much the log file records (default INFO)")
    parser.add_argument("--version", action="version", version=f"certline {app_version}")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation (database, rules, audit chain, the station's window) "
                             "in a temporary folder, then exit; the plant's database is not touched")
    return parser.parse_args(argv)


def no_display() -> bool:
    """Linux without a desktop session to draw on, and no Qt platform chosen: Qt would abort (status 134)
    naming a library (xcb-cursor0) that is not what is missing."""
    return (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"))


def self_test() -> int:
    """The core's self-test, then the station built on a throwaway database. 0 when all is well."""
    import tempfile

    from PySide6.QtCore import QDeadlineTimer, QEventLoop

    from app.selftest import run_self_test

    # The station's window is built and checked, never looked at: it needs no screen, unless one is asked for.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    ok = run_self_test(print)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from ui.station import StationWindow

    with tempfile.TemporaryDirectory(prefix="certline-station-test-") as folder:
        window = StationWindow(str(Path(folder) / "station.sqlite3"), StationSettings(sounds=False))
        opened: list[str] = []
        window.database_opened.connect(opened.append)
        window.resize(1280, 800)
        window.show()
        deadline = QDeadlineTimer(10_000)
        while not opened and not deadline.hasExpired():
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        station_ok = bool(opened) and bool(window.styleSheet())
        window.close()
    print(f"station: {'ok' if station_ok else 'FAILED'}")
    from ui.sound import SOUNDS

    resources_ok = (bool(resources.stylesheet("station")) and not resources.icon("certline").isNull()
                    and all(resources.sound(name) is not None for name in SOUNDS))
    print(f"resources: {'ok' if resources_ok else 'MISSING (style sheet, icon or sounds)'}")
    return 0 if ok and station_ok and resources_ok else 1


def setup_logging(level: str = "INFO") -> Path:
    """A rotating log file and faulthandler in the data directory; never writes to a missing stderr."""
    global _fault_log
    folder = data_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(folder / "certline.log", maxBytes=2_000_000, backupCount=5,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    _fault_log = open(folder / "faults.log", "a", encoding="utf-8")  # noqa: SIM115 (kept open on purpose)
    faulthandler.enable(_fault_log)
    return folder


_open_dialogs: list[QMessageBox] = []


def _excepthook(kind, value, tb) -> None:
    """Log an unexpected error and say so plainly; the window stays open.

    Committed work is already in the database (every attach is one transaction), so
    nothing the operator saw confirmed is lost; the failed action simply did not happen.
    """
    log.error("unhandled error:\n%s", "".join(traceback.format_exception(kind, value, tb)))
    if QApplication.instance() is None:
        return
    from PySide6.QtWidgets import QMessageBox

    where = data_dir() / "logs" / "certline.log"
    box = QMessageBox(QMessageBox.Icon.Critical, "Certline",
                      f"Something went wrong; the details are saved in {where}.\n\n"
                      "What was confirmed on screen is saved. Please try the last step again, "
                      "and tell your supervisor if it happens again.")
    box.setObjectName("crashDialog")
    box.setModal(False)
    box.finished.connect(lambda _=0, b=box: _open_dialogs.remove(b) if b in _open_dialogs else None)
    _open_dialogs.append(box)  # non-modal and kept: the event loop, and the station, go on
    box.show()


def prepare_database(url: str, demo_requested: bool, before_dialog=lambda: None) -> bool:
    """Open and migrate the database; first run asks how to begin. False: do not start.

    Plain messages, no stack trace, for a database that cannot be opened or is too new.
    ``before_dialog`` is called before either dialog shows (the station answers second starts then).
    """
    from app import db

    try:
        db.open_database(url)
        try:
            if operations.needs_first_run():
                if demo_requested:
                    from app import demo

                    demo.fill_demo()
                else:
                    from ui.first_run import FirstRunDialog

                    before_dialog()
                    if FirstRunDialog(describe(url)).exec() != FirstRunDialog.DialogCode.Accepted:
                        return False
        finally:
            db.close_database()
    except CertlineError as error:
        if can_start_offline(url, error):
            log.warning("the database %s is unreachable (%s): starting offline from this station's cache",
                        describe(url), error.message)
            return True
        log.error("cannot start on %s: %s", describe(url), error.message)
        from PySide6.QtWidgets import QMessageBox

        before_dialog()
        QMessageBox.critical(None, "Certline", error.message)
        return False
    return True


def can_start_offline(url: str, error: Exception) -> bool:
    """The database cannot be reached, but this station has worked on it and keeps a cache: it starts
    offline (ui/station/offline.py) and sends its queue when the database is back."""
    from app.connection import is_connection_lost
    from app.station_cache import StationCache, cache_file

    return is_connection_lost(error) and StationCache.has_data(cache_file(url))


def _report_ready(app: QApplication, window) -> None:
    app.processEvents()
    if window.scan_field.hasFocus() and sys.stdout is not None:
        print("ready", flush=True)
    app.quit()


def main(argv: list[str] | None = None) -> int:
    collecting = gc.isenabled()
    gc.disable()  # until the station is ready (see the top of this module), or this returns
    try:
        return _run(argv, collecting)
    finally:
        if collecting:
            gc.enable()


def _run(argv: list[str] | None, collecting: bool) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        return self_test()
    if no_display():
        if sys.stderr is not None:
            print(NO_DISPLAY, file=sys.stderr)
        return 1
    setup_logging(args.log_level)
    sys.excepthook = _excepthook
    QApplication.setOrganizationName(ORGANIZATION)
    QApplication.setApplicationName(APPLICATION)
    QGuiApplication.setDesktopFileName("certline")
    app = QApplication.instance() or QApplication(sys.argv[:1])

    def show_icon() -> None:
        """The taskbar's icon: once the station is ready, or before a dialog on its way there (the SVG icon
        engine takes a few ms that the first screen does not need; the desktop file names the icon meanwhile)."""
        app.setWindowIcon(resources.icon("certline"))

    install = InstallSettings.load()
    if install.documents_folder and not os.environ.get("CERTLINE_DOCUMENTS"):
        os.environ["CERTLINE_DOCUMENTS"] = install.documents_folder
    # --db, then CERTLINE_DB, then the administrator's setting, then the data directory.
    url = resolve_url(args.db or os.environ.get("CERTLINE_DB") or install.database_url or None)
    # One station per workstation and database: a second start brings the first to the front.
    lock = lock_for(url)
    lock.setStaleLockTime(0)
    if not lock.tryLock(100):
        if ask_running_station_to_show(instance_name(url)):
            log.info("the station on %s is already open on this computer: brought it to the front", describe(url))
            return 0
        log.warning("the station on %s is already open on this computer and does not answer", describe(url))
        from PySide6.QtWidgets import QMessageBox

        show_icon()
        QMessageBox.warning(None, "Certline", f"The station is already open on {describe(url)} on this computer.")
        return 1
    server: StationServer | None = None

    def answer_second_starts(window: QWidget | None = None) -> None:
        """Listen for second starts (once the station is ready, or before a dialog on the way); ``window``
        is what comes to the front."""
        nonlocal server
        if server is None:
            server = StationServer(instance_name(url))
        server.window = window

    def before_dialog() -> None:
        show_icon()
        answer_second_starts()

    if not prepare_database(url, args.demo, before_dialog=before_dialog):
        lock.unlock()
        return 1
    from ui.station import StationWindow  # after QApplication: the window builds widgets

    settings = StationSettings.load()
    log.info("station on %s with %s", describe(url), settings)
    window = StationWindow(url, settings)
    if collecting:
        window.after_ready.add(gc.enable)
    window.after_ready.add(show_icon)
    window.after_ready.add(lambda: answer_second_starts(window))
    if settings.serial_port:  # QtSerialPort only where a scanner is on a serial port
        from ui.serial_scanner import start_serial_scanner

        start_serial_scanner(window)
    if args.fullscreen:
        window.showFullScreen()
    else:
        try:
            width, height = (int(n) for n in args.size.lower().split("x"))
        except ValueError:
            width, height = 1280, 800
        screen = app.primaryScreen()
        if screen is not None:
            available = screen.availableGeometry()
            width, height = min(width, available.width()), min(height, available.height())
        window.resize(width, height)
        window.show()
    window.activateWindow()
    window.scan_field.setFocus()
    if os.environ.get("CERTLINE_EXIT_WHEN_READY"):
        # For the start-up benchmark: say when the scan field has the focus, then leave.
        window.database_opened.connect(lambda _description: _report_ready(app, window))
    status = app.exec()
    if server is not None:
        server.close()
    lock.unlock()
    return status


if _collecting:
    gc.enable()

if __name__ == "__main__":
    sys.exit(main())
