"""A view that does not go stale in silence: "2 new attachments" and a Refresh button, over what it lists.

An office view reads its rows once; other workstations go on writing. The bar counts the changes that
concern the view (ui/live.py hears them within about a second) and offers to read the view again. It
never reloads by itself: a supervisor reading a row or halfway down a long list keeps it until they
choose. It clears itself whenever the view's models are read again, by Refresh or by a new filter.

A view adds it with two lines::

    self.live_bar = LiveBar(database, self._concerns, lambda n: plural(n, "new entry", "new entries"),
                            self.requery, models=(self.model,))
    layout.addWidget(self.live_bar)
"""
from __future__ import annotations

from typing import Callable, Iterable

from PySide6.QtCore import QAbstractItemModel, QObject, Signal, Slot

from app.changes import Change
from ui import live
from ui.office import look


class LiveBar(look.Notice):
    """Hidden until a change concerns the view; then ``words(count)`` and Refresh."""

    counted = Signal(int)  # changes that concern the view since it was last read

    def __init__(self, database: QObject, concerns: Callable[[Change], bool], words: Callable[[int], str],
                 refresh: Callable[[], None], models: Iterable[QAbstractItemModel] = (), name: str = "liveBar"):
        super().__init__(name)
        self.count = 0
        self._concerns, self._words, self._refresh = concerns, words, refresh
        self.action_triggered.connect(self._on_action_triggered)
        for model in models:
            model.modelReset.connect(self.reset)
        # Connected whether or not the station has started watching yet: the bar goes live when it does.
        live.watcher_for(database).changed.connect(self._on_changed)

    @Slot()
    def reset(self) -> None:
        """The view was read again: nothing it shows is stale."""
        self.count = 0
        self.clear()

    @Slot(object)
    def _on_changed(self, found: tuple[Change, ...]) -> None:
        new = sum(1 for change in found if self._concerns(change))
        if not new:
            return
        self.count += new
        self.show_message(self._words(self.count), "warning", action="Refresh",
                          tooltip="Written at other workstations (or in another tab) since this view was read")
        self.counted.emit(self.count)

    @Slot()
    def _on_action_triggered(self) -> None:
        self.reset()
        self._refresh()
