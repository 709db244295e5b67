"""The paging engine every report uses: keyset pages, the page index, and reading every page.

A page is ``WHERE (key) > (last key) ORDER BY key LIMIT n``, so page one costs the same as
page ten thousand and a million-row listing is never held in memory.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any, Callable, Iterator, Sequence

from peewee import Tuple

from app.errors import Invalid
from app.models import database

PAGE_SIZE = 200


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    after: tuple | None  # the key to pass for the next page; None when this was the last

    @property
    def last(self) -> bool:
        return self.after is None


@dataclass(frozen=True)
class PageIndex:
    """Where every page of a listing begins, so a view can show page k without reading those before it."""

    total: int  # rows in the listing
    size: int  # rows per page
    afters: list[tuple]  # afters[k - 1]: the key page k starts after (page 0 starts at the beginning)

    def __post_init__(self) -> None:
        if len(self.afters) != max(self.pages - 1, 0):
            raise ValueError(f"{self.pages} pages need {max(self.pages - 1, 0)} starts, not {len(self.afters)}")

    def after(self, page: int) -> tuple | None:
        return None if page == 0 else self.afters[page - 1]

    @property
    def pages(self) -> int:
        return -(-self.total // self.size)


def keyset(select, key: list, after: tuple | None, descending: bool, limit: int):
    """``select`` ordered by ``key``, from just after the key ``after``, at most ``limit`` rows."""
    if after is not None:
        select = select.where((Tuple(*key) < Tuple(*after)) if descending else (Tuple(*key) > Tuple(*after)))
    order = [column.desc() if descending else column.asc() for column in key]
    return select.order_by(*order).limit(limit)


def next_after(rows: list, limit: int, key_of: Callable[[Any], tuple]) -> tuple | None:
    """The key the next page starts after: a short page was the last."""
    return key_of(rows[-1]) if len(rows) == limit else None


def page_index(select_of, key: list, descending: bool, size: int, convert: Sequence | None = None,
               seekable: bool = False) -> PageIndex:
    """The key of every ``size``-th row (the end of each page), and the count.

    ``select_of(*columns)`` is the listing's select with those columns, without the other
    columns or joins a row shows. Where an index yields the rows in key order (``seekable``)
    each page end is one hop from the last, ``WHERE key > end LIMIT 1 OFFSET size - 1``,
    which steps over index entries without reading them: a few thousand small queries for
    a million rows. Otherwise one pass reads the keys in order and keeps every
    ``size``-th. The count comes first, in the same transaction (one snapshot on SQLite).
    """
    if size < 1:
        raise Invalid(f"Page size must be at least 1: {size}")
    order = [column.desc() if descending else column.asc() for column in key]
    with database.obj.atomic():
        total = select_of(key[0]).count()
        ends = -(-total // size) - 1  # the pages after the first start after these
        keys: list[tuple] = []
        if seekable and ends > 0:
            keys = _hops(select_of(*key), key, descending, size, ends)
        elif ends > 0:
            keys = list(islice(select_of(*key).order_by(*order).tuples().iterator(), size - 1, ends * size, size))
    if len(keys) < ends:
        # Fewer rows than counted: on PostgreSQL each statement reads afresh, and a listing such
        # as the lacking serials shrinks when a serial gets its certificate. The index covers
        # what the keys reach; a page read later fills the rest, or shows it empty.
        total = (len(keys) + 1) * size
    if convert and any(convert):
        keys = [tuple(value if to is None else to(value) for value, to in zip(row, convert)) for row in keys]
    return PageIndex(total, size, keys)


def _hops(select, key: list, descending: bool, size: int, ends: int) -> list[tuple]:
    """Up to ``ends`` page ends, each found from the last by ``WHERE key > end … OFFSET size - 1``.

    Peewee builds the hop's SQL once; building it afresh for each of thousands of hops cost
    ten times the queries. The last end's values go back as they were read, in the
    parameters of the key comparison, which peewee places just before LIMIT and OFFSET.
    """
    execute = database.obj.execute_sql
    first = execute(*keyset(select, key, None, descending, 1).offset(size - 1).sql()).fetchone()
    if first is None:
        return []
    keys = [tuple(first)]  # as stored, like every later one
    sql, params, at = rebindable(keyset(select, key, keys[0], descending, 1).offset(size - 1), keys[0], [1, size - 1])
    while len(keys) < ends:
        params[at:at + len(key)] = keys[-1]
        row = execute(sql, params).fetchone()
        if row is None:
            break
        keys.append(tuple(row))
    return keys


def rebindable(page, after: Sequence[Any], tail: list[Any]) -> tuple[str, list[Any], int]:
    """A keyset page's SQL, its parameters, and where in them the key values ``after`` sit, so that the next
    page is the same SQL with the last key put there (``params[at:at + len(after)] = last``), not a query built
    afresh. Peewee places the key comparison's parameters just before ``tail`` (LIMIT, then any OFFSET);
    RuntimeError where a peewee version places them otherwise."""
    sql, params = page.sql()
    at = len(params) - len(tail) - len(after)
    if params[at:at + len(after)] != list(after) or params[len(params) - len(tail):] != list(tail):
        raise RuntimeError(f"Unexpected parameters from peewee for a keyset page: {params}")
    return sql, params, at


def iter_pages(fetch, *args, page_size: int = 5000) -> Iterator[Any]:
    """Every row of a paged query, one page in memory at a time."""
    after = None
    while True:
        page = fetch(*args, after=after, limit=page_size)
        yield from page.rows
        if page.last:
            return
        after = page.after
