"""The station's window: the top bar, the tabs, the scan field and banner over the pages, the
database worker, the clock check and idle sign-out.

One scan field keeps the keyboard focus from start to end (buttons and lists never take
it), so a keyboard-wedge scanner's characters always land there, also while the
database worker is still writing the previous attach. Every database call goes through
``DatabaseWorker``; the window only shows what comes back. What the pages do is in
sign_in.py (badge, name, PIN, the session) and attach.py (scans, the card, attach).

The window shows the sign-in page first and builds the others when first wanted (pages.py); what
the station does not need to read a badge (the sounds, the live card, the offline store, the
GS1 reader, the idle watch) waits until it is ready, the database open and the scan field focused.
"""
from __future__ import annotations

import logging
from functools import partial

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QResizeEvent
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

from app.text import shown
from ui import resources
from ui.settings import StationSettings
from ui.sound import Sounds
from ui.station.attach import AttachPage
from ui.station.offline import OfflineMode
from ui.station.office_tabs import OfficeTabs
from ui.station.outage import ConnectionWatch
from ui.station.pages import AfterReady
from ui.station.sign_in import SignIn
from ui.widgets import ResultBanner, ScanField, set_by_name
from ui import operations
from ui.worker import DatabaseWorker, Failure

log = logging.getLogger(__name__)
# From this window size on, type and boxes grow (resources/station_large.qss, the strip's scale).
LARGE_SCREEN = (1600, 1000)
LARGE_SCALE = 1.4
TOP_BAR_HEIGHT = {False: 54, True: 72}
ACTIVITY_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin,
                             QEvent.Type.Wheel})
CLOCK_CHECK_MS = 10 * 60_000  # how often this machine's clock is compared with the database server's


