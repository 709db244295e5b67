"""Printed labels read back as a scanner would: each PDF page rendered by poppler's ``pdftoppm``, its
codes decoded by zxing-cpp's reader, independently of how the PDF was made (fpdf2 or Qt's QPrinter).

pdftoppm is a system program (Debian: ``poppler-utils``, in the README's list); where it is missing
the test is skipped with that reason, as for the other tests that read a PDF back.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

MISSING = "pdftoppm is not installed (Debian: poppler-utils); it renders the labels to be decoded"
DPI = 300  # a desktop label printer's resolution; a 0.25 mm module is 3 pixels


@dataclass(frozen=True)
class Decoded:
    code128: str
    datamatrix: str  # the DataMatrix's data, GS as \x1d (text mode plain)
    datamatrix_hri: str  # as zxing-cpp writes it for people: (01)…(10)…(21)… when GS1
    gs1: bool  # the decoder found FNC1 first: a GS1 DataMatrix (symbology identifier ]d2)
    symbology: str  # AIM identifier of the DataMatrix, as a scanner prefixes it
    page_mm: tuple[float, float]


def render(pdf: Path, out: Path, dpi: int = DPI) -> list[Path]:
    program = shutil.which("pdftoppm")
    if program is None:
        pytest.skip(MISSING)
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([program, "-r", str(dpi), "-gray", "-png", str(pdf), str(out / "page")], check=True,
                   capture_output=True)
    return sorted(out.glob("page-*.png"), key=lambda path: int(path.stem.rsplit("-", 1)[1]))


def decode_page(png: Path, dpi: int = DPI) -> Decoded:
    """Exactly one Code 128 and one DataMatrix on the page, or the test fails saying what was found."""
    image = Image.open(png)
    found = zxingcpp.read_barcodes(image, formats=(zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.DataMatrix),
                                   text_mode=zxingcpp.TextMode.Plain)
    kinds = sorted(code.format.name for code in found)
    assert kinds == ["Code128", "DataMatrix"], f"{png.name}: found {kinds}"
    bars = next(code for code in found if code.format == zxingcpp.BarcodeFormat.Code128)
    matrix = next(code for code in found if code.format == zxingcpp.BarcodeFormat.DataMatrix)
    hri = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.DataMatrix, text_mode=zxingcpp.TextMode.HRI)
    width, height = image.size
    return Decoded(bars.text, matrix.text, hri[0].text, matrix.content_type == zxingcpp.ContentType.GS1,
                   matrix.symbology_identifier, (width / dpi * 25.4, height / dpi * 25.4))


def decode_pdf(pdf: Path, out: Path, dpi: int = DPI) -> list[Decoded]:
    return [decode_page(page, dpi) for page in render(pdf, out, dpi)]
