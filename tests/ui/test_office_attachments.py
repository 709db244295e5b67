"""Certificate attachments: a certificate's details and every serial it was attached to, driven like a person."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtWidgets import QLabel

from tests.helpers.office_views import TIMEOUT, load, office_tab, station_db, supervisor  # noqa: F401 (fixtures)
from tests.helpers.elision import assert_nothing_cut
from tests.helpers.plant import TODAY
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


def cell(model, row, column, role=Qt.ItemDataRole.DisplayRole):
    return model.data(model.index(row, column), role)


def test_a_certificate_by_number_lists_its_attachments_in_words(attachments_view, qtbot, qtmodeltester):
    view = attachments_view
    load(qtbot, view, "HT-4711")  # the issuer's number finds cert_mat01
    assert view.certificate.id == "cert_mat01"
    details = view.details.text()
    for text in ("cert_mat01", "Mill test report 42CrMo4", "Material, EN 10204 3.1", "HT-4711",
                 f"Valid until {view.certificate.date_expire.isoformat()}", "Documents: Waiting for documents"):
        assert text in details
    for code in ("MATERIAL", "active", "pending"):  # the codes only in the tool tip
        assert code not in details and code in view.details.toolTip()
    assert view.model.count == 3 and view.count_label.text() == "3 attachments"
    assert view.stack.currentWidget() is view.table
    assert view.model.rowCount() == 3
    row = view.model.row_at(0)
    assert (row.serial_id, row.step_id, row.attached_by) == ("SN-00001", "step_001", "op1")
    assert [cell(view.model, 0, c) for c in (0, 1, 2, 4)] == ["SN-00001", "JOB-1", "Saw", "Olga Operator"]
    assert cell(view.model, 0, 2, Qt.ItemDataRole.ToolTipRole) == "Step id: step_001"
    assert cell(view.model, 0, 4, Qt.ItemDataRole.ToolTipRole) == "User id: op1"
    local = row.attached_at.replace(tzinfo=dt.timezone.utc).astimezone()
    assert cell(view.model, 0, 3) == local.strftime("%Y-%m-%d %H:%M:%S")
    assert cell(view.model, 0, 3, Qt.ItemDataRole.ToolTipRole) == \
        f"{row.attached_at.isoformat(sep=' ', timespec='milliseconds')} UTC"
    qtmodeltester.check(view.model)


def test_the_state_of_a_revoked_or_expiring_certificate_stands_out(attachments_view, qtbot):
    view = attachments_view
    for code, words in (("cert_rev", "Revoked"), ("cert_soon", "Expires in 5 days"),
                        ("cert_old", f"Expired {(TODAY - dt.timedelta(days=1)).isoformat()}")):
        load(qtbot, view, code)
        assert words in view.details.text()
        assert "#b00020" in view.details.text() or "#8a5300" in view.details.text()


def test_the_view_reads_top_down_and_its_filters_fit(attachments_view, supervisor, qtbot):
    """Heading, the certificate and its summary, the filters, the table, then the count and the exports;
    the filters on one row where they fit whole (1920), the dates on a second where not (1024)."""
    view = attachments_view
    window = supervisor.window
    assert not view.exports.csv_button.isEnabled()  # nothing to export before a certificate
    load(qtbot, view, "cert_mat01")
    assert view.exports.csv_button.isEnabled() and view.exports.pdf_button.isEnabled()
    heading = view.findChild(QLabel, "viewTitle")
    assert heading.text() == "Certificate attachments"

    def top(widget):
        return widget.mapTo(view, QPoint(0, 0)).y()

    tops = [top(w) for w in (heading, view.cert_field, view.details, view.text_filter, view.table)]
    assert tops == sorted(tops)
    table_bottom = top(view.table) + view.table.height()
    assert top(view.count_label) >= table_bottom and top(view.exports.csv_button) >= table_bottom

    qtbot.waitUntil(lambda: view.user_filter.findData("op2") >= 0, timeout=TIMEOUT)
    for size, wrapped in ((QSize(1920, 1080), False), (QSize(1024, 768), True), (QSize(1280, 800), False)):
        window.resize(size)
        qtbot.waitUntil(lambda: view.filters.wrapped == wrapped
                        and (top(view.since) > top(view.text_filter) + 10) == wrapped, timeout=TIMEOUT)
        assert_nothing_cut(view.filters, f"filters at {size.width()}x{size.height()}")
        for combo in (view.step_filter, view.user_filter):  # every name reads whole once chosen
            for index in range(combo.count()):
                combo.setCurrentIndex(index)
                assert_nothing_cut(combo, f"{combo.currentText()} at {size.width()}x{size.height()}")
            combo.setCurrentIndex(0)
        view.since.setDate(TODAY)
        assert_nothing_cut(view.since, f"a date at {size.width()}x{size.height()}")


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
    steps = [(view.step_filter.itemText(i), view.step_filter.itemData(i, Qt.ItemDataRole.ToolTipRole))
             for i in range(1, view.step_filter.count())]
    assert steps == [("Mill", "Step id: step_002"), ("Saw", "Step id: step_001")]
    op1 = view.user_filter.findData("op1")
    assert view.user_filter.itemText(op1) == "Olga Operator"
    assert view.user_filter.itemData(op1, Qt.ItemDataRole.ToolTipRole) == "User id: op1"
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