class StationWindow(SignIn, AttachPage, ConnectionWatch, OfflineMode, OfficeTabs, QMainWindow):
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
    scan_handled = Signal(str)  # the kind read ("name": typed on the sign-in page), after the screen shows it
    card_painted = Signal(float)  # seconds from the scan's Enter to the card painted
    clock_checked = Signal(str)  # the warning shown at the foot, "" when the clocks agree
    database_lost = Signal(str)  # why (the driver's words); the station shows the outage until database_back
    database_back = Signal()
    attach_unknown = Signal(str, str)  # serial, certificate: the answer was lost; read back on reconnect
    attach_settled = Signal(str, str, bool)  # serial, certificate, whether it was saved
    queued = Signal(str, str, str, int)  # serial, certificate, step seen, items waiting: saved offline (offline.py)
    queue_sent = Signal(int, int)  # the offline queue sent: attached (or already there), held for a supervisor

    def __init__(self, url: str, settings: StationSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings or StationSettings()
        self.url = url
        self.setWindowTitle("Certline station")
        self.setObjectName("station")
        self.setMinimumSize(1000, 680)
        self.setStyleSheet(resources.stylesheet("station"))
        self.after_ready = AfterReady(self)
        # Loaded once the station is ready (ui/sound.py says why that is safe beside the worker's imports).
        self.sounds = Sounds(self.settings.sounds, self)
        # The database opens in the worker while the window is built (the answer comes in the event loop).
        self.database = DatabaseWorker(url, self)
        self.database.submit(operations.open_database, url, on_done=self._on_database_opened,
                             on_failed=self._on_database_failed)
        self._build()
        self.database.busy_changed.connect(self._on_database_busy_changed)
        self._on_database_busy_changed(self.database.pending > 0)
        self._idle_timer = QTimer(self, singleShot=True)
        self._idle_timer.timeout.connect(self._on_idle_timer_timeout)
        self._clock_timer = QTimer(self, interval=CLOCK_CHECK_MS)
        self._clock_timer.timeout.connect(self._check_clock)
        self._start_connection_watch()
        self._start_offline_mode()
        self._watching_activity = False
        self._clock_timer.start()
        self._show_page("signin")
        # Once ready, in this order: what a badge leads to first, then the rest of the station.
        for task in (self.scan_field.turn_off_input_method, partial(self._page_widget, "pin"), self.sounds.load,
                     self._watch_activity, self._show_icon, partial(self._page_widget, "work")):
            self.after_ready.add(task)

    # ---- building -------------------------------------------------------------------------------------------

    def _build(self) -> None:
        central = QWidget(objectName="central")
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.top_bar = top = QFrame(objectName="topBar")
        bar = QHBoxLayout(top)
        bar.setContentsMargins(16, 6, 10, 6)
        title = QLabel("Certline", objectName="appTitle")
        # The name people know this workstation by; the database it works on is in the tool tip.
        self.station_label = QLabel(self.settings.station_name, objectName="stationName")
        self.station_label.setToolTip("Database: opening…")
        self.busy_label = QLabel("", objectName="busyLabel")
        self.user_label = QLabel("Not signed in", objectName="userLabel")
        # By name, not by Qt's enums: the station's first screen does not make its namespace (ui/widgets.py).
        set_by_name(self.user_label, "textFormat", "PlainText")
        self.sign_out_button = QPushButton("Sign out", objectName="signOutButton")
        set_by_name(self.sign_out_button, "focusPolicy", "NoFocus")
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
        self.tabs.tabBar().setVisible(False)  # until a supervisor or administrator signs in (office's look then)
        outer.addWidget(self.tabs, 1)
        station_tab = QWidget(objectName="stationTab")
        self.tabs.addTab(station_tab, "Station")
        self._start_office_tabs()
        body = QVBoxLayout(station_tab)
        body.setContentsMargins(14, 10, 14, 12)
        body.setSpacing(10)
        self.scan_field = ScanField(self.settings.scan_terminator)
        body.addWidget(self.scan_field)
        self.banner = ResultBanner(self.settings.result_seconds)
        body.addWidget(self.banner)

        # Under every tab, in amber, only while this machine's clock is off (see _check_clock).
        self.clock_line = QLabel("", objectName="clockWarning", wordWrap=True)
        self.clock_line.hide()
        outer.addWidget(self.clock_line)
        # Under every tab too, while the database cannot be reached: the office's views learn it here.
        self.outage_line = QLabel("", objectName="outageLine", wordWrap=True)
        set_by_name(self.outage_line, "textFormat", "PlainText")
        self.outage_line.hide()
        outer.addWidget(self.outage_line)

        # The pages under the banner: signed out; the PIN and signed in, built when first wanted (pages.py).
        self.pages = QStackedWidget()
        body.addWidget(self.pages, 1)
        self._pages = {"signin": self._build_sign_in()}
        self.pages.addWidget(self._pages["signin"])
        self._start_attach_page()
        self._large: bool | None = None
        self._fit_to_screen()

    def _page_widget(self, name: str) -> QWidget:
        """The page ``name``, built the first time it is wanted, with F12 to sign out from it."""
        page = self._pages.get(name)
        if page is None:
            page = self._pages[name] = self._build_pin_page() if name == "pin" else self._build_attach_page()
            self.pages.addWidget(page)
            if name == "work":
                self._scale_work_page()
            if len(self._pages) == 2:  # F12 signs out from the PIN or work page: made with the first of them
                from PySide6.QtGui import QKeySequence, QShortcut

                QShortcut(QKeySequence(QtCore.Qt.Key.Key_F12), self, activated=self._on_sign_out_button_clicked)
        return page

    def _show_icon(self) -> None:
        self.setWindowIcon(resources.icon("certline"))  # once ready: ui/main.py says why

    def _fit_to_screen(self) -> None:
        """Larger type and boxes on a large screen, so the card fills it instead of floating in it."""
        large = self.width() >= LARGE_SCREEN[0] and self.height() >= LARGE_SCREEN[1]
        if large == self._large:
            return
        self._large = large
        sheet = resources.stylesheet("station") + (resources.stylesheet("station_large") if large else "")
        if sheet != self.styleSheet():  # the same sheet again would only re-polish every widget (~12 ms)
            self.setStyleSheet(sheet)
        self.top_bar.setFixedHeight(TOP_BAR_HEIGHT[large])
        self.banner.set_large(large)
        if "work" in self._pages:
            self._scale_work_page()

    def _scale_work_page(self) -> None:
        self._scale_attach_page(bool(self._large), LARGE_SCALE if self._large else 1.0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit_to_screen()
        super().resizeEvent(event)

    # ---- state shown ------------------------------------------------------------------------------------------

    @property
    def page(self) -> str:
        current = self.pages.currentWidget()
        return next(name for name, page in self._pages.items() if page is current)

    def _show_page(self, name: str) -> None:
        self.pages.setCurrentWidget(self._page_widget(name))
        self.sign_out_button.setVisible(self.user is not None)
        if name == "pin":
            self.pin_page.start(self._pin_user.name if self._pin_user else "")
        else:
            self.scan_field.setFocus()
        self._refresh()

    def _refresh(self) -> None:
        """Prompt, Attach button and top bar from the current state."""
        self.user_label.setText(shown(self.user.name) if self.user else "Not signed in")
        ready = bool(self.user and self.serial and self.certificate)
        if "work" in self._pages:  # else nobody signed in yet: the panel, when built, starts unarmed
            self.cert_panel.set_armed(ready and not self._attaching, ready, self._attaching)
        # While the database is unreachable, or an attach's answer was lost, that is what the banner stands on.
        self.banner.show_prompt(*(self._connection_prompt() or (self._prompt(), "prompt")))

    def _prompt(self) -> str:
        if self._pin_user is not None and self.page == "pin":
            return self._pin_prompt()
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
        if "work" in self._pages:  # else nobody signed in yet: the session list starts with the sign-in
            self.history.add(state, text)
        if sound and self.settings.sounds:
            self.sounds.play(sound)
        self.result_shown.emit(state, text)

    def _keep_focus(self) -> None:
        if self.page == "pin":
            self.pin_field.setFocus()
        else:
            self.scan_field.setFocus()

    # ---- idle sign-out ----------------------------------------------------------------------------------------

    def _watch_activity(self) -> None:
        """Hear every key, click and touch in the application, for the idle sign-out (once)."""
        app = QApplication.instance()
        if app is not None and not self._watching_activity:
            app.installEventFilter(self)
            self._watching_activity = True

    def _restart_idle_timer(self) -> None:
        self._watch_activity()  # done once the station is ready, unless someone signed in first
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
        self._opened = True
        self.station_label.setToolTip(f"Database: {description}")
        self.database_opened.emit(description)
        self.database.submit(operations.sign_in_users, on_done=self._on_users_loaded, on_failed=self._on_failure)
        self._check_clock()
        self.after_ready.add(self._on_online)  # the station's cache and queue (offline.py)
        self.after_ready.add(self.live_card.start)
        # In the worker rather than on the first GS1 label scanned; after the window is ready, not before.
        self.after_ready.add(partial(self.database.submit, operations.load_gs1_reader, quiet=True,
                                     on_failed=lambda failure: log.warning("biip did not load: %s", failure.message)))
        self.after_ready.start()  # the first answer of the database: the station is ready

    def _on_database_failed(self, failure: Failure) -> None:
        self.after_ready.start()  # ready, without its database (outage.py retries; offline.py works meanwhile)
        self.station_label.setToolTip("No database")
        if failure.lost:
            self._lose_database(failure.message)  # opened again by the retries
            return
        self._result("refused", failure.message, "refused")

    def _on_failure(self, failure: Failure) -> None:
        self._result("refused", failure.message, "refused")
        self.refused.emit(failure.message)
        self._keep_focus()

    @Slot(bool)
    def _on_database_busy_changed(self, busy: bool) -> None:
        self.busy_label.setText("Working…" if busy else "")

    @Slot()
    def _check_clock(self) -> None:
        """Records are stamped by the database server's clock (app.db.now), a screen's "now" by this one's."""
        self.database.submit(operations.clock_check, on_done=self._on_clock_checked, on_failed=self._on_clock_check_failed)

    def _on_clock_checked(self, warning: str) -> None:
        self.clock_line.setText(warning)
        self.clock_line.setVisible(bool(warning))
        self.clock_checked.emit(warning)

    def _on_clock_check_failed(self, failure: Failure) -> None:
        # The database did not answer: the next scan says so in front of the operator; check again later.
        log.info("clock check failed: %s", failure.message)

    # ---- closing ----------------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop listening, let the worker finish what is queued, close its connection."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.after_ready.stop()
        self._idle_timer.stop()
        self._filter_timer.stop()
        self._pin_timer.stop()
        self._clock_timer.stop()
        self._stop_connection_watch()
        self._stop_offline_mode()
        self.live_card.stop()
        self.database.stop()
