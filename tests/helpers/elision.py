"""Find text a person cannot read whole: cut off, elided with "…", or wrapped past its widget's height.

    from tests.helpers.elision import assert_nothing_cut, horizontal_scroll_bars
    assert_nothing_cut(window)              # fails naming every widget whose text is cut
    assert not horizontal_scroll_bars(window)

Only what is on screen is checked: visible widgets, and the rows of item views that lie in
their viewport. Widgets checked: QLabel (one line against its width; word-wrapped against its
height for its width), buttons, check boxes and radio buttons, QLineEdit placeholders (and the
text of a read-only field, which nobody can scroll), QComboBox's current text, the text of a spin
box or date field (with its suffix), QGroupBox titles, every tab of a QTabBar (elided, or scrolled
out of view), QHeaderView sections (against the part of the section in view), the cells of every
QAbstractItemView, and any widget with an ``elided_texts()`` method that reports what it painted
itself (ui/card.py's RouteStrip). A label whose text differs from its ``full_text()`` (a label that
elides itself), or that shows a "…" its tool tip does not have, counts as cut too.

A widget can also be cut by what holds it: a layout whose minimum is wider than the window lays a
button out past the window's edge, and the parent clips it. So every text widget is checked
against the part of it that its ancestors let be seen (a scroll area's viewport clips only across:
scrolling down is what a scroll area is for, scrolling sideways to read a line is not).
"""
from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QRect, QSize
from PySide6.QtGui import QFont, QFontMetrics, Qt  # QtGui's Qt has mightBeRichText too
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QStyleOptionFrame,
    QStyleOptionGroupBox,
    QStyleOptionTab,
    QStyleOptionViewItem,
    QTabBar,
    QTableView,
    QWidget,
)

SLACK = 1  # pixels of rounding that Qt's own layout allows itself
ELLIPSIS = "…"


def describe(widget: QWidget) -> str:
    """``QLabel#certName`` under ``CertificatePanel#certPanel``: enough to find it in the code."""
    def one(w: QWidget) -> str:
        name = w.objectName()
        if name:
            return f"{type(w).__name__}#{name}"
        text = w.text() if isinstance(w, (QLabel, QAbstractButton)) else ""
        return f"{type(w).__name__} {text[:40]!r}" if text else type(w).__name__
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
            # Qt breaks lines at blanks and at zero-width spaces (a path written to wrap after each "/").
            longest = max((metrics.horizontalAdvance(word) for word in re.split(r"[\s\u200b]+", text)), default=0)
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
    if not shown or edit.text() and not edit.isReadOnly():
        return None  # typed text scrolls inside the field, as people expect; a read-only one cannot be typed into
    width = _line_edit_room(edit)
    needed = edit.fontMetrics().horizontalAdvance(shown)
    if needed > width + SLACK:
        what = "placeholder" if not edit.text() else "read-only text"
        return f"{what} {shown!r} needs {needed} px, has {width}"
    return None


def _line_edit_room(edit: QLineEdit) -> int:
    option = QStyleOptionFrame()
    option.initFrom(edit)
    option.lineWidth = edit.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, option, edit) \
        if edit.hasFrame() else 0
    option.rect = edit.rect()
    room = edit.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, edit)
    margins = edit.textMargins()
    return room.width() - margins.left() - margins.right() - 4  # QLineEdit keeps 2 px each side


def _spin_box(box: QAbstractSpinBox) -> str | None:
    """A spin box or date field shows its value with prefix and suffix ("5 wrong PINs in a row") in a line
    edit of its own, beside its arrows: a suffix longer than that room is cut at the arrows."""
    edit = box.lineEdit()
    text = edit.text() if edit is not None else box.text()
    if not text or edit is None:
        return None
    width = _line_edit_room(edit)
    needed = edit.fontMetrics().horizontalAdvance(text)
    if needed > width + SLACK:
        return f"{text!r} needs {needed} px, has {width}"
    return None


