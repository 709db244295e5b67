"""The attach page: the serial's card, the certificate panel, the picker and the session list, and
what a scan or Enter does — load a serial, choose a certificate, attach.

A scan is read in the database worker; until it is answered an Enter waits for it, so a
certificate never lands on the part scanned before. A scan that is not understood unloads the
serial (fail safe). Mixed into ``StationWindow`` (shell.py), whose state it reads and changes.
"""
from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.scan import Classified
from ui.lists import CertificatePicker, History
from ui.operations import AttachOutcome, CertificateView
from ui.station.outage import SentAttach
from ui.station.live import LiveCard
from ui.station.pages import PagePart
from ui.widgets import CertificatePanel, local_time
from ui import operations
from ui.worker import Failure

if TYPE_CHECKING:
    from app.serials import SerialDetail

LOWER_HEIGHT = {False: 224, True: 320}  # the certificate panel, picker and history under the card
PANEL_WIDTH = {False: 360, True: 540}
FILTER_DELAY_MS = 250  # typing pauses longer than a scanner's; the list filters after a pause
# What the card says when a scan took the serial away: a part must never keep the previous part's serial.
NOT_UNDERSTOOD = "No serial loaded: the last scan was not understood. Scan the part again."
NOT_LOOKED_UP = "No serial loaded: the last scan could not be looked up. Scan the part again."
# And what the certificate panel beside it says then: the part first, as the card asks.
PART_FIRST = "Scan the part again, then its certificate"


