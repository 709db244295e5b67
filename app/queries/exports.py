"""The office's exports, Qt-free: every report to CSV (streamed, cancellable) or PDF, and the name a file
is offered under.

The reports are ``app.export``'s (attachments, lacking, gaps, audit) and a serial's route, which only
the office exports: one row per attachment at each step, a step with none as one row of its own.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from app import export, serials, witness
from app.clock import iso_utc
from app.errors import Invalid
from app.serials import SerialDetail
from app.words import CERT_KIND, SERIAL_STATUS, STEP_STATE, word

# --- file names ------------------------------------------------------------------------------------------

# Ids are printable ASCII and may hold what a file name cannot (``/``, ``\``, ``:``, ``*``, ``?``, ``"``,
# ``<``, ``>``, ``|``) or what a shell or a mail program mangles: kept are letters, digits, ``.``, ``_``, ``-``.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
PART_LENGTH = 64


def _safe(part: str) -> str:
    # No leading dot (a hidden file) and no trailing one (Windows drops it).
    return _UNSAFE.sub("_", part).strip(".")[:PART_LENGTH].strip(".") or "_"


def _scope(options: dict[str, Any]) -> str:
    """A coverage report's batch: its job, or its listed serials."""
    if options.get("job_id"):
        return options["job_id"]
    listed = list(options.get("serial_ids") or [])
    if not listed:
        return "serials"
    return listed[0] if len(listed) == 1 else f"{listed[0]}-and-{len(listed) - 1}-more"


def export_file_name(view: str, options: dict[str, Any], on: dt.date, suffix: str) -> str:
    """The name an export is offered under, saying what it holds: ``cert_mat01-attachments-2026-12-01.csv``,
    ``SN-00001-serial-2026-12-01.pdf``, ``JOB-24-0423-lacking-material-2026-12-01.csv``,
    ``audit-trail-2026-12-01.csv``. ``options`` are the report's (as ``export_csv`` takes them); every id in
    the name is made safe for a file name on any system.
    """
    if view == "attachments":
        parts = [options["cert_id"], "attachments", options.get("step_id"), options.get("user_id")]
    elif view == "serial":
        parts = [options["serial_id"], "serial"]
    elif view == "lacking":
        wanted = options.get("cert_id") or (options.get("kind") or "").lower()
        parts = [_scope(options), "lacking", wanted]
    elif view == "gaps":
        parts = [_scope(options), "route-gaps"]
    elif view == "audit":
        parts = ["audit-trail", options.get("type"), options.get("serial_id"), options.get("cert_id"),
                 options.get("user_id")]
    else:
        raise Invalid(f"Unknown report: {view}")
    name = "-".join(_safe(str(part)) for part in parts if part)
    return f"{name}-{on.isoformat()}.{_safe(suffix.lstrip('.'))}"


# --- a serial's route as a report --------------------------------------------------------------------------

SERIAL_HEADER = ["serialId", "step", "stepId", "stepName", "state", "requires", "missing", "attachmentId",
                 "certId", "certName", "certKind", "attachedAt", "attachedBy", "attachedByName"]
SERIAL_COLUMNS = [("step", "Step"), ("state", "State"), ("certificate", "Certificate"), ("kind", "Kind"),
                  ("attachedAt", "Attached at (UTC)"), ("attachedBy", "Attached by"), ("missing", "Missing")]


def _serial_rows(detail: SerialDetail) -> Iterable[tuple[Any, ...]]:
    """Per step its attachments, or the step alone when nothing was attached there."""
    for state in detail.steps:
        step = state.step
        missing = state.missing_kinds if state.state != "ahead" else []
        start = (detail.id, step.position + 1, step.id, step.name, state.state, list(step.requires), missing)
        if not state.attachments:
            yield start + ("",) * 7
        for a in state.attachments:
            yield start + (a.attachment.id, a.attachment.cert_id, a.cert_name, a.cert_kind,
                           iso_utc(a.attachment.attached_at), a.attachment.attached_by, a.attached_by_name)


