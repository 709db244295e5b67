"""The offline station, as one story on a real PostgreSQL that the test stops and starts (pg_ctl).

Why it is built this way:

- **kill -9 needs a process of its own.** The first half of the offline work is done by the real station
  running in a child process (tests/helpers/offline_station.py: the same ``StationWindow``, off-screen, fed
  scans through ``StationWindow.scan`` as a serial-port scanner feeds it); the test kills it with SIGKILL
  right after it reported its 25th queued attach. The second half is the station started again in this
  process, driven with pytest-qt from the keyboard: it starts with the database still unreachable, from
  its cache, and must show the 25 attaches the killed one saved.
- **"Another station" advances a serial while this station's outage lasts.** Between the kill and the
  restart the server is started for a moment, the test advances SN-00010 through app/ on its own
  connection (as another workstation on the same database would), and stops the server again. The killed
  station had queued an attach for SN-00010 at the step it saw (Saw); the station started again does not
  know of the move (its cache still says Saw) and never reaches the database until the end. So when the
  queue is finally sent, the rule is really put to the test: SN-00010 no longer stands where the operator
  saw it, and its attach must be held for a supervisor, not put on Mill.

Then the server is started for good: the station reconnects by itself and sends the 50 in order. Exactly 49
attachments land at the steps the operator saw, 1 waits for a supervisor, nothing is doubled (sending the
whole queue again writes nothing), ``verify`` passes, and each entry carries its scan time and the station.
"""
from __future__ import annotations

import datetime as dt
import os
import queue as queues
import signal
import subprocess
import sys
import threading

import pytest

from app import audit, certificates, integrity, queued_attach, serials
from app import db as app_db
from app.models import AuditEntry, CertAttachment, Certificate, QueuedAttach
from app.offline_queue import OfflineQueue, queue_file
from tests.helpers.plant import TODAY, build_plant
from tests.helpers.postgres import Cluster
from tests.helpers.workers import REPO
from tests.ui.conftest import TIMEOUT, Operator
from ui.settings import StationSettings
from ui.station import StationWindow

STATION = "Line 3 – Saw"
CERTS = ["cert_mat01", "cert_insp01", "cert_x01", "cert_x02", "cert_x03", "cert_x04"]
MOVED = "SN-00010"  # advanced by another station while this one is offline
# The killed station: SN-00010's one attach, then six certificates on each of SN-00001..4 (25 in all).
FIRST = [(MOVED, "cert_mat01")] + [(f"SN-{n:05d}", c) for n in range(1, 5) for c in CERTS]
# The station started again: five certificates on each of SN-00005..9 (25).
SECOND = [(f"SN-{n:05d}", c) for n in range(5, 10) for c in CERTS[:5]]


@pytest.fixture(scope="module")
def own_cluster():
    """A server of this module's own, so stopping it stops no other test's database."""
    cluster = Cluster()
    if not cluster.available:
        pytest.skip("PostgreSQL is not installed (no initdb/pg_ctl); .ci/run installs it")
    cluster.start()
    yield cluster
    cluster.stop()


def make_plant(url: str) -> None:
    app_db.open_database(url)
    try:
        build_plant()
        serials.create_serials("JOB-1", 10, "admin")
        for n in range(1, 5):
            certificates.create_certificate({"id": f"cert_x{n:02d}", "name": f"Process record {n}", "kind": "PROCESS",
                                             "date_release": TODAY - dt.timedelta(days=3)}, "admin")
    finally:
        app_db.close_database()


class Child:
    """The station process, its output lines read by a thread so a wait never blocks past its timeout."""

    def __init__(self, url: str, log_path):
        self.log = open(log_path, "w")  # its log and Qt's messages, read only if it fails
        self.process = start_child(url, self.log)
        self.lines: queues.Queue[str | None] = queues.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        self.reader.join(10)
        self.process.stdout.close()
        self.log.close()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def read_until(self, wanted: str, timeout: float = 180) -> None:  # a loaded CI machine starts Qt slowly
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queues.Empty:
                raise AssertionError(f"no {wanted!r} from the station process within {timeout} s: "
                                     f"{self.seen[-20:]}") from None
            if line is None:
                raise AssertionError(f"the station process ended: {self.seen[-20:]}")
            self.seen.append(line)
            if line.startswith(wanted):
                return


