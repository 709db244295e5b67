"""The operator station: sign in, scan a serial, scan or pick a certificate, attach.

One scan field keeps the keyboard focus from start to end (buttons and lists never take
it), so a keyboard-wedge scanner's characters always land there, also while the
database worker is still writing the previous attach. Every database call goes through
``DatabaseWorker``; the window only shows what comes back.
"""
from __future__ import annotations

import logging
import time
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QTabWidget,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.scan import Classified
from app.serials import SerialDetail
from app.sign_in import Attempt, Choice
from app.users import UserRecord
from ui import office, resources
from ui.card import SerialCard
from ui.operations import AttachOutcome, CertificateView
from ui.pin_pad import PinPage
from ui.settings import StationSettings
from ui.sound import Sounds
from ui.widgets import (
    CertificatePanel,
    CertificatePicker,
    History,
    ResultBanner,
    ScanField,
    UserPicker,
    local_time,
)
from ui.worker import DatabaseWorker, Failure

log = logging.getLogger(__name__)
# From this window size on, type and boxes grow (resources/station_large.qss, the strip's scale).
LARGE_SCREEN = (1600, 1000)
LARGE_SCALE = 1.4
LOWER_HEIGHT = {False: 224, True: 320}  # the certificate panel, picker and history under the card
PANEL_WIDTH = {False: 360, True: 540}
PIN_SECONDS = 60
PICK_HINT = "No badge at hand? Pick your name (type to filter, ↑ ↓ and Enter, or tap it), then type your PIN."
BADGE_AND_PIN_HINT = "This plant signs in with badge and PIN: scan your badge, then type your PIN."
# What the card says when a scan took the serial away: a part must never keep the previous part's serial.
NOT_UNDERSTOOD = "No serial loaded: the last scan was not understood. Scan the part again."
NOT_LOOKED_UP = "No serial loaded: the last scan could not be looked up. Scan the part again."
FILTER_DELAY_MS = 250  # typing pauses longer than a scanner's; the list filters after a pause
ACTIVITY_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin,
                             QEvent.Type.Wheel})


