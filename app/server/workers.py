"""The threads that talk to the database for certline-server.

The rules in ``app/`` are synchronous and use the connection of the thread they run in (peewee keeps
one per thread). The server's event loop must never wait on the database, so every call into ``app/``
goes to one of a fixed number of threads of this pool. Fixed, and owned here rather than the
framework's thread pool: it bounds the database connections one server process holds (several
processes share one PostgreSQL server), and at shutdown each thread closes its own connection.
"""
from __future__ import annotations

import asyncio
import contextlib
import concurrent.futures
import contextvars
import logging
import queue
import threading
from typing import Any, Callable, TypeVar

from peewee import InterfaceError, OperationalError

from app import db

log = logging.getLogger("certline.server")
T = TypeVar("T")
DEFAULT_THREADS = 8


class DatabaseThreads:
    """``await threads.run(fn, *args)`` runs ``fn`` in one of ``count`` database threads."""

    def __init__(self, count: int = DEFAULT_THREADS):
        if count < 1:
            raise ValueError(f"A server needs at least one database thread: {count}")
        self.count = count
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self.count):
            thread = threading.Thread(target=self._serve, name=f"certline-db-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
        self._threads.clear()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        future: concurrent.futures.Future = concurrent.futures.Future()
        # The caller's context goes along, so what a request set (audit.acting) is seen by its call only.
        self._jobs.put((future, contextvars.copy_context(), fn, args))
        return await asyncio.wrap_future(future)

    def _serve(self) -> None:
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                future, context, fn, args = job
                if not future.set_running_or_notify_cancel():  # the client left before it started
                    continue
                try:
                    result = context.run(fn, *args)
                except BaseException as error:  # noqa: BLE001 - handed to the request that asked
                    if isinstance(error, (InterfaceError, OperationalError)):
                        _drop_connection()
                    future.set_exception(error)
                else:
                    future.set_result(result)
        finally:
            _drop_connection()


def _drop_connection() -> None:
    """Close this thread's connection: the next call connects afresh (a server restarted, a network cut)."""
    try:
        db.close_database()
    except Exception:  # noqa: BLE001 - a connection that is already dead cannot be closed cleanly
        log.debug("closing a database connection failed", exc_info=True)
        handle = db.database.obj
        if handle is not None:  # still inside a transaction that died with it: forget it, then close it
            conn, _ = handle._state.conn, handle._state.reset()
            with contextlib.suppress(Exception):
                conn is not None and conn.close()
