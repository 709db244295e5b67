"""The plant-setup office views (Routes, Users, …) on the small plant, through the real station, on SQLite and
PostgreSQL: a person at the desk signs in by badge (and PIN), opens a tab, clicks and types; the database is
then read through the station's own worker (``ask``), on the connection the screens use.

A test module imports the fixtures it uses: ``from tests.helpers.setup_views import desk, plant_url, ...``.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabWidget, QWidget

from app import db as app_db
from app import serials
from app.models import AuditEntry
from tests.helpers.plant import build_plant
from tests.ui.conftest import Operator, shown_station
from ui.settings import StationSettings

TIMEOUT = 15_000


@pytest.fixture
def plant_url(db_url):
    """The small plant (tests/helpers/plant.py) with SN-00001 and SN-00002 of JOB-1 at its first step."""
    app_db.open_database(db_url)
    build_plant()
    serials.create_serials("JOB-1", 2, "admin")
    app_db.close_database()
    yield db_url
    app_db.close_database()


@contextlib.contextmanager
def station_desk(qtbot, url: str) -> Iterator[Operator]:
    """The station on ``url`` at 1280x800, nobody signed in: ``desk.sign_in(badge, pin)``."""
    window = shown_station(qtbot, url, StationSettings(sounds=False, idle_sign_out_minutes=0, result_seconds=5),
                           timeout=TIMEOUT)
    try:
        yield Operator(qtbot, window)
    finally:
        window.shutdown()


@pytest.fixture
def desk(qtbot, plant_url) -> Operator:
    """The station on ``plant_url`` at 1280x800, nobody signed in: ``desk.sign_in(badge, pin)``."""
    with station_desk(qtbot, plant_url) as operator:
        yield operator


def tab_titles(window) -> list[str]:
    """The station's tab and every office view the user has, those inside a group's tab too."""
    return [window.tabs.tabText(0)] + [title for title, _view in window.office_views()]


def _click_tab(qtbot, tabs, index: int) -> None:
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def open_tab(qtbot, window, title: str, ready: Callable[[QWidget], bool] | None = None) -> QWidget:
    """Click the tab ``title`` as a person does (first its group's tab, if it is in one) and wait until
    ``ready(view)``; the view."""
    view = dict(window.office_views())[title]
    if window.tabs.indexOf(view) < 0:
        group = next(window.tabs.widget(i) for i in range(window.tabs.count())
                     if isinstance(window.tabs.widget(i), QTabWidget) and window.tabs.widget(i).indexOf(view) >= 0)
        _click_tab(qtbot, window.tabs, window.tabs.indexOf(group))
        _click_tab(qtbot, group, group.indexOf(view))
    else:
        _click_tab(qtbot, window.tabs, window.tabs.indexOf(view))
    assert view.isVisible()
    if ready is not None:
        qtbot.waitUntil(lambda: ready(view), timeout=TIMEOUT)
    return view


def click(qtbot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_into(qtbot, widget: QWidget, text: str) -> None:
    """Replace what a field holds by typing ``text``, key by key."""
    widget.setFocus()
    widget.clear()
    qtbot.keyClicks(widget, text)


def opened(qtbot, view: QWidget, button: QWidget) -> QWidget:
    """Click ``button`` and return the dialog the view says it opened (its ``dialog_opened`` signal)."""
    with qtbot.waitSignal(view.dialog_opened, timeout=TIMEOUT) as blocker:
        click(qtbot, button)
    return blocker.args[0]


def ask(qtbot, view: QWidget, function: Callable[..., Any], *args: Any) -> Any:
    """Run ``function(*args)`` in the view's database worker; its answer (a ``Failure`` when it failed)."""
    answers: list = []
    view.database.submit(function, *args, on_done=answers.append, on_failed=answers.append)
    qtbot.waitUntil(lambda: bool(answers), timeout=TIMEOUT)
    return answers[0]


def audit_entries(*types: str) -> list[tuple[str, str, str | None, dict]]:
    """(type, user, reason, details) of the audit entries of these types, in the chain's order."""
    query = AuditEntry.select().order_by(AuditEntry.seq)
    if types:
        query = query.where(AuditEntry.type.in_(types))
    return [(e.type, e.user_id, e.reason, e.details or {}) for e in query]
