"""The Jobs office view (supervisors and administrators): every job with how far it has got, a new job,
a job closed with a reason; a job chosen shows its serials below (``ui.office.job_serials``), where
several are moved at once and labels printed. Serials are made in the Serials view, one click away.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QHeaderView, QLabel, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

from app import jobs
from app.jobs import JobRecord
from app.queries import jobs as queries
from app.queries.jobs import JobRow
from app.users import UserRecord
from app.words import plural
from ui.office import PLANT_SET_UP, look, office_view
from ui.office.common import RowTable, local_time, style_table, utc_tooltip
from ui.office.job_form import JobForm
from ui.office.job_serials import JobSerialsPanel, ask_reason
from ui.worker import DatabaseWorker, Failure

Index = QModelIndex | QPersistentModelIndex
CLOSED = QColor("#ececec")


def _at_steps(row: JobRow) -> str:
    steps = [f"{name}: {count:,}" for _step, name, count in row.progress.at_step if count]
    return "In progress at " + ", ".join(steps) if steps else "None in progress"


# (heading, text, tool tip) of each column.
COLUMNS: list[tuple[str, Callable[[JobRow], str], Callable[[JobRow], str]]] = [
    ("Job", lambda r: r.job.id, lambda r: f"{r.job.id}: {r.job.name}"),
    ("Name", lambda r: r.job.name, lambda r: r.job.name),
    ("Part", lambda r: r.job.part, lambda r: f"Part {r.job.part}" + (f", GTIN {r.job.gtin}" if r.job.gtin else "")
     + (f", lot {r.job.lot}" if r.job.lot else "")),
    ("Route", lambda r: r.route_name, lambda r: f"Route {r.job.route_id}, revision {r.job.revision} ({r.job.path_id})"),
    ("Made", lambda r: f"{r.progress.made - r.progress.scrapped:,} of {r.job.quantity:,}",
     lambda r: f"{r.progress.made:,} serials made, scrapped ones included; room for {r.progress.room:,} more"),
    ("In progress", lambda r: f"{r.progress.in_progress:,}", _at_steps),
    ("Completed", lambda r: f"{r.progress.completed:,}", lambda r: "Past the last step of the route"),
    ("Scrapped", lambda r: f"{r.progress.scrapped:,}", lambda r: "Scrapped pieces do not count towards the quantity"),
    ("State", lambda r: f"Closed {local_time(r.job.closed_at)[:10]}" if r.job.closed else "Open",
     lambda r: f"Closed at {utc_tooltip(r.job.closed_at)}: no new serials" if r.job.closed else "Takes new serials"),
]
NAME = 1


class JobsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.jobs: list[JobRow] = []

    def set_rows(self, rows: list[JobRow]) -> None:
        self.beginResetModel()
        self.jobs = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.jobs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, (_, text, tip) = self.jobs[index.row()], COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip(row)
        if role == Qt.ItemDataRole.BackgroundRole and row.job.closed:
            return QBrush(CLOSED)
        if role == Qt.ItemDataRole.TextAlignmentRole and 4 <= index.column() <= 7:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt's name
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None


class JobsView(QWidget):
    """Jobs with their progress; a new job; a job closed; the chosen job's serials."""

    jobs_loaded = Signal(int)
    job_created = Signal(object)  # JobRecord
    job_closed = Signal(object)  # JobRecord
    form_opened = Signal(object)  # JobForm
    refused = Signal(str)

    def __init__(self, database: DatabaseWorker, user: UserRecord, parent: QWidget | None = None):
        super().__init__(parent, objectName="jobsView")
        self.database, self.user = database, user
        self.form: JobForm | None = None
        self.ask_reason: Callable[[QWidget, str, str], str | None] = ask_reason
        self.show_closed = QCheckBox("Show closed jobs", objectName="showClosedJobs", checked=True)
        self.show_closed.toggled.connect(lambda _on: self.reload())
        self.model = JobsModel(self)
        self.table = RowTable("jobsTable")
        style_table(self.table)
        self.table.setModel(self.model)
        self.table.setWordWrap(True)  # a long name takes a second line on a small screen, never cut
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(lambda index, *_: index == NAME and self.table.resizeRowsToContents())
        self.table.selectionModel().selectionChanged.connect(self._on_job_chosen)
        # The row the keyboard is on is the job chosen, also the first one the list takes focus on.
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: current.isValid() and self.table.selectRow(current.row()))
        self.table.row_activated.connect(lambda _row: self.make_serials())
        self.count = QLabel(objectName="jobCount")
        self.new_button = look.button("New job…", "newJob", primary=True)
        self.serials_button = look.button("Make serials…", "makeSerials")
        self.serials_button.setToolTip("Make serials for the chosen job in the Serials tab")
        self.close_button = look.button("Close job…", "closeJob", danger=True)
        self.close_button.setToolTip("The job takes no new serials; those it has go on along their route")
        self.new_button.clicked.connect(self.create)
        self.serials_button.clicked.connect(self.make_serials)
        self.close_button.clicked.connect(self.close_chosen)
        self.notice = look.Notice("jobsNotice")
        self.serials = JobSerialsPanel(database, user, self.notice, "jobSerials")
        self.serials.moved.connect(lambda *_: self.reload())

        under = QHBoxLayout()
        under.addWidget(self.count, 1)
        for button in (self.new_button, self.serials_button, self.close_button):
            under.addWidget(button)
        listing = QWidget(objectName="jobListing")
        listing_layout = QVBoxLayout(listing)
        listing_layout.setContentsMargins(0, 0, 0, 0)
        listing_layout.addWidget(self.table, 1)
        listing_layout.addLayout(under)
        self.splitter = QSplitter(Qt.Orientation.Vertical, objectName="jobsSplitter", childrenCollapsible=False)
        self.splitter.setHandleWidth(look.SPACING + 2)
        self.splitter.addWidget(listing)
        self.splitter.addWidget(self.serials)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(look.heading("Jobs", "Each job is a batch of one part along one route. Choose a job to see "
                                              "its serials and how far each has gone."))
        layout.addLayout(look.row(self.show_closed))
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.notice)
        self._wanted: str | None = None
        self._chosen_when_asked: str | None = None
        self._on_job_chosen()
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.reload()  # serials made or moved in another tab show here at once

    # --- the list ------------------------------------------------------------------------------

    def reload(self, keep: str | None = None) -> None:
        """Ask for the jobs again, keeping ``keep`` (or the chosen job) chosen."""
        chosen = self.chosen()
        self._chosen_when_asked = chosen.id if chosen else None
        self._wanted = keep or self._chosen_when_asked
        self.database.submit(queries.job_rows, self.show_closed.isChecked(), owner=self, on_done=self._on_jobs,
                             on_failed=self._on_failed)

    def _on_jobs(self, rows: list[JobRow]) -> None:
        # A job chosen while the list was being read again is the one to keep, not the one chosen before.
        chosen = self.chosen()
        chosen_now = chosen.id if chosen else None
        wanted = chosen_now if chosen_now != self._chosen_when_asked else self._wanted
        self.model.set_rows(rows)
        self.table.resizeRowsToContents()
        open_jobs = sum(1 for r in rows if not r.job.closed)
        self.count.setText(f"{plural(len(rows), 'job')}, {open_jobs:,} open" if rows else "No jobs yet")
        if wanted is not None:
            self.select_job(wanted)
        self._on_job_chosen()
        self.jobs_loaded.emit(len(rows))

    def select_job(self, job_id: str) -> bool:
        for row, job in enumerate(self.model.jobs):
            if job.job.id == job_id:
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows)
                self.table.scrollTo(self.model.index(row, 0))
                return True
        return False

    def chosen(self) -> JobRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.jobs[rows[0].row()].job if rows and rows[0].row() < len(self.model.jobs) else None

    def _on_job_chosen(self, *_: object) -> None:
        job = self.chosen()
        self.serials_button.setEnabled(job is not None and not job.closed)
        self.close_button.setEnabled(job is not None and not job.closed)
        if (job.id if job else None) != self.serials.job_id:
            self.serials.show_job(job.id if job else None)

    # --- actions -------------------------------------------------------------------------------

    def create(self) -> None:
        self.form = JobForm(self.database, self.user, self)
        self.form.saved.connect(self._on_created)
        self.form.open()
        self.form_opened.emit(self.form)

    def _on_created(self, job: JobRecord) -> None:
        self.notice.show_message(f"Created job {job.id} — {job.name}: {job.quantity:,} pieces of {job.part} "
                                 f"(route revision {job.revision}). Make its serials with Make serials….", "ok")
        self.job_created.emit(job)
        self.reload(keep=job.id)

    def make_serials(self) -> None:
        """The Serials view, with the chosen job in it."""
        job = self.chosen()
        target = self.window().findChild(QWidget, "serialsView")
        if job is None or target is None:
            return
        target.choose_job(job.id)
        parent = target.parentWidget()
        while parent is not None and not isinstance(parent, QTabWidget):
            parent = parent.parentWidget()
        if parent is not None:
            parent.setCurrentWidget(target)

    def close_chosen(self) -> None:
        job = self.chosen()
        if job is None:
            return
        reason = self.ask_reason(self, "Close job", f"Why close {job.id} — {job.name}? It takes no new serials from "
                                 "now on; those it has go on along their route.")
        if reason is None:
            self.notice.show_message("Nothing closed.", "info")
            return
        self.database.submit(jobs.close_job, job.id, self.user.id, reason, owner=self, on_done=self._on_closed,
                             on_failed=self._on_failed)

    def _on_closed(self, job: JobRecord) -> None:
        self.notice.show_message(f"Closed job {job.id}: it takes no new serials.", "ok")
        self.job_closed.emit(job)
        self.reload(keep=job.id)

    def _on_failed(self, failure: Failure) -> None:
        self.notice.show_message(failure.message, "error")
        self.refused.emit(failure.message)


@office_view("Jobs", roles=("supervisor", "admin"), order=50, group=PLANT_SET_UP)
def build(database: DatabaseWorker, user: UserRecord) -> QWidget:
    return JobsView(database, user)
