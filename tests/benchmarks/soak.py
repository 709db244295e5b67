"""Soak: many stations on one PostgreSQL, attaching for minutes while the server is restarted under them.

    python -m tests.benchmarks.soak [--stations 20] [--minutes 10] [--restarts 2] [--seed 7]

Each station is a process that attaches as the station does, through ``app.attachments.attach``, as
its own operator. When the connection dies it reconnects (``app.connection.reconnect``, every 0.25 s)
and settles an attach whose answer was lost by reading it back (``app.attachments.find_attachment``),
never by guessing. The server (a throwaway cluster, fsync on) is restarted ``--restarts`` times,
evenly spread, with ``pg_ctl stop -m fast`` and ``start``. At the end every attachment each process
believes it made is looked for: lost (believed, not there), doubled (believed by two, or written
twice, or with other than one audit entry), unclaimed (there, made by a station that believes it
was not saved), and ``certline-cli verify``'s check of the audit chain. Exit status 1 unless all are 0.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter

CERTIFICATES = 25
SERIALS_PER_STATION = 1000
RECONNECT_EVERY_S = 0.25
DOWN_S = 2.0  # how long the server stays stopped at each restart


def build(url: str, stations: int) -> tuple[list[str], list[str], str]:
    """The plant: an operator per station, a route, a job, serials at its first step, certificates."""
    import datetime as dt

    from app import certificates, db, routes, serials, users
    from app.models import User

    db.open_database(url)
    User.insert(id="admin", name="Soak Admin", role="admin", badge="B-ADM").execute()
    for number in range(1, stations + 1):
        users.create_user(f"st{number:02}", f"Station {number:02}", "operator", f"B-ST{number:02}", by="admin")
    routes.create_path({"id": "soak", "name": "Soak route", "steps": [
        {"id": "soak_1", "name": "Cut", "requires": []}, {"id": "soak_2", "name": "Weld", "requires": []}]}, "admin")
    routes.create_job({"id": "JOB-SOAK", "name": "Soak", "part": "P-1", "path": "soak",
                       "quantity": stations * SERIALS_PER_STATION}, "admin")
    batch = serials.create_serials("JOB-SOAK", stations * SERIALS_PER_STATION, "admin", digits=6)
    certs = []
    for number in range(1, CERTIFICATES + 1):
        certs.append(certificates.create_certificate(
            {"id": f"cert_soak{number:02}", "name": f"Soak certificate {number}", "kind": "PROCESS",
             "date_release": dt.date.today() - dt.timedelta(days=1)}, "admin").id)
    db.close_database()
    return batch.serial_ids, certs, batch.step_id


def station(number: int, url: str, serial_ids: list[str], cert_ids: list[str], step_id: str, deadline: float,
            seed: int, results) -> None:
    """One station's loop: attach, and on a lost connection reconnect and read the attach back."""
    from app import attachments, connection, db
    from app.errors import CertlineError

    user = f"st{number:02}"
    rng = random.Random(seed * 1000 + number)
    latencies: list[float] = []
    mine: list[str] = []
    counts = Counter()
    down = 0.0
    db.open_database(url, migrate=False)
    while time.time() < deadline:
        serial_id, cert_id = rng.choice(serial_ids), rng.choice(cert_ids)
        started = time.perf_counter()
        try:
            result = attachments.attach(serial_id, cert_id, user)
        except CertlineError as error:
            if not connection.is_connection_lost(error):
                counts["refused"] += 1
                continue
        except Exception as error:  # noqa: BLE001 - anything but a lost connection is a finding
            if not connection.is_connection_lost(error):
                counts[f"error {type(error).__name__}: {error}"] += 1
                continue
        else:
            latencies.append(time.perf_counter() - started)
            counts["created" if result.created else "already"] += 1
            if result.created:
                mine.append(result.attachment.id)
            continue
        # The answer was lost: reconnect, then read back what the database holds.
        gone = time.perf_counter()
        while True:
            try:
                connection.reconnect()
                record = attachments.find_attachment(serial_id, cert_id, step_id)
                break
            except Exception as error:  # noqa: BLE001
                if not connection.is_connection_lost(error):
                    raise
                time.sleep(RECONNECT_EVERY_S)
        down += time.perf_counter() - gone
        if record is not None and record.attached_by == user and record.id not in mine:
            mine.append(record.id)
            counts["unknown, saved"] += 1
        else:
            counts["unknown, not saved" if record is None else "unknown, there before"] += 1
    db.close_database()
    results.put((user, latencies, mine, dict(counts), down))


