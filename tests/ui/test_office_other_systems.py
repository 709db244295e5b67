"""The Other systems tab, driven as an administrator signed in by badge: an API token made through its
dialog works with the scopes ticked (``app.tokens.authenticate``) and stops working once revoked; a
webhook added through its dialog is in the database with the events ticked, paused, resumed and
removed; its delivery log shows a try against a receiver that is down. On SQLite and PostgreSQL."""
from __future__ import annotations

import socket

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app import certificates, tokens, webhooks
from tests.helpers.setup_views import (TIMEOUT, ask, click, desk, opened, open_tab, plant_url,  # noqa: F401
                                       tab_titles, type_into)
from ui.office.other_systems import OtherSystemsView
from ui.office.other_systems_forms import SecretDialog, TokenForm, WebhookForm
from ui.worker import Failure


def other_systems_tab(desk) -> OtherSystemsView:
    desk.sign_in("B-ADM", None)
    view = open_tab(desk.qtbot, desk.window, "Other systems", lambda v: v.database.pending == 0)
    assert isinstance(view, OtherSystemsView)
    return view


def secret_of(qtbot, view: OtherSystemsView, save_button) -> SecretDialog:
    with qtbot.waitSignal(view.secret_shown, timeout=TIMEOUT) as blocker:
        click(qtbot, save_button)
    return blocker.args[0]


def changed(qtbot, view: OtherSystemsView, button) -> None:
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT):
        click(qtbot, button)
    qtbot.waitUntil(lambda: view.database.pending == 0, timeout=TIMEOUT)


def tick(qtbot, check) -> None:
    """Tick or untick a check box with the space bar, as from the keyboard."""
    check.setFocus()
    qtbot.keyClick(check, Qt.Key.Key_Space)


