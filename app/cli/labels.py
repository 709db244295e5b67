"""certline-cli labels: serial labels (Code 128 and GS1 DataMatrix) to a PDF, one label a page (app.labels)."""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from app import labels
from app.cli.auth import open_db
from app.cli.output import STDOUT, Output
from app.errors import Invalid

SHOWN_REPRINTS = 10


def add_labels_options(sub: argparse.ArgumentParser, needs_user: Callable[[argparse.ArgumentParser], None]) -> None:
    """The labels command's arguments (its help, shown in the list of commands, is app.cli.LABELS_HELP)."""
    sub.set_defaults(handler=cmd_labels)
    which = sub.add_mutually_exclusive_group(required=True)
    which.add_argument("--job", help="every serial of this job that is not scrapped")
    which.add_argument("--serials", nargs="+", metavar="SERIAL", help="these serials")
    which.add_argument("--from-file", metavar="FILE", help="the serials in a file, one a line (as scanned)")
    sub.add_argument("--out", required=True, metavar="FILE", help="the PDF to write (- for standard output)")
    sub.add_argument("--size", default=str(labels.DEFAULT_SIZE), metavar="WxH",
                     help=f"label width x height in mm (default {labels.DEFAULT_SIZE})")
    needs_user(sub)


def _serials_from_file(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            listed = [line.strip() for line in handle if line.strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise Invalid(f"Cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    if not listed:
        raise Invalid(f"{path} names no serials: it should hold one serial a line")
    return listed


def _text(order: labels.PrintOrder, out: str) -> str:
    count = len(order.serial_ids)
    text = f"Printed {count} label{'s' if count != 1 else ''} ({order.size} mm) to {out}"
    if order.skipped:
        text += f"; {order.skipped} scrapped serial{'s' if order.skipped != 1 else ''} left out"
    if order.reprints:
        shown = ", ".join(order.reprints[:SHOWN_REPRINTS])
        more = f" and {len(order.reprints) - SHOWN_REPRINTS} more" if len(order.reprints) > SHOWN_REPRINTS else ""
        text += f"\nReprinted (labels printed before): {shown}{more}"
    return text


def cmd_labels(args, out: Output) -> None:
    open_db(args)
    size = labels.parse_size(args.size)
    serial_ids = args.serials or (_serials_from_file(args.from_file) if args.from_file else None)
    if args.out == STDOUT:  # the PDF alone goes to standard output
        _, data = labels.pdf_labels(args.user, size, job_id=args.job, serial_ids=serial_ids)
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        return
    order = labels.save_pdf(args.out, args.user, size, job_id=args.job, serial_ids=serial_ids)
    out.emit(order.to_json() | {"out": args.out}, _text(order, args.out))
