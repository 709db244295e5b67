"""The station's name list on a database from before names had to differ: look-alike names show
their user id, so each person picks their own; a name's control characters are shown, not obeyed."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app import db as app_db
from app import pins
from app.db import write_transaction
from app.models import AuditEntry, User
from tests.helpers.plant import build_plant
from tests.ui.conftest import TIMEOUT


@pytest.fixture
def station_db(tmp_path):
    """The plant, and users an older version let in: inserted as it wrote them, past today's refusal."""
    url = str(tmp_path / "station.sqlite3")
    app_db.open_database(url)
    build_plant()
    User.insert_many([
        {"id": "op9", "name": "Olga  operator", "role": "operator", "badge": "B-OP9"},  # op1's name, spaced
        {"id": "op8", "name": "\u0405am Supervisor", "role": "operator", "badge": "B-OP8"},  # a Cyrillic S
        {"id": "op7", "name": "Eve\u202e rotarepO", "role": "operator", "badge": "B-OP7"},
        {"id": "op6", "name": "Mal\u202e\nlory", "role": "operator", "badge": "B-OP6"},  # an override, a line end
    ]).execute()
    with write_transaction():
        pins.store("op6", pins.make_hash("2580"))
    app_db.close_database()
    yield url
    app_db.close_database()


def test_a_name_with_an_override_and_a_line_end_shows_escaped_on_the_pin_page_and_in_the_top_bar(operator, qtbot):
    window = operator.window
    operator.scan("B-OP6", window.pin_requested)
    assert window.pin_page.name_label.text() == "PIN for Mal\\u202e\\nlory"
    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT):
        operator.type("2580")
        operator.key(Qt.Key.Key_Return)
    assert window.user_label.text() == "Mal\\u202e\\nlory"
    assert window.user_label.textFormat() == Qt.TextFormat.PlainText
    (login,) = AuditEntry.select().where(AuditEntry.type == "user_login")
    assert (login.user_id, login.details["name"]) == ("op6", "Mal\u202e\nlory")  # kept as it is, shown escaped


def rows(window) -> list[str]:
    picker = window.user_picker
    return [picker.item(i).text() for i in range(picker.count())]


def test_look_alike_names_show_their_user_id_and_each_signs_in_as_picked(operator, qtbot):
    window = operator.window
    listed = rows(window)
    assert "Olga Operator  [op1]   (operator, PIN)" in listed
    assert "Olga  operator  [op9]   (operator, badge only)" in listed
    assert "Sam Supervisor  [sup1]   (supervisor, PIN)" in listed
    assert "\u0405am Supervisor  [op8]   (operator, badge only)" in listed
    assert "Otto Operator   (operator, badge only)" in listed  # a name nobody shares stays as it was
    assert "Eve\\u202e rotarepO   (operator, badge only)" in listed  # the override shown, not obeyed

    operator.type("olga")  # the list follows the letters typed, once typing pauses
    qtbot.waitUntil(lambda: len(rows(window)) == 2, timeout=TIMEOUT)
    olgas = rows(window)
    for _ in range(olgas.index("Olga Operator  [op1]   (operator, PIN)") + 1):
        operator.key(Qt.Key.Key_Down)
    with qtbot.waitSignal(window.pin_requested, timeout=TIMEOUT):
        operator.key(Qt.Key.Key_Return)
    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT):
        operator.type("1234")
        operator.key(Qt.Key.Key_Return)
    logins = [(e.user_id, e.details.get("method")) for e in AuditEntry.select().where(AuditEntry.type == "user_login")]
    assert logins == [("op1", "name+PIN")]
