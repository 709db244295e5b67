"""The station at 1024x768, 1280x800 and 1920x1080, driven through its scan field: the name list shows
whole rows only, a certificate's row is two lines on the small screen, and from 1600x1000 the banner,
the top bar and the rows of the lists are larger. What a pick leads to is read from the database."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo

from app import certificates, users
from app import db as app_db
from app.models import AuditEntry, CertAttachment
from tests.helpers.elision import assert_nothing_cut
from tests.helpers.plant import TODAY
from tests.ui.conftest import TIMEOUT
from tests.ui.test_card import SIZES, check, fit, settle

# With the plant's four, more people than the name list shows at any of the sizes; Zoe, last, has a PIN.
MORE_PEOPLE = [("op3", "Petra Lind"), ("op4", "Mei Chen"), ("op5", "Jonas Weber"), ("op6", "Ben Carter"),
               ("op7", "Ines Duarte"), ("op8", "Kofi Mensah"), ("op9", "Liam Walsh"), ("op10", "Zoe Zimmer")]
# Names as long as the demo plant's.
MORE_CERTIFICATES = [("cert_cal01", "Calibration torque wrench TW-12", "CALIBRATION", "CAL-7101"),
                     ("cert_cal02", "Calibration CMM Zeiss Contura", "CALIBRATION", "CAL-7102"),
                     ("cert_proc02", "Induction hardening procedure", "PROCESS", "PQ-4402"),
                     ("cert_train03", "NDT level 2 PT (Jonas Weber)", "TRAINING", "TQ-503")]


@pytest.fixture
def station_db(station_db):
    app_db.open_database(station_db)
    for user_id, name in MORE_PEOPLE:
        users.create_user(user_id, name, "operator", f"B-{user_id.upper()}", pin="5678" if user_id == "op10" else None,
                          by="admin")
    for cert_id, name, kind, number in MORE_CERTIFICATES:
        certificates.create_certificate({"id": cert_id, "name": name, "kind": kind, "number": number,
                                         "date_release": TODAY - dt.timedelta(days=30), "validity": 1,
                                         "validity_unit": "YEAR", "warning": 10}, "admin")
    app_db.close_database()
    return station_db


def cut_rows(listing) -> list[str]:
    """The rows of ``listing`` that cross its viewport's edge: shown cut through their text."""
    area = listing.viewport().rect()
    rects = [(listing.item(i).text(), listing.visualItemRect(listing.item(i))) for i in range(listing.count())]
    return [text for text, rect in rects if rect.intersects(area) and not area.contains(rect)]


def hidden_rows(listing) -> int:
    area = listing.viewport().rect()
    return sum(not listing.visualItemRect(listing.item(i)).intersects(area) for i in range(listing.count()))


def logins() -> list[tuple[str, str]]:
    query = AuditEntry.select().where(AuditEntry.type == "user_login").order_by(AuditEntry.seq)
    return [(e.user_id, e.details.get("method")) for e in query]


@pytest.mark.parametrize("width, height", SIZES)
def test_the_name_list_shows_whole_rows_only_down_to_the_last_name(operator, qtbot, width, height):
    window = operator.window
    fit(qtbot, window, width, height)
    names = window.user_picker
    assert names.count() == 12 and hidden_rows(names) > 0  # more names than room: the list scrolls
    assert cut_rows(names) == []
    check(window, "signed out")

    for _ in range(names.count()):  # ↓ to the last name: at every step, whole rows only
        operator.key(Qt.Key.Key_Down)
        settle()
        assert cut_rows(names) == [], names.currentItem().text()
        assert names.viewport().rect().contains(names.visualItemRect(names.currentItem()))
    assert names.currentItem().text() == "Zoe Zimmer   (operator, PIN)"

    with qtbot.waitSignal(window.pin_requested, timeout=TIMEOUT) as blocker:
        operator.key(Qt.Key.Key_Return)
    assert blocker.args == ["op10"]
    with qtbot.waitSignal(window.signed_in, timeout=TIMEOUT):
        operator.type("5678")
        operator.key(Qt.Key.Key_Return)
    assert logins() == [("op10", "name+PIN")]


