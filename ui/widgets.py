"""The station's parts: the scan field, the result banner, the certificate panel (lists: ui/lists.py; card: ui/card.py).

None of them touches the database; the station window feeds them plain records.

Qt's namespace is ``QtCore.Qt`` here, looked up where it is used: PySide makes every enum of it (~100,
~15 ms) the first time any of them is touched from Python, and the station's first screen does not
need to. What the scan field and banner set before that screen is painted, they set by name
(``set_by_name``).
"""
from __future__ import annotations

import datetime as dt
import time
from functools import cache
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject, QRect, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.clock import today
from app.scan import GS_SYMBOL

if TYPE_CHECKING:
    from ui.operations import CertificateView

# An Enter or Tab this soon after a scan ended is the scanner's second suffix character, not a person.
SUFFIX_SECONDS = 0.08
WORD_WRAP = 0x1000  # Qt.TextFlag.TextWordWrap as the int QFontMetrics.boundingRect takes (a test checks it)


@cache
def _keys() -> tuple[tuple[int, ...], tuple[int, ...], dict[int, int]]:
    """Enter, Tab, and the keys that move in the list beside (by how many rows), once a key comes."""
    key = QtCore.Qt.Key
    return ((key.Key_Return, key.Key_Enter), (key.Key_Tab, key.Key_Backtab),
            {key.Key_Up: -1, key.Key_Down: 1, key.Key_PageUp: -5, key.Key_PageDown: 5})


def set_by_name(thing: QObject, name: str, value: str) -> None:
    """Set the enum or flags property ``name`` by its key's name (``"PlainText"``, ``"AlignLeft|AlignTop"``),
    as a Designer file does; Qt refuses a name it does not know, and so does this."""
    if not thing.setProperty(name, value):
        raise ValueError(f"{type(thing).__name__}.{name} cannot be {value!r}")


def restyle(widget: QWidget) -> None:
    """Apply the style sheet again after a dynamic property that it selects on has changed. A widget
    not polished yet (not shown yet) gets the style sheet with the properties it has when it is."""
    if not widget.isVisible() and not widget.testAttribute(QtCore.Qt.WidgetAttribute.WA_WState_Polished):
        return  # and the station's start does not ask for the style (its Python class, ~6 ms) before it shows
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


def local_time(value: dt.datetime) -> str:
    """A stored naive-UTC time as the workstation's local time, e.g. ``2026-11-23 14:32``."""
    return value.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")


class ScanField(QLineEdit):
    """The one input that keeps the focus: reads a scan whole, up to its terminator.

    ``scanned`` carries the text without its terminator; ``terminated_at`` is the
    ``time.perf_counter()`` of the terminating key event. Enter (or Tab) on an empty field
    is ``confirmed``, the key that attaches or picks. Up/Down/PageUp/PageDown move in the
    list beside (``navigated``), Esc is ``escaped``. Tab never moves the focus away.
    """

    scanned = Signal(str)
    confirmed = Signal()
    navigated = Signal(int)
    escaped = Signal()

    def __init__(self, terminator: str = "enter_or_tab", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("scanField")
        self.setPlaceholderText("Scan here")
        self.setMaxLength(4096)
        self.terminator = terminator
        self.terminated_at = 0.0
        self._ended_at = -1.0
        self._ended_by: int | None = None

    def turn_off_input_method(self) -> None:
        """No input method between the scanner and the field. The station calls this once it is ready (the
        attribute's enum is in Qt's namespace). Under Qt 6 the attribute alone does not keep an input method
        out: a line edit answers the input method's ImEnabled query itself, with true."""
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_InputMethodEnabled, False)

    def event(self, event: QEvent) -> bool:
        # Tab is taken here, before QWidget would move the focus to the next widget.
        if event.type() == QEvent.Type.KeyPress and event.key() in _keys()[1]:  # type: ignore[attr-defined]
            if self.terminator in ("tab", "enter_or_tab"):
                self._terminate(event)  # type: ignore[arg-type]
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        enter, _tab, navigation = _keys()
        if key in enter:
            if self.terminator in ("enter", "enter_or_tab") or not self.text():
                self._terminate(event)
            return
        if key == QtCore.Qt.Key.Key_Escape:
            self.clear()
            self.escaped.emit()
            return
        if key in navigation and not event.modifiers() & QtCore.Qt.KeyboardModifier.AltModifier:
            self.navigated.emit(navigation[key])
            return
        text = event.text()
        editing = (QtCore.Qt.Key.Key_Backspace, QtCore.Qt.Key.Key_Delete)
        if len(text) == 1 and ord(text) < 0x20 and key not in editing:
            # A control character from the scanner: GS (FNC1) is kept, shown as ␝; others are dropped.
            if text == "\x1d":
                self.insert(GS_SYMBOL)
            return
        super().keyPressEvent(event)

    def _terminate(self, event: QKeyEvent) -> None:
        now = time.perf_counter()
        text = self.text()
        if not text:
            if now - self._ended_at < SUFFIX_SECONDS and event.key() != self._ended_by:
                return  # the second half of a two-key suffix such as "\t\r"
            self.confirmed.emit()
            return
        self.terminated_at = now
        self._ended_at = now
        self._ended_by = event.key()
        self.clear()
        self.scanned.emit(text)


