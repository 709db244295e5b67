"""What one certline-cli call loads: a command loads its own module and no other's, psycopg comes only with a
PostgreSQL database, and peewee is handed psycopg as its own import would have (app/psycopg_later.py)."""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import psycopg_later
from tests.helpers.cli import imported  # noqa: F401 - a fixture
from tests.helpers.workers import REPO

# Libraries a serial read on SQLite has no use for: the PostgreSQL driver, PDF writing and reading (pack,
# labels, documents), the barcode writer, the HTTP server.
UNNEEDED = ("psycopg", "psycopg_binary", "fpdf", "pypdf", "zxingcpp", "fastapi", "uvicorn", "biip")
CALLS = """
import json, sys
import app.cli
codes = [app.cli.main(json.loads(argv)) for argv in sys.argv[1:]]
print("RESULT " + json.dumps({"codes": codes, "modules": sorted(sys.modules)}), file=sys.stderr)
"""
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
POSTGRES = pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


def cli_process(db_url: str, *calls: list[str]) -> tuple[list[int], set[str], str]:
    """Exit statuses of ``calls`` made by one fresh ``import app.cli``, the modules it ended with, its output."""
    done = subprocess.run([sys.executable, "-c", CALLS, *(json.dumps([*argv, "--db", db_url]) for argv in calls)],
                          capture_output=True, text=True, cwd=REPO, env=os.environ, timeout=60)
    result = [line for line in done.stderr.splitlines() if line.startswith("RESULT ")]
    assert result, done.stderr
    found = json.loads(result[-1].removeprefix("RESULT "))
    return found["codes"], set(found["modules"]), done.stdout


@SQLITE
def test_reading_a_serial_on_sqlite_loads_neither_psycopg_nor_pdf_nor_the_server(imported):  # noqa: F811
    codes, modules, out = cli_process(imported, ["serial", "SN-00001"])
    assert codes == [0]
    assert out.startswith("SN-00001  in_progress  job JOB-")
    assert {name for name in modules if name.split(".")[0] in UNNEEDED} == set()
    # The command's own module was loaded, and other commands' were not.
    assert "app.cli.floor" in modules
    assert not {"app.cli.pack", "app.cli.labels", "app.cli.certs", "app.cli.exports", "app.cli.webhooks",
                "app.cli.admin"} & modules


@POSTGRES
def test_on_postgresql_psycopg_comes_with_the_database_and_writes_and_reads_work(imported):  # noqa: F811
    codes, modules, out = cli_process(imported, ["attach", "SN-00001", "cert_mat01", "--user", "op1"],
                                      ["serial", "SN-00001", "--json"], ["attach", "SN-00001", "cert_mat01",
                                                                         "--user", "op1"])
    assert codes == [0, 0, 0], out
    attached, rest = out.split("\n", 1)
    assert attached.startswith("Attached cert_mat01 to SN-00001 at ")
    detail, again = rest.rsplit("\n", 2)[0], rest.rsplit("\n", 2)[1]
    assert "cert_mat01" in json.dumps(json.loads(detail)["steps"])
    assert again.startswith("Already attached: cert_mat01 on SN-00001")
    assert "psycopg" in modules and "fpdf" not in modules


LOADED = """
import json, sys
import peewee, playhouse.postgres_ext
from app import psycopg_later
hidden = peewee.psycopg is None and "psycopg" not in sys.modules
handle = peewee.PostgresqlDatabase("postgresql://nobody@127.0.0.1:1/none")  # never connected
import psycopg, psycopg.pq, psycopg.types.json
bound = {f"{module}.{name}": getattr(sys.modules[module], name) is eval(source, {"psycopg": psycopg})
         for module, names in psycopg_later.BOUND.items() for name, source in names.items()}
bound.update({f"Psycopg3Adapter.{name}": getattr(peewee.Psycopg3Adapter, name) == eval(
    source, {"TransactionStatus": psycopg.pq.TransactionStatus}) for name, source in psycopg_later.ADAPTER_BOUND.items()})
print(json.dumps({"hidden": hidden, "adapter": type(handle._adapter).__name__, "bound": bound}))
"""


