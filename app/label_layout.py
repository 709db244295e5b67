"""A serial label laid out: the serial as Code 128 and as a GS1 DataMatrix, with job and part, in millimetres.

The symbols are encoded by zxing-cpp (its writer is zint): Certline draws only the module matrix
the library returns, as filled rectangles, so the PDF is vector and a printer at any resolution
prints sharp edges. ``layout`` places everything on the label once; the PDF here (fpdf2) and the
office's printing through QPrinter (ui/office/label_printing.py) draw that same layout, so a label
looks the same on paper from either. No database here: app.labels reads the labels and records
their printing.

The DataMatrix is GS1 (FNC1 first, AIs 01 GTIN and 10 lot when the job has them, 21 the serial),
checked before printing by the station's own reader (app.scan.read_scan): a label is printed only
if the station reads it back to its serial. A serial GS1 cannot carry (longer than 20 characters,
or a character outside GS1's set) gets a plain DataMatrix of the serial instead, which the station
reads as well. A job whose GTIN or lot GS1 refuses is refused, naming it: dropping the GTIN from a
label silently would print something else than the job says.
"""
from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Iterable, Sequence

from app.errors import Invalid
from app.text import shown

MIN_MODULE = 0.25  # mm: the narrowest bar or DataMatrix cell printed; below it scanners start to miss
MAX_MODULE = 0.5  # mm: larger cells only take room from the text
QUIET_MODULES = 10  # Code 128's quiet zone on each side, in modules
MIN_SIZE, MAX_SIZE = (20.0, 10.0), (200.0, 200.0)  # mm, width and height
PT = 25.4 / 72  # mm per point


@dataclass(frozen=True)
class LabelSize:
    width: float  # mm
    height: float

    def __str__(self) -> str:
        return f"{self.width:g}x{self.height:g}"


DEFAULT_SIZE = LabelSize(50, 25)
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*[x×X]\s*(\d+(?:\.\d+)?)\s*(?:mm)?\s*")


def parse_size(text: str) -> LabelSize:
    """``50x25`` (millimetres, width first) as a LabelSize; Invalid with a sentence otherwise."""
    match = _SIZE.fullmatch(text or "")
    if not match:
        raise Invalid(f"Label size must be width x height in millimetres, such as 50x25: {text!r}", "size")
    return check_size(LabelSize(float(match.group(1)), float(match.group(2))))


def check_size(size: LabelSize) -> LabelSize:
    (low_w, low_h), (high_w, high_h) = MIN_SIZE, MAX_SIZE
    if not (low_w <= size.width <= high_w and low_h <= size.height <= high_h):
        raise Invalid(f"A label is {low_w:g} to {high_w:g} mm wide and {low_h:g} to {high_h:g} mm high: {size} mm "
                      "is outside that", "size")
    return size


@dataclass(frozen=True)
class Label:
    """What one label says: plain values, from the serial and its job."""

    serial_id: str
    job_id: str
    part: str
    gtin: str | None = None
    lot: str | None = None


@dataclass(frozen=True)
class Box:
    """A filled rectangle (bars, DataMatrix cells), in mm from the label's top left corner."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Text:
    """A line of text: ``y`` is its baseline; DejaVu Sans (``bold``) at ``points``."""

    x: float
    y: float
    points: float
    bold: bool
    text: str


@dataclass(frozen=True)
class LabelLayout:
    size: LabelSize
    boxes: tuple[Box, ...]
    texts: tuple[Text, ...]
    datamatrix: str  # the element string the DataMatrix holds (GS1: AIs, GS between variable ones)
    gs1: bool
    module_mm: tuple[float, float]  # Code 128 bar module, DataMatrix cell


# --- the symbols ------------------------------------------------------------------------------


def gs1_element_string(label: Label) -> str | None:
    """AI 01, 10 and 21 as the symbol carries them (GS after the variable-length lot); None when
    the serial cannot be an AI 21 value. Raises Invalid when the job's GTIN or lot is refused."""
    from app.scan import read_scan

    gtin = label.gtin.strip() if label.gtin else ""
    if gtin.isdigit() and len(gtin) in (8, 12, 13):
        gtin = gtin.zfill(14)  # GTIN-8/12/13 are written as 14 digits in AI 01
    lot = f"10{label.lot}\x1d" if label.lot else ""
    element_string = (f"01{gtin}" if gtin else "") + lot + "21" + label.serial_id
    scan = read_scan("]d2" + element_string)
    if scan.code == label.serial_id:
        return element_string
    if read_scan("]d2" + "21" + label.serial_id).code != label.serial_id:
        return None  # the serial itself is what GS1 refuses
    why = scan.refusal or "it does not read back to the serial"
    raise Invalid(f"Job {label.job_id}'s GTIN or lot cannot go on a GS1 label ({why}): correct the job, "
                  "then print again")


