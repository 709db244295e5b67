"""Identifier rules: the codes people read and scan, and the ids we generate."""
import itertools
import re
import secrets
import time

from app.errors import Invalid

MAX_ID_LENGTH = 64
_ID = re.compile(r"[!-~]{1,64}")  # printable ASCII, no space


def check_id(value: object, what: str, field: str | None = None) -> str:
    """Return ``value`` if it is a well-formed id, else raise Invalid naming ``what`` (and ``field``, for forms)."""
    if value is None or value == "":
        raise Invalid(f"{what} is required", field)
    if not isinstance(value, str):
        raise Invalid(f"{what} must be text, got {type(value).__name__}", field)
    if len(value) > MAX_ID_LENGTH:
        raise Invalid(f"{what} is longer than {MAX_ID_LENGTH} characters: {value[:MAX_ID_LENGTH]}…", field)
    if not _ID.fullmatch(value):
        raise Invalid(f"{what} may hold only printable ASCII without spaces: {value!r}", field)
    return value


def is_id(value: str) -> bool:
    return bool(_ID.fullmatch(value))


_counter = itertools.count(secrets.randbits(32))


def new_id(prefix: str) -> str:
    """A unique generated id such as ``ca_019ab3f2c4d1e8a3b2c7``: milliseconds, then a counter.

    Time first, so new rows land at the end of the id index instead of on random pages
    (a batch of 10,000 attachments touches a handful of pages, not thousands). The counter
    starts at a random point in each process, so two workstations minting ids in the same
    millisecond collide only if their 32-bit counters meet; the primary key refuses that anyway.
    """
    milliseconds = time.time_ns() // 1_000_000
    return f"{prefix}{milliseconds:012x}{next(_counter) & 0xFFFFFFFF:08x}"
