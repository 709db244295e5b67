"""The bounds every stored value is checked against before anything is written.

A value outside them would be stored and then break every screen that reads it (a date the
calendar cannot move past, a number the database cannot hold, a string no encoder accepts,
JSON too deep to print), so each is refused here with a sentence naming the field.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any, Iterator

from app.errors import Invalid
from app.text import shown as text_shown

MIN_DATE = dt.date(1900, 1, 1)
# One year short of the calendar's end, so an expiry or warning date worked out from a stored
# date always exists.
MAX_DATE = dt.date(9998, 12, 31)
MAX_JSON_DEPTH = 32  # a certificate's data: arrays and objects inside each other
MAX_JSON_CHARS = 100_000  # a certificate's data, as stored
MAX_NOTE_LENGTH = 10_000
MAX_REASON_LENGTH = 2_000
SHOWN_LENGTH = 40  # of a refused value, quoted back in the message

# Lone surrogates cannot be encoded (database drivers, terminals and the audit hash all refuse
# them); NUL ends strings in C and PostgreSQL refuses it in text.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
# A one-line field shown in lists and labels: no control characters at all (C0, DEL, C1).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Free text (a note, a reason): lines and tabs allowed, other control characters not.
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def shown(value: Any) -> str:
    """A refused value quoted back to a person: unprintable characters escaped (app.text), cut at 40."""
    if isinstance(value, int) and value.bit_length() > 1024:  # repr() refuses past 4300 digits
        return f"a number of {int(value.bit_length() * math.log10(2)) + 1} digits"
    return text_shown(value if isinstance(value, str) else repr(value), SHOWN_LENGTH)


def not_text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored at all, or None."""
    found = _NOT_TEXT.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "holds a NUL character"
    return "holds a character that is not valid text (a lone surrogate)"


def check_text(value: Any, label: str, field: str | None, max_length: int, multiline: bool = False) -> str | None:
    """``value`` as stripped text (None when empty), or Invalid naming the field.

    Numbers are taken as their digits (a plant file may hold ``"part": 100``); anything else
    that is not text is refused.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid(f"{label} must be text, got {type(value).__name__}", field)
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid(f"{label} must be text: {value}", field)
    try:
        text = str(value)
    except ValueError:  # an integer past Python's 4300 digits
        raise Invalid(f"{label} is longer than {max_length} characters", field) from None
    problem = not_text_problem(text)
    if problem:
        raise Invalid(f"{label} {problem}", field)
    text = text.strip()
    if len(text) > max_length:
        raise Invalid(f"{label} is longer than {max_length} characters", field)
    if (_CONTROL_BUT_LINES if multiline else _CONTROL).search(text):
        raise Invalid(f"{label} may not hold control characters: {shown(text)}", field)
    return text or None


def check_date(value: Any, label: str, field: str | None) -> dt.date | None:
    """A date between 1900-01-01 and 9998-12-31, from a date or ISO text; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        if not isinstance(value, str) or not_text_problem(value) or len(value) > 32:
            raise Invalid(f"{label} must be a date like 2024-01-31: {shown(value)}", field)
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(f"{label} must be a date like 2024-01-31: {shown(value)}", field) from None
    if not MIN_DATE <= value <= MAX_DATE:
        raise Invalid(f"{label} must be between {MIN_DATE} and {MAX_DATE}: {value.isoformat()}", field)
    return value


