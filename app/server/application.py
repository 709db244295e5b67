"""The certline-server application: the routers of each endpoint group behind the token gate."""
from __future__ import annotations

import contextlib

from fastapi import FastAPI

import app as certline
from app.server import api_certificates, api_documents, api_lookup, api_serials, errors, streaming
from app.server.auth import Gate
from app.server.workers import DEFAULT_THREADS, DatabaseThreads

DESCRIPTION = """Certline's rules over HTTP, for other systems: an ERP pushes certificates in, an MES attaches
them and asks which serials carry a heat lot. The same rules as the station and certline-cli, with their
messages word for word.

Every request carries an API token (`Authorization: Bearer certline_…`), made by an administrator with
`certline-cli token create --for USER --name NAME --scopes read,attach,certificates,documents`. Errors are
`{"error": {"status": 404, "message": "SerialNumber not found: SN-404"}}`."""


def create_app(threads: int = DEFAULT_THREADS) -> FastAPI:
    """The application, on the database the process has opened (app.db.open_database)."""
    pool = DatabaseThreads(threads)

    @contextlib.asynccontextmanager
    async def lifespan(application: FastAPI):
        pool.start()
        try:
            yield
        finally:
            pool.stop()

    application = FastAPI(title="certline-server", version=certline.__version__, description=DESCRIPTION,
                          lifespan=lifespan, openapi_url="/openapi.json", docs_url="/docs", redoc_url=None)
    application.state.threads = pool
    errors.install(application)
    for module in (api_serials, streaming, api_certificates, api_documents, api_lookup):
        application.include_router(module.router)
    application.add_middleware(Gate, threads=pool)
    return application
