"""The one way into resources/: style sheet, icons and sounds, found beside the package."""
from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon


def resources_dir() -> Path:
    """resources/ of the source tree, or of a PyInstaller bundle (``sys._MEIPASS``)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


@cache
def stylesheet(name: str = "station") -> str:
    """The Qt style sheet ``resources/{name}.qss``; empty (Qt's own look) if it is missing."""
    try:
        return path(f"{name}.qss").read_text(encoding="utf-8")
    except OSError:
        return ""


def icon(name: str) -> QIcon:
    """``resources/icons/{name}.svg`` as an icon; an empty icon if it is missing."""
    file = path("icons", f"{name}.svg")
    return QIcon(str(file)) if file.exists() else QIcon()


def sound(name: str) -> Path | None:
    """``resources/sounds/{name}.wav`` if it is there."""
    file = path("sounds", f"{name}.wav")
    return file if file.exists() else None
