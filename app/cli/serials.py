"""certline-cli serials: batches of serials for a job, and many moved at once (app.serial_batches)."""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from app import serial_batches, serials
from app.certificate_list import resolve_certificate
from app.cli.auth import open_db
from app.cli.output import Output
from app.errors import Invalid


def add_serials_commands(parser: argparse.ArgumentParser, common: argparse.ArgumentParser,
                         needs_user: Callable[..., None]) -> None:
    commands = parser.add_subparsers(dest="serials_command", required=True, metavar="COMMAND")
    made = commands.add_parser("create", parents=[common], help="create serials for a job",
                               description="A batch for a job: --count numbered on from --prefix (SN-00001 …) or "
                                           "by --pattern, or every serial of --from-file; one transaction.")
    made.set_defaults(handler=cmd_serials_create)
    made.add_argument("--job", required=True)
    made.add_argument("--count", type=int, help="how many (with --prefix or --pattern)")
    made.add_argument("--pattern", help="numbering pattern, e.g. 'SN-{job}-{n:04}' ({n:04}: 4 digits at least)")
    made.add_argument("--start", type=int, help="with --pattern: the first number (default: after the highest used)")
    made.add_argument("--prefix", help="serial id prefix, numbered on from the last (default SN-)")
    made.add_argument("--from-file", metavar="FILE", help="serial numbers, one a line, or a CSV with one column or "
                                                          "a column headed 'serial' ('-': standard input)")
    made.add_argument("--cert", help="attach this certificate to each new serial")
    needs_user(made)
    for name, help in (("advance", "move serials to the next step of their route"),
                       ("complete", "complete serials standing at the last step"),
                       ("scrap", "scrap serials")):
        made = commands.add_parser(name, parents=[common], help=f"{help}: all or nothing",
                                   description=f"{help}. All or nothing: one serial refused and none moves.")
        made.set_defaults(handler=cmd_serials_move, move=name)
        made.add_argument("serials", nargs="*", metavar="SERIAL")
        made.add_argument("--from-file", metavar="FILE", help="serials listed in a file, as for create")
        made.add_argument("--reason", help="why: needed where a step's required certificate is missing "
                                           "(an override), recorded with each serial")
        needs_user(made)


def _listed(path: str) -> list[tuple[int, str]]:
    if path == "-":
        return serial_batches.read_serial_list(sys.stdin.read())
    return serial_batches.read_serial_file(path)


def cmd_serials_create(args, out: Output) -> None:
    open_db(args)
    if args.from_file and (args.count is not None or args.pattern or args.prefix or args.start is not None):
        raise Invalid("--from-file gives the serials itself: leave out --count, --pattern, --start and --prefix")
    if not args.from_file and args.count is None:
        raise Invalid("Say how many (--count N, with --prefix or --pattern) or give --from-file FILE")
    if args.pattern and args.prefix:
        raise Invalid("Give --pattern or --prefix, not both")
    if args.start is not None and not args.pattern:
        raise Invalid("--start goes with --pattern")
    cert_id = resolve_certificate(args.cert).id if args.cert else None
    if args.from_file:
        batch = serial_batches.create_batch(args.job, args.user, serial_ids=_listed(args.from_file), cert_id=cert_id)
    elif args.pattern:
        batch = serial_batches.create_batch(args.job, args.user, count=args.count, pattern=args.pattern,
                                            start=args.start, cert_id=cert_id)
    else:
        batch = serials.create_serials(args.job, args.count, args.user, cert_id=cert_id, prefix=args.prefix or "SN-")
    with_cert = f", {batch.cert_id} attached to each at {batch.step_id}" if batch.cert_id else ""
    out.emit(batch.to_json(), f"Created {len(batch.serial_ids)} serials for {batch.job_id}: "
                              f"{batch.serial_ids[0]} … {batch.serial_ids[-1]}{with_cert}")


def cmd_serials_move(args, out: Output) -> None:
    open_db(args)
    listed = list(args.serials) + ([s for _, s in _listed(args.from_file)] if args.from_file else [])
    if not listed:
        raise Invalid(f"Name the serials to {args.move}, or give --from-file FILE")
    moved = serial_batches.move_serials(args.move, listed, args.user, reason=args.reason)
    done = {"advance": "Advanced", "complete": "Completed", "scrap": "Scrapped"}[args.move]

    def text(_) -> str:
        lines = [f"{done} {len(moved)} serial{'s' if len(moved) != 1 else ''}"]
        for detail in moved:
            where = detail.current_step.step.name if detail.current_step else detail.status.replace("_", " ")
            lines.append(f"  {detail.id:<20} {where}")
        return "\n".join(lines)

    out.emit([d.to_json() for d in moved], text)
