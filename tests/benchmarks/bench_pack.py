"""Benchmark of issue 16, the conformance pack: 1,000 serials, 5 certificates each, 50 PDF documents of 2 MB.

    python -m tests.benchmarks.bench_pack [--serials 1000] [--documents 50] [--mb 2] [--keep DIR]

Builds a plant in a temporary folder through the app's own functions (not timed): a route of five steps
each requiring a certificate (material, process, process, calibration, inspection), 50 certificates each
documented by one PDF of 2 MB (four pages, each a photograph-like JPEG that does not compress: a scanned
mill certificate, say) and approved, and 1,000 serials in ten groups of 100, each group attached to its
five certificates step by step and completed. Then times, in this process:

* ``read_pack`` of the job: the preview the office dialog shows;
* ``make_pack`` of the job: signed, written, audited (the PIN check included);
* ``verify_pack`` of the file on its own, and with the database;

and the memory the making took: the process's peak resident set (VmHWM, reset before the make) beside
the bytes of the documents appended (each is held twice while the pack is written: its pages merged and
its file embedded). Each figure is printed beside its floor; the exit status is 1 if one is missed.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("CERTLINE_WORKSTATION", "bench-pack")

MAKE_FLOOR_S = 10.0
PREVIEW_FLOOR_S = 2.0
VERIFY_FLOOR_S = 10.0
RSS_FLOOR_MB = 800.0  # the peak of the whole process while making it, fonts, documents and all
KINDS = ("MATERIAL", "PROCESS", "PROCESS", "CALIBRATION", "INSPECTION")
PIN = "432100"


def _status(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM starts again from VmRSS
    except OSError:
        pass


def scan_like_pdf(title: str, size: int, rng: random.Random) -> bytes:
    """A PDF of four pages of noise JPEG (incompressible, as a scan is), about ``size`` bytes."""
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    side = int((size / 4 / 3) ** 0.5 * 2.0)  # JPEG of noise at quality 85: about 0.75 bytes a pixel
    for page in range(4):
        image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        pdf.add_page()
        pdf.cell(0, 8, f"{title}, page {page + 1} of 4")
        pdf.image(buffer, x=15, y=25, w=180)
    return bytes(pdf.output())


def build(serials: int, documents: int, mb: float) -> tuple[str, int]:
    from app import attachments, certificates, documents as docs, routes, serial_batches, serials as serial_rules
    from app.models import User
    from app import users

    User.insert(id="admin", name="Ada Admin", role="admin", badge="B-ADM").execute()
    users.create_user("sup1", "Sam Supervisor", "supervisor", "B-SUP1", pin=PIN, by="admin")
    users.create_user("op1", "Olga Operator", "operator", "B-OP1", pin="1234", by="admin")
    routes.create_path({"id": "path_b", "name": "Shaft line", "steps": [
        {"id": f"b_{i}", "name": name, "requires": [kind]} for i, (name, kind) in enumerate(zip(
            ("Cut", "Heat treat", "Grind", "Measure", "Final inspection"), KINDS))]}, "admin")
    routes.create_job({"id": "JOB-B", "name": "Shafts", "part": "SH-9", "path": "path_b", "quantity": serials},
                      "admin")
    rng, total = random.Random(16), 0
    groups = max(1, documents // len(KINDS))
    for number in range(documents):
        kind = KINDS[number % len(KINDS)]
        cert_id = f"cert_{number:03d}"
        certificates.create_certificate({"id": cert_id, "name": f"{kind.title()} certificate {number}", "kind": kind,
                                         "number": f"N-{number:05d}"}, "admin")
        data = scan_like_pdf(f"{cert_id} scanned certificate", int(mb * 1024 * 1024), rng)
        total += len(data)
        docs.add_document_bytes(cert_id, data, f"{cert_id}.pdf", "sup1")
        docs.approve_certificate(cert_id, "sup1", PIN)
    made = serial_rules.create_serials("JOB-B", serials, "sup1").serial_ids
    per_group = -(-len(made) // groups)
    for group in range(groups):
        members = made[group * per_group:(group + 1) * per_group]
        for step in range(len(KINDS)):
            cert_id = f"cert_{(group * len(KINDS) + step) % documents:03d}"
            for serial_id in members:
                attachments.attach(serial_id, cert_id, "op1")
            serial_batches.move_serials("complete" if step == len(KINDS) - 1 else "advance", members, "sup1")
    return "JOB-B", total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serials", type=int, default=1000)
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--mb", type=float, default=2.0)
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep it, or use the plant an earlier run kept "
                                                      "there (default: a temporary folder)")
    args = parser.parse_args(argv)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-pack-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["CERTLINE_DATA"] = str(folder)
    os.environ.setdefault("CERTLINE_PEPPER_FILE", str(folder / "pin-pepper"))
    from app import db
    from app.pack import make_pack, read_pack
    from app.pack.verify import verify_pack

    built = (folder / "pack.sqlite3").exists()
    db.open_database(str(folder / "pack.sqlite3"))
    started = time.perf_counter()
    if built:  # --keep DIR of an earlier run: its plant again
        from app.models import CertificateDocument

        job, document_bytes = "JOB-B", sum(d.size for d in CertificateDocument.select())
    else:
        job, document_bytes = build(args.serials, args.documents, args.mb)
    print(f"plant built in {time.perf_counter() - started:.1f} s: {args.serials:,} serials, {args.documents} "
          f"documents, {document_bytes / 2**20:.1f} MiB of them; load average {os.getloadavg()[0]:.2f}")
    started = time.perf_counter()
    preview = read_pack("sup1", job=job)
    preview_s = time.perf_counter() - started
    before = _status("VmRSS")
    _reset_peak()
    started = time.perf_counter()
    made = make_pack("sup1", PIN, folder / "pack.pdf", job=job, plant="Werk Nord", customer="Acme Aerospace",
                     order_ref="PO-BENCH")
    make_s = time.perf_counter() - started
    peak = _status("VmHWM")
    started = time.perf_counter()
    alone = verify_pack(made.path)
    verify_s = time.perf_counter() - started
    started = time.perf_counter()
    both = verify_pack(made.path, db=True)
    verify_db_s = time.perf_counter() - started
    size = Path(made.path).stat().st_size
    print(f"pack: {made.pages:,} pages ({made.appended_pages:,} from documents), {made.certificate_count} "
          f"certificates, {len(preview.gaps)} gaps, {size / 2**20:.1f} MiB")
    rows = [("preview (read_pack)", preview_s, PREVIEW_FLOOR_S, "s"),
            ("make_pack", make_s, MAKE_FLOOR_S, "s"),
            ("verify on its own", verify_s, VERIFY_FLOOR_S, "s"),
            ("verify with the database", verify_db_s, VERIFY_FLOOR_S, "s"),
            ("peak RSS while making", peak, RSS_FLOOR_MB, "MB")]
    missed = False
    for name, value, floor, unit in rows:
        ok = value <= floor
        missed |= not ok
        print(f"{name:28s} {value:9.2f} {unit:2s}   floor {floor:g} {unit}   {'met' if ok else 'MISSED'}")
    print(f"RSS before making {before:.0f} MB; the documents appended {document_bytes / 2**20:.0f} MiB "
          f"(peak - before = {peak - before:.0f} MB, {(peak - before) / (document_bytes / 2**20):.1f}x the documents)")
    if not (alone.ok and both.ok):
        print("verify FAILED:", alone.problems + both.problems)
        missed = True
    db.close_database()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
