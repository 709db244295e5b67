"""Webhook delivery against a real receiver on a loopback port: retries, order, signatures, kill -9,
two deliverers at once; and certline-cli webhook."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from http.server import HTTPServer
from pathlib import Path

import pytest

from app import attachments, certificates, db, serials, webhooks
from app.models import WebhookDelivery, WebhookEvent
from app.webhook_delivery import Settings, backoff
from tests.helpers.cli import imported, run  # noqa: F401 - imported is a fixture
from tests.helpers.receiver import Receiver
from tests.helpers.terminal import cli_command

README = Path(__file__).resolve().parents[2] / "README.md"
# Retries within a test: the same rule as in a plant, on a scale of milliseconds.
FAST = Settings(timeout=5, base_delay=0.02, max_delay=0.1, interval=0.02)
POSTGRES_ONLY = pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                                        indirect=True)


def deliver_until_done(settings: Settings = FAST, limit: float = 60) -> None:
    """deliver_once until no delivery is pending (or ``limit`` seconds have gone: the test then fails)."""
    deadline = time.monotonic() + limit
    while WebhookDelivery.select().where(WebhookDelivery.status == "pending").exists():
        assert time.monotonic() < deadline, [(d.status, d.attempts, d.last_error) for d in WebhookDelivery.select()]
        webhooks.deliver_once(settings)
        time.sleep(0.01)


def wait_for(condition, limit: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def changes(serial_ids: list[str]) -> None:
    """Changes to three certificates, interleaved; one more that rolls back."""
    for n, serial in enumerate(serial_ids):
        attachments.attach(serial, "cert_mat01", "op1")
        certificates.update_certificate("cert_insp01", {"warning": n + 1}, "sup1", f"change {n}")
        certificates.update_certificate("cert_soon", {"note": f"note {n}"}, "sup1", f"change {n}")
    with pytest.raises(RuntimeError):
        with db.write_transaction():
            certificates.update_certificate("cert_insp01", {"warning": 99}, "sup1", "rolled back")
            raise RuntimeError


def in_order_per_certificate(received) -> None:
    seq = {e.id: e.seq for e in WebhookEvent.select()}
    by_cert: dict[str, list[int]] = {}
    for request in received:
        body = request.json
        by_cert.setdefault(body.get("certificate_id") or body.get("entity_id") or body.get("certId"), []).append(
            seq[body["event_id"]])
    assert len(by_cert) == 3
    for cert, order in by_cert.items():
        assert order == sorted(order), f"{cert}: events out of order {order}"


def test_a_receiver_down_for_a_while_gets_every_event_afterwards_in_order(plant):
    receiver = Receiver()
    sub, _ = webhooks.add_subscription(receiver.url, "admin")
    receiver.down()
    changes(serials.create_serials("JOB-1", 4, "sup1").serial_ids)
    webhooks.deliver_once(FAST)
    assert "Connection refused" in WebhookDelivery.select().where(WebhookDelivery.attempts > 0).get().last_error
    receiver.mode = "fail"
    receiver.up()

    def each_head_refused() -> bool:  # the first event of each of the three certificates, answered 500
        webhooks.deliver_once(FAST)
        return WebhookDelivery.select().where(WebhookDelivery.last_status == 500).count() == 3

    wait_for(each_head_refused, what="a 500 logged for each certificate")
    assert not receiver.delivered()
    receiver.mode = "ok"
    deliver_until_done()

    events = {e.id for e in WebhookEvent.select()}
    assert len(events) == 12  # 4 attaches and 8 updates; the rolled-back update made none
    delivered = receiver.delivered()
    assert sorted(r.event_id for r in delivered) == sorted(events)  # each once, none of the rolled-back change
    in_order_per_certificate(delivered)
    log = webhooks.delivery_log(sub.id)
    assert {line.status for line in log} == {"delivered"} and max(line.attempts for line in log) >= 2


def test_the_signature_verifies_with_the_readme_receiver(plant):
    code = re.search(r"## Change events.*?```python\n(.*?)```", README.read_text(), re.S).group(1)
    readme: dict = {"__name__": "readme_receiver"}
    exec(compile(code, "README.md", "exec"), readme)  # noqa: S102 - the README's own example, run as written
    server = HTTPServer(("127.0.0.1", 0), readme["Hook"])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        _, secret = webhooks.add_subscription(url, "admin")
        readme["SECRET"] = secret.encode()
        changes(serials.create_serials("JOB-1", 1, "sup1").serial_ids)
        deliver_until_done()
        assert readme["seen"] == {e.id for e in WebhookEvent.select()}
        # A body changed on the way, or signed with another secret, is turned away by the same code.
        body = WebhookEvent.select().first().body.encode()
        for sent, signature in ((body.replace(b"cert", b"CERT"), webhooks.sign(secret, body)),
                                (body, webhooks.sign("whsec_not_the_secret_at_all", body))):
            request = urllib.request.Request(url, data=sent, method="POST",
                                             headers={"X-Certline-Signature-256": signature})
            with pytest.raises(urllib.error.HTTPError, match="401"):
                urllib.request.urlopen(request, timeout=10)
    finally:
        server.shutdown()
        server.server_close()


def test_a_failing_certificate_holds_back_only_its_own_later_events(plant):
    receiver = Receiver(fail_when=lambda body: body.get("entity_id") == "cert_insp01")
    webhooks.add_subscription(receiver.url, "admin", ["CERTIFICATE::UPDATE"])
    for n in range(3):
        certificates.update_certificate("cert_insp01", {"warning": n + 1}, "sup1", "r")
        certificates.update_certificate("cert_soon", {"warning": n + 1}, "sup1", "r")
    for _ in range(4):
        webhooks.deliver_once(FAST)
        time.sleep(0.15)  # past the longest backoff of FAST
    tried = [r.json for r in receiver.received if r.json["entity_id"] == "cert_insp01"]
    assert len(tried) >= 3 and {body["updated_fields"]["warning"]["new"] for body in tried} == {1}
    assert [r.json["updated_fields"]["warning"]["new"] for r in receiver.delivered()] == [1, 2, 3]
    waiting = webhooks.delivery_log(cert_id="cert_insp01", status="pending")
    assert [line.attempts > 0 for line in waiting] == [False, False, True]  # newest first: the head is retried
    assert waiting[-1].last_error.startswith("HTTP 500") and waiting[-1].next_attempt_at is not None
    # Given up after its time, the head is failed, and the certificate's later events go on.
    receiver.fail_when = lambda body: body.get("entity_id") == "cert_insp01" and \
        body["updated_fields"]["warning"]["new"] == 1
    time.sleep(0.15)
    webhooks.deliver_once(Settings(base_delay=0.02, max_delay=0.1, give_up_after=0))
    deliver_until_done()
    assert [line.status for line in webhooks.delivery_log(cert_id="cert_insp01")] == [
        "delivered", "delivered", "failed"]


def test_a_hanging_subscription_does_not_hold_up_another(plant):
    hanging, healthy = Receiver(mode="hang"), Receiver()
    webhooks.add_subscription(hanging.url, "admin")
    webhooks.add_subscription(healthy.url, "admin")
    changes(serials.create_serials("JOB-1", 3, "sup1").serial_ids)
    stop = threading.Event()
    loop = threading.Thread(target=webhooks.run_delivery, args=(stop, Settings(timeout=60, interval=0.02)))
    loop.start()
    try:
        assert hanging.hanging.wait(30)
        wait_for(lambda: len(healthy.delivered()) == 9, what="the healthy receiver got every event")
        assert not hanging.release.is_set() and len(hanging.received) == 1  # still hanging on the first
    finally:
        hanging.release.set()
        stop.set()
        loop.join(90)
    assert not loop.is_alive()


def test_redirects_are_not_followed_and_the_backoff_doubles_to_its_cap(plant):
    receiver = Receiver(mode="redirect")
    webhooks.add_subscription(receiver.url, "admin")
    certificates.update_certificate("cert_insp01", {"warning": 3}, "sup1", "r")
    webhooks.deliver_once(FAST)
    line = webhooks.delivery_log()[0]
    assert (line.status, line.attempts, line.last_error) == ("pending", 1, "HTTP 302 Found")
    assert len(receiver.received) == 1
    plant_settings = Settings()
    for attempts, middle in ((1, 10), (2, 20), (5, 160), (11, 10240)):
        delay = backoff(attempts, plant_settings)
        assert middle * 0.8 <= delay <= middle * 1.2
    assert {backoff(n, plant_settings) <= 6 * 3600 for n in (12, 20, 100, 10_000)} == {True}
    assert backoff(30, plant_settings) >= 6 * 3600 * 0.8


def _deliverer(db_url: str, *args: str) -> subprocess.Popen:
    return _start([cli_command(), "webhook", "deliver", "--db", db_url, *args])


def _server(db_url: str) -> subprocess.Popen:
    """certline-server on a free loopback port: it delivers change events from a thread of its own."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return _start([str(Path(cli_command()).with_name("certline-server")), "--db", db_url, "--port", str(port),
                   "--no-access-log"])