def serial_table(serial_id: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The serial's route as CSV: the header and one row per attachment (or per step without one)."""
    return SERIAL_HEADER, list(_serial_rows(serials.get_serial(serial_id)))


def _serial_dicts(detail: SerialDetail) -> list[dict[str, str]]:
    """The route as the PDF prints it, in people's words."""
    rows = []
    for row in _serial_rows(detail):
        record = dict(zip(SERIAL_HEADER, row))
        rows.append({
            "step": f"{record['step']}. {record['stepName']}", "state": word(STEP_STATE, record["state"]),
            "certificate": f"{record['certId']} — {record['certName']}" if record["certId"] else "",
            "kind": word(CERT_KIND, record["certKind"]) if record["certKind"] else "",
            "attachedAt": record["attachedAt"],
            "attachedBy": f"{record['attachedByName']} ({record['attachedBy']})" if record["attachedBy"] else "",
            "missing": ", ".join(word(CERT_KIND, kind) for kind in record["missing"]),
        })
    return rows


def where_it_stands(detail: SerialDetail) -> str:
    """``In progress, at Drill bolt circle (step 3 of 5)``, ``Completed``, ``Scrapped at CNC turning``."""
    status = word(SERIAL_STATUS, detail.status)
    current = detail.current_step
    if detail.current_step_index == -1 or current is None:
        return status
    joiner = " at" if detail.status == "scrapped" else ", at"
    return f"{status}{joiner} {current.step.name} (step {current.step.position + 1} of {len(detail.steps)})"


def _serial_title_and_details(serial_id: str) -> tuple[str, list[tuple[str, str]], list[dict[str, str]]]:
    detail = serials.get_serial(serial_id)
    details = [("Serial", detail.id), ("Job", f"{detail.job_id} — {detail.job_name}"), ("Part", detail.part),
               ("Route", f"{detail.path_name} ({detail.path_id})"), ("Where it stands", where_it_stands(detail)),
               ("Created (UTC)", iso_utc(detail.created_at))]
    return f"Route of serial {detail.id}", details, _serial_dicts(detail)


# --- writing the files -------------------------------------------------------------------------------------

class ExportJob:
    """Shared by the GUI (reads ``rows``, sets ``cancel``) and the worker (writes ``rows``)."""

    def __init__(self) -> None:
        self.rows = 0
        self.cancel = threading.Event()


@dataclass(frozen=True)
class ExportResult:
    path: str
    rows: int  # rows written (a PDF holds at most report_pdf.MAX_PDF_ROWS)
    cancelled: bool = False
    total: int | None = None  # the report's rows, where known: more than ``rows`` when a PDF was cut short


def _table(view: str, options: dict) -> tuple[Sequence[str], Iterable[Sequence[Any]]]:
    if view == "serial":
        return serial_table(options["serial_id"])
    return export.report_table(view, **options)


def export_csv(view: str, options: dict, destination: str, job: ExportJob) -> ExportResult:
    """Every row of the report to ``destination``, streamed; cancelled, no file is left behind."""
    def progress(count: int) -> None:
        job.rows = count

    try:
        rows = export.write_csv(*_table(view, options), destination, progress, job.cancel.is_set)
    except export.Cancelled:
        return ExportResult(destination, job.rows, cancelled=True)
    return ExportResult(destination, rows, total=rows)


def export_pdf(view: str, options: dict, destination: str, generated_by: str) -> ExportResult:
    """The report as a PDF for people: title, details, the table (its first rows), who made it and when."""
    from app.report_pdf import Report, write_pdf  # fpdf2 loads in a third of a second: on the first export only

    if view == "serial":
        title, details, dicts = _serial_title_and_details(options["serial_id"])
        head = witness.chain_head()
        details += [("Audit trail head", f"entry #{head.seq:,}, sha256 {head.hash}")]
        columns, rows, total = SERIAL_COLUMNS, iter(dicts), len(dicts)
    else:
        title, details, total = export.report_title_and_details(view, **options)
        columns, rows = export.COLUMNS[view], export.report_dicts(view, **options)
    generated_at = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    shown = write_pdf(Report(title, details, columns, rows, generated_by, generated_at, total=total), destination)
    return ExportResult(destination, shown, total=total)
