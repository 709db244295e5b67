"""Serial labels: the serial as Code 128 and as a GS1 DataMatrix, with its job and part, one label a page.

The symbols are encoded by zxing-cpp (its writer is zint): Certline draws only the module matrix
the library returns, as filled rectangles, so the PDF is vector and a printer at any resolution
prints sharp edges. ``layout`` places everything on the label in millimetres once; the PDF here
(fpdf2) and the office's printing through QPrinter (ui/office/label_printing.py) draw that same
layout, so a label looks the same on paper from either.

The DataMatrix is GS1 (FNC1 first, AIs 01 GTIN and 10 lot when the job has them, 21 the serial),
checked before printing by the station's own reader (app.scan.read_scan): a label is printed only
if the station reads it back to its serial. A serial GS1 cannot carry (longer than 20 characters,
or a character outside GS1's set) gets a plain DataMatrix of the serial instead, which the station
reads as well. A job whose GTIN or lot GS1 refuses is refused, naming it: dropping the GTIN from a
label silently would print something else than the job says.

Printing is audited: one ``labels_printed`` entry per serial (so the trail's serial filter finds
it), each saying how many labels went out together, to PDF or printer, and whether that serial had
labels printed before (a reprint). The entry is written before the file appears or the printer is
fed: a label that exists always has its entry.
"""
from __future__ import annotations

import math
import os
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path as FilePath
from typing import Any, Iterable, Literal, Sequence

from app import audit
from app.db import write_transaction
from app.errors import Invalid, NotFound
from app.models import AuditEntry, Job, SerialNumber
from app.text import shown
from app.users import require_user

PRINTERS = ("supervisor", "admin")
AUDIT_TYPE = "labels_printed"
MAX_LABELS = 10_000
MIN_MODULE = 0.25  # mm: the narrowest bar or DataMatrix cell printed; below it scanners start to miss
MAX_MODULE = 0.5  # mm: larger cells only take room from the text
QUIET_MODULES = 10  # Code 128's quiet zone on each side, in modules
MIN_SIZE, MAX_SIZE = (20.0, 10.0), (200.0, 200.0)  # mm, width and height
PT = 25.4 / 72  # mm per point
Output = Literal["pdf", "printer"]


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

    serial_only = "21" + label.serial_id
    if read_scan("]d2" + serial_only).code != label.serial_id:
        return None
    gtin = label.gtin.strip() if label.gtin else ""
    if gtin.isdigit() and len(gtin) in (8, 12, 13):
        gtin = gtin.zfill(14)  # GTIN-8/12/13 are written as 14 digits in AI 01
    parts = [f"01{gtin}"] if gtin else []
    if label.lot:
        parts.append(f"10{label.lot}\x1d")
    element_string = "".join(parts) + serial_only
    scan = read_scan("]d2" + element_string)
    if scan.code != label.serial_id:
        why = scan.refusal or "it does not read back to the serial"
        raise Invalid(f"Job {label.job_id}'s GTIN or lot cannot go on a GS1 label ({why}): correct the job, "
                      "then print again")
    return element_string


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


def _modules(content: str, format_name: str, **options: Any) -> list[list[bool]]:
    """The symbol's module matrix (True: dark), one entry per module, no quiet zone."""
    import zxingcpp

    try:
        symbol = zxingcpp.create_barcode(content, getattr(zxingcpp.BarcodeFormat, format_name), **options)
    except ValueError as error:  # zint's refusal, e.g. a value it cannot encode
        raise Invalid(f"Cannot make a {format_name} of {content!r}: {error}") from None
    image = memoryview(symbol.to_image(scale=1, add_quiet_zones=False))
    height, width = image.shape
    return [[image[y, x] < 128 for x in range(width)] for y in range(height)]


