"""Screenshots of the screens a plant is set up with, as the administrator has them on the demo plant:

    python -m ui.office.screenshots_setup resources/screenshots/            # 1280x800
    python -m ui.office.screenshots_setup /tmp/shots --size 1024x768

Signs the administrator in with badge and PIN, fills each setup view the way the office's screenshots
and fit test do (``ui.screenshots_office.fill_view``) and saves ``setup_<view>_<width>x<height>.png``;
for Routes also the chosen route's revisions after a change, and the dialogs of a new route and a new user.
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QWidget  # noqa: E402

from ui.screenshots import parse_arguments, save_png, settle, station_on_demo, wait_for  # noqa: E402
from ui.screenshots_office import ADMIN, fill_view, idle, kind_of, office_tabs, pick_examples, sign_in  # noqa: E402

SIZES = ("1280x800",)
SETUP_VIEWS = ("jobs", "serials", "routes", "users")  # each by its name in ui.screenshots_office.VIEWS


def _revise(window, view) -> None:
    """One change made through the view, so its revisions and its notice show what a change does."""
    view.ask_reason = lambda *args: "Grinding needs its calibration certificate"
    step = next(n for n, s in enumerate(view.detail.newest.steps) if s.requires == [])
    view.steps.setCurrentCell(step, 1)
    view.change_step()
    dialog = view.dialog
    dialog.kinds["CALIBRATION"].setChecked(True)
    dialog.save()
    wait_for(view.shown)
    idle(window)
    view.tabs.setCurrentIndex(1)


def main(argv: list[str] | None = None) -> int:
    out, sizes = parse_arguments("python -m ui.office.screenshots_setup", argv, SIZES)
    for width, height in sizes:
        with station_on_demo((width, height), pick_examples) as (window, examples):
            def shot(name: str, widget: QWidget | None = None) -> None:
                settle(300)
                path = out / f"setup_{name}_{width}x{height}.png"
                save_png((widget or window).grab().toImage(), path)
                print(path)

            sign_in(window, *ADMIN)
            for _title, view in office_tabs(window):
                name = kind_of(view)
                if name not in SETUP_VIEWS:
                    continue
                window.show_office_view(view)
                fill_view(window, view, examples)
                shot(name)
                if name == "routes":
                    _revise(window, view)
                    shot("routes_revisions")
                    view.create()
                    shot("new_route", view.dialog)
                    view.dialog.reject()
                if name == "users":
                    view.create()
                    shot("new_user", view.dialog)
                    view.dialog.reject()
    return 0


if __name__ == "__main__":
    sys.exit(main())
