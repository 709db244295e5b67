"""Identifier rules: the codes people read and scan, and the ids we generate."""
import re
import secrets

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


def new_id(prefix: str) -> str:
    """A unique generated id such as ``ca_5f0c2a9b1e7d4c83``."""
    return prefix + secrets.token_hex(8)