def test_the_first_postgresql_database_hands_peewee_psycopg():
    # No server needed: making the database object is what loads the driver.
    done = subprocess.run([sys.executable, "-c", "import app.cli\n" + LOADED], capture_output=True, text=True,
                          cwd=REPO, timeout=60, check=True)
    found = json.loads(done.stdout)
    assert found["hidden"], "peewee was imported with psycopg: nothing was deferred"
    assert found["adapter"] == "Psycopg3Adapter"
    assert found["bound"] and all(found["bound"].values()), found["bound"]


def _import_time(body: list[ast.stmt], in_class: str | None = None):
    """(statement, class it stands in) for what runs at import: module level and class bodies, not functions."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        yield node, in_class
        inner = node.name if isinstance(node, ast.ClassDef) else in_class
        for field in ("body", "orelse", "finalbody", "handlers"):
            yield from _import_time(getattr(node, field, []), inner)


def _psycopg_at_import(source: str) -> tuple[dict[str, str], dict[str, dict[str, str]], list[str]]:
    """What a module binds from psycopg at import, its class attributes set only when psycopg is there, and any
    other use of those names at import (which binding them later would miss)."""
    tree = ast.parse(source)
    bound: dict[str, str] = {}
    for node, _ in _import_time(tree.body):
        if isinstance(node, ast.Import):
            bound.update({(a.asname or a.name.split(".")[0]): a.name for a in node.names
                          if a.name.split(".")[0] == "psycopg"})
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "psycopg":
            bound.update({(a.asname or a.name): f"{node.module}.{a.name}" for a in node.names})
    conditional: dict[str, dict[str, str]] = {}
    inside: set[int] = set()
    for node, in_class in _import_time(tree.body):
        uses = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)} if isinstance(node, ast.If) else set()
        if in_class and uses & bound.keys():
            for statement in node.body:
                inside.update(id(n) for n in ast.walk(statement))
                for target in statement.targets:
                    conditional.setdefault(in_class, {})[target.id] = ast.unparse(statement.value)
    others = []
    for node, in_class in _import_time(tree.body):
        if id(node) in inside:
            continue
        if isinstance(node, ast.If):
            tested = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
            read = [] if in_class and tested & bound.keys() else [node.test]  # the conditional read above
        elif isinstance(node, (ast.Try, ast.ExceptHandler, ast.ClassDef, ast.With, ast.For, ast.While)):
            # Their bodies come as statements of their own; here only what the header reads.
            read = [getattr(node, "type", None), getattr(node, "test", None), getattr(node, "iter", None),
                    *getattr(node, "bases", []), *getattr(node, "items", [])]
        else:
            read = [node]
        others += [f"line {n.lineno}: {n.id}" for expression in read if expression is not None
                   for n in ast.walk(expression) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                   and n.id in bound]
    return bound, conditional, others


MODULE_FILES = """
import sys, app.cli
for name, module in sorted(sys.modules.items()):
    print(name, getattr(module, "__file__", None) or "")
"""


def test_what_the_libraries_take_from_psycopg_at_import_is_what_psycopg_later_binds():
    # The modules `import app.cli` brings in that mention psycopg, read from their source.
    listed = subprocess.run([sys.executable, "-c", MODULE_FILES], capture_output=True, text=True, cwd=REPO,
                            check=True, timeout=60).stdout.splitlines()
    found_bound, found_conditional, others = {}, {}, []
    for line in listed:
        name, origin = line.split(" ", 1)
        if name.split(".")[0] in ("app", "tests", "psycopg", "psycopg_binary") or not origin.endswith(".py"):
            continue
        source = Path(origin).read_text(encoding="utf-8")
        if "psycopg" not in source:
            continue
        bound, conditional, used = _psycopg_at_import(source)
        if bound:
            found_bound[name] = bound
        found_conditional.update(conditional)
        others += [f"{name} {use}" for use in used]
    assert "peewee" in found_bound  # the reading sees peewee's try block: the test is not vacuous
    assert found_bound == psycopg_later.BOUND
    assert found_conditional == {"Psycopg3Adapter": psycopg_later.ADAPTER_BOUND}
    assert others == []
