"""The route as a strip of steps, painted in one widget so a card is up in a few milliseconds.

It always fits its size: no scroll bar, no step name cut short. Its type grows with the
screen (``set_scale``); when a route is too long for one row it takes two or three, and when
a step's certificates do not all fit it shows as many as it can and "+N more".
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.serials import StepAttachment, StepState
from ui.widgets import local_time


@dataclass(frozen=True)
class StepLook:
    border: str
    background: str
    head_background: str
    head_text: str
    border_width: int
    dashed: bool = False


# Colours follow resources/station.qss.
STEP_LOOKS = {
    "current": StepLook("#0d47a1", "#e8f0fe", "#0d47a1", "#ffffff", 5),
    "passed": StepLook("#9bbf9f", "#eef6ee", "#eef6ee", "#2e5d32", 2),
    "ahead": StepLook("#b0bec5", "#f7f9fa", "#f7f9fa", "#607d8b", 2, dashed=True),
}
STRIP_FONT = "DejaVu Sans"
# Pixel sizes at scale 1 (a 1280x800 screen); the strip multiplies them by its scale.
FONT_SIZES = {"head": (22, True), "needs": (17, True), "note": (17, False), "cert": (17, True),
              "line": (16, False), "more": (18, True), "arrow": (30, True), "queued": (17, True),
              "queued_line": (16, True)}
# A certificate saved on this station offline, not yet sent, in the brown of the banner's "Saved on this
# station" state: never the look of one attached.
COLOURS = {"needs": "#8a4b00", "note": "#607d8b", "cert": "#1d2a36", "line": "#37474f", "none": "#78909c",
           "more": "#0d47a1", "queued": "#5d4037", "queued_line": "#5d4037"}
QUEUED_LINE = "Saved here — not yet sent"
# Tried in this order until everything fits: a smaller type first, then more rows.
SHRINK = (1.0, 0.92, 0.85)
MAX_ROWS = 3


def _font(pixels: float, bold: bool = False) -> QFont:
    font = QFont(STRIP_FONT)
    font.setPixelSize(max(8, round(pixels)))
    font.setBold(bold)
    return font


@dataclass
class _Block:
    kind: str  # head, needs, note, cert, line, none, more
    text: str
    height: int = 0


@dataclass
class _Box:
    rect: QRect
    blocks: list[_Block] = field(default_factory=list)
    hidden: int = 0  # attachments not shown for lack of room: "+N more", listed on a tap
    detail: int = 2  # how much each certificate shows: see RouteStrip._attachment_blocks


class RouteStrip(QWidget):
    """The route as a strip of steps, the current one standing out, under each the certificates attached there.

    ``more_requested(index)`` is a tap on a step with certificates: to see them all, in full.
    """

    more_requested = Signal(int)
    GAP = 24  # between two steps, room for the arrow
    ROW_GAP = 10
    PAD = 8

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("routeStrip")
        self.steps: list[StepState] = []
        self._base = 1.0
        self.scale = 1.0
        self.rows = 1
        self._fonts: dict[str, QFont] = {}
        self._metrics: dict[str, QFontMetrics] = {}
        # Measured once: a relayout tries several type sizes and measures the same texts again.
        self._scales: dict[float, tuple[dict[str, QFont], dict[str, QFontMetrics]]] = {}
        self._heights: dict[tuple[str, int, int, str], int] = {}
        self._widest: dict[tuple[str, int, str], int] = {}
        self._boxes: list[_Box] = []
        self._problems: list[str] = []
        self._use_scale(1.0)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # ---- what it shows ----------------------------------------------------------------------------------------

    def set_steps(self, steps: list[StepState]) -> None:
        self.steps = list(steps)
        self._relayout()
        self.updateGeometry()
        self.update()

    def set_scale(self, base: float) -> None:
        """The type size for this screen: 1.0 at 1280x800, more on a large screen."""
        if base != self._base:
            self._base = base
            self._relayout()
            self.updateGeometry()
            self.update()

    def states(self) -> list[str]:
        return [step.state for step in self.steps]

    def texts(self, index: int) -> list[str]:
        """The lines of text the step at ``index`` shows now."""
        return [block.text for block in self._boxes[index].blocks] if index < len(self._boxes) else []

    def hidden(self, index: int) -> int:
        """How many of the step's certificates wait behind "+N more"."""
        return self._boxes[index].hidden if index < len(self._boxes) else 0

    def column_rect(self, index: int) -> QRect:
        return QRect(self._boxes[index].rect) if index < len(self._boxes) else QRect()

    def elided_texts(self) -> list[str]:
        """What the strip could not show whole at its size (a word broken, a box overfilled); empty when all is.

        Measured again with the fonts it paints with, so a layout gone stale is caught too.
        """
        problems = list(self._problems)
        for step, box in zip(self.steps, self._boxes, strict=True):
            inner = box.rect.width() - 2 * self.PAD
            bottom = self.PAD + sum(block.height + self._spacing(block) for block in box.blocks)
            for block in box.blocks:
                painted = self._metrics[block.kind].boundingRect(QRect(0, 0, inner, 100_000),
                                                                  int(Qt.TextFlag.TextWordWrap), block.text).height()
                if painted > block.height:
                    problems.append(f"step {step.step.position + 1}: {block.text!r} needs {painted} px, "
                                    f"has {block.height}: cut")
            if bottom > box.rect.height() or box.rect.right() > self.width() or box.rect.bottom() > self.height():
                problems.append(f"step {step.step.position + 1}: its box or text runs past the strip")
        return problems

    def sizeHint(self):  # noqa: D102 - Qt's
        hint = super().sizeHint()
        tallest = max((self._natural_height(step) for step in self.steps), default=0)
        hint.setHeight(tallest)
        return hint

    def minimumSizeHint(self):  # noqa: D102 - Qt's
        hint = super().minimumSizeHint()
        hint.setHeight(0)
        hint.setWidth(0)
        return hint

    # ---- laying out ---------------------------------------------------------------------------------------------

    def _use_scale(self, scale: float) -> None:
        self.scale = scale
        if scale not in self._scales:
            fonts = {kind: _font(size * scale, bold) for kind, (size, bold) in FONT_SIZES.items()}
            fonts["none"] = fonts["note"]
            self._scales[scale] = (fonts, {kind: QFontMetrics(font) for kind, font in fonts.items()})
        self._fonts, self._metrics = self._scales[scale]

    def _height(self, block: _Block, inner: int) -> int:
        key = (block.kind, self._fonts[block.kind].pixelSize(), inner, block.text)
        height = self._heights.get(key)
        if height is None:
            if len(self._heights) > 20_000:
                self._heights.clear()
            height = self._metrics[block.kind].boundingRect(QRect(0, 0, inner, 100_000),
                                                            int(Qt.TextFlag.TextWordWrap), block.text).height()
            self._heights[key] = height
        return height

    def _too_wide(self, block: _Block, inner: int) -> str | None:
        """The widest word of ``block`` when it is wider than the box: word wrap would have to break it."""
        key = (block.kind, self._fonts[block.kind].pixelSize(), block.text)
        widest = self._widest.get(key)
        if widest is None:
            if len(self._widest) > 20_000:
                self._widest.clear()
            metrics = self._metrics[block.kind]
            widest = max((metrics.horizontalAdvance(word) for word in block.text.split()), default=0)
            self._widest[key] = widest
        if widest <= inner:
            return None
        metrics = self._metrics[block.kind]
        return max(block.text.split(), key=metrics.horizontalAdvance)

    def _spacing(self, block: _Block) -> int:
        return round((10 if block.kind == "head" else 6 if block.kind in ("line", "queued_line") else 3) * self.scale)

    def _fixed_blocks(self, step: StepState) -> list[_Block]:
        """The head and what the step still needs: always shown."""
        mark = {"passed": "✓ ", "current": "▶ ", "ahead": ""}[step.state]
        blocks = [_Block("head", f"{mark}{step.step.position + 1}. {step.step.name}")]
        missing = step.missing_kinds if step.state != "ahead" else []
        if missing:
            blocks.append(_Block("needs", f"needs {', '.join(missing)}"))
        elif step.state == "ahead" and step.step.requires:
            blocks.append(_Block("note", f"will need {', '.join(step.step.requires)}"))
        return blocks

    @staticmethod
    def _attachment_blocks(attached: StepAttachment, detail: int = 2) -> list[_Block]:
        """A certificate attached at the step: with who and when (2), with its name (1), its id alone (0)."""
        record = attached.attachment
        if attached.queued:
            head = record.cert_id if detail == 0 else f"{record.cert_id} · {attached.cert_name}"
            return [_Block("queued", head), _Block("queued_line", QUEUED_LINE)]
        if detail == 0:
            return [_Block("cert", record.cert_id)]
        blocks = [_Block("cert", f"{record.cert_id} · {attached.cert_name}")]
        if detail == 2:
            blocks.append(_Block("line", f"{attached.attached_by_name} · {local_time(record.attached_at)}"))
        return blocks

    @staticmethod
    def _more_block(hidden: list[StepAttachment], shown: int) -> _Block:
        """What a tap lists; those saved on this station offline are said apart, never counted as attached."""
        count, queued = len(hidden), sum(a.queued for a in hidden)
        if shown:
            return _Block("more", f"+{count} more" + (f", {queued} not yet sent" if queued else ""))
        if queued == count:
            return _Block("more", f"{count} saved here, not yet sent: tap")
        return _Block("more", f"{count} certificate{'s' if count != 1 else ''}"
                              + (f" ({queued} not yet sent)" if queued else "") + ": tap")

    def _stack(self, blocks: list[_Block], inner: int) -> int:
        """Height of ``blocks`` one under another inside a box, padding included."""
        total = 2 * self.PAD
        for block in blocks:
            block.height = self._height(block, inner)
            total += block.height + self._spacing(block)
        return total

    def _natural_height(self, step: StepState) -> int:
        """What the step needs at full scale in one row of steps, every certificate shown."""
        if not self.width():
            return 0
        count = len(self.steps)
        inner = (self.width() - (count - 1) * self.GAP) // count - 2 * self.PAD
        blocks = self._fixed_blocks(step)
        for attached in step.attachments:
            blocks += self._attachment_blocks(attached)
        shown = self.scale
        self._use_scale(self._base)
        height = self._stack(blocks, max(inner, 40))
        self._use_scale(shown)
        return height

    def _grid(self, rows: int, width: int, height: int) -> tuple[int, int, int, int]:
        """(steps per row, column width, inner width, row height) for ``rows`` rows."""
        per_row = math.ceil(len(self.steps) / rows)
        gap = round(self.GAP * self.scale)
        column = (width - (per_row - 1) * gap) // per_row
        return per_row, column, column - 2 * self.PAD, (height - (rows - 1) * self.ROW_GAP) // rows

    def _fits(self, rows: int, width: int, height: int, factor: float) -> bool:
        """Every step name and need whole at ``factor``, in a box with room for one line of "+N more"."""
        self._use_scale(self._base * factor)
        _, _, inner, row_height = self._grid(rows, width, height)
        if inner < 40:
            return False
        for step in self.steps:
            blocks = self._fixed_blocks(step)
            if any(self._too_wide(block, inner) for block in blocks):
                return False
            if step.attachments:
                blocks.append(self._more_block(step.attachments, 0))
            if self._stack(blocks, inner) > row_height:
                return False
        return True

    def _relayout(self) -> None:
        """The fewest rows in which every step name fits whole; then the type size that shows most."""
        self._boxes, self._problems = [], []
        if not self.steps:
            return
        width, height = self.width(), self.height()
        rows, first = min(MAX_ROWS, len(self.steps)), len(SHRINK) - 1
        for candidate in range(1, rows + 1):
            fitting = next((n for n, factor in enumerate(SHRINK) if self._fits(candidate, width, height, factor)),
                           None)
            if fitting is not None:
                rows, first = candidate, fitting
                break
        self.rows = rows
        best = None
        for factor in SHRINK[first:]:
            self._use_scale(self._base * factor)
            boxes, problems = self._boxes_for(rows, width, height)
            # Every certificate in sight first, then as much about each as fits; a tie keeps the larger type.
            score = (sum(box.hidden for box in boxes), -sum(box.detail for box in boxes), len(problems))
            if best is None or score < best[0]:
                best = (score, factor, boxes, problems)
            if score[:2] == (0, -2 * len(boxes)):
                break
        _, factor, self._boxes, self._problems = best  # type: ignore[misc]
        self._use_scale(self._base * factor)

    def _boxes_for(self, rows: int, width: int, height: int) -> tuple[list[_Box], list[str]]:
        per_row, column, inner, row_height = self._grid(rows, width, height)
        gap = round(self.GAP * self.scale)
        boxes, problems = [], []
        for index, step in enumerate(self.steps):
            row, place = divmod(index, per_row)
            box = _Box(QRect(place * (column + gap), row * (row_height + self.ROW_GAP), column, row_height))
            problems += self._fill(box, step, max(inner, 1))
            boxes.append(box)
        return boxes, problems

    def _fill(self, box: _Box, step: StepState, inner: int) -> list[str]:
        """Every certificate, with as much about each as fits; else as many as fit and "+N more".

        Returns what could not be shown whole (nothing, when the strip has room for its step names).
        """
        room = box.rect.height()
        best: tuple[list[_Block], int, int, int] | None = None
        for detail in (2, 1, 0):
            blocks, hidden, used = self._fill_with(step, inner, room, detail)
            if best is None or hidden < best[1]:
                best = (blocks, hidden, used, detail)
            if not hidden:
                break
        box.blocks, box.hidden, used, box.detail = best  # type: ignore[misc]
        name = f"step {step.step.position + 1} ({step.step.name})"
        problems = [f"{name}: {word!r} is wider than its box ({inner} px), broken mid-word"
                    for word in (self._too_wide(block, inner) for block in box.blocks) if word]
        if used > room:
            problems.append(f"{name}: needs {used} px of height, its box has {room}: cut at the bottom")
        return problems

    def _fill_with(self, step: StepState, inner: int, room: int, detail: int) -> tuple[list[_Block], int, int]:
        """(blocks, certificates left out, height used) showing each certificate at ``detail``."""
        blocks = self._fixed_blocks(step)
        used = self._stack(blocks, inner)
        count = len(step.attachments)
        shown = 0
        for attached in step.attachments:
            lines = self._attachment_blocks(attached, detail)
            extra = self._stack(lines, inner) - 2 * self.PAD
            rest = count - shown - 1
            more = (self._stack([self._more_block(step.attachments[shown + 1:], shown + 1)], inner) - 2 * self.PAD
                    if rest else 0)
            if used + extra + more > room:
                break
            blocks += lines
            used += extra
            shown += 1
        if shown < count:
            more = self._more_block(step.attachments[shown:], shown)
            used += self._stack([more], inner) - 2 * self.PAD
            blocks.append(more)
        elif not count:
            none = _Block("none", "no certificates")
            extra = self._stack([none], inner) - 2 * self.PAD
            if used + extra <= room:
                blocks.append(none)
                used += extra
        return blocks, count - shown, used

    def resizeEvent(self, event) -> None:
        self._relayout()
        super().resizeEvent(event)

    # ---- tapping and painting -----------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        for index, (step, box) in enumerate(zip(self.steps, self._boxes, strict=True)):
            if step.attachments and box.rect.contains(point):
                self.more_requested.emit(index)
                return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        gap = round(self.GAP * self.scale)
        for index, (step, box) in enumerate(zip(self.steps, self._boxes, strict=True)):
            look = STEP_LOOKS[step.state]
            rect = box.rect
            half = look.border_width / 2
            pen = QPen(QColor(look.border), look.border_width)
            if look.dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(QColor(look.background))
            painter.drawRoundedRect(QRectF(rect).adjusted(half, half, -half, -half), 8, 8)
            inner = rect.width() - 2 * self.PAD
            y = rect.y() + self.PAD
            for block in box.blocks:
                area = QRect(rect.x() + self.PAD, y, inner, block.height)
                colour = COLOURS.get(block.kind, look.head_text)
                if block.kind == "head" and step.state == "current":
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(QColor(look.head_background))
                    painter.drawRoundedRect(QRectF(area.adjusted(-4, -3, 4, 3)), 5, 5)
                elif block.kind == "more":
                    painter.setPen(QPen(QColor(colour), 2))
                    painter.setBrush(QColor("#ffffff"))
                    painter.drawRoundedRect(QRectF(area.adjusted(-3, -1, 3, 1)), 6, 6)
                painter.setFont(self._fonts[block.kind])
                painter.setPen(QColor(colour))
                flags = Qt.TextFlag.TextWrapAnywhere if self._too_wide(block, inner) else Qt.TextFlag.TextWordWrap
                align = Qt.AlignmentFlag.AlignHCenter if block.kind == "more" else Qt.AlignmentFlag.AlignLeft
                painter.drawText(area, int(flags | align), block.text)
                y += block.height + self._spacing(block)
            if index and self._boxes[index - 1].rect.y() == rect.y():
                painter.setFont(self._fonts["arrow"])
                painter.setPen(QColor("#78909c"))
                head = box.blocks[0].height + 2 * self.PAD
                painter.drawText(QRect(rect.x() - gap, rect.y(), gap, head), int(Qt.AlignmentFlag.AlignCenter), "›")
        painter.end()
