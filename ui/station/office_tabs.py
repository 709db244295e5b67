"""The tabs beside the station's: what supervisors and administrators see (ui/office/), built when they sign
in and taken away when they sign out. Mixed into ``StationWindow`` (shell.py), whose ``tabs`` it fills.
"""
from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QTabWidget, QWidget

from app.users import UserRecord


class OfficeTabs:
    """The office's views as tabs; ``self`` is the ``StationWindow``."""

    def _start_office_tabs(self) -> None:
        self._office_tabs: list[tuple[str, QWidget]] = []  # the tabs beside the station's: views and groups
        self._office_views: list[tuple[str, QWidget]] = []
        self._office_look = False  # the office's style on the tab bar, set when the first office tabs come
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

    def _show_office_views(self, user: UserRecord | None) -> None:
        """The views of ``ui/office/`` that the user's role may see, as tabs beside the station."""
        for _title, page in self._office_tabs:
            self.tabs.removeTab(self.tabs.indexOf(page))
            page.deleteLater()  # a group's tab widget takes its views with it
        self._office_tabs, self._office_views = [], []
        from ui import office  # the views' registry: first needed when someone signs in

        views = office.views_for(user) if user else []
        if views:
            from ui.office import look  # the office's look: first needed when a supervisor signs in

            if not self._office_look:
                look.tab_bar(self.tabs.tabBar())
                self._office_look = True
        groups: dict[str, QTabWidget] = {}
        for view in views:
            widget = view.build(self.database, user)
            look.apply(widget)
            self._office_views.append((view.title, widget))
            if view.group is None:
                self._office_tabs.append((view.title, widget))
                self.tabs.addTab(widget, view.title)
                continue
            if view.group not in groups:
                groups[view.group] = QTabWidget(objectName="officeGroup")
                groups[view.group].setDocumentMode(True)
                look.tab_bar(groups[view.group].tabBar())
                self._office_tabs.append((view.group, groups[view.group]))
                self.tabs.addTab(groups[view.group], view.group)
            groups[view.group].addTab(widget, view.title)
        self.tabs.tabBar().setVisible(bool(self._office_tabs))
        self.tabs.setCurrentIndex(0)

    def office_views(self) -> list[tuple[str, QWidget]]:
        """Every office view the signed-in user has (title, view), those inside a group's tab too, in order."""
        return list(self._office_views)

    def show_office_view(self, view: QWidget) -> None:
        """Bring ``view`` to the front, and the group's tab that holds it."""
        for _title, page in self._office_tabs:
            if page is view:
                self.tabs.setCurrentWidget(view)
                return
            if isinstance(page, QTabWidget) and page.indexOf(view) >= 0:
                page.setCurrentWidget(view)
                self.tabs.setCurrentWidget(page)
                return
        raise LookupError(f"{view.objectName()} is not one of this user's office views")

    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        if index == 0:
            self._keep_focus()
