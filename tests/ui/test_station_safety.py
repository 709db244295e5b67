"""The station never attaches to the wrong part, never offers what the attach refuses, and never shows
one user's work to the next. Driven through the scan field; what was written is read from the database
after the window has shut down (its worker finishes everything queued before it stops)."""
from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from app import attachments, audit, documents, policy, reports
from app import db as app_db
from tests.helpers import documents_corpus as corpus
from tests.ui.conftest import TIMEOUT
from ui import operations as ui_operations
from ui.card import PLACEHOLDER
from ui.station import NOT_LOOKED_UP, NOT_UNDERSTOOD
from ui.station.attach import PART_FIRST
from ui.widgets import CERTIFICATE_PROMPT

PDF = corpus.pdf()
NOT_APPROVED = ("Certificate cert_mat01 is not approved (review status pending); "
                "only approved certificates may be attached")


@pytest.fixture
def require_approved() -> bool | None:
    """The plant's approval policy for the test's database; None leaves it at its default (off)."""
    return None


@pytest.fixture
def station_db(station_db, require_approved, tmp_path, monkeypatch):
    """conftest's plant, with cert_insp01 approved by a supervisor and the approval policy as asked."""
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(tmp_path / "documents"))
    app_db.open_database(station_db)
    documents.add_document_bytes("cert_insp01", PDF, "report.pdf", "sup1")
    documents.approve_certificate("cert_insp01", "sup1", "432100")
    if require_approved is not None:
        policy.set_policy("require_approved", require_approved, "admin", "Customer requires reviewed MTRs")
    app_db.close_database()
    return station_db


def written(window, url: str) -> tuple[list[tuple[str, str, str]], int]:
    """Shut the window (its worker ends what is queued), then read the database: every attachment of
    SN-00001..3 as (serial, certificate, step) and the number of cert_attached audit entries."""
    window.shutdown()
    app_db.open_database(url)
    rows = [(a.serial_id, a.cert_id, a.step_id)
            for serial in ("SN-00001", "SN-00002", "SN-00003") for a in attachments.attachments_of_serial(serial)]
    entries = reports.audit_page(reports.AuditQuery(type="cert_attached")).rows
    assert audit.verify().ok
    return rows, len(entries)


def load_serial_and_certificate(operator, serial: str = "SN-00001", cert: str = "cert_mat01") -> None:
    window = operator.window
    operator.scan(serial, window.serial_loaded)
    operator.scan(cert, window.certificate_chosen)
    assert window.serial.id == serial and window.certificate.id == cert
    assert window.cert_panel.attach_button.isEnabled()


def assert_nothing_loaded(window, card_says: str) -> None:
    assert window.serial is None and window.certificate is None
    assert window.card.serial is None and window.cert_panel.view is None
    assert window.card.placeholder.isVisibleTo(window) and window.card.placeholder.text() == card_says
    # The certificate panel beside the card asks for the same next step: the part first.
    panel = window.cert_panel.placeholder
    assert panel.isVisibleTo(window) and panel.text() == PART_FIRST == "Scan the part again, then its certificate"
    assert not window.cert_panel.attach_button.isEnabled()
    assert window.focusWidget() is window.scan_field


# ---- a scan that is not understood unloads the part ------------------------------------------------------

NOT_UNDERSTOOD_SCANS = [
    pytest.param("SN-99999", "unknown_code", "Unknown code: SN-99999", id="unknown code"),
    pytest.param("SN-00 01", "refused", "Code may hold only letters, digits and signs, no spaces: SN-00 01",
                 id="smudged label"),
    pytest.param("]C121SN-404", "refused", "SerialNumber not found: SN-404", id="GS1 serial not found"),
]


@pytest.mark.parametrize("code, signal, message", NOT_UNDERSTOOD_SCANS)
def test_a_scan_not_understood_unloads_the_serial_and_enter_attaches_nothing(signed_in, station_db, code, signal,
                                                                            message):
    window = signed_in.window
    load_serial_and_certificate(signed_in)

    assert signed_in.scan(code, getattr(window, signal)) == [message]

    assert_nothing_loaded(window, NOT_UNDERSTOOD)
    assert window.card.placeholder.text() == "No serial loaded: the last scan was not understood. Scan the part again."
    assert window.banner.state == "refused" and window.banner.text() == f"✖  {message}"
    assert window.history.entries()[0] == ("refused", window.history.entries()[0][1])
    assert window.history.entries()[0][1].endswith(message)
    # The next certificate and Enter: a prompt to scan a serial, nothing written.
    signed_in.scan("cert_mat01", window.certificate_chosen)
    window.banner.clear_result()  # what the banner says once the red result has had its seconds
    assert window.banner.text() == "Scan a serial for cert_mat01"
    assert not window.cert_panel.attach_button.isEnabled()
    signed_in.key(Qt.Key.Key_Return)
    assert window.banner.text() == "Scan a serial first"
    signed_in.qtbot.mouseClick(window.cert_panel.attach_button, Qt.MouseButton.LeftButton)  # disabled: nothing
    assert not window._attaching
    assert written(window, station_db) == ([], 0)


