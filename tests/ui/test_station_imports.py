"""What the station loads before its scan field has the focus: on SQLite, neither the PostgreSQL driver nor
PDF, barcode or HTTP libraries, nor the office's views; the GS1 reader comes just after."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.helpers.workers import REPO

# ui.main as `certline` runs it, reporting the modules loaded at the moment it would print "ready".
AT_READY = """
import json, sys
import ui.main
report = ui.main._report_ready
def snapshot(app, window):
    report(app, window)  # prints "ready" when the scan field has the focus
    print("MODULES " + json.dumps(sorted(sys.modules)), file=sys.stderr, flush=True)
ui.main._report_ready = snapshot
sys.exit(ui.main.main(sys.argv[1:]))
"""
NOT_BEFORE_READY = ("psycopg", "psycopg_binary", "fpdf", "pypdf", "fastapi", "uvicorn", "zxingcpp", "biip")
# QtMultimedia is loaded on purpose before the database worker starts (see ui/station/shell.py).
QT_NOT_BEFORE_READY = ("PySide6.QtPdf", "PySide6.QtPdfWidgets", "PySide6.QtSerialPort")


def test_the_station_on_sqlite_is_ready_without_postgresql_pdf_barcode_http_or_office_modules(station_db, tmp_path):
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", CERTLINE_DATA=str(tmp_path / "data"),
                       CERTLINE_EXIT_WHEN_READY="1")
    done = subprocess.run([sys.executable, "-c", AT_READY, "--db", station_db], capture_output=True, text=True,
                          cwd=REPO, env=environment, timeout=60)
    assert done.returncode == 0 and done.stdout == "ready\n", done.stderr
    modules = set(json.loads(next(line for line in done.stderr.splitlines() if line.startswith("MODULES "))[8:]))
    assert "ui.station" in modules and "peewee" in modules  # the snapshot is of a station that opened its database
    assert {name for name in modules if name.split(".")[0] in NOT_BEFORE_READY} == set()
    assert not modules & set(QT_NOT_BEFORE_READY)
    # ui/office/__init__.py and its look come with the station's tabs; a view's module only with its user.
    assert {name for name in modules if name.startswith("ui.office.")} == {"ui.office.look"}
