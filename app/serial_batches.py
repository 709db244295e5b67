"""Serials for a job by numbering pattern or from a list (pasted, or an ERP's CSV), and many moved at once.

A batch is checked whole before anything is written — the pattern or the list, the job (open, with
room: app.jobs), the certificate (the rule of ``serials.create_serials``), every id free — and then
written in one transaction, a chunk at a time, so a screen can show progress and cancel: cancelling
rolls the whole transaction back and nothing is written. ``preview_batch`` runs the same checks
without writing, for a screen to show the ids before the person confirms.

Moving many serials (advance, complete, scrap) is all or nothing: one transaction; the first serial
refused refuses the call, with that serial's message, and nothing moves.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import string
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any, Callable, Sequence

from peewee import fn

from app import db, serials
from app.db import write_transaction
from app.errors import CertlineError, Invalid, NotFound
from app.ids import MAX_ID_LENGTH, check_id
from app.models import Job, SerialNumber
from app.serials import MAX_BATCH, BatchResult, Cancelled, SerialDetail, batch_target, check_room, write_batch

CHUNK = 1000  # rows per executemany between progress reports and cancel checks
MAX_FILE_BYTES = 20 * 1024 * 1024
_WIDTH = re.compile(r"0?([1-9][0-9]?)?")
# Header cells that name the column of serial numbers in an ERP's export, compared without case or punctuation.
SERIAL_HEADERS = ("serial", "serials", "serialnumber", "serialno", "serialid", "sn")
EXAMPLE = "SN-{job}-{n:04}"


@dataclass(frozen=True)
class Pattern:
    """A numbering pattern with its job filled in: ``prefix``, the number (zero-padded to ``width``), ``suffix``."""

    prefix: str
    suffix: str
    width: int

    def id(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.width}d}{self.suffix}"


def parse_pattern(pattern: str, job_id: str) -> Pattern:
    """``SN-{job}-{n:04}`` for job ``J-7``: prefix ``SN-J-7-``, width 4. Raises Invalid saying what is wrong."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise Invalid(f"Give a numbering pattern, e.g. {EXAMPLE}", "pattern")
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        raise Invalid(f"The numbering pattern is not well formed (a brace without its pair): {pattern}",
                      "pattern") from None
    prefix, suffix, width, numbers = "", "", 0, 0
    for literal, name, spec, conversion in parts:
        if numbers:
            suffix += literal
        else:
            prefix += literal
        if name is None:
            continue
        if conversion or name not in ("job", "n") or (name == "job" and spec):
            raise Invalid(f"The numbering pattern may hold only {{job}} and {{n}} (or {{n:04}} for 4 digits): "
                          f"{pattern}", "pattern")
        if name == "job":
            if numbers:
                suffix += job_id
            else:
                prefix += job_id
            continue
        found = _WIDTH.fullmatch(spec or "")
        if found is None or (spec and not spec.startswith("0")):
            raise Invalid(f"The number in a pattern is {{n}}, or {{n:04}} for at least 4 digits with leading "
                          f"zeros: {pattern}", "pattern")
        width = int(found.group(1) or 0)
        numbers += 1
    if numbers != 1:
        raise Invalid(f"The numbering pattern needs {{n}} once, where the number goes, e.g. {EXAMPLE}: {pattern}",
                      "pattern")
    made = Pattern(prefix, suffix, width)
    check_id(made.id(1), "A serial number of this pattern", "pattern")
    return made


def _highest(pattern: Pattern) -> int:
    """The highest number a serial of this pattern already has; 0 when none."""
    shape = re.compile(re.escape(pattern.prefix) + r"([0-9]+)" + re.escape(pattern.suffix))
    query = SerialNumber.select(SerialNumber.id)
    if pattern.prefix:
        query = query.where(fn.SUBSTR(SerialNumber.id, 1, len(pattern.prefix)) == pattern.prefix)
    highest = 0
    for (serial_id,) in query.tuples().iterator():
        found = shape.fullmatch(serial_id)
        if found:
            highest = max(highest, int(found.group(1)))
    return highest


def pattern_ids(pattern: Pattern, count: int, start: int | None) -> list[str]:
    """``count`` ids from ``start``, or from after the highest number the pattern has used."""
    first = _highest(pattern) + 1 if start is None else start
    ids = [pattern.id(n) for n in range(first, first + count)]
    if len(ids[-1]) > MAX_ID_LENGTH:
        raise Invalid(f"Serial numbers of this pattern would be longer than {MAX_ID_LENGTH} characters: {ids[-1]}",
                      "pattern")
    return ids


