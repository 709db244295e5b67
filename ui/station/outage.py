"""The database going away and coming back: the outage state, the reconnect, the attach whose answer was lost.

Every second the worker makes one round trip on its connection (``app.connection.ping``); a check
that fails with a lost connection, or that runs longer than NOT_ANSWERING_S (a cut network, a hung
share), puts the station in its outage state: the banner and a line under every tab say *Database
unreachable since 10:41 — retrying*, scans and attaches are refused at once with a sentence, and
every second the worker closes the dead connection and opens a new one (``app.connection.reconnect``).
The window never waits: the worker does, each wait bounded by the connection's timeouts.

An attach whose connection died after the request was sent may or may not have been committed.
The station then says it is checking, refuses another attach, and once the database answers reads
the attachment back (``app.attachments.find_attachment``): the operator sees what really happened.
Mixed into ``StationWindow`` (shell.py).
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QTimer, Slot

from app import connection
from ui import operations
from ui.operations import AttachOutcome
from ui.worker import Failure

log = logging.getLogger(__name__)

CONNECTION_TICK_MS = 250
HEARTBEAT_S = 1.0  # a round trip this often while the database answers
RETRY_S = 1.0  # a reconnect this often while it does not
NOT_ANSWERING_S = 1.0  # a check running longer than this: the network or the share is gone
UNREACHABLE = "Database unreachable since {since} — retrying"
CHECKING = "Checking whether the last attach was saved: {cert} to {serial}"


@dataclass(frozen=True)
class SentAttach:
    """An attach as the station sent it: what to read back if its answer is lost."""

    serial_id: str
    cert_id: str
    step_id: str  # the step the operator saw; the core attaches at the serial's current step
    user_id: str
    on_card: bool  # the card already showed this certificate at this step: an answer would be "already"


class ConnectionWatch:
    """The station's side of an outage; ``self`` is the ``StationWindow``."""

    def _start_connection_watch(self) -> None:
        self.outage_since: dt.datetime | None = None  # local time the database was found unreachable
        self.outage_reason = ""
        self._opened = False
        self._probe = 0  # the connection check the worker has not answered yet
        self._probe_reconnects = False  # it was sent during the outage: its answer means the database is back
        self._probed_at = 0.0
        self._unknown: SentAttach | None = None
        self._settling = False
        self._connection_timer = QTimer(self, interval=CONNECTION_TICK_MS)
        self._connection_timer.timeout.connect(self._on_connection_timer_timeout)
        self._connection_timer.start()

    def _stop_connection_watch(self) -> None:
        self._connection_timer.stop()

    @property
    def reachable(self) -> bool:
        return self.outage_since is None

    def _connection_prompt(self) -> tuple[str, str] | None:
        """What the banner stands on instead of the prompt, with its state; None when all is well."""
        if self._unknown is not None:
            text = CHECKING.format(cert=self._unknown.cert_id, serial=self._unknown.serial_id)
            return text + (" — " + self._unreachable() if self.outage_since else "…"), "checking"
        offline = self._offline_prompt()  # working offline, or sending what was queued (offline.py)
        if offline:
            return offline
        if self.outage_since is not None:
            return self._unreachable(), "outage"
        return None

    def _unreachable(self) -> str:
        return UNREACHABLE.format(since=self.outage_since.strftime("%H:%M") if self.outage_since else "")

    def _refusal_while_unreachable(self, what: str) -> str | None:
        """Why ``what`` (an attach, a scan) cannot be done now; None when it can."""
        if self._unknown is not None and what == "attach":
            return (f"Not attached: wait until the station knows whether {self._unknown.cert_id} was attached to "
                    f"{self._unknown.serial_id}")
        if self.outage_since is not None:
            since = self.outage_since.strftime("%H:%M")
            return (f"Not attached: the database is unreachable since {since}. Attach again when it is back"
                    if what == "attach" else
                    f"Not read: the database is unreachable since {since}. Scan again when it is back")
        return None

    # ---- checking and reconnecting --------------------------------------------------------------------------

    @Slot()
    def _on_connection_timer_timeout(self) -> None:
        if self._probe:
            running = self.database.running_for(self._probe)
            if running is not None and running > NOT_ANSWERING_S and self.outage_since is None:
                self._lose_database("The database does not answer.")
            return
        if not self._opened and self.outage_since is None:
            return  # the first open has not answered yet
        wait = HEARTBEAT_S if self._opened and self.outage_since is None else RETRY_S
        if time.monotonic() - self._probed_at < wait:
            return
        if not self._opened:
            check = partial(operations.open_database, self.url)  # unreachable when the station started
        elif self.outage_since is None:
            check = connection.ping
        else:
            check = connection.reconnect  # the worker closes the dead connection and opens a new one
        self._probed_at = time.monotonic()
        self._probe_reconnects = check is not connection.ping
        self._probe = self.database.submit(check, on_done=self._on_probe_done, on_failed=self._on_probe_failed,
                                           quiet=True)

    def _on_probe_done(self, opened: object) -> None:
        self._probe = 0
        if not self._opened and isinstance(opened, str):
            self._on_database_opened(opened)
        if self.outage_since is not None and self._probe_reconnects:
            # A heartbeat sent before the outage and answered after it proves nothing: the reconnect does.
            self._database_back()

    def _on_probe_failed(self, failure: Failure) -> None:
        self._probe = 0
        if failure.lost:
            self._lose_database(failure.message)
        elif not self._opened:
            # Reachable now, but refused (a schema too new…): said as at start, and no retry mends it.
            self._connection_timer.stop()
            self.outage_since = None
            self.outage_line.hide()
            self._on_database_failed(failure)
        else:
            log.warning("connection check failed: %s", failure.message)

    def _lose_database(self, why: str) -> None:
        """Say the database is unreachable, in the banner and under every tab, until a retry reaches it."""
        first = self.outage_since is None
        if first:
            self.outage_since = dt.datetime.now()
            self._probed_at = time.monotonic()
            log.warning("database unreachable: %s", why)
        self.outage_reason = why
        self.outage_line.setText(f"{self._unreachable()}. {why}")
        self.outage_line.show()
        self._refresh()
        if first:
            self.banner.clear_result()  # at once, over the last result still on display
            self.database_lost.emit(why)

    def _database_back(self) -> None:
        log.warning("database reachable again (unreachable since %s)", self.outage_since)
        self.outage_since = None
        self.outage_reason = ""
        self.outage_line.hide()
        self._settle_unknown_attach()
        self._refresh()
        self.database_back.emit()
        self._check_clock()

    # ---- an attach whose answer was lost ----------------------------------------------------------------------

    def _attach_answer_lost(self, sent: SentAttach, failure: Failure) -> None:
        """The connection died with the attach on its way: saved or not, only the database can say."""
        self._unknown = sent
        self.attach_unknown.emit(sent.serial_id, sent.cert_id)
        self._lose_database(failure.message)
        if self._probe == 0:
            self._probed_at = 0.0  # reconnect at the next tick: the server may well be there

    def _settle_unknown_attach(self) -> None:
        sent = self._unknown
        if sent is None or self._settling:
            return
        self._settling = True
        self.database.submit(operations.find_attach, sent.serial_id, sent.cert_id, sent.step_id,
                             on_done=partial(self._on_attach_settled, sent),
                             on_failed=partial(self._on_settle_failed, sent))

    def _on_attach_settled(self, sent: SentAttach, outcome: AttachOutcome | None) -> None:
        self._settling = False
        self._unknown = None
        if outcome is None:
            self._result("refused", f"Not attached — scan again: {sent.cert_id} to {sent.serial_id} was not saved "
                                    f"when the connection dropped", "refused")
        else:
            record, result = outcome.result.attachment, outcome.result
            if sent.on_card:
                self._result("already", f"Already attached: {record.cert_id} to {record.serial_id} at "
                                        f"{result.step_name}. Nothing new written.", "already")
            else:
                self._result("attached", f"Attached {record.cert_id} ({outcome.certificate.name}) to "
                                         f"{record.serial_id} at {result.step_name} (saved before the connection "
                                         f"dropped)", "attached")
            if self.serial is not None and self.serial.id == outcome.serial.id:
                self._load_serial(outcome.serial)
        self._refresh()
        self.attach_settled.emit(sent.serial_id, sent.cert_id, outcome is not None)

    def _on_settle_failed(self, sent: SentAttach, failure: Failure) -> None:
        self._settling = False
        if failure.lost:
            self._lose_database(failure.message)  # still unknown: read back after the next reconnect
            return
        self._unknown = None
        self._result("refused", failure.message, "refused")
        self._refresh()
        self.attach_settled.emit(sent.serial_id, sent.cert_id, False)
