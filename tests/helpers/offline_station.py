"""The real station in a process of its own, for a test to kill -9: ``python -m tests.helpers.offline_station
URL STATION CODE...``.

The window is the station's own (off-screen), with "attach on certificate scan" on, so a certificate scanned
after its serial attaches (or, offline, queues) as a scanner at the line does. The codes are given to
``StationWindow.scan`` one after another, each once the one before it was handled. Three markers wait:
``@opened`` for the database, ``@cached`` until every serial scanned so far is in the station's cache and
its certificates were refreshed, ``@offline`` until the station works offline. Each step is printed
(``queued SERIAL CERT STEP WAITING`` for an attach saved on the station), then ``done``; the process then
waits to be killed.
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def main(url: str, station: str, codes: list[str]) -> int:
    app = QApplication(sys.argv[:1])
    from ui.settings import StationSettings
    from ui.station import StationWindow

    window = StationWindow(url, StationSettings(sounds=False, idle_sign_out_minutes=0, result_seconds=2,
                                                station_name=station, attach_on_certificate_scan=True))
    window.resize(1280, 800)
    window.show()

    def say(*words: object) -> None:
        print(*words, flush=True)

    window.queued.connect(lambda serial, cert, step, waiting: say("queued", serial, cert, step, waiting))
    window.result_shown.connect(lambda state, text: say("result", state, text.replace("\n", " ")))
    # A badge is handled when its sign-in is asked for, and signed in when the database answers: the next code
    # waits for that answer, as a person waits for their name on the screen.
    state = {"busy": False, "serials": [], "signing_in": False}
    window.scan_handled.connect(lambda kind: state.update(busy=state["signing_in"]))

    def signed_in(user: str) -> None:
        say("signed-in", user)
        state.update(busy=False, signing_in=False)

    window.signed_in.connect(signed_in)
    todo = list(codes)

    def ready(marker: str) -> bool:
        if marker == "@opened":
            return window._opened and window.outage_since is None
        if marker == "@cached":
            return window._cache_ready and all(window.station_cache.serial(s) for s in state["serials"])
        if marker == "@offline":
            return window._offline_ready()
        raise ValueError(marker)

    def step() -> None:
        if state["busy"] or not todo:
            return
        code = todo[0]
        if code.startswith("@"):
            if ready(code):
                todo.pop(0)
                say("reached", code)
            if not todo:
                say("done")
            return
        todo.pop(0)
        if code.startswith("SN-"):
            state["serials"].append(code)
        state["busy"] = True
        state["signing_in"] = code.startswith("B-")
        window.scan(code)
        if not todo:
            say("done")

    timer = QTimer(interval=20)
    timer.timeout.connect(step)
    timer.start()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
