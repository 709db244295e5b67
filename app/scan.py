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

GS1: a supplier's label carries any of GS1's application identifiers in any order
(GTIN 01, expiry 17, lot 10, net weight 3103, part number 240, serial 21, …). ``biip``
knows their formats and check digits; Certline keeps the serial (21) or lot (10) and
refuses a label with any element that is not valid, saying which. The invisible
FNC1/GS separator arrives as ASCII 29, as the visible ``␝`` (U+241D) that the station's
scan field shows for it, or as a printable stand-in the scanner is set up to send
(``separator``). The printed form ``(01)04012345678901(21)SN-00001`` is read too.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from app.errors import Invalid
from app.text import shown

if TYPE_CHECKING:  # biip is imported when a GS1 code is first read: its prefix tables take ~0.1 s
    from biip import ParseConfig
    from biip.gs1_application_identifiers import GS1ApplicationIdentifier
    from biip.gs1_element_strings import GS1ElementString

MAX_CODE_LENGTH = 64  # the identifiers' limit (app/ids.py)
MAX_SCAN_LENGTH = 512  # longer than any code a scanner sends on the floor: refuse, do not parse
GS = "\x1d"
GS_SYMBOL = "\u241d"  # ␝, how the scan field shows a GS it received

# AIM symbology identifiers ("]" + code character + modifier) that announce GS1 data: GS1-128,
# DataBar, DataMatrix, QR Code, DotCode (biip's GS1Symbology.with_gs1_messages(), held here so
# that deciding whether a scan is GS1 does not load biip).
GS1_SYMBOLOGIES = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1"})
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")
# Certline's words for the AIs it reads or that commonly stand beside them; others go by GS1's data title.
AI_NAMES = {"00": "SSCC", "01": "GTIN", "02": "content GTIN", "10": "lot", "11": "production date",
            "12": "due date", "13": "packaging date", "15": "best before", "16": "sell by", "17": "expiry",
            "20": "variant", "21": "serial", "240": "additional product id", "241": "customer part number"}
# GS1's character set 82, which AI 10 and 21 values are drawn from (biip's patterns use the same).
_CSET82_CHAR = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]")
_FIXED_DIGITS = re.compile(r"N(\d+)")
_VARIABLE_TEXT = re.compile(r"X\.\.(\d+)")
_PRINTABLE_ID = re.compile(r"[!-~]+")
_SURROUNDING = " \t\r\n\v\f\x00\x85\xa0"
_HRI = re.compile(r"\((\d{2,4})\)([^()]*)")

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
    """``text`` with control and other unprintable characters shown, e.g. ``␝`` or ``\\x07`` (``app.text.shown``)."""
    return shown(text.replace(GS, GS_SYMBOL), limit)


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
    if _HRI.match(body):
        return _gs1_hri(raw, symbology, body)
    separators = {GS, GS_SYMBOL} | ({separator} if separator else set())
    leading_fnc1 = bool(body) and body[0] in separators
    if symbology in GS1_SYMBOLOGIES or leading_fnc1:
        return _gs1(raw, symbology, body, separators)
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


def load_gs1() -> None:
    """Import biip now, so the first GS1 label scanned does not wait for it (the station's worker calls this)."""
    _gs1_config()


@functools.cache
def _gs1_config() -> ParseConfig:
    from biip import ParseConfig

    return ParseConfig(separator_chars=(GS,))


def _gs1(raw: str, symbology: str | None, body: str, separators: set[str]) -> Scan:
    """A GS1 element string: biip reads one element at a time, so a refusal can name the one at fault."""
    from biip import ParseError
    from biip.gs1_element_strings import GS1ElementString

    data = "".join(GS if char in separators else char for char in body
                   if char in separators or char.isprintable())
    elements: list[tuple[str, str]] = []
    rest = data.lstrip(GS)
    while rest:
        try:
            element = GS1ElementString.extract(rest, config=_gs1_config())
        except ParseError:
            return _gs1_refusal(raw, symbology, elements, _element_problem(rest.split(GS, 1)[0]))
        problem = _check_problem(element)
        rest = rest[len(element):]
        if problem is None and element.ai.separator_required and rest and not rest.startswith(GS):
            problem = _overrun_problem(element, rest.split(GS, 1)[0])
        if problem:
            return _gs1_refusal(raw, symbology, elements, problem)
        elements.append((element.ai.ai, element.value))
        rest = rest.lstrip(GS)
    return _gs1_result(raw, symbology, elements)


