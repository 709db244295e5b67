"""The Packs tab and the pack dialog, driven by a supervisor signed in by badge and PIN on a plant with
documented certificates (tests/helpers/pack.py): the gaps shown before anything is made, a pack with gaps
refused without a reason (no file, no row, no entry), made with a reason and the PIN (a PDF, listed, its
``pack`` row and ``pack_made`` entry), a wrong PIN making nothing, "is this the pack we sent?" answered
for the file made and for another PDF; an operator has no Packs tab. The plant is built once per module
and copied for each test."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app import db as app_db
from app.models import AuditEntry
from app.pack.store import Pack
from app.queries.pack_screen import listed_serials
from tests.helpers.elision import cut_texts
from tests.helpers.pack import GAPS_JOB, JOB, build_pack_plant, pdf_document
from tests.helpers.setup_views import TIMEOUT, ask, click, open_tab, opened, station_desk, tab_titles, type_into
from tests.ui.conftest import Operator
from ui.office.pack_dialog import PackDialog
from ui.office.packs import PacksView

REASON = "Customer accepts the open inspection under concession C-118"


@pytest.fixture(scope="module")
def pack_plant(tmp_path_factory) -> Path:
    """The pack plant with 3 serials of JOB-1 (complete, documented) and JOB-GAPS (two gaps), once."""
    path = tmp_path_factory.mktemp("packs-plant") / "plant.sqlite3"
    app_db.open_database(str(path))
    try:
        build_pack_plant(3)
    finally:
        app_db.close_database()
    return path


@pytest.fixture
def desk(qtbot, pack_plant, tmp_path) -> Operator:
    url = str(tmp_path / "certline.sqlite3")
    shutil.copy(pack_plant, url)
    with station_desk(qtbot, url) as operator:
        yield operator


def packs_tab(desk: Operator) -> PacksView:
    desk.sign_in("B-SUP1", "432100")
    return open_tab(desk.qtbot, desk.window, "Packs", lambda v: v.count.text() != "")


def open_dialog(qtbot, view: PacksView, job: str | None = None) -> PackDialog:
    """The dialog opened by its button, in front; with ``job`` chosen and shown."""
    dialog = opened(qtbot, view, view.make_button)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=TIMEOUT)
    if job is None:
        return dialog
    qtbot.waitUntil(lambda: dialog.job.count() > 0, timeout=TIMEOUT)
    dialog.job.setFocus()
    while dialog.job.currentData() != job:  # chosen from the keyboard, as a person goes down the list
        before = dialog.job.currentIndex()
        qtbot.keyClick(dialog.job, Qt.Key.Key_Down)
        assert dialog.job.currentIndex() != before, f"{job} is not in the list of jobs"
    with qtbot.waitSignal(dialog.previewed, timeout=TIMEOUT):
        click(qtbot, dialog.show_button)
    return dialog


def fill(qtbot, dialog: PackDialog, pin: str, reason: str = "") -> None:
    type_into(qtbot, dialog.plant, "Werk Nord, Flange line")
    type_into(qtbot, dialog.customer, "Acme Aerospace")
    type_into(qtbot, dialog.order_ref, "PO-2024-0815")
    dialog.reason.setFocus()
    dialog.reason.clear()
    qtbot.keyClicks(dialog.reason, reason)
    type_into(qtbot, dialog.pin, pin)


class SaveAnswer:
    """QFileDialog.getSaveFileName answered with a file in the test's folder; counts the times asked."""

    def __init__(self, monkeypatch, path: Path):
        self.path, self.asked = path, 0
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self)

    def __call__(self, parent, title, offered, kinds):
        self.asked += 1
        assert offered.endswith("Conformance pack Acme Aerospace PO-2024-0815 " + offered[-14:-4] + ".pdf"), offered
        return str(self.path), kinds


# --- tests ---------------------------------------------------------------------------------------------------


def test_an_operator_has_no_packs_tab_and_a_supervisor_has_it_after_the_audit_trail(desk):
    desk.sign_in("B-OP1", "1234")
    assert tab_titles(desk.window) == ["Station"]
    desk.window.sign_out("Signed out")
    desk.sign_in("B-SUP1", "432100")
    titles = tab_titles(desk.window)
    assert titles.index("Packs") == titles.index("Audit trail") + 1
    assert isinstance(dict(desk.window.office_views())["Packs"], PacksView)


