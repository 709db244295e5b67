"""The serial's card: its id, job and status, and the route as a strip of steps with their certificates.

The strip paints itself rather than laying out labels, so a card is up in a few milliseconds.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from app.serials import SerialDetail, StepState
from ui.widgets import ElidedLabel, local_time, restyle


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
