"""The supervisor's views on the small plant, for the office tests: the plant, the signed-in supervisor, a tab."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app import attachments
from app import db as app_db
from app import serials
from tests.helpers.plant import build_plant

TIMEOUT = 5000


@pytest.fixture
def station_db(tmp_path):
    """The plant; SN-00001..3 of JOB-1. cert_mat01 attached three times: SN-00001 at Saw (op1) and at Mill
    (sup1), SN-00002 at Saw (op2). SN-00003 was moved past Saw without it (an override)."""
    url = str(tmp_path / "station.sqlite3")
    app_db.open_database(url)
    build_plant()
    serials.create_serials("JOB-1", 3, "admin")
    attachments.attach("SN-00001", "cert_mat01", "op1")
    attachments.attach("SN-00002", "cert_mat01", "op2")
    serials.advance_serial("SN-00001", "op1")
    attachments.attach("SN-00001", "cert_mat01", "sup1")
    serials.advance_serial("SN-00003", "sup1", reason="Material certificate follows")
    app_db.close_database()
    yield url
    app_db.close_database()


@pytest.fixture
def supervisor(operator):
    operator.sign_in("B-SUP1", "432100")
    return operator


def office_tab(window, cls):
    for _title, view in window.office_views():
        if isinstance(view, cls):
            return view
    raise AssertionError(f"no {cls.__name__} tab")


def load(qtbot, view, code):
    """Type ``code`` into the Certificate attachments field and press Enter; wait for its first page and count."""
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.cert_field.setFocus()
        view.cert_field.clear()
        qtbot.keyClicks(view.cert_field, code)
        qtbot.keyClick(view.cert_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.count is not None, timeout=TIMEOUT)
