"""Who certline-cli acts as, proven before anything is written.

``--user`` alone is a claim anyone at the workstation can make; so every command that writes
first authenticates the user it acts as: by their PIN (typed when asked in a terminal, or
``CERTLINE_PIN``, or the first line of ``--pin-file``, a file only its owner may read), or by an
API token instead of user and PIN (``--token-file`` or ``CERTLINE_TOKEN``; app.tokens). The PIN
goes through app.users.check_pin like the station's, so wrong PINs typed here count towards the
same lock and are recorded the same way. Only where there is nobody to authenticate — the first
user of an empty database — does a write go ahead without it.
"""
from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from dataclasses import dataclass
from pathlib import Path as FilePath

from app import audit, db, tokens, users
from app.db import write_transaction
from app.errors import Forbidden, Invalid, NotFound
from app.models import User

PIN_ENV, TOKEN_ENV = "CERTLINE_PIN", "CERTLINE_TOKEN"
HOW = ("type the PIN when asked (in a terminal), or set CERTLINE_PIN, or give --pin-file FILE; "
       "a script may use an API token instead (--token-file FILE or CERTLINE_TOKEN)")


class NotAuthenticated(Forbidden):
    """The user could not be proven: nothing was done (exit status 6)."""

    status = 401


@dataclass(frozen=True)
class Actor:
    """The user a command acts as, and how that was proven: ``pin``, ``token`` or ``bootstrap``."""

    user_id: str | None
    method: str
    token_id: str | None = None


def add_options(sub: argparse.ArgumentParser, who: str = "id of the user doing this (recorded in the audit "
                                                             "trail); proven by PIN or token") -> None:
    sub.add_argument("--user", help=who)
    proof = sub.add_mutually_exclusive_group()
    proof.add_argument("--pin-file", metavar="FILE", help="the PIN on the first line of a file only you may read "
                                                          "(else CERTLINE_PIN, else asked in a terminal)")
    proof.add_argument("--token-file", metavar="FILE",
                       help="act by an API token read from a file only you may read (or CERTLINE_TOKEN)")


def mode(args: argparse.Namespace) -> str | None:
    """How this command proves who acts: None (it writes nothing), ``required``, ``signature``
    (the command checks the PIN itself, as a signature), ``bootstrap`` (not needed in an empty database)."""
    command = args.command
    if command == "serial":
        return "required" if args.words[0] in ("advance", "complete", "scrap") and len(args.words) == 2 else None
    if command == "export":  # a name printed on a report is a name proven
        return "required" if args.user or args.pin_file or args.token_file else None
    if command == "import" or (command == "user" and args.user_command == "add"):
        return "bootstrap"
    if command == "cert" and args.cert_command == "approve":
        return "signature"
    return "required" if getattr(args, "writes", False) else None


# Commands that may start a database where there is none; any other finding no SQLite file was
# given a mistyped path, and would otherwise report on an empty database made on the spot.
_MAY_CREATE = {"cmd_init", "cmd_demo", "cmd_import", "cmd_user"}


def open_db(args: argparse.Namespace) -> None:
    """Bind the database, unless authenticating already did."""
    if not getattr(args, "opened", False):
        url = db.resolve_url(args.db)
        path = FilePath(url.removeprefix("sqlite:///"))
        if not db.is_postgres_url(url) and args.handler.__name__ not in _MAY_CREATE and not path.exists():
            raise NotFound(f"There is no database at {path}: make one with certline-cli init (or demo)")
        db.open_database(args.db)
        args.opened = True


def authenticate(args: argparse.Namespace) -> Actor | None:
    """Prove who ``args`` acts as, or raise; sets ``args.user`` to them and marks the audit entries."""
    how = mode(args)
    if how is None:
        return None
    open_db(args)
    if how == "bootstrap" and not User.select().exists():
        actor = Actor(args.user, "bootstrap")
        args.first_user = True
    else:
        actor = _by_token(args) or _by_pin(args, check=how != "signature")
    args.user, args.actor = actor.user_id, actor
    audit.set_auth(actor.method, actor.token_id)
    return actor


