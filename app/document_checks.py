"""What a document file is, decided from its bytes before anything is kept.

A document is accepted when it is one of the allowed formats and reads as that format from start to end;
it is refused, with a sentence naming what was found, when it is (also) something else:

- Programs, scripts and web content are refused by their own signatures first, whatever else the file
  contains: an executable (ELF, Windows MZ/PE, Mach-O) or a script (``#!``) by its first bytes; HTML, SVG
  and script tags anywhere in the first 4 KiB, more than a browser reads to guess a file's type.
- A PDF must start with ``%PDF-``, after at most 1024 bytes of blanks (spaces, line ends, NULs, a UTF-8
  byte-order mark): what a web server or a script sometimes prints before a file it sends. Acrobat
  accepts *any* bytes there, but nothing that writes PDFs puts anything else there, and it is exactly
  where a file of two kinds (a script, a page) hides its other half. The file must then be read by pypdf
  down to its first page.
- A file of two kinds at once is refused: a PDF header in the first KiB of a non-PDF, a ZIP archive inside a
  PDF, PNG, JPEG or DOC, or other data before or after a DOCX's archive.
- Macros in Word files (DOC and DOCX) are found and refused unless the plant's policy
  ``allow_macro_documents`` allows them (decided by the caller, which knows the plant).

Reading a file takes only regular files: a pipe, a device or a folder is refused before it is opened for
reading, and the read itself has a time limit. The format checks run under a time limit too: a PDF can be
built to keep any parser busy for many seconds.
"""
from __future__ import annotations

import os
import stat
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

from app import document_formats as formats
from app.errors import Invalid

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALLOWED_CONTENT_TYPES = (PDF, JPEG, PNG, DOC, DOCX)
MAX_FILE_SIZE_BYTES = 10 * 1024 * 1024
PDF_HEADER_WINDOW = 1024
MARKUP_WINDOW = 4096
CHECK_SECONDS = 3.0  # the database worker waits for the check; a real document takes milliseconds
READ_SECONDS = 10.0
_READ_BLOCK = 1 << 20

