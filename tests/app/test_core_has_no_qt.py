"""The core (app/) is a library the GUI, the CLI and the tests share: importing it must not pull in Qt."""
import json
import subprocess
import sys

from tests.helpers.workers import REPO

PROBE = """
import importlib, json, pkgutil, sys
import app
names = sorted(m.name for m in pkgutil.walk_packages(app.__path__, "app."))
for name in names:
    importlib.import_module(name)
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6"))
print(json.dumps({"modules": names, "qt": qt}))
"""


def test_importing_every_module_of_the_core_loads_no_qt():
    # A fresh interpreter: this test process may have Qt loaded by the GUI tests.
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"app.db", "app.models", "app.attachments", "app.certificates", "app.serials", "app.audit",
            "app.users", "app.routes"} <= set(report["modules"])
    assert report["qt"] == []


def test_the_probe_would_see_qt():
    # Guards the test above against passing vacuously: the same check does see Qt when it is loaded.
    probe = ("import json, sys, PySide6.QtCore; "
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith('PySide6'))))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "PySide6.QtCore" in json.loads(done.stdout)
