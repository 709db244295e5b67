"""The card and the screen at every promised size: nothing cut, nothing scrolled sideways, nothing moving.

Each size is driven like an operator (badge, serial, certificate, Enter) and the whole window is
walked by tests/helpers/elision.py in every state; the attachments are then read back from the
database.
"""
from __future__ import annotations

import datetime as dt
import socket

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, QRect, QSettings, Qt
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import attachments, certificates, routes, serials
from app import db as app_db
from app.models import CertAttachment
from tests.helpers.elision import assert_nothing_cut, cut_texts, horizontal_scroll_bars
from tests.helpers.plant import TODAY, build_plant
from tests.ui.conftest import TIMEOUT
from ui.settings import StationSettings

SIZES = [(1024, 768), (1280, 800), (1920, 1080)]
# Five certificates attached at SN-00001's second step ("Mill"), long names among them.
FIVE = ["cert_mat01", "cert_insp01", "cert_soon", "cert_x1", "cert_x2"]
LONG_ROUTE = ["Saw bar", "Rough turning", "Induction hardening", "Straightening", "Grinding",
              "Dynamic balancing", "Coordinate measuring", "Release to shipping"]


@pytest.fixture
def station_db(tmp_path):
    """The plant of tests/helpers/plant.py; SN-00001 at Mill with five certificates there, SN-00002 and
    SN-00003 at Saw; SN-00004 on an eight-step route with long step names, twelve certificates at its first."""
    url = str(tmp_path / "card.sqlite3")
    app_db.open_database(url)
    build_plant()
    names = ["Heat treatment record, quench and temper, furnace 4, batch 2026-117",
             "Calibration of the coordinate measuring machine Zeiss Contura G2"]
    names += [f"Straightness record {n}" for n in range(3, 13)]
    for number, name in enumerate(names, start=1):
        certificates.create_certificate({"id": f"cert_x{number}", "name": name, "kind": "PROCESS",
                                         "number": f"X-{number}", "date_release": TODAY - dt.timedelta(days=3)},
                                        "admin")
    serials.create_serials("JOB-1", 3, "admin")
    attachments.attach("SN-00001", "cert_mat01", "op1")
    serials.advance_serial("SN-00001", "admin")
    for cert_id in FIVE:
        attachments.attach("SN-00001", cert_id, "op2")
    routes.create_path({"id": "path_long", "name": "Drive shaft", "steps": [
        {"id": f"long_{n}", "name": name, "requires": ["INSPECTION"] if n == 6 else []}
        for n, name in enumerate(LONG_ROUTE)]}, "admin")
    routes.create_job({"id": "JOB-2", "name": "Drive shafts for Nordic Pumps, second lot", "part": "DS-2200-A",
                       "path": "path_long", "quantity": 2}, "admin")
    serials.create_serials("JOB-2", 1, "admin")
    for number in range(1, 13):
        attachments.attach("SN-00004", f"cert_x{number}", "op1")
    app_db.close_database()
    yield url
    app_db.close_database()


@pytest.fixture
def station_settings():
    return StationSettings(sounds=False, idle_sign_out_minutes=15, result_seconds=5, station_name="Line 3 – Saw")


def fit(qtbot, window, width: int, height: int) -> None:
    """The window at ``width`` x ``height`` with its layouts settled."""
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.size().toTuple() == (width, height), timeout=TIMEOUT)
    for _ in range(3):  # layouts post their requests; each pass may post the next
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()


def settle() -> None:
    for _ in range(3):
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()


def check(window, state: str) -> None:
    """Nothing cut and no horizontal scroll bar, naming the state and size when something is."""
    context = f"{state} at {window.width()}x{window.height()}"
    settle()
    assert_nothing_cut(window, context)
    assert not horizontal_scroll_bars(window), f"horizontal scroll bar ({context}): {horizontal_scroll_bars(window)}"


