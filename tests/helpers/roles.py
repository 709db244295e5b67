"""PostgreSQL's two accounts in the tests: an owner that migrates, a station role that works.

The roles are the cluster's (made once per session); the databases are copies of one template that the
owner migrated and granted with ``certline-cli init --station-role``, as a plant sets one up.
"""
from __future__ import annotations

import datetime as dt

import psycopg
from psycopg import sql

from app import db as app_db
from tests.helpers.postgres import SUPERUSER, Cluster

OWNER = "certline_owner"
STATION = "certline_station"
STATION_TEMPLATE = "station_template"


def as_user(url: str, user: str) -> str:
    """``url`` with another user name (the test cluster trusts every local connection)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{user}@{rest.partition('@')[2]}"


def make_station_template(cluster: Cluster) -> str:
    """A database owned by ``OWNER`` (no superuser), migrated by it, with ``STATION`` made and granted by
    ``certline-cli init``; kept as a template (so the session's check of left databases passes it by)."""
    from app.cli import main as cli_main

    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (OWNER,)).fetchone():
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(sql.Identifier(OWNER)))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(STATION_TEMPLATE),
                                                                 sql.Identifier(OWNER)))
    owner_url = as_user(cluster.url(STATION_TEMPLATE), OWNER)
    status = cli_main(["init", "--db", owner_url, "--station-role", STATION])
    app_db.close_database()
    assert status == 0, f"certline-cli init --station-role exited {status}"
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE true").format(sql.Identifier(STATION_TEMPLATE)))
    return STATION_TEMPLATE


def hold_server_clock(handle, moment: dt.datetime) -> None:
    """Make the database's ``certline_now()``, the clock PIN locks are counted by, say ``moment``.

    Only the owner may replace it; the test connects as the cluster's superuser to do so."""
    url = as_user(handle.database, SUPERUSER)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE OR REPLACE FUNCTION certline_now() RETURNS timestamp LANGUAGE sql VOLATILE "
                             "AS $$ SELECT {}::timestamp $$").format(sql.Literal(moment.isoformat(" "))))
