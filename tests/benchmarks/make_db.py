"""Generate the benchmark database of issue "The core".

    python -m tests.benchmarks.make_db [PATH] [--serials 1000000 --certs 20000 --attachments 5000000]

The schema comes from ``app.db.open_database`` (the real migrations, indexes and
triggers); the rows are then bulk-loaded with the plain ``sqlite3`` module, in the
exact text formats peewee writes, so the app reads them as its own:

* users (1 admin, 1 supervisor, 40 operators), 3 paths of 4, 6 and 8 steps, 100 jobs;
* ``--serials`` serials ``SN-0000001`` …, created one a minute-ish over 600 days,
  70 % completed, the rest in progress at some step (1 % of those scrapped);
* ``--certs`` certificates: ``cert_huge`` (attached to 1,000,000 serials), ``cert_big``
  (exactly 100,000) and ``cert_00001`` … attached at random;
* ``--attachments`` attachments, unique on (serial, certificate, step), each at a step
  the serial has reached, each with its ``cert_attached`` audit entry: seq from 1 in
  time order, ``record_id`` = the attachment id, the same ``at`` as ``attached_at``,
  sealed with ``app.audit.entry_hash`` like ``app.audit.append`` does, so
  ``app.audit.verify()`` passes.

Speed: the non-unique and unique secondary indexes (and the insert triggers that look
keys up in them) are dropped during the load and created again afterwards from their own SQL (sorting beats 5 million random B-tree
inserts), the load runs with journal_mode=OFF, synchronous=OFF and a large page cache
on a temporary file, which is renamed into place only once complete; afterwards the
file is back in WAL mode and its schema is checked against a freshly migrated one.

Cache: if PATH already holds a generated database with the requested counts (the
benchmark may have added rows; those are allowed) nothing is done.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import queue
import random
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path as FilePath

from app import db as app_db
from app.audit import GENESIS_HASH, entry_hash

REPO = FilePath(__file__).resolve().parents[2]
DEFAULT_PATH = REPO / "bench-data" / "bench.sqlite3"
DEFAULT_SERIALS = 1_000_000
DEFAULT_CERTS = 20_000
DEFAULT_ATTACHMENTS = 5_000_000

BIG_ID, BIG_COUNT = "cert_big", 100_000
HUGE_ID, HUGE_COUNT = "cert_huge", 1_000_000
SERIAL_PREFIX = "SN-"
SEED = 20240115

T0 = dt.datetime(2023, 6, 1, 6, 0, 0)  # the first serial; everything lies in the past
SPAN_MS = 600 * 86_400_000  # serials are created over 600 days
STEP_MS = 4 * 3_600_000  # each step takes up to four hours
COMPLETED_SHARE = 0.70
SCRAPPED_SHARE = 0.01
N_JOBS = 100
N_OPERATORS = 40
M64 = (1 << 64) - 1
# Odd multipliers: n -> n * K mod 2**64 is a bijection, so the ids are unique yet look random.
ATTACHMENT_ID_K = 0x9E3779B97F4A7C15
AUDIT_ID_K = 0xD1B54A32D192ED03
CHUNK = 50_000

PATHS = (
    ("path_flange", "Flange machining", (
        ("Saw", ["MATERIAL"]), ("Turn", []), ("Drill", []), ("Final inspection", ["INSPECTION"]))),
    ("path_shaft", "Shaft turning", (
        ("Saw", ["MATERIAL"]), ("Rough turn", []), ("Heat treatment", ["PROCESS"]), ("Finish turn", []),
        ("Grind", ["CALIBRATION"]), ("Final inspection", ["INSPECTION"]))),
    ("path_housing", "Welded housing", (
        ("Cut plate", ["MATERIAL"]), ("Bend", []), ("Tack weld", ["TRAINING"]), ("Weld", ["TRAINING", "PROCESS"]),
        ("Stress relief", ["PROCESS"]), ("Machine", []), ("Leak test", ["CONFORMANCE"]),
        ("Final inspection", ["INSPECTION"]))),
)
KINDS = ("MATERIAL", "PROCESS", "CALIBRATION", "TRAINING", "CONFORMANCE", "INSPECTION", "OTHER")

# The tables whose secondary indexes are rebuilt after the load.
BULK_TABLES = ("serial", "cert_attachment", "audit_entry")


def _json(value) -> str:
    """What ``app.models.JSONField`` stores."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _ts(value: dt.datetime) -> str:
    """What peewee stores for a DateTimeField (the adapter ``app.db`` registers)."""
    return value.isoformat(" ", "microseconds")


