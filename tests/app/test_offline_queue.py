"""The offline station's core: the local queue, the queued-attach rule (attached where the operator saw the
serial, else held for a supervisor; idempotent on the queue id), the supervisor's resolution, the cache."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from app import attachments, audit, integrity, queued_attach, serials
from app.certificates import revoke_certificate
from app.errors import Forbidden, Invalid, NotFound
from app.models import AuditEntry, CertAttachment, QueuedAttach
from app.offline_queue import OfflineQueue
from app.queued_attach import QueuedItem
from app.station_cache import StationCache, refresh


@pytest.fixture
def three(plant):
    serials.create_serials("JOB-1", 3, "admin")
    return ["SN-00001", "SN-00002", "SN-00003"]


def item(queue: OfflineQueue, serial: str, cert: str, step: str = "step_001", user: str = "op2"):
    queued, new = queue.enqueue(serial, cert, step, "Saw", user, "Line 3 – Saw", "2026-01-05T10:41:07.250Z")
    return queued.item


def test_queue_keeps_order_once_per_attach_and_survives_a_kill(tmp_path):
    path = tmp_path / "queue.sqlite3"
    queue = OfflineQueue(path)
    first, new = queue.enqueue("SN-00001", "cert_mat01", "step_001", "Saw", "op2", "Line 3")
    again, new_again = queue.enqueue("SN-00001", "cert_mat01", "step_001", "Saw", "op2", "Line 3")
    assert new and not new_again and again.item.queue_id == first.item.queue_id
    # Another process queues and is killed (SIGKILL) right after: what it was told is saved is there.
    code = textwrap.dedent(f"""
        import os, signal
        from app.offline_queue import OfflineQueue
        q = OfflineQueue({str(path)!r})
        q.enqueue("SN-00002", "cert_insp01", "step_001", "Saw", "op2", "Line 3")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=os.getcwd())
    assert done.returncode == -9
    waiting = OfflineQueue(path).waiting()
    assert [(q.item.serial_id, q.item.cert_id) for q in waiting] == [("SN-00001", "cert_mat01"),
                                                                        ("SN-00002", "cert_insp01")]
    assert len({q.item.queue_id for q in waiting}) == 2 and all(len(q.item.queue_id) == 32 for q in waiting)
    queue.mark_sent(first.item.queue_id, "attached")
    assert queue.count_waiting() == 1 and [q.outcome for q in queue.sent()] == ["attached"]
    assert queue.enqueue("SN-00001", "cert_mat01", "step_001", "Saw", "op2", "Line 3")[1]  # sent: a new scan queues


def test_sent_where_the_operator_saw_it_attaches_with_scan_time_and_station(three, tmp_path):
    queue = OfflineQueue(tmp_path / "q.sqlite3")
    queued = item(queue, "SN-00001", "cert_mat01")
    result = queued_attach.send(queued)
    assert (result.outcome, result.repeated, result.step_now) == ("attached", False, "step_001")
    row = CertAttachment.get(CertAttachment.id == result.attachment_id)
    assert (row.serial_id, row.cert_id, row.step_id, row.attached_by_id) == ("SN-00001", "cert_mat01", "step_001",
                                                                             "op2")
    entry = AuditEntry.get((AuditEntry.type == "cert_attached") & (AuditEntry.record_id == row.id))
    assert (entry.scanned_at, entry.station) == ("2026-01-05T10:41:07.250Z", "Line 3 – Saw")
    assert entry.details["queueId"] == queued.queue_id and entry.at == row.attached_at
    # Sent again (its answer lost, or the station killed before it marked it sent): nothing new.
    again = queued_attach.send(queued)
    assert again.repeated and again.outcome == "attached" and again.attachment_id == result.attachment_id
    assert CertAttachment.select().count() == 1
    assert integrity.verify(quick=True).ok, integrity.verify(quick=True).problems
    # The seal covers the new fields: changing the scan time behind Certline's back breaks the chain.
    row_dict = AuditEntry.select().where(AuditEntry.seq == entry.seq).dicts().get()
    assert audit.entry_hash(row_dict["prev_hash"], row_dict | {"scanned_at": "2026-01-05T09:00:00.000Z"}) != entry.hash