def _start(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ | {"PYTHONUNBUFFERED": "1"})


@pytest.mark.slow
@pytest.mark.parametrize("program", ["certline-cli", "certline-server"])
def test_a_deliverer_killed_mid_delivery_delivers_after_restart(plant, db_url, program):
    receiver = Receiver(mode="hang")
    webhooks.add_subscription(receiver.url, "admin")
    changes(serials.create_serials("JOB-1", 2, "sup1").serial_ids)
    events = {e.id for e in WebhookEvent.select()}
    db.close_database()  # the deliverers are other processes

    first = _deliverer(db_url, "--timeout", "60") if program == "certline-cli" else _server(db_url)
    try:
        assert receiver.hanging.wait(60), first.stderr.read() if first.poll() is not None else "no request came"
        in_flight = receiver.event_ids()
        assert len(in_flight) == 1
        first.send_signal(signal.SIGKILL)
        assert first.wait(30) == -signal.SIGKILL
    finally:
        first.kill()
        first.communicate()
    receiver.mode = "ok"
    receiver.release.set()

    if program == "certline-cli":
        again = _deliverer(db_url, "--once")
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
        assert out.strip() == f"Delivered {len(events)} events"
    else:
        again = _server(db_url)
        try:
            # Every event, the one in flight at the kill a second time.
            wait_for(lambda: len(receiver.delivered()) > len(events), what="every event delivered after restart")
        finally:
            again.send_signal(signal.SIGTERM)
            out, err = again.communicate(timeout=60)
        assert again.returncode == -signal.SIGTERM, err  # uvicorn stops gracefully, then exits by the signal
    received = receiver.event_ids()
    # At least once: only the event in flight at the kill came twice; its id lets the receiver drop it.
    assert sorted(received) == sorted([*events, *in_flight])
    db.open_database(db_url)
    assert {d.status for d in WebhookDelivery.select()} == {"delivered"}