class Plan:
    """The counts asked for and what follows from them."""

    def __init__(self, serials: int, certs: int, attachments: int):
        self.serials, self.certs, self.attachments = serials, certs, attachments
        self.huge = min(HUGE_COUNT, serials)
        self.big = min(BIG_COUNT, serials // 2)
        self.regular_certs = certs - 2
        self.regular_attachments = attachments - self.huge - self.big
        self.digits = max(7, len(str(serials)))
        if serials < 2 or self.regular_certs < 1:
            raise SystemExit("need at least 2 serials and 3 certificates")
        if self.regular_attachments < 0:
            raise SystemExit(f"need at least {self.huge + self.big} attachments for cert_huge and cert_big")
        per_serial = -(-self.regular_attachments // serials)
        if per_serial > self.regular_certs:
            raise SystemExit(f"{attachments} attachments need more than {certs} certificates")
        if serials >= 1 << 24 or certs >= 1 << 20:
            raise SystemExit("at most 16 million serials and 1 million certificates")

    def serial_id(self, i: int) -> str:
        return f"{SERIAL_PREFIX}{i + 1:0{self.digits}d}"


# --------------------------------------------------------------------------- cache


def existing_counts(path: FilePath) -> dict[str, int] | None:
    """The counts that identify a generated database, or None if PATH is not one."""
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            one = lambda sql, *args: con.execute(sql, args).fetchone()[0]  # noqa: E731
            if not one("SELECT count(*) FROM certificate WHERE id IN (?, ?)", BIG_ID, HUGE_ID) == 2:
                return None
            return {
                "serials": one("SELECT count(*) FROM serial WHERE id >= ? AND id < ?", SERIAL_PREFIX,
                               SERIAL_PREFIX[:-1] + chr(ord(SERIAL_PREFIX[-1]) + 1)),
                "certs": one("SELECT count(*) FROM certificate"),
                "attachments": one("SELECT count(*) FROM cert_attachment"),
                "big": one("SELECT count(*) FROM cert_attachment WHERE cert_id = ?", BIG_ID),
                "huge": one("SELECT count(*) FROM cert_attachment WHERE cert_id = ?", HUGE_ID),
                "audit": one("SELECT coalesce(max(seq), 0) FROM audit_entry"),
            }
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return None


def is_ready(path: FilePath, plan: Plan) -> bool:
    """PATH holds what ``generate`` would make; the benchmark's later additions are allowed."""
    counts = existing_counts(path)
    return bool(counts) and (
        counts["serials"] == plan.serials and counts["certs"] == plan.certs
        and counts["attachments"] >= plan.attachments and counts["audit"] >= plan.attachments
        and counts["big"] == plan.big and counts["huge"] == plan.huge
    )


# --------------------------------------------------------------------------- schema


def _schema(con: sqlite3.Connection) -> set[tuple]:
    return set(con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))


def _reference_schema() -> set[tuple]:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = os.path.join(tmp, "fresh.sqlite3")
        app_db.open_database(fresh)
        app_db.close_database()
        con = sqlite3.connect(fresh)
        try:
            return _schema(con)
        finally:
            con.close()


# --------------------------------------------------------------------------- rows


def _base_rows(plan: Plan, rng: random.Random):
    created = _ts(T0 - dt.timedelta(days=30))
    users = [("admin", "Ada Admin", "admin", "B-ADMIN", 1, created),
             ("sup01", "Sam Supervisor", "supervisor", "B-SUP01", 1, created)]
    operators = [f"op{n:02d}" for n in range(1, N_OPERATORS + 1)]
    users += [(op, f"Operator {op[2:]}", "operator", f"B-{op.upper()}", 1, created) for op in operators]

    paths, steps, path_steps = [], [], []
    for p, (path_id, name, path_def) in enumerate(PATHS):
        paths.append((path_id, name))
        info = []
        for position, (step_name, requires) in enumerate(path_def):
            step_id = f"step_{p + 1}{position + 1:02d}"
            steps.append((step_id, path_id, position, step_name, _json(requires)))
            details = {"stepName": step_name, "stepIndex": position}
            info.append((step_id, details, _json(details)))
        path_steps.append(info)

    jobs = []
    for j in range(N_JOBS):
        first, last = j * plan.serials // N_JOBS, (j + 1) * plan.serials // N_JOBS
        jobs.append((f"JOB-{j + 1:04d}", f"Order {j + 1:04d}", f"P-{1000 + j * 7}", PATHS[j % len(PATHS)][0],
                     last - first + 100_000, created))  # room for bench_core's batches (quantity is enforced)

    certs = []
    cert_ids = [HUGE_ID, BIG_ID] + [f"cert_{k:05d}" for k in range(1, plan.regular_certs + 1)]
    for c, cert_id in enumerate(cert_ids):
        kind = "MATERIAL" if c < 2 else KINDS[c % len(KINDS)]
        name = {HUGE_ID: "Mill test report, bar stock lot 1", BIG_ID: "Mill test report, plate lot 7"}.get(
            cert_id, f"{kind.title()} certificate {c - 1}")
        release = (T0 - dt.timedelta(days=rng.randrange(30, 400))).date().isoformat()
        certs.append((cert_id, name, kind, f"N-{c:07d}", "3.1" if kind == "MATERIAL" else None,
                      f"H{c:07d}" if kind == "MATERIAL" else None,
                      "material_lot" if kind == "MATERIAL" else "other", None, release, None, None, None, 0,
                      None, "{}", "active", "approved", created, created))
    return users, operators, paths, steps, path_steps, jobs, cert_ids, certs


# --------------------------------------------------------------------------- load


class _Writer(threading.Thread):
    """Runs the executemany calls while the main thread computes the next chunk (SQLite releases the GIL)."""

    def __init__(self, con: sqlite3.Connection):
        super().__init__(daemon=True)
        self.con, self.jobs, self.error = con, queue.Queue(maxsize=3), None

    def run(self):
        while True:
            job = self.jobs.get()
            if job is None:
                return
            if self.error is None:
                try:
                    for sql, rows in job:
                        if rows is None:
                            self.con.execute(sql)
                        else:
                            self.con.executemany(sql, rows)
                except BaseException as error:  # reported by put/close
                    self.error = error

    def put(self, *batches):
        if self.error:
            raise self.error
        self.jobs.put(batches)

    def close(self):
        self.jobs.put(None)
        self.join()
        if self.error:
            raise self.error


def _say(start: float, message: str) -> None:
    print(f"[{time.perf_counter() - start:7.1f} s] {message}", flush=True)


def generate(path: FilePath, plan: Plan) -> None:
    start = time.perf_counter()
    rng = random.Random(SEED)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".building")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm"),
                     tmp.with_name(tmp.name + "-journal")):
        leftover.unlink(missing_ok=True)

    # 1. The real schema: migrations, indexes, triggers.
    app_db.open_database(str(tmp))
    app_db.close_database()
    reference = _reference_schema()

    con = sqlite3.connect(str(tmp), isolation_level=None, check_same_thread=False)
    # Load-only settings; a crash leaves only the .building file, which the next run deletes.
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA locking_mode=EXCLUSIVE")
    con.execute("PRAGMA cache_size=-3000000")
    con.execute("PRAGMA temp_store=MEMORY")
    con.execute("PRAGMA threads=2")
    con.execute("PRAGMA foreign_keys=OFF")
    placeholders = ",".join("?" * len(BULK_TABLES))
    indexes = con.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({placeholders}) ORDER BY rowid", BULK_TABLES).fetchall()
    for name, _ in indexes:
        con.execute(f'DROP INDEX "{name}"')
    # The BEFORE INSERT triggers that refuse INSERT OR REPLACE look the key up: without the
    # indexes each insert would scan the table. The rows loaded here are unique by construction.
    insert_triggers = con.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%BEFORE INSERT%' "
        f"AND tbl_name IN ({placeholders}) ORDER BY rowid", BULK_TABLES).fetchall()
    for name, _ in insert_triggers:
        con.execute(f'DROP TRIGGER "{name}"')

    users, operators, paths, steps, path_steps, jobs, cert_ids, certs = _base_rows(plan, rng)
    con.execute("BEGIN")
    con.executemany('INSERT INTO "user" (id, name, role, badge, active, created_at) '
                    "VALUES (?,?,?,?,?,?)", users)
    con.executemany("INSERT INTO path (id, name, route_id) VALUES (?,?,?)", [(p, n, p) for p, n in paths])
    con.executemany("INSERT INTO step (id, path_id, position, name, requires) VALUES (?,?,?,?,?)", steps)
    con.executemany("INSERT INTO job (id, name, part, path_id, quantity, created_at) VALUES (?,?,?,?,?,?)", jobs)
    con.executemany(
        "INSERT INTO certificate (id, name, kind, number, en10204_type, heat_lot, resource_type, resource_id, "
        "date_release, date_expire, validity, validity_unit, warning, note, data, status, review_status, "
        "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", certs)
    con.execute("INSERT INTO serial_counter (prefix, last) VALUES (?, ?)", (SERIAL_PREFIX, plan.serials))
    con.execute("COMMIT")
    _say(start, f"schema and base rows: {len(users)} users, {len(paths)} paths, {len(steps)} steps, "
                f"{len(jobs)} jobs, {len(certs)} certificates")

    # 2. Serials, and every attachment as one packed sortable int:
    #    at_ms | serial index (24 bits) | cert index (20) | step position (4) | operator (6).
    S, regular_base, regular_extra = plan.serials, *divmod(plan.regular_attachments, plan.serials)
    big_stride = S // plan.big if plan.big else 0
    completed_below = int(S * COMPLETED_SHARE)
    n_steps = [len(p[2]) for p in PATHS]
    serial_ids = [plan.serial_id(i) for i in range(S)]
    job_ids = [j[0] for j in jobs]
    job_paths = [j % len(PATHS) for j in range(N_JOBS)]
    keys: list[int] = []
    add = keys.append
    randrange, random_ = rng.randrange, rng.random
    serial_rows = []
    serial_sql = ("INSERT INTO serial (id, job_id, path_id, current_step_index, status, created_at) "
                  "VALUES (?,?,?,?,?,?)")
    writer = _Writer(con)
    writer.start()
    writer.put(("BEGIN", None))
    for i in range(S):
        j = i * N_JOBS // S
        p = job_paths[j]
        n = n_steps[p]
        created_ms = i * SPAN_MS // S
        if i < completed_below:
            current, status, top = -1, "completed", n - 1
        else:
            current = randrange(n)
            status, top = ("scrapped" if random_() < SCRAPPED_SHARE else "in_progress"), current
        serial_rows.append((serial_ids[i], job_ids[j], PATHS[p][0], current, status,
                            _ts(T0 + dt.timedelta(milliseconds=created_ms))))
        base = i << 30
        if i < plan.huge:  # the lot everything is sawn from, at the first step
            add(((created_ms + randrange(STEP_MS)) << 54) | base | (0 << 6) | randrange(N_OPERATORS))
        if big_stride and i % big_stride == 0 and i // big_stride < plan.big:
            pos = randrange(top + 1)
            add(((created_ms + pos * STEP_MS + randrange(STEP_MS)) << 54) | base | (1 << 10) | (pos << 6)
                | randrange(N_OPERATORS))
        regular = regular_base + (1 if i < regular_extra else 0)
        chosen: set[int] = set()
        while len(chosen) < regular:
            chosen.add(2 + randrange(plan.regular_certs))
        for c in chosen:
            pos = randrange(top + 1)
            add(((created_ms + pos * STEP_MS + randrange(STEP_MS)) << 54) | base | (c << 10) | (pos << 6)
                | randrange(N_OPERATORS))
        if len(serial_rows) == CHUNK:
            writer.put((serial_sql, serial_rows))
            serial_rows = []
    writer.put((serial_sql, serial_rows), ("COMMIT", None))
    _say(start, f"{S:,} serials; {len(keys):,} attachments planned, sorting by time")
    keys.sort()
    assert len(keys) == plan.attachments, (len(keys), plan.attachments)

    # 3. Attachments and their audit entries, in time order, chained like app.audit.append.
    attachment_sql = ("INSERT INTO cert_attachment (id, serial_id, cert_id, step_id, attached_at, attached_by) "
                      "VALUES (?,?,?,?,?,?)")
    audit_sql = ("INSERT INTO audit_entry (seq, id, type, at, user_id, serial_id, cert_id, job_id, path_id, "
                 "step_id, record_id, workstation, reason, details, prev_hash, hash) "
                 "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
    workstations = [f"ws-line{u % 8 + 1}" for u in range(N_OPERATORS)]
    path_ids = [p[0] for p in PATHS]
    prev = GENESIS_HASH
    attachment_rows, audit_rows = [], []
    td = dt.timedelta
    mask20, mask24 = (1 << 20) - 1, (1 << 24) - 1
    writer.put(("BEGIN", None))
    for seq, key in enumerate(keys, 1):
        u = key & 63
        pos = (key >> 6) & 15
        c = (key >> 10) & mask20
        i = (key >> 30) & mask24
        at = T0 + td(milliseconds=key >> 54)
        at_text = at.isoformat(" ", "microseconds")
        j = i * N_JOBS // S
        p = job_paths[j]
        step_id, details, details_text = path_steps[p][pos]
        serial_id, cert_id, user_id, job_id, path_id = serial_ids[i], cert_ids[c], operators[u], job_ids[j], path_ids[p]
        attachment_id = "ca_%016x" % ((seq * ATTACHMENT_ID_K) & M64)
        entry_id = "ae_%016x" % ((seq * AUDIT_ID_K) & M64)
        row = {"seq": seq, "id": entry_id, "type": "cert_attached", "at": at, "user_id": user_id,
               "serial_id": serial_id, "cert_id": cert_id, "job_id": job_id, "path_id": path_id,
               "step_id": step_id, "record_id": attachment_id, "workstation": workstations[u], "reason": None,
               "details": details}
        sealed = entry_hash(prev, row)
        attachment_rows.append((attachment_id, serial_id, cert_id, step_id, at_text, user_id))
        audit_rows.append((seq, entry_id, "cert_attached", at_text, user_id, serial_id, cert_id, job_id, path_id,
                           step_id, attachment_id, workstations[u], None, details_text, prev, sealed))
        prev = sealed
        if len(audit_rows) == CHUNK:
            writer.put((attachment_sql, attachment_rows), (audit_sql, audit_rows))
            attachment_rows, audit_rows = [], []
            if seq % 1_000_000 == 0:
                _say(start, f"{seq:,} attachments and audit entries")
    writer.put((attachment_sql, attachment_rows), (audit_sql, audit_rows), ("COMMIT", None))
    writer.close()
    del keys, serial_ids
    _say(start, f"{plan.attachments:,} attachments and audit entries loaded; building {len(indexes)} indexes")

    # 4. The dropped indexes, from their own SQL (the unique one re-checks (serial, cert, step)).
    for name, sql in indexes + insert_triggers:
        con.execute(sql)
    _say(start, "indexes built")
    if _schema(con) != reference:
        raise SystemExit("schema differs from a freshly migrated database")
    con.execute("PRAGMA locking_mode=NORMAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA journal_mode=WAL")  # as app.db sets it; persistent in the file
    con.close()
    os.replace(tmp, path)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    _say(start, f"done: {path} ({path.stat().st_size / 2**30:.2f} GiB)")


def spot_check(path: FilePath, sample: int = 2000) -> None:
    """Read entries back through the app's models and re-seal them: proves the formats match peewee's."""
    from app.models import AuditEntry, CertAttachment
    app_db.open_database(str(path))
    try:
        last = AuditEntry.select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).first().seq
        rng = random.Random()
        seqs = sorted({1, 2, last, *(rng.randrange(2, last + 1) for _ in range(sample))})
        for seq in seqs:
            row = AuditEntry.select().where(AuditEntry.seq == seq).dicts().get()
            prev = AuditEntry.get(AuditEntry.seq == seq - 1).hash if seq > 1 else GENESIS_HASH
            if row["prev_hash"] != prev or entry_hash(prev, row) != row["hash"]:
                raise SystemExit(f"audit entry {seq} does not re-seal")
            if row["type"] == "cert_attached":
                a = CertAttachment.get_by_id(row["record_id"])
                if (a.serial_id, a.cert_id, a.step_id, a.attached_by_id, a.attached_at) != (
                        row["serial_id"], row["cert_id"], row["step_id"], row["user_id"], row["at"]):
                    raise SystemExit(f"attachment {a.id} does not match audit entry {seq}")
        print(f"spot check: {len(seqs)} audit entries re-sealed and matched to their attachments", flush=True)
    finally:
        app_db.close_database()


