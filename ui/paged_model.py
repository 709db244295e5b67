"""A table model over keyset pages fetched on demand, in the database worker.

``rowCount`` counts only the rows loaded so far; ``canFetchMore``/``fetchMore`` ask the
worker for the next page and insert it inside ``beginInsertRows``/``endInsertRows`` when
it arrives (as Qt's fetchmore example does), so a table of a million rows opens at once.
Sorting is done in SQL: a header click emits ``sort_requested`` and the owner answers with
``reset`` and a new query. Nothing but the loaded rows is ever held.

    model = PagedModel(database, reports.attachment_page, (query,), COLUMNS,
                       count_operation=reports.count_attachments, count_args=(query,),
                       index_operation=reports.attachment_page_index)

The page operation is called as ``operation(*args, after=..., limit=...)`` (passed
positionally: ``*args, after, limit``) and must return an ``app.reports.Page``.

With an ``index_operation`` (``operation(*args, page_size)`` returning an
``app.reports.PageIndex``: the count and the key each page starts after), the first
``fetchMore`` also asks where every page starts. Once that is known, every row becomes
reachable at once, so a scroll bar dragged to the end shows the last page straight away
(Anki's browser: the rows are known, their contents are loaded as they are shown). Each
page is then read by its own keyset query when it comes into view, and dropped again
when more than ``cache_rows`` rows are held.
"""
from __future__ import annotations

import logging
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.reports import PageIndex
from ui.worker import DatabaseWorker, Failure

Index = QModelIndex | QPersistentModelIndex
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    """One column: ``key`` names it (and is the default attribute read from a row)."""

    key: str
    heading: str
    formatter: Callable[[Any], str] | None = None  # row -> text; default str(getattr(row, key))
    sort_key: str | None = None  # what the owner's query sorts by; None: this column does not sort
    tooltip: Callable[[Any], str] | None = None  # row -> tool tip; default the display text

    def text(self, row: Any) -> str:
        if self.formatter is not None:
            return self.formatter(row)
        value = getattr(row, self.key, None)
        return "" if value is None else str(value)


RoleHook = Callable[[Any, Column, int], Any]  # (row, column, role) -> value or None