def dead_port() -> int:
    """A loopback port nothing listens on: a receiver that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_supervisor_does_not_get_the_tab(desk):
    desk.sign_in("B-SUP1", "432100")
    assert "Other systems" not in tab_titles(desk.window)
    desk.window.sign_out("Signed out")
    desk.sign_in("B-ADM", None)
    assert "Other systems" in tab_titles(desk.window)


def test_a_token_made_on_the_screen_works_with_its_scopes_until_revoked(qtbot, desk):
    view = other_systems_tab(desk)
    form = opened(qtbot, view, view.new_token_button)
    assert isinstance(form, TokenForm)
    type_into(qtbot, form.name_field, "MES line 3")
    form.holder.setCurrentIndex(form.holder.findData("sup1"))
    tick(qtbot, form.scopes["attach"])
    type_into(qtbot, form.days, "30")
    dialog = secret_of(qtbot, view, form.save_button)
    secret = dialog.field.text()
    assert dialog.field.isReadOnly() and secret.startswith(tokens.PREFIX)
    assert "will not be shown again" in dialog.findChild(type(dialog.copied), "secretOnce").text()
    click(qtbot, dialog.copy_button)
    assert QGuiApplication.clipboard().text() == secret

    user, token = ask(qtbot, view, tokens.authenticate, secret)
    assert (user.id, token.name, token.scopes) == ("sup1", "MES line 3", ("read", "attach"))
    assert 29 <= (token.expires_at - token.created_at).days <= 30
    qtbot.waitUntil(lambda: len(view.token_rows) == 1, timeout=TIMEOUT)
    assert [view.token_table.item(0, c).text() for c in (0, 1, 2, 4)] == [
        "MES line 3", "Sam Supervisor", "Look up, attach", "Active"]
    assert token.id in view.token_table.item(0, 0).toolTip()

    view.confirm = lambda *args: True
    view.token_table.setCurrentCell(0, 0)
    changed(qtbot, view, view.revoke_button)
    refused = ask(qtbot, view, tokens.authenticate, secret)
    assert isinstance(refused, Failure) and "was revoked" in refused.message
    qtbot.waitUntil(lambda: view.token_table.item(0, 4).text() == "Revoked", timeout=TIMEOUT)
    assert not view.revoke_button.isEnabled()


def test_a_token_refused_by_the_core_says_why_and_keeps_the_dialog_open(qtbot, desk):
    view = other_systems_tab(desk)
    form = opened(qtbot, view, view.new_token_button)
    tick(qtbot, form.scopes["read"])  # untick the only scope: none left
    type_into(qtbot, form.name_field, "ERP")
    with qtbot.waitSignal(view.refused, timeout=TIMEOUT):
        click(qtbot, form.save_button)
    assert form.isVisible() and "at least one scope" in form.errors["scopes"].text()
    assert ask(qtbot, view, tokens.list_tokens) == []


def test_a_webhook_added_on_the_screen_is_paused_resumed_logged_and_removed(qtbot, desk):
    view = other_systems_tab(desk)
    form = opened(qtbot, view, view.add_webhook_button)
    assert isinstance(form, WebhookForm)
    url = f"http://127.0.0.1:{dead_port()}/hooks/certline"
    type_into(qtbot, form.url, url)
    tick(qtbot, form.events["CERTIFICATE::CREATE"])
    tick(qtbot, form.events["CERTIFICATE::DELETE"])
    dialog = secret_of(qtbot, view, form.save_button)
    assert dialog.field.text().startswith("whsec_")
    [hook] = ask(qtbot, view, webhooks.list_subscriptions)
    assert (hook.url, hook.event_types, hook.state) == (url, ["CERTIFICATE::UPDATE", "CERTIFICATE::ATTACH"], "active")
    qtbot.waitUntil(lambda: len(view.webhook_rows) == 1, timeout=TIMEOUT)
    assert [view.webhook_table.item(0, c).text() for c in range(4)] == [
        url, "Certificate changed, Certificate attached", "Active", "None"]

    view.select_webhook(hook.id)
    changed(qtbot, view, view.pause_button)
    assert ask(qtbot, view, webhooks.get_subscription, hook.id).state == "paused"
    qtbot.waitUntil(lambda: view.pause_button.text() == "Resume", timeout=TIMEOUT)
    changed(qtbot, view, view.pause_button)
    assert ask(qtbot, view, webhooks.get_subscription, hook.id).state == "active"

    # A change, tried against the receiver that is down: the log says so.
    ask(qtbot, view, certificates.update_certificate, "cert_mat01", {"note": "Corrected"}, "admin", "Mill's fix")
    assert ask(qtbot, view, webhooks.deliver_once, webhooks.Settings(timeout=2)) == (0, 1)
    with qtbot.waitSignal(view.log_listed, timeout=TIMEOUT):
        click(qtbot, view.refresh_button)
    qtbot.waitUntil(lambda: view.database.pending == 0, timeout=TIMEOUT)
    assert view.log_table.rowCount() == 1
    event, cert, status, tries, error, next_try = (view.log_table.item(0, c).text() for c in range(6))
    assert (event, cert, status, tries) == ("Certificate changed", "cert_mat01", "Retrying", "1")
    assert error.startswith("ConnectionRefusedError") and next_try
    assert "UTC" in view.log_table.item(0, 5).toolTip()
    assert view.webhook_table.item(0, 3).text() == "1"

    view.confirm = lambda *args: True
    changed(qtbot, view, view.remove_button)
    assert ask(qtbot, view, webhooks.get_subscription, hook.id).state == "removed"
    assert [line.status for line in ask(qtbot, view, webhooks.delivery_log, hook.id)] == ["cancelled"]
    qtbot.waitUntil(lambda: view.webhook_table.rowCount() == 0, timeout=TIMEOUT)
    assert "1 waiting event cancelled" in view.notice.text()


def test_a_typed_secret_is_kept_and_not_shown_again(qtbot, desk):
    view = other_systems_tab(desk)
    form = opened(qtbot, view, view.add_webhook_button)
    type_into(qtbot, form.url, "https://erp.plant.local/hooks")
    type_into(qtbot, form.secret, "our-own-secret-1234")
    shown: list = []
    view.secret_shown.connect(shown.append)
    changed(qtbot, view, form.save_button)
    assert shown == []
    [hook] = ask(qtbot, view, webhooks.list_subscriptions)
    assert hook.event_types == list(webhooks.EVENT_TYPES)
    assert webhooks.sign("our-own-secret-1234", b"{}") == ask(qtbot, view, _signature_of, hook.id)


def _signature_of(sub_id: str) -> str:
    from app.models import WebhookSubscription
    return webhooks.sign(WebhookSubscription.get_by_id(sub_id).secret, b"{}")
