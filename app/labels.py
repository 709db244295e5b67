"""Serial labels printed: which labels, who printed them, and whether they were printed before.

The layout and the PDF are app.label_layout's; this module reads the labels of a job or of listed
serials and records their printing. One ``labels_printed`` entry per serial (so the trail's serial
filter finds it), each saying how many labels went out together, their size, to PDF or printer,
and whether that serial had labels printed before (a reprint). The entry is written before the
file appears or the printer is fed: a label that exists always has its entry.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any, Literal, Sequence

from app import audit
from app.db import write_transaction
from app.errors import Invalid, NotFound
from app.label_layout import (DEFAULT_SIZE, Label, LabelLayout, LabelSize, check_size, layout, parse_size,
                              render_pdf)
from app.models import AuditEntry, Job, SerialNumber
from app.users import require_user

# The layout's names a caller of this module needs too (the CLI's size, the office's types).
__all__ = ["DEFAULT_SIZE", "Label", "LabelLayout", "LabelSize", "PrintOrder", "parse_size", "pdf_labels",
           "print_order", "save_pdf", "load_labels", "prepare", "record", "printed_before"]

PRINTERS = ("supervisor", "admin")
AUDIT_TYPE = "labels_printed"
MAX_LABELS = 10_000
Output = Literal["pdf", "printer"]


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
