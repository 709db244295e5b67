"""Find text a person cannot read whole: cut off, elided with "…", or wrapped past its widget's height.

    from tests.helpers.elision import assert_nothing_cut, horizontal_scroll_bars
    assert_nothing_cut(window)              # fails naming every widget whose text is cut
    assert not horizontal_scroll_bars(window)

Only what is on screen is checked: visible widgets, and the rows of item views that lie in
their viewport. Widgets checked: QLabel (one line against its width; word-wrapped against its
height for its width), buttons, QLineEdit placeholders, QComboBox's current text, QTabBar,
QHeaderView sections, the cells of every QAbstractItemView, and any widget with an
``elided_texts()`` method that reports what it painted itself (ui/card.py's RouteStrip).
A label whose text differs from its ``full_text()`` (a label that elides itself), or that shows
a "…" its tool tip does not have, counts as cut too.
"""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize
from PySide6.QtGui import QFont, QFontMetrics, Qt  # QtGui's Qt has mightBeRichText too
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QStyleOptionFrame,
    QStyleOptionViewItem,
    QTabBar,
    QWidget,
)

SLACK = 1  # pixels of rounding that Qt's own layout allows itself
ELLIPSIS = "…"


def describe(widget: QWidget) -> str:
    """``QLabel#certName`` under ``CertificatePanel#certPanel``: enough to find it in the code."""
    def one(w: QWidget) -> str:
        name = w.objectName()
        return f"{type(w).__name__}#{name}" if name else type(w).__name__
    parent = widget.parentWidget()
    while parent is not None and not parent.objectName():
        parent = parent.parentWidget()
    return one(widget) + (f" in {one(parent)}" if parent is not None else "")


def _shown(widget: QWidget, root: QWidget) -> bool:
    return widget.isVisibleTo(root) and widget.width() > 0 and widget.height() > 0 and widget.isVisible()


def _lines_width(metrics: QFontMetrics, text: str) -> int:
    return max((metrics.horizontalAdvance(line) for line in text.split("\n")), default=0)


def _label(label: QLabel) -> str | None:
    text = label.text()
    if not text or label.pixmap() is not None and not label.pixmap().isNull():
        return None
    full = label.full_text() if callable(getattr(label, "full_text", None)) else None
    if full is not None and full != text:
        return f"shows {text!r} of {full!r}"
    tip = label.toolTip()
    if ELLIPSIS in text and ELLIPSIS not in tip and tip and tip.startswith(text.split(ELLIPSIS)[0].rstrip()):
        return f"shows {text!r}, elided from {tip!r}"
    if label.wordWrap():
        needed = label.heightForWidth(label.width())
        if needed > label.height() + SLACK:
            return f"{text!r} needs {needed} px of height at its width {label.width()}, has {label.height()}"
        if not Qt.mightBeRichText(text) or label.textFormat() == Qt.TextFormat.PlainText:
            # Word wrap never breaks a word: one longer than the line runs past the edge.
            metrics = label.fontMetrics()
            longest = max((metrics.horizontalAdvance(word) for word in text.split()), default=0)
            if longest > label.contentsRect().width() + SLACK:
                return f"a word of {text!r} is {longest} px wide, the label {label.contentsRect().width()}"
        return None
    hint = label.sizeHint()  # Qt's own measure of the text with the label's margins, indent and style
    if hint.width() > label.width() + SLACK:
        return f"{text!r} needs {hint.width()} px, has {label.width()}"
    if hint.height() > label.height() + SLACK:
        return f"{text!r} needs {hint.height()} px of height, has {label.height()}"
    return None


