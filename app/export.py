"""Exports: any report to CSV, streamed, with progress and a way to cancel.

Rows arrive from the keyset pagers of ``app.reports``, one page in memory at a time;
the file is written beside its final name and renamed when complete, so a cancelled or
failed export never leaves half a file where the finished one belongs.
"""
from __future__ import annotations

import csv
import gc
import io
import json
import os
import re
from pathlib import Path as FilePath
from typing import Any, Callable, Iterable, Sequence, TextIO

from app import reports, witness
from app.certificates import get_certificate
from app.errors import Invalid

Progress = Callable[[int], None]


class Cancelled(Exception):
    """The person cancelled the export; nothing was left behind."""


def _cell(value: Any) -> Any:
    if value.__class__ is str:
        return value
    if isinstance(value, (list, tuple)):
        return "; ".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return "" if value is None else value


# OWASP's "CSV Injection": a spreadsheet takes a cell that starts with one of these for a formula
# (=HYPERLINK(…) sends data away, =cmd|… runs programs), the full-width forms too in some locales.
# Such a cell gets a single quote before it, which the spreadsheet reads as "this is text"; the
# csv module quotes the cell and doubles its quotes where needed, as the page asks.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def defused(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs: ``'=2+5`` for ``=2+5``, anything else as it is."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any) -> Any:
    """A value as Certline writes it to a CSV cell: text defused; numbers as numbers.

    A number (a count, a sequence number) is written by Python, never typed by a person, so
    ``-1`` stays the number -1 rather than the text ``'-1``: it cannot carry a formula.
    """
    if value.__class__ is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, (int, float)):
        return value
    cell = _cell(value)
    return defused(cell if isinstance(cell, str) else str(cell))


# Where a hand-joined line (no quotes; commas only between cells, lines joined by CRLF) has a cell
# that starts like a formula: each trigger is found first (a literal scan, fast) and then
# looked behind for a comma or a line start. One search per trigger over a whole chunk of
# lines costs a tenth of a microsecond a row; a search per line would cost as much as the join.
_TRIGGERS = tuple(start for start in FORMULA_STARTS if start not in "\r\n")
_AT_CELL_START = {start: re.compile(f"{re.escape(start)}(?<=[,\\n]{re.escape(start)})") for start in _TRIGGERS}


def _formula_in(joined: str) -> bool:
    return joined.startswith(_TRIGGERS) or any(
        start in joined and _AT_CELL_START[start].search(joined) is not None for start in _TRIGGERS)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], destination: str | os.PathLike | TextIO,
              progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
              every: int = 5000) -> int:
    """Write the header and the rows (sequences of values) as CSV, as ``csv.writer`` would; the row count.

    Every text cell is defused (``defused``): a cell a spreadsheet would run as a formula is written as text.

    ``destination`` is a file name, or an open text stream (standard output) written as the rows
    come, which is left open. Raises Cancelled when ``cancelled()`` turns true; Invalid when the
    file cannot be written (a stream's own errors, such as a closed pipe, are the caller's).
    """
    if not isinstance(destination, (str, os.PathLike)):
        return _write_rows(destination, header, rows, progress, cancelled, every)
    target = FilePath(destination)
    partial = target.with_name(target.name + ".partial")
    try:
        with open(partial, "w", newline="", encoding="utf-8") as handle:
            count = _write_rows(handle, header, rows, progress, cancelled, every)
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise Invalid(f"Cannot write {target}: {error.strerror or error}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def _write_rows(handle: TextIO, header: Sequence[str], rows: Iterable[Sequence[Any]], progress: Progress | None,
                cancelled: Callable[[], bool] | None, every: int) -> int:
    count = 0
    line = _Line()
    handle.write(line.of(header) + "\r\n")
    width = len(header)
    pages = getattr(rows, "joined_pages", None)
    if pages is not None and width > 1:  # one cell alone is quoted when empty: not worth a fast path
        return _write_pages(handle, pages(), width, line, progress, cancelled)
    lines: list[str] = []
    written_by_csv: set[int] = set()  # the lines of this chunk that csv.writer wrote (and defused)
    for values in rows:
        # A row of plain text needs no quoting: joined by hand it costs a third of
        # csv.writer, which matters at a million rows. Anything else goes through csv.
        try:
            text = ",".join(values) if len(values) == width else None
        except TypeError:
            text = None
        if not text or text.count(",") != width - 1 or '"' in text or "\n" in text or "\r" in text:
            text = line.of(values)
            written_by_csv.add(len(lines))
        lines.append(text)
        count += 1
        if count % every == 0:
            if cancelled and cancelled():
                raise Cancelled()
            _write_chunk(handle, lines, written_by_csv, line)
            if progress:
                progress(count)
    if lines:
        _write_chunk(handle, lines, written_by_csv, line)
    if progress:
        progress(count)
    return count