def start_child(url: str, log) -> subprocess.Popen:
    codes = ["@opened", "B-OP2", *[f"SN-{n:05d}" for n in range(1, 11)], "@cached", "@offline"]
    for serial_id, cert_id in FIRST:
        codes += [serial_id, cert_id]
    return subprocess.Popen([sys.executable, "-m", "tests.helpers.offline_station", url, STATION, *codes],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=log, text=True,
                            env=os.environ | {"QT_QPA_PLATFORM": "offscreen"})


@pytest.mark.postgres
def test_offline_story_fifty_attaches_kill_nine_a_moved_serial_and_the_database_back(qtbot, own_cluster, tmp_path):
    url = own_cluster.create_database()
    make_plant(url)
    queue = OfflineQueue(queue_file(url))

    # 1. The station online: the operator's badge and the ten serials seen, so its cache knows them.
    station = Child(url, tmp_path / "station.log")
    child = station.process
    try:
        station.read_until("reached @cached")
        own_cluster.pause()  # the database goes away
        for _ in FIRST:
            station.read_until("queued")
        # 2. kill -9 the station with 25 attaches saved on it and none sent.
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        station.close()
    assert child.returncode == -signal.SIGKILL
    seen = station.seen
    queued_lines = [line.split() for line in seen if line.startswith("queued ")]
    assert [(q[1], q[2], q[3]) for q in queued_lines] == [(s, c, "step_001") for s, c in FIRST]
    assert [int(q[-1]) for q in queued_lines] == list(range(1, 26))
    results = [line for line in seen if line.startswith("result ")]
    assert not [r for r in results if r.startswith("result attached")]  # never green while offline
    assert sum(r.startswith("result queued Saved on this station — not yet sent") for r in results) == 25
    assert [q.item.serial_id for q in queue.waiting()] == [s for s, _ in FIRST]

    # 3. Another station advances SN-00010 while this one is away (the server up for a moment, then down).
    own_cluster.resume()
    app_db.open_database(url)
    try:
        serials.advance_serial(MOVED, "sup1", reason="Sawn on line 2")
    finally:
        app_db.close_database()
    own_cluster.pause()

    # 4. The station started again, the database still unreachable: offline from its cache, 25 waiting.
    window = StationWindow(url, StationSettings(sounds=False, idle_sign_out_minutes=0, result_seconds=2,
                                                station_name=STATION))
    qtbot.addWidget(window)
    states: list[str] = []
    window.result_shown.connect(lambda state, _text: states.append(state))
    try:
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        window.scan_field.setFocus()
        qtbot.waitUntil(window._offline_ready, timeout=15_000)
        assert window.banner.state == "outage" and "25 saved on this station" in window.banner.text()
        operator = Operator(qtbot, window)
        operator.scan("B-OP2", window.signed_in)  # a badge-only operator, as last known on this station
        # A serial this station never saw cannot be checked offline: said, nothing loaded, nothing queued.
        operator.scan("SN-00011", window.scan_handled)
        assert "SN-00011 has not been seen on this station: it cannot be checked offline" in window.banner.text()
        assert window.serial is None
        operator.scan("SN-00005", window.serial_loaded)
        operator.scan("cert_rev", window.refused)  # revoked, as last known: refused offline too
        assert window.certificate is None
        for number, (serial_id, cert_id) in enumerate(SECOND, start=26):
            if window.serial is None or window.serial.id != serial_id:
                operator.scan(serial_id, window.serial_loaded)
            operator.scan(cert_id, window.certificate_chosen)
            args = operator.enter(window.queued)
            assert args == [serial_id, cert_id, "step_001", number]
            assert window.banner.state == "queued"
            assert window.banner.text() == (f"Saved on this station — not yet sent, {number} waiting: {cert_id} to "
                                            f"{serial_id} at Saw")
        assert "attached" not in states
        assert queue.count_waiting() == 50
        # The card shows what waits for the serial on screen at the step the operator saw, as saved here, not
        # as attached: the step still needs its kinds until the database has them.
        on_card = window.card.serial.steps[0]
        assert [a.attachment.cert_id for a in on_card.attachments if a.queued] == [
            c for s, c in SECOND if s == window.serial.id]
        assert not [a for a in on_card.attachments if not a.queued] and on_card.missing_kinds == ["MATERIAL"]
        drawn = window.card.strip.texts(0)
        certs = [i for i, text in enumerate(drawn) if text.startswith("cert_")]
        assert all(drawn[i + 1] == "Saved here — not yet sent" for i in certs)  # none drawn as attached
        assert certs or "5 saved here, not yet sent: tap" in drawn

        # 5. The database back: the station reconnects by itself and sends the queue, in order.
        with qtbot.waitSignal(window.queue_sent, timeout=60_000) as sent:
            own_cluster.resume()
        assert sent.args == [49, 1]
        assert window.banner.state == "warning" and "49 attached, 1 wait for a supervisor" in window.banner.text()
        assert queue.count_waiting() == 0
        # Read again from the database once sent: attached now, nothing shown as waiting.
        qtbot.waitUntil(lambda: not [a for s in window.card.serial.steps for a in s.attachments if a.queued],
                        timeout=TIMEOUT)
        assert len(window.card.serial.steps[0].attachments) == 5
    finally:
        window.shutdown()

    # What the database holds.
    app_db.open_database(url)
    try:
        rows = list(CertAttachment.select().order_by(CertAttachment.attached_at, CertAttachment.id))
        assert len(rows) == 49
        landed = {(a.serial_id, a.cert_id, a.step_id) for a in rows}
        assert landed == {(s, c, "step_001") for s, c in FIRST[1:] + SECOND}  # the step the operator saw
        assert all(a.attached_by_id == "op2" for a in rows)
        assert not CertAttachment.select().where(CertAttachment.serial == MOVED).exists()
        held = queued_attach.held()
        assert [(h.serial_id, h.cert_id, h.step_seen, h.step_now, h.user_id, h.station) for h in held] == [
            (MOVED, "cert_mat01", "step_001", "step_002", "op2", STATION)]
        # The audit entries: scan time and station beside the commit time, one per queue id, in queue order.
        items = {q.item.queue_id: q.item for q in queue.sent()}
        entries = list(AuditEntry.select().where(AuditEntry.type == "cert_attached").order_by(AuditEntry.seq))
        assert len(entries) == 49
        assert [e.details["queueId"] for e in entries] == [q.item.queue_id for q in queue.sent()
                                                          if q.item.serial_id != MOVED]
        for entry in entries:
            item = items[entry.details["queueId"]]
            assert (entry.scanned_at, entry.station, entry.user_id) == (item.scanned_at, STATION, "op2")
            # How op2 had signed in when scanning (online before the outage, offline after the restart), not how
            # the station stood when it sent them.
            assert entry.auth == ("badge" if (item.serial_id, item.cert_id) in FIRST else "badge-offline")
            assert entry.at.isoformat(timespec="milliseconds") + "Z" > entry.scanned_at  # committed after the scan
        assert QueuedAttach.select().count() == 50
        # Sending the whole queue again (a station killed before it marked them sent) writes nothing.
        again = [queued_attach.send(item) for item in items.values()]
        assert all(r.repeated for r in again) and CertAttachment.select().count() == 49
        report = integrity.verify(quick=True)
        assert report.ok, report.problems
        assert audit.verify().ok
    finally:
        app_db.close_database()