def test_with_attach_on_certificate_scan_a_certificate_after_an_unknown_code_asks_for_a_serial(
        signed_in, station_settings, station_db):
    window = signed_in.window
    station_settings.attach_on_certificate_scan = True
    signed_in.scan("SN-00001", window.serial_loaded)
    signed_in.scan("SN-99999", window.unknown_code)
    assert signed_in.scan("cert_mat01", window.certificate_chosen) == ["cert_mat01"]
    assert window.banner.text() == "Scan a serial first" and window.serial is None
    assert written(window, station_db) == ([], 0)


def test_the_serial_scanned_again_after_an_unknown_code_attaches_to_it(signed_in, station_db):
    window = signed_in.window
    load_serial_and_certificate(signed_in)
    signed_in.scan("SN-99999", window.unknown_code)
    assert window.cert_panel.placeholder.text() == PART_FIRST
    signed_in.scan("SN-00002", window.serial_loaded)  # the part is back: the panel asks for its certificate
    assert window.cert_panel.placeholder.text() == CERTIFICATE_PROMPT == "Scan or pick a certificate"
    load_serial_and_certificate(signed_in, "SN-00002")
    assert window.card.serial_label.text() == "SN-00002" and not window.card.placeholder.isVisibleTo(window)
    assert signed_in.enter(window.attached) == ["SN-00002", "cert_mat01", "step_001"]
    assert written(window, station_db) == ([("SN-00002", "cert_mat01", "step_001")], 1)


def test_esc_after_an_unknown_code_shows_the_usual_prompt_on_the_card(signed_in):
    window = signed_in.window
    signed_in.scan("SN-00001", window.serial_loaded)
    signed_in.scan("SN-99999", window.unknown_code)
    signed_in.key(Qt.Key.Key_Escape)
    assert window.card.placeholder.text() == PLACEHOLDER
    assert window.cert_panel.placeholder.text() == CERTIFICATE_PROMPT


# ---- a lookup that fails unloads the part ---------------------------------------------------------------

def test_a_database_failure_while_reading_a_scan_leaves_no_serial(signed_in, station_db, monkeypatch):
    window = signed_in.window
    load_serial_and_certificate(signed_in)

    def broken(*args):
        raise OSError("disk I/O error")

    monkeypatch.setattr(ui_operations, "read", broken)
    assert signed_in.scan("SN-00002", window.refused) == ["Database error: disk I/O error"]
    assert_nothing_loaded(window, NOT_LOOKED_UP)
    assert window.banner.state == "refused" and "Database error: disk I/O error" in window.banner.text()
    monkeypatch.undo()
    # The database is back: the certificate alone attaches nothing, the serial scanned again does.
    signed_in.scan("cert_mat01", window.certificate_chosen)
    signed_in.key(Qt.Key.Key_Return)
    assert window.banner.text() == "Scan a serial first"
    signed_in.scan("SN-00002", window.serial_loaded)
    signed_in.enter(window.attached)
    assert written(window, station_db) == ([("SN-00002", "cert_mat01", "step_001")], 1)


# ---- an Enter that overtakes its scan waits for it ------------------------------------------------------

def _slow_reads(monkeypatch, seconds: float) -> None:
    real = ui_operations.read

    def slow(*args):
        time.sleep(seconds)
        return real(*args)

    monkeypatch.setattr(ui_operations, "read", slow)


def test_enter_right_after_an_unknown_code_waits_for_it_and_attaches_nothing(signed_in, station_db, monkeypatch):
    window = signed_in.window
    load_serial_and_certificate(signed_in)
    _slow_reads(monkeypatch, 0.3)
    with signed_in.qtbot.waitSignal(window.unknown_code, timeout=TIMEOUT):
        signed_in.type("SN-99999")
        signed_in.key(Qt.Key.Key_Return)
        signed_in.key(Qt.Key.Key_Return)  # the operator's Enter, before the scan has been looked up
        assert window.serial.id == "SN-00001" and not window._attaching  # not sent to SN-00001
    assert_nothing_loaded(window, NOT_UNDERSTOOD)
    assert window.banner.text().endswith("Unknown code: SN-99999")  # not overwritten by the waiting Enter
    assert written(window, station_db) == ([], 0)


def test_enter_right_after_a_new_serial_attaches_to_the_new_serial(signed_in, station_db, monkeypatch):
    window = signed_in.window
    load_serial_and_certificate(signed_in)
    _slow_reads(monkeypatch, 0.3)
    with signed_in.qtbot.waitSignal(window.attached, timeout=TIMEOUT) as blocker:
        signed_in.type("SN-00002")
        signed_in.key(Qt.Key.Key_Return)
        signed_in.key(Qt.Key.Key_Return)
    assert blocker.args == ["SN-00002", "cert_mat01", "step_001"]
    assert written(window, station_db) == ([("SN-00002", "cert_mat01", "step_001")], 1)


# ---- only approved certificates: the station says so before Enter ----------------------------------------