def check(url: str, believed: dict[str, list[str]]) -> dict[str, object]:
    from app import db, integrity
    from app.models import AuditEntry, CertAttachment

    db.open_database(url, migrate=False)
    try:
        rows = {a.id: (a.serial_id, a.cert_id, a.step_id, a.attached_by_id) for a in CertAttachment.select()}
        audited = Counter(e.record_id for e in AuditEntry.select(AuditEntry.record_id)
                          .where(AuditEntry.type == "cert_attached"))
        claims = Counter(record for ids in believed.values() for record in ids)
        every_belief = set(claims)
        made_by_stations = {record for record, row in rows.items() if row[3] in believed}
        report = integrity.verify(quick=True)
        return {
            "attachments": len(rows),
            "lost": len(every_belief - set(rows)),
            "doubled": (sum(1 for n in claims.values() if n > 1)
                        + len(rows) - len({row[:3] for row in rows.values()})
                        + sum(1 for record in rows if audited[record] != 1)),
            "unclaimed": len(made_by_stations - every_belief),
            "verify": "chain intact" if report.ok else f"{report.chain.to_json()} {report.problems[:3]}",
        }
    finally:
        db.close_database()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--restarts", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    os.environ.setdefault("CERTLINE_DATA", tempfile.mkdtemp(prefix="certline-soak-"))
    os.environ.setdefault("CERTLINE_PEPPER_FILE", os.path.join(os.environ["CERTLINE_DATA"], "pin-pepper"))
    os.environ.setdefault("CERTLINE_WORKSTATION", "soak")
    from tests.helpers.postgres import Cluster

    cluster = Cluster(fsync=True)
    if not cluster.available:
        print("PostgreSQL is not installed (no initdb/pg_ctl)", file=sys.stderr)
        return 2
    cluster.start()
    try:
        url = cluster.create_database()
        serial_ids, cert_ids, step_id = build(url, args.stations)
        print(f"{args.stations} stations, {len(serial_ids)} serials, {len(cert_ids)} certificates, "
              f"{args.minutes:g} min, {args.restarts} restart(s); load average {os.getloadavg()[0]:.1f}", flush=True)
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        seconds = args.minutes * 60
        began = time.time()
        deadline = began + seconds
        workers = [context.Process(target=station, args=(n, url, serial_ids, cert_ids, step_id, deadline,
                                                         args.seed, results)) for n in range(1, args.stations + 1)]
        for worker in workers:
            worker.start()
        for k in range(1, args.restarts + 1):
            time.sleep(max(0.0, began + seconds * k / (args.restarts + 1) - time.time()))
            stopped = time.time()
            cluster.pause()
            time.sleep(DOWN_S)
            cluster.resume()
            print(f"restart {k}: server down {time.time() - stopped:.1f} s at {stopped - began:.0f} s", flush=True)
        gathered = [results.get(timeout=seconds + 120) for _ in workers]
        for worker in workers:
            worker.join()
        elapsed = time.time() - began
        believed = {user: mine for user, _, mine, _, _ in gathered}
        counts = sum((Counter(c) for _, _, _, c, _ in gathered), Counter())
        latencies = [value for _, values, _, _, _ in gathered for value in values]
        outcome = check(url, believed)
    finally:
        cluster.stop()
    calls = counts["created"] + counts["already"]
    print(f"attach calls answered: {calls} in {elapsed:.0f} s = {calls / elapsed:.1f}/s "
          f"({counts['created']} created, {counts['already']} already attached)")
    print(f"latency p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {percentile(latencies, 0.95) * 1000:.1f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, max {max(latencies) * 1000:.0f} ms")
    print(f"answers lost to a restart, read back: {counts['unknown, saved']} saved, {counts['unknown, not saved']} "
          f"not saved, {counts['unknown, there before']} there before; mean time without the database per station "
          f"{sum(down for *_, down in gathered) / len(gathered):.1f} s")
    others = {key: value for key, value in counts.items() if key.startswith(("error", "refused"))}
    if others:
        print(f"other answers: {others}")
    print(f"attachments {outcome['attachments']}: lost = {outcome['lost']}, doubled = {outcome['doubled']}, "
          f"unclaimed = {outcome['unclaimed']}; verify: {outcome['verify']}")
    ok = not (outcome["lost"] or outcome["doubled"] or outcome["unclaimed"] or others) \
        and outcome["verify"] == "chain intact"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
