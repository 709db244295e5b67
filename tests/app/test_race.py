"""Several workstations attach the same certificates to the same serials at the same moment: one attachment each, nothing twice."""
import json
import random

import pytest
from peewee import fn

from app import audit, serials
from app.models import AuditEntry, CertAttachment
from tests.helpers import workers

WORKERS = 4
CERTS = ("cert_mat01", "cert_insp01", "cert_soon")


def run_race(db_url, pairs, users):
    """Start one worker per user, each with the pairs in its own order; start them together; wait."""
    procs = []
    try:
        for number, user_id in enumerate(users):
            order = pairs[:]
            random.Random(number).shuffle(order)
            procs.append(workers.start("race", db_url, user_id, json.dumps(order), stdin=True))
        for proc in procs:  # every worker has its connection open and waits ...
            line = proc.stdout.readline().strip()
            assert line == "ready", proc.stderr.read()
        for proc in procs:  # ... for this line, which reaches them all within a millisecond
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


@pytest.mark.slow
def test_racing_workstations_write_each_attachment_and_its_entry_once(plant, db_url):
    serial_ids = serials.create_serials("JOB-1", 10, "admin").serial_ids
    pairs = [[serial_id, cert_id] for serial_id in serial_ids for cert_id in CERTS]  # 30 pairs, all shared
    entries_before = AuditEntry.select().count()

    results = run_race(db_url, pairs, ["op1", "op2", "sup1", "admin"][:WORKERS])

    # They really ran at the same time: every worker began before any had finished.
    assert max(r["began"] for r in results) < min(r["ended"] for r in results)
    # Each pair was created by exactly one worker; the others got its record back.
    assert sum(r["created"] for r in results) == len(pairs)
    a = CertAttachment
    per_key = list(a.select(a.serial, a.certificate, a.step, fn.COUNT(a.id).alias("n"))
                   .group_by(a.serial, a.certificate, a.step).tuples())
    assert sorted((s, c) for s, c, _, _ in per_key) == sorted(map(tuple, pairs))
    assert {step for _, _, step, _ in per_key} == {"step_001"}
    assert all(n == 1 for *_, n in per_key)
    attached = list(AuditEntry.select().where(AuditEntry.type == "cert_attached"))
    assert sorted(e.record_id for e in attached) == sorted(r.id for r in a.select(a.id))
    assert AuditEntry.select().count() == entries_before + len(pairs)
    result = audit.verify()
    assert result.ok, result.problem
    assert (result.attachments, result.entries) == (len(pairs), entries_before + len(pairs))
