"""Hand-written SQL on the bound database, for the hot paths (attach, a serial's page, listings, batches),
where building a query with peewee costs several times more than SQLite takes to run it; and reading a
row by its key without building a peewee query each time. ``app.db`` offers these under its own name
(``db.execute`` and so on), which is how the rest of Certline calls them.

Write the SQL portable: ``?`` placeholders, double-quoted identifiers, no literal ``?`` or ``%``.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Sequence

from peewee import DateTimeField, __exception_wrapper__, format_date_time

from app.models import database

_peewee_log = logging.getLogger("peewee")

# The SQL as PostgreSQL's driver wants it (%s placeholders), converted once per statement.
_POSTGRES_SQL: dict[str, str] = {}


def _portable(handle, sql: str) -> str:
    if handle.param == "?":
        return sql
    converted = _POSTGRES_SQL.get(sql)
    if converted is None:
        converted = _POSTGRES_SQL[sql] = sql.replace("?", handle.param)
    return converted


def execute(sql: str, params: Sequence[Any] = ()):
    """Run hand-written SQL on the bound database (see above); returns the DB-API cursor.

    Errors come as peewee raises them. Straight to the cursor, unless peewee's query log (DEBUG) or a query
    hook wants to see the statement: its own path checks for both on every statement, a tenth of a lookup.
    """
    handle = database.obj
    if handle.query_hooks or _peewee_log.isEnabledFor(logging.DEBUG):
        return handle.execute_sql(_portable(handle, sql), params)
    with __exception_wrapper__:
        cursor = handle.cursor()
        cursor.execute(_portable(handle, sql), params)
    return cursor


def executemany(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """One statement for many rows, in the current transaction; errors as peewee raises them."""
    if not rows:
        return
    handle = database.obj
    sql = _portable(handle, sql)
    with __exception_wrapper__:
        handle.cursor().executemany(sql, rows)


def to_datetime(value: Any) -> dt.datetime | None:
    """A timestamp column as Python reads it from either driver (SQLite keeps text, PostgreSQL a datetime)."""
    if value.__class__ is str:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return format_date_time(value, DateTimeField.formats)
    return value


_BY_KEY: dict[tuple[type, tuple[str, ...] | None], tuple[str, tuple]] = {}


def get_values(model, key: Any, names: tuple[str, ...] | None = None) -> dict[str, Any] | None:
    """The row of ``model`` whose primary key is ``key``, as {field name: Python value} for its fields or those
    ``names``, or None; the query is built once. For a record read on every scan (a certificate) without a
    model instance between."""
    plan = _BY_KEY.get((model, names))
    if plan is None:
        meta = model._meta
        fields = tuple(meta.sorted_fields) if names is None else tuple(meta.fields[name] for name in names)
        columns = ", ".join('"%s"' % field.column_name for field in fields)
        sql = f'SELECT {columns} FROM "{meta.table_name}" WHERE "{meta.primary_key.column_name}" = ?'
        plan = _BY_KEY[model, names] = (sql, fields)
    sql, fields = plan
    row = execute(sql, (model._meta.primary_key.db_value(key),)).fetchone()
    if row is None:
        return None
    return {f.name: f.python_value(value) for f, value in zip(fields, row)}


def get_or_none(model, key: Any):
    """``model.get_or_none(<primary key> == key)``, the same instance, without building the query each time."""
    values = get_values(model, key)
    if values is None:
        return None
    instance = model(__no_default__=1, **values)
    instance._dirty.clear()
    return instance
