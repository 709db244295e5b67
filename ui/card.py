"""The serial's card: its id, job and status, and the route as a strip of steps with their certificates
(ui/route_strip.py); a tap on a step lists its certificates in full over the card (``StepCertificates``).
"""
from __future__ import annotations

import math
import time

from PySide6.QtCore import QEvent, QObject, QRect, Qt, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.serials import SerialDetail, StepState
from ui.route_strip import RouteStrip
from ui.widgets import local_time, restyle

PLACEHOLDER = "Scan a serial to see its route and certificates"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class StepCertificates(QFrame):
    """Every certificate attached at one step, over the card, large enough to read and tap in gloves.

    It never takes the keyboard focus: the scan field keeps it. A tap anywhere or Esc closes the
    list; any other key closes it and goes on to the scan field, so a scan is never lost.
    """

    closed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("stepCertificates")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.step: StepState | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 16)
        layout.setSpacing(10)
        self.title = QLabel(objectName="stepCertificatesTitle", wordWrap=True)
        layout.addWidget(self.title)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(24)
        self.grid.setVerticalSpacing(10)
        layout.addLayout(self.grid)
        bottom = QHBoxLayout()
        hint = QLabel("Tap anywhere or press Esc to close", objectName="stepCertificatesHint", wordWrap=True)
        self.close_button = QPushButton("Close", objectName="stepCertificatesClose")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        self.entries: list[QLabel] = []
        self.hide()

    def show_step(self, step: StepState, over: QWidget) -> None:
        """List ``step``'s certificates over ``over`` (the card), within its window."""
        window = over.window()
        if self.parentWidget() is not window:
            self.setParent(window)
        self.step = step
        count = len(step.attachments)
        self.title.setText(f"{step.step.position + 1}. {step.step.name}: "
                           f"{count} certificate{'s' if count != 1 else ''} attached")
        for label in self.entries:
            self.grid.removeWidget(label)
            label.deleteLater()
        area = window.rect().adjusted(24, 24, -24, -24)
        columns = max(1, min(3, math.ceil(count / 5), area.width() // 340))
        per_column = math.ceil(count / columns)
        self.entries = []
        for number, attached in enumerate(step.attachments):
            record = attached.attachment
            who = (f"Saved on this station — not yet sent · {_html(attached.attached_by_name)} · scanned "
                   f"{local_time(record.attached_at)}" if attached.queued
                   else f"{_html(attached.attached_by_name)} · {local_time(record.attached_at)}")
            label = QLabel(f"<b>{_html(record.cert_id)} · {_html(attached.cert_name)}</b><br>{who}",
                           objectName="stepCertificatesEntry", wordWrap=True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(label, number % per_column, number // per_column)
            self.entries.append(label)
        width = min(area.width(), 120 + columns * 420)
        self.setFixedWidth(width)
        self.layout().activate()
        height = min(area.height(), self.layout().totalHeightForWidth(width))
        self.setFixedHeight(height)
        target = QRect(over.mapTo(window, over.rect().topLeft()), over.size())
        x = max(area.left(), min(target.center().x() - width // 2, area.right() - width))
        y = max(area.top(), min(target.top() + 8, area.bottom() - height))
        self.move(x, y)
        self.show()
        self.raise_()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
            app.installEventFilter(self)

    def close_list(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if self.isVisible():
            self.hide()
            self.closed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.KeyPress:
            self.close_list()
            return event.key() == Qt.Key.Key_Escape  # type: ignore[attr-defined]
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            self.close_list()
            return True
        return False


class SerialCard(QFrame):
    """The loaded serial: id, job, part, status, and its route as a strip of steps with their certificates.

    ``painted`` reports, once per ``set_serial(..., stamp=)``, the seconds from ``stamp``
    to the first paint that shows the serial.
    """

    painted = Signal(float)
    refreshed = Signal(str)  # the serial's id: read again (another workstation changed it) and shown anew

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.serial: SerialDetail | None = None
        self._stamp: float | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(8)
        head = QHBoxLayout()
        head.setSpacing(18)
        self.serial_label = QLabel(objectName="serialId")
        self.status_chip = QLabel(objectName="statusChip")
        # Wraps rather than ends in "…": a person reads the whole job name.
        self.facts = QLabel(objectName="serialFacts", wordWrap=True)
        self.facts.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        head.addWidget(self.serial_label, 0, Qt.AlignmentFlag.AlignVCenter)
        head.addWidget(self.status_chip, 0, Qt.AlignmentFlag.AlignVCenter)
        head.addWidget(self.facts, 1)
        layout.addLayout(head)
        self.placeholder = QLabel(PLACEHOLDER, objectName="cardPlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        layout.addWidget(self.placeholder, 1)
        self.strip = RouteStrip()
        self.strip.more_requested.connect(self.show_step)
        layout.addWidget(self.strip, 1)
        self.step_list = StepCertificates(self)
        self.set_serial(None)

    def set_scale(self, scale: float) -> None:
        self.strip.set_scale(scale)

    def set_serial(self, serial: SerialDetail | None, stamp: float | None = None, empty: str | None = None) -> None:
        """Show ``serial``; with None, the prompt, or ``empty`` as an alert (why the serial went away)."""
        self.serial = serial
        self._stamp = stamp
        self.step_list.close_list()
        shown = serial is not None
        for widget in (self.serial_label, self.status_chip, self.facts, self.strip):
            widget.setVisible(shown)
        self.placeholder.setVisible(not shown)
        if serial is None:
            self.placeholder.setText(empty or PLACEHOLDER)
            if self.placeholder.property("alert") != bool(empty):
                self.placeholder.setProperty("alert", bool(empty))
                restyle(self.placeholder)
            self.update()
            return
        self.serial_label.setText(serial.id)
        self.status_chip.setText(serial.status.replace("_", " ").upper())
        if self.status_chip.property("status") != serial.status:
            self.status_chip.setProperty("status", serial.status)
            restyle(self.status_chip)
        # Where it stands is the strip's to show: the current step stands out there.
        self.facts.setText(f"Job {serial.job_id} · {serial.job_name} · Part {serial.part} · "
                           f"{serial.path_name}, revision {serial.revision}")
        self.strip.set_steps(serial.steps)
        self.update()

    def refresh(self, serial: SerialDetail) -> bool:
        """The shown serial read again: the card changes only when the serial did, so an equal read (this
        station's own attach heard back from the database) does not redraw it. A step's list left open
        stays open with what that step holds now. True when the card changed."""
        if self.serial is None or serial.id != self.serial.id or serial == self.serial:
            return False
        listed = self.step_list.step if self.step_list.isVisible() else None
        self.set_serial(serial)
        if listed is not None:
            self.show_step(listed.step.position)
        self.refreshed.emit(serial.id)
        return True

    def show_step(self, index: int) -> None:
        """Every certificate attached at step ``index``, over the card."""
        if self.serial is not None and 0 <= index < len(self.serial.steps):
            self.step_list.show_step(self.serial.steps[index], self)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._stamp is not None:
            elapsed = time.perf_counter() - self._stamp
            self._stamp = None
            self.painted.emit(elapsed)
