"""Screenshots of the station's states, from the real window driven like an operator.

    python -m ui.screenshots resources/screenshots/            # 1280x800
    python -m ui.screenshots /tmp/shots --size 1024x768

Builds the demo plant (app/demo.py) in a throwaway SQLite file, opens the station on it
off-screen, scans a badge, a serial and certificates through the scan field, and saves
``QWidget.grab()`` of each state as PNG.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, Qt, QTimer, SignalInstance  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def wait_for(signal: SignalInstance, timeout_ms: int = 10_000) -> list:
    """Run the event loop until ``signal`` is emitted; its arguments. Raises TimeoutError."""
    loop = QEventLoop()
    got: list = []

    def on_signal(*args):
        got.append(args)
        loop.quit()

    signal.connect(on_signal)
    timer = QTimer(singleShot=True, interval=timeout_ms)
    timer.timeout.connect(loop.quit)
    timer.start()
    if not got:
        loop.exec()
    timer.stop()
    signal.disconnect(on_signal)
    if not got:
        raise TimeoutError(f"no {signal} within {timeout_ms} ms")
    return list(got[0])


def settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def scan(window, code: str, signal: SignalInstance) -> list:
    QTest.keyClicks(window.scan_field, code)
    QTest.keyClick(window.scan_field, Qt.Key.Key_Return)
    return wait_for(signal)


def pick_examples() -> dict[str, str]:
    """From the demo plant: a serial at a step, a certificate to attach there, an expired one."""
    from app import certificates, serials
    from app.clock import today

    on = today()
    views = certificates.list_certificates()
    usable = [c for c in views if certificates.refusal_to_attach(c, on) is None]
    expired = next(c for c in views if c.expiry_state(on) == "expired" and c.status == "active")
    for number in range(1, 200):
        serial = serials.get_serial(f"SN-{number:05d}")
        current = serial.current_step
        if serial.status != "in_progress" or current is None or current.step.position < 1:
            continue
        if not any(s.attachments for s in serial.steps):
            continue
        present = {a.attachment.cert_id for a in current.attachments}
        wanted = current.missing_kinds or [c.kind for c in usable]
        cert = next((c for c in usable if c.kind in wanted and c.id not in present), None)
        if cert is not None:
            return {"serial": serial.id, "cert": cert.id, "expired": expired.id}
    raise RuntimeError("the demo plant has no serial fit for the screenshots")


@contextlib.contextmanager
def demo_station(prog: str, argv: list[str] | None, pick: Callable[[], dict]):
    """The station on a fresh demo plant, shown off-screen: yields (window, examples, output folder, app)."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("folder", nargs="?", default="resources/screenshots")
    parser.add_argument("--size", default="1280x800")
    args = parser.parse_args(argv)
    width, height = (int(n) for n in args.size.lower().split("x"))
    out = Path(args.folder)
    out.mkdir(parents=True, exist_ok=True)

    from app import db
    from app.demo import fill_demo
    from ui.settings import StationSettings
    from ui.station import StationWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        url = str(Path(folder) / "screenshots.sqlite3")
        db.open_database(url)
        fill_demo()
        examples = pick()
        db.close_database()
        window = StationWindow(url, StationSettings(sounds=False, result_seconds=60))
        window.resize(width, height)
        window.show()
        window.activateWindow()
        wait_for(window.users_loaded)
        settle()
        try:
            yield window, examples, out, app
        finally:
            window.close()
            app.processEvents()


def main(argv: list[str] | None = None) -> int:
    with demo_station("python -m ui.screenshots", argv, pick_examples) as (window, examples, out, app):
        def shot(name: str) -> None:
            settle()
            path = out / f"{name}.png"
            window.grab().save(str(path))
            print(path)

        shot("signed_out")
        scan(window, "B-OP1", window.signed_in)
        wait_for(window.certificates_listed)
        scan(window, examples["serial"], window.card_painted)
        shot("serial_loaded")
        scan(window, examples["cert"], window.certificate_chosen)
        shot("certificate_chosen")
        QTest.keyClick(window.scan_field, Qt.Key.Key_Return)
        wait_for(window.attached)
        shot("attached")
        scan(window, examples["cert"], window.certificate_chosen)
        QTest.keyClick(window.scan_field, Qt.Key.Key_Return)
        wait_for(window.already_attached)
        shot("already_attached")
        scan(window, examples["expired"], window.refused)
        shot("refused")
        scan(window, "B-SUP1", window.pin_requested)
        shot("pin")
    return 0


if __name__ == "__main__":
    sys.exit(main())
