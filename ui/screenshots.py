"""Screenshots of the station's states, from the real window driven like an operator.

    python -m ui.screenshots resources/screenshots/            # 1024x768 and 1280x800
    python -m ui.screenshots /tmp/shots --size 1600x1000

Builds the demo plant (app/demo.py) in a throwaway SQLite file, with a few additions the
pictures need (a step holding more certificates than its box shows; only approved
certificates allowed, all but one approved), opens the station on it off-screen, scans
badges, serials and certificates through the scan field, and saves ``QWidget.grab()`` of
each state as ``station_<width>_<state>.png``. Documents, PIN pepper and logs stay in the
throwaway folder.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QEventLoop, QIODeviceBase, Qt, QTimer, SignalInstance  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

STATION_NAME = "Line 3 – Saw"
SIZES = ("1024x768", "1280x800")
MANY = 10  # certificates put at one step, more than its box shows at these sizes
WRONG_PIN = "999999"


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


def save_png(image: QImage, path: Path) -> None:
    """``image`` as a PNG in its own 256 most frequent colours: a third of the size of a full-colour
    one, and a screen of flat colours and anti-aliased text looks the same (the PNGs are committed)."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    counts = Counter(memoryview(image.constBits()).cast("I"))
    table = [colour | 0xFF000000 for colour, _ in counts.most_common(256)]
    image.convertToFormat(QImage.Format.Format_Indexed8, table, Qt.ImageConversionFlag.ThresholdDither).save(
        str(path), "PNG", 0)


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


def prepare_station_examples() -> dict[str, str]:
    """``pick_examples`` and more, written as the plant's people would: a serial with ``MANY``
    certificates at its current step, and only approved certificates allowed, all approved but one."""
    from app import attachments, certificates, documents, policy, serials
    from app.clock import today

    examples = pick_examples()
    on = today()
    usable = [c for c in certificates.list_certificates() if certificates.refusal_to_attach(c, on) is None]
    crowded = next(s for n in range(1, 200) if (s := serials.get_serial(f"SN-{n:05d}")).status == "in_progress"
                   and s.id != examples["serial"] and s.current_step is not None and s.current_step.step.position >= 1)
    present = {a.attachment.cert_id for a in crowded.current_step.attachments}
    for cert in [c for c in usable if c.id not in present][:MANY]:
        attachments.attach(crowded.id, cert.id, "op2")
    pending = next(c for c in usable if c.kind == "OTHER")
    scan_of_page = _document_image()
    for cert in usable:
        if cert.id != pending.id:
            documents.add_document_bytes(cert.id, scan_of_page, f"{cert.id}.png", "sup1")
            documents.approve_certificate(cert.id, "sup1", "111111")
    policy.set_policy("require_approved", True, "admin", "Only approved certificates at the line")
    return {**examples, "crowded": crowded.id, "pending": pending.id}


def _document_image() -> bytes:
    """A small PNG standing in for a scanned certificate."""
    image = QImage(64, 80, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    buffer = QBuffer()
    buffer.open(QIODeviceBase.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def parse_arguments(prog: str, argv: list[str] | None, sizes: tuple[str, ...]) -> tuple[Path, list[tuple[int, int]]]:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("folder", nargs="?", default="resources/screenshots")
    parser.add_argument("--size", action="append", help=f"WIDTHxHEIGHT, again for more (default: {' '.join(sizes)})")
    args = parser.parse_args(argv)
    out = Path(args.folder)
    out.mkdir(parents=True, exist_ok=True)
    return out, [(int(w), int(h)) for w, h in (s.lower().split("x") for s in args.size or sizes)]


@contextlib.contextmanager
def _throwaway_data(folder: str) -> Iterator[None]:
    """Documents, witness files, logs and the PIN pepper in ``folder``, not in this user's own folders."""
    names = {"CERTLINE_DATA": folder, "CERTLINE_DOCUMENTS": str(Path(folder) / "documents"),
             "CERTLINE_PEPPER_FILE": str(Path(folder) / "pin-pepper")}
    before = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def station_on_demo(size: tuple[int, int], pick: Callable[[], dict]):
    """The station on a fresh demo plant (``pick`` adds to it and names examples), shown off-screen
    at ``size``: yields (window, examples)."""
    from app import db
    from app.demo import fill_demo
    from ui.settings import StationSettings
    from ui.station import StationWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder, _throwaway_data(folder):
        url = str(Path(folder) / "screenshots.sqlite3")
        db.open_database(url)
        fill_demo()
        examples = pick()
        db.close_database()
        window = StationWindow(url, StationSettings(sounds=False, result_seconds=60, station_name=STATION_NAME))
        window.resize(*size)
        window.show()
        window.activateWindow()
        wait_for(window.users_loaded)
        settle()
        try:
            yield window, examples
        finally:
            window.close()
            app.processEvents()


@contextlib.contextmanager
def demo_station(prog: str, argv: list[str] | None, pick: Callable[[], dict]):
    """The station on a fresh demo plant at the one size asked (1280x800 by default):
    yields (window, examples, output folder, app)."""
    out, sizes = parse_arguments(prog, argv, ("1280x800",))
    with station_on_demo(sizes[0], pick) as (window, examples):
        yield window, examples, out, QApplication.instance()


def station_states(window, examples: dict[str, str], shot: Callable[[str], None]) -> None:
    """Every state the README shows, in the order an operator's shift meets them."""
    shot("signed_out")
    scan(window, "B-SUP1", window.pin_requested)
    QTest.keyClicks(window.pin_field, "111")
    shot("pin")
    QTest.keyClick(window.pin_field, Qt.Key.Key_Escape)
    scan(window, "B-SUP2", window.pin_requested)
    for _ in range(5):  # the plant's pin_attempts: the fifth wrong PIN locks
        QTest.keyClicks(window.pin_field, WRONG_PIN)
        QTest.keyClick(window.pin_field, Qt.Key.Key_Return)
        wait_for(window.result_shown)
    shot("pin_locked")
    QTest.keyClick(window.pin_field, Qt.Key.Key_Escape)

    scan(window, "B-OP1", window.signed_in)
    wait_for(window.certificates_listed)
    scan(window, examples["crowded"], window.card_painted)
    shot("many_certificates")
    strip = window.card.strip
    current = window.serial.current_step.step.position
    QTest.mouseClick(strip, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     strip.column_rect(current).center())
    shot("step_list")
    QTest.keyClick(window.scan_field, Qt.Key.Key_Escape)  # closes the list, nothing else

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
    scan(window, examples["pending"], window.refused)
    shot("not_approved")
    scan(window, "XQ-0000-7", window.unknown_code)
    shot("unknown_unloaded")


def main(argv: list[str] | None = None) -> int:
    out, sizes = parse_arguments("python -m ui.screenshots", argv, SIZES)
    for size in sizes:
        with station_on_demo(size, prepare_station_examples) as (window, examples):
            def shot(name: str) -> None:
                settle()
                path = out / f"station_{size[0]}_{name}.png"
                save_png(window.grab().toImage(), path)
                print(path)

            station_states(window, examples, shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
