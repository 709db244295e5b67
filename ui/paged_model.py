"""A table model over keyset pages fetched on demand, in the database worker.

``rowCount`` counts only the rows loaded so far; ``canFetchMore``/``fetchMore`` ask the
worker for the next page and insert it inside ``beginInsertRows``/``endInsertRows`` when
it arrives (Qt's fetchmore example, STYLE.md "Big tables"). Sorting is done in SQL: a
header click emits ``sort_requested`` and the owner answers with ``reset`` and a new
query. Nothing but the loaded rows is ever held.

    model = PagedModel(database, "attachment_page", (query,), COLUMNS,
                       count_operation="count_attachments", count_args=(query,))

The page operation is called as ``operation(*args, after=..., limit=...)`` (passed
positionally: ``*args, after, limit``) and must return an ``app.reports.Page``.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from ui.worker import DatabaseWorker, Failure

Index = QModelIndex | QPersistentModelIndex


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

    def __init__(self, database: DatabaseWorker, operation: str, args: Sequence[Any], columns: Sequence[Column],
                 page_size: int = 200, count_operation: str | None = None, count_args: Sequence[Any] = (),
                 role_hook: RoleHook | None = None, parent=None, start: bool = True,
                 max_page_size: int | None = None, cache_rows: int | None = None):
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
        self._role_hook = role_hook
        self._clear_pages()
        self._after: tuple | None = None
        self._more = False
        self._loading = False
        self._generation = 0
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
        """Every row is loaded."""
        return not self._more and not self._loading

    def reset(self, args: Sequence[Any] | None = None, count_args: Sequence[Any] | None = None) -> None:
        """Forget every row and load page one of a new (or the same) query, and its count."""
        if args is not None:
            self._args = tuple(args)
        if count_args is not None:
            self._count_args = tuple(count_args)
        self.beginResetModel()
        self._generation += 1
        self._clear_pages()
        self._after = None
        self._more = True
        self._loading = False
        self._limit = self._page_size
        self.count = None
        self.error = None
        self.endResetModel()
        self._fetch()
        if self._count_operation is not None:
            generation = self._generation
            self._database.submit(self._count_operation, *self._count_args,
                                  on_done=lambda total: self._on_count(generation, total),
                                  on_failed=lambda failure: self._on_failed(generation, failure))

    def clear(self) -> None:
        """No query: an empty table that fetches nothing."""
        self.beginResetModel()
        self._generation += 1
        self._clear_pages()
        self._after, self._more, self._loading, self.count, self.error = None, False, False, None, None
        self.endResetModel()
        self._set_loading(False)

    def _clear_pages(self) -> None:
        self._row_count = 0
        self._page_first: list[int] = []  # the first row of each page
        self._page_start: list[tuple | None] = []  # the key that page was fetched after
        self._page_len: list[int] = []
        self._page_rows: list[list[Any] | None] = []  # None: dropped from the cache
        self._cached: OrderedDict[int, None] = OrderedDict()  # cached pages, least recently used first
        self._cached_rows = 0
        self._refetching: set[int] = set()

    def row_at(self, row: int) -> Any:
        """The record at ``row``; None while its page is out of the cache (it is being fetched again)."""
        page = bisect_right(self._page_first, row) - 1
        rows = self._page_rows[page]
        if rows is None:
            self._refetch(page)
            return None
        if self._cache_rows is not None:
            self._cached.move_to_end(page)
        return rows[row - self._page_first[page]]

    def replace_row(self, row: int, record: Any) -> None:
        """Show ``record`` at ``row`` instead (the same row, changed); ignored while its page is dropped."""
        page = bisect_right(self._page_first, row) - 1
        rows = self._page_rows[page]
        if rows is not None:
            rows[row - self._page_first[page]] = record
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    @property
    def _rows(self) -> "_Rows":
        """Kept for subclasses written before the row cache: the loaded rows as a list (None where dropped)."""
        return _Rows(self)

    def rows(self) -> list[Any]:
        """The rows loaded and held so far (a copy)."""
        return [row for rows in self._page_rows if rows is not None for row in rows]

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

    def _refetch(self, page: int) -> None:
        if page in self._refetching:
            return
        self._refetching.add(page)
        generation = self._generation
        self._database.submit(self._operation, *self._args, self._page_start[page], self._page_len[page],
                              on_done=lambda result: self._on_refetched(generation, page, result),
                              on_failed=lambda failure: self._on_failed(generation, failure))

    def _on_refetched(self, generation: int, page: int, result) -> None:
        if generation != self._generation:
            return
        self._refetching.discard(page)
        rows = list(result.rows)[:self._page_len[page]]
        if len(rows) != self._page_len[page] or self._page_rows[page] is not None:
            return  # the data changed underneath (rows are append-only, so this is rare); keep the placeholder
        self._keep(page, rows)
        first = self._page_first[page]
        self.dataChanged.emit(self.index(first, 0), self.index(first + len(rows) - 1, len(self._columns) - 1))

    def _fetch(self) -> None:
        if self._loading or not self._more:
            return
        generation = self._generation
        self._set_loading(True)
        self._database.submit(self._operation, *self._args, self._after, self._limit,
                              on_done=lambda page: self._on_page(generation, page),
                              on_failed=lambda failure: self._on_failed(generation, failure))

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
            self._page_first.append(first)
            self._page_start.append(start)
            self._page_len.append(len(rows))
            self._page_rows.append(None)
            self._keep(len(self._page_rows) - 1, rows)
            self._row_count += len(rows)
            self.endInsertRows()
        self._set_loading(False)
        self.page_loaded.emit(self._row_count)

    def _on_count(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self.count = total
            self.count_changed.emit(total)

    def _on_failed(self, generation: int, failure: Failure) -> None:
        if generation != self._generation:
            return
        self._more = False
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
        row, column = self.row_at(index.row()), self._columns[index.column()]
        if row is None:  # its page is being fetched again
            return "…" if role == Qt.ItemDataRole.DisplayRole else None
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


class _Rows:
    """A list-like view of a model's rows over its pages: iterate, index, assign."""

    def __init__(self, model: PagedModel):
        self._model = model

    def __len__(self) -> int:
        return self._model._row_count

    def __iter__(self):
        for first, length, rows in zip(self._model._page_first, self._model._page_len, self._model._page_rows):
            yield from rows if rows is not None else [None] * length

    def __getitem__(self, row: int) -> Any:
        page = bisect_right(self._model._page_first, row) - 1
        rows = self._model._page_rows[page]
        return None if rows is None else rows[row - self._model._page_first[page]]

    def __setitem__(self, row: int, record: Any) -> None:
        page = bisect_right(self._model._page_first, row) - 1
        rows = self._model._page_rows[page]
        if rows is not None:
            rows[row - self._model._page_first[page]] = record
