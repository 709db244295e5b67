"""A webhook receiver on a loopback port, in a thread: it records every request and can be told to
answer 500, to hang until released, or to be down (its port closed) for a while."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0  # what the receiver answered (0: not yet)

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers["X-Certline-Event-Id"]


@dataclass
class Receiver:
    """``mode``: ``ok`` (204), ``fail`` (500), ``redirect`` (302) or ``hang`` (wait for ``release``, then 200)."""

    mode: str = "ok"
    port: int = 0
    delay: float = 0.0  # seconds an answer takes in mode ok
    fail_when: Callable[[dict], bool] | None = None  # answer 500 to the events this picks, whatever the mode
    received: list[Received] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)  # event id: requests for it being answered now
    overlaps: list[str] = field(default_factory=list)  # event ids that were in two requests at one time
    peak: int = 0  # the most requests it was answering at one time
    hanging: threading.Event = field(default_factory=threading.Event)  # set when a request starts to hang
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/certline"

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event_id = self.headers.get("X-Certline-Event-Id", "")
                request = Received(self.path, dict(self.headers.items()), body)
                with receiver._lock:
                    receiver.received.append(request)
                    receiver.in_flight[event_id] = receiver.in_flight.get(event_id, 0) + 1
                    if receiver.in_flight[event_id] > 1:
                        receiver.overlaps.append(event_id)
                    receiver.peak = max(receiver.peak, sum(receiver.in_flight.values()))
                    mode = receiver.mode
                try:
                    if mode == "hang":
                        receiver.hanging.set()
                        receiver.release.wait(60)
                    elif receiver.delay:
                        time.sleep(receiver.delay)
                    status = {"fail": 500, "redirect": 302}.get(mode, 204 if mode == "ok" else 200)
                    if receiver.fail_when is not None and receiver.fail_when(request.json):
                        status = 500
                    request.status = status  # before answering: the deliverer may look right after
                finally:
                    # No longer in flight before the answer goes out: once it has it, the deliverer may send
                    # its next request at once, and that one must not count beside this one.
                    with receiver._lock:
                        receiver.in_flight[event_id] -= 1
                try:
                    self.send_response(status)
                    if status == 302:
                        self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                    payload = b"receiver is failing" if status == 500 else b""
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the deliverer was killed meanwhile
                    pass

            def log_message(self, format, *args) -> None:  # noqa: A002 - quiet in the tests' output
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        """Close the port: a deliverer now gets *connection refused*."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def event_ids(self) -> list[str]:
        with self._lock:
            return [r.event_id for r in self.received]

    def delivered(self) -> list[Received]:
        """The requests it answered with 2xx, in the order they came."""
        with self._lock:
            return [r for r in self.received if 200 <= r.status < 300]