# ---- lists ------------------------------------------------------------------------------------------------------

def read_serial_list(text: str) -> list[tuple[int, str]]:
    """(line, serial) for each serial in a pasted list or a CSV export: one a line (or separated by blanks),
    or a CSV whose one column holds them, or whose column headed ``serial`` (``Serial number``, ``SN`` …) does.
    Blank lines and cells are skipped. Raises Invalid for a CSV of several columns none of which says serial."""
    text = text.lstrip("\ufeff")
    if not any(mark in text for mark in ",;\t"):
        words = [(line, word) for line, row in enumerate(text.splitlines(), 1) for word in row.split()]
        return words[1:] if words and _is_header(words[0][1]) else words
    first = next(line for line in text.splitlines() if line.strip())
    delimiter = max(",;\t", key=first.count)  # what an ERP's export separates its first row with
    rows = [(line, [cell.strip() for cell in row])
            for line, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1)]
    rows = [(line, row) for line, row in rows if any(row)]
    if not rows:
        return []
    column = next((i for i, cell in enumerate(rows[0][1]) if _is_header(cell)), None)
    if column is not None:
        rows = rows[1:]
    elif max(len([c for c in row if c]) for _, row in rows) > 1:
        raise Invalid(f"This CSV has {len(rows[0][1])} columns and none is headed 'serial': give one column of "
                      "serial numbers, or head their column 'serial'", "file")
    else:
        column = None
    found = []
    for line, row in rows:
        cell = row[column] if column is not None and column < len(row) else next((c for c in row if c), "")
        if cell:
            found.append((line, cell))
    return found


def _is_header(cell: str) -> bool:
    return re.sub(r"[^a-z]", "", cell.casefold()) in SERIAL_HEADERS