def geometry(widget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def attached_at(serial_id: str, step_id: str) -> list[str]:
    return [a.cert_id for a in CertAttachment.select().where((CertAttachment.serial == serial_id)
                                                             & (CertAttachment.step == step_id))
            .order_by(CertAttachment.id)]


@pytest.mark.parametrize("width, height", SIZES)
def test_every_state_at_every_promised_size_shows_its_text_whole(operator, qtbot, width, height):
    window = operator.window
    fit(qtbot, window, width, height)
    check(window, "signed out")

    with qtbot.waitSignal(window.certificates_listed, timeout=TIMEOUT):
        operator.sign_in()
    check(window, "signed in")

    operator.scan("SN-00002", window.card_painted)
    check(window, "serial loaded")
    card, strip = geometry(window.card), geometry(window.card.strip)

    operator.scan("cert_mat01", window.certificate_chosen)
    check(window, "certificate chosen")
    # Choosing a certificate moves nothing above the panel.
    assert (geometry(window.card), geometry(window.card.strip)) == (card, strip)

    operator.enter(window.attached)
    assert attached_at("SN-00002", "step_001") == ["cert_mat01"]
    check(window, "attached")
    assert window.card.strip.texts(0)[1] == "cert_mat01 · Mill test report 42CrMo4"

    operator.scan("SN-00001", window.card_painted)
    check(window, "five certificates at one step")
    operator.scan("SN-00004", window.card_painted)
    check(window, "an eight-step route")


@pytest.mark.parametrize("width, height", SIZES)
def test_five_certificates_at_one_step_are_all_shown_or_a_tap_away(signed_in, qtbot, width, height):
    window = signed_in.window
    fit(qtbot, window, width, height)
    signed_in.scan("SN-00001", window.card_painted)
    settle()
    strip = window.card.strip
    in_db = attached_at("SN-00001", "step_002")
    assert in_db == FIVE
    shown = [cert for cert in in_db if any(line.startswith(cert) for line in strip.texts(1))]
    # Those not on the strip are counted on it, never silently dropped.
    assert strip.hidden(1) == len(in_db) - len(shown)
    if strip.hidden(1):
        assert f"+{strip.hidden(1)} more" in strip.texts(1) or f"{len(in_db)} certificates: tap" in strip.texts(1)
    assert strip.elided_texts() == []

    # A tap on the step lists them all, in full, over the card; the scan field keeps the keyboard.
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.column_rect(1).center())
    listing = window.card.step_list
    assert listing.isVisible()
    assert listing.geometry().intersects(geometry(window.card))
    entries = [label.text() for label in listing.entries]
    assert len(entries) == len(in_db)
    for cert_id, text in zip(in_db, entries, strict=True):
        assert text.startswith(f"<b>{cert_id} · ") and "Otto Operator" in text
    assert window.focusWidget() is window.scan_field
    settle()
    assert_nothing_cut(window, f"the step's list at {width}x{height}")

    # Esc closes the list and only the list: the serial stays loaded.
    with qtbot.waitSignal(listing.closed, timeout=TIMEOUT):
        signed_in.key(Qt.Key.Key_Escape)
    assert not listing.isVisible() and window.serial.id == "SN-00001"
    assert window.focusWidget() is window.scan_field

    # A scan while the list is open closes it and is read whole.
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.column_rect(1).center())
    assert listing.isVisible()
    signed_in.scan("SN-00002", window.serial_loaded)
    assert not listing.isVisible() and window.serial.id == "SN-00002"


def test_twelve_certificates_where_six_fit_say_how_many_more_and_list_them_all(signed_in, qtbot):
    window = signed_in.window
    fit(qtbot, window, 1024, 768)
    signed_in.scan("SN-00004", window.card_painted)
    settle()
    strip = window.card.strip
    in_db = attached_at("SN-00004", "long_0")
    assert len(in_db) == 12
    hidden = strip.hidden(0)
    shown = [cert for cert in in_db if any(line.startswith(f"{cert} ") or line == cert for line in strip.texts(0))]
    assert hidden > 0 and len(shown) + hidden == 12
    assert strip.texts(0)[-1] == f"+{hidden} more"
    assert strip.elided_texts() == []
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.column_rect(0).center())
    listing = window.card.step_list
    assert [label.text().split(" · ")[0].removeprefix("<b>") for label in listing.entries] == in_db
    assert window.focusWidget() is window.scan_field
    settle()
    assert_nothing_cut(window, "twelve certificates listed at 1024x768")
    with qtbot.waitSignal(listing.closed, timeout=TIMEOUT):
        qtbot.mouseClick(listing, Qt.MouseButton.LeftButton)
    assert window.serial.id == "SN-00004"


@pytest.mark.parametrize("width, height", [(1024, 768), (1920, 1080)])
def test_a_long_route_keeps_every_step_name_whole(signed_in, qtbot, width, height):
    window = signed_in.window
    fit(qtbot, window, width, height)
    signed_in.scan("SN-00004", window.card_painted)
    settle()
    strip = window.card.strip
    heads = [strip.texts(n)[0] for n in range(len(LONG_ROUTE))]
    assert heads == [("▶ " if n == 0 else "") + f"{n + 1}. {name}" for n, name in enumerate(LONG_ROUTE)]
    assert strip.elided_texts() == []
    assert strip.column_rect(len(LONG_ROUTE) - 1).right() <= strip.width()
    assert not horizontal_scroll_bars(window)


