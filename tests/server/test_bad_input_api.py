"""Bad input gets a 4xx whose message names the field, never a 500, and changes nothing."""
from __future__ import annotations

import json

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.state import row_counts

JSON = {"Content-Type": "application/json"}


def refusal(answer: httpx.Response) -> tuple[int, str, str | None]:
    error = answer.json()["error"]
    return answer.status_code, error["message"], error.get("field")


def test_the_shape_of_a_body_is_refused_naming_the_field(server, api, on_the_line):
    before = row_counts()
    attach = "/api/serials/SN-00001/attach-cert"
    cases = [
        (attach, b'{"certId": "cert_mat01", "userId": ', 400,
         "The request body is not valid JSON: Expecting value (at character 35)", None),
        (attach, b'["cert_mat01"]', 400, "The request body must be a JSON object", None),
        (attach, b"", 400, "The request body is required: a JSON object", None),
        (attach, b'{"certId": "cert_mat01", "userId": "op1", "stepId": "step_003"}', 400, "Unknown field: stepId",
         "stepId"),
        (attach, b'{"certId": "cert_mat01", "userID": "op1"}', 400, "Unknown field: userID", "userID"),
        (attach, json.dumps({"certId": "cert\x00", "userId": "op1"}).encode(), 400,
         "Field certId holds a NUL character", "certId"),
        (attach, b'{"certId": "\\ud800", "userId": "op1"}', 400,
         "Field certId holds a character that is not valid text (a lone surrogate)", "certId"),
        ("/api/serials/batch", b'{"jobId": "JOB-1", "count": "3"}', 400,
         "Field count: Input should be a valid integer", "count"),
        ("/api/serials/batch", b'{"count": 3}', 400, "Field jobId is required", "jobId"),
        ("/api/serials/batch", b'{"jobId": "JOB-1", "serialIds": ["A", 7]}', 400,
         "Field serialIds.1: Input should be a valid string", "serialIds.1"),
        ("/v2/certificate/create", b'{"name": "x", "action_type": "OTHER", "data": {"a": "\\u0000"}}', 400,
         "Field data.a holds a NUL character", "data.a"),
        ("/v2/certificate/create", b'{"name": ["x"], "action_type": "OTHER"}', 400, "Name must be text, got list",
         "name"),
        ("/v2/certificate/create", b'{"name": "x", "action_type": "OTHER", "date_release": "tomorrow"}', 400,
         "Release date must be a date like 2024-01-31: tomorrow", "date_release"),
        ("/v2/certificate/create", b'{"name": "x", "action_type": "OTHER", "data": [1]}', 400,
         "Data must be a JSON object", "data"),
        ("/v2/certificate/index", b'{"per-page": 20.5}', 400, "Field per-page: Input should be a valid integer",
         "per-page"),
        ("/v2/certificate/index", b'{"filter": {"expired": "yes"}}', 400,
         "Field filter.expired: Input should be a valid boolean", "filter.expired"),
    ]
    for path, content, status, message, field in cases:
        answer = api.post(path, content=content, headers=JSON)
        assert refusal(answer) == (status, message, field), (path, content)
    assert refusal(api.delete("/v2/certificate/delete/cert_mat01", params={"force": "perhaps"}))[:2] == (
        400, "Query parameter force: Input should be a valid boolean, unable to interpret input")
    assert refusal(api.get("/api/serials/SN%00")) [:2] == (400, "The request's address holds a NUL character")
    too_long = "S" * 65
    assert refusal(api.get(f"/api/serials/{too_long}"))[:2] == (
        400, f"Serial id is longer than 64 characters: {too_long[:64]}…")
    assert row_counts() == before


def test_a_body_over_the_limit_is_413_whether_it_says_so_or_not(server, api, on_the_line):
    before = row_counts()
    huge = json.dumps({"certId": "cert_mat01", "userId": "op1", "pad": "x" * (2 * 1024 * 1024)}).encode()
    declared = api.post("/api/serials/SN-00001/attach-cert", content=huge, headers=JSON)
    assert refusal(declared) == (413, "The request body is larger than this endpoint takes (1048576 bytes)", None)

    def chunks():  # no Content-Length: sent chunked, counted as it comes
        for start in range(0, len(huge), 65536):
            yield huge[start:start + 65536]

    streamed = api.post("/api/serials/SN-00001/attach-cert", content=chunks(), headers=JSON)
    assert refusal(streamed)[:2] == (413, "The request body is larger than this endpoint takes (1048576 bytes)")
    document = api.post("/api/v1/attachments", data={"activity_id": "cert_mat01"},
                        files={"file": ("big.pdf", b"%PDF-1.7\n" + b"0" * (12 * 1024 * 1024))})
    assert refusal(document)[:2] == (413, "The request body is larger than this endpoint takes (11534336 bytes)")
    assert row_counts() == before


values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=80),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                    max_size=3), max_leaves=6)


def test_no_value_in_any_field_is_a_500(server, api, on_the_line):
    """Whatever a field holds, the answer is a refusal in words or a success, never a failure."""
    fields = {"/api/serials/SN-00001/attach-cert": ("certId", "userId"),
              "/v2/certificate/create": ("name", "action_type", "date_release", "validity", "validity_unit",
                                         "warning", "data", "number"),
              "/v2/certificate/index": ("filter", "per-page", "page", "sort"),
              "/api/serials/batch": ("jobId", "count", "serialIds", "certId"),
              "/api/v1/attachments/validate": ("file_name", "file_size", "content_type")}

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(sorted(fields)), st.data())
    def ask(path, data):
        body = {name: data.draw(values, label=name) for name in fields[path] if data.draw(st.booleans())}
        answer = api.post(path, content=json.dumps(body, allow_nan=True).encode(), headers=JSON)
        assert answer.status_code < 500, (path, body, answer.text)
        if answer.status_code >= 400:
            assert answer.json()["error"]["message"]

    ask()
