"""The station's parts: the scan field, the result banner, the serial's card, the certificate panel and lists.

None of them touches the database; the station window feeds them plain records.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.scan import GS_SYMBOL
from app.serials import SerialDetail, StepState
from app.users import UserRecord
from ui.operations import CertificateView

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
TAB_KEYS = (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
NAVIGATION = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -5, Qt.Key.Key_PageDown: 5}
# An Enter or Tab this soon after a scan ended is the scanner's second suffix character, not a person.
SUFFIX_SECONDS = 0.08


def restyle(widget: QWidget) -> None:
    """Apply the style sheet again after a dynamic property that it selects on has changed."""
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
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.terminator = terminator
        self.terminated_at = 0.0
        self._ended_at = -1.0
        self._ended_by = Qt.Key.Key_unknown

    def event(self, event: QEvent) -> bool:
        # Tab is taken here, before QWidget would move the focus to the next widget.
        if event.type() == QEvent.Type.KeyPress and event.key() in TAB_KEYS:  # type: ignore[attr-defined]
            if self.terminator in ("tab", "enter_or_tab"):
                self._terminate(event)  # type: ignore[arg-type]
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in ENTER_KEYS:
            if self.terminator in ("enter", "enter_or_tab") or not self.text():
                self._terminate(event)
            return
        if key == Qt.Key.Key_Escape:
            self.clear()
            self.escaped.emit()
            return
        if key in NAVIGATION and not event.modifiers() & Qt.KeyboardModifier.AltModifier:
            self.navigated.emit(NAVIGATION[key])
            return
        text = event.text()
        if len(text) == 1 and ord(text) < 0x20 and key not in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
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
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() in TAB_KEYS:  # type: ignore[attr-defined]
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
            self.cancelled.emit()
            return
        text = event.text()
        if len(text) == 1 and text.isprintable() and not text.isdigit():
            self.clear()
            self.diverted.emit(text)
            return
        super().keyPressEvent(event)


class ElidedLabel(QLabel):
    """One line that ends in "…" when the window is too narrow for it, instead of wrapping."""

    def __init__(self, text: str = "", parent: QWidget | None = None, **kwargs):
        super().__init__(parent, **kwargs)
        self._full = text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # type: ignore[override]
        self._full = text
        self._elide()

    def full_text(self) -> str:
        return self._full

    def _elide(self) -> None:
        width = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width) if width > 20 else \
            self._full
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()


class ResultBanner(QLabel):
    """What just happened, large and in colour; back to the prompt after a few seconds."""

    STATES = ("prompt", "info", "attached", "already", "warning", "refused")

    def __init__(self, seconds: int = 6, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(86)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(seconds * 1000)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._prompt = ""
        self.state = "prompt"
        self.show_prompt("")

    def set_seconds(self, seconds: int) -> None:
        self._timer.setInterval(seconds * 1000)

    def show_result(self, state: str, text: str) -> None:
        self._set(state, text)
        self._timer.start()

    def show_prompt(self, text: str) -> None:
        """The standing instruction; shown now unless a result is still on display."""
        self._prompt = text
        if not self._timer.isActive() or self.state in ("info", "prompt"):
            self._timer.stop()
            self._set("prompt", text)

    def clear_result(self) -> None:
        """Back to the prompt now."""
        self._timer.stop()
        self._set("prompt", self._prompt)

    def _on_timer_timeout(self) -> None:
        self._set("prompt", self._prompt)

    def _set(self, state: str, text: str) -> None:
        self.state = state
        marks = {"attached": "✔  ", "already": "●  ", "warning": "⚠  ", "refused": "✖  "}
        self.setText(marks.get(state, "") + text)
        self.setProperty("state", state)
        self._fit()

    def _fit(self) -> None:
        """Two lines at full size; a message that needs more gets the smaller size, never cut off."""
        font = QFont(self.font())
        font.setPixelSize(30)
        width = max(200, self.contentsRect().width() - 4)
        needed = QFontMetrics(font).boundingRect(QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap),
                                                 self.text()).height()
        size = "long" if needed > self.contentsRect().height() + 2 else "normal"
        self.setProperty("fit", size)
        restyle(self)  # the state may have changed too

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()


@dataclass(frozen=True)
class StepLook:
    border: str
    background: str
    head_background: str
    head_text: str
    border_width: int
    dashed: bool = False


# The strip paints itself (one widget, no layouts of labels: a card is up in a few milliseconds);
# its colours follow resources/station.qss.
STEP_LOOKS = {
    "current": StepLook("#0d47a1", "#e8f0fe", "#0d47a1", "#ffffff", 5),
    "passed": StepLook("#9bbf9f", "#eef6ee", "#eef6ee", "#2e5d32", 2),
    "ahead": StepLook("#b0bec5", "#f7f9fa", "#f7f9fa", "#607d8b", 2, dashed=True),
}
STRIP_FONT = "DejaVu Sans"


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont(STRIP_FONT)
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


@dataclass
class _Block:
    text: str
    font: QFont
    colour: str
    height: int = 0


class RouteStrip(QWidget):
    """The route as a strip of steps, the current one standing out, under each the certificates attached there."""

    MIN_COLUMN = 190
    GAP = 30  # room for the arrow between two steps
    PAD = 10

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("routeStrip")
        self.steps: list[StepState] = []
        self._fonts = {"head": _font(22, True), "needs": _font(17, True), "note": _font(17), "cert": _font(17, True),
                       "line": _font(17), "arrow": _font(34, True)}
        self._columns: list[tuple[QRect, list[_Block], int]] = []
        self._content_height = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_steps(self, steps: list[StepState]) -> None:
        self.steps = list(steps)
        self.setMinimumWidth(len(self.steps) * self.MIN_COLUMN + max(0, len(self.steps) - 1) * self.GAP)
        self._relayout()
        self.update()

    def states(self) -> list[str]:
        return [step.state for step in self.steps]

    def texts(self, index: int) -> list[str]:
        """The lines of text the step at ``index`` shows (for tests)."""
        return [block.text for block in self._blocks(self.steps[index])]

    def column_rect(self, index: int) -> QRect:
        return self._columns[index][0] if index < len(self._columns) else QRect()

    def _blocks(self, step: StepState) -> list[_Block]:
        mark = {"passed": "✓ ", "current": "▶ ", "ahead": ""}[step.state]
        blocks = [_Block(f"{mark}{step.step.position + 1}. {step.step.name}", self._fonts["head"],
                         STEP_LOOKS[step.state].head_text)]
        missing = step.missing_kinds if step.state != "ahead" else []
        if missing:
            blocks.append(_Block(f"needs {', '.join(missing)}", self._fonts["needs"], "#8a4b00"))
        elif step.state == "ahead" and step.step.requires:
            blocks.append(_Block(f"will need {', '.join(step.step.requires)}", self._fonts["note"], "#607d8b"))
        for attached in step.attachments:
            record = attached.attachment
            blocks.append(_Block(f"{record.cert_id} · {attached.cert_name}", self._fonts["cert"], "#1d2a36"))
            blocks.append(_Block(f"{attached.attached_by_name} · {local_time(record.attached_at)}",
                                 self._fonts["line"], "#37474f"))
        if not step.attachments:
            blocks.append(_Block("no certificates", self._fonts["note"], "#78909c"))
        return blocks

    def _relayout(self) -> None:
        count = len(self.steps)
        self._columns = []
        if not count:
            self._content_height = 0
            return
        width = max(self.width(), self.minimumWidth())
        column = (width - (count - 1) * self.GAP) // count
        tallest = 0
        for index, step in enumerate(self.steps):
            x = index * (column + self.GAP)
            inner = column - 2 * self.PAD
            blocks = self._blocks(step)
            y = self.PAD
            for block in blocks:
                metrics = QFontMetrics(block.font)
                block.height = metrics.boundingRect(QRect(0, 0, inner, 10_000),
                                                    int(Qt.TextFlag.TextWordWrap), block.text).height()
                y += block.height + (10 if block is blocks[0] else 4)
            tallest = max(tallest, y + self.PAD)
            self._columns.append((QRect(x, 0, column, 0), blocks, y + self.PAD))
        self._content_height = tallest
        self.setMinimumHeight(tallest)
        self._columns = [(QRect(rect.x(), 0, rect.width(), max(tallest, self.height())), blocks, used)
                         for rect, blocks, used in self._columns]

    def resizeEvent(self, event) -> None:
        self._relayout()
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for index, (step, (rect, blocks, _)) in enumerate(zip(self.steps, self._columns, strict=True)):
            look = STEP_LOOKS[step.state]
            half = look.border_width / 2
            frame = QRectF(rect).adjusted(half, half, -half, -half)
            pen = QPen(QColor(look.border), look.border_width)
            if look.dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(QColor(look.background))
            painter.drawRoundedRect(frame, 8, 8)
            inner = rect.width() - 2 * self.PAD
            y = self.PAD
            for number, block in enumerate(blocks):
                box = QRect(rect.x() + self.PAD, y, inner, block.height)
                if number == 0 and step.state == "current":
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(QColor(look.head_background))
                    painter.drawRoundedRect(QRectF(box.adjusted(-4, -4, 4, 4)), 5, 5)
                painter.setFont(block.font)
                painter.setPen(QColor(block.colour))
                painter.drawText(box, int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft), block.text)
                y += block.height + (10 if number == 0 else 4)
            if index:
                painter.setFont(self._fonts["arrow"])
                painter.setPen(QColor("#78909c"))
                painter.drawText(QRect(rect.x() - self.GAP, 0, self.GAP, 44), int(Qt.AlignmentFlag.AlignCenter), "›")
        painter.end()


class SerialCard(QFrame):
    """The loaded serial: id, job, part, status, and its route as a strip of steps with their certificates.

    ``painted`` reports, once per ``set_serial(..., stamp=)``, the seconds from ``stamp``
    to the first paint that shows the serial.
    """

    painted = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.serial: SerialDetail | None = None
        self._stamp: float | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        head = QHBoxLayout()
        head.setSpacing(18)
        self.serial_label = QLabel(objectName="serialId")
        self.status_chip = QLabel(objectName="statusChip")
        self.job_line = ElidedLabel(objectName="serialFacts")
        self.where_line = ElidedLabel(objectName="serialFacts")
        facts = QVBoxLayout()
        facts.setSpacing(2)
        facts.addWidget(self.job_line)
        facts.addWidget(self.where_line)
        head.addWidget(self.serial_label)
        head.addWidget(self.status_chip, 0, Qt.AlignmentFlag.AlignVCenter)
        head.addLayout(facts, 1)
        layout.addLayout(head)
        self.placeholder = QLabel("Scan a serial to see its route and certificates", objectName="cardPlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        layout.addWidget(self.placeholder, 1)
        self.route = QScrollArea(objectName="routeArea")
        self.route.setWidgetResizable(True)
        self.route.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.route.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(self.route, 1)
        self.strip = RouteStrip()
        self.route.setWidget(self.strip)
        self._current_index: int | None = None
        # Scrolls once the new strip has its geometry; one timer, so a rebuilt strip is never touched stale.
        self._scroll_timer = QTimer(self, singleShot=True, interval=0)
        self._scroll_timer.timeout.connect(self._on_scroll_timer_timeout)
        self.set_serial(None)

    def set_serial(self, serial: SerialDetail | None, stamp: float | None = None) -> None:
        self.serial = serial
        self._stamp = stamp
        shown = serial is not None
        for widget in (self.serial_label, self.status_chip, self.job_line, self.where_line, self.route):
            widget.setVisible(shown)
        self.placeholder.setVisible(not shown)
        if serial is None:
            self.update()
            return
        self.serial_label.setText(serial.id)
        self.status_chip.setText(serial.status.replace("_", " ").upper())
        if self.status_chip.property("status") != serial.status:
            self.status_chip.setProperty("status", serial.status)
            restyle(self.status_chip)
        current = serial.current_step
        where = (f"at step {current.step.position + 1} of {len(serial.steps)}: {current.step.name}" if current
                 else "completed" if serial.current_step_index == -1 else "no current step")
        self.job_line.setText(f"Job {serial.job_id} · {serial.job_name} · Part {serial.part}")
        self.where_line.setText(f"{serial.path_name}, {where}")
        self.strip.set_steps(serial.steps)
        self._current_index = serial.steps.index(current) if current is not None else None
        if current is not None:
            self._scroll_timer.start()
        self.update()

    def _on_scroll_timer_timeout(self) -> None:
        """Scroll sideways, never down, so the current step stands in view with its head."""
        if self._current_index is None:
            return
        frame = self.strip.column_rect(self._current_index)
        bar = self.route.horizontalScrollBar()
        left, right = frame.x() - 40, frame.x() + frame.width() + 40
        viewport = self.route.viewport().width()
        if left < bar.value():
            bar.setValue(left)
        elif right > bar.value() + viewport:
            bar.setValue(min(left, right - viewport))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._stamp is not None:
            elapsed = time.perf_counter() - self._stamp
            self._stamp = None
            self.painted.emit(elapsed)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def expiry_text(view: CertificateView) -> str:
    expire = view.record.date_expire
    if expire is None:
        return "does not expire"
    if view.expiry == "expired":
        return f"EXPIRED {expire.isoformat()}"
    if view.expiry == "expiring":
        days = view.days_left or 0
        return f"expires in {days} day{'s' if days != 1 else ''} ({expire.isoformat()})"
    return f"expires {expire.isoformat()}"


class CertificatePanel(QFrame):
    """The chosen certificate with kind, number, expiry and status, and the Attach button."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("certPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 10)
        layout.setSpacing(6)
        self.placeholder = QLabel("Scan or pick a certificate", objectName="certPlaceholder")
        self.placeholder.setWordWrap(True)
        self.id_label = QLabel(objectName="certId")
        self.name_label = ElidedLabel(objectName="certName")
        self.facts = QLabel(objectName="certFacts", wordWrap=True)
        self.warning = QLabel(objectName="certWarning", wordWrap=True)
        self.refusal = QLabel(objectName="certRefusal", wordWrap=True)
        for widget in (self.placeholder, self.id_label, self.name_label, self.facts, self.warning, self.refusal):
            layout.addWidget(widget)
        self.attach_button = QPushButton("ATTACH   ⏎", objectName="attachButton")
        self.attach_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.attach_button.setEnabled(False)
        layout.addWidget(self.attach_button)
        self.view: CertificateView | None = None
        self.set_certificate(None)

    def set_certificate(self, view: CertificateView | None) -> None:
        self.view = view
        self.placeholder.setVisible(view is None)
        for widget in (self.id_label, self.name_label, self.facts):
            widget.setVisible(view is not None)
        self.warning.setVisible(bool(view and not view.refusal and view.expiry == "expiring"))
        self.refusal.setVisible(bool(view and view.refusal))
        # A certificate that cannot be attached shows why where the button would be.
        self.attach_button.setVisible(not (view and view.refusal))
        if view is None:
            return
        record = view.record
        self.id_label.setText(record.id)
        self.name_label.setText(record.name)
        line1 = [record.kind, f"No. {record.number}" if record.number else "no number"]
        line1 += [f"EN 10204 {record.en10204_type}"] if record.en10204_type else []
        line2 = [expiry_text(view), record.status.upper() if record.status != "active" else "active"]
        self.facts.setText(" · ".join(line1) + "\n" + " · ".join(line2))
        self.warning.setText(f"⚠ Inside its warning window: {expiry_text(view)}")
        self.refusal.setText(f"✖ {view.refusal}" if view.refusal else "")

    def set_armed(self, armed: bool, enabled: bool, busy: bool) -> None:
        self.attach_button.setEnabled(enabled and not busy)
        self.attach_button.setText("ATTACHING…" if busy else "ATTACH   ⏎")
        if self.attach_button.property("armed") != armed:
            self.attach_button.setProperty("armed", armed)
            restyle(self.attach_button)