@pytest.mark.slow
@POSTGRES_ONLY
def test_two_deliverers_on_postgres_never_send_one_event_at_the_same_time(plant, db_url):
    receiver = Receiver(delay=0.1)  # 30 events: seconds of work, so both deliverers are up while it lasts
    webhooks.add_subscription(receiver.url, "admin")
    more = serials.create_serials("JOB-1", 10, "sup1").serial_ids
    changes(more)
    events = {e.id for e in WebhookEvent.select()}
    db.close_database()
    deliverers = [_deliverer(db_url) for _ in range(2)]
    try:
        wait_for(lambda: len(receiver.delivered()) >= len(events), limit=120, what="every event delivered")
        time.sleep(0.5)  # anything sent twice would come now
    finally:
        for process in deliverers:
            process.send_signal(signal.SIGTERM)
        outputs = [process.communicate(timeout=60) for process in deliverers]
    assert [process.returncode for process in deliverers] == [0, 0], outputs
    assert receiver.overlaps == []
    assert receiver.peak == 2  # both were sending at once (one deliverer sends one event a subscription at a time)
    assert sorted(receiver.event_ids()) == sorted(events)  # each exactly once
    db.open_database(db_url)
    in_order_per_certificate(receiver.delivered())


def test_certline_cli_webhook(capsys, imported, tmp_path):
    receiver = Receiver(mode="fail")
    code, out, err = run(capsys, imported, "webhook", "add", receiver.url, "--event", "CERTIFICATE::UPDATE",
                         "--user", "admin")
    assert code == 0, err
    sub_id, secret = re.search(r"Webhook (wh_\w+) added", out).group(1), out.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    code, out, _ = run(capsys, imported, "webhook", "list", "--user", "admin", "--json")
    assert [s["id"] for s in json.loads(out)] == [sub_id] and secret not in out
    code, out, err = run(capsys, imported, "webhook", "list", "--user", "sup1")
    assert code == 3 and "may not list webhooks" in err
    code, _, _ = run(capsys, imported, "cert", "revoke", "cert_mat01", "--user", "sup1", "--reason", "Recall")
    assert code == 0
    code, out, _ = run(capsys, imported, "webhook", "deliver", "--once")
    assert (code, out.strip()) == (0, "Delivered 0 events; 1 try failed (see webhook log)")
    code, out, _ = run(capsys, imported, "webhook", "log", "--user", "admin")
    assert "UPDATE  cert_mat01" in out and "pending (1 try)" in out and "next try" in out
    assert "last error: HTTP 500 Internal Server Error: receiver is failing" in out
    code, out, _ = run(capsys, imported, "webhook", "remove", sub_id, "--user", "admin")
    assert (code, out.strip()) == (0, f"Removed webhook {sub_id} ({receiver.url}); 1 queued event cancelled")
    code, out, _ = run(capsys, imported, "webhook", "log", sub_id, "--status", "cancelled", "--user", "admin",
                       "--json")
    assert [line["status"] for line in json.loads(out)] == ["cancelled"]
    code, _, err = run(capsys, imported, "webhook", "add", "gopher://x", "--user", "admin")
    assert code == 3 and "starts with http:// or https://" in err
