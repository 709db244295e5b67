"""What changed since a mark: ``since`` on the bound database, and the feed that watches on its own connection."""
from __future__ import annotations

import threading
import time

import pytest

from app import attachments, audit, changes, serials
from app import db as app_db
from app.changes import Change, ChangeFeed

POSTGRES_ONLY = [pytest.param("postgres", marks=pytest.mark.postgres)]


def collect(feed: ChangeFeed, count: int, within: float = 10.0) -> list[Change]:
    """Wait on the feed until ``count`` changes came or ``within`` seconds passed; what came."""
    found: list[Change] = []
    deadline = time.monotonic() + within
    while len(found) < count and time.monotonic() < deadline:
        found += feed.wait(0.2)
    return found


def test_since_names_each_committed_change_after_the_mark_in_order(plant):
    serials.create_serials("JOB-1", 2, "admin")
    mark = changes.head()
    assert changes.since(mark) == []

    attachments.attach("SN-00001", "cert_mat01", "op1")
    serials.advance_serial("SN-00002", "op1", reason="Material follows")
    attachments.attach("SN-00001", "cert_mat01", "op1")  # already attached: nothing written, no change

    found = changes.since(mark)
    assert [(c.seq, c.type, c.serial_id, c.cert_id, c.job_id, c.user_id) for c in found] == [
        (mark + 1, "cert_attached", "SN-00001", "cert_mat01", "JOB-1", "op1"),
        (mark + 2, "serial_advanced", "SN-00002", None, "JOB-1", "op1"),
    ]
    assert changes.head() == mark + 2
    assert changes.since(mark + 1) == found[1:]
    assert changes.since(changes.head()) == []


def test_since_is_bounded_and_pages_on_from_the_last_seq_read(plant):
    mark = changes.head()
    serials.create_serials("JOB-1", 30, "admin", cert_id="cert_mat01")  # 30 serials and 30 attachments: 60 entries
    first = changes.since(mark, limit=25)
    assert len(first) == 25 and [c.seq for c in first] == list(range(mark + 1, mark + 26))
    rest = changes.since(first[-1].seq, limit=1000)
    assert len(rest) == 35 and rest[-1].seq == changes.head()
    assert {c.type for c in first + rest} == {"serial_created", "cert_attached"}


def test_the_feed_hears_another_connections_commit_and_nothing_before_its_mark(plant, db_url):
    serials.create_serials("JOB-1", 1, "admin")
    feed = ChangeFeed(db_url, poll_seconds=0.1)
    try:
        mark = feed.open()
        assert mark == changes.head()
        assert collect(feed, 1, within=0.5) == []  # what came before the mark is not news

        attachments.attach("SN-00001", "cert_mat01", "op1")  # the test's own connection, not the feed's

        found = collect(feed, 1)
        assert [(c.seq, c.type, c.serial_id, c.cert_id) for c in found] == [
            (mark + 1, "cert_attached", "SN-00001", "cert_mat01")]
        assert feed.mark == mark + 1
    finally:
        feed.close()


def test_a_reconnected_feed_reads_what_it_missed_while_away(plant, db_url):
    serials.create_serials("JOB-1", 2, "admin")
    feed = ChangeFeed(db_url, poll_seconds=0.1)
    try:
        mark = feed.open()
        feed.close_connection()  # as when the network drops
        attachments.attach("SN-00001", "cert_mat01", "op1")
        attachments.attach("SN-00002", "cert_mat01", "op1")

        found = collect(feed, 2)  # the next wait connects again and reads since the mark

        assert [c.serial_id for c in found] == ["SN-00001", "SN-00002"]
        assert [c.seq for c in found] == [mark + 1, mark + 2]
    finally:
        feed.close()


def test_watch_delivers_batches_until_stopped_and_stop_wakes_it(plant, db_url):
    serials.create_serials("JOB-1", 1, "admin")
    feed = ChangeFeed(db_url, poll_seconds=60)  # a long wait: only a change or stop() ends it
    feed.open()
    batches: list[list[Change]] = []
    thread = threading.Thread(target=changes.watch, args=(feed, batches.append))
    thread.start()
    try:
        attachments.attach("SN-00001", "cert_mat01", "op1")
        if not app_db.is_sqlite():  # SQLite looks once a poll (60 s here); PostgreSQL is told
            deadline = time.monotonic() + 10
            while not batches and time.monotonic() < deadline:
                time.sleep(0.02)
            assert [c.type for batch in batches for c in batch] == ["cert_attached"]
    finally:
        feed.stop()
        thread.join(5)
    assert not thread.is_alive()


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_postgres_notifies_a_committed_change_and_nothing_of_a_rolled_back_one(plant, db_url):
    serials.create_serials("JOB-1", 1, "admin")
    feed = ChangeFeed(db_url, poll_seconds=0.1)
    try:
        mark = feed.open()
        assert feed.wait(0.1) == []  # the catch-up read after connecting

        with pytest.raises(RuntimeError):
            with app_db.write_transaction():
                audit.record("serial_advanced", "op1", serial_id="SN-00001", job_id="JOB-1")
                raise RuntimeError("the change fails after its entry was written")
        assert changes.head() == mark
        assert collect(feed, 1, within=1.0) == []  # its notice went with the transaction

        with app_db.write_transaction():
            audit.record("serial_advanced", "op1", serial_id="SN-00001", job_id="JOB-1")
        found = collect(feed, 1)
        assert [(c.seq, c.type, c.serial_id, c.job_id, c.user_id) for c in found] == [
            (mark + 1, "serial_advanced", "SN-00001", "JOB-1", "op1")]
    finally:
        feed.close()


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_postgres_notice_carries_the_change_without_a_read(plant, db_url):
    import psycopg

    serials.create_serials("JOB-1", 1, "admin")
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute(f"LISTEN {changes.CHANNEL}")
        attachments.attach("SN-00001", "cert_mat01", "op1")
        notices = list(listener.notifies(timeout=5, stop_after=1))
    assert len(notices) == 1
    change = Change.from_payload(notices[0].payload)
    assert (change.seq, change.type, change.serial_id, change.cert_id, change.job_id, change.user_id) == (
        changes.head(), "cert_attached", "SN-00001", "cert_mat01", "JOB-1", "op1")
