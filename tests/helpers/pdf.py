"""A PDF read back as text by poppler's ``pdftotext``: what a report printed, checked independently of Qt.

pdftotext is a system program (Debian: ``poppler-utils``), not a Python package. Where it is
missing the test is skipped with that reason instead of failing on a machine that simply
lacks the tool. QtPdf's own text extraction is no substitute: it breaks Qt-written text into
one line per glyph run, so a phrase such as "Page 1 of 2" cannot be searched for.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

MISSING = "pdftotext is not installed (Debian: poppler-utils); it reads the PDF back"


def pdf_text(path: str | Path, layout: bool = True) -> str:
    """The text of the PDF at ``path``; skips the test where pdftotext is missing."""
    program = shutil.which("pdftotext")
    if program is None:
        pytest.skip(MISSING)
    command = [program, *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout
