"""psycopg loaded with the first PostgreSQL database, not at every start of certline-cli or the station.

peewee, and playhouse.postgres_ext (which playhouse.migrate pulls in), import psycopg as they are imported
themselves, in try blocks, to have the driver ready: that was a third of a command's start-up on SQLite, and
~0.1 s of the station's. ``defer()``, called by app/cli and ui/main.py before anything imports peewee, imports
them with psycopg hidden. The first ``PostgresqlDatabase`` made afterwards, anywhere in
the process (app.connection's, app.changes'), imports psycopg and binds in them what their own import would
have bound: ``BOUND``, and the transaction states ``Psycopg3Adapter``'s class body takes (``ADAPTER_BOUND``).
tests/app/test_cli_imports.py reads both from the libraries' source, so a peewee that takes more from psycopg
at import fails a test, not a station.
"""
from __future__ import annotations

import sys

# module: {name it binds: what it binds, as the dotted name of psycopg's module or attribute}
BOUND = {
    "peewee": {"psycopg": "psycopg", "TransactionStatus": "psycopg.pq.TransactionStatus",
               "Json_pg3": "psycopg.types.json.Json", "Jsonb_pg3": "psycopg.types.json.Jsonb"},
    "playhouse.postgres_ext": {"TypeInfo": "psycopg.types.TypeInfo",
                               "register_hstore_pg3": "psycopg.types.hstore.register_hstore"},
}
ADAPTER_BOUND = {"txn_idle": "TransactionStatus.IDLE", "txn_inerror": "TransactionStatus.INERROR",
                 "txn_unknown": "TransactionStatus.UNKNOWN"}


def defer() -> None:
    """Import peewee and playhouse.migrate without psycopg; nothing to do where peewee or psycopg is in already."""
    if "peewee" in sys.modules or "psycopg" in sys.modules:
        return
    sys.modules["psycopg"] = None  # makes `import psycopg` raise ImportError, the case those try blocks handle
    try:
        import peewee
        import playhouse.migrate  # noqa: F401 - through playhouse.cockroachdb it imports postgres_ext
    finally:
        if "psycopg" in sys.modules and sys.modules["psycopg"] is None:
            del sys.modules["psycopg"]
    init = peewee.PostgresqlDatabase.init

    def init_with_psycopg(self, *args, **kwargs):
        peewee.PostgresqlDatabase.init = init  # once is enough: psycopg is in the process from now on
        load()
        return init(self, *args, **kwargs)

    peewee.PostgresqlDatabase.init = init_with_psycopg


def load() -> None:
    """Bind what those modules' imports bind when psycopg is installed (nothing, as before, when it is not)."""
    try:
        import psycopg
        from psycopg.pq import TransactionStatus
        from psycopg.types import TypeInfo
        from psycopg.types.hstore import register_hstore
        from psycopg.types.json import Json, Jsonb
    except ImportError:  # not installed: peewee says so when connecting, as it would have
        return
    found = {"psycopg": psycopg, "psycopg.pq.TransactionStatus": TransactionStatus, "psycopg.types.TypeInfo": TypeInfo,
             "psycopg.types.hstore.register_hstore": register_hstore, "psycopg.types.json.Json": Json,
             "psycopg.types.json.Jsonb": Jsonb}
    for module_name, names in BOUND.items():
        module = sys.modules.get(module_name)
        if module is not None:  # one imported later took psycopg itself
            for name, source in names.items():
                setattr(module, name, found[source])
    adapter = sys.modules["peewee"].Psycopg3Adapter
    for name, source in ADAPTER_BOUND.items():
        setattr(adapter, name, getattr(TransactionStatus, source.removeprefix("TransactionStatus.")))
