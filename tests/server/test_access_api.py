"""Who may ask certline-server what: API tokens (401), their scopes (403), the users they act for, and
the documentation that needs none."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from app import clock, replay, tokens, user_admin
from app.db import close_database, open_database
from app.errors import Invalid
from app.models import ApiToken
from tests.helpers.cli import run
from tests.helpers.state import entries, row_counts
from tests.server.conftest import token

ATTACH = {"certId": "cert_mat01", "userId": "op1"}


def error_of(answer) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["message"]


def test_without_a_valid_token_every_request_is_401(server, on_the_line):
    anonymous = server.client()
    for method, path in (("GET", "/api/certs/cert_mat01/attachments"), ("POST", "/api/serials/SN-00001/attach-cert"),
                         ("GET", "/no/such/page"), ("POST", "/v2/certificate/index")):
        answer = anonymous.request(method, path, json=ATTACH)
        assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer", path
        assert answer.json()["error"]["message"].startswith("An API token is required: send it as Authorization: "
                                                            "Bearer <token>")
    assert error_of(server.client("certline_guessed").get("/api/serials/SN-00001")) == (
        401, "Unknown API token: it was mistyped, or belongs to another database")
    expired_id, expired = token("sup1", expires_days=1)
    ApiToken.update(expires_at=dt.datetime(2020, 1, 1)).where(ApiToken.id == expired_id).execute()
    assert error_of(server.client(expired).get("/api/serials/SN-00001")) == (
        401, f"API token {expired_id} (ERP import) expired on 2020-01-01T00:00:00.000Z")
    # The seed's own header: the bare token, without "Bearer".
    _, secret = token("sup1")
    bare = server.client()
    assert bare.get("/api/serials/SN-00001", headers={"Authorization": secret}).status_code == 200


def test_a_revoked_token_stops_at_once_and_a_deactivated_users_too(server, on_the_line):
    token_id, secret = token("sup1")
    client = server.client(secret)
    assert client.post("/api/serials/SN-00001/attach-cert", json=ATTACH).status_code == 200
    tokens.revoke_token(token_id, "admin")
    status, message = error_of(client.post("/api/serials/SN-00002/attach-cert", json=ATTACH))
    assert status == 401 and message.startswith(f"API token {token_id} (ERP import) was revoked on ")
    assert len(entries("cert_attached")) == 1
    other_id, other = token("op1")
    user_admin.deactivate_user("op1", "admin", "Left the company")
    assert error_of(server.client(other).get("/api/serials/SN-00001")) == (
        401, f"API token {other_id} belongs to op1, who is no longer active")


def test_a_token_the_server_has_let_in_before_is_checked_again_at_every_request(server, on_the_line):
    # The server remembers a token it let in (app.server.auth.Known); the database still decides each time.
    token_id, secret = token("sup1", scopes="read,attach")
    client = server.client(secret)
    assert client.post("/api/serials/SN-00001/attach-cert", json={"certId": "cert_mat01", "userId": "op2"}
                       ).status_code == 200
    # Its user demoted to operator: it no longer acts for another operator.
    user_admin.update_user("sup1", "admin", "Moved to the line", role="operator")
    assert error_of(client.post("/api/serials/SN-00002/attach-cert", json={"certId": "cert_mat01", "userId": "op2"})
                    )[0] == 403
    user_admin.update_user("sup1", "admin", "Back", role="supervisor", pin="432100")
    assert client.get("/api/serials/SN-00001").status_code == 200
    # Revoked: 401 whatever else the request would have been answered, and before any work. (A refused token is
    # forgotten, so each case has a token of its own, let in once before it is revoked.)
    for method, path, kwargs in (
            ("GET", "/api/serials/SN-00001", {}), ("GET", "/api/certs/cert_mat01/attachments", {}),
            ("POST", "/api/serials/SN-00002/attach-cert", {"json": ATTACH}),
            ("POST", "/api/serials/SN-00002/attach-cert", {"content": b"{not json"}),
            ("POST", "/v2/certificate/create", {"json": {"name": "x", "action_type": "OTHER"}}),  # outside its scopes
            ("GET", "/no/such/page", {}),
            ("POST", "/api/serials/SN-00002/attach-cert", {"content": b"x" * (2 * 1024 * 1024)})):
        assert client.get("/api/serials/SN-00001").status_code == 200
        tokens.revoke_token(token_id, "admin")
        status, message = error_of(client.request(method, path, **kwargs))
        assert status == 401 and message.startswith(f"API token {token_id} (ERP import) was revoked on "), path
        token_id, secret = token("sup1", scopes="read,attach")
        client = server.client(secret)
    assert len(entries("cert_attached")) == 1
    expiring_id, expiring = token("sup1")
    later = server.client(expiring)
    assert later.get("/api/serials/SN-00001").status_code == 200
    ApiToken.update(expires_at=dt.datetime(2020, 1, 1)).where(ApiToken.id == expiring_id).execute()
    assert error_of(later.get("/api/serials/SN-00001")) == (
        401, f"API token {expiring_id} (ERP import) expired on 2020-01-01T00:00:00.000Z")
    ApiToken.update(expires_at=None).where(ApiToken.id == expiring_id).execute()
    assert later.get("/api/serials/SN-00001").status_code == 200
    user_admin.deactivate_user("sup1", "admin", "Left the company")
    assert error_of(later.get("/api/certs/cert_mat01/attachments")) == (
        401, f"API token {expiring_id} belongs to sup1, who is no longer active")


def test_a_remembered_token_stops_at_its_expiry_by_the_clock_alone(server, on_the_line, monkeypatch):
    """Nothing in its rows changes: the time passes its expiry, and the next request is refused all the same."""
    token_id, secret = token("sup1", expires_days=1)
    client = server.client(secret)
    assert client.get("/api/serials/SN-00001").status_code == 200  # let in, and remembered by the server
    expires_at = ApiToken.get_by_id(token_id).expires_at
    monkeypatch.setattr(clock, "now_utc", lambda: expires_at + dt.timedelta(seconds=1))
    status, message = error_of(client.get("/api/serials/SN-00001"))
    assert status == 401 and message.startswith(f"API token {token_id} (ERP import) expired on "), message


def test_a_token_does_only_what_its_scopes_and_its_users_role_allow(server, on_the_line):
    read_id, read_only = token("sup1", scopes="read")
    attach_id, attach_only = token("sup1", scopes="attach")
    _, operator = token("op1")
    reader = server.client(read_only)
    assert reader.get("/api/certs/cert_mat01/attachments").status_code == 200
    before = row_counts()
    assert error_of(reader.post("/api/serials/SN-00001/attach-cert", json=ATTACH)) == (
        403, f"API token {read_id} (ERP import) has the scope read; this needs attach")
    assert error_of(reader.post("/v2/certificate/create", json={"name": "x", "action_type": "OTHER"}))[0] == 403
    assert error_of(reader.post("/api/v1/attachments/validate", json={"file_size": 1, "content_type": "x"}))[0] == 403
    attacher = server.client(attach_only)
    assert error_of(attacher.get("/api/serials/SN-00001")) == (
        403, f"API token {attach_id} (ERP import) has the scope attach; this needs read")
    assert row_counts() == before
    # A scope never widens the role: an operator's token with every scope still makes no certificate.
    assert error_of(server.client(operator).post("/v2/certificate/create", json={"name": "x", "action_type": "OTHER"})
                    ) == (403, "User op1 (operator) may not create certificates")
    assert row_counts() == before


def test_a_token_acts_for_its_user_or_for_users_of_a_lower_role_and_the_audit_names_both(server, on_the_line):
    operator_id, operator = token("op1", name="Line 3 terminal")
    status, message = error_of(server.client(operator).post("/api/serials/SN-00001/attach-cert",
                                                            json={"certId": "cert_mat01", "userId": "op2"}))
    assert (status, message) == (403, f"API token {operator_id} (Line 3 terminal) acts as op1 (operator) and may not "
                                      "act for op2 (operator): a token acts for its own user, or for users of a lower "
                                      "role")
    own = server.client(operator).post("/api/serials/SN-00001/attach-cert", json=ATTACH)
    assert (own.status_code, own.json()["attachedBy"]) == (200, "op1")
    supervisor_id, supervisor = token("sup1", name="MES")
    mes = server.client(supervisor)
    assert mes.post("/api/serials/SN-00002/attach-cert", json={"certId": "cert_mat01", "userId": "op2"}).status_code \
        == 200
    assert error_of(mes.post("/api/serials/SN-00003/attach-cert", json={"certId": "cert_mat01", "userId": "admin"})
                    )[0] == 403
    # A user the rule itself refuses is refused in the rule's words.
    assert error_of(mes.post("/api/serials/SN-00003/attach-cert", json={"certId": "cert_mat01", "userId": "ghost"})
                    ) == (404, "User not found: ghost")
    attached = entries("cert_attached")
    assert [(e.user_id, e.auth, e.token_id) for e in attached] == [("op1", "token", operator_id),
                                                                    ("op2", "token", supervisor_id)]


def test_the_openapi_document_and_its_pages_need_no_token(server):
    anonymous = server.client()
    spec = anonymous.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert {"/api/serials/{serial_id}/attach-cert", "/api/certs/{cert_id}/attachments", "/v2/certificate/index",
            "/v2/certificate/view/{cert_id}", "/v2/certificate/create", "/v2/certificate/update/{cert_id}",
            "/v2/certificate/delete/{cert_id}", "/api/v1/attachments", "/api/v1/attachments/validate",
            "/attachments", "/api/serials/{serial_id}", "/api/serials/batch"} <= set(spec["paths"])
    attach = spec["paths"]["/api/serials/{serial_id}/attach-cert"]["post"]
    assert attach["security"] == [{"HTTPBearer": []}] and {"400", "401", "403", "404", "500"} <= set(attach["responses"])
    docs = anonymous.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_scopes_are_checked_named_listed_and_replayed(plant):
    with pytest.raises(Invalid, match="Unknown scope write: a token's scopes are read, attach, certificates, "
                                      "documents"):
        tokens.create_token("sup1", "ERP", "admin", scopes="read,write")
    with pytest.raises(Invalid, match="A token needs at least one scope"):
        tokens.create_token("sup1", "ERP", "admin", scopes="")
    record, _ = tokens.create_token("sup1", "ERP", "admin", scopes=["documents", "read", "read"])
    assert record.scopes == ("read", "documents") and record.to_json()["scopes"] == ["read", "documents"]
    assert tokens.create_token("sup1", "Old style", "admin")[0].scopes == ("read",)
    assert entries("token_created")[0].details["scopes"] == ["read", "documents"]
    assert replay.problems() == []
    ApiToken.update(scopes="read,attach,certificates,documents").where(ApiToken.id == record.id).execute()
    assert replay.problems() == [f'token {record.id}: scopes is ["read", "attach", "certificates", "documents"], the '
                                 f'audit trail says ["read", "documents"] at #{entries("token_created")[0].seq}']


def test_certline_cli_makes_a_token_with_scopes(capsys, db_url, monkeypatch):
    assert run(capsys, db_url, "demo")[0] == 0
    monkeypatch.setenv("CERTLINE_PIN", "000000")
    code, out, err = run(capsys, db_url, "token", "create", "--for", "sup1", "--name", "MES", "--scopes",
                         "read,attach", "--user", "admin", "--json")
    assert (code, err) == (0, "")
    made = json.loads(out)
    assert made["scopes"] == ["read", "attach"] and made["token"].startswith("certline_")
    code, out, err = run(capsys, db_url, "token", "create", "--for", "sup1", "--name", "MES", "--scopes", "all",
                         "--user", "admin")
    assert code == 3 and "Unknown scope all: a token's scopes are read, attach, certificates, documents" in err
    code, out, _ = run(capsys, db_url, "token", "list", "--user", "admin")
    assert code == 0 and "read,attach" in out
    open_database(db_url)
    try:
        assert ApiToken.get_by_id(made["id"]).scopes == "read,attach"
    finally:
        close_database()