def ensure(path: FilePath, plan: Plan, force: bool = False) -> bool:
    """Generate PATH unless it already holds the requested database. True if generated."""
    if not force and is_ready(path, plan):
        print(f"{path}: already generated with these counts, kept", flush=True)
        return False
    if path.exists():
        if existing_counts(path) is None and not force:
            raise SystemExit(f"{path} exists and is not a benchmark database; remove it or pass --force")
        print(f"{path}: {'--force' if force else 'counts differ'}, generating again", flush=True)
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    generate(path, plan)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.make_db", description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH), help=f"default: {DEFAULT_PATH}")
    parser.add_argument("--serials", type=int, default=DEFAULT_SERIALS)
    parser.add_argument("--certs", type=int, default=DEFAULT_CERTS)
    parser.add_argument("--attachments", type=int, default=DEFAULT_ATTACHMENTS)
    parser.add_argument("--force", action="store_true", help="generate even if PATH is ready (or not ours)")
    parser.add_argument("--verify", action="store_true",
                        help="afterwards run app.audit.verify() over the whole chain (minutes at full size)")
    args = parser.parse_args(argv)
    os.environ.setdefault("CERTLINE_WORKSTATION", "bench-make-db")
    path = FilePath(args.path).resolve()
    plan = Plan(args.serials, args.certs, args.attachments)
    if ensure(path, plan, args.force):
        spot_check(path)
    if args.verify:
        from app import audit
        started = time.perf_counter()
        app_db.open_database(str(path))
        try:
            result = audit.verify()
        finally:
            app_db.close_database()
        print(f"verify: {result.to_json()} in {time.perf_counter() - started:.1f} s", flush=True)
        return 0 if result.ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