def _button(button: QAbstractButton) -> str | None:
    text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text:
        return None
    if isinstance(button, (QCheckBox, QRadioButton)):
        needed = button.sizeHint().width()
    else:
        option = QStyleOptionButton()
        option.initFrom(button)
        option.text = button.text()
        option.icon = button.icon()
        option.iconSize = button.iconSize()
        if isinstance(button, QPushButton) and button.isFlat():
            option.features |= QStyleOptionButton.ButtonFeature.Flat
        # The style's padding around a wide text: a narrow one would add the style's minimum width instead.
        wide = 10_000
        padding = button.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, option,
                                                  QSize(wide, button.height()), button).width() - wide
        icon = button.iconSize().width() + 4 if not button.icon().isNull() else 0
        needed = _lines_width(button.fontMetrics(), text) + icon + padding
    if needed > button.width() + SLACK:
        return f"{text!r} needs {needed} px, has {button.width()}"
    return None


def _line_edit(edit: QLineEdit) -> str | None:
    shown = edit.text() or edit.placeholderText()
    if edit.text() or not shown:
        return None  # typed text scrolls inside the field, as people expect
    option = QStyleOptionFrame()
    option.initFrom(edit)
    option.lineWidth = edit.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, option, edit) \
        if edit.hasFrame() else 0
    option.rect = edit.rect()
    room = edit.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, edit)
    margins = edit.textMargins()
    width = room.width() - margins.left() - margins.right() - 4  # QLineEdit keeps 2 px each side
    needed = edit.fontMetrics().horizontalAdvance(shown)
    if needed > width + SLACK:
        return f"placeholder {shown!r} needs {needed} px, has {width}"
    return None


def _combo(combo: QComboBox) -> str | None:
    text = combo.currentText()
    if not text or combo.isEditable():
        return None
    option = QStyleOptionComboBox()
    option.initFrom(combo)
    option.rect = combo.rect()
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                         QStyle.SubControl.SC_ComboBoxEditField, combo)
    icon = combo.iconSize().width() + 4 if not combo.itemIcon(combo.currentIndex()).isNull() else 0
    needed = combo.fontMetrics().horizontalAdvance(text) + icon
    if needed > field.width() + SLACK:
        return f"{text!r} needs {needed} px, has {field.width()}"
    return None


def _tab_bar(bar: QTabBar) -> list[str]:
    problems = []
    if bar.elideMode() != Qt.TextElideMode.ElideNone or bar.usesScrollButtons():
        needed, has = bar.sizeHint().width(), bar.width()
        if bar.shape() in (QTabBar.Shape.RoundedNorth, QTabBar.Shape.RoundedSouth,
                           QTabBar.Shape.TriangularNorth, QTabBar.Shape.TriangularSouth) and needed > has + SLACK:
            tabs = ", ".join(repr(bar.tabText(i)) for i in range(bar.count()))
            problems.append(f"tabs {tabs} need {needed} px, have {has}: elided or scrolled away")
    return problems


def _header(header: QHeaderView) -> list[str]:
    model = header.model()
    if model is None:
        return []
    problems = []
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    arrow = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header)
    count = model.columnCount() if header.orientation() == Qt.Orientation.Horizontal else model.rowCount()
    for section in range(count):
        if header.isSectionHidden(section):
            continue
        position = header.sectionViewportPosition(section)
        size = header.sectionSize(section)
        if size <= 0 or position + size <= 0 or position >= header.viewport().width():
            continue
        text = model.headerData(section, header.orientation(), Qt.ItemDataRole.DisplayRole)
        if text is None or str(text) == "":
            continue
        text = str(text)
        font = model.headerData(section, header.orientation(), Qt.ItemDataRole.FontRole)
        metrics = QFontMetrics(font if isinstance(font, QFont) else header.font())
        needed = _lines_width(metrics, text) + 2 * margin
        if header.isSortIndicatorShown() and header.sortIndicatorSection() == section:
            needed += arrow + margin
        if header.orientation() == Qt.Orientation.Horizontal and needed > size + SLACK:
            problems.append(f"header section {text!r} needs {needed} px, has {size}")
    return problems


