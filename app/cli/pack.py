"""certline-cli pack: conformance packs made (app.pack), checked, and listed.

``pack make`` is a signature, as ``cert approve`` is: it acts as ``--user`` proven by their PIN (an API
token proves who, but the signature still takes the PIN). A pack with gaps is made only with
``--reason``; without it the gaps are printed and nothing is made. ``pack verify`` needs no user: it
checks the file on its own, and against the database only when ``--db`` is given.
"""
from __future__ import annotations

import argparse
from typing import Callable

from app import pack
from app.cli.auth import open_db, signature_pin
from app.cli.labels import _serials_from_file
from app.cli.output import EXIT_BAD_REQUEST, EXIT_OK, Output
from app.pack.verify import verify_pack
from app.queries.packs import list_packs


def add_pack_commands(parser: argparse.ArgumentParser, common: argparse.ArgumentParser,
                      needs_user: Callable[..., None]) -> None:
    commands = parser.add_subparsers(dest="pack_command", required=True, metavar="COMMAND")
    made = commands.add_parser("make", parents=[common], help="make a conformance pack, signed with your PIN",
                               description="make a conformance pack (one PDF), signed with your PIN (supervisor)")
    made.set_defaults(handler=cmd_pack_make)
    which = made.add_mutually_exclusive_group(required=True)
    which.add_argument("--job", help="every serial of this job that is not scrapped")
    which.add_argument("--serials", metavar="FILE", help="the serials in a file, one a line (a shipment, as scanned)")
    which.add_argument("--serial", nargs="+", metavar="SERIAL", help="these serials (one or more)")
    made.add_argument("--out", required=True, metavar="FILE", help="the PDF to write")
    made.add_argument("--plant", required=True, help="the plant, as printed on the certificate of conformance")
    made.add_argument("--customer", required=True)
    made.add_argument("--order", required=True, dest="order_ref", help="the customer's order reference")
    made.add_argument("--statement", help="the statement certified (default: the plant's standard wording)")
    made.add_argument("--statement-file", metavar="FILE", help="the statement, read from a text file")
    made.add_argument("--reason", help="why the pack is made although it has gaps (printed in it; required then)")
    made.add_argument("--preview", action="store_true", help="only show what the pack would hold and its gaps")
    needs_user(made)
    checked = commands.add_parser("verify", parents=[common], help="check a pack: on its own, and with --db "
                                                                   "against the database that made it")
    checked.set_defaults(handler=cmd_pack_verify)
    checked.add_argument("file")
    listed = commands.add_parser("list", parents=[common], help="the packs made, newest first")
    listed.set_defaults(handler=cmd_pack_list)
    listed.add_argument("--text", help="customer, order, selection or hash contains")
    listed.add_argument("--limit", type=int, default=100)


def _selection(args) -> dict:
    if args.job:
        return {"job": args.job}
    return {"serials": _serials_from_file(args.serials) if args.serials else args.serial}


def _statement(args) -> str:
    if args.statement_file:
        with open(args.statement_file, encoding="utf-8") as handle:
            return handle.read()
    return args.statement or pack.DEFAULT_STATEMENT


def _preview_text(preview: pack.PackPreview) -> str:
    lines = [f"{preview.quantity} serials ({preview.selection}), {len(preview.certificates)} certificates, "
             f"{len(preview.documents)} documents"]
    lines += [f"Gap: {gap.sentence}" for gap in preview.gaps] or ["No gaps"]
    return "\n".join(lines)


def cmd_pack_make(args, out: Output) -> None:
    open_db(args)
    selection = _selection(args)
    if args.preview:
        preview = pack.read_pack(args.user, **selection)
        out.emit(preview.to_json(), _preview_text(preview))
        return
    pin = signature_pin(args, args.actor, "Signing the pack")  # checked and counted by the signature itself
    made = pack.make_pack(args.user, pin, args.out, plant=args.plant, customer=args.customer, order_ref=args.order_ref,
                          statement=_statement(args), reason=args.reason, **selection)
    text = (f"Made {made.path}: {made.serial_count} serials, {made.certificate_count} certificates, "
            f"{made.document_count} documents, {made.pages} pages ({made.appended_pages} from documents)\n"
            f"Signed by {made.signed_by} at {made.to_json()['signedAt']}, meaning: {pack.MEANING}\n"
            f"sha256 {made.sha256}\ncontents hash {made.contents_hash}")
    if made.gaps:
        text += "\nMade with gaps (printed in the pack with the reason):\n" + "\n".join(f"- {g}" for g in made.gaps)
    out.emit(made.to_json(), text)


def cmd_pack_verify(args, out: Output) -> int:
    against = getattr(args, "db", None)
    if against:
        open_db(args)
    report = verify_pack(args.file, db=True if against else None)
    lines = [f"{'OK' if report.ok else 'FAILED'}: {args.file} (sha256 {report.file_sha256})"]
    lines += [f"  problem: {problem}" for problem in report.problems]
    lines += [f"  checked: {line}" for line in report.checked]
    lines += [f"  note: {report.note}"] if report.note else []
    out.emit(report.to_json(), "\n".join(lines))
    return EXIT_OK if report.ok else EXIT_BAD_REQUEST  # as certline-cli verify: 3 when it fails


def cmd_pack_list(args, out: Output) -> None:
    open_db(args)
    found = list_packs(args.limit, args.text)
    out.emit([p.to_json() for p in found], lambda _: "\n".join(
        f"{p.made_at.isoformat(sep=' ', timespec='seconds')}  {p.customer}, order {p.order_ref}  "
        f"{p.serial_count} serials ({p.selection})  by {p.made_by_name}  sha256 {p.file_sha256}"
        for p in found) or "No packs made yet")