def test_the_gaps_show_before_anything_is_made_and_without_a_reason_nothing_is(desk, qtbot, monkeypatch, tmp_path):
    view = packs_tab(desk)
    assert view.count.text() == "No pack made yet"
    dialog = open_dialog(qtbot, view, GAPS_JOB)
    preview = dialog.preview
    assert preview.gap_box.isVisible() and preview.gap_scroll.isVisible()
    shown = preview.gaps.text()
    assert "no Inspection certificate attached for serial GS-" in shown, shown
    assert "Not completed: serial GS-" in shown and "still at Flange machining, step 1 of 3" in shown, shown
    assert preview.gap_title.text().startswith("<b") and "2 gaps" in preview.gap_title.text()
    assert "2 serials of FL-200 (job JOB-GAPS) · 1 certificate · 1 document" in preview.summary.text()
    assert dialog.reason_hint.text().startswith("Required: this pack has 2 gaps")
    dialog.resize(1000, 720)  # as it opens on a 1024x768 screen
    qtbot.wait(50)
    cut = cut_texts(dialog)
    assert cut == [], "\n".join(cut)

    save = SaveAnswer(monkeypatch, tmp_path / "gaps.pdf")
    fill(qtbot, dialog, "432100")
    with qtbot.waitSignal(dialog.refused, timeout=TIMEOUT) as refused:
        click(qtbot, dialog.make_button)
    assert refused.args[0] == ("This pack has 2 gaps: write the reason it is made with them (it is printed beside "
                               "them). Nothing was made.")
    assert dialog.notice.text() == refused.args[0] and dialog.reason.hasFocus()
    assert save.asked == 0 and not list(tmp_path.glob("*.pdf*"))
    assert ask(qtbot, view, lambda: Pack.select().count()) == 0


def test_with_a_reason_and_the_pin_the_pack_is_written_listed_and_audited(desk, qtbot, monkeypatch, tmp_path):
    view = packs_tab(desk)
    dialog = open_dialog(qtbot, view, GAPS_JOB)
    save = SaveAnswer(monkeypatch, tmp_path / "chosen name")  # without .pdf: it is added
    fill(qtbot, dialog, "432100", REASON)
    with qtbot.waitSignal(view.loaded, timeout=TIMEOUT, check_params_cb=lambda n: n == 1):
        with qtbot.waitSignal(dialog.made, timeout=TIMEOUT) as made:
            qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)  # Enter in the PIN field makes it
    result = made.args[0]
    written = tmp_path / "chosen name.pdf"
    assert save.asked == 1 and result.path == str(written) and written.read_bytes()[:5] == b"%PDF-"
    assert dialog.notice.action.isVisible() and dialog.notice.action.text() == "Open folder"
    assert f"{result.pages} pages" in dialog.notice.text() and result.sha256 in dialog.notice.text()
    assert "signed by Sam Supervisor" in dialog.notice.text() and dialog.pin.text() == ""

    assert view.table.rowCount() == 1
    row = [view.table.item(0, column).text() for column in range(view.table.columnCount())]
    assert row[1:6] == ["Sam Supervisor", "Acme Aerospace", "PO-2024-0815", "2", "2"]
    assert row[6] == result.sha256[:16] + "…" and result.sha256 in view.table.item(0, 6).toolTip()

    def stored():
        pack = Pack.get()
        entries = [(e.user_id, e.reason, e.details) for e in AuditEntry.select().where(AuditEntry.type == "pack_made")]
        return pack.file_sha256, pack.made_by, pack.reason, pack.gap_count, entries
    sha, by, reason, gaps, entries = ask(qtbot, view, stored)
    assert (sha, by, reason, gaps) == (result.sha256, "sup1", REASON, 2)
    assert len(entries) == 1 and entries[0][0] == "sup1" and result.sha256 in str(entries[0][2])

    # Is this the pack we sent? The file made: yes, by whom and for whom. Another PDF: no.
    other = tmp_path / "other.pdf"
    other.write_bytes(pdf_document("Not a pack", 1))
    for path, answer in ((written, "Yes: chosen name.pdf is a pack made here"), (other, "No: other.pdf is not")):
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, p=path: (str(p), "PDF (*.pdf)"))
        dialog.close()
        with qtbot.waitSignal(view.pack_checked, timeout=TIMEOUT) as checked:
            click(qtbot, view.check_button)
        assert view.notice.text().startswith(answer), view.notice.text()
        assert bool(checked.args[0].packs) == (path == written)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(written), "PDF (*.pdf)"))
    with qtbot.waitSignal(view.pack_checked, timeout=TIMEOUT):
        click(qtbot, view.check_button)
    assert "Sam Supervisor made it on " in view.notice.text()
    assert "for Acme Aerospace, order PO-2024-0815 (job JOB-GAPS, 2 serials)" in view.notice.text()


