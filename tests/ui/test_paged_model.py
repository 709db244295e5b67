"""The paged model: one page until more is fetched, no double fetch, stale answers dropped, sort asks the owner."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.errors import NotFound
from app.reports import Page, PageIndex
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


CALLS: list[tuple] = []  # (operation, after) as the worker ran them


def numbers_page_logged(total: int, descending: bool, after: tuple | None, limit: int) -> Page:
    CALLS.append(("page", after))
    return numbers_page(total, descending, after, limit)


def numbers_index(total: int, descending: bool, size: int) -> PageIndex:
    """Where each page of numbers_page starts: the last value of every full page before it."""
    CALLS.append(("index", size))
    values = list(range(total - 1, -1, -1) if descending else range(total))
    return PageIndex(total, size, [(values[end - 1],) for end in range(size, total, size)])


def numbers_page_failing_after(total: int, descending: bool, after: tuple | None, limit: int) -> Page:
    """Page one, then the database went away."""
    if after is not None and after[0] >= 200:
        raise NotFound("Database error: disk I/O error")
    return numbers_page_logged(total, descending, after, limit)


def numbers_fail(*args) -> Page:
    raise NotFound("Certificate not found: nope")


@pytest.fixture
def database(qtbot, tmp_path):
    CALLS.clear()
    database = worker.DatabaseWorker(str(tmp_path / "unused.sqlite3"))
    yield database
    database.stop()


COLUMNS = [Column("value", "Value", sort_key="value"), Column("name", "Name", formatter=lambda r: r.name.upper()),
           Column("double", "Double", formatter=lambda r: str(r.value * 2), tooltip=lambda r: f"twice {r.value}")]


def make_model(qtbot, database, total=1000, page_size=50, **kwargs) -> PagedModel:
    model = PagedModel(database, numbers_page, (total, False), COLUMNS, page_size=page_size,
                       count_operation=numbers_count, count_args=(total, False), start=False, **kwargs)
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
    model = PagedModel(database, numbers_fail, (), COLUMNS, start=False)
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


def make_indexed(qtbot, database, total=100_000, page_size=50, **kwargs) -> PagedModel:
    model = PagedModel(database, numbers_page_logged, (total, False), COLUMNS, page_size=page_size, start=False,
                       index_operation=numbers_index, **kwargs)
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
        model.reset()
    return model


def reach_all(qtbot, model: PagedModel) -> None:
    """What a view does when its scroll bar reaches the end of page one."""
    with qtbot.waitSignal(model.all_reachable, timeout=TIMEOUT):
        model.fetchMore(QModelIndex())


def test_with_a_page_index_row_count_stays_at_one_page_until_fetch_more(qtbot, database):
    model = make_indexed(qtbot, database)
    qtbot.wait(50)
    assert model.rowCount() == 50 and model.canFetchMore(QModelIndex())
    assert CALLS == [("page", None)]  # nothing asked where the pages start: a filter keystroke costs page one
    reach_all(qtbot, model)
    assert CALLS == [("page", None), ("page", (49,)), ("index", 50)]  # the next page first, then the index
    assert model.rowCount() == 100_000 and not model.canFetchMore(QModelIndex()) and model.complete
    assert len(model.rows()) == 100  # the rows are reachable, not read


def test_the_last_page_is_read_straight_from_where_the_index_says_it_starts(qtbot, qtmodeltester, database):
    model = make_indexed(qtbot, database)
    reach_all(qtbot, model)
    CALLS.clear()
    with qtbot.waitSignal(model.dataChanged, timeout=TIMEOUT) as blocker:
        assert model.data(model.index(99_999, 1)) == "…"
    assert CALLS == [("page", (99_949,))]
    assert [blocker.args[0].row(), blocker.args[1].row()] == [99_950, 99_999]
    assert model.data(model.index(99_999, 1)) == "N99999" and model.row_at(99_950).value == 99_950
    assert len(model.rows()) == 150
    qtmodeltester.check(model)


def test_dragging_across_a_million_rows_reads_what_is_in_view_one_page_at_a_time(qtbot, database):
    model = make_indexed(qtbot, database, total=1_000_000)
    reach_all(qtbot, model)
    CALLS.clear()
    for row in range(100, 1_000_000, 5_000):  # 200 places passed while the first page is being read
        model.data(model.index(row, 0))
    qtbot.waitUntil(lambda: model.row_at(995_100) is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: database.pending == 0, timeout=TIMEOUT)
    # The first wish, then the sixteen shown last, newest first: not two hundred pages.
    assert len(CALLS) == 1 + PagedModel.WANTED_PAGES
    assert CALLS[0] == ("page", (99,)) and CALLS[1] == ("page", (995_099,))


def test_a_row_cache_holds_the_pages_shown_last(qtbot, database):
    model = make_indexed(qtbot, database, total=10_000, cache_rows=200)
    reach_all(qtbot, model)
    for row in range(0, 10_000, 50):
        model.data(model.index(row, 0))
        qtbot.waitUntil(lambda: model.row_at(row) is not None, timeout=TIMEOUT)
    assert len(model.rows()) == 200
    assert [r.value for r in model.rows()] == list(range(9_800, 10_000))


def test_the_page_index_joins_pages_that_grew_past_its_page_size(qtbot, database):
    model = make_indexed(qtbot, database, total=1_000, max_page_size=70)
    reach_all(qtbot, model)  # pages of 50 and 70 rows, then the index's pages of 50 from row 150
    assert model.rowCount() == 1_000
    for row in range(120, 1_000):
        model.data(model.index(row, 0))
        qtbot.waitUntil(lambda: model.row_at(row) is not None, timeout=TIMEOUT)
        assert model.row_at(row).value == row


def test_rows_gone_from_the_listing_since_it_was_counted_show_empty(qtbot, database):
    model = make_indexed(qtbot, database, total=1_000)
    reach_all(qtbot, model)
    model._args = (980, False)  # twenty rows left the listing (a serial that now holds its certificate)
    with qtbot.waitSignal(model.dataChanged, timeout=TIMEOUT):
        model.data(model.index(999, 0))
    assert model.data(model.index(979, 0)) == "979"
    assert model.data(model.index(999, 0)) is None and model.row_at(999) is None
    assert model.data(model.index(999, 0)) is None  # and it is not asked for again
    qtbot.waitUntil(lambda: database.pending == 0, timeout=TIMEOUT)
    assert sum(1 for name, _ in CALLS if name == "page") == 3


def test_an_index_for_a_replaced_query_is_dropped(qtbot, database):
    model = make_indexed(qtbot, database)
    model.fetchMore(QModelIndex())  # asks for page two and the index
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
        model.reset((120, False))
    qtbot.waitUntil(lambda: database.pending == 0, timeout=TIMEOUT)
    assert model.rowCount() == 50 and model.canFetchMore(QModelIndex())
    reach_all(qtbot, model)
    assert model.rowCount() == 120


def test_when_the_index_counts_no_more_than_is_loaded_the_model_is_complete(qtbot, database):
    model = make_indexed(qtbot, database, total=100)
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
        model.fetchMore(QModelIndex())  # page two ends the listing exactly; it cannot tell
    qtbot.waitUntil(lambda: model.complete, timeout=TIMEOUT)
    assert model.rowCount() == 100 and not model.canFetchMore(QModelIndex())
    assert [r.value for r in model.rows()] == list(range(100))


def test_a_page_that_fails_is_reported_once_and_shown_empty_and_others_still_come(qtbot, database):
    model = PagedModel(database, numbers_page_failing_after, (1000, False), COLUMNS, page_size=50, start=False,
                       index_operation=numbers_index)
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
        model.reset()
    reach_all(qtbot, model)
    with qtbot.waitSignal(model.failed, timeout=TIMEOUT) as blocker:
        model.data(model.index(120, 0))  # page two, after row 99: still there
        model.data(model.index(900, 0))  # after row 849: fails
    assert blocker.args == ["Database error: disk I/O error"]
    qtbot.waitUntil(lambda: database.pending == 0, timeout=TIMEOUT)
    assert model.data(model.index(120, 0)) == "120"
    assert model.data(model.index(900, 0)) is None
    qtbot.wait(50)
    assert database.pending == 0  # a repaint does not ask again


def test_without_a_page_index_pages_keep_coming_one_after_another(qtbot, database):
    model = PagedModel(database, numbers_page_logged, (300, False), COLUMNS, page_size=50, start=False,
                       index_operation=numbers_fail)
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
        model.reset()
    with qtbot.assertNotEmitted(model.failed):
        while model.canFetchMore(QModelIndex()):
            with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT):
                model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: database.pending == 0, timeout=TIMEOUT)
    assert [r.value for r in model.rows()] == list(range(300)) and model.error is None