def read_serial_file(path: str | FilePath) -> list[tuple[int, str]]:
    """``read_serial_list`` of a file (UTF-8, with or without a byte-order mark). Raises Invalid."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise Invalid(f"Cannot read {path}: {error.strerror or error}", "file") from None
    if len(raw) > MAX_FILE_BYTES:
        raise Invalid(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: not a list of serials", "file")
    try:
        return read_serial_list(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Invalid(f"{path} is not UTF-8 text: save the list as CSV UTF-8", "file") from None


def check_serial_list(listed: Sequence[str] | Sequence[tuple[int, str]]) -> list[str]:
    """The ids of a list, each well-formed and listed once, 1 to MAX_BATCH of them. Raises Invalid naming the line."""
    pairs = [item if isinstance(item, tuple) else (index, item) for index, item in enumerate(listed, 1)]
    if not pairs:
        raise Invalid("The list holds no serial numbers", "serials")
    if len(pairs) > MAX_BATCH:
        raise Invalid(f"The list holds {len(pairs)} serial numbers; at most {MAX_BATCH} a batch", "serials")
    seen: dict[str, int] = {}
    for line, serial_id in pairs:
        try:
            check_id(serial_id, "Serial number", "serials")
        except Invalid as error:
            raise Invalid(f"Line {line}: {error.message}", "serials") from None
        if serial_id in seen:
            raise Invalid(f"{serial_id} is listed twice (lines {seen[serial_id]} and {line})", "serials")
        seen[serial_id] = line
    return list(seen)


def _refuse_taken(ids: list[str], after: str) -> None:
    taken: list[str] = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        taken += [row[0] for row in db.execute(
            f'SELECT "id" FROM "serial" WHERE "id" IN ({", ".join("?" * len(chunk))}) ORDER BY "id"', chunk)]
    if taken:
        shown = ", ".join(taken[:5]) + (f" and {len(taken) - 5} more" if len(taken) > 5 else "")
        one = len(taken) == 1
        raise Invalid(f"{len(taken)} of these serial numbers exist{'s' if one else ''} already ({shown}){after}",
                      "serials")


# ---- the batch --------------------------------------------------------------------------------------------------

def _shape(job_id: str, count: int | None, pattern: str | None, start: int | None,
           serial_ids: Sequence[Any] | None) -> tuple[Pattern | None, list[str] | None, int]:
    """The batch as given, checked before any record is read: (pattern, None, count) or (None, ids, len)."""
    if (pattern is None) == (serial_ids is None):
        raise Invalid("Give either a numbering pattern with a count, or a list of serial numbers")
    if serial_ids is not None:
        ids = check_serial_list(serial_ids)
        return None, ids, len(ids)
    made = parse_pattern(pattern, job_id)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_BATCH:
        raise Invalid(f"Count must be a whole number from 1 to {MAX_BATCH}: {count}", "count")
    if start is not None and (not isinstance(start, int) or isinstance(start, bool) or start < 0):
        raise Invalid(f"The first number must be a whole number of at least 0: {start}", "start")
    return made, None, count


def _ids(pattern: Pattern | None, listed: list[str] | None, count: int, start: int | None) -> list[str]:
    """The batch's ids, none taken (read in the caller's transaction for a write)."""
    if listed is not None:
        _refuse_taken(listed, "")
        return listed
    ids = pattern_ids(pattern, count, start)
    highest = _highest(pattern)
    _refuse_taken(ids, f": numbers of this pattern go up to {highest}; start at {highest + 1}")
    return ids


def preview_batch(job_id: str, count: int | None = None, pattern: str | None = None, start: int | None = None,
                  serial_ids: Sequence[Any] | None = None) -> list[str]:
    """The ids a batch would make, after every check ``create_batch`` makes that needs no user; writes nothing.
    Raises NotFound, Invalid with the sentence the batch itself would give."""
    check_id(job_id, "Job id", "job")
    made, listed, size = _shape(job_id, count, pattern, start, serial_ids)
    job = Job.get_or_none(Job.id == job_id)
    if job is None:
        raise NotFound(f"Job not found: {job_id}")
    check_room(job, size)
    return _ids(made, listed, size, start)


def create_batch(job_id: str, user_id: str, count: int | None = None, pattern: str | None = None,
                 start: int | None = None, serial_ids: Sequence[Any] | None = None, cert_id: str | None = None,
                 progress: Callable[[int, int], None] | None = None, cancelled: Callable[[], bool] | None = None,
                 on: dt.date | None = None) -> BatchResult:
    """Serials for a job, by ``pattern`` and ``count`` (from ``start``, else after the pattern's highest number)
    or from ``serial_ids`` (ids, or (line, id) pairs from ``read_serial_list``), optionally each with
    certificate ``cert_id`` attached at the first step. One transaction; ``progress(done, total)`` after each
    chunk; ``cancelled()`` true before a chunk rolls it all back (raises ``serials.Cancelled``).
    Raises NotFound, Invalid, Forbidden, Cancelled; nothing is written unless it returns."""
    check_id(job_id, "Job id", "job")
    made, listed, size = _shape(job_id, count, pattern, start, serial_ids)
    with write_transaction():
        user, job, first_step = batch_target(job_id, user_id, size, cert_id, on)
        ids = _ids(made, listed, size, start)
        write_batch(job, first_step, ids, user.id, cert_id, CHUNK, progress, cancelled)
    return BatchResult(job.id, ids, cert_id, first_step.id)


# ---- many moved at once -----------------------------------------------------------------------------------------

MOVES: dict[str, Callable[..., SerialDetail]] = {"advance": serials.advance_serial,
                                                 "complete": serials.complete_serial,
                                                 "scrap": serials.scrap_serial}


def move_serials(action: str, serial_ids: Sequence[Any], user_id: str,
                 reason: str | None = None) -> list[SerialDetail]:
    """Advance, complete or scrap every serial listed, all or nothing: one transaction, and the first refusal
    (its own message, naming the serial) refuses them all. ``reason`` serves each serial whose step asks for
    one (a missing required certificate) and is recorded with each. Raises NotFound, Invalid, Forbidden."""
    if action not in MOVES:
        raise Invalid(f"A move is one of {', '.join(MOVES)}: {action}")
    ids = check_serial_list(serial_ids)
    moved = []
    with write_transaction():
        for serial_id in ids:
            try:
                moved.append(MOVES[action](serial_id, user_id, reason=reason))
            except CertlineError as error:
                if len(ids) > 1:
                    error.message = f"{error.message} (nothing was moved: {len(ids)} serials in this call)"
                    error.args = (error.message,)
                raise
    return moved


__all__ = ["Cancelled", "Pattern", "check_serial_list", "create_batch", "move_serials", "parse_pattern",
           "preview_batch", "read_serial_file", "read_serial_list"]
