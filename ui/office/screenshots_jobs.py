"""The Jobs and Serials views as a supervisor has them on the demo plant, with what they do:

    python -m ui.office.screenshots_jobs resources/screenshots/            # 1280x800
    python -m ui.office.screenshots_jobs /tmp/shots --size 1024x768

Writes ``setup_job_form`` (a GTIN refused beside its field), ``setup_serials_made`` (20 serials just made
with a material certificate, their labels one click away), ``setup_serials_reason`` (three serials moved
on past a step that requires a certificate they lack: the core's sentence and the reason) and
``setup_serials_moved``, each ``_<width>x<height>.png``. The views as they first show (``setup_jobs``,
``setup_serials``) come from ui/office/screenshots_setup.py. ``fill_jobs`` and ``fill_serials`` are how
ui/screenshots_office.py (and with it tests/ui/test_office_fits.py) puts into these views what a person
would have in them.
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from ui.screenshots import parse_arguments, save_png, settle, station_on_demo, wait_for  # noqa: E402

SUPERVISOR = ("B-SUP1", "111111")
NEW_JOB = "JOB-24-0440"


def _idle(window) -> None:
    for _ in range(3):
        for _ in range(400):
            if window.database.pending == 0:
                break
            settle(25)
        settle(60)


def fill_jobs(window, view, examples: dict[str, str]) -> None:
    """The example job chosen: its serials listed below."""
    _idle(window)
    view.select_job(examples["job"])
    _idle(window)


def fill_serials(window, view, examples: dict[str, str]) -> None:
    """The example job chosen, a material certificate given, the pattern's preview shown."""
    _idle(window)
    view.choose_job(examples["job"])
    view.cert.setText(examples.get("cert_id", ""))
    view.ask_preview()
    _idle(window)


def _tab(window, name: str) -> QWidget:
    view = window.findChild(QWidget, name)
    window.show_office_view(view)
    settle(200)
    return view


def main(argv: list[str] | None = None) -> int:
    from ui.screenshots_office import pick_examples, sign_in

    out, sizes = parse_arguments("python -m ui.office.screenshots_jobs", argv, ("1280x800",))
    for width, height in sizes:
        with station_on_demo((width, height), pick_examples) as (window, examples):
            def shot(name: str, widget: QWidget | None = None) -> None:
                settle(300)
                path = out / f"setup_{name}_{width}x{height}.png"
                save_png((widget or window).grab().toImage(), path)
                print(path)

            sign_in(window, *SUPERVISOR)
            jobs = _tab(window, "jobsView")
            fill_jobs(window, jobs, examples)

            # A new job, its GTIN refused beside the field, then corrected and created.
            jobs.create()
            form = jobs.form
            wait_for(form.routes_loaded)
            form.resize(620, form.sizeHint().height())
            for key, text in (("id", NEW_JOB), ("name", "Flanges DN100 for Baltic Valves"),
                              ("part", "FL-100-PN16"), ("gtin", "4012345678902"), ("lot", "H24-1187")):
                form.inputs[key].setText(text)
            form.inputs["quantity"].setValue(500)
            form.inputs["path"].setCurrentIndex(max(0, form.inputs["path"].findData("route_flange")))
            form.submit()
            wait_for(form.refused)
            shot("job_form", form)
            form.inputs["gtin"].setText("4012345678901")
            form.submit()
            wait_for(jobs.job_created)
            _idle(window)

            # Twenty serials with a material certificate for it, from the Serials tab.
            serials = _tab(window, "serialsView")
            serials.choose_job(NEW_JOB)
            _idle(window)
            serials.count.setValue(20)
            serials.cert.setText(examples["cert_id"])
            serials.ask_preview()
            _idle(window)
            serials.make()
            wait_for(serials.batch_done)
            _idle(window)
            shot("serials_made")

            # Three of them taken on to Heat treatment, which requires a process certificate they lack:
            # moving them on asks for a reason, with the core's own sentence.
            panel = serials.panel
            three = {f"SN-{NEW_JOB}-{n:04d}" for n in (1, 2, 3)}
            for _ in range(3):
                panel.select_ids(three)
                panel.move("advance")
                wait_for(panel.moved)
                _idle(window)

            def answer() -> None:
                dialog = QApplication.activeModalWidget()
                if dialog is None:
                    QTimer.singleShot(100, answer)
                    return
                shot("serials_reason", dialog)
                dialog.findChild(QWidget, "reasonField").setText("Process sheet follows from the hardening shop")
                dialog.accept()

            panel.select_ids(three)
            QTimer.singleShot(300, answer)
            panel.move("advance")
            wait_for(panel.moved)
            _idle(window)
            shot("serials_moved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