def _visible_indexes(view: QAbstractItemView):
    model = view.model()
    if model is None:
        return
    area = view.viewport().rect()
    root = view.rootIndex()
    try:
        columns = model.columnCount(root)
    except TypeError:  # a list model's columnCount is private: it has one column
        columns = 1
    for row in range(model.rowCount(root)):
        first = model.index(row, 0, root)
        rect = view.visualRect(first)
        if rect.isValid() and rect.top() >= area.bottom():
            # Rows come in order in list and table views: the rest are below the viewport.
            if rect.top() > area.bottom() + 1 and row > 0:
                break
        for column in range(columns):
            index = model.index(row, column, root)
            cell = view.visualRect(index)
            if cell.isValid() and cell.intersects(area):
                yield index, cell


def _item_view(view: QAbstractItemView) -> list[str]:
    problems = []
    area = view.viewport().rect()
    delegate = view.itemDelegate()
    for index, cell in _visible_indexes(view):
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if text is None or str(text) == "":
            continue
        text = str(text)
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        option.rect = cell
        try:
            delegate.initStyleOption(option, index)
        except (AttributeError, TypeError):
            option.text = text
        if cell.right() > area.right():
            # A list item is as wide as its text; what passes the viewport's edge is not seen.
            option.rect = QRect(cell.left(), cell.top(), area.right() - cell.left() + 1, cell.height())
        room = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view)
        # Qt's item delegate keeps a focus-frame margin inside that rectangle on either side.
        margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        room.adjust(margin, 0, -margin, 0)
        metrics = QFontMetrics(option.font)
        if option.features & QStyleOptionViewItem.ViewItemFeature.WrapText:
            needed = metrics.boundingRect(QRect(0, 0, room.width(), 100_000),
                                          int(Qt.TextFlag.TextWordWrap), text).height()
            if needed > room.height() + SLACK:
                problems.append(f"cell {_where(index)} {text!r} needs {_lines_width(metrics, text)} px on one line "
                                f"or {needed} px of height wrapped, has {room.width()} x {room.height()}")
            continue
        needed = _lines_width(metrics, text)
        if needed > room.width() + SLACK:
            problems.append(f"cell {_where(index)} {text!r} needs {needed} px, has {room.width()}")
        elif text.count("\n") and metrics.lineSpacing() * (text.count("\n") + 1) > room.height() + 2:
            problems.append(f"cell {_where(index)} {text!r} has {text.count(chr(10)) + 1} lines, "
                            f"room for {room.height()} px")
    return problems


def _where(index: QModelIndex) -> str:
    return f"({index.row()}, {index.column()})"


def cut_texts(root: QWidget) -> list[str]:
    """Every text under ``root`` (``root`` included) that is not shown whole, one line each."""
    problems: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not _shown(widget, root):
            continue
        found: list[str] = []
        own = getattr(widget, "elided_texts", None)
        if callable(own):
            found += list(own())
        if isinstance(widget, QLabel):
            found.append(_label(widget) or "")
        elif isinstance(widget, QAbstractButton) and not isinstance(widget, QTabBar):
            found.append(_button(widget) or "")
        elif isinstance(widget, QLineEdit) and not isinstance(widget.parentWidget(), QComboBox):
            found.append(_line_edit(widget) or "")
        elif isinstance(widget, QComboBox):
            found.append(_combo(widget) or "")
        elif isinstance(widget, QTabBar):
            found += _tab_bar(widget)
        elif isinstance(widget, QHeaderView):
            found += _header(widget)
        elif isinstance(widget, QAbstractItemView):
            found += _item_view(widget)
        problems += [f"{describe(widget)}: {text}" for text in found if text]
    return problems


def assert_nothing_cut(root: QWidget, context: str = "") -> None:
    problems = cut_texts(root)
    where = f" ({context})" if context else ""
    assert not problems, f"text cut{where}:\n  " + "\n  ".join(problems)


def horizontal_scroll_bars(root: QWidget) -> list[str]:
    """The scroll areas under ``root`` that show a horizontal scroll bar now."""
    return [describe(area) for area in root.findChildren(QAbstractScrollArea)
            if _shown(area, root) and area.horizontalScrollBar().isVisible()]

