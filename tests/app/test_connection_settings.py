"""PostgreSQL connection settings as plants use them, on a real server: TLS checked against a CA file, the
password from a file or the OS keyring (read at each connect, never shown), timeouts and keepalives."""
from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from peewee import OperationalError

from app import connection
from app import db as app_db
from app.errors import DatabaseUnavailable, DatabaseUnreachable
from tests.helpers.postgres import Cluster

PASSWORD = "Corr3ct-Horse"


def test_options_round_trip_and_the_url_wins_over_the_defaults():
    url = "postgresql://station@db.plant.local:5433/certline?sslmode=verify-full&sslrootcert=/etc/certline/ca.pem"
    base, options = connection.split_options(url)
    assert base == "postgresql://station@db.plant.local:5433/certline"
    assert options == {"sslmode": "verify-full", "sslrootcert": "/etc/certline/ca.pem"}
    assert connection.join_options(base, options) == url
    assert connection.join_options(base, {"sslmode": ""}) == base  # an emptied field leaves the URL
    handle = connection.PostgresDatabase(url + "&connect_timeout=2&password_file=/run/pw&statement_timeout=5s")
    given = dict(connection.split_options(handle.database)[1])
    assert given["connect_timeout"] == "2" and given["keepalives"] == "1" and given["keepalives_idle"] == "5"
    assert given["sslrootcert"] == "/etc/certline/ca.pem" and given["tcp_user_timeout"] == "10000"
    assert "password_file" not in given and "statement_timeout" not in given  # Certline's own, not libpq's
    assert (handle.password_file, handle.statement_timeout, handle.user) == ("/run/pw", "5s", "station")
    assert app_db.describe(handle.database) == "postgresql://station@db.plant.local:5433/certline"


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """A server of its own: TLS with a certificate for 127.0.0.1 from a test CA, and a role that needs a password."""
    cluster = Cluster()
    if not cluster.available:
        pytest.skip("PostgreSQL is not installed (no initdb/pg_ctl); .ci/run installs it")
    cluster.start()
    files = tmp_path_factory.mktemp("tls")
    try:
        _make_certificates(files, cluster)
        data = cluster.dir / "data"
        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"ssl = on\nssl_cert_file = '{data / 'server.crt'}'\nssl_key_file = '{data / 'server.key'}'\n")
        hba = (data / "pg_hba.conf").read_text(encoding="utf-8")
        (data / "pg_hba.conf").write_text("host all station 127.0.0.1/32 scram-sha-256\n" + hba, encoding="utf-8")
        cluster.pause()
        cluster.resume()
        import psycopg

        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("SET password_encryption = 'scram-sha-256'")
            conn.execute(f"CREATE ROLE station LOGIN PASSWORD '{PASSWORD}'")
        cluster.files = files
        yield cluster
    finally:
        cluster.stop()


def _make_certificates(files: Path, cluster: Cluster) -> None:
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=files)

    for name in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN=Certline test {name}",
                "-keyout", f"{name}.key", "-out", f"{name}.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
            "-out", "server.csr")
    (files / "san.ext").write_text("subjectAltName = IP:127.0.0.1\n", encoding="utf-8")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "san.ext", "-out", "server.crt")
    data = cluster.dir / "data"
    for name in ("server.crt", "server.key"):
        (data / name).write_bytes((files / name).read_bytes())
        os.chmod(data / name, 0o600)
        if cluster.as_root:
            os.chown(data / name, *_postgres_ids())


def _postgres_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def station_url(cluster: Cluster, **options: str) -> str:
    return connection.join_options(f"postgresql://station@127.0.0.1:{cluster.port}/postgres", options)


def password_file(tmp_path: Path, text: str, mode: int = 0o600) -> str:
    path = tmp_path / "station-password"
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(mode)
    return str(path)


@pytest.mark.postgres
def test_tls_verify_full_against_the_plants_ca(secured):
    ca = str(secured.files / "ca.pem")
    handle = app_db.open_database(station_url(secured, sslmode="verify-full", sslrootcert=ca,
                                              password_file=password_file(secured.files, PASSWORD)), migrate=False)
    try:
        assert handle.connection().pgconn.ssl_in_use
    finally:
        app_db.close_database()
    # A server whose certificate the given CA did not sign is refused before any password is sent.
    with pytest.raises(DatabaseUnavailable, match="certificate verify failed"):
        app_db.open_database(station_url(secured, sslmode="verify-full", sslrootcert=str(secured.files / "other-ca.pem"),
                                         password_file=password_file(secured.files, PASSWORD)), migrate=False)


@pytest.mark.postgres
def test_the_password_comes_from_a_file_read_at_each_connect_and_is_never_shown(secured, tmp_path):
    path = password_file(tmp_path, PASSWORD)
    handle = app_db.open_database(station_url(secured, password_file=path), migrate=False)
    try:
        assert handle.execute_sql("SELECT current_user").fetchone() == ("station",)
        Path(path).write_text("Wr0ng-Horse\n", encoding="utf-8")  # changed on disk: the next connect reads it
        with pytest.raises(DatabaseUnreachable, match="password authentication failed") as refused:
            connection.reconnect()
        assert "Wr0ng-Horse" not in str(refused.value) and PASSWORD not in str(refused.value)
    finally:
        connection.drop()
        app_db.close_database()
        app_db.database.initialize(None)
    Path(path).chmod(0o644)
    with pytest.raises(DatabaseUnavailable, match="may be read by other accounts: chmod 600 it"):
        app_db.open_database(station_url(secured, password_file=path), migrate=False)
    with pytest.raises(DatabaseUnavailable, match="Cannot read the password file .*/missing: No such file"):
        app_db.open_database(station_url(secured, password_file=str(tmp_path / "missing")), migrate=False)


@pytest.mark.postgres
def test_the_password_from_the_os_keyring_when_the_package_is_there(secured, monkeypatch):
    asked = []
    fake = types.ModuleType("keyring")
    fake.get_password = lambda service, user: asked.append((service, user)) or PASSWORD  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    handle = app_db.open_database(station_url(secured, keyring="certline"), migrate=False)
    try:
        assert handle.execute_sql("SELECT current_user").fetchone() == ("station",)
    finally:
        app_db.close_database()
    assert asked == [("certline", "station")]
    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed: said, not a traceback
    with pytest.raises(DatabaseUnavailable, match="needs the keyring package"):
        app_db.open_database(station_url(secured, keyring="certline"), migrate=False)


@pytest.mark.postgres
def test_statement_timeout_and_keepalives_reach_the_session(pg_cluster):
    url = pg_cluster.create_database()
    handle = app_db.open_database(url, migrate=False)
    try:
        assert handle.execute_sql("SHOW statement_timeout").fetchone() == ("30s",)
        given = handle.connection().info.get_parameters()
        assert given["keepalives_idle"] == "5" and given["connect_timeout"] == "5"
    finally:
        app_db.close_database()
    handle = app_db.open_database(url + "?statement_timeout=150ms&keepalives_idle=30", migrate=False)
    try:
        assert handle.execute_sql("SHOW statement_timeout").fetchone() == ("150ms",)
        assert handle.connection().info.get_parameters()["keepalives_idle"] == "30"
        with pytest.raises(OperationalError) as cancelled:
            handle.execute_sql("SELECT pg_sleep(2)")
        # Slow, not gone: a statement timeout is no outage, the connection stays.
        assert not connection.is_connection_lost(cancelled.value)
        assert handle.execute_sql("SELECT 1").fetchone() == (1,)
    finally:
        app_db.close_database()
