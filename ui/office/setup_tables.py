"""The small tables of the Routes and Users views: every row loaded at once (a plant has tens of routes
and users, not millions), columns as wide as what they hold with room to breathe, the named ones
stretching and wrapping, each row as tall as its wrapped text."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from ui.office.common import style_table

PADDING = 18  # pixels beside a cell's text, so neighbouring columns do not run together

Cell = tuple[str, str]  # text, tool tip


class SetupTable(QTableWidget):
    """A read-only table whose Enter, like a double-click, activates the current row."""

    row_activated = Signal(int)

    def __init__(self, name: str, headings: tuple[str, ...], stretch: tuple[int, ...]):
        super().__init__(0, len(headings), objectName=name)
        style_table(self)
        self.setHorizontalHeaderLabels(list(headings))
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stretch = stretch
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        for column in stretch:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        # Rows as tall as their wrapped text at the width the columns have once laid out (a hidden tab's
        # table is filled before it has any).
        self._rows = QTimer(self, singleShot=True, interval=0)
        self._rows.timeout.connect(self.resizeRowsToContents)
        header.sectionResized.connect(lambda index, *_: index in stretch and self._rows.start())
        self.doubleClicked.connect(lambda index: self.row_activated.emit(index.row()))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.row_activated.emit(self.currentRow())
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._rows.start()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._rows.start()

    def fill(self, rows: list[list[Cell]], colours: list[QColor | None] | None = None) -> None:
        """Put ``rows`` of (text, tool tip) in, the fixed columns as wide as their widest text."""
        self.setRowCount(len(rows))
        for row, cells in enumerate(rows):
            colour = colours[row] if colours else None
            for column, (text, tip) in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                if colour is not None:
                    item.setBackground(QBrush(colour))
                self.setItem(row, column, item)
        self.fit()

    def fit(self) -> None:
        header = self.horizontalHeader()
        bold = header.font()
        bold.setBold(True)
        for column in range(self.columnCount()):
            if column in self.stretch:
                continue
            heading = self.horizontalHeaderItem(column).text()
            widest = max([self.fontMetrics().horizontalAdvance(self.item(r, column).text())
                          for r in range(self.rowCount()) if self.item(r, column)], default=0)
            heading_width = QFontMetrics(bold).horizontalAdvance(heading) + 8
            self.setColumnWidth(column, max(widest, heading_width) + PADDING)
        self.resizeRowsToContents()
