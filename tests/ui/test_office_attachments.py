"""Certificate attachments: a certificate's details and every serial it was attached to, driven like a person."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.helpers.office_views import TIMEOUT, load, office_tab, station_db, supervisor  # noqa: F401 (fixtures)
from ui.office.attachments import AttachmentsView
from ui.office.serial import SerialView


@pytest.fixture
def attachments_view(supervisor, qtbot):
    window = supervisor.window
    view = office_tab(window, AttachmentsView)
    window.tabs.setCurrentWidget(view)
    return view


def serial_and_step(model):
    return [(r.serial_id, r.step_id) for r in model.rows()]


def test_a_certificate_by_number_lists_its_attachments_with_count(attachments_view, qtbot, qtmodeltester):
    view = attachments_view
    load(qtbot, view, "HT-4711")  # the issuer's number finds cert_mat01
    assert view.certificate.id == "cert_mat01"
    details = view.details.text()
    for text in ("cert_mat01", "MATERIAL", "HT-4711", "active", "pending"):
        assert text in details
    assert view.model.count == 3 and view.count_label.text() == "3 attachments"
    assert view.stack.currentWidget() is view.table
    assert view.model.rowCount() == 3
    row = view.model.row_at(0)
    assert (row.serial_id, row.step_id, row.attached_by) == ("SN-00001", "step_001", "op1")
    assert view.model.data(view.model.index(0, 2)) == "Saw (step_001)"
    assert view.model.data(view.model.index(0, 4)) == "Olga Operator (op1)"
    qtmodeltester.check(view.model)


def test_sorting_by_a_header_asks_sql_for_a_new_order(attachments_view, qtbot):
    view = attachments_view
    load(qtbot, view, "cert_mat01")
    assert serial_and_step(view.model) == [("SN-00001", "step_001"), ("SN-00002", "step_001"),
                                           ("SN-00001", "step_002")]
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    assert serial_and_step(view.model) == [("SN-00002", "step_001"), ("SN-00001", "step_002"),
                                           ("SN-00001", "step_001")]
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.table.horizontalHeader().setSortIndicator(4, Qt.SortOrder.AscendingOrder)
    assert [r.attached_by for r in view.model.rows()] == ["op1", "op2", "sup1"]


def test_filters_by_text_step_user_and_date(attachments_view, qtbot):
    view = attachments_view
    load(qtbot, view, "cert_mat01")
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        qtbot.keyClicks(view.text_filter, "Otto")
        qtbot.keyClick(view.text_filter, Qt.Key.Key_Return)
    assert serial_and_step(view.model) == [("SN-00002", "step_001")]
    qtbot.waitUntil(lambda: view.count_label.text() == "1 attachment match the filters", timeout=TIMEOUT)
    view.text_filter.clear()

    qtbot.waitUntil(lambda: view.step_filter.count() == 3, timeout=TIMEOUT)
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.step_filter.setCurrentIndex(view.step_filter.findData("step_002"))
        view.step_filter.activated.emit(view.step_filter.currentIndex())
    assert serial_and_step(view.model) == [("SN-00001", "step_002")]
    view.step_filter.setCurrentIndex(0)

    qtbot.waitUntil(lambda: view.user_filter.findData("op1") >= 0, timeout=TIMEOUT)
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        view.user_filter.setCurrentIndex(view.user_filter.findData("op1"))
        view.user_filter.activated.emit(view.user_filter.currentIndex())
    assert serial_and_step(view.model) == [("SN-00001", "step_001")]
    view.user_filter.setCurrentIndex(0)

    with qtbot.waitSignal(view.listed, timeout=TIMEOUT) as blocker:
        view.until.setDate(view.until.date().currentDate().addDays(-2))
    assert blocker.args == [0] and view.message.text() == "No attachment matches these filters."
    assert view.stack.currentWidget() is view.message
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT) as blocker:
        view.until.setDate(view.until.date().currentDate())
    assert blocker.args == [3]


def test_an_unknown_certificate_says_so(attachments_view, qtbot):
    view = attachments_view
    with qtbot.waitSignal(view.message_shown, timeout=TIMEOUT) as blocker:
        qtbot.keyClicks(view.cert_field, "cert_nope")
        qtbot.keyClick(view.cert_field, Qt.Key.Key_Return)
    assert blocker.args == ["Certificate not found: cert_nope"]
    assert view.stack.currentWidget() is view.message and view.model.rowCount() == 0


def test_a_certificate_never_attached_says_so_instead_of_an_empty_grid(attachments_view, qtbot):
    view = attachments_view
    load(qtbot, view, "cert_insp01")
    assert view.stack.currentWidget() is view.message
    assert view.message.text().startswith("Certificate cert_insp01 has no attachments")
    assert view.count_label.text() == "0 attachments"


def test_enter_on_a_row_opens_the_serial(attachments_view, supervisor, qtbot):
    view = attachments_view
    load(qtbot, view, "cert_mat01")
    serial_view = office_tab(supervisor.window, SerialView)
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(1, 0))
    with qtbot.waitSignal(serial_view.serial_loaded, timeout=TIMEOUT) as blocker:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert blocker.args == ["SN-00002"]
    assert supervisor.window.tabs.currentWidget() is serial_view