def _write_pages(handle: TextIO, pages: Iterable[tuple[list[str], Callable[[int], Sequence[Any]]]], width: int,
                 line: "_Line", progress: Progress | None, cancelled: Callable[[], bool] | None) -> int:
    """Rows that come as pages of lines, each row's cells joined by commas as they are, and ``cells(i)``.

    A page is checked whole: if it has exactly its commas and line ends, no quote and no cell that
    starts like a formula, it is what csv.writer would write. Otherwise each line is checked, and
    the few that need quoting or defusing are written by csv.writer from their cells.
    """
    # A million rows are ten million objects, made and freed a page at a time, none in a cycle: the
    # garbage collector would only walk them (and, in the office, every Qt wrapper besides): 0.1 s of
    # 3 s for a million rows. It is off while the pages are written, and on again after if it was on.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _write_page_lines(handle, pages, width, line, progress, cancelled)
    finally:
        if collecting:
            gc.enable()


def _write_page_lines(handle: TextIO, pages: Iterable[tuple[list[str], Callable[[int], Sequence[Any]]]], width: int,
                      line: "_Line", progress: Progress | None, cancelled: Callable[[], bool] | None) -> int:
    count = 0
    for lines, cells in pages:
        if cancelled and cancelled():
            raise Cancelled()
        chunk = "\r\n".join(lines)
        if not _plain("".join(lines), chunk, len(lines), width):
            for index, text in enumerate(lines):
                if not _plain(text, text, 1, width):
                    lines[index] = line.of(cells(index))
            chunk = "\r\n".join(lines)
        handle.write(chunk)
        handle.write("\r\n")
        count += len(lines)
        if progress:
            progress(count)
    if progress:
        progress(count)
    return count


def _plain(cells: str, lines: str, count: int, width: int) -> bool:
    """True if ``count`` lines of ``width`` cells joined by commas need no quote and no defusing.

    ``cells`` is the lines joined without a line end: a quote or a line end in a cell is found
    there by memchr, where counting them in ``lines`` (the lines joined by CRLF, where a cell's
    start shows as a comma or a line end before it) costs a pass of its own.
    """
    return ('"' not in cells and "\n" not in cells and "\r" not in cells
            and cells.count(",") == count * (width - 1) and not _formula_in(lines))


def _write_chunk(handle: TextIO, lines: list[str], written_by_csv: set[int], line: "_Line") -> None:
    """Write a chunk of lines; a hand-joined one with a cell that starts like a formula is written again by csv."""
    chunk = "\r\n".join(lines)
    if _formula_in(chunk):
        for index, text in enumerate(lines):
            if index not in written_by_csv and _formula_in(text):
                lines[index] = line.of(text.split(","))  # hand-joined: its commas are exactly the cell ends
        chunk = "\r\n".join(lines)
    handle.write(chunk)
    handle.write("\r\n")
    lines.clear()
    written_by_csv.clear()