class StationWindow(QMainWindow):
    """The station. Its signals say what happened, for tests, the benchmark and the screenshots."""

    database_opened = Signal(str)
    users_loaded = Signal(int)
    pin_requested = Signal(str)  # user id
    signed_in = Signal(str)  # user id
    signed_out = Signal(str)  # why
    serial_loaded = Signal(str)
    certificate_chosen = Signal(str)
    certificates_listed = Signal(int)
    attached = Signal(str, str, str)  # serial, certificate, step id
    already_attached = Signal(str, str, str)
    refused = Signal(str)  # the core's exact message
    unknown_code = Signal(str)
    result_shown = Signal(str, str)  # banner state, text
    scan_handled = Signal(str)  # the classification's kind, after the screen shows it
    card_painted = Signal(float)  # seconds from the scan's Enter to the card painted

    def __init__(self, url: str, settings: StationSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings or StationSettings()
        self.url = url
        self.user: UserRecord | None = None
        self.serial: SerialDetail | None = None
        self.certificate: CertificateView | None = None
        self._pin_user: UserRecord | None = None
        self._pin_badge: str | None = None  # the badge that started the sign-in waiting for a PIN; None: a name
        self._attaching = False
        self._reads_pending = 0  # scans sent to the worker and not yet answered
        self._attach_waiting = False  # Enter came while a scan was still being read
        self._checking_pin = False
        self._listed_filter: str | None = None
        self._navigated = False  # the arrows moved in a list since the last character typed
        self.setWindowTitle("Certline station")
        self.setWindowIcon(resources.icon("certline"))
        self.setObjectName("station")
        self.setMinimumSize(1000, 680)
        self.setStyleSheet(resources.stylesheet("station"))
        self.sounds = Sounds(self.settings.sounds, self)
        self._build()
        self.database = DatabaseWorker(url, self)
        self.database.busy_changed.connect(self._on_database_busy_changed)
        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._on_filter_timer_timeout)
        # A PIN prompt left alone goes back by itself, so the station is not stuck on someone's name.
        self._pin_timer = QTimer(self, singleShot=True, interval=PIN_SECONDS * 1000)
        self._pin_timer.timeout.connect(self._on_pin_cancelled)
        self._idle_timer = QTimer(self, singleShot=True)
        self._idle_timer.timeout.connect(self._on_idle_timer_timeout)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.database.submit("open", url, on_done=self._on_database_opened, on_failed=self._on_database_failed)
        self.database.submit("users", on_done=self._on_users_loaded, on_failed=self._on_failure)
        self._show_page("signin")

    # ---- building -------------------------------------------------------------------------------------------

    def _build(self) -> None:
        central = QWidget(objectName="central")
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        top = QFrame(objectName="topBar")
        top.setFixedHeight(54)
        bar = QHBoxLayout(top)
        bar.setContentsMargins(16, 6, 10, 6)
        title = QLabel("Certline", objectName="appTitle")
        # The name people know this workstation by; the database it works on is in the tool tip.
        self.station_label = QLabel(self.settings.station_name, objectName="stationName")
        self.station_label.setToolTip("Database: opening…")
        self.busy_label = QLabel("", objectName="busyLabel")
        self.user_label = QLabel("Not signed in", objectName="userLabel")
        self.sign_out_button = QPushButton("Sign out", objectName="signOutButton")
        self.sign_out_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sign_out_button.clicked.connect(self._on_sign_out_button_clicked)
        bar.addWidget(title)
        bar.addSpacing(16)
        bar.addWidget(self.station_label)
        bar.addStretch(1)
        bar.addWidget(self.busy_label)
        bar.addSpacing(16)
        bar.addWidget(self.user_label)
        bar.addSpacing(10)
        bar.addWidget(self.sign_out_button)
        outer.addWidget(top)

        # The station is the first tab; supervisors and administrators get their views beside it.
        self.tabs = QTabWidget(objectName="officeTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.tabBar().setVisible(False)
        outer.addWidget(self.tabs, 1)
        station_tab = QWidget(objectName="stationTab")
        self.tabs.addTab(station_tab, "Station")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self._office_tabs: list[QWidget] = []
        body = QVBoxLayout(station_tab)
        body.setContentsMargins(14, 10, 14, 12)
        body.setSpacing(10)
        self.scan_field = ScanField(self.settings.scan_terminator)
        self.scan_field.scanned.connect(self._on_scan_field_scanned)
        self.scan_field.confirmed.connect(self._on_scan_field_confirmed)
        self.scan_field.navigated.connect(self._on_scan_field_navigated)
        self.scan_field.escaped.connect(self._on_scan_field_escaped)
        self.scan_field.textEdited.connect(self._on_scan_field_text_edited)
        body.addWidget(self.scan_field)
        self.banner = ResultBanner(self.settings.result_seconds)
        body.addWidget(self.banner)

        self.pages = QStackedWidget()
        body.addWidget(self.pages, 1)

        # Signed out: scan a badge, or pick a name.
        signin = QFrame(objectName="signInPage")
        column = QVBoxLayout(signin)
        column.setContentsMargins(24, 16, 24, 16)
        self.signin_hint = QLabel(PICK_HINT, objectName="smallPrompt", wordWrap=True)
        column.addWidget(self.signin_hint)
        self.user_picker = UserPicker()
        self.user_picker.picked.connect(self._on_user_picker_picked)
        column.addWidget(self.user_picker, 1)
        self.pages.addWidget(signin)

        # A PIN for the user who scanned or picked, with a keypad for touch stations; the banner names them.
        self.pin_page = PinPage("Sign in")
        self.pin_field = self.pin_page.field
        self.pin_page.submitted.connect(self._on_pin_field_return_pressed)
        self.pin_page.cancelled.connect(self._on_pin_cancelled)
        self.pin_field.diverted.connect(self._on_pin_field_diverted)
        self.pages.addWidget(self.pin_page)

        # Signed in: the serial's card across the width; below, the certificate, its picker, the history.
        work = QWidget()
        rows = QVBoxLayout(work)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(10)
        self.card = SerialCard()
        self.card.painted.connect(self.card_painted)
        rows.addWidget(self.card, 1)
        # A fixed height below the card: nothing chosen, shown or refused there moves the card.
        self.lower = QWidget(objectName="lowerRow")
        below = QHBoxLayout(self.lower)
        below.setContentsMargins(0, 0, 0, 0)
        below.setSpacing(12)
        rows.addWidget(self.lower)
        self.cert_panel = CertificatePanel()
        self.cert_panel.attach_button.clicked.connect(self._on_attach_button_clicked)
        below.addWidget(self.cert_panel, 4)
        column = QVBoxLayout()
        column.setSpacing(4)
        column.addWidget(QLabel("Certificates: type, ↑ ↓ or tap", objectName="sectionTitle"))
        self.picker = CertificatePicker()
        self.picker.setWordWrap(True)  # a long name on a narrow screen wraps rather than ends in "…"
        self.picker.picked.connect(self._on_picker_picked)
        column.addWidget(self.picker, 1)
        below.addLayout(column, 3)
        column = QVBoxLayout()
        column.setSpacing(4)
        column.addWidget(QLabel("This session", objectName="sectionTitle"))
        self.history = History()
        self.history.setMinimumWidth(200)
        column.addWidget(self.history, 1)
        below.addLayout(column, 3)
        self.pages.addWidget(work)
        self._page_index = {"signin": 0, "pin": 1, "work": 2}
        self._large: bool | None = None
        self._fit_to_screen()

        QShortcut(QKeySequence(Qt.Key.Key_F12), self, activated=self._on_sign_out_button_clicked)

    def _fit_to_screen(self) -> None:
        """Larger type and boxes on a large screen, so the card fills it instead of floating in it."""
        large = self.width() >= LARGE_SCREEN[0] and self.height() >= LARGE_SCREEN[1]
        if large == self._large:
            return
        self._large = large
        self.setStyleSheet(resources.stylesheet("station") + (resources.stylesheet("station_large") if large else ""))
        self.card.set_scale(LARGE_SCALE if large else 1.0)
        self.lower.setFixedHeight(LOWER_HEIGHT[large])
        self.cert_panel.setFixedWidth(PANEL_WIDTH[large])

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit_to_screen()
        super().resizeEvent(event)

    # ---- state shown ------------------------------------------------------------------------------------------

    @property
    def page(self) -> str:
        index = self.pages.currentIndex()
        return next(name for name, i in self._page_index.items() if i == index)

    def _show_page(self, name: str) -> None:
        self.pages.setCurrentIndex(self._page_index[name])
        self.sign_out_button.setVisible(self.user is not None)
        if name == "pin":
            self.pin_page.start(self._pin_user.name if self._pin_user else "")
        else:
            self.scan_field.setFocus()
        self._refresh()

    def _refresh(self) -> None:
        """Prompt, Attach button and top bar from the current state."""
        self.user_label.setText(self.user.name if self.user else "Not signed in")
        ready = bool(self.user and self.serial and self.certificate)
        self.cert_panel.set_armed(ready and not self._attaching, ready, self._attaching)
        self.banner.show_prompt(self._prompt())

    def _prompt(self) -> str:
        if self._pin_user is not None and self.page == "pin":
            return "Type your PIN, then OK or Enter. Esc goes back."  # the page below names the user
        if self.user is None:
            return "Scan your badge to sign in"
        if self.serial is None:
            return "Scan a serial" + (f" for {self.certificate.id}" if self.certificate else "")
        current = self.serial.current_step
        where = f"at {current.step.name}" if current else f"({self.serial.status.replace('_', ' ')})"
        if self.certificate is None:
            return f"{self.serial.id} {where}: scan or pick a certificate"
        return f"Enter: attach {self.certificate.id} to {self.serial.id} {where}"

    def _result(self, state: str, text: str, sound: str | None = None) -> None:
        self.banner.show_result(state, text)
        self.history.add(state, text)
        if sound and self.settings.sounds:
            self.sounds.play(sound)
        self.result_shown.emit(state, text)

    def _keep_focus(self) -> None:
        if self.page == "pin":
            self.pin_field.setFocus()
        else:
            self.scan_field.setFocus()

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
        self._reads_pending += 1
        self.database.submit("read", raw, self.settings.gs1_separator,
                             on_done=partial(self._on_scan_read, stamp), on_failed=self._on_scan_failed)

    def _on_scan_read(self, stamp: float, classified: Classified) -> None:
        self._reads_pending -= 1
        kind = classified.kind
        if kind in ("refused", "unknown"):
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
        self.card.set_serial(None, empty=why)
        self.cert_panel.set_certificate(None)

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
        self._listed_filter = text
        self.database.submit("certificates", text, on_done=self._on_certificates_found, on_failed=self._on_failure)

    def _on_certificates_found(self, views: list[CertificateView]) -> None:
        self.picker.set_rows(views)
        self.certificates_listed.emit(len(views))

    @Slot(object)
    def _on_user_picker_picked(self, user: UserRecord) -> None:
        self._begin_sign_in(user, by_badge=False)
        self._keep_focus()

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
        if self.serial is None:
            self.banner.show_result("info", "Scan a serial first")
            return
        if self.certificate is None:
            self.banner.show_result("info", "Scan or pick a certificate first")
            return
        self._attaching = True
        self._refresh()
        self.database.submit("attach", self.serial.id, self.certificate.id, self.user.id,
                             on_done=self._on_attach_done, on_failed=self._on_attach_failed)

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

    def _on_attach_failed(self, failure: Failure) -> None:
        self._attaching = False
        cert_id = self.certificate.id if self.certificate else ""
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

    # ---- signing in and out -----------------------------------------------------------------------------------

    def _begin_sign_in(self, user: UserRecord, by_badge: bool) -> None:
        """Whether a PIN follows, or a refusal (a name that must scan, a lock), is the app's to say (app/sign_in.py)."""
        if self.user is not None and self.user.id == user.id:
            self.banner.show_result("info", f"Already signed in as {user.name}")
            return
        self.database.submit("begin_sign_in", user.badge if by_badge else None, None if by_badge else user.id,
                             on_done=self._on_sign_in_begun, on_failed=self._on_failure)

    def _on_sign_in_begun(self, attempt: Attempt) -> None:
        if not attempt.needs_pin:
            self.database.submit("sign_in", attempt.user.id, attempt.badge, None, on_done=self._complete_sign_in,
                                 on_failed=self._on_failure)
            return
        self._pin_user, self._pin_badge = attempt.user, attempt.badge
        self._show_page("pin")
        self.banner.clear_result()
        self._pin_timer.start()
        self.pin_requested.emit(attempt.user.id)

    @Slot()
    def _on_pin_field_return_pressed(self) -> None:
        if self._pin_user is None or self._checking_pin:
            return  # one check at a time
        pin = self.pin_field.text()
        self.pin_field.clear()
        self._checking_pin = True
        self._pin_timer.start()
        self.database.submit("sign_in", self._pin_user.id, self._pin_badge, pin, on_done=self._on_pin_checked,
                             on_failed=self._on_pin_failed)

    def _on_pin_checked(self, user: UserRecord) -> None:
        self._checking_pin = False
        self._pin_timer.stop()
        self._complete_sign_in(user)

    def _on_pin_failed(self, failure: Failure) -> None:
        self._checking_pin = False
        self.pin_page.show_refusal(failure.message)
        self._result("refused", failure.message, "refused")
        self._keep_focus()

    @Slot()
    def _on_pin_cancelled(self) -> None:
        self._pin_timer.stop()
        self._pin_user = None
        self._show_page("work" if self.user else "signin")

    @Slot(str)
    def _on_pin_field_diverted(self, text: str) -> None:
        """A scan arrived while the PIN was asked: give it, and the focus, back to the scan field."""
        self._on_pin_cancelled()
        self.scan_field.insert(text)

    def _complete_sign_in(self, user: UserRecord) -> None:
        switched = self.user is not None
        self._pin_user = None
        self.user = user
        # A new session: nothing of the last user's part, choice or results carries over to this one.
        self._attach_waiting = False
        self._clear_work()
        self.history.clear()
        self._listed_filter = None
        self._list_certificates("")
        self._show_page("work")
        self._restart_idle_timer()
        self._result("info", f"{'Switched to' if switched else 'Signed in:'} {user.name}")
        self._show_office_views(user)
        self.signed_in.emit(user.id)

    @Slot()
    def _on_sign_out_button_clicked(self) -> None:
        self.sign_out("Signed out")

    def sign_out(self, why: str = "Signed out") -> None:
        if self.user is None and self._pin_user is None:
            return
        name = self.user.name if self.user else ""
        self.user = None
        self._pin_user = None
        self._attach_waiting = False
        self._clear_work()
        self.picker.clear()
        self._listed_filter = None
        self._idle_timer.stop()
        self.scan_field.clear()
        self._show_office_views(None)
        self._show_page("signin")
        # Users and the sign-in policy may have changed meanwhile (the administrator's Settings tab).
        self.database.submit("users", on_done=self._on_users_loaded, on_failed=self._on_failure)
        self._result("info", f"{why}: {name}" if name else why)
        self.history.clear()  # the session is over: the next person at the station does not see its work
        self.signed_out.emit(why)

    def _show_office_views(self, user: UserRecord | None) -> None:
        """The views of ``ui/office_*.py`` that the user's role may see, as tabs beside the station."""
        for widget in self._office_tabs:
            self.tabs.removeTab(self.tabs.indexOf(widget))
            widget.deleteLater()
        self._office_tabs = [view.build(self.database, user) for view in office.views_for(user)] if user else []
        for widget, view in zip(self._office_tabs, office.views_for(user) if user else []):
            self.tabs.addTab(widget, view.title)
        self.tabs.tabBar().setVisible(bool(self._office_tabs))
        self.tabs.setCurrentIndex(0)

    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        if index == 0:
            self._keep_focus()

    def _restart_idle_timer(self) -> None:
        minutes = self.settings.idle_sign_out_minutes
        if self.user is not None and minutes > 0:
            self._idle_timer.start(minutes * 60_000)

    @Slot()
    def _on_idle_timer_timeout(self) -> None:
        if self._attaching:
            self._idle_timer.start(1000)
            return
        self.sign_out(f"Signed out after {self.settings.idle_sign_out_minutes} idle minutes")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS and self.user is not None:
            self._restart_idle_timer()
        return False

    # ---- the database worker ----------------------------------------------------------------------------------

    def _on_database_opened(self, description: str) -> None:
        self.station_label.setToolTip(f"Database: {description}")
        self.database_opened.emit(description)

    def _on_database_failed(self, failure: Failure) -> None:
        self.station_label.setToolTip("No database")
        self._result("refused", failure.message, "refused")

    def _on_users_loaded(self, loaded: tuple[list[Choice], bool]) -> None:
        choices, badge_and_pin = loaded
        self.user_picker.set_users(choices)
        self.signin_hint.setText(BADGE_AND_PIN_HINT if badge_and_pin else PICK_HINT)
        if not choices:
            self.signin_hint.setText("No users in this database yet: an administrator adds them "
                                     "(certline-cli init / demo).")
        self.users_loaded.emit(len(choices))

    def _on_failure(self, failure: Failure) -> None:
        self._result("refused", failure.message, "refused")
        self.refused.emit(failure.message)
        self._keep_focus()

    @Slot(bool)
    def _on_database_busy_changed(self, busy: bool) -> None:
        self.busy_label.setText("Working…" if busy else "")

    # ---- closing ----------------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop listening, let the worker finish what is queued, close its connection."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._idle_timer.stop()
        self._filter_timer.stop()
        self._pin_timer.stop()
        self.database.stop()
