"""How certline-cli answers: records as JSON or lines, errors on stderr, exit statuses."""
from __future__ import annotations

import json
import sys
from typing import Any, Callable

from app.errors import CertlineError, Forbidden, Invalid, NotFound

EXIT_OK, EXIT_USAGE, EXIT_BAD_REQUEST, EXIT_NOT_FOUND, EXIT_INTERNAL = 0, 2, 3, 4, 5


class Output:
    """Prints records as JSON or as lines for a person."""

    def __init__(self, as_json: bool):
        self.as_json = as_json

    def emit(self, value: Any, text: Callable[[Any], str] | str) -> None:
        if self.as_json:
            print(json.dumps(value, indent=2, ensure_ascii=False))
        else:
            print(text(value) if callable(text) else text)


def exit_code(error: CertlineError) -> int:
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, (Invalid, Forbidden)):
        return EXIT_BAD_REQUEST
    return EXIT_INTERNAL


def report(error_status: int, message: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"error": {"status": error_status, "message": message}}), file=sys.stderr)
    else:
        print(f"certline-cli: {message}", file=sys.stderr)