def _group_box(box: QGroupBox) -> str | None:
    title = box.title().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not title:
        return None
    option = QStyleOptionGroupBox()
    option.initFrom(box)
    option.text = box.title()
    option.subControls = QStyle.SubControl.SC_GroupBoxLabel | QStyle.SubControl.SC_GroupBoxFrame
    if box.isCheckable():
        option.subControls |= QStyle.SubControl.SC_GroupBoxCheckBox
    option.rect = box.rect()
    label = box.style().subControlRect(QStyle.ComplexControl.CC_GroupBox, option,
                                       QStyle.SubControl.SC_GroupBoxLabel, box)
    needed = box.fontMetrics().horizontalAdvance(title)
    room = min(label.width(), box.width() - max(label.left(), 0))
    if needed > room + SLACK:
        return f"title {title!r} needs {needed} px, has {room}"
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
    """Each tab's text against the text room the style gives it, and each tab inside the bar: a bar
    narrower than its tabs elides them or hides some behind scroll buttons."""
    problems = []
    horizontal = bar.shape() in (QTabBar.Shape.RoundedNorth, QTabBar.Shape.RoundedSouth,
                                 QTabBar.Shape.TriangularNorth, QTabBar.Shape.TriangularSouth)
    needed_all, has = bar.sizeHint().width(), bar.width()
    for i in range(bar.count()):
        if not bar.isTabVisible(i):
            continue
        text = bar.tabText(i).replace("&&", "\0").replace("&", "").replace("\0", "&")
        rect = bar.tabRect(i)
        if horizontal and (rect.left() < -SLACK or rect.right() > has - 1 + SLACK) and needed_all > has + SLACK:
            problems.append(f"tab {text!r} is out of view: the tabs need {needed_all} px, the bar has {has}")
            continue
        option = QStyleOptionTab()
        bar.initStyleOption(option, i)
        room = bar.style().subElementRect(QStyle.SubElement.SE_TabBarTabText, option, bar)
        needed = QFontMetrics(option.fontMetrics).horizontalAdvance(text) \
            if hasattr(option, "fontMetrics") else bar.fontMetrics().horizontalAdvance(text)
        if needed > room.width() + SLACK:
            problems.append(f"tab {text!r} needs {needed} px, has {room.width()}")
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
        # What is in view of the section: one that runs past the viewport's edge is cut there.
        seen = min(position + size, header.viewport().width()) - max(position, 0)
        if header.orientation() == Qt.Orientation.Horizontal and needed > seen + SLACK:
            past = f" ({size} px, {size - seen} of them past the edge of the table)" if seen < size else ""
            problems.append(f"header section {text!r} needs {needed} px, has {seen}{past}")
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
    """The cut cells in view, one line per column: its count of cut cells and the widest of them."""
    by_column: dict[int, list[tuple[int, str]]] = {}
    seen: dict[int, int] = {}
    area = view.viewport().rect()
    delegate = view.itemDelegate()
    for index, cell in _visible_indexes(view):
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if text is None or str(text) == "":
            continue
        text = str(text)
        seen[index.column()] = seen.get(index.column(), 0) + 1
        problems = by_column.setdefault(index.column(), [])
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
            wrapped = metrics.boundingRect(QRect(0, 0, room.width(), 100_000), int(Qt.TextFlag.TextWordWrap), text)
            # Wrapping breaks lines between words only: a word wider than the cell stays as wide (and the
            # delegate elides it: "cert_ca…"), so the wrapped text must fit across as well as down.
            if wrapped.height() > room.height() + SLACK or wrapped.width() > room.width() + SLACK:
                problems.append((_lines_width(metrics, text),
                                 f"cell {_where(index)} {text!r} needs {_lines_width(metrics, text)} px on one line "
                                 f"or {wrapped.width()} x {wrapped.height()} px wrapped, "
                                 f"has {room.width()} x {room.height()}"))
            continue
        needed = _lines_width(metrics, text)
        if needed > room.width() + SLACK:
            problems.append((needed, f"cell {_where(index)} {text!r} needs {needed} px, has {room.width()}"))
        elif text.count("\n") and metrics.lineSpacing() * (text.count("\n") + 1) > room.height() + 2:
            problems.append((needed, f"cell {_where(index)} {text!r} has {text.count(chr(10)) + 1} lines, "
                                     f"room for {room.height()} px"))
    lines = []
    model = view.model()
    for column, cut in sorted(by_column.items()):
        if not cut:
            continue
        title = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) \
            if isinstance(view, QTableView) and model is not None else None
        named = f"column {column}" + (f" {str(title)!r}" if title else "")
        widest = max(cut)[1]
        lines.append(widest if len(cut) == 1 else
                     f"{named}: {len(cut)} of {seen[column]} cells in view cut, the widest {widest}")
    return lines


