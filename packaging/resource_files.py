"""The files pyproject.toml installs as the package ``certline_resources``, for the PyInstaller bundle.

Read from pyproject.toml itself (its package-dir and package-data), so the wheel, the editable
install and the bundle carry the same style sheets, icons and sounds, and nothing else.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

PACKAGE = "certline_resources"


def resource_files(root: Path) -> list[tuple[Path, str]]:
    """(file, folder in the distribution) for the package's modules and every package-data file."""
    setuptools = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    source = root / setuptools["package-dir"][PACKAGE]
    files = set(source.glob("*.py"))
    for pattern in setuptools["package-data"][PACKAGE]:
        files.update(path for path in source.glob(pattern) if path.is_file())
    return [(path, Path(PACKAGE, path.parent.relative_to(source)).as_posix()) for path in sorted(files)]