class AttachPage:
    """The work page and what the scan field's keys do; ``self`` is the ``StationWindow``.

    From the shell it uses the scan field, banner, worker, settings, signals and ``_result``,
    ``_refresh``, ``_keep_focus``; from sign_in.py the user, the name list and ``_begin_sign_in``.
    The page's widgets are built the first time one of them is wanted (pages.py); what a scan does
    is connected from the start.
    """

    card = PagePart("work")
    lower = PagePart("work")
    cert_panel = PagePart("work")
    picker = PagePart("work")
    history = PagePart("work")

    def _start_attach_page(self) -> None:
        self.serial: SerialDetail | None = None
        self.certificate: CertificateView | None = None
        self._attaching = False
        self._reads_pending = 0  # scans sent to the worker and not yet answered
        self._attach_waiting = False  # Enter came while a scan was still being read
        self._listed_filter: str | None = None
        self._navigated = False  # the arrows moved in a list since the last character typed
        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._on_filter_timer_timeout)
        self.scan_field.scanned.connect(self._on_scan_field_scanned)
        self.scan_field.confirmed.connect(self._on_scan_field_confirmed)
        self.scan_field.navigated.connect(self._on_scan_field_navigated)
        self.scan_field.escaped.connect(self._on_scan_field_escaped)
        self.scan_field.textEdited.connect(self._on_scan_field_text_edited)
        self.live_card = LiveCard(self)  # the card follows other workstations' changes to its serial

    def _build_attach_page(self) -> QWidget:
        from ui.card import SerialCard  # with the route strip and the serials' records: first needed here

        # The serial's card across the width; below, the certificate, its picker, the history.
        work = QWidget()
        rows = QVBoxLayout(work)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(10)
        self._card = SerialCard()
        self._card.painted.connect(self.card_painted)
        rows.addWidget(self._card, 1)
        # A fixed height below the card: nothing chosen, shown or refused there moves the card.
        self._lower = QWidget(objectName="lowerRow")
        below = QHBoxLayout(self._lower)
        below.setContentsMargins(0, 0, 0, 0)
        below.setSpacing(12)
        rows.addWidget(self._lower)
        self._cert_panel = CertificatePanel()
        self._cert_panel.attach_button.clicked.connect(self._on_attach_button_clicked)
        below.addWidget(self._cert_panel, 4)
        column = QVBoxLayout()
        column.setSpacing(4)
        column.addWidget(QLabel("Certificates: type, ↑ ↓ or tap", objectName="sectionTitle"))
        self._picker = CertificatePicker()
        self._picker.setWordWrap(True)  # a long name on a narrow screen wraps rather than ends in "…"
        self._picker.picked.connect(self._on_picker_picked)
        column.addWidget(self._picker, 1)
        below.addLayout(column, 4)  # wider than the history: a certificate's row is read to pick it
        column = QVBoxLayout()
        column.setSpacing(4)
        column.addWidget(QLabel("This session", objectName="sectionTitle"))
        self._history = History()
        self._history.setMinimumWidth(200)
        column.addWidget(self._history, 1)
        below.addLayout(column, 2)
        return work

    def _scale_attach_page(self, large: bool, scale: float) -> None:
        self.card.set_scale(scale)
        self.lower.setFixedHeight(LOWER_HEIGHT[large])
        self.cert_panel.setFixedWidth(PANEL_WIDTH[large])

    # ---- scanning ---------------------------------------------------------------------------------------------

    @Slot(str)
    def scan(self, raw: str) -> None:
        """A whole code from another reader (a serial-port scanner): read exactly as a keyboard scan."""
        if self.page == "pin":
            self._on_pin_cancelled()  # as a scanned key does at the PIN prompt
        self._navigated = False  # a code that arrived whole is a scan, never a pick from the list
        self.scan_field.terminated_at = time.perf_counter()
        self._on_scan_field_scanned(raw)

    @Slot(str)
    def _on_scan_field_scanned(self, raw: str) -> None:
        if self._navigated:
            # Typed to filter, moved with the arrows, Enter: that is a pick from the list, not a scan.
            self._navigated = False
            self._filter_timer.stop()
            self._on_scan_field_confirmed()
            self._reset_filters()
            return
        stamp = self.scan_field.terminated_at
        self._filter_timer.stop()
        self._reset_filters()
        if self._offline_ready():
            self._offline_scan(raw, stamp)  # from the station's cache (offline.py)
            return
        refusal = self._refusal_while_unreachable("scan")
        if refusal:
            # Not looked up, so not known: fail safe, as for a scan the database did not answer.
            self._unload(NOT_LOOKED_UP)
            self._result("refused", refusal, "refused")
            self._keep_focus()
            self.scan_handled.emit("unreachable")
            return
        self._reads_pending += 1
        self.database.submit(operations.read, raw, self.settings.gs1_separator,
                             on_done=partial(self._on_scan_read, stamp), on_failed=self._on_scan_failed)

    def _on_scan_read(self, stamp: float, classified: Classified) -> None:
        self._reads_pending -= 1
        kind = classified.kind
        if kind in ("refused", "unknown") and self.page == "signin" and self._sign_in_by_typed_name(
                classified.scan.raw, classified.message if kind == "refused" else None):
            kind = "name"  # not a badge: the name it matched, or that none did, is the sign-in page's to say
        elif kind in ("refused", "unknown"):
            # Whatever was scanned, it was not the loaded part's serial: the next Enter must not
            # attach to the part scanned before it.
            self._unload(NOT_UNDERSTOOD)
            self._result("refused", classified.message or ("Cannot read this code" if kind == "refused"
                                                           else "Unknown code"), "refused")
            (self.refused if kind == "refused" else self.unknown_code).emit(classified.message or "")
        elif kind == "badge":
            self._begin_sign_in(classified.record, by_badge=True)
        elif self.user is None:
            self._result("refused", f"Sign in first: scan your badge (that was {kind} {classified.scan.code})",
                         "refused")
        elif kind == "serial":
            self._load_serial(classified.record, stamp)
        elif kind == "certificate":
            self._choose_certificate(classified.record, scanned=True)
        self._keep_focus()
        self.scan_handled.emit(kind)
        self._after_read()

    def _on_scan_failed(self, failure: Failure) -> None:
        """The scan could not be looked up (the database failed): nobody knows what it was, so unload."""
        self._reads_pending -= 1
        self._unload(NOT_LOOKED_UP)
        self._on_failure(failure)
        self.scan_handled.emit("failed")
        self._after_read()

    def _after_read(self) -> None:
        """An Enter that came while scans were still being read attaches now, to what they loaded (if anything)."""
        if self._reads_pending == 0 and self._attach_waiting:
            self._attach_waiting = False
            if self.serial is None:
                return  # the banner keeps what the scan said; the prompt asks for a serial
            self._attach()

    def _load_serial(self, serial: SerialDetail, stamp: float | None = None) -> None:
        self.serial = serial
        self.card.set_serial(serial, stamp)
        self._remember_serial(serial)  # for the card offline (offline.py)
        if self.cert_panel.view is None:
            self.cert_panel.set_certificate(None)  # the part is back: "scan the part again" is done
        self._refresh()
        self.serial_loaded.emit(serial.id)

    def _choose_certificate(self, view: CertificateView, scanned: bool) -> None:
        if view.refusal:
            # Shown, so the operator sees why, but not chosen: the core's own message says it.
            self.certificate = None
            self.cert_panel.set_certificate(view)
            self._result("refused", view.refusal, "refused")
            self._refresh()
            self.refused.emit(view.refusal)
            return
        self.certificate = view
        self.cert_panel.set_certificate(view)
        self.picker.unselect()
        self._refresh()
        self.certificate_chosen.emit(view.id)
        if view.expiry == "expiring":
            self.banner.show_result("warning", f"{view.id} is inside its warning window: expires in "
                                               f"{view.days_left} day{'s' if view.days_left != 1 else ''}")
        if scanned and self.settings.attach_on_certificate_scan:
            self._attach()  # without a serial it asks for one

    @Slot()
    def _on_scan_field_confirmed(self) -> None:
        """Enter on an empty scan field: pick the list's current row, else attach."""
        if self.page == "signin":
            user = self.user_picker.chosen()
            if user is not None:
                self._begin_sign_in(user, by_badge=False)  # type: ignore[arg-type]
            return
        view = self.picker.chosen()
        if view is not None:
            self._choose_certificate(view, scanned=False)  # type: ignore[arg-type]
            return
        self._attach()

    @Slot(int)
    def _on_scan_field_navigated(self, delta: int) -> None:
        self._navigated = True
        (self.user_picker if self.page == "signin" else self.picker).move(delta)

    def _clear_work(self, why: str | None = None) -> None:
        """No serial loaded, no certificate chosen, and the screen showing neither (the card saying ``why``)."""
        self.serial = None
        self.certificate = None
        if "work" not in self._pages:
            return  # nobody signed in yet: the sign-in clears the page again when it first shows it
        self.card.set_serial(None, empty=why)
        self.cert_panel.set_certificate(None, empty=PART_FIRST if why else None)

    def _unload(self, why: str) -> None:
        """Fail safe: after a scan that may have been meant for another part, nothing stays loaded."""
        self._clear_work(why)
        self._refresh()

    @Slot()
    def _on_scan_field_escaped(self) -> None:
        """Esc clears everything: serial, certificate, filter, list choice and an Enter still waiting."""
        self._filter_timer.stop()
        self._navigated = False
        self._attach_waiting = False
        self._clear_work()
        if "work" in self._pages:
            self.picker.unselect()
        self.user_picker.unselect()
        self._reset_filters()
        self._refresh()
        self.banner.show_result("info", "Cleared")

    @Slot(str)
    def _on_scan_field_text_edited(self, _text: str) -> None:
        self._navigated = False
        self._filter_timer.start()

    @Slot()
    def _on_filter_timer_timeout(self) -> None:
        text = self.scan_field.text()
        if self.page == "signin":
            self.user_picker.filter(text)
        elif self.page == "work":
            self._list_certificates(text)

    def _reset_filters(self) -> None:
        if self.page == "signin":
            self.user_picker.filter("")
        elif self._listed_filter:
            self._list_certificates("")

    def _list_certificates(self, text: str) -> None:
        if self.user is None or text == self._listed_filter:
            return
        if self._offline_ready():
            self._offline_list(text)
            return
        self._listed_filter = text
        self.database.submit(operations.find_certificates, text, on_done=self._on_certificates_found, on_failed=self._on_failure)

    def _on_certificates_found(self, views: list[CertificateView]) -> None:
        self.picker.set_rows(views)
        self.certificates_listed.emit(len(views))

    @Slot(object)
    def _on_picker_picked(self, view: CertificateView) -> None:
        self._choose_certificate(view, scanned=False)
        self._keep_focus()

    # ---- attaching --------------------------------------------------------------------------------------------

    @Slot()
    def _on_attach_button_clicked(self) -> None:
        self._attach()
        self._keep_focus()

    def _attach(self) -> None:
        if self._attaching or self.user is None:
            return  # one attach at a time: a second Enter while writing does nothing
        if self._reads_pending:
            # A scan typed before this Enter may unload the serial or change the certificate: wait for it.
            self._attach_waiting = True
            return
        # Into the local queue (offline.py); without a serial and a certificate, the outage's refusal says why not.
        offline = self._offline_ready() and self._unknown is None and bool(self.serial and self.certificate)
        refusal = None if offline else self._refusal_while_unreachable("attach")
        if refusal:
            self._result("refused", refusal, "refused")
            self.refused.emit(refusal)
            return
        if self.serial is None:
            self.banner.show_result("info", "Scan a serial first")
            return
        if self.certificate is None:
            self.banner.show_result("info", "Scan or pick a certificate first")
            return
        if offline:
            self._offline_attach()
            return
        self._attaching = True
        self._refresh()
        current = self.serial.current_step
        step_id = current.step.id if current else ""
        sent = SentAttach(self.serial.id, self.certificate.id, step_id, self.user.id, bool(current) and any(
            a.attachment.cert_id == self.certificate.id for a in current.attachments))
        self.database.submit(operations.attach, sent.serial_id, sent.cert_id, sent.user_id,
                             on_done=self._on_attach_done, on_failed=partial(self._on_attach_failed, sent))

    def _on_attach_done(self, outcome: AttachOutcome) -> None:
        self._attaching = False
        result, record = outcome.result, outcome.result.attachment
        if result.created:
            self._result("attached", f"Attached {record.cert_id} ({outcome.certificate.name}) to "
                                     f"{record.serial_id} at {result.step_name}", "attached")
        else:
            self._result("already", f"Already attached: {record.cert_id} to {record.serial_id} at "
                                    f"{result.step_name} on {local_time(record.attached_at)} by "
                                    f"{result.attached_by_name}. Nothing new written.", "already")
        self._after_attach(record.cert_id)
        if self.serial is not None and self.serial.id == outcome.serial.id:
            self._load_serial(outcome.serial)
        signal = self.attached if result.created else self.already_attached
        signal.emit(record.serial_id, record.cert_id, record.step_id)

    def _on_attach_failed(self, sent: SentAttach, failure: Failure) -> None:
        self._attaching = False
        cert_id = self.certificate.id if self.certificate else ""
        if failure.lost:
            # Sent, and no answer: it may have been saved. Read back once reconnected (outage.py), never guessed.
            self._attach_answer_lost(sent, failure)
            self._after_attach(cert_id)
            return
        self._result("refused", failure.message, "refused")
        self._after_attach(cert_id)
        self.refused.emit(failure.message)

    def _after_attach(self, cert_id: str) -> None:
        """The serial stays loaded for the next certificate; the certificate choice clears."""
        if self.certificate is not None and self.certificate.id == cert_id:
            self.certificate = None
            self.cert_panel.set_certificate(None)
        self._refresh()
        self._keep_focus()
