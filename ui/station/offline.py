"""The station's offline mode: while the database cannot be reached, scans are read from the station's cache
and attaches are saved in its durable local queue; once the database answers, the queue is sent, in order.

A queued attach is never shown as attached: the banner says *Saved on this station — not yet sent, 3 waiting*
in a colour no other answer uses, and the prompt keeps the count in view. The card and the certificate
checks (revoked, expired, approval as last known) come from the cache (app.station_cache), refreshed while
online; a serial this station never saw cannot be checked offline, says so, and nothing is queued for it.
The core decides each queued attach when it arrives (app.queued_attach): attached at the step the operator
saw, or held for a supervisor. Mixed into ``StationWindow`` (shell.py); ``self`` is the window.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from app.scan import classify, read_scan
from app.sign_in import begin_offline_session, session_method
from app.users import UserRecord
from ui import operations
from ui.operations import certificate_view
from ui.worker import Failure

if TYPE_CHECKING:
    from app.offline_queue import OfflineQueue, Queued
    from app.queued_attach import SendResult
    from app.station_cache import StationCache

log = logging.getLogger(__name__)

CACHE_REFRESH_MS = 5 * 60_000  # certificates and policies copied again this often while online
QUEUED = "Saved on this station — not yet sent, {waiting} waiting: {cert} to {serial} at {step}"
NOT_SEEN = ("Not read: the database is unreachable since {since}, and {code} has not been seen on this station: "
            "it cannot be checked offline")
OFFLINE = "{unreachable} — working offline, {waiting} saved on this station — retrying"


class _CacheLookup:
    """``app.scan.Lookup`` on the station's cache: a serial's card and a certificate as last seen."""

    def __init__(self, cache: StationCache):
        self.cache = cache
        self.approved_only = cache.require_approved()

    def serial(self, code: str):
        return self.cache.serial(code)

    def certificate(self, code: str):
        record = self.cache.certificate(code)
        return certificate_view(record, require_approved=self.approved_only) if record else None

    def badge(self, code: str):
        return self.cache.badge_user(code)


class OfflineMode:
    """The station's side of working offline; ``self`` is the ``StationWindow``.

    The queue and the cache (and the core's records they hold) are opened once the station is ready, or
    at once when the database is found unreachable before that: a station that starts online does not
    wait for them.
    """

    def _start_offline_mode(self) -> None:
        self._offline_store: tuple[OfflineQueue, StationCache] | None = None
        self._cache_ready = False  # known once the store is open
        self.waiting = 0
        self._sending = False
        self._cache_timer = QTimer(self, interval=CACHE_REFRESH_MS)
        self._cache_timer.timeout.connect(self._refresh_station_cache)
        self._cache_timer.start()
        self.database_back.connect(self._on_online)  # and once the station is ready (shell.py)

    def _open_offline_store(self) -> tuple[OfflineQueue, StationCache]:
        if self._offline_store is None:
            from app.offline_queue import OfflineQueue, queue_file
            from app.station_cache import StationCache, cache_file

            self._offline_store = OfflineQueue(queue_file(self.url)), StationCache(cache_file(self.url))
            self._cache_ready = self._cache_ready or StationCache.has_data(self._offline_store[1].path)
            self.waiting = self._offline_store[0].count_waiting()
        return self._offline_store

    @property
    def offline_queue(self) -> OfflineQueue:
        return self._open_offline_store()[0]

    @property
    def station_cache(self) -> StationCache:
        return self._open_offline_store()[1]

    def _stop_offline_mode(self) -> None:
        self._cache_timer.stop()

    def _offline_ready(self) -> bool:
        """Unreachable, and a cache to work from."""
        if self.outage_since is None:
            return False
        self._open_offline_store()
        return self._cache_ready

    def _offline_prompt(self) -> tuple[str, str] | None:
        if self._offline_ready():
            unreachable = self._unreachable().removesuffix(" — retrying")
            return OFFLINE.format(unreachable=unreachable, waiting=self.waiting), "outage"
        if self._sending:
            return f"Sending {self.waiting} attaches saved on this station…", "checking"
        return None

    # ---- while online: the cache and the queue ----------------------------------------------------------------

    def _on_online(self, *_args: object) -> None:
        self._refresh_station_cache()
        self._send_queue()

    def _refresh_station_cache(self) -> None:
        if self.outage_since is None and self._opened:
            from app.station_cache import refresh

            self.database.submit(refresh, self.station_cache, quiet=True,
                                 on_done=self._on_station_cache_refreshed, on_failed=self._on_cache_failed)

    def _on_station_cache_refreshed(self, count: int) -> None:
        self._cache_ready = True
        log.info("station cache refreshed: %d certificates", count)

    def _on_cache_failed(self, failure: Failure) -> None:
        log.warning("station cache not refreshed: %s", failure.message)

    def _remember_serial(self, serial: object) -> None:
        """A serial loaded while online is cached, so its card works offline."""
        if self.outage_since is None:
            self.database.submit(self.station_cache.remember_serial, serial, quiet=True,
                                 on_failed=self._on_cache_failed)

    def _send_queue(self) -> None:
        self.waiting = self.offline_queue.count_waiting()
        if self._sending or not self.waiting or self.outage_since is not None:
            return
        self._sending = True
        self._refresh()
        from app.offline_queue import send_waiting

        self.database.submit(send_waiting, self.offline_queue, on_done=self._on_queue_sent,
                             on_failed=self._on_queue_send_failed)

    def _on_queue_sent(self, sent: list[tuple[Queued, SendResult]]) -> None:
        self._sending = False
        self.waiting = self.offline_queue.count_waiting()
        held = [(q, r) for q, r in sent if r.outcome == "held"]
        landed = len(sent) - len(held)
        if held:
            first = held[0][1].problem or ""
            self._result("warning", f"Sent {len(sent)} attaches saved on this station: {landed} attached, {len(held)} "
                                    f"wait for a supervisor ({first})", "already")
        elif sent:
            self._result("attached", f"Sent {len(sent)} attaches saved on this station: all attached at the steps "
                                     "the operator saw", "attached")
        if self.serial is not None and any(q.item.serial_id == self.serial.id for q, _ in sent):
            self.database.submit(operations.load_serial, self.serial.id, on_done=self._load_serial)
        self._refresh()
        self.queue_sent.emit(landed, len(held))
        if self.waiting:
            self._send_queue()  # taken while this batch was on its way

    def _on_queue_send_failed(self, failure: Failure) -> None:
        self._sending = False
        self.waiting = self.offline_queue.count_waiting()
        if failure.lost:
            self._lose_database(failure.message)  # the rest waits; sent again after the next reconnect
            return
        log.error("sending the offline queue failed: %s", failure.message)
        self._result("refused", f"The attaches saved on this station could not be sent: {failure.message}", "refused")
        self._refresh()

    # ---- while offline: scans from the cache, attaches into the queue -----------------------------------------

    def _offline_scan(self, raw: str, stamp: float) -> None:
        classified = classify(read_scan(raw, self.settings.gs1_separator), _CacheLookup(self.station_cache))
        kind, code = classified.kind, classified.scan.code or classified.scan.shown.strip()
        if kind == "badge":
            self._offline_sign_in(classified.record)
        elif kind in ("refused", "unknown"):
            if classified.scan.refusal is None and self.page == "signin":
                message = (f"Cannot sign in offline with {code}: while the database is unreachable only a badge "
                           "without a PIN, as last known on this station, signs in")
            elif classified.scan.refusal is None:
                kind, message = "unreachable", NOT_SEEN.format(since=self.outage_since.strftime("%H:%M"), code=code)
            else:
                message = classified.message or "Cannot read this code"
            if self.page != "signin":
                self._unload(f"No serial loaded: {message}. Scan the part again.")
            self._result("refused", message, "refused")
            self.refused.emit(message)
        elif self.user is None:
            self._result("refused", f"Sign in first: scan your badge (that was {kind} {code})", "refused")
        elif kind == "serial":
            self._load_serial(self._with_queued(classified.record), stamp)
            self.banner.show_result("info", f"{code}: the card as last seen on this station (offline)")
        elif kind == "certificate":
            self._choose_certificate(classified.record, scanned=True)
        self._keep_focus()
        self.scan_handled.emit(kind)

    def _offline_sign_in(self, user: UserRecord) -> None:
        """A badge-only user, as last known on this station. The sign-in cannot be recorded now; what they
        queue carries how they signed in (``badge-offline``) into its entries when it is sent."""
        if self.station_cache.badge_and_pin():
            self._result("refused", "Cannot sign in offline: this plant signs in with badge and PIN", "refused")
            return
        begin_offline_session()
        self._start_session(user, "Signed in offline:", self._offline_list)
        self.signed_in.emit(user.id)

    def _with_queued(self, serial):
        """The card as last seen on this station, with what waits in its queue for the serial."""
        from app.offline_queue import with_queued

        names = {self.user.id: self.user.name} if self.user else {}
        return with_queued(serial, self.offline_queue.waiting(), self.station_cache.certificate, names)

    def _offline_list(self, text: str) -> None:
        self._listed_filter = text
        approved_only = self.station_cache.require_approved()
        views = [certificate_view(r, require_approved=approved_only) for r in self.station_cache.certificates(text)]
        self._on_certificates_found(views)

    def _offline_attach(self) -> None:
        """Into the local queue, never "Attached": the database decides when it is back."""
        serial, cert, user = self.serial, self.certificate, self.user
        current = serial.current_step
        if current is None:
            self._result("refused", "Serial is already completed, cannot attach cert", "refused")
            self.refused.emit("Serial is already completed, cannot attach cert")
            return
        step = current.step
        if any(a.attachment.cert_id == cert.id and not a.queued for a in current.attachments):
            self._result("already", f"Already attached: {cert.id} to {serial.id} at {step.name}, as last seen on this "
                                    "station. Nothing queued.", "already")
            self._after_attach(cert.id)
            return
        queued, new = self.offline_queue.enqueue(serial.id, cert.id, step.id, step.name, user.id,
                                                 self.settings.station_name, auth=session_method())
        self.waiting = self.offline_queue.count_waiting()
        self.serial = self._with_queued(self.station_cache.serial(serial.id) or serial)
        self.card.set_serial(self.serial)
        text = QUEUED.format(waiting=self.waiting, cert=cert.id, serial=serial.id, step=step.name)
        self._result("queued", text if new else "Already s" + text[1:], "already")
        self._after_attach(cert.id)
        self.queued.emit(serial.id, cert.id, step.id, self.waiting)
