"""Serial detail: a serial's route step by step, who attached what and when, and its audit entries."""
from __future__ import annotations

from PySide6.QtCore import Qt

from tests.helpers.office_views import TIMEOUT, office_tab, station_db, supervisor  # noqa: F401 (fixtures)
from ui.office.serial import SerialView


def test_serial_detail_shows_steps_certificates_and_audit(supervisor, qtbot):
    view = office_tab(supervisor.window, SerialView)
    with qtbot.waitSignal(view.serial_loaded, timeout=TIMEOUT):
        qtbot.keyClicks(view.serial_field, "SN-00001")
        qtbot.keyClick(view.serial_field, Qt.Key.Key_Return)
    header = view.header.text()
    for text in ("SN-00001", "JOB-1", "Flange machining", "path_a", "Mill"):
        assert text in header
    saw, mill = view.steps.topLevelItem(0), view.steps.topLevelItem(1)
    assert saw.childCount() == 1 and saw.child(0).text(0).startswith("cert_mat01")
    assert saw.child(0).text(3) == "Olga Operator (op1)"
    assert mill.child(0).text(3) == "Sam Supervisor (sup1)"
    types = [view.audit.item(r, 2).text() for r in range(view.audit.rowCount())]
    assert types == ["cert_attached", "serial_advanced", "cert_attached", "serial_created"]
    with qtbot.waitSignal(view.message_shown, timeout=TIMEOUT) as blocker:
        view.show_serial("SN-99999")
    assert blocker.args == ["SerialNumber not found: SN-99999"]