class _Line:
    """One row as ``csv.writer`` writes it (minimal quoting), without its line end."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)  # its line end decides what is quoted, so it stays

    def of(self, values: Sequence[Any]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([csv_cell(value) for value in values])
        return self._buffer.getvalue()[:-2]


def report_table(view: str, **options: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    """A view's CSV: the header (the records' JSON names, the attachment record's fields first) and the rows' values."""
    if view == "attachments":
        return reports.ATTACHMENT_CSV_HEADER, reports.attachment_csv_rows(reports.AttachmentQuery(**options))
    if view not in HEADERS:
        raise Invalid(f"Unknown report: {view}")
    return HEADERS[view], (row.to_json().values() for row in report_rows(view, **options))


HEADERS = {  # each record's to_json keys, in order
    "lacking": ["serialId", "jobId", "status", "stepId", "stepName"],
    "gaps": ["serialId", "stepId", "stepName", "missing"],
    "audit": ["seq", "id", "type", "at", "userId", "serialId", "certId", "jobId", "pathId", "stepId", "workstation",
              "reason", "details", "recordId", "osAccount", "auth", "tokenId"],
}


def report_rows(view: str, **options: Any) -> Iterable[Any]:
    """Every row of one of the supervisor's views, streamed: ``attachments``, ``lacking``, ``gaps``, ``audit``."""
    if view == "attachments":
        return reports.iter_pages(reports.attachment_page, reports.AttachmentQuery(**options))
    if view == "lacking":
        return reports.iter_pages(reports.lacking_page, reports.CoverageSpec(**options))
    if view == "gaps":
        return reports.iter_pages(reports.route_gap_page, reports.CoverageSpec(**options))
    if view == "audit":
        return reports.iter_pages(reports.audit_page, reports.AuditQuery(**options))
    raise Invalid(f"Unknown report: {view}")


COLUMNS = {
    "attachments": [("serialId", "Serial"), ("jobId", "Job"), ("stepName", "Step"), ("stepId", "Step id"),
                    ("attachedAt", "Attached at (UTC)"), ("attachedByName", "Attached by"),
                    ("attachedBy", "User id")],
    "lacking": [("serialId", "Serial"), ("jobId", "Job"), ("status", "Status"), ("stepName", "At step"),
                ("stepId", "Step id")],
    "gaps": [("serialId", "Serial"), ("stepName", "Step passed"), ("stepId", "Step id"),
             ("missing", "Missing certificate kinds")],
    "audit": [("seq", "#"), ("at", "At (UTC)"), ("type", "Type"), ("userId", "User"), ("serialId", "Serial"),
              ("certId", "Certificate"), ("stepId", "Step"), ("reason", "Reason")],
}


def report_title_and_details(view: str, **options: Any) -> tuple[str, list[tuple[str, str]], int | None]:
    """What a printed report says above its table, and how many rows it has where that is cheap to know.

    Every report ends its details with the audit trail's head as it was read: a witness, printed on
    paper, that ``certline-cli verify --witness`` can hold the database to later.
    """
    title, details, total = _title_and_details(view, **options)
    head = witness.chain_head()
    return title, details + [("Audit trail head", f"entry #{head.seq:,}, sha256 {head.hash}")], total


def _title_and_details(view: str, **options: Any) -> tuple[str, list[tuple[str, str]], int | None]:
    if view == "attachments":
        cert = get_certificate(options["cert_id"])
        expire = cert.date_expire.isoformat() if cert.date_expire else "none"
        details = [("Certificate", f"{cert.id} — {cert.name}"), ("Kind", cert.kind), ("Number", cert.number or ""),
                   ("Released", cert.date_release.isoformat() if cert.date_release else ""),
                   ("Expires", expire), ("Status", cert.status), ("Review", cert.review_status)]
        total = reports.count_attachments(reports.AttachmentQuery(**options))
        return f"Attachments of certificate {cert.id}", details + [("Attachments", f"{total:,}")], total
    if view in ("lacking", "gaps"):
        spec = reports.CoverageSpec(**options)
        scope = f"job {spec.job_id}" if spec.job_id else f"{len(spec.serial_ids or [])} listed serials"
        if view == "gaps":
            return f"Route rules not met, {scope}", [("Serials", scope)], None
        count = reports.coverage_count(spec)
        wanted = f"certificate {spec.cert_id}" if spec.cert_id else f"a {spec.kind} certificate"
        return (f"Serials lacking {wanted}, {scope}",
                [("Serials", scope), ("Required", wanted), ("Covered", f"{count.covered:,} of {count.total:,}")],
                count.total - count.covered)
    if view == "audit":
        query = reports.AuditQuery(**options)
        filters = [(name.replace("_", " ").capitalize(), str(value)) for name, value in vars(query).items() if value]
        return "Audit trail", filters or [("Filter", "none: every entry")], None
    raise Invalid(f"Unknown report: {view}")


def report_dicts(view: str, **options: Any) -> Iterable[dict[str, Any]]:
    """The view's rows as plain dicts of text, as the PDF shows them."""
    for row in report_rows(view, **options):
        yield {key: _cell(value) for key, value in row.to_json().items()}