def test_needs_a_supervisor_view_lists_held_attaches_and_resolves_them_with_a_reason(qtbot, tmp_path):
    """The office view on SQLite: held items, a refusal without a reason, a choice that follows its item when the
    list is read again, an attach and a dismissal."""
    from app.offline_queue import OfflineQueue as Queue
    from ui.office.needs_supervisor import NeedsSupervisorView
    from ui.worker import DatabaseWorker
    from app.users import get_user
    from ui.office.common import local_time

    url = str(tmp_path / "office.sqlite3")
    make_plant(url)
    local = Queue(tmp_path / "q.sqlite3")
    app_db.open_database(url)
    try:
        items = [local.enqueue("SN-00001", c, "step_001", "Saw", "op2", STATION, f"2026-01-05T10:41:0{n}.000Z")[0].item
                 for n, c in enumerate(("cert_mat01", "cert_insp01"))]
        serials.advance_serial("SN-00001", "sup1", reason="Sawn elsewhere")
        assert [queued_attach.send(i).outcome for i in items] == ["held", "held"]
        supervisor = get_user("sup1")
        cert, operator_name = Certificate.get_by_id("cert_mat01"), get_user("op2").name
    finally:
        app_db.close_database()
    worker = DatabaseWorker(url)
    try:
        worker.submit(app_db.open_database, url)
        with qtbot.waitSignal(worker.busy_changed, timeout=TIMEOUT, check_params_cb=lambda busy: not busy):
            view = NeedsSupervisorView(worker, supervisor)
            qtbot.addWidget(view)
        qtbot.waitUntil(lambda: view.table.rowCount() == 2, timeout=TIMEOUT)
        # In people's words: the certificate's number and name, the steps' and the operator's names, local time.
        assert [view.table.item(0, c).text() for c in range(5)] == [
            "SN-00001", f"{cert.number}\n{cert.name}", "Saw\nMill",
            f"{local_time(dt.datetime(2026, 1, 5, 10, 41, 0))}\n{operator_name}, at {STATION}",
            "It had moved on to Mill"]
        assert view.count.text() == "2 attaches wait for a supervisor"
        with qtbot.waitSignal(view.refused, timeout=TIMEOUT) as said:
            view.attach_button.click()
        assert said.args[0] == "A reason is required to attach a held attach"
        # The supervisor chooses the second; another station's held attach, scanned earlier, arrives and is
        # listed first: the choice stays on the item chosen, not on the row.
        view.table.selectRow(1)
        assert view.chosen().cert_id == "cert_insp01"
        earlier = local.enqueue("SN-00001", "cert_soon", "step_001", "Saw", "op2", STATION,
                                "2026-01-05T10:40:59.000Z")[0].item
        with qtbot.waitSignal(view.loaded, timeout=TIMEOUT):
            worker.submit(queued_attach.send, earlier, on_done=lambda _result: view.refresh())
        assert view.table.rowCount() == 3 and view.chosen().cert_id == "cert_insp01"
        qtbot.keyClicks(view.reason, "Checked the part: it belongs at Mill")
        with qtbot.waitSignal(view.loaded, timeout=TIMEOUT):
            with qtbot.waitSignal(view.resolved, timeout=TIMEOUT) as resolved:
                view.attach_button.click()
                assert not view.dismiss_button.isEnabled()  # one answer at a time
        assert resolved.args == [items[1].queue_id, "attach"]
        assert view.table.rowCount() == 2 and view.dismiss_button.isEnabled()
        qtbot.keyClicks(view.reason, "Scanned by mistake")
        with qtbot.waitSignal(view.loaded, timeout=TIMEOUT):
            view.dismiss_button.click()
        assert view.table.rowCount() == 1
    finally:
        worker.stop()
    app_db.open_database(url)
    try:
        rows = [(a.serial_id, a.cert_id, a.step_id, a.attached_by_id) for a in CertAttachment.select()]
        assert rows == [("SN-00001", "cert_insp01", "step_002", "sup1")]
        resolved = (QueuedAttach.select().where(QueuedAttach.resolution.is_null(False))
                    .order_by(QueuedAttach.resolved_at))
        assert [(q.cert_id, q.resolution, q.resolved_by) for q in resolved] == [
            ("cert_insp01", "attached", "sup1"), ("cert_soon", "dismissed", "sup1")]
        assert integrity.verify(quick=True).ok
    finally:
        app_db.close_database()
