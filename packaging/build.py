"""Build the one-folder bundle: ``python packaging/build.py`` → dist/certline/ (certline, certline-cli).

Installs PyInstaller into the running environment if it is missing, renders the icon for
Windows, builds, and then runs the bundle's own ``--self-test``.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYINSTALLER = "pyinstaller>=6.10"


def main() -> int:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", PYINSTALLER], check=True)
    if sys.platform == "win32":
        _windows_icon()
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--distpath", str(ROOT / "dist"),
                    "--workpath", str(ROOT / "build"), str(ROOT / "packaging" / "certline.spec")], check=True)
    station = ROOT / "dist" / "certline" / ("certline.exe" if sys.platform == "win32" else "certline")
    environment = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    done = subprocess.run([str(station), "--self-test"], env=environment, capture_output=True, text=True,
                          timeout=120)
    print(done.stdout, end="")
    print(f"bundle: {station.parent} — self-test {'passed' if done.returncode == 0 else 'FAILED'}")
    return done.returncode


def _windows_icon() -> None:
    """certline.ico from the SVG, drawn by Qt (no extra tool needed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QIcon

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (needed to render)
    QIcon(str(ROOT / "resources" / "icons" / "certline.svg")).pixmap(256, 256).save(
        str(ROOT / "packaging" / "certline.ico"))


if __name__ == "__main__":
    sys.exit(main())
