"""The one way into the station's style sheet, icons and sounds: package data of ``certline_resources``.

The repository keeps them in resources/; pyproject.toml installs that folder as the package
``certline_resources`` (wheel and editable install alike) and packaging/certline.spec puts the
same files in the bundle, so importlib.resources finds them wherever Certline runs.
"""
from __future__ import annotations

from contextlib import ExitStack
from functools import cache
from importlib import resources as importlib_resources
from importlib.resources.abc import Traversable
from pathlib import Path

from PySide6.QtGui import QIcon

PACKAGE = "certline_resources"
_extracted = ExitStack()  # files that had to be copied out of an archive, kept for the process's life


def files() -> Traversable:
    return importlib_resources.files(PACKAGE)


@cache
def _file(*parts: str) -> Path | None:
    """A real file for Qt to open (Qt reads paths, not Python streams), or None when it is missing."""
    entry = files().joinpath(*parts)
    if not entry.is_file():
        return None
    return _extracted.enter_context(importlib_resources.as_file(entry))


@cache
def stylesheet(name: str = "station") -> str:
    """The Qt style sheet ``{name}.qss``; empty (Qt's own look) if it is missing."""
    entry = files().joinpath(f"{name}.qss")
    return entry.read_text(encoding="utf-8") if entry.is_file() else ""


def icon(name: str) -> QIcon:
    """``icons/{name}.svg`` as an icon; an empty icon if it is missing."""
    file = _file("icons", f"{name}.svg")
    return QIcon(str(file)) if file is not None else QIcon()


def icon_file(name: str) -> Path | None:
    """``icons/{name}.svg`` as a file a style sheet can name (``url(...)``), if it is there."""
    return _file("icons", f"{name}.svg")


def font(name: str) -> Path | None:
    """``fonts/{name}`` (the DejaVu Sans files) as a file Qt's font database can load, if it is there."""
    return _file("fonts", name)


def sound(name: str) -> Path | None:
    """``sounds/{name}.wav`` as a file QSoundEffect can play, if it is there."""
    return _file("sounds", f"{name}.wav")