def _gs1_hri(raw: str, symbology: str | None, body: str) -> Scan:
    """The printed form, ``(01)04012345678901(21)SN-00001``, as some scanners and people type it."""
    from biip import ParseError
    from biip.gs1_application_identifiers import GS1ApplicationIdentifier
    from biip.gs1_element_strings import GS1ElementString

    elements: list[tuple[str, str]] = []
    position = 0
    for match in _HRI.finditer(body):
        if match.start() != position:
            break
        position = match.end()
        text = match.group(1) + match.group(2)
        try:
            if GS1ApplicationIdentifier.extract(match.group(1)).ai != match.group(1):
                raise ParseError(match.group(1))  # (42)1… is not AI 421
        except ParseError:
            return _gs1_refusal(raw, symbology, elements,
                                f"GS1 code: no application identifier GS1 knows: ({match.group(1)})")
        try:
            element = GS1ElementString.parse(text, config=_gs1_config())
        except ParseError:
            return _gs1_refusal(raw, symbology, elements, _element_problem(text))
        problem = _check_problem(element)
        if problem:
            return _gs1_refusal(raw, symbology, elements, problem)
        elements.append((element.ai.ai, element.value))
    if position != len(body):
        return _gs1_refusal(raw, symbology, elements, f"GS1 code cannot be read: {visible(body, 60)}")
    return _gs1_result(raw, symbology, elements)


def _name(ai: GS1ApplicationIdentifier) -> str:
    return AI_NAMES.get(ai.ai, ai.data_title.lower())


def _element_problem(text: str) -> str:
    """Why biip could not read the element ``text`` starts with, in words for the person holding the label."""
    from biip import ParseError
    from biip.gs1_application_identifiers import GS1ApplicationIdentifier

    try:
        ai = GS1ApplicationIdentifier.extract(text)
    except ParseError:
        return f"GS1 code: no application identifier GS1 knows at {visible(text, 40)}"
    label = f"GS1 code: AI ({ai.ai}) {_name(ai)}"
    value = text[len(ai.ai):]
    if not value:
        return f"{label} is empty"
    if "YYMMDD" in ai.description and len(value) >= 6 and value[:6].isdigit():
        return f"{label} is not a date (YYMMDD): {value[:6]}"
    data_format = ai.format.split("+", 1)[-1]
    digits = _FIXED_DIGITS.fullmatch(data_format)
    if digits:
        return f"{label} needs {digits.group(1)} digits: {visible(value, 40)}"
    longest = _VARIABLE_TEXT.fullmatch(data_format)
    if longest and not all(_CSET82_CHAR.match(char) for char in value):
        return f"{label} holds characters GS1 does not allow: {visible(value, 40)}"
    if longest and len(value) > int(longest.group(1)):
        return f"{label} is longer than {longest.group(1)} characters: {visible(value, 40)}"
    return f"{label} does not fit GS1's format {data_format}: {visible(value, 40)}"


def _check_problem(element: GS1ElementString) -> str | None:
    """A GTIN, SSCC or GLN whose check digit is wrong (biip reports it beside the element, not raising)."""
    error = element.gtin_error or element.sscc_error or element.gln_error
    if not error:
        return None
    label = f"GS1 code: AI ({element.ai.ai}) {_name(element.ai)}"
    if "check digit" in error:
        return f"{label} has a wrong check digit: {element.value}"
    return f"{label} is not valid: {element.value}"


def _overrun_problem(element: GS1ElementString, after: str) -> str:
    """A variable-length value not ended by a separator: it ran past its length or into a foreign character."""
    label = f"GS1 code: AI ({element.ai.ai}) {_name(element.ai)}"
    whole = visible(element.value + after, 40)
    if _CSET82_CHAR.match(after):
        return f"{label} is longer than {len(element.value)} characters: {whole}"
    return f"{label} holds characters GS1 does not allow: {whole}"


def _gs1_refusal(raw: str, symbology: str | None, elements: list[tuple[str, str]], message: str) -> Scan:
    return Scan(raw, refusal=message, symbology=symbology, elements=tuple(elements))


def _gs1_result(raw: str, symbology: str | None, elements: list[tuple[str, str]]) -> Scan:
    values = dict(elements)
    if "21" in values:
        return _checked(Scan(raw, code=values["21"], symbology=symbology, hint="serial", elements=tuple(elements)))
    if "10" in values:
        return _checked(Scan(raw, code=values["10"], symbology=symbology, hint="lot", elements=tuple(elements)))
    from biip.gs1_application_identifiers import GS1ApplicationIdentifier

    named = ", ".join(f"({ai}) {_name(GS1ApplicationIdentifier.extract(ai))}" for ai, _ in elements)
    return _gs1_refusal(raw, symbology, elements, "GS1 code holds no serial (21) or lot (10)"
                        + (f": {named}" if named else ""))


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
    (``SerialNumber not found: …``, ``Certificate not found: …``). A lookup that refuses
    the code (``Invalid``: a number several certificates share) refuses the scan with its message.
    """
    if scan.refusal is not None or scan.code is None:
        return Classified("refused", scan, message=scan.refusal or "Nothing was scanned")
    try:
        return _classified(scan, scan.code, lookup)
    except Invalid as error:
        return Classified("refused", scan, message=error.message)


def _classified(scan: Scan, code: str, lookup: Lookup) -> Classified:
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
        """By id, else by issuer number (``app.certificate_list.resolve_certificate``); a shared number refuses."""
        from app.certificate_list import resolve_certificate
        from app.errors import NotFound

        try:
            return resolve_certificate(code)
        except NotFound:
            return None

    def badge(self, code: str):
        from app.users import find_by_badge

        return find_by_badge(code)