class PickList(QListWidget):
    """A list that never takes the focus: the scan field's arrows move in it, a tap picks."""

    picked = Signal(object)

    def __init__(self, object_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.setUniformItemSizes(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemClicked.connect(self._on_item_clicked)

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        if item.flags() & Qt.ItemFlag.ItemIsEnabled:
            self.picked.emit(item.data(Qt.ItemDataRole.UserRole))

    def move(self, delta: int) -> None:  # type: ignore[override]
        """Move the current row by ``delta``, over rows that cannot be chosen."""
        rows = [r for r in range(self.count()) if self.item(r).flags() & Qt.ItemFlag.ItemIsEnabled]
        if not rows:
            return
        current = self.currentRow() if self.currentItem() and self.currentItem().isSelected() else None
        if current is None or current not in rows:
            target = rows[0] if delta > 0 else rows[-1]
        else:
            index = max(0, min(len(rows) - 1, rows.index(current) + delta))
            target = rows[index]
        self.setCurrentRow(target)
        self.scrollToItem(self.item(target))

    def chosen(self) -> object | None:
        item = self.currentItem()
        if item is None or not item.isSelected() or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return None
        return item.data(Qt.ItemDataRole.UserRole)

    def unselect(self) -> None:
        self.clearSelection()
        self.setCurrentRow(-1)


class CertificatePicker(PickList):
    """Certificates filtered by what is typed: id, name, number; kind and expiry. Revoked and expired are
    listed greyed and cannot be chosen; one inside its warning window is marked."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("picker", parent)

    def set_rows(self, views: list[CertificateView]) -> None:
        self.clear()
        for view in views:
            record = view.record
            number = f" · No. {record.number}" if record.number else ""
            line2 = f"{expiry_text(view)} · {record.kind}{number}"
            if record.status == "revoked":
                line2 = f"REVOKED · {record.kind}{number}"
            item = QListWidgetItem(f"{record.id} — {record.name}\n{line2}")
            item.setData(Qt.ItemDataRole.UserRole, view)
            if view.refusal:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setForeground(QBrush(QColor("#7b8794")))
                item.setToolTip(view.refusal)
            elif view.expiry == "expiring":
                item.setText(f"⚠ {record.id} — {record.name}\n{line2}")
                item.setBackground(QBrush(QColor("#ffe9a8")))
            self.addItem(item)


class UserPicker(PickList):
    def __init__(self, parent: QWidget | None = None):
        super().__init__("users", parent)
        self.users: list[UserRecord] = []

    def set_users(self, users: list[UserRecord], text: str = "") -> None:
        self.users = users
        self.filter(text)

    def filter(self, text: str) -> None:
        self.clear()
        needle = text.strip().lower()
        for user in self.users:
            if needle and needle not in user.name.lower() and needle not in user.id.lower():
                continue
            item = QListWidgetItem(f"{user.name}   ({user.role}{', PIN' if user.has_pin else ''})")
            item.setData(Qt.ItemDataRole.UserRole, user)
            self.addItem(item)


class History(QListWidget):
    """This session's results, newest first, each in its colour."""

    COLOURS = {"attached": ("#e3f3e6", "#14532d"), "already": ("#fff3cd", "#5c4100"),
               "warning": ("#fff3cd", "#5c4100"), "refused": ("#fde2e1", "#8b1a1a"),
               "info": ("#e8eef6", "#16324f")}
    LIMIT = 500

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("history")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def add(self, state: str, text: str) -> None:
        background, foreground = self.COLOURS.get(state, self.COLOURS["info"])
        item = QListWidgetItem(f"{dt.datetime.now():%H:%M:%S}  {text}")
        item.setBackground(QBrush(QColor(background)))
        item.setForeground(QBrush(QColor(foreground)))
        item.setData(Qt.ItemDataRole.UserRole, state)
        self.insertItem(0, item)
        while self.count() > self.LIMIT:
            self.takeItem(self.count() - 1)

    def entries(self) -> list[tuple[str, str]]:
        """(state, text) newest first, for tests and screenshots."""
        return [(self.item(i).data(Qt.ItemDataRole.UserRole), self.item(i).text()) for i in range(self.count())]