def check_int(value: Any, label: str, field: str | None, minimum: int, maximum: int | None,
              unit: str = "") -> int | None:
    """A whole number from ``minimum`` to ``maximum`` (None: no upper bound; from a number or its
    digits, at most 40 of them); None when empty.

    ``unit`` words the upper bound, e.g. ``" days"``. Floats count when whole (a JSON ``30.0``);
    infinities, NaN, booleans and anything else are refused.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    whole = f"{label} must be a whole number: {shown(value)}"
    if isinstance(value, bool):
        raise Invalid(whole, field)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid(whole, field)
        if not value.is_integer():
            raise Invalid(f"{label} must be a whole number of at least {minimum}: {shown(value)}", field)
        number = int(value)
    elif isinstance(value, str):
        if len(value) > 40 or not_text_problem(value):
            raise Invalid(whole, field)
        try:
            number = int(value)
        except ValueError:
            raise Invalid(whole, field) from None
    else:
        raise Invalid(whole, field)
    if number < minimum:
        raise Invalid(f"{label} must be a whole number of at least {minimum}: {shown(value)}", field)
    if maximum is not None and number > maximum:
        raise Invalid(f"{label} must be at most {maximum}{unit}: {shown(value)}", field)
    return number


def _walk(value: Any, where: str) -> Iterator[tuple[Any, str, int]]:
    """Every value inside ``value`` with where it sits and how deep, without recursion.

    Iterative on purpose: a value nested far deeper than Python's recursion limit is walked
    (and refused) like any other.
    """
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        item, at, depth = stack.pop()
        yield item, at, depth
        if isinstance(item, dict):
            stack.extend((v, (f"{at}.{k}" if at else k) if isinstance(k, str) else f"{at}[{k!r}]", depth + 1)
                         for k, v in reversed(list(item.items())))
        elif isinstance(item, (list, tuple)):
            stack.extend((v, f"{at}[{i}]", depth + 1) for i, v in reversed(list(enumerate(item))))


def check_values(value: Any, label: str, field: str | None, max_depth: int, root: str | None = None) -> None:
    """Refuse what JSON storage cannot hold or a screen cannot show, naming where it sits.

    JSON only: objects with text keys, arrays, text, finite numbers, true, false, null; at most
    ``max_depth`` arrays and objects inside each other; no lone surrogate or NUL in any text.
    Places are named from ``root`` (``label`` when not given), e.g. ``Data.lab.name``.
    """
    for item, at, depth in _walk(value, label if root is None else root):
        if depth > max_depth:
            where = f" (at {shown(at)})" if root is not None else ""
            raise Invalid(f"{label} is nested deeper than {max_depth} levels{where}", field)
        if isinstance(item, dict):
            for key in item:
                if not isinstance(key, str):
                    raise Invalid(f"{at} has a key that is not text: {shown(key)}", field)
                problem = not_text_problem(key)
                if problem:
                    raise Invalid(f"A key in {at} {problem}", field)
        elif isinstance(item, str):
            problem = not_text_problem(item)
            if problem:
                raise Invalid(f"{at} {problem}", field)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise Invalid(f"{at} must be a finite number: {item}", field)
        elif item is not None and not isinstance(item, (bool, int, list, tuple)):
            raise Invalid(f"{at} is not a JSON value: {shown(item)}", field)


def check_json(value: Any, label: str, field: str | None, max_depth: int = MAX_JSON_DEPTH,
               max_chars: int = MAX_JSON_CHARS) -> Any:
    """``value`` as it will read back from storage (``check_values``, at most ``max_chars`` stored)."""
    check_values(value, label, field, max_depth)
    try:
        text = json.dumps(value, allow_nan=False, sort_keys=True, separators=(",", ":"))
    except ValueError:  # an integer of thousands of digits
        raise Invalid(f"{label} is larger than {max_chars} characters", field) from None
    if len(text) > max_chars:
        raise Invalid(f"{label} is larger than {max_chars} characters", field)
    return json.loads(text)


def parse_json(text: str | bytes, label: str, field: str | None = None, max_depth: int = MAX_JSON_DEPTH,
               max_chars: int | None = MAX_JSON_CHARS, root: str | None = None) -> Any:
    """JSON text parsed and bounded (``check_json``; ``max_chars`` None: ``check_values`` only).

    Invalid instead of any parser error, and instead of Python's RecursionError on deep nesting.
    """
    try:
        value = json.loads(text)
    except RecursionError:  # Python's parser gives up on nesting near its recursion limit
        raise Invalid(f"{label} is nested deeper than {max_depth} levels", field) from None
    except ValueError as error:  # not JSON, not UTF-8, or an integer too long to read
        raise Invalid(f"{label} is not valid JSON: {error}", field) from None
    if max_chars is None:
        check_values(value, label, field, max_depth, root)
        return value
    return check_json(value, label, field, max_depth, max_chars)