@contextlib.contextmanager
def first_user_only(args: argparse.Namespace):
    """The write of a bootstrap command, refused if somebody created a user since it looked."""
    if not getattr(args, "first_user", False):
        yield
        return
    with write_transaction():  # the write lock, taken before looking again: nobody slips in between
        if User.select().exists():
            raise NotAuthenticated("The database has users now: run the command again to be asked for your PIN")
        yield


def signature_pin(args: argparse.Namespace, actor: Actor, doing: str = "Approving") -> str:
    """The PIN a signature (``cert approve``, ``pack make``) is made with: a token proves who, but cannot sign."""
    pin = _pin(args, actor.user_id)
    if pin is None:
        raise NotAuthenticated(f"{doing} is a signature: it takes {actor.user_id}'s PIN"
                               + (" as well as the token" if actor.method == "token" else "") + f"; {HOW}")
    return pin


def _by_token(args: argparse.Namespace) -> Actor | None:
    if args.token_file:
        secret = _private_first_line(args.token_file, "token")
    elif args.pin_file:  # a PIN file given on the command line wins over a token in the environment
        return None
    else:
        secret = os.environ.get(TOKEN_ENV)
        if not secret:
            return None
    try:
        user, token = tokens.authenticate(secret)
    except Forbidden as refused:
        raise NotAuthenticated(refused.message) from None
    if args.user and args.user != user.id:
        raise NotAuthenticated(f"This API token ({token.id}) acts as {user.id}, not as {args.user}")
    return Actor(user.id, "token", token.id)


def _by_pin(args: argparse.Namespace, check: bool) -> Actor:
    if not args.user:
        raise NotAuthenticated(f"Say who does this: --user USER, proven by their PIN ({HOW})")
    user = users.get_user(args.user)
    if not user.active:
        raise NotAuthenticated(f"User {user.id} is not active")
    if not user.has_pin:
        raise NotAuthenticated(f"{user.id} has no PIN, so cannot act through certline-cli: ask an administrator "
                               "for a PIN or an API token")
    locked = users.lock_of(user.id)
    if locked is not None:  # said before the PIN is asked in vain
        raise NotAuthenticated(locked.message)
    pin = _pin(args, user.id)
    if pin is None:
        raise NotAuthenticated(f"certline-cli acts as {user.id} only with their PIN: {HOW}")
    if check:
        try:
            users.check_pin(user.id, pin, purpose="cli")
        except Forbidden as refused:
            raise NotAuthenticated(refused.message) from None
    args.proven_pin = pin  # the command that signs with it (cert approve) checks it there
    return Actor(user.id, "pin")


def _pin(args: argparse.Namespace, user_id: str | None) -> str | None:
    given = getattr(args, "proven_pin", None)
    if given is not None:
        return given
    if args.pin_file:
        return _private_first_line(args.pin_file, "PIN")
    if os.environ.get(PIN_ENV):
        return os.environ[PIN_ENV]
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            return getpass.getpass(f"PIN for {user_id}: ")
        except (EOFError, KeyboardInterrupt):
            raise NotAuthenticated("No PIN typed: nothing was done") from None
    return None


def _private_first_line(path: str, what: str) -> str:
    """The first line of a secret's file, refused when other accounts may read the file."""
    try:
        handle = open(path, encoding="utf-8")
    except OSError as error:
        raise Invalid(f"Cannot read the {what} file {path}: {error.strerror or error}") from None
    with handle:
        if os.name == "posix":
            mode_bits = os.fstat(handle.fileno()).st_mode & 0o777
            if mode_bits & 0o077:
                raise NotAuthenticated(f"The {what} file {path} may be read by other accounts (mode {mode_bits:o}): "
                                       f"make it yours alone with chmod 600 {path}")
        try:
            line = handle.readline(4096).strip()
        except UnicodeDecodeError:
            raise Invalid(f"The {what} file {path} is not text") from None
    if not line:
        raise Invalid(f"The {what} file {path} is empty: its first line should hold the {what}")
    return line