def test_the_entries_say_how_the_operator_signed_in_not_how_the_sender_did(three, tmp_path, monkeypatch):
    """Sent later, while someone else is signed in at the station by badge and PIN: each entry says how the
    operator who scanned had signed in (offline, by badge), the held one too; an item of a queue written before
    items carried it says nothing rather than the sender's method."""
    import sqlite3

    monkeypatch.setattr(audit, "_auth", (None, None))
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as conn:  # the queue's table as it was before the sign-in method
        conn.execute("CREATE TABLE queued (seq INTEGER PRIMARY KEY AUTOINCREMENT, queue_id TEXT NOT NULL UNIQUE, "
                     "serial_id TEXT NOT NULL, cert_id TEXT NOT NULL, step_id TEXT NOT NULL, step_name TEXT NOT NULL, "
                     "user_id TEXT NOT NULL, scanned_at TEXT NOT NULL, station TEXT NOT NULL, sent_at TEXT, "
                     "outcome TEXT, problem TEXT)")
        conn.execute("INSERT INTO queued (queue_id, serial_id, cert_id, step_id, step_name, user_id, scanned_at, "
                     "station) VALUES (?, 'SN-00003', 'cert_mat01', 'step_001', 'Saw', 'op2', "
                     "'2026-01-05T10:40:00.000Z', 'Line 3')", ("ab" * 16,))
    queue = OfflineQueue(tmp_path / "q.sqlite3")
    offline, _ = queue.enqueue("SN-00001", "cert_mat01", "step_001", "Saw", "op2", "Line 3", auth="badge-offline")
    moved, _ = queue.enqueue("SN-00002", "cert_mat01", "step_001", "Saw", "op2", "Line 3", auth="badge-offline")
    serials.advance_serial("SN-00002", "admin", reason="Sawn on the other line")
    audit.set_auth("badge+PIN")  # the supervisor now signed in at the station
    sent = [queued_attach.send(q.item) for q in queue.waiting() + OfflineQueue(old).waiting()]
    assert [r.outcome for r in sent] == ["attached", "held", "attached"]
    by_queue_id = {e.details["queueId"]: e for e in AuditEntry.select().where(
        AuditEntry.type.in_(("cert_attached", "queued_attach_held")))}
    assert by_queue_id[offline.item.queue_id].auth == "badge-offline"
    assert by_queue_id[moved.item.queue_id].auth == "badge-offline"
    assert by_queue_id["ab" * 16].auth is None
    assert audit.current_auth() == "badge+PIN"  # the station's own session is as it was
    with pytest.raises(Invalid, match="Sign-in method"):
        queued_attach.send(QueuedItem("cd" * 16, "SN-00003", "cert_insp01", "step_001", "op2",
                                      "2026-01-05T10:40:00.000Z", "Line 3", auth="superuser"))


def test_serial_moved_on_is_held_for_a_supervisor_and_nothing_attached(three, tmp_path):
    queue = OfflineQueue(tmp_path / "q.sqlite3")
    queued = item(queue, "SN-00002", "cert_mat01")
    attachments.attach("SN-00002", "cert_mat01", "op1")  # another station: attached at Saw, then moved on
    serials.advance_serial("SN-00002", "sup1")
    before = CertAttachment.select().count()
    late = item(queue, "SN-00002", "cert_insp01")
    result = queued_attach.send(late)
    assert (result.outcome, result.step_seen, result.step_now) == ("held", "step_001", "step_002")
    assert "It had moved on to Mill" in result.problem
    assert CertAttachment.select().count() == before
    assert queued_attach.send(late).repeated and CertAttachment.select().count() == before
    held = queued_attach.held()
    assert [(h.serial_id, h.cert_id, h.step_seen_name, h.step_now_name, h.user_name, h.station, h.scanned_at)
            for h in held] == [("SN-00002", "cert_insp01", "Saw", "Mill", "Otto Operator", "Line 3 – Saw",
                                "2026-01-05T10:41:07.250Z")]
    entry = AuditEntry.get(AuditEntry.type == "queued_attach_held")
    assert (entry.step_id, entry.details["stepNow"], entry.station) == ("step_001", "step_002", "Line 3 – Saw")
    # Already attached at the seen step (another station did it): the one attachment, nothing written.
    assert queued_attach.send(queued).outcome == "held"  # moved on too: held, though the attachment exists
    assert integrity.verify(quick=True).ok


def test_refused_by_the_rule_is_held_with_its_message(three, tmp_path):
    queue = OfflineQueue(tmp_path / "q.sqlite3")
    queued = item(queue, "SN-00003", "cert_insp01")
    revoke_certificate("cert_insp01", "admin", "Withdrawn")
    result = queued_attach.send(queued)
    assert result.outcome == "held" and result.problem == "Certificate cert_insp01 is revoked, cannot attach"
    with pytest.raises(Invalid):
        queued_attach.send(QueuedItem("not-a-uuid", "SN-00003", "cert_mat01", "step_001", "op2",
                                      "2026-01-05T10:41:07.250Z", "Line 3"))


