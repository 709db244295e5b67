"""Signing in and out at the station: the name list, the PIN page with its keypad, and the session.

Whether a badge or a picked name needs a PIN, and every refusal (a name that must scan, a wrong
PIN, a lock with its time left), is the app's to say (app/sign_in.py); this page asks and shows
the answer. A new session, or the end of one, clears the last person's part, choice and results.
Mixed into ``StationWindow`` (shell.py), whose state it reads and changes.
"""
from __future__ import annotations

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from app.scan import visible
from app.sign_in import Attempt, Choice
from app.text import shown
from app.users import UserRecord
from ui.lists import UserPicker
from ui.station.pages import PagePart
from ui import operations
from ui.worker import Failure

PIN_SECONDS = 60
PICK_HINT = ("No badge at hand? Type part of your name and Enter (or pick it with ↑ ↓ and Enter, or tap it), "
             "then type your PIN.")
BADGE_AND_PIN_HINT = "This plant signs in with badge and PIN: scan your badge, then type your PIN."


class SignIn:
    """The sign-in and PIN pages and the session; ``self`` is the ``StationWindow``.

    From the shell it uses the banner, worker, signals, tabs and idle timer; from attach.py the
    work page's widgets and ``_clear_work``. The PIN page is built the first time it is wanted (pages.py).
    """

    pin_page = PagePart("pin")
    pin_field = PagePart("pin")

    def _build_sign_in(self) -> QWidget:
        """The sign-in page, and the state of signing in."""
        self.user: UserRecord | None = None
        self._pin_user: UserRecord | None = None
        self._pin_badge: str | None = None  # the badge that started the sign-in waiting for a PIN; None: a name
        self._pin_refusal: str | None = None  # why the last PIN was refused: the banner's prompt keeps saying it
        self._checking_pin = False
        # A PIN prompt left alone goes back by itself, so the station is not stuck on someone's name.
        self._pin_timer = QTimer(self, singleShot=True, interval=PIN_SECONDS * 1000)
        self._pin_timer.timeout.connect(self._on_pin_cancelled)

        # Signed out: scan a badge, or pick a name.
        signin = QFrame(objectName="signInPage")
        column = QVBoxLayout(signin)
        column.setContentsMargins(24, 16, 24, 16)
        self.signin_hint = QLabel(PICK_HINT, objectName="smallPrompt", wordWrap=True)
        column.addWidget(self.signin_hint)
        self.user_picker = UserPicker()
        self.user_picker.picked.connect(self._on_user_picker_picked)
        column.addWidget(self.user_picker, 1)
        return signin

    def _build_pin_page(self) -> QWidget:
        """A PIN for the user who scanned or picked, with a keypad for touch stations; the banner names them."""
        from ui.pin_pad import PinPage

        self._pin_page = PinPage("Sign in")
        self._pin_field = self._pin_page.field
        self._pin_page.submitted.connect(self._on_pin_field_return_pressed)
        self._pin_page.cancelled.connect(self._on_pin_cancelled)
        self._pin_field.diverted.connect(self._on_pin_field_diverted)
        return self._pin_page

    def _on_users_loaded(self, loaded: tuple[list[Choice], bool]) -> None:
        choices, badge_and_pin = loaded
        self.user_picker.set_users(choices)
        self.signin_hint.setText(BADGE_AND_PIN_HINT if badge_and_pin else PICK_HINT)
        if not choices:
            self.signin_hint.setText("No users in this database yet: an administrator adds them "
                                     "(certline-cli init / demo).")
        self.users_loaded.emit(len(choices))

    def _sign_in_by_typed_name(self, typed: str, refusal: str | None) -> bool:
        """What was typed on the sign-in page was not a badge (the badge is looked up first): the one name
        it matches, as the list's filter matches, goes on as a picked name does, to its PIN; several are
        listed to pick from. False, saying nothing, for a code that names nobody and was refused as a code
        (``refusal``: its own reason says more than "no name matches")."""
        matches = self.user_picker.matching(typed)
        exact = [choice for choice in matches if choice.user.name.strip().lower() == typed.strip().lower()]
        if len(matches) == 1 or len(exact) == 1:
            self._begin_sign_in((exact or matches)[0].user, by_badge=False)
        elif matches:
            self.user_picker.filter(typed)
            self._result("info", f"{len(matches)} names match '{visible(typed.strip(), 40)}': pick yours with "
                                 "↑ ↓ and Enter, or tap it")
        elif refusal is not None and " " not in typed.strip():
            return False
        else:
            message = f"No badge or name matches '{visible(typed.strip(), 40)}'"
            self._result("refused", message, "refused")
            self.unknown_code.emit(message)
        return True

    @Slot(object)
    def _on_user_picker_picked(self, user: UserRecord) -> None:
        self._begin_sign_in(user, by_badge=False)
        self._keep_focus()

    def _begin_sign_in(self, user: UserRecord, by_badge: bool) -> None:
        """Whether a PIN follows, or a refusal (a name that must scan, a lock), is the app's to say (app/sign_in.py)."""
        if self.user is not None and self.user.id == user.id:
            self.banner.show_result("info", f"Already signed in as {shown(user.name)}")
            return
        self.database.submit(operations.begin_sign_in, user.badge if by_badge else None, None if by_badge else user.id,
                             on_done=self._on_sign_in_begun, on_failed=self._on_failure)

    def _on_sign_in_begun(self, attempt: Attempt) -> None:
        if not attempt.needs_pin:
            self.database.submit(operations.sign_in_user, attempt.user.id, attempt.badge, None, on_done=self._complete_sign_in,
                                 on_failed=self._on_failure)
            return
        self._pin_user, self._pin_badge, self._pin_refusal = attempt.user, attempt.badge, None
        self._show_page("pin")
        self.banner.clear_result()
        self._pin_timer.start()
        self.pin_requested.emit(attempt.user.id)

    # ---- the PIN page -----------------------------------------------------------------------------------------

    @Slot()
    def _on_pin_field_return_pressed(self) -> None:
        if self._pin_user is None or self._checking_pin:
            return  # one check at a time
        pin = self.pin_field.text()
        self.pin_field.clear()
        self._checking_pin = True
        self._pin_timer.start()
        self.database.submit(operations.sign_in_user, self._pin_user.id, self._pin_badge, pin, on_done=self._on_pin_checked,
                             on_failed=self._on_pin_failed)

    def _on_pin_checked(self, user: UserRecord) -> None:
        self._checking_pin = False
        self._pin_timer.stop()
        self._complete_sign_in(user)

    def _on_pin_failed(self, failure: Failure) -> None:
        """A wrong PIN or a lock: the app's sentence (whose PIN, the tries left; a lock, the time left), said once,
        in the banner; when the red result has had its seconds, the banner's prompt still says it."""
        self._checking_pin = False
        self._pin_refusal = failure.message
        self._result("refused", failure.message, "refused")
        self._refresh()
        self._keep_focus()

    def _pin_prompt(self) -> str:
        """The banner's standing line on the PIN page (the page below names the user)."""
        if self._pin_refusal:
            return f"{self._pin_refusal}. Esc goes back."
        return "Type your PIN, then Sign in or Enter. Esc goes back."

    @Slot()
    def _on_pin_cancelled(self) -> None:
        self._pin_timer.stop()
        self._pin_user = None
        self._pin_refusal = None
        self._show_page("work" if self.user else "signin")

    @Slot(str)
    def _on_pin_field_diverted(self, text: str) -> None:
        """A scan arrived while the PIN was asked: give it, and the focus, back to the scan field."""
        self._on_pin_cancelled()
        self.scan_field.insert(text)

    # ---- the session ------------------------------------------------------------------------------------------

    def _complete_sign_in(self, user: UserRecord) -> None:
        self._start_session(user, "Signed in:", self._list_certificates)
        self._show_office_views(user)
        self.signed_in.emit(user.id)

    def _start_session(self, user: UserRecord, greeting: str, list_certificates) -> None:
        """``user`` at the station, online or off; ``list_certificates("")`` fills their certificate list."""
        switched = self.user is not None
        self._pin_user = None
        self.user = user
        # A new session: nothing of the last user's part, choice or results carries over to this one.
        self._attach_waiting = False
        self._clear_work()
        self.history.clear()
        self._listed_filter = None
        list_certificates("")
        self._show_page("work")
        self._restart_idle_timer()
        self._result("info", f"{'Switched to' if switched else greeting} {shown(user.name)}")

    @Slot()
    def _on_sign_out_button_clicked(self) -> None:
        self.sign_out("Signed out")

    def sign_out(self, why: str = "Signed out") -> None:
        if self.user is None and self._pin_user is None:
            return
        name = shown(self.user.name) if self.user else ""
        self.user = None
        self._pin_user = None
        self._attach_waiting = False
        self._clear_work()
        if "work" in self._pages:
            self.picker.clear()
        self._listed_filter = None
        self._idle_timer.stop()
        self.scan_field.clear()
        self._show_office_views(None)
        self._show_page("signin")
        # Users and the sign-in policy may have changed meanwhile (the administrator's Settings tab).
        self.database.submit(operations.sign_in_users, on_done=self._on_users_loaded, on_failed=self._on_failure)
        self._result("info", f"{why}: {name}" if name else why)
        self.history.clear()  # the session is over: the next person at the station does not see its work
        self.signed_out.emit(why)
