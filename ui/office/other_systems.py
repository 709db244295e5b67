"""The Other systems office view (administrators): the API tokens other systems use with certline-server,
and the webhooks that tell them of changes, with each webhook's delivery log.

Every change is the core's (``app.tokens``, ``app.webhooks``), run in the database worker; a refusal is
its sentence, beside the field it names. A new token, and a webhook secret Certline made, are shown
once in a dialog of their own (``ui.office.other_systems_forms``): nothing can show them again.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QMessageBox, QSplitter, QVBoxLayout, QWidget

from app import tokens, webhooks
from app.queries import other_systems as queries
from app.queries.other_systems import SubscriptionRow, TokenRow
from app.users import UserRecord
from app.webhooks import LogLine
from app.words import DELIVERY_STATUS, TOKEN_SCOPE, TOKEN_STATE, WEBHOOK_EVENT, WEBHOOK_STATE, plural, word
from ui.office import ADMINISTRATION, look, office_view
from ui.office.common import SaysWhatHappened, local_time, utc_tooltip
from ui.office.other_systems_forms import SecretDialog, TokenForm, WebhookForm
from ui.office.setup_tables import SetupTable
from ui.worker import DatabaseWorker, Failure

TOKEN_COLUMNS = ("Name", "Acts as", "May", "Expires", "State")
WEBHOOK_COLUMNS = ("URL", "Events", "State", "Failing")
LOG_COLUMNS = ("Event", "Certificate", "Status", "Tries", "Last error", "Next try")
GREY, AMBER, RED = QColor("#e0e0e0"), QColor("#fff3cd"), QColor("#f8d7da")


def confirm(parent: QWidget, title: str, question: str) -> bool:
    answer = QMessageBox.question(parent, title, question)
    return answer == QMessageBox.StandardButton.Yes


def _token_cells(row: TokenRow) -> list[tuple[str, str]]:
    t = row.record
    scopes = ", ".join(word(TOKEN_SCOPE, s) for s in t.scopes)
    state = word(TOKEN_STATE, row.state)
    state_tip = (f"Revoked by {t.revoked_by} on {local_time(t.revoked_at)} ({utc_tooltip(t.revoked_at)})"
                 if t.revoked_at else "")
    return [(t.name, f"Token id: {t.id}\nMade by {t.created_by} on {local_time(t.created_at)} "
                     f"({utc_tooltip(t.created_at)})"),
            (row.holder, f"User id: {t.user_id}"), (scopes[:1].upper() + scopes[1:], "Scopes: " + ", ".join(t.scopes)),
            (local_time(t.expires_at)[:16] if t.expires_at else "Never", utc_tooltip(t.expires_at)),
            (state, state_tip)]


def _webhook_cells(row: SubscriptionRow) -> list[tuple[str, str]]:
    s = row.record
    events = ("Every change" if len(s.event_types) == len(WEBHOOK_EVENT) else
              ", ".join(word(WEBHOOK_EVENT, e) for e in s.event_types))
    return [(s.url, f"Webhook id: {s.id}\nAdded by {s.created_by} on {local_time(s.created_at)} "
                    f"({utc_tooltip(s.created_at)})"),
            (events, ", ".join(s.event_types)), (word(WEBHOOK_STATE, s.state), ""),
            (f"{row.failing:,}" if row.failing else "None", "Deliveries tried and not delivered: being retried, "
                                                             "or given up after 3 days")]


def _status(line: LogLine) -> str:
    if line.status == "pending":
        return "Retrying" if line.attempts else "Waiting"
    return word(DELIVERY_STATUS, line.status)


def _log_cells(line: LogLine) -> list[tuple[str, str]]:
    return [(word(WEBHOOK_EVENT, line.event_type),
             f"Event id: {line.event_id}\n{line.event_type} at {local_time(line.event_at)} "
             f"({utc_tooltip(line.event_at)})"),
            (line.cert_id, ""),
            (_status(line), f"Delivered {local_time(line.delivered_at)} ({utc_tooltip(line.delivered_at)})"
             if line.delivered_at else ""),
            (str(line.attempts), f"Last try {local_time(line.last_attempt_at)} ({utc_tooltip(line.last_attempt_at)})"
             if line.last_attempt_at else "Not tried yet"),
            (line.last_error or "", line.last_error or ""),
            (local_time(line.next_attempt_at), utc_tooltip(line.next_attempt_at))]


class OtherSystemsView(SaysWhatHappened, QWidget):
    """Administrators' API tokens and webhooks."""

    tokens_listed = Signal(int)
    webhooks_listed = Signal(int)
    log_listed = Signal(int)
    saved = Signal(object)  # TokenRecord or SubscriptionRecord, after a change the core accepted
    refused = Signal(str)
    dialog_opened = Signal(object)  # TokenForm or WebhookForm
    secret_shown = Signal(object)  # SecretDialog

    def __init__(self, database: DatabaseWorker, user: UserRecord, parent: QWidget | None = None):
        super().__init__(parent, objectName="otherSystemsView")
        self.database, self.user = database, user
        self.confirm: Callable[[QWidget, str, str], bool] = confirm
        self.token_rows: list[TokenRow] = []
        self.webhook_rows: list[SubscriptionRow] = []
        self.log: list[LogLine] = []
        self.dialog: TokenForm | WebhookForm | None = None
        self.secret_dialog: SecretDialog | None = None

        self.token_table = SetupTable("tokenTable", TOKEN_COLUMNS, (0, 2))
        self.token_table.currentCellChanged.connect(lambda *_: self._enable())
        self.token_count = QLabel(objectName="tokenCount")
        self.new_token_button = look.button("New token…", "newToken", primary=True)
        self.revoke_button = look.button("Revoke…", "revokeToken", danger=True)
        self.new_token_button.clicked.connect(self.new_token)
        self.revoke_button.clicked.connect(self.revoke)

        self.webhook_table = SetupTable("webhookTable", WEBHOOK_COLUMNS, (0, 1))
        self.webhook_table.currentCellChanged.connect(lambda *_: self._chose_webhook())
        self.add_webhook_button = look.button("Add…", "addWebhook", primary=True)
        self.pause_button = look.button("Pause", "pauseWebhook")
        self.remove_button = look.button("Remove…", "removeWebhook", danger=True)
        self.add_webhook_button.clicked.connect(self.add_webhook)
        self.pause_button.clicked.connect(self.pause_or_resume)
        self.remove_button.clicked.connect(self.remove)
        self.log_title = look.section("Deliveries")
        self.log_table = SetupTable("deliveryTable", LOG_COLUMNS, (4,))
        self.refresh_button = look.button("Refresh", "refreshLog")
        self.refresh_button.clicked.connect(lambda: self.reload_webhooks())
        self.notice = look.Notice("otherSystemsNotice")

        tokens_part, webhooks_part = QWidget(), QWidget()
        top = QVBoxLayout(tokens_part)
        top.setContentsMargins(0, 0, 0, 0)
        top.addLayout(look.row(look.section("API tokens"), self.token_count))
        top.addWidget(self.token_table, 1)
        top.addLayout(look.row(self.new_token_button, self.revoke_button))
        bottom = QVBoxLayout(webhooks_part)
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(look.section("Webhooks"))
        bottom.addWidget(self.webhook_table, 1)
        bottom.addLayout(look.row(self.add_webhook_button, self.pause_button, self.remove_button))
        bottom.addLayout(look.row(self.log_title, self.refresh_button))
        bottom.addWidget(self.log_table, 1)
        split = QSplitter(Qt.Orientation.Vertical, objectName="otherSystemsSplit", childrenCollapsible=False)
        split.addWidget(tokens_part)
        split.addWidget(webhooks_part)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("Other systems", "What an ERP or MES may do through certline-server (API "
                                      "tokens), and where Certline sends its changes (webhooks)."))
        layout.addWidget(split, 1)
        layout.addWidget(self.notice)
        self._enable()
        self.reload_tokens()
        self.reload_webhooks()

    # --- the lists ------------------------------------------------------------------------------

    def reload_tokens(self, keep: str | None = None) -> None:
        keep = keep or (self.chosen_token().record.id if self.chosen_token() else None)
        self.database.submit(queries.token_rows, owner=self, on_done=lambda rows: self._tokens(rows, keep),
                             on_failed=self._on_failed)

    def _tokens(self, rows: list[TokenRow], keep: str | None) -> None:
        self.token_rows = rows
        self.token_table.fill([_token_cells(r) for r in rows],
                              [None if r.state == "active" else GREY for r in rows])
        active = sum(r.state == "active" for r in rows)
        self.token_count.setText(plural(active, "active token") + (f", {len(rows) - active:,} no longer working"
                                                                   if active < len(rows) else ""))
        self._choose(self.token_table, [r.record.id for r in rows], keep)
        self._enable()
        self.tokens_listed.emit(len(rows))

    def reload_webhooks(self, keep: str | None = None) -> None:
        keep = keep or (self.chosen_webhook().record.id if self.chosen_webhook() else None)
        self.database.submit(queries.subscription_rows, owner=self,
                             on_done=lambda rows: self._webhooks(rows, keep), on_failed=self._on_failed)

    def _webhooks(self, rows: list[SubscriptionRow], keep: str | None) -> None:
        self.webhook_rows = rows
        self.webhook_table.blockSignals(True)
        self.webhook_table.fill([_webhook_cells(r) for r in rows],
                                [RED if r.failing else (None if r.record.active else GREY) for r in rows])
        self.webhook_table.blockSignals(False)
        self._choose(self.webhook_table, [r.record.id for r in rows], keep or (rows[0].record.id if rows else None))
        self._chose_webhook()
        self.webhooks_listed.emit(len(rows))

    @staticmethod
    def _choose(table: SetupTable, ids: list[str], keep: str | None) -> None:
        if keep in ids:
            table.setCurrentCell(ids.index(keep), 0)

    def chosen_token(self) -> TokenRow | None:
        row = self.token_table.currentRow()
        return self.token_rows[row] if 0 <= row < len(self.token_rows) else None

    def chosen_webhook(self) -> SubscriptionRow | None:
        row = self.webhook_table.currentRow()
        return self.webhook_rows[row] if 0 <= row < len(self.webhook_rows) else None

    def select_webhook(self, sub_id: str) -> bool:
        ids = [r.record.id for r in self.webhook_rows]
        self._choose(self.webhook_table, ids, sub_id)
        return sub_id in ids

    def _chose_webhook(self) -> None:
        self._enable()
        chosen = self.chosen_webhook()
        if chosen is None:
            self.log = []
            self.log_table.fill([])
            self.log_title.setText("Deliveries")
            return
        self.log_title.setText(f"Deliveries to {chosen.record.url}, newest first")
        sub_id = chosen.record.id
        self.database.submit(queries.delivery_lines, sub_id, owner=self,
                             on_done=lambda lines: self._log(sub_id, lines), on_failed=self._on_failed)

    def _log(self, sub_id: str, lines: list[LogLine]) -> None:
        chosen = self.chosen_webhook()
        if chosen is None or chosen.record.id != sub_id:
            return  # another subscription was chosen meanwhile; its own answer comes
        self.log = lines
        self.log_table.fill([_log_cells(line) for line in lines],
                            [RED if line.status == "failed" else AMBER if line.status == "pending" and line.attempts
                             else None for line in lines])
        self.log_listed.emit(len(lines))

    def _enable(self) -> None:
        token = self.chosen_token()
        self.revoke_button.setEnabled(token is not None and token.record.revoked_at is None)
        hook = self.chosen_webhook()
        self.pause_button.setEnabled(hook is not None)
        self.remove_button.setEnabled(hook is not None)
        self.pause_button.setText("Resume" if hook is not None and not hook.record.active else "Pause")

    # --- changes --------------------------------------------------------------------------------

    def _submit(self, function: Callable[..., Any], *args: Any, done: Callable[[Any], None],
                dialog: TokenForm | WebhookForm | None = None) -> None:
        def on_failed(failure: Failure) -> None:
            if dialog is not None:
                dialog.show_error(failure.message, failure.field)
            self._on_failed(failure)

        self.database.submit(function, *args, owner=self, on_done=done, on_failed=on_failed)

    def _open(self, dialog: TokenForm | WebhookForm) -> None:
        self.dialog = dialog
        dialog.open()
        self.dialog_opened.emit(dialog)

    def _show_secret(self, title: str, what: str, secret: str) -> None:
        self.secret_dialog = SecretDialog(title, what, secret, self)
        self.secret_dialog.open()
        self.secret_shown.emit(self.secret_dialog)

    def new_token(self) -> None:
        self.database.submit(queries.token_holders, owner=self, on_done=self._token_form, on_failed=self._on_failed)

    def _token_form(self, holders: list[UserRecord]) -> None:
        form = TokenForm(holders, self)

        def made(answer: tuple[tokens.TokenRecord, str]) -> None:
            record, secret = answer
            form.accept()
            self._say(f"Made the API token {record.name}: give it to the system that uses it.")
            self.saved.emit(record)
            self.reload_tokens(record.id)
            self._show_secret("New API token", f"The API token {record.name}, acting as {record.user_id}. The "
                              "system sends it with every request (Authorization: Bearer …).", secret)

        form.submitted.connect(lambda v: self._submit(tokens.create_token, v["user"], v["name"], self.user.id,
                                                      v["days"], v["scopes"], dialog=form, done=made))
        self._open(form)

    def revoke(self) -> None:
        token = self.chosen_token()
        if token is None or not self.confirm(self, "Revoke API token", f"Revoke {token.record.name}? Every "
                                             "request with it is refused from now on; this cannot be undone."):
            return

        def revoked(record: tokens.TokenRecord) -> None:
            self._say(f"Revoked {record.name}: it no longer works.")
            self.saved.emit(record)
            self.reload_tokens(record.id)

        self._submit(tokens.revoke_token, token.record.id, self.user.id, done=revoked)

    def add_webhook(self) -> None:
        form = WebhookForm(self)

        def added(answer: tuple[webhooks.SubscriptionRecord, str]) -> None:
            record, secret = answer
            typed = form.values()["secret"] is not None
            form.accept()
            self._say(f"Added the webhook to {record.url}: changes from now on are sent to it.")
            self.saved.emit(record)
            self.reload_webhooks(record.id)
            if not typed:
                self._show_secret("Webhook signing secret", f"The secret that signs every event sent to "
                                  f"{record.url}. Give it to the receiving system, which checks the "
                                  f"{webhooks.SIGNATURE_HEADER} header with it.", secret)

        form.submitted.connect(lambda v: self._submit(webhooks.add_subscription, v["url"], self.user.id,
                                                      v["event_types"], v["secret"], dialog=form, done=added))
        self._open(form)

    def pause_or_resume(self) -> None:
        hook = self.chosen_webhook()
        if hook is None:
            return
        resume = not hook.record.active

        def changed(record: webhooks.SubscriptionRecord) -> None:
            self._say(f"Resumed {record.url}: its waiting events are sent." if resume else
                      f"Paused {record.url}: no new events are queued for it; those waiting stay.")
            self.saved.emit(record)
            self.reload_webhooks(record.id)

        self._submit(webhooks.set_active, hook.record.id, resume, self.user.id, done=changed)

    def remove(self) -> None:
        hook = self.chosen_webhook()
        if hook is None or not self.confirm(self, "Remove webhook", f"Remove {hook.record.url}? It gets no more "
                                            "events, and those still waiting are cancelled. Its log stays."):
            return

        def removed(answer: tuple[webhooks.SubscriptionRecord, int]) -> None:
            record, cancelled = answer
            self._say(f"Removed {record.url}" + (f"; {plural(cancelled, 'waiting event')} cancelled." if cancelled
                                                 else "."))
            self.saved.emit(record)
            self.reload_webhooks()

        self._submit(webhooks.remove_subscription, hook.record.id, self.user.id, done=removed)


@office_view("Other systems", roles=("admin",), order=80, group=ADMINISTRATION)
def build(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return OtherSystemsView(database, user)
