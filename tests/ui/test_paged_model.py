"""The paged model: one page until more is fetched, no double fetch, stale answers dropped, sort asks the owner."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.errors import NotFound
from app.reports import Page
from ui import worker
from ui.paged_model import Column, PagedModel

TIMEOUT = 5000


@dataclass(frozen=True)
class Number:
    value: int
    name: str


def numbers_page(total: int, descending: bool, after: tuple | None, limit: int) -> Page:
    """Keyset pages over 0..total-1, as app.reports pages its queries."""
    values = range(total - 1, -1, -1) if descending else range(total)
    if after is not None:
        values = [v for v in values if (v < after[0] if descending else v > after[0])]
    rows = [Number(v, f"n{v}") for v in list(values)[:limit]]
    return Page(rows, (rows[-1].value,) if len(rows) == limit else None)


def numbers_count(total: int, descending: bool) -> int:
    return total


def numbers_fail(*args) -> Page:
    raise NotFound("Certificate not found: nope")


@pytest.fixture
def database(qtbot, tmp_path):
    worker.OPERATIONS.update({"test_numbers": numbers_page, "test_numbers_count": numbers_count,
                              "test_numbers_fail": numbers_fail})
    database = worker.DatabaseWorker(str(tmp_path / "unused.sqlite3"))
    yield database
    database.stop()
    for name in ("test_numbers", "test_numbers_count", "test_numbers_fail"):
        worker.OPERATIONS.pop(name)


COLUMNS = [Column("value", "Value", sort_key="value"), Column("name", "Name", formatter=lambda r: r.name.upper()),
           Column("double", "Double", formatter=lambda r: str(r.value * 2), tooltip=lambda r: f"twice {r.value}")]


def make_model(qtbot, database, total=1000, page_size=50, **kwargs) -> PagedModel:
    model = PagedModel(database, "test_numbers", (total, False), COLUMNS, page_size=page_size,
                       count_operation="test_numbers_count", count_args=(total, False), start=False, **kwargs)
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
        model.reset()
    return model


def test_row_count_stays_at_one_page_until_fetch_more(qtbot, database):
    model = make_model(qtbot, database, total=1000, page_size=50)
    qtbot.waitUntil(lambda: model.count == 1000, timeout=TIMEOUT)
    assert model.rowCount() == 50
    qtbot.wait(50)
    assert model.rowCount() == 50  # nothing more arrives by itself
    assert model.canFetchMore(QModelIndex())
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT) as blocker:
        model.fetchMore(QModelIndex())
        model.fetchMore(QModelIndex())  # while one is in flight: no second page
    assert blocker.args == [100]
    qtbot.wait(50)
    assert model.rowCount() == 100
    assert [model.row_at(i).value for i in (0, 49, 50, 99)] == [0, 49, 50, 99]


def test_fetching_to_the_end(qtbot, database):
    model = make_model(qtbot, database, total=120, page_size=50)
    while model.canFetchMore(QModelIndex()):
        with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
            model.fetchMore(QModelIndex())
    assert model.rowCount() == 120 and model.complete
    assert [r.value for r in model.rows()] == list(range(120))


def test_data_roles_and_headers(qtbot, database):
    def hook(row, column, role):
        if role == Qt.ItemDataRole.ForegroundRole and row.value % 2:
            return "red"
        return None

    model = make_model(qtbot, database, total=10, page_size=5, role_hook=hook)
    index = model.index(3, 1)
    assert model.data(index) == "N3"
    assert model.data(model.index(3, 0)) == "3"
    assert model.data(model.index(3, 2), Qt.ItemDataRole.ToolTipRole) == "twice 3"
    assert model.data(model.index(3, 0), Qt.ItemDataRole.ToolTipRole) == "3"
    assert model.data(model.index(3, 0), Qt.ItemDataRole.ForegroundRole) == "red"
    assert model.data(model.index(2, 0), Qt.ItemDataRole.ForegroundRole) is None
    assert [model.headerData(i, Qt.Orientation.Horizontal) for i in range(3)] == ["Value", "Name", "Double"]


def test_model_tester(qtbot, qtmodeltester, database):
    model = make_model(qtbot, database, total=300, page_size=100)
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
        model.fetchMore(QModelIndex())
    qtmodeltester.check(model)


def test_sort_asks_the_owner_and_reset_loads_the_new_query(qtbot, database):
    model = make_model(qtbot, database, total=100, page_size=10)
    model.note_sort(0, Qt.SortOrder.AscendingOrder)
    with qtbot.assertNotEmitted(model.sort_requested):
        model.sort(0, Qt.SortOrder.AscendingOrder)  # already so
        model.sort(1, Qt.SortOrder.AscendingOrder)  # a column that does not sort
    with qtbot.waitSignal(model.sort_requested, timeout=TIMEOUT) as blocker:
        model.sort(0, Qt.SortOrder.DescendingOrder)
    assert blocker.args == ["value", True]
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
        model.reset((100, True), (100, True))
    assert model.rowCount() == 10 and model.row_at(0).value == 99


def test_an_answer_to_a_replaced_query_is_dropped(qtbot, database):
    model = make_model(qtbot, database, total=100, page_size=10)
    model.reset((5, False))
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
        model.reset((7, False))
    qtbot.waitUntil(lambda: database.pending == 0, timeout=TIMEOUT)
    assert [r.value for r in model.rows()] == list(range(7))


def test_a_failure_is_reported_and_stops_fetching(qtbot, database):
    model = PagedModel(database, "test_numbers_fail", (), COLUMNS, start=False)
    with qtbot.waitSignal(model.failed, timeout=TIMEOUT) as blocker:
        model.reset()
    assert blocker.args == ["Certificate not found: nope"]
    assert model.rowCount() == 0 and not model.canFetchMore(QModelIndex()) and model.error


def test_pages_grow_up_to_the_largest_size_while_scrolling(qtbot, database):
    model = make_model(qtbot, database, total=1000, page_size=50, max_page_size=300)
    sizes = [model.rowCount()]
    while model.canFetchMore(QModelIndex()):
        with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
            model.fetchMore(QModelIndex())
        sizes.append(model.rowCount())
    assert sizes == [50, 150, 350, 650, 950, 1000]
    assert [r.value for r in model.rows()] == list(range(1000))
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
        model.reset()
    assert model.rowCount() == 50  # a new query starts small again


def test_with_a_row_cache_old_pages_are_dropped_and_fetched_again(qtbot, qtmodeltester, database):
    model = make_model(qtbot, database, total=1000, page_size=50, cache_rows=200)
    while model.canFetchMore(QModelIndex()):
        with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
            model.fetchMore(QModelIndex())
    assert model.rowCount() == 1000 and len(model.rows()) == 200  # the last four pages are held
    assert model.data(model.index(999, 0)) == "999"
    with qtbot.waitSignal(model.dataChanged, timeout=TIMEOUT) as blocker:
        assert model.data(model.index(10, 1)) == "…"  # dropped: a placeholder while it comes back
        assert model.row_at(10) is None
    assert [blocker.args[0].row(), blocker.args[1].row()] == [0, 49]
    assert model.data(model.index(10, 1)) == "N10" and model.row_at(49).value == 49
    assert len(model.rows()) == 200
    qtmodeltester.check(model)


def test_a_row_replaced_in_place(qtbot, database):
    model = make_model(qtbot, database, total=100, page_size=10)
    with qtbot.waitSignal(model.dataChanged, timeout=TIMEOUT):
        model.replace_row(3, Number(3, "three"))
    assert model.data(model.index(3, 1)) == "THREE"
    model._rows[4] = Number(4, "four")  # the list-like view subclasses used before the row cache
    assert [r.name for r in model._rows][3:5] == ["three", "four"] and len(model._rows) == 10
