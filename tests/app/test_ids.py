"""Generated ids: unique, time-ordered, within the id rules."""
from app.ids import is_id, new_id


def test_generated_ids_are_unique_ordered_and_valid_codes():
    ids = [new_id("ca_") for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)  # new rows append to the end of the id index
    assert all(is_id(i) and i.startswith("ca_") and len(i) == 23 for i in ids)