def test_the_card_stays_put_for_a_refused_or_expiring_certificate(signed_in, qtbot):
    window = signed_in.window
    fit(qtbot, window, 1024, 768)
    signed_in.scan("SN-00003", window.card_painted)
    settle()
    before = (geometry(window.card), geometry(window.card.strip), geometry(window.cert_panel))
    signed_in.scan("cert_old", window.refused)
    settle()
    panel = window.cert_panel
    assert panel.refusal.isVisible() and not panel.attach_button.isVisible()
    assert panel.state_label.text() == f"✖ expired {(TODAY - dt.timedelta(days=1)).isoformat()}"
    assert (geometry(window.card), geometry(window.card.strip), geometry(window.cert_panel)) == before
    check(window, "refused certificate")

    signed_in.scan("cert_soon", window.certificate_chosen)
    settle()
    assert panel.state_label.text() == "⚠ expires in 5 days"
    assert panel.attach_button.isVisible()
    assert (geometry(window.card), geometry(window.card.strip), geometry(window.cert_panel)) == before
    check(window, "expiring certificate")
    signed_in.enter(window.attached)
    assert attached_at("SN-00003", "step_001") == ["cert_soon"]


def test_the_certificate_reads_as_one_phrase(signed_in):
    window = signed_in.window
    signed_in.scan("cert_rev", window.refused)
    panel = window.cert_panel
    assert panel.state_label.text() == "✖ revoked"
    signed_in.scan("cert_mat01", window.certificate_chosen)
    expire = certificates.get_certificate("cert_mat01").date_expire
    assert panel.state_label.text() == f"valid until {expire.isoformat()}"
    texts = " ".join(label.text() for label in (panel.facts, panel.state_label))
    assert "active" not in texts and "EXPIRED" not in texts


def test_the_header_names_the_station_and_keeps_the_database_in_its_tool_tip(station, station_db):
    assert station.station_label.text() == "Line 3 – Saw"
    assert station_db in station.station_label.toolTip()
    assert station_db not in " ".join(label.text() for label in station.findChildren(QLabel))
    assert cut_texts(station.station_label) == []


def test_the_station_name_defaults_to_the_host_name():
    assert StationSettings().station_name == socket.gethostname()
    assert StationSettings(station_name="  Line 3 –\tSaw ").station_name == "Line 3 – Saw"
    assert len(StationSettings(station_name="x" * 100).station_name) == 40


@pytest.fixture
def settings_store(tmp_path):
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield tmp_path / "settings"


def test_an_administrator_names_the_station_in_the_settings(settings_store, operator, qtbot):
    operator.sign_in("B-ADM", None)
    view = dict(operator.window.office_views())["Settings"]
    view.station_name_field.clear()
    qtbot.keyClicks(view.station_name_field, "Line 4 - Drill")  # QTest types ASCII only
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        view.save_button.click()
    assert StationSettings.load().station_name == "Line 4 - Drill"


def test_the_elision_helper_names_each_widget_whose_text_is_cut(qtbot):
    root = QWidget()
    qtbot.addWidget(root)
    column = QVBoxLayout(root)
    words = "Calibration of the coordinate measuring machine"
    label = QLabel(words, objectName="oneLine")
    wrapped = QLabel(words, objectName="wrapped", wordWrap=True)
    button = QPushButton(words, objectName="button")
    edit = QLineEdit(objectName="edit", placeholderText=words)
    table = QTableWidget(1, 1, objectName="table")
    table.setHorizontalHeaderLabels([words])
    table.setItem(0, 0, QTableWidgetItem(words))
    table.setWordWrap(False)
    listing = QListWidget(objectName="list")
    listing.addItem(words)
    for widget in (label, wrapped, button, edit, table, listing):
        widget.setFixedWidth(120)
        column.addWidget(widget)
    wrapped.setFixedHeight(20)
    table.setColumnWidth(0, 60)
    root.show()
    qtbot.waitExposed(root)
    settle()
    named = {problem.split(":")[0].split(" in ")[0] for problem in cut_texts(root)}
    assert named == {"QLabel#oneLine", "QLabel#wrapped", "QPushButton#button", "QLineEdit#edit",
                     "QHeaderView", "QTableWidget#table", "QListWidget#list"}

    for widget in (label, wrapped, button, edit, table, listing):
        widget.setMinimumWidth(0)
        widget.setMaximumWidth(16_777_215)
    wrapped.setMinimumHeight(0)
    wrapped.setMaximumHeight(16_777_215)
    table.setColumnWidth(0, 600)
    root.resize(900, 700)
    qtbot.waitUntil(lambda: root.width() == 900, timeout=TIMEOUT)
    settle()
    assert cut_texts(root) == []