def _where(index: QModelIndex) -> str:
    return f"({index.row()}, {index.column()})"


def _clipped(widget: QWidget, root: QWidget) -> str | None:
    """Whether what holds ``widget`` hides part of it: an ancestor's edge, up to ``root``."""
    # QWidget's own size and rect: a widget class may give ``size`` a meaning of its own (a label's size).
    seen = QRect(widget.mapTo(root, QWidget.rect(widget).topLeft()), QWidget.size(widget))
    full = QRect(seen)
    holder = None
    scrolls = False  # inside a scroll area: what is below comes into view by scrolling down
    ancestor = widget.parentWidget()
    while ancestor is not None:
        box = QRect(ancestor.mapTo(root, QWidget.rect(ancestor).topLeft()), QWidget.size(ancestor))
        scroller = ancestor.parentWidget()
        scrolls = scrolls or isinstance(scroller, QAbstractScrollArea) and scroller.viewport() is ancestor
        if scrolls:
            # A scroll area shows the rest when scrolled down; across, a line must fit.
            box = QRect(box.left(), seen.top(), box.width(), seen.height())
        clipped = seen.intersected(box)
        if clipped != seen and holder is None:
            holder = ancestor
        seen = clipped
        if ancestor is root:
            break
        ancestor = ancestor.parentWidget()
    if seen.width() >= full.width() - SLACK and seen.height() >= full.height() - SLACK:
        return None
    hidden = []
    if seen.width() < full.width() - SLACK:
        hidden.append(f"{full.width() - max(seen.width(), 0)} px of its {full.width()} px width")
    if seen.height() < full.height() - SLACK:
        hidden.append(f"{full.height() - max(seen.height(), 0)} px of its {full.height()} px height")
    return f"clipped by {describe(holder) if holder is not None else 'its window'}: {' and '.join(hidden)} out of sight"


_TEXT_WIDGETS = (QLabel, QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QGroupBox, QTabBar,
                 QAbstractItemView)


def _has_text(widget: QWidget) -> bool:
    if isinstance(widget, QLabel):
        return bool(widget.text()) and (widget.pixmap() is None or widget.pixmap().isNull())
    if isinstance(widget, QAbstractButton):
        return bool(widget.text())
    if isinstance(widget, QLineEdit):
        return bool(widget.text() or widget.placeholderText()) and not isinstance(
            widget.parentWidget(), QAbstractSpinBox)
    if isinstance(widget, QGroupBox):
        return bool(widget.title())
    return isinstance(widget, _TEXT_WIDGETS)


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
        elif isinstance(widget, QLineEdit) and not isinstance(widget.parentWidget(), QAbstractSpinBox):
            found.append(_line_edit(widget) or "")  # an editable combo box's field too: its placeholder
        elif isinstance(widget, QComboBox):
            found.append(_combo(widget) or "")
        elif isinstance(widget, QAbstractSpinBox):
            found.append(_spin_box(widget) or "")
        elif isinstance(widget, QGroupBox):
            found.append(_group_box(widget) or "")
        elif isinstance(widget, QTabBar):
            found += _tab_bar(widget)
        elif isinstance(widget, QHeaderView):
            found += _header(widget)
        elif isinstance(widget, QAbstractItemView):
            found += _item_view(widget)
        if widget is not root and _has_text(widget) and not isinstance(widget, QHeaderView):
            found.append(_clipped(widget, root) or "")
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

