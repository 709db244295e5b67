"""``certline-server --db URL [--host 127.0.0.1] [--port 3000]``: Certline over HTTP, on uvicorn.

Logs go to standard error (the systemd journal under the unit in packaging/), one line each: requests,
refusals of the database, and every failure with its traceback, which the client never sees.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import threading

import uvicorn

import app as certline
from app import db, webhooks
from app.errors import DatabaseUnavailable
from app.server.application import create_app
from app.server.workers import DEFAULT_THREADS

EXIT_DATABASE = 5  # as certline-cli: the database could not be used


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="certline-server", description="Certline's rules over HTTP for other "
                                     "systems (OpenAPI at /openapi.json, its pages at /docs)")
    parser.add_argument("--db", help="a SQLite file or a postgresql:// URL (else CERTLINE_DB, else the default "
                                     "database)")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1; "
                                                            "0.0.0.0 for every interface)")
    parser.add_argument("--port", type=int, default=3000, help="default 3000")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                        help=f"database threads, so connections, of this process (default {DEFAULT_THREADS})")
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    parser.add_argument("--no-access-log", action="store_true", help="no line per request")
    parser.add_argument("--no-webhooks", action="store_true",
                        help="send no change events from this process (another one delivers them)")
    parser.add_argument("--version", action="version", version=f"certline-server {certline.__version__}")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("CERTLINE_WORKSTATION", f"certline-server@{os.uname().nodename}"
                          if hasattr(os, "uname") else "certline-server")
    try:
        db.open_database(args.db)
    except DatabaseUnavailable as error:
        print(f"certline-server: {error.message}", file=sys.stderr)
        return EXIT_DATABASE
    logging.getLogger("certline.server").info("certline-server %s on %s, database %s", certline.__version__,
                                              f"{args.host}:{args.port}", db.describe(db.resolve_url(args.db)))
    # Change events go out from a thread of their own (app.webhook_delivery); on PostgreSQL every server
    # process may deliver, on SQLite one per database.
    stop = threading.Event()
    delivery = threading.Thread(target=webhooks.run_delivery, args=(stop,), name="webhook-delivery", daemon=True)
    if not args.no_webhooks:
        delivery.start()
    try:
        uvicorn.run(create_app(args.threads), host=args.host, port=args.port, log_level=args.log_level,
                    access_log=not args.no_access_log, log_config=None, server_header=False)
    finally:
        stop.set()
        if delivery.is_alive():
            delivery.join(15)  # an event still in flight then is sent again next time (at least once)
    return 0


if __name__ == "__main__":
    sys.exit(main())