_PROGRAMS = (
    (b"\x7fELF", "ELF", "application/x-executable"),
    (b"MZ", "Windows, MZ/PE", "application/x-msdownload"),
    (b"\xfe\xed\xfa\xce", "Mach-O", "application/x-mach-binary"),
    (b"\xfe\xed\xfa\xcf", "Mach-O", "application/x-mach-binary"),
    (b"\xce\xfa\xed\xfe", "Mach-O", "application/x-mach-binary"),
    (b"\xcf\xfa\xed\xfe", "Mach-O", "application/x-mach-binary"),
    (b"\xca\xfe\xba\xbe", "Mach-O universal or Java class", "application/x-mach-binary"),
)
# Searched for in lower case; the first one found names the refusal.
_MARKUP = (
    (b"<script", "This file contains a script (an HTML script tag), not a document", "text/html"),
    (b"<?php", "This file contains a script (PHP), not a document", "application/x-httpd-php"),
    (b"<!doctype html", "This file is a web page (HTML), not a document", "text/html"),
    (b"<html", "This file is a web page (HTML), not a document", "text/html"),
    (b"<iframe", "This file is a web page (HTML), not a document", "text/html"),
    (b"<svg", "This file is an SVG drawing, which can carry scripts, not a document", "image/svg+xml"),
)
# Types recognised only to name them in a refusal.
_OTHER_SIGNATURES = (
    (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"), (b"\x1f\x8b", "application/gzip"), (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!", "application/vnd.rar"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BLANKS = b" \t\r\n\x0c\x00"
_NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", DOC: "DOC", DOCX: "DOCX"}


def _pdf_header_at(data: bytes) -> int:
    """Where ``%PDF-`` starts when only blanks (or a byte-order mark) come before it in the first KiB; else -1."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while start < min(len(data), PDF_HEADER_WINDOW) and data[start] in _BLANKS:
        start += 1
    return start if start <= PDF_HEADER_WINDOW and data.startswith(b"%PDF-", start) else -1


def sniff_content_type(data: bytes) -> str:
    """The content type the bytes start as, whatever the file is called (signatures only)."""
    for signature, _, content_type in _PROGRAMS:
        if data.startswith(signature):
            return content_type
    if data.startswith(b"#!"):
        return "text/x-shellscript"
    head = data[:MARKUP_WINDOW].lower()
    for marker, _, content_type in _MARKUP:
        if marker in head:
            return content_type
    by_start = _by_start(data)
    if by_start == "application/octet-stream" and b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        return PDF  # perhaps after blanks, perhaps after other data: the checks tell which
    return by_start


def _by_start(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_OLE2):
        return DOC
    if data.startswith(b"PK\x03\x04"):
        return DOCX
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "image/heic"
    for signature, content_type in _OTHER_SIGNATURES:
        if data.startswith(signature):
            return content_type
    return "application/octet-stream"


def _unsupported(content_type: str) -> str:
    return f"Unsupported file type: {content_type}. Allowed: {', '.join(ALLOWED_CONTENT_TYPES)}"


@dataclass(frozen=True)
class Finding:
    """What the bytes are: their content type, why they are refused (or None), where macros are (or None)."""

    content_type: str
    problem: str | None = None
    macros: str | None = None


def _signature_problem(data: bytes) -> Finding | None:
    """Programs, scripts and web content, refused whatever else the file also is."""
    for signature, name, content_type in _PROGRAMS:
        if data.startswith(signature):
            return Finding(content_type, f"This file is an executable program ({name}), not a document")
    if data.startswith(b"#!"):
        return Finding("text/x-shellscript", "This file is a script (it starts with #!), not a document")
    head = data[:MARKUP_WINDOW].lower()
    for marker, sentence, content_type in _MARKUP:
        if marker in head:
            return Finding(content_type, sentence)
    return None


def inspect(data: bytes, check_structure: bool = True) -> Finding:
    """The bytes' content type and their first problem; ``check_structure=False`` stops at the signatures."""
    refused = _signature_problem(data)
    if refused:
        return refused
    content_type = sniff_content_type(data)
    if content_type not in ALLOWED_CONTENT_TYPES:
        return Finding(content_type, _unsupported(content_type))
    name = _NAMES[content_type]
    if content_type == PDF and _pdf_header_at(data) < 0:
        before = data.find(b"%PDF-")
        return Finding(PDF, f"This file has {before} bytes of other data before its PDF header; "
                            "a PDF starts with %PDF-")
    if content_type != PDF and b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        return Finding(content_type, f"This file is both a {name} and a PDF (a PDF header in its first "
                                     f"{PDF_HEADER_WINDOW} bytes); a document is one or the other")
    if not check_structure:
        return Finding(content_type)
    return _bounded(_structure, data, content_type) or Finding(
        content_type, f"Checking this {name} took longer than {CHECK_SECONDS:g} s; it is built to keep "
                      "programs busy, not like a real document")


def _structure(data: bytes, content_type: str) -> Finding:
    name = _NAMES[content_type]
    if content_type == DOCX:
        return _docx(data)
    if formats.holds_zip(data):
        return Finding(content_type, f"This file is both a {name} and a ZIP archive; a document is one or the other")
    if content_type == DOC:
        paths = formats.ole_streams(data)
        if isinstance(paths, str):
            return Finding(content_type, paths)
        if formats.WORD_STREAM not in paths:
            return Finding("application/x-ole-storage", _unsupported("application/x-ole-storage"))
        return Finding(DOC, macros=formats.ole_macros(paths))
    check = {PDF: formats.pdf_problem, PNG: formats.png_problem, JPEG: formats.jpeg_problem}[content_type]
    return Finding(content_type, check(data))


def _docx(data: bytes) -> Finding:
    members = formats.zip_members(data, "DOCX")
    if isinstance(members, str):
        return Finding(DOCX, members)
    names = {member.filename for member in members}
    if formats.CONTENT_TYPES not in names or formats.WORD_MAIN not in names:
        return Finding("application/zip", _unsupported("application/zip"))
    try:
        return Finding(DOCX, macros=formats.docx_macros(data, members))
    except Exception as error:  # noqa: BLE001 - a damaged or encrypted part
        return Finding(DOCX, f"The DOCX is damaged: its {formats.CONTENT_TYPES} cannot be read ({error})")


class _OutOfTime(BaseException):
    """Raised into a parser that ran past its time; a BaseException so the parser's own handlers let it pass."""


def _bounded(check: Callable[..., Finding], *args: Any) -> Finding | None:
    """``check(*args)``, or None when it runs past CHECK_SECONDS.

    The parsers are pure Python: a trace function called on every Python call in this thread (only) can
    stop them in time, where a thread cannot be stopped from outside and a process per document would cost
    more than the check.
    """
    deadline = time.monotonic() + CHECK_SECONDS

    def on_call(frame, event, arg):  # noqa: ARG001 - sys.settrace's signature
        if time.monotonic() > deadline:
            raise _OutOfTime
        return None  # no per-line tracing

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        found = check(*args)
    except _OutOfTime:
        return None
    finally:
        sys.settrace(previous)
    return found if time.monotonic() <= deadline else None


@dataclass(frozen=True)
class Validation:
    """The answer of the check made before a file is stored; ``macros`` says where macros were found, if anywhere."""

    valid: bool
    errors: list[str]
    content_type: str
    size: int
    macros: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "errors": list(self.errors),
                "allowed_content_types": list(ALLOWED_CONTENT_TYPES), "max_file_size_bytes": MAX_FILE_SIZE_BYTES}


def macro_refusal(content_type: str, where: str) -> str:
    return (f"The {_NAMES.get(content_type, 'document')} contains macros ({where}); "
            "the plant does not allow documents with macros")


def validate_bytes(data: bytes, allow_macros: bool = False, size: int | None = None) -> Validation:
    """Check type (by content and structure) and size; every problem listed, each in its own sentence.

    ``size`` is the file's real size when ``data`` was cut at the limit; such a file is only named by its
    signature, not parsed.
    """
    size = len(data) if size is None else size
    if not data:
        return Validation(False, ["File is empty"], "application/octet-stream", 0)
    too_big = size > MAX_FILE_SIZE_BYTES
    finding = inspect(data, check_structure=not too_big)
    errors = [finding.problem] if finding.problem else []
    if finding.macros and not allow_macros and not errors:
        errors.append(macro_refusal(finding.content_type, finding.macros))
    if too_big:
        errors.append(size_refusal(size))
    return Validation(not errors, errors, finding.content_type, size, finding.macros)


def size_refusal(size: int) -> str:
    return f"File size {size} bytes exceeds maximum of {MAX_FILE_SIZE_BYTES} bytes (10 MB)"


def validate_declared(content_type: str, size: int) -> Validation:
    """The pre-flight check of a file not yet sent, from the type and size its sender declares.

    It answers what can be known before the bytes arrive (certline-server's ``validate``); the file is
    judged again by its bytes when it comes (``validate_bytes``), so one declared a PDF that is not is
    still refused then.
    """
    errors = [] if content_type in ALLOWED_CONTENT_TYPES else [_unsupported(content_type)]
    if size > MAX_FILE_SIZE_BYTES:
        errors.append(size_refusal(size))
    return Validation(not errors, errors, content_type, size)


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def _not_a_file(path: str | os.PathLike, mode: int) -> Invalid | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((words for test, words in _KINDS if test(mode)), "not a regular file")
    return Invalid(f"{os.fspath(path)} is {kind}, not a file")


def read_limited(path: str | os.PathLike) -> tuple[bytes, int]:
    """A regular file's bytes, at most one byte past the limit, and its size; raises Invalid.

    Only a regular file is opened (a FIFO would wait for a writer, a device never ends), and it is
    opened without blocking, so one swapped for a pipe after the first look cannot hang the open either.
    The read has a time limit (a stalled network share).
    """
    try:
        refused = _not_a_file(path, os.stat(path).st_mode)
        if refused:
            raise refused
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
        descriptor = os.open(path, flags)
    except OSError as error:
        raise Invalid(f"Cannot read {os.fspath(path)}: {error.strerror or error}") from None
    try:
        status = os.fstat(descriptor)
        refused = _not_a_file(path, status.st_mode)
        if refused:
            raise refused
        blocks, total, deadline = [], 0, time.monotonic() + READ_SECONDS
        while total <= MAX_FILE_SIZE_BYTES:
            block = os.read(descriptor, min(_READ_BLOCK, MAX_FILE_SIZE_BYTES + 1 - total))
            if not block:
                break
            blocks.append(block)
            total += len(block)
            if time.monotonic() > deadline:
                raise Invalid(f"Reading {os.fspath(path)} took longer than {READ_SECONDS:g} s; "
                              "copy the file to this computer first")
        return b"".join(blocks), max(status.st_size, total)
    except OSError as error:
        raise Invalid(f"Cannot read {os.fspath(path)}: {error.strerror or error}") from None
    finally:
        os.close(descriptor)


def validate_file(path: str | os.PathLike, allow_macros: bool = False) -> Validation:
    """The check before storing, of a file on disk."""
    data, size = read_limited(path)
    return validate_bytes(data, allow_macros, size)