def picker_rows(window) -> dict[str, object]:
    return {window.picker.item(i).data(Qt.ItemDataRole.UserRole).id: window.picker.item(i)
            for i in range(window.picker.count())}


@pytest.mark.parametrize("require_approved", [True])
def test_with_approval_required_a_pending_certificate_is_refused_in_the_list_and_when_scanned(
        signed_in, station_db, require_approved):
    window = signed_in.window
    rows = picker_rows(window)
    pending = rows["cert_mat01"]
    assert not pending.flags() & Qt.ItemFlag.ItemIsEnabled
    assert pending.text() == "cert_mat01 — Mill test report 42CrMo4\n✖ not approved (pending) · MATERIAL · No. HT-4711"
    assert pending.toolTip() == NOT_APPROVED
    assert rows["cert_insp01"].flags() & Qt.ItemFlag.ItemIsEnabled
    assert rows["cert_rev"].text().endswith("✖ revoked · CONFORMANCE · No. COC-3")
    # The arrows pass over every certificate the attach would refuse: only the approved one is left.
    chosen = set()
    for _ in range(window.picker.count() + 1):
        signed_in.key(Qt.Key.Key_Down)
        chosen.add(window.picker.chosen().id)
    assert chosen == {"cert_insp01"}
    signed_in.key(Qt.Key.Key_Escape)

    signed_in.scan("SN-00001", window.serial_loaded)
    assert signed_in.scan("HT-4711", window.refused) == [NOT_APPROVED]  # by its number
    assert window.cert_panel.refusal.text() == f"✖ {NOT_APPROVED}" and window.cert_panel.refusal.isVisibleTo(window)
    assert not window.cert_panel.attach_button.isVisibleTo(window)
    assert window.banner.state == "refused" and window.banner.text() == f"✖  {NOT_APPROVED}"
    assert window.certificate is None
    signed_in.key(Qt.Key.Key_Return)
    assert window.banner.text() == "Scan or pick a certificate first"
    # The approved certificate goes on as usual.
    signed_in.scan("cert_insp01", window.certificate_chosen)
    assert signed_in.enter(window.attached) == ["SN-00001", "cert_insp01", "step_001"]
    assert written(window, station_db) == ([("SN-00001", "cert_insp01", "step_001")], 1)


def test_without_the_policy_a_pending_certificate_is_offered_and_attaches(signed_in, station_db):
    window = signed_in.window
    rows = picker_rows(window)
    assert rows["cert_mat01"].flags() & Qt.ItemFlag.ItemIsEnabled and "✖" not in rows["cert_mat01"].text()
    signed_in.scan("SN-00001", window.serial_loaded)
    signed_in.scan("cert_mat01", window.certificate_chosen)
    assert window.cert_panel.attach_button.isEnabled()
    assert signed_in.enter(window.attached) == ["SN-00001", "cert_mat01", "step_001"]
    assert written(window, station_db) == ([("SN-00001", "cert_mat01", "step_001")], 1)


# ---- a new session starts clean -----------------------------------------------------------------------

def work_a_little(operator) -> None:
    """An attach and a refusal in the session list, a serial loaded and a certificate chosen."""
    window = operator.window
    load_serial_and_certificate(operator)
    operator.enter(window.attached)
    operator.scan("cert_rev", window.refused)
    operator.scan("cert_insp01", window.certificate_chosen)
    texts = " ".join(text for _, text in window.history.entries())
    assert "Attached cert_mat01" in texts and "cert_rev is revoked" in texts


def assert_fresh_session(window, first_line: str) -> None:
    ((state, text),) = window.history.entries()
    assert state == "info" and text.endswith(first_line)
    assert window.serial is None and window.certificate is None and window.cert_panel.view is None
    assert window.card.placeholder.text() == PLACEHOLDER


@pytest.mark.parametrize("how", ["button", "F12", "idle"])
def test_signing_out_clears_the_session_list(signed_in, qtbot, how):
    window = signed_in.window
    work_a_little(signed_in)
    with qtbot.waitSignal(window.signed_out, timeout=TIMEOUT):
        if how == "button":
            qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
        elif how == "F12":
            signed_in.key(Qt.Key.Key_F12)
        else:
            window._idle_timer.start(10)
    assert window.history.count() == 0
    assert window.serial is None and window.certificate is None
    signed_in.sign_in("B-OP2", pin=None)
    assert_fresh_session(window, "Signed in: Otto Operator")


def test_another_badge_clears_the_session_list_the_serial_and_the_certificate(signed_in, station_db):
    window = signed_in.window
    work_a_little(signed_in)
    assert window.serial.id == "SN-00001" and window.certificate.id == "cert_insp01"
    signed_in.sign_in("B-SUP1", pin="432100")
    assert window.user.id == "sup1"
    assert_fresh_session(window, "Switched to Sam Supervisor")
    # Enter attaches nothing of the last user's choice.
    signed_in.key(Qt.Key.Key_Return)
    assert window.banner.text() == "Scan a serial first"
    assert written(window, station_db) == ([("SN-00001", "cert_mat01", "step_001")], 1)