def test_a_wrong_pin_makes_nothing(desk, qtbot, monkeypatch, tmp_path):
    view = packs_tab(desk)
    dialog = open_dialog(qtbot, view, JOB)
    assert not dialog.preview.gap_scroll.isVisible() and "No gaps" in dialog.preview.gap_title.text()
    assert dialog.preview.table.rowCount() == 3  # material, process, inspection
    save = SaveAnswer(monkeypatch, tmp_path / "wrong.pdf")
    fill(qtbot, dialog, "999999")
    with qtbot.waitSignal(dialog.refused, timeout=TIMEOUT) as refused:
        click(qtbot, dialog.make_button)
    assert refused.args[0] == "Wrong PIN: the pack was not made" and dialog.pin.hasFocus()
    assert save.asked == 1 and not list(tmp_path.glob("wrong.pdf*"))
    assert ask(qtbot, view, lambda: (Pack.select().count(), AuditEntry.select().where(
        AuditEntry.type == "pack_made").count())) == (0, 0)


def test_a_pasted_list_or_one_serial_is_previewed_and_a_changed_choice_must_be_shown_again(desk, qtbot):
    assert listed_serials("SN-1, SN-2;SN-3\nSN-1  SN-4") == ["SN-1", "SN-2", "SN-3", "SN-4"]
    view = packs_tab(desk)
    dialog = open_dialog(qtbot, view)
    click(qtbot, dialog.by_list)
    assert dialog.serial_list.hasFocus()
    qtbot.keyClicks(dialog.serial_list, "SN-00001, SN-00002 GS-00001")
    with qtbot.waitSignal(dialog.previewed, timeout=TIMEOUT) as previewed:
        click(qtbot, dialog.show_button)
    assert previewed.args[0].serial_ids == ("GS-00001", "SN-00001", "SN-00002")
    assert dialog.make_button.isEnabled()
    qtbot.keyClicks(dialog.serial_list, " SN-00003")
    assert not dialog.make_button.isEnabled() and "Show what is in it again" in dialog.preview.summary.text()
    click(qtbot, dialog.by_serial)
    qtbot.keyClicks(dialog.serial, "SN-00404")
    with qtbot.waitSignal(dialog.refused, timeout=TIMEOUT) as refused:
        qtbot.keyClick(dialog.serial, Qt.Key.Key_Return)
    assert "SN-00404" in refused.args[0] and not dialog.make_button.isEnabled()


def test_a_pack_is_signed_only_as_it_was_shown(desk, qtbot, monkeypatch, tmp_path):
    """Records changed after the preview (a certificate revoked at another desk): refused, shown again."""
    from app import certificates
    from app.pack.make import CHANGED_SINCE_SHOWN

    view = packs_tab(desk)
    dialog = open_dialog(qtbot, view, JOB)
    assert dialog.preview.preview.gaps == ()
    ask(qtbot, view, lambda: certificates.revoke_certificate("cert_insp01", "admin", "Withdrawn by the lab"))
    save = SaveAnswer(monkeypatch, tmp_path / "unseen.pdf")
    fill(qtbot, dialog, "432100")
    with qtbot.waitSignal(dialog.refused, timeout=TIMEOUT) as refused:
        click(qtbot, dialog.make_button)
    assert refused.args[0] == CHANGED_SINCE_SHOWN and save.asked == 1
    assert not dialog.make_button.isEnabled() and "Show what is in it again" in dialog.preview.summary.text()
    assert not list(tmp_path.glob("unseen.pdf*")) and ask(qtbot, view, lambda: Pack.select().count()) == 0
    with qtbot.waitSignal(dialog.previewed, timeout=TIMEOUT) as previewed:
        click(qtbot, dialog.show_button)
    assert [gap.kind for gap in previewed.args[0].gaps] == ["revoked"]
