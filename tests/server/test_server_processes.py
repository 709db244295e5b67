"""certline-server as its own process: a large certificate's list streamed in bounded memory, and two
servers side by side on one PostgreSQL database.

The list here has 200,000 attachments, built and streamed in a few seconds on each backend; the issue's
million (16 s to build on SQLite alone) is streamed under the same bound by the benchmark
(``python -m tests.benchmarks.bench_server``, its line "list 1,000,000 attachments").
"""
from __future__ import annotations

import concurrent.futures
import json

import httpx
import pytest

from app import audit, certificates, db, serials
from app.db import close_database, open_database
from app.models import CertAttachment
from tests.helpers.plant import build_plant
from tests.server.conftest import bulk_attachments, token

ROWS = 200_000
WARM_ROWS = 10_000
# The server's own memory for the list, after a list of two pages has been sent: the list itself is 29 MB of
# JSON, and over 150 MB as Python objects. On SQLite the server process also holds SQLite's page cache, which
# grows with the pages read up to its limit (app.db's cache_size, 64 MiB per connection) and is added.
MEMORY_BOUND = 20 * 1024 * 1024
SQLITE_CACHE = -db.SQLITE_PRAGMAS["cache_size"] * 1024


@pytest.fixture
def large_plant(db_url):
    open_database(db_url)
    try:
        build_plant()
        certificates.create_certificate({"id": "cert_heat", "name": "Mill test report, heat 24-0815",
                                         "kind": "MATERIAL", "number": "H24-0815"}, "admin")
        bulk_attachments("cert_mat01", WARM_ROWS, "SN-W")  # a list of two pages, to warm the server up
        bulk_attachments("cert_heat", ROWS)  # past the job's quantity: no rule is asked
        secret = token("sup1", scopes="read")[1]
    finally:
        close_database()
    return secret


def test_a_certificates_200000_attachments_stream_in_bounded_memory(large_plant, server_process):
    server = server_process(threads=1)
    bound = MEMORY_BOUND + (0 if db.is_postgres_url(server.db_url) else SQLITE_CACHE)
    headers = {"Authorization": f"Bearer {large_plant}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
        for _ in range(2):
            assert len(client.get("/api/certs/cert_mat01/attachments").json()) == WARM_ROWS
        before = server.peak_rss()
        received, chunks = bytearray(), 0
        with client.stream("GET", "/api/certs/cert_heat/attachments") as answer:
            assert answer.status_code == 200 and "content-length" not in answer.headers  # written as it is read
            for chunk in answer.iter_bytes():
                received += chunk
                chunks += 1
        grown = server.peak_rss() - before
    listed = json.loads(received)
    assert len(listed) == ROWS and chunks > 1
    assert listed[0] == {"id": "ca_BSN-B0000001", "serialId": "SN-B0000001", "certId": "cert_heat",
                         "stepId": "step_001", "attachedAt": "2026-01-01T00:00:01.000Z", "attachedBy": "op1"}
    assert listed[-1]["serialId"] == f"SN-B{ROWS:07d}"
    assert [row["attachedAt"] for row in listed] == sorted(row["attachedAt"] for row in listed)
    assert grown < bound, f"the server's peak memory grew by {grown / 2**20:.1f} MiB for {len(received)} bytes"


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_two_servers_side_by_side_on_one_postgresql_attach_without_a_lost_or_doubled_record(db_url, server_process):
    open_database(db_url)
    try:
        build_plant()
        made = serials.create_serials("JOB-1", 40, "admin").serial_ids
        secret = token("sup1", scopes="attach,read")[1]
        revoked_id, revoked = token("sup1", scopes="read")
    finally:
        close_database()
    servers = [server_process(), server_process()]
    headers = {"Authorization": f"Bearer {secret}"}
    clients = [httpx.Client(base_url=s.url, headers=headers, timeout=60) for s in servers]

    def attach(n: int) -> dict:
        # Every serial twice, once through each server, at the same time: one attachment each.
        answer = clients[n % 2].post(f"/api/serials/{made[n // 2]}/attach-cert",
                                     json={"certId": "cert_mat01", "userId": "op1"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    try:
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            records = list(pool.map(attach, range(2 * len(made))))
        assert all(records[2 * i] == records[2 * i + 1] for i in range(len(made)))
        assert clients[1].get(f"/api/serials/{made[0]}").status_code == 200
        # A token revoked through one process is refused by the other at once.
        reader = [httpx.Client(base_url=s.url, headers={"Authorization": f"Bearer {revoked}"}) for s in servers]
        assert reader[1].get("/api/certs/cert_mat01/attachments").status_code == 200
        open_database(db_url)
        try:
            from app import tokens
            tokens.revoke_token(revoked_id, "admin")
            assert CertAttachment.select().count() == len(made)
            assert audit.verify().ok
        finally:
            close_database()
        assert [r.get("/api/certs/cert_mat01/attachments").status_code for r in reader] == [401, 401]
        for client in reader:
            client.close()
    finally:
        for client in clients:
            client.close()
