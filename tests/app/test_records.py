"""app.records.record: a frozen dataclass built quicker, and nothing else about it different."""
import dataclasses

import pytest

from app.records import record


@record
class Item:
    name: str
    count: int = 0
    tags: list[str] = dataclasses.field(default_factory=list)


@record
class Point:
    x: int
    y: int


@dataclasses.dataclass(frozen=True)
class PlainItem:
    name: str
    count: int = 0
    tags: list[str] = dataclasses.field(default_factory=list)


def test_it_builds_what_the_frozen_dataclass_builds():
    for args, kwargs in [(("a",), {}), (("a", 2), {}), (("a",), {"tags": ["x"]}), ((), {"name": "b", "count": 3})]:
        ours, theirs = Item(*args, **kwargs), PlainItem(*args, **kwargs)
        assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
        assert repr(ours) == repr(theirs).replace("PlainItem", "Item")
    assert Item("a") == Item("a") and Item("a") != Item("b") and Item("a") != PlainItem("a")
    with pytest.raises(TypeError):  # a list field makes it unhashable, as it does the dataclass
        hash(Item("a"))
    assert hash(Point(1, 2)) == hash(Point(1, 2)) and Point(1, 2) != Point(2, 1)
    assert dataclasses.replace(Item("a", 1), count=5) == Item("a", 5)


def test_each_instance_gets_its_own_default_list():
    first, second = Item("a"), Item("b")
    first.tags.append("x")
    assert second.tags == [] and Item("c").tags == []


def test_fields_cannot_be_assigned_or_deleted():
    item = Item("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.name = "b"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del item.count
    assert item.name == "a"


def test_wrong_arguments_fail_as_they_would_for_the_dataclass():
    with pytest.raises(TypeError):
        Item()
    with pytest.raises(TypeError):
        Item("a", nope=1)
    with pytest.raises(TypeError):
        Item("a", 1, [], "one too many")


def test_what_it_cannot_keep_is_refused():
    with pytest.raises(TypeError, match="use @dataclass"):
        @record
        class Checked:
            name: str

            def __post_init__(self):
                pass
