"""certline-cli token: API tokens for scripts (app.tokens), created and revoked by a proven user."""
from __future__ import annotations

import argparse
from typing import Callable

from app import tokens
from app.cli.auth import open_db
from app.cli.output import Output
from app.users import require_user


def add_token_commands(token_parser: argparse.ArgumentParser, common: argparse.ArgumentParser,
                       needs_user: Callable[[argparse.ArgumentParser], None]) -> None:
    commands = token_parser.add_subparsers(dest="token_command", required=True, metavar="COMMAND")
    sub = commands.add_parser("create", parents=[common], help="a token for a user (admin); printed once")
    sub.set_defaults(handler=cmd_token_create)
    sub.add_argument("--for", dest="owner", required=True, metavar="USER", help="the user the token acts as")
    sub.add_argument("--name", required=True, help='what uses it, e.g. "ERP import"')
    sub.add_argument("--expires", type=int, metavar="DAYS", help=f"refused after this many days (1-{tokens.MAX_DAYS})")
    sub.add_argument("--scopes", default=",".join(tokens.DEFAULT_SCOPES), metavar="SCOPE,…",
                     help=f"what it may do through certline-server: {', '.join(tokens.SCOPES)} "
                          f"(default {','.join(tokens.DEFAULT_SCOPES)})")
    needs_user(sub)
    # Listing tokens is for administrators too: it says who can act from where.
    sub = commands.add_parser("list", parents=[common], help="every token: whose, what for, its state (admin)")
    sub.set_defaults(handler=cmd_token_list)
    sub.add_argument("--for", dest="owner", metavar="USER", help="only this user's tokens")
    needs_user(sub)
    sub = commands.add_parser("revoke", parents=[common], help="refuse a token from now on (admin, or its user)")
    sub.set_defaults(handler=cmd_token_revoke)
    sub.add_argument("id")
    needs_user(sub)


def _line(t: tokens.TokenRecord) -> str:
    j = t.to_json()
    return (f"{t.id:<26} {t.user_id:<12} {j['state']:<8} {j['createdAt']:<25} {j['expiresAt'] or 'never':<25} "
            f"{','.join(t.scopes):<32} {t.name}")


def cmd_token_create(args, out: Output) -> None:
    open_db(args)
    token, secret = tokens.create_token(args.owner, args.name, args.user, expires_days=args.expires,
                                        scopes=args.scopes)
    expires = f", expires {token.to_json()['expiresAt']}" if token.expires_at else ""
    out.emit(token.to_json() | {"token": secret},
             f"{secret}\n\nAPI token {token.id} ({token.name}) acts as {token.user_id}{expires}, "
             f"scopes {','.join(token.scopes)}.\n"
             "This is the only time it is shown: keep it in a file only its script's account may read "
             "(chmod 600), and pass it with --token-file FILE or CERTLINE_TOKEN.")


def cmd_token_list(args, out: Output) -> None:
    open_db(args)
    require_user(args.user, roles=("admin",), action="list API tokens")
    found = tokens.list_tokens(args.owner)
    header = f"{'id':<26} {'user':<12} {'state':<8} {'created (UTC)':<25} {'expires (UTC)':<25} {'scopes':<32} name"
    out.emit([t.to_json() for t in found],
             lambda _: "\n".join([header, *map(_line, found)]) if found else "No API tokens")


def cmd_token_revoke(args, out: Output) -> None:
    open_db(args)
    token = tokens.revoke_token(args.id, args.user)
    out.emit(token.to_json(), f"Revoked API token {token.id} ({token.name}) of {token.user_id}: "
                              f"refused from {token.to_json()['revokedAt']} on")