class PinField(QLineEdit):
    """The PIN entry. A key that cannot be part of a PIN is a scan arriving: ``diverted`` hands it on."""

    diverted = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pinField")
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setMaxLength(12)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_InputMethodEnabled, False)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() in _keys()[1]:  # type: ignore[attr-defined]
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == QtCore.Qt.Key.Key_Escape:
            self.clear()
            self.cancelled.emit()
            return
        text = event.text()
        if len(text) == 1 and text.isprintable() and not text.isdigit():
            self.clear()
            self.diverted.emit(text)
            return
        super().keyPressEvent(event)


class ResultBanner(QLabel):
    """What just happened, large and in colour; back to the prompt after a few seconds."""

    # outage and checking stand in for the prompt while the database is unreachable (ui/station/outage.py).
    STATES = ("prompt", "info", "attached", "already", "warning", "refused", "outage", "checking")
    STANDING = ("prompt", "outage", "checking")
    # Height and type size (px) on a screen below and from 1600x1000 (``set_large``): two lines of the type
    # fit. The style sheets (resources/station*.qss, #banner) give the same type sizes.
    SIZES = {False: (86, 30), True: (116, 40)}

    def __init__(self, seconds: int = 6, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.setWordWrap(True)
        set_by_name(self, "alignment", "AlignVCenter|AlignLeft")
        set_by_name(self, "textFormat", "PlainText")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._type_size = 30
        self.set_large(False)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(seconds * 1000)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._prompt = ""
        self._prompt_state = "prompt"
        self.state = "prompt"
        self.setProperty("state", "prompt")
        self.setProperty("fit", "normal")
        self._restate = False  # the state changed while the banner could not be restyled (not shown)
        self.show_prompt("")

    def set_large(self, large: bool) -> None:
        """The size for a large screen, or back; the window changes the style sheet with it."""
        height, self._type_size = self.SIZES[large]
        self.setFixedHeight(height)
        if self.text():
            self._fit()

    def set_seconds(self, seconds: int) -> None:
        self._timer.setInterval(seconds * 1000)

    def show_result(self, state: str, text: str) -> None:
        self._set(state, text)
        self._timer.start()

    def show_prompt(self, text: str, state: str = "prompt") -> None:
        """The standing instruction (or outage); shown now unless a result is still on display."""
        self._prompt, self._prompt_state = text, state
        if not self._timer.isActive() or self.state in ("info", *self.STANDING):
            self._timer.stop()
            self._set(state, text)

    def clear_result(self) -> None:
        """Back to the prompt now."""
        self._timer.stop()
        self._set(self._prompt_state, self._prompt)

    def _on_timer_timeout(self) -> None:
        self._set(self._prompt_state, self._prompt)

    def _set(self, state: str, text: str) -> None:
        self.state = state
        marks = {"attached": "✔  ", "already": "●  ", "warning": "⚠  ", "refused": "✖  ", "outage": "⚠  "}
        self.setText(marks.get(state, "") + text)
        self._restate = self._restate or self.property("state") != state
        self.setProperty("state", state)
        self._fit()

    def _fit(self) -> None:
        """Two lines at full size; a message that needs more gets the smaller size, never cut off. Measured
        once the banner is shown (``showEvent``): until then it has no width of its own."""
        if not self.isVisible():
            return
        font = QFont(self.font())
        font.setPixelSize(self._type_size)
        width = max(200, self.contentsRect().width() - 4)
        needed = QFontMetrics(font).boundingRect(QRect(0, 0, width, 10_000), WORD_WRAP, self.text()).height()
        size = "long" if needed > self.contentsRect().height() + 2 else "normal"
        if self._restate or self.property("fit") != size:  # the style sheet selects on both
            self.setProperty("fit", size)
            restyle(self)
            self._restate = False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def expiry_text(view: CertificateView) -> str:
    """The certificate's state in the words every screen uses (app.certificates.state_words)."""
    from app.certificates import state_words  # the certificates' rules: first needed once someone signed in

    return state_words(view.record, today())


def refused_because(view: CertificateView) -> str:
    """Why a refused certificate is refused, in a list row's few words (``view.refusal`` says it in full):
    its state words when revoked or expired, else the approval the plant asks for."""
    record = view.record
    if record.status == "revoked" or view.expiry == "expired":
        return expiry_text(view)
    return f"not approved ({record.review_status})"


FIT_SIZES = ("normal", "small", "smaller")  # resources/station.qss: #certDetails[fit=…]
CERTIFICATE_PROMPT = "Scan or pick a certificate"


class CertificatePanel(QFrame):
    """The chosen certificate with kind, number and its state in words, and the Attach button.

    Its parts keep their place and size whichever certificate is shown, or none: choosing one
    never moves the serial's card above it.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("certPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 10)
        layout.setSpacing(6)
        self.top = QStackedWidget(objectName="certTop")
        self.placeholder = QLabel(CERTIFICATE_PROMPT, objectName="certPlaceholder", wordWrap=True)
        self.placeholder.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.details = details = QWidget(objectName="certDetails")
        column = QVBoxLayout(details)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.id_label = QLabel(objectName="certId", wordWrap=True)
        self.name_label = QLabel(objectName="certName", wordWrap=True)
        self.facts = QLabel(objectName="certFacts", wordWrap=True)
        self.state_label = QLabel(objectName="certState", wordWrap=True)
        for label in (self.id_label, self.name_label, self.facts, self.state_label):
            label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
            column.addWidget(label)
        column.addStretch(1)
        self.top.addWidget(self.placeholder)
        self.top.addWidget(details)
        layout.addWidget(self.top, 1)
        # The Attach button, or in its place why this certificate cannot be attached.
        self.bottom = QStackedWidget(objectName="certBottom")
        self.attach_button = QPushButton("ATTACH   ⏎", objectName="attachButton")
        self.attach_button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.attach_button.setEnabled(False)
        self.refusal = QLabel(objectName="certRefusal", wordWrap=True)
        self.refusal.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.bottom.addWidget(self.attach_button)
        self.bottom.addWidget(self.refusal)
        layout.addWidget(self.bottom)
        self.view: CertificateView | None = None
        self.set_certificate(None)

    def set_certificate(self, view: CertificateView | None, empty: str | None = None) -> None:
        """Show ``view``; with None, what to do now: ``empty``, else scan or pick a certificate."""
        self.view = view
        self.top.setCurrentIndex(0 if view is None else 1)
        self.bottom.setCurrentIndex(1 if view and view.refusal else 0)
        if view is None:
            self.placeholder.setText(empty or CERTIFICATE_PROMPT)
            self.refusal.clear()
            return
        record = view.record
        self.id_label.setText(record.id)
        self.name_label.setText(record.name)
        facts = [record.kind, f"No. {record.number}" if record.number else "no number"]
        facts += [f"EN 10204 {record.en10204_type}"] if record.en10204_type else []
        self.facts.setText(" · ".join(facts))
        words = expiry_text(view)
        state = "revoked" if record.status == "revoked" else view.expiry
        self.state_label.setText(("⚠ " if state == "expiring" else "✖ " if state in ("expired", "revoked") else "")
                                 + words)
        if self.state_label.property("state") != state:
            self.state_label.setProperty("state", state)
            restyle(self.state_label)
        self.refusal.setText(f"✖ {view.refusal}" if view.refusal else "")
        self._fit()

    def _fit(self) -> None:
        """The details in the panel's fixed room: a long name or number gets smaller type, never cut."""
        labels = (self.id_label, self.name_label, self.facts, self.state_label)
        width, room = self.details.width(), self.details.height()
        for size in FIT_SIZES:
            if self.details.property("fit") != size:
                self.details.setProperty("fit", size)
                for label in labels:
                    restyle(label)
            spacing = self.details.layout().spacing() * (len(labels) - 1)
            if width <= 0 or sum(label.heightForWidth(width) for label in labels) + spacing <= room:
                return

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.view is not None:
            self._fit()

    def set_armed(self, armed: bool, enabled: bool, busy: bool) -> None:
        self.attach_button.setEnabled(enabled and not busy)
        self.attach_button.setText("ATTACHING…" if busy else "ATTACH   ⏎")
        if self.attach_button.property("armed") != armed:
            self.attach_button.setProperty("armed", armed)
            restyle(self.attach_button)