def test_supervisor_resolves_held_items_attach_or_dismiss_with_a_reason(three, tmp_path):
    queue = OfflineQueue(tmp_path / "q.sqlite3")
    a, b = item(queue, "SN-00001", "cert_mat01"), item(queue, "SN-00001", "cert_insp01")
    serials.advance_serial("SN-00001", "sup1", reason="test")
    assert [queued_attach.send(x).outcome for x in (a, b)] == ["held", "held"]
    with pytest.raises(Forbidden):
        queued_attach.resolve(a.queue_id, "attach", "op1", "It is at Mill")
    with pytest.raises(Invalid):
        queued_attach.resolve(a.queue_id, "attach", "sup1", "  ")
    with pytest.raises(NotFound):
        queued_attach.resolve("0" * 32, "dismiss", "sup1", "x")
    done = queued_attach.resolve(a.queue_id, "attach", "sup1", "Checked the part: the report belongs at Mill")
    attached = CertAttachment.get(CertAttachment.id == done.attachment_id)
    assert (attached.step_id, attached.attached_by_id) == ("step_002", "sup1")
    entry = AuditEntry.get((AuditEntry.type == "cert_attached") & (AuditEntry.record_id == attached.id))
    assert entry.reason.startswith("Checked the part") and entry.station == "Line 3 – Saw"
    queued_attach.resolve(b.queue_id, "dismiss", "sup1", "Scanned by mistake")
    with pytest.raises(Invalid):
        queued_attach.resolve(b.queue_id, "attach", "sup1", "again")
    assert queued_attach.held() == []
    decisions = [e.details["decision"] for e in AuditEntry.select().where(AuditEntry.type == "queued_attach_resolved")
                 .order_by(AuditEntry.seq)]
    assert decisions == ["attach", "dismiss"]
    assert QueuedAttach.get(QueuedAttach.queue_id == b.queue_id).resolution == "dismissed"
    assert integrity.verify(quick=True).ok


def test_cache_keeps_serials_certificates_and_badge_users(three, tmp_path):
    cache = StationCache(tmp_path / "cache.sqlite3")
    assert not StationCache.has_data(cache.path)
    attachments.attach("SN-00001", "cert_mat01", "op1")
    assert refresh(cache) == 5
    cache.remember_serial(serials.get_serial("SN-00001"))
    assert StationCache.has_data(cache.path)
    assert cache.serial("SN-00001") == serials.get_serial("SN-00001")
    # Stored as named fields, the form caches written by earlier versions hold, so both read back.
    with sqlite3.connect(cache.path) as raw:
        body = json.loads(raw.execute("SELECT body FROM serial WHERE id = 'SN-00001'").fetchone()[0])
    stored = [a["attachment"] for step in body["steps"] for a in step["attachments"]]
    assert [(a["cert_id"], a["attached_by"]) for a in stored] == [("cert_mat01", "op1")]
    assert cache.serial("SN-00002") is None
    assert cache.certificate("HT-4711").id == "cert_mat01"
    assert cache.certificate("cert_rev").status == "revoked"
    assert cache.certificate("cert_old").date_expire is not None
    assert cache.badge_user("B-OP2").id == "op2" and cache.badge_user("B-OP1") is None  # op1 has a PIN
    assert not cache.require_approved()
    assert [c.id for c in cache.certificates("Welder")] == ["cert_soon"]


def test_the_offline_card_adds_what_waits_at_the_step_seen_never_as_attached(three, tmp_path):
    from app.certificates import get_certificate
    from app.offline_queue import with_queued

    queue = OfflineQueue(tmp_path / "q.sqlite3")
    item(queue, "SN-00001", "cert_mat01")
    item(queue, "SN-00002", "cert_insp01")  # another serial's: not on this card
    card = with_queued(serials.get_serial("SN-00001"), queue.waiting(), get_certificate, {"op2": "Olga"})
    saw = card.steps[0]
    assert [(a.attachment.cert_id, a.cert_kind, a.attached_by_name, a.queued) for a in saw.attachments] == [
        ("cert_mat01", "MATERIAL", "Olga", True)]
    assert saw.missing_kinds == ["MATERIAL"]  # still needed until the database holds it
    assert [s.attachments for s in card.steps[1:]] == [[], []]
    assert with_queued(serials.get_serial("SN-00003"), queue.waiting(), get_certificate, {}) == \
        serials.get_serial("SN-00003")
