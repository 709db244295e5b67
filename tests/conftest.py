"""Fixtures shared by every test: a database on SQLite and on PostgreSQL, and a small plant."""
from __future__ import annotations

import os
import tempfile

import pytest

from app import db as app_db
from tests.helpers.plant import build_plant
from tests.helpers.postgres import Cluster

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["CERTLINE_WORKSTATION"] = "test-station"
# Witness files, logs and documents of the tests stay out of the real user data directory.
os.environ.setdefault("CERTLINE_DATA", tempfile.mkdtemp(prefix="certline-test-data-"))
# The PIN pepper too stays out of the user's configuration directory (app.pins).
os.environ.setdefault("CERTLINE_PEPPER_FILE", os.path.join(os.environ["CERTLINE_DATA"], "pin-pepper"))

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True)
def _settings_of_this_test(tmp_path):
    """A test's QSettings (station settings, remembered label size) live in its own folder, never in the
    user's configuration, and no test sees another's."""
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # a core-only environment: nothing to isolate
        yield
        return
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    yield


@pytest.fixture(scope="session")
def pg_server():
    """The session's PostgreSQL cluster and its migrated template. Tests use ``pg_cluster``."""
    cluster = Cluster()
    if not cluster.available:
        pytest.skip("PostgreSQL is not installed (no initdb/pg_ctl); .ci/run installs it")
    cluster.start()
    try:
        # One migrated template; each test copies it, which is much faster than migrating.
        template_url = cluster.create_database()
        app_db.open_database(template_url)
        app_db.close_database()
        cluster.template = template_url.rsplit("/", 1)[1]
        yield cluster
        left = cluster.databases() - {cluster.template}
        assert not left, f"test databases left on PostgreSQL at the end of the session: {sorted(left)}"
    finally:
        cluster.stop()


@pytest.fixture
def pg_cluster(pg_server):
    """The PostgreSQL cluster for one test; every database the test made is dropped when it ends."""
    before = pg_server.databases()
    yield pg_server
    pg_server.drop_databases(pg_server.databases() - before)


@pytest.fixture
def db_url(request, tmp_path):
    """The URL of a fresh, migrated database on the backend named by the test's parameter.

    A PostgreSQL database is dropped as soon as the test ends, by ``pg_cluster``'s teardown.
    """
    backend = getattr(request, "param", "sqlite")
    if backend == "postgres":
        cluster = request.getfixturevalue("pg_cluster")
        yield cluster.create_database(template=cluster.template)
    else:
        yield str(tmp_path / "certline.sqlite3")


@pytest.fixture
def database(db_url):
    handle = app_db.open_database(db_url)
    yield handle
    app_db.close_database()


@pytest.fixture
def plant(database):
    build_plant()
    return database


def pytest_generate_tests(metafunc):
    # Every test that uses the database runs on both backends.
    # A test that names its own backends (one that exists only on PostgreSQL) keeps them.
    own = any(mark.args and mark.args[0] == "db_url" for mark in metafunc.definition.iter_markers("parametrize"))
    if "db_url" in metafunc.fixturenames and not own:
        metafunc.parametrize("db_url", BACKENDS, indirect=True)