def _runs(row: Sequence[bool]) -> Iterable[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    start = None
    for x, dark in enumerate([*row, False]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            yield start, x - start
            start = None


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
    bars = _modules(label.serial_id, "Code128")[0]
    bar_module = min(MAX_MODULE, w / (len(bars) + 2 * QUIET_MODULES))
    if bar_module < MIN_MODULE:
        needed = math.ceil((len(bars) + 2 * QUIET_MODULES) * MIN_MODULE)
        raise Invalid(f"{label.serial_id} is too long for a Code 128 on a label {w:g} mm wide: it needs {needed} mm "
                      f"(bars at least {MIN_MODULE} mm); choose a wider label", "size")
    element_string = gs1_element_string(label)
    if element_string is None:
        cells = _modules(label.serial_id, "DataMatrix", forceSquare=True)
    else:
        cells = _modules(_zint_input(element_string), "DataMatrix", gs1=True, forceSquare=True)
    top_height = h - 2 * margin - bar_height - gap
    cell = min(MAX_MODULE, top_height / len(cells)) if top_height > 0 else 0
    if cell < MIN_MODULE:
        raise Invalid(f"The DataMatrix of {label.serial_id} ({len(cells)} cells a side) does not fit on a label "
                      f"{h:g} mm high with cells of {MIN_MODULE} mm or more; choose a higher label", "size")
    side = cell * len(cells)
    dm_top = margin + (top_height - side) / 2
    boxes = [Box(margin + x * cell, dm_top + y * cell, n * cell, cell)
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
            pdf.rect(box.x, box.y, box.w, box.h, style="F")
        for text in item.texts:
            pdf.set_font(FONT, "B" if text.bold else "", text.points)
            pdf.text(text.x, text.y, text.text)
    return bytes(pdf.output())


# --- reading and recording --------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    labels: tuple[Label, ...]
    layouts: tuple[LabelLayout, ...]
    size: LabelSize
    skipped: int  # a job's scrapped serials, which get no label


@dataclass(frozen=True)
class PrintOrder:
    serial_ids: tuple[str, ...]
    reprints: tuple[str, ...]  # serials whose labels had been printed before
    size: LabelSize
    output: str
    skipped: int
    layouts: tuple[LabelLayout, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"count": len(self.serial_ids), "serialIds": list(self.serial_ids), "reprints": list(self.reprints),
                "size": str(self.size), "output": self.output, "skippedScrapped": self.skipped}


def _label(serial_id: str, job: Job) -> Label:
    # gtin and lot are optional columns of a job; a schema without them prints AI 21 alone.
    return Label(serial_id, job.id, job.part, getattr(job, "gtin", None) or None, getattr(job, "lot", None) or None)


def load_labels(job_id: str | None = None, serial_ids: Sequence[str] | None = None) -> tuple[list[Label], int]:
    """The labels of a job's serials (scrapped ones left out, their count returned) or of listed serials."""
    if (job_id is None) == (not serial_ids):
        raise Invalid("Say which labels: a job, or a list of serials")
    if job_id is not None:
        job = Job.get_or_none(Job.id == job_id)
        if job is None:
            raise NotFound(f"Job not found: {job_id}")
        rows = list(SerialNumber.select(SerialNumber.id, SerialNumber.status).where(SerialNumber.job == job.id)
                    .order_by(SerialNumber.id).tuples())
        if not rows:
            raise Invalid(f"Job {job_id} has no serials yet")
        kept = [serial for serial, status in rows if status != "scrapped"]
        return [_label(serial, job) for serial in kept], len(rows) - len(kept)
    wanted = list(dict.fromkeys(s.strip() for s in serial_ids if s and s.strip()))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found |= dict(SerialNumber.select(SerialNumber.id, SerialNumber.job).where(SerialNumber.id.in_(chunk))
                      .tuples())
    missing = [s for s in wanted if s not in found]
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise NotFound(f"Serial{'s' if len(missing) > 1 else ''} not found: {', '.join(missing[:5])}{more}")
    jobs = {job.id: job for job in Job.select().where(Job.id.in_(sorted(set(found.values()))))}
    return [_label(serial, jobs[found[serial]]) for serial in wanted], 0


def prepare(user_id: str, size: LabelSize = DEFAULT_SIZE, job_id: str | None = None,
            serial_ids: Sequence[str] | None = None) -> Prepared:
    """Everything up to the printing: who, which labels, their layouts. Writes nothing."""
    require_user(user_id, PRINTERS, "print labels")
    check_size(size)
    labels, skipped = load_labels(job_id, serial_ids)
    if len(labels) > MAX_LABELS:
        raise Invalid(f"{len(labels)} labels at once is more than {MAX_LABELS:,}: print them in parts")
    if not labels:
        raise Invalid(f"Job {job_id} has only scrapped serials: no labels to print")
    return Prepared(tuple(labels), tuple(layout(label, size) for label in labels), size, skipped)


def printed_before(serial_ids: Sequence[str]) -> set[str]:
    """The serials that already have a ``labels_printed`` entry."""
    seen: set[str] = set()
    for start in range(0, len(serial_ids), 500):
        chunk = list(serial_ids[start:start + 500])
        seen |= {s for (s,) in AuditEntry.select(AuditEntry.serial_id).distinct()
                 .where((AuditEntry.type == AUDIT_TYPE) & AuditEntry.serial_id.in_(chunk)).tuples()}
    return seen


def record(prepared: Prepared, user_id: str, output: Output) -> PrintOrder:
    """Audit the printing of ``prepared``: one entry per serial, reprints named."""
    ids = [label.serial_id for label in prepared.labels]
    with write_transaction():
        user = require_user(user_id, PRINTERS, "print labels")
        before = printed_before(ids)
        common = {"count": len(ids), "size": str(prepared.size), "output": output}
        details = {False: common | {"reprint": False}, True: common | {"reprint": True}}
        audit.append([audit.new_entry(AUDIT_TYPE, user.id, serial_id=label.serial_id, job_id=label.job_id,
                                      details=details[label.serial_id in before]) for label in prepared.labels])
    return PrintOrder(tuple(ids), tuple(s for s in ids if s in before), prepared.size, output, prepared.skipped,
                      prepared.layouts)


def print_order(user_id: str, size: LabelSize = DEFAULT_SIZE, job_id: str | None = None,
                serial_ids: Sequence[str] | None = None) -> PrintOrder:
    """Labels for a printer: laid out and recorded; the caller paints ``layouts`` (the office, with QPrinter)."""
    return record(prepare(user_id, size, job_id, serial_ids), user_id, "printer")


def pdf_labels(user_id: str, size: LabelSize = DEFAULT_SIZE, job_id: str | None = None,
               serial_ids: Sequence[str] | None = None) -> tuple[PrintOrder, bytes]:
    """The labels as PDF bytes, recorded once the PDF is made (for standard output)."""
    prepared = prepare(user_id, size, job_id, serial_ids)
    data = render_pdf(prepared.layouts)
    return record(prepared, user_id, "pdf"), data


def save_pdf(path: str | os.PathLike, user_id: str, size: LabelSize = DEFAULT_SIZE, job_id: str | None = None,
             serial_ids: Sequence[str] | None = None) -> PrintOrder:
    """The labels written to ``path``: the file appears only once the printing is recorded."""
    target = FilePath(path)
    prepared = prepare(user_id, size, job_id, serial_ids)
    data = render_pdf(prepared.layouts)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")  # beside it, so the rename is atomic
    try:
        with open(temporary, "wb") as file:
            file.write(data)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise Invalid(f"Cannot write {target}: {error.strerror or error}") from None
    try:
        order = record(prepared, user_id, "pdf")
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return order
