"""How certline-cli answers: records as JSON or lines, errors on stderr, exit statuses."""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable

from app.errors import CertlineError, Forbidden, Invalid, NotFound
from app.text import shown_json, shown_lines

EXIT_OK, EXIT_USAGE, EXIT_BAD_REQUEST, EXIT_NOT_FOUND, EXIT_INTERNAL = 0, 2, 3, 4, 5
EXIT_NOT_AUTHENTICATED = 6  # the acting user was not proven (app/cli/auth.py): nothing was done
# The reader of the output went away (``certline-cli certs | head -1``): the status a Unix tool
# killed by SIGPIPE leaves, 128 + 13, so `set -o pipefail` scripts see it as they see `seq`'s.
EXIT_CLOSED_PIPE = 141
STDOUT = "-"  # --csv - / --pdf -: write to standard output


class Output:
    """Prints records as JSON or as lines for a person."""

    def __init__(self, as_json: bool):
        self.as_json = as_json

    def emit(self, value: Any, text: Callable[[Any], str] | str) -> None:
        if self.as_json:
            # json.dumps escapes C0 controls itself; DEL, C1, bidi and the other invisibles too, here.
            print(shown_json(json.dumps(value, indent=2, ensure_ascii=False)))
        else:
            say(text(value) if callable(text) else text)


def say(text: str) -> None:
    """Print lines for a person: whatever the data holds, nothing in them steers the terminal (``app.text.shown``)."""
    print(shown_lines(text))


def exit_code(error: CertlineError) -> int:
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if error.status == 401:
        return EXIT_NOT_AUTHENTICATED
    if isinstance(error, (Invalid, Forbidden)):
        return EXIT_BAD_REQUEST
    return EXIT_INTERNAL


def report(error_status: int, message: str, as_json: bool) -> None:
    line = json.dumps({"error": {"status": error_status, "message": message}}) if as_json \
        else f"certline-cli: {shown_lines(message)}"
    try:
        print(line, file=sys.stderr)
    except BrokenPipeError:  # stderr piped too (2>&1 | head) and closed: the exit status still tells
        pass


class _StdoutBytes:
    """Standard output as UTF-8 bytes, so CSV's CRLF line ends go out as written on every platform."""

    def write(self, text: str) -> int:
        return sys.stdout.buffer.write(text.encode("utf-8"))


def stdout_bytes() -> _StdoutBytes:
    sys.stdout.flush()  # anything printed before goes first
    return _StdoutBytes()


def silence_closed_stdout() -> None:
    """After a BrokenPipeError: point standard output at the null device.

    As Python's documentation on SIGPIPE advises: otherwise the interpreter's last flush of
    the buffered rest fails again at exit and prints "Exception ignored … BrokenPipeError".
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file behind sys.stdout (tests capture it)
        pass