def test_at_1024_a_certificate_row_is_two_lines_and_a_row_picked_is_attached(signed_in, qtbot):
    window = signed_in.window
    picker = window.picker
    fit(qtbot, window, 1024, 768)
    line = picker.fontMetrics().lineSpacing()
    rows = {picker.item(i).data(Qt.ItemDataRole.UserRole).id: picker.item(i) for i in range(picker.count())}
    until = f"valid until {certificates.get_certificate('cert_cal01').date_expire.isoformat()}"
    assert rows["cert_cal01"].text() == f"cert_cal01 · {until}\nCalibration torque wrench TW-12"
    heights = {cert_id: picker.visualItemRect(item).height() for cert_id, item in rows.items()}
    assert max(heights.values()) < 3 * line, heights  # two lines of text, never three or four
    assert rows["cert_old"].text().startswith("cert_old · ✖ expired ")
    check(window, "certificates at 1024x768")

    fit(qtbot, window, 1280, 800)  # room for kind and number again, in the same rows
    assert rows["cert_cal01"].text() == (f"cert_cal01 — Calibration torque wrench TW-12\n"
                                         f"{until} · CALIBRATION · No. CAL-7101")
    assert max(picker.visualItemRect(item).height() for item in rows.values()) < 3 * line
    check(window, "certificates at 1280x800")

    fit(qtbot, window, 1024, 768)
    signed_in.key(Qt.Key.Key_Down)  # the first row that can be chosen, by the keyboard
    with qtbot.waitSignal(window.certificate_chosen, timeout=TIMEOUT) as chosen:
        signed_in.key(Qt.Key.Key_Return)
    assert chosen.args == ["cert_cal01"] and rows["cert_cal01"].text().startswith("cert_cal01 · ")
    signed_in.scan("SN-00001", window.serial_loaded)
    signed_in.enter(window.attached)
    assert [a.cert_id for a in CertAttachment.select().where(CertAttachment.serial == "SN-00001")] == ["cert_cal01"]


def measure(window) -> dict[str, int]:
    picker, history = window.picker, window.history
    return {"banner height": window.banner.height(), "banner type": QFontInfo(window.banner.font()).pixelSize(),
            "top bar height": window.top_bar.height(), "name type": QFontInfo(window.user_label.font()).pixelSize(),
            "certificate row": picker.visualItemRect(picker.item(0)).height(),
            "certificate type": QFontInfo(picker.font()).pixelSize(),
            "session row": history.visualItemRect(history.item(0)).height(),
            "session type": QFontInfo(history.font()).pixelSize()}


def test_from_1600x1000_the_banner_top_bar_and_list_rows_are_larger(signed_in, qtbot):
    window = signed_in.window
    measured = {}
    for width, height in ((1280, 800), (1920, 1080)):
        fit(qtbot, window, width, height)
        signed_in.scan("SN-00002", window.card_painted)
        settle()
        measured[width] = measure(window)
        assert_nothing_cut(window, f"serial loaded at {width}x{height}")
    small, large = measured[1280], measured[1920]
    assert [name for name in small if large[name] <= small[name]] == [], (small, large)
    assert (large["banner height"], large["banner type"], large["top bar height"]) == (116, 40, 72)

    # A result of two lines at the large size fits the banner whole.
    signed_in.scan("cert_mat01", window.certificate_chosen)
    signed_in.enter(window.attached)
    check(window, "attached at 1920x1080")
    assert window.banner.property("fit") == "normal"
    fit(qtbot, window, 1280, 800)  # and back: the sizes of a 1280 screen
    assert measure(window)["banner height"] == small["banner height"] == 86
    assert window.top_bar.height() == small["top bar height"] == 54
    assert [(a.serial_id, a.cert_id) for a in CertAttachment.select()] == [("SN-00002", "cert_mat01")]