class PagedModel(QAbstractTableModel):
    """Rows of a paged query, loaded a page at a time as the view scrolls."""

    page_loaded = Signal(int)  # rows loaded so far
    count_changed = Signal(int)  # the total, from the count operation
    failed = Signal(str)  # the message to show
    sort_requested = Signal(str, bool)  # sort key, descending
    loading_changed = Signal(bool)
    all_reachable = Signal(int)  # the page index came: every row is in rowCount, its page read when shown

    WANTED_PAGES = 16  # pages asked for while scrolling past; older wishes are forgotten

    def __init__(self, database: DatabaseWorker, operation: Callable[..., Any], args: Sequence[Any], columns: Sequence[Column],
                 page_size: int = 200, count_operation: Callable[..., Any] | None = None, count_args: Sequence[Any] = (),
                 role_hook: RoleHook | None = None, parent=None, start: bool = True,
                 max_page_size: int | None = None, cache_rows: int | None = None,
                 index_operation: Callable[..., Any] | None = None):
        super().__init__(parent)
        self._database = database
        self._operation = operation
        self._args = tuple(args)
        self._columns = list(columns)
        self._page_size = page_size
        # Each further page may be twice the last, up to this, so scrolling a million rows takes
        # a hundred round trips, not five thousand; page one stays small and quick.
        self._max_page_size = max(page_size, max_page_size or page_size)
        self._limit = page_size
        # With ``cache_rows``, only about that many rows are held: the least recently shown pages
        # are dropped (their start key kept) and fetched again when scrolled back into view.
        self._cache_rows = cache_rows
        self._count_operation = count_operation
        self._count_args = tuple(count_args)
        self._index_operation = index_operation
        self._role_hook = role_hook
        self._clear_pages()
        self._after: tuple | None = None
        self._more = False
        self._loading = False
        self._generation = 0
        self._index: PageIndex | None = None
        self._index_asked = False
        self.count: int | None = None
        self.error: str | None = None
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        if start:
            self.reset(self._args, self._count_args)

    # --- the query ---------------------------------------------------------------------------

    @property
    def columns(self) -> list[Column]:
        return list(self._columns)

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def complete(self) -> bool:
        """Every row is in ``rowCount`` (loaded, or reachable and read when shown)."""
        return not self._more and not self._loading

    def reset(self, args: Sequence[Any] | None = None, count_args: Sequence[Any] | None = None) -> None:
        """Forget every row and load page one of a new (or the same) query, and its count."""
        if args is not None:
            self._args = tuple(args)
        if count_args is not None:
            self._count_args = tuple(count_args)
        self.beginResetModel()
        self._forget()
        self._more = True
        self.endResetModel()
        self._fetch()
        if self._count_operation is not None:
            generation = self._generation
            self._database.submit(self._count_operation, *self._count_args,
                                  owner=self, on_done=lambda total: self._on_count(generation, total),
                                  on_failed=lambda failure: self._on_failed(generation, failure))

    def clear(self) -> None:
        """No query: an empty table that fetches nothing."""
        self.beginResetModel()
        self._forget()
        self.endResetModel()
        self._set_loading(False)

    def _forget(self) -> None:
        self._generation += 1  # answers to what was asked before are dropped
        self._clear_pages()
        self._after, self._more, self._loading, self.count, self.error = None, False, False, None, None
        self._limit = self._page_size
        self._index, self._index_asked = None, False

    def _clear_pages(self) -> None:
        self._row_count = 0
        self._page_first: list[int] = []  # the first row of each page
        self._page_start: list[tuple | None] = []  # the key that page was fetched after
        self._page_len: list[int] = []
        self._page_rows: list[list[Any] | None] = []  # None: not held (dropped from the cache, or never read)
        self._cached: OrderedDict[int, None] = OrderedDict()  # held pages, least recently used first
        self._cached_rows = 0
        self._wanted: OrderedDict[int, None] = OrderedDict()  # pages to read, most recently shown last
        self._reading: int | None = None  # the page being read

    def _page_of(self, row: int) -> int:
        return bisect_right(self._page_first, row) - 1

    def row_at(self, row: int) -> Any:
        """The record at ``row``; None while its page is not held (it is being read)."""
        page = self._page_of(row)
        rows = self._page_rows[page]
        if rows is None:
            self._want(page)
            return None
        if self._cache_rows is not None:
            self._cached.move_to_end(page)
        record = rows[row - self._page_first[page]]
        return None if record is _GONE else record

    def replace_row(self, row: int, record: Any) -> None:
        """Show ``record`` at ``row`` instead (the same row, changed); ignored while its page is not held."""
        page = self._page_of(row)
        rows = self._page_rows[page]
        if rows is not None:
            rows[row - self._page_first[page]] = record
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def rows(self) -> list[Any]:
        """The rows loaded and held so far (a copy)."""
        return [row for rows in self._page_rows if rows is not None for row in rows if row is not _GONE]

    def _keep(self, page: int, rows: list[Any]) -> None:
        self._page_rows[page] = rows
        self._cached[page] = None
        self._cached_rows += len(rows)
        if self._cache_rows is None:
            return
        while self._cached_rows > self._cache_rows and len(self._cached) > 1:
            oldest, _ = self._cached.popitem(last=False)
            self._cached_rows -= len(self._page_rows[oldest] or [])
            self._page_rows[oldest] = None

    def _want(self, page: int) -> None:
        """Read ``page`` when the worker is free. One page is read at a time, the one shown last first,
        so a scroll bar dragged across a million rows asks for what is in view, not for every page passed."""
        self._wanted[page] = None
        self._wanted.move_to_end(page)
        while len(self._wanted) > self.WANTED_PAGES:
            self._wanted.popitem(last=False)
        self._read_wanted()

    def _read_wanted(self) -> None:
        while self._reading is None and self._wanted:
            page, _ = self._wanted.popitem(last=True)
            if self._page_rows[page] is not None:
                continue
            self._reading = page
            generation = self._generation
            self._database.submit(self._operation, *self._args, self._page_start[page], self._page_len[page],
                                  owner=self, on_done=lambda result: self._on_read(generation, page, result),
                                  on_failed=lambda failure: self._on_read_failed(generation, page, failure))

    def _on_read(self, generation: int, page: int, result) -> None:
        if generation != self._generation:
            return
        self._reading = None
        if self._page_rows[page] is None:
            length = self._page_len[page]
            rows = list(result.rows)[:length]
            # The listing changed since it was counted (a lacking serial got its certificate):
            # a short last page shows its missing rows empty; a row that moved across a page
            # boundary may show twice until the listing is asked again.
            self._keep(page, rows + [_GONE] * (length - len(rows)))
            first = self._page_first[page]
            self.dataChanged.emit(self.index(first, 0), self.index(first + length - 1, len(self._columns) - 1))
        self._read_wanted()

    def _on_read_failed(self, generation: int, page: int, failure: Failure) -> None:
        if generation != self._generation:
            return
        self._reading = None
        # Shown empty rather than asked again at every repaint; the owner shows the message.
        self._keep(page, [_GONE] * self._page_len[page])
        self.error = failure.message
        self.failed.emit(failure.message)
        self._read_wanted()

    def _fetch(self) -> None:
        if self._loading or not self._more:
            return
        if self._index is not None:
            self._reach_all()
            return
        generation = self._generation
        self._set_loading(True)
        self._database.submit(self._operation, *self._args, self._after, self._limit,
                              owner=self, on_done=lambda page: self._on_page(generation, page),
                              on_failed=lambda failure: self._on_failed(generation, failure))
        if self._index_operation is not None and not self._index_asked and self._row_count:
            # Asked only once the view scrolls past page one, so typing in a filter asks for
            # page one and the count alone. Without it (it failed) pages keep coming one after another.
            self._index_asked = True
            self._database.submit(self._index_operation, *self._args, self._page_size,
                                  owner=self, on_done=lambda index: self._on_index(generation, index),
                                  on_failed=lambda failure: log.warning("page index: %s", failure.message))

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _on_page(self, generation: int, page) -> None:
        if generation != self._generation:
            return  # an answer to a query that has since been replaced
        rows = list(page.rows)
        self._limit = min(self._limit * 2, self._max_page_size)
        start, self._after = self._after, page.after
        self._more = page.after is not None
        if rows:
            first = self._row_count
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._append_page(start, len(rows))
            self._keep(len(self._page_rows) - 1, rows)
            self.endInsertRows()
        self._set_loading(False)
        self.page_loaded.emit(self._row_count)
        if self._index is not None:
            self._reach_all()

    def _append_page(self, start: tuple | None, length: int) -> None:
        self._page_first.append(self._row_count)
        self._page_start.append(start)
        self._page_len.append(length)
        self._page_rows.append(None)
        self._row_count += length

    def _on_index(self, generation: int, index: PageIndex) -> None:
        if generation != self._generation:
            return
        self._index = index
        if not self._loading:  # else when the page in flight has landed
            self._reach_all()

    def _reach_all(self) -> None:
        """Put every row the index counts in ``rowCount``; their pages are read when shown."""
        index, loaded = self._index, self._row_count
        if not self._more:
            return
        if index.total <= loaded:
            self._more = False  # what was counted is all here
            return
        self.beginInsertRows(QModelIndex(), loaded, index.total - 1)
        # The first new page runs from after the last loaded row to the next boundary of the
        # index's pages (the loaded pages grew by doubling, so they usually end on one); the
        # rest start where the index says.
        page = -(-loaded // index.size)
        head = min(page * index.size, index.total) - loaded
        if head:
            self._append_page(self._after, head)
        while self._row_count < index.total:
            self._append_page(index.after(page), min(index.size, index.total - self._row_count))
            page += 1
        self._more = False
        self.endInsertRows()
        self.all_reachable.emit(self._row_count)

    def _on_count(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self.count = total
            self.count_changed.emit(total)

    def _on_failed(self, generation: int, failure: Failure) -> None:
        if generation != self._generation:
            return
        self._more = False
        self._reading = None
        self.error = failure.message
        self._set_loading(False)
        self.failed.emit(failure.message)

    # --- QAbstractTableModel -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._row_count

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if not parent.isValid():
            self._fetch()  # a no-op while a page is in flight

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < self._row_count) \
                or not (0 <= index.column() < len(self._columns)):
            return None
        page = self._page_of(index.row())
        if self._page_rows[page] is None:  # being read
            self._want(page)
            return "…" if role == Qt.ItemDataRole.DisplayRole else None
        row, column = self.row_at(index.row()), self._columns[index.column()]
        if row is None:  # gone from the listing since it was counted, or its page failed
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(row) if column.tooltip is not None else column.text(row)
        if role == Qt.ItemDataRole.UserRole:
            return row
        if self._role_hook is not None and role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole,
                                                    Qt.ItemDataRole.FontRole):
            return self._role_hook(row, column, role)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section].heading if 0 <= section < len(self._columns) else None
        return section + 1

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def note_sort(self, column: int, order: Qt.SortOrder) -> None:
        """The query already sorts this way (so a view's first ``sort`` call asks for nothing)."""
        self._sort_column, self._sort_order = column, order

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Ask the owner for the query sorted this way (``sort_requested``); nothing is sorted here."""
        if not (0 <= column < len(self._columns)) or self._columns[column].sort_key is None:
            return
        if (column, order) == (self._sort_column, self._sort_order):
            return
        self._sort_column, self._sort_order = column, order
        self.sort_requested.emit(self._columns[column].sort_key, order == Qt.SortOrder.DescendingOrder)


_GONE = object()  # a row its page no longer has when read again
