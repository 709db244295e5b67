"""The layers as a checked contract: app/ never imports the screens or Qt, ui/ never the database.

What an import-linter ``forbidden`` contract per layer checks (with ``allow_indirect_imports``:
ui/ reaches the database through app/, whose modules import peewee themselves), read from the
source rather than from what one run happened to import: every ``import`` and ``from … import``
anywhere in a file (inside a function, a method, ``if TYPE_CHECKING:`` or a ``try:``). And what
import-linter does not see: ``importlib.import_module("…")`` and ``__import__("…")`` with the
name written out; a dynamic import whose name is not written out cannot be checked, so it is
refused.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.workers import REPO

FORBIDDEN = {
    "app": ("ui", "PySide6", "shiboken6"),
    "ui": ("peewee", "playhouse", "sqlite3", "psycopg", "psycopg2", "psycopg_pool"),
}


@dataclass(frozen=True)
class Imported:
    module: str | None  # None: a dynamic import whose name is not written out
    line: int


def module_name(path: Path) -> tuple[str, bool]:
    """The dotted name of a file under the repository, and whether it is a package's ``__init__``."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if package else parts), package


def _absolute(name: str | None, level: int, module: str, package: bool) -> str:
    """``from ..x import y`` as the module it names, counted from the importing file's package."""
    if level == 0:
        return name or ""
    base = module.split(".") if package else module.split(".")[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _dynamic_name(call: ast.Call) -> str | None | bool:
    """The module a call imports (``None`` if not written out), or False when the call imports nothing."""
    target = call.func
    called = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else None
    if called not in ("import_module", "__import__"):
        return False
    if isinstance(target, ast.Attribute) and not (isinstance(target.value, ast.Name)
                                                  and target.value.id == "importlib"):
        return False  # some other object's import_module, not the standard library's
    first = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "name"), None)
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def imports_of(source: str, module: str, package: bool = False) -> list[Imported]:
    """Every module the source imports, wherever the import stands; ``from a import b`` counts as
    ``a.b`` as well (b may be a module), so ``from app import ui`` would not slip through."""
    found: list[Imported] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Imported(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, module, package)
            if base:
                found.append(Imported(base, node.lineno))
            found += [Imported(f"{base}.{alias.name}" if base else alias.name, node.lineno)
                      for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Call):
            name = _dynamic_name(node)
            if name is not False:
                if isinstance(name, str) and name.startswith("."):
                    dots = len(name) - len(name.lstrip("."))
                    name = _absolute(name[dots:] or None, dots, module, package)
                found.append(Imported(name, node.lineno))
    return found


def violations(layer: str, source: str, module: str, package: bool = False) -> list[str]:
    """What the module imports that its layer forbids, as ``module:line imports name``."""
    banned = FORBIDDEN[layer]
    said = []
    for imported in imports_of(source, module, package):
        if imported.module is None:
            said.append(f"{module}:{imported.line} imports a module whose name is not written out")
        elif imported.module.split(".")[0] in banned:
            said.append(f"{module}:{imported.line} imports {imported.module}")
    return sorted(set(said))


def layer_files(layer: str) -> list[Path]:
    return sorted(p for p in (REPO / layer).rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_imports_what_its_layer_forbids():
    found = []
    for layer in FORBIDDEN:
        for path in layer_files(layer):
            module, package = module_name(path)
            found += violations(layer, path.read_text(encoding="utf-8"), module, package)
    assert found == []


def test_the_walk_reads_every_file_of_both_layers_and_sees_their_real_imports():
    # Guards the test above against passing vacuously: the files are there, and read as imports.
    files = {layer: layer_files(layer) for layer in FORBIDDEN}
    names = {module_name(p)[0] for layer in files.values() for p in layer}
    assert {"app.models", "app.reports", "app.reports.paging", "app.cli", "ui.worker", "ui.office",
            "ui.station"} <= names
    assert all(len(paths) >= 10 for paths in files.values())
    app_models = imports_of((REPO / "app" / "models.py").read_text(encoding="utf-8"), "app.models")
    assert any(i.module == "peewee" for i in app_models)  # allowed in app/, forbidden in ui/
    ui_reads = {i.module for p in files["ui"] for i in imports_of(p.read_text(encoding="utf-8"), *module_name(p))}
    assert any(m and m.startswith("PySide6") for m in ui_reads)  # allowed in ui/, forbidden in app/


BAD_APP = '''
"""Every way a module of app/ could reach the screens or Qt."""
import importlib
from importlib import import_module

import app.models, PySide6.QtCore as qt_core

def late():
    from ui.office import look
    import shiboken6

class Screen:
    def show(self):
        if True:
            from ui import worker
        return importlib.import_module("ui.station.shell")

try:
    from PySide6 import QtWidgets
except ImportError:
    pass

widget = import_module("PySide6.QtGui")
builtin = __import__("shiboken6")
from .. import ui
guess = importlib.import_module(name_from_somewhere)

# Allowed: none of these is the screens or Qt.
import uikit, app.ui_words
from app import reports
text = "import PySide6"
'''


def test_the_checker_catches_every_kind_of_import_in_app():
    assert violations("app", BAD_APP, "app.bad") == sorted([
        "app.bad:6 imports PySide6.QtCore",
        "app.bad:9 imports ui.office", "app.bad:9 imports ui.office.look",
        "app.bad:10 imports shiboken6",
        "app.bad:15 imports ui", "app.bad:15 imports ui.worker",
        "app.bad:16 imports ui.station.shell",
        "app.bad:19 imports PySide6", "app.bad:19 imports PySide6.QtWidgets",
        "app.bad:23 imports PySide6.QtGui",
        "app.bad:24 imports shiboken6",
        "app.bad:25 imports ui",  # app/bad.py's ``..`` is the top of the tree
        "app.bad:26 imports a module whose name is not written out",
    ])


def test_a_relative_import_is_read_from_the_importing_package():
    # app/sub/__init__.py: ``from .. import ui`` is app.ui (allowed); at the top of the tree it would be ui.
    assert violations("app", "from .. import ui\n", "app.sub", package=True) == []
    assert imports_of("from ..office import look\n", "ui.office.look")[0].module == "ui.office"
    assert imports_of("from . import look\n", "ui.office", package=True)[1].module == "ui.office.look"
    assert violations("ui", "import importlib\nimportlib.import_module('.x', __package__)\n", "ui.a") == []


@pytest.mark.parametrize("snippet, line", [
    ("import sqlite3", "ui.bad:1 imports sqlite3"),
    ("def f():\n    import peewee", "ui.bad:2 imports peewee"),
    ("from playhouse.migrate import SqliteMigrator", "ui.bad:1 imports playhouse.migrate"),
    ("class A:\n    def run(self):\n        import psycopg.rows as rows", "ui.bad:3 imports psycopg.rows"),
    ("import importlib\nimportlib.import_module('psycopg')", "ui.bad:2 imports psycopg"),
    ("from importlib import import_module\nimport_module(name='peewee')", "ui.bad:2 imports peewee"),
    ("x = __import__('sqlite3')", "ui.bad:1 imports sqlite3"),
])
def test_the_checker_catches_every_kind_of_database_import_in_ui(snippet, line):
    assert line in violations("ui", snippet, "ui.bad")


def test_what_ui_may_import():
    allowed = "from app import reports, db\nimport app.models\nfrom PySide6.QtCore import Qt\nimport sqlite3x\n"
    assert violations("ui", allowed, "ui.fine") == []
