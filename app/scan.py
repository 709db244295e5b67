"""Reading a barcode scan: clean it, understand GS1 element strings, and classify it.

Two pure steps, no Qt and no database:

- ``read_scan(text)`` takes whatever a keyboard-wedge or serial scanner delivered and
  returns a ``Scan``: the code to look up (AIM symbology prefix, control characters and
  surrounding white space removed; from a GS1 element string, the serial of AI 21 or
  else the lot of AI 10), or a refusal that says plainly why nothing can be looked up.
- ``classify(scan, lookup)`` asks ``lookup`` what the code is: a serial, a certificate
  (by id or number), a user badge, or nothing known.

Both take any string and never raise for any input. The lookups themselves raise only
what the caller's functions raise; ``DatabaseLookup`` is the one backed by ``app/``.

GS1: only AI 21 (serial) and AI 10 (batch/lot) are read, together with the fixed-length
AIs that commonly precede them (00, 01, 02, 11, 12, 13, 15, 16, 17, 20), so the few
lines below do the work of a dependency. The invisible FNC1/GS separator arrives as
ASCII 29, as the visible ``␝`` (U+241D) that the station's scan field shows for it, or
as a printable stand-in the scanner is set up to send (``separator``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

MAX_CODE_LENGTH = 64  # the identifiers' limit (app/ids.py)
MAX_SCAN_LENGTH = 512  # longer than any code a scanner sends on the floor: refuse, do not parse
GS = "\x1d"
GS_SYMBOL = "\u241d"  # ␝, how the scan field shows a GS it received

# AIM symbology identifiers ("]" + code character + modifier) that announce GS1 data.
GS1_SYMBOLOGIES = frozenset({"]C1", "]e0", "]e1", "]e2", "]d2", "]Q3", "]J1"})
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")
# Fixed-length AIs that may stand before 21 or 10: AI -> number of digits.
FIXED_AIS = {"00": 18, "01": 14, "02": 14, "11": 6, "12": 6, "13": 6, "15": 6, "16": 6, "17": 6, "20": 2}
VARIABLE_AIS = {"10": 20, "21": 20}  # AI -> at most this many characters
AI_NAMES = {"00": "SSCC", "01": "GTIN", "02": "content GTIN", "10": "lot", "11": "production date",
            "12": "due date", "13": "packaging date", "15": "best before", "16": "sell by", "17": "expiry",
            "20": "variant", "21": "serial"}
# GS1's character set 82, which AI 10 and 21 values are drawn from.
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")
_PRINTABLE_ID = re.compile(r"[!-~]+")
_SURROUNDING = " \t\r\n\v\f\x00\x85\xa0"
_HRI = re.compile(r"\((\d{2})\)([^()]*)")

Hint = Literal["serial", "lot"]
Kind = Literal["serial", "certificate", "badge", "unknown", "refused"]


@dataclass(frozen=True)
class Scan:
    """One scan, read. Either ``code`` is set (a well-formed code to look up) or ``refusal`` is."""

    raw: str
    code: str | None = None
    refusal: str | None = None
    symbology: str | None = None
    hint: Hint | None = None  # from GS1: AI 21 names a serial, AI 10 a lot
    elements: tuple[tuple[str, str], ...] = ()  # the GS1 AIs read, in order

    @property
    def shown(self) -> str:
        """The code as scanned, fit to show a person: control characters made visible, cut at 80."""
        return visible(self.raw)


def visible(text: str, limit: int = 80) -> str:
    """``text`` with control and other unprintable characters shown, e.g. ``␝`` or ``\\x07``."""
    out = []
    for char in text:
        if char == GS:
            out.append(GS_SYMBOL)
        elif char.isprintable():
            out.append(char)
        else:
            out.append(repr(char)[1:-1])
    shown = "".join(out)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


def read_scan(text: Any, separator: str = "") -> Scan:
    """Read one scan. Never raises: anything that cannot be read becomes a ``Scan`` with a refusal.

    ``separator`` is the printable stand-in for FNC1/GS that the scanner is set up to
    send, if any (one character, or "" for none).
    """
    try:
        return _read(text, separator)
    except Exception as error:  # a safety net; the tests search for inputs that reach it
        raw = text if isinstance(text, str) else repr(text)
        return Scan(raw, refusal=f"Cannot read this code ({type(error).__name__}): {visible(raw)}")


def _read(text: Any, separator: str) -> Scan:
    if not isinstance(text, str):
        return Scan(repr(text), refusal="Nothing was scanned")
    raw = text
    if len(raw) > MAX_SCAN_LENGTH:
        return Scan(raw, refusal=f"Code is too long to be a scan ({len(raw)} characters)")
    separator = separator if len(separator) == 1 and separator.isprintable() and not separator.isspace() else ""
    # Not str.strip(): Python counts GS (ASCII 29) as white space, and a leading GS is FNC1.
    body = raw.strip(_SURROUNDING)
    symbology = None
    match = _AIM.match(body)
    if match:
        symbology, body = match.group(), body[match.end():]
    separators = {GS, GS_SYMBOL} | ({separator} if separator else set())
    leading_fnc1 = bool(body) and body[0] in separators
    if symbology in GS1_SYMBOLOGIES or leading_fnc1:
        return _gs1(raw, symbology, body, separators)
    if _HRI.match(body):
        return _gs1_hri(raw, symbology, body)
    code = _without_controls(body).strip()
    if not code:
        return Scan(raw, refusal="Nothing was scanned", symbology=symbology)
    return _checked(Scan(raw, code=code, symbology=symbology))


def _without_controls(text: str) -> str:
    return "".join(char for char in text if char.isprintable() or char == " ")


def _checked(scan: Scan) -> Scan:
    code = scan.code or ""
    if len(code) > MAX_CODE_LENGTH:
        return Scan(scan.raw, refusal=f"Code is longer than {MAX_CODE_LENGTH} characters: {visible(code, 40)}",
                    symbology=scan.symbology, elements=scan.elements)
    if not _PRINTABLE_ID.fullmatch(code):
        return Scan(scan.raw, refusal=f"Code may hold only letters, digits and signs, no spaces: {visible(code)}",
                    symbology=scan.symbology, elements=scan.elements)
    return scan


def _gs1(raw: str, symbology: str | None, body: str, separators: set[str]) -> Scan:
    """A GS1 element string: fixed-length AIs run into the next; variable ones end at a separator."""
    data = "".join(GS if char in separators else char for char in body
                   if char in separators or char.isprintable())
    elements: list[tuple[str, str]] = []
    position = 0
    while position < len(data):
        if data[position] == GS:
            position += 1
            continue
        ai = data[position:position + 2]
        position += 2
        if ai in FIXED_AIS:
            width = FIXED_AIS[ai]
            value = data[position:position + width]
            if len(value) != width or not value.isdigit():
                return _gs1_refusal(raw, symbology, elements,
                                    f"GS1 code: AI ({ai}) {AI_NAMES[ai]} needs {width} digits")
            position += width
        elif ai in VARIABLE_AIS:
            end = data.find(GS, position)
            end = len(data) if end == -1 else end
            value = data[position:end]
            position = end
            problem = _variable_problem(ai, value)
            if problem:
                return _gs1_refusal(raw, symbology, elements, problem)
        else:
            if _found(elements):
                break  # what we need is read; an AI we do not know the length of ends the reading
            return _gs1_refusal(raw, symbology, elements,
                                f"GS1 code holds no serial (21) or lot (10) that Certline reads: "
                                f"{visible(data.replace(GS, GS_SYMBOL), 60)}")
        elements.append((ai, value))
    return _gs1_result(raw, symbology, elements)


def _gs1_hri(raw: str, symbology: str | None, body: str) -> Scan:
    """The printed form, ``(01)04012345678901(21)SN-00001``, as some scanners and people type it."""
    elements: list[tuple[str, str]] = []
    position = 0
    for match in _HRI.finditer(body):
        if match.start() != position:
            break
        ai, value = match.group(1), match.group(2)
        position = match.end()
        if ai in FIXED_AIS:
            if len(value) != FIXED_AIS[ai] or not value.isdigit():
                return _gs1_refusal(raw, symbology, elements,
                                    f"GS1 code: AI ({ai}) {AI_NAMES[ai]} needs {FIXED_AIS[ai]} digits")
        elif ai in VARIABLE_AIS:
            problem = _variable_problem(ai, value)
            if problem:
                return _gs1_refusal(raw, symbology, elements, problem)
        else:
            continue
        elements.append((ai, value))
    if position != len(body) and not _found(elements):
        return _gs1_refusal(raw, symbology, elements, f"GS1 code cannot be read: {visible(body, 60)}")
    return _gs1_result(raw, symbology, elements)


def _variable_problem(ai: str, value: str) -> str | None:
    name = AI_NAMES[ai]
    if not value:
        return f"GS1 code: AI ({ai}) {name} is empty"
    if len(value) > VARIABLE_AIS[ai]:
        return f"GS1 code: AI ({ai}) {name} is longer than {VARIABLE_AIS[ai]} characters: {visible(value, 40)}"
    if not _CSET82.fullmatch(value):
        return f"GS1 code: AI ({ai}) {name} holds characters GS1 does not allow: {visible(value, 40)}"
    return None


def _found(elements: list[tuple[str, str]]) -> bool:
    return any(ai in VARIABLE_AIS for ai, _ in elements)


def _gs1_refusal(raw: str, symbology: str | None, elements: list[tuple[str, str]], message: str) -> Scan:
    return Scan(raw, refusal=message, symbology=symbology, elements=tuple(elements))


def _gs1_result(raw: str, symbology: str | None, elements: list[tuple[str, str]]) -> Scan:
    values = dict(elements)
    if "21" in values:
        return _checked(Scan(raw, code=values["21"], symbology=symbology, hint="serial", elements=tuple(elements)))
    if "10" in values:
        return _checked(Scan(raw, code=values["10"], symbology=symbology, hint="lot", elements=tuple(elements)))
    return _gs1_refusal(raw, symbology, elements, "GS1 code holds no serial (21) or lot (10)"
                        + (f": {', '.join(f'({ai}) {AI_NAMES[ai]}' for ai, _ in elements)}" if elements else ""))


class Lookup(Protocol):
    """What ``classify`` asks; each answers a record, or None when the code is not one of its kind."""

    def serial(self, code: str) -> Any | None: ...

    def certificate(self, code: str) -> Any | None: ...

    def badge(self, code: str) -> Any | None: ...


@dataclass(frozen=True)
class Classified:
    """What a scan turned out to be. ``record`` is the lookup's answer; ``message`` says unknown/refused."""

    kind: Kind
    scan: Scan
    record: Any = None
    message: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def classify(scan: Scan, lookup: Lookup) -> Classified:
    """A serial, a certificate (by id, else by number), a badge, in that order; else unknown.

    A GS1 serial (AI 21) is looked up as a serial only, and a GS1 lot (AI 10) as a
    certificate only; when not found, the core's own message says so
    (``SerialNumber not found: …``, ``Certificate not found: …``).
    """
    if scan.refusal is not None or scan.code is None:
        return Classified("refused", scan, message=scan.refusal or "Nothing was scanned")
    code = scan.code
    if scan.hint == "serial":
        found = lookup.serial(code)
        return Classified("serial", scan, found) if found is not None else Classified(
            "refused", scan, message=f"SerialNumber not found: {code}")
    if scan.hint == "lot":
        found = lookup.certificate(code)
        return Classified("certificate", scan, found) if found is not None else Classified(
            "refused", scan, message=f"Certificate not found: {code}")
    for kind in ("serial", "certificate", "badge"):
        found = getattr(lookup, kind)(code)
        if found is not None:
            return Classified(kind, scan, found)
    return Classified("unknown", scan, message=f"Unknown code: {scan.shown.strip()}")


class DatabaseLookup:
    """``Lookup`` on the bound database: ``SerialDetail``, ``CertificateRecord``, ``UserRecord``."""

    def serial(self, code: str):
        from app.errors import NotFound
        from app.serials import get_serial

        try:
            return get_serial(code)
        except NotFound as error:
            if error.message == f"SerialNumber not found: {code}":
                return None
            raise

    def certificate(self, code: str):
        from app.certificates import find_by_code

        return find_by_code(code)

    def badge(self, code: str):
        from app.users import find_by_badge

        return find_by_badge(code)