def _zint_input(element_string: str) -> str:
    """The element string in zint's bracketed form ([01]…[10]…[21]…): brackets cannot occur in AI values."""
    out, rest = [], element_string
    while rest:
        ai, rest = rest[:2], rest[2:]
        if ai == "01":
            value, rest = rest[:14], rest[14:]
        else:
            value, _, rest = rest.partition("\x1d")
        out.append(f"[{ai}]{value}")
    return "".join(out)


def _rows(content: str, format_name: str, **options: Any) -> list[bytes]:
    """The symbol's module matrix, a row of bytes per module row (0: dark, 255: light), no quiet zone."""
    import zxingcpp

    try:
        symbol = zxingcpp.create_barcode(content, getattr(zxingcpp.BarcodeFormat, format_name), **options)
    except ValueError as error:  # zint's refusal, e.g. a value it cannot encode
        raise Invalid(f"Cannot make a {format_name} of {content!r}: {error}") from None
    image = memoryview(symbol.to_image(scale=1, add_quiet_zones=False))
    height, width = image.shape
    pixels = image.tobytes()
    return [pixels[y * width:(y + 1) * width] for y in range(height)]


_DARK = re.compile(rb"[\x00-\x7f]+")


def _runs(row: bytes) -> Iterable[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    return ((match.start(), match.end() - match.start()) for match in _DARK.finditer(row))


# --- the layout -------------------------------------------------------------------------------

FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
_measuring = threading.Lock()


@cache
def _measurer():
    from fpdf import FPDF

    from app.report_pdf import FONT, _font_path

    pdf = FPDF(unit="mm")
    for bold, name in FONT_FILES.items():
        pdf.add_font(FONT, "B" if bold else "", _font_path(name))
    return pdf


@lru_cache(maxsize=4096)  # a job's lines are the same on each of its labels
def text_width(text: str, points: float, bold: bool = False) -> float:
    """The width in mm of ``text`` in DejaVu Sans at ``points``, as the PDF sets it."""
    from app.report_pdf import FONT

    with _measuring:
        pdf = _measurer()
        pdf.set_font(FONT, "B" if bold else "", points)
        return pdf.get_string_width(text)


def _fit(text: str, points: float, bold: bool, width: float) -> str:
    if text_width(text, points, bold) <= width:
        return text
    while text and text_width(text + "…", points, bold) > width:
        text = text[:-1]
    return text + "…"


def _text_block(label: Label, x: float, top: float, width: float, height: float) -> list[Text]:
    """The serial large, then job, part, GTIN and lot, at the largest size that fits the height."""
    # People's text (part, lot) with anything invisible or steering shown as its escape, as everywhere.
    lines = [f"Job {label.job_id}", shown(f"Part {label.part}")]
    if label.gtin:
        lines.append(shown(f"GTIN {label.gtin}"))
    if label.lot:
        lines.append(shown(f"Lot {label.lot}"))
    while True:
        for points in [p / 2 for p in range(24, 9, -1)]:  # 12 pt down to 5 pt
            small = max(points * 0.72, 4.5)
            if (points + small * len(lines)) * PT * 1.18 <= height:
                break
        else:
            if lines:
                lines.pop()  # the last line that does not fit goes; the serial always stays
                continue
            points, small = 5.0, 4.5
        break
    while points > 5 and text_width(label.serial_id, points, True) > width:
        points -= 0.5
    texts, y = [], top + points * PT * 0.95
    texts.append(Text(x, y, points, True, _fit(label.serial_id, points, True, width)))
    for line in lines:
        y += small * PT * 1.18
        texts.append(Text(x, y, small, False, _fit(line, small, False, width)))
    return texts


def layout(label: Label, size: LabelSize = DEFAULT_SIZE) -> LabelLayout:
    """Where everything goes on one label. Raises Invalid when a code would print too small to scan."""
    w, h = size.width, size.height
    margin = min(max(min(w, h) * 0.06, 1.0), 3.0)
    bar_height = min(max(h * 0.3, 5.0), 20.0)
    gap = 1.0
    bars = _rows(label.serial_id, "Code128")[0]  # a linear symbol's rows are all alike
    bar_module = min(MAX_MODULE, w / (len(bars) + 2 * QUIET_MODULES))
    if bar_module < MIN_MODULE:
        needed = math.ceil((len(bars) + 2 * QUIET_MODULES) * MIN_MODULE)
        raise Invalid(f"{label.serial_id} is too long for a Code 128 on a label {w:g} mm wide: it needs {needed} mm "
                      f"(bars at least {MIN_MODULE} mm); choose a wider label", "size")
    element_string = gs1_element_string(label)
    if element_string is None:
        cells = _rows(label.serial_id, "DataMatrix", forceSquare=True)
    else:
        cells = _rows(_zint_input(element_string), "DataMatrix", gs1=True, forceSquare=True)
    top_height = h - 2 * margin - bar_height - gap
    cell = min(MAX_MODULE, top_height / len(cells)) if top_height > 0 else 0
    if cell < MIN_MODULE:
        raise Invalid(f"The DataMatrix of {label.serial_id} ({len(cells)} cells a side) does not fit on a label "
                      f"{h:g} mm high with cells of {MIN_MODULE} mm or more; choose a higher label", "size")
    side = cell * len(cells)
    boxes = [Box(margin + x * cell, margin + y * cell, n * cell, cell)  # its top beside the serial's line
             for y, row in enumerate(cells) for x, n in _runs(row)]
    bar_left, bar_top = (w - len(bars) * bar_module) / 2, h - margin - bar_height
    boxes += [Box(bar_left + x * bar_module, bar_top, n * bar_module, bar_height) for x, n in _runs(bars)]
    text_left = margin + side + max(2.0, 2 * cell)
    text_width_mm = w - margin - text_left
    if text_width_mm < 8:
        raise Invalid(f"A label {size} mm leaves no room for the text beside the DataMatrix; choose a wider label",
                      "size")
    texts = _text_block(label, text_left, margin, text_width_mm, top_height)
    return LabelLayout(size, tuple(boxes), tuple(texts), element_string or label.serial_id,
                       element_string is not None, (bar_module, cell))


# --- the PDF ----------------------------------------------------------------------------------


def render_pdf(layouts: Sequence[LabelLayout]) -> bytes:
    """One page the label's size per label, as label printers take them."""
    from fpdf import FPDF
    from fpdf.enums import RenderStyle

    from app.report_pdf import FONT, _font_path

    if not layouts:
        raise Invalid("No labels to print")
    size = layouts[0].size
    pdf = FPDF(unit="mm", format=(size.width, size.height))
    for bold, name in FONT_FILES.items():
        pdf.add_font(FONT, "B" if bold else "", _font_path(name))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creator("Certline")
    pdf.set_title("Serial labels")
    pdf.set_fill_color(0, 0, 0)
    pdf.set_text_color(0, 0, 0)
    for item in layouts:
        pdf.add_page()
        for box in item.boxes:
            pdf.rect(box.x, box.y, box.w, box.h, style=RenderStyle.F)
        for text in item.texts:
            pdf.set_font(FONT, "B" if text.bold else "", text.points)
            pdf.text(text.x, text.y, text.text)
    return bytes(pdf.output())
