"""PackedTable, the generated architecture table's form: a dict to every reader, one string in a pickle."""

from __future__ import annotations

import pickle

import pytest

from resolver.support.packed import SEARCHES_BEFORE_BUILDING, PackedTable

ENTRIES = {
    "BertForMaskedLM": ("fill-mask", "rules/architectures.generated.yaml:13"),
    "T5Model": ("feature-extraction", "rules/architectures.generated.yaml:14"),
    "Bert": ("other", "rules/x.yaml:1"),  # a key that is the start of another
    "ForMaskedLM": ("fill-mask", "rules/x.yaml:2"),  # ... and the end of one
}


def reloaded(table: PackedTable) -> PackedTable:
    return pickle.loads(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))


@pytest.mark.parametrize("make", [PackedTable, lambda entries: reloaded(PackedTable(entries))])
def test_it_reads_as_the_dict_it_was_made_from(make):
    table = make(ENTRIES)
    for name, entry in ENTRIES.items():
        assert table.get(name) == entry and table[name] == entry and name in table
    for missing in ["Ber", "MaskedLM", "BertForMaskedLM\tfill-mask", "T5Model\n", "", "bert", 3, None]:
        assert table.get(missing) is None and missing not in table  # type: ignore[arg-type]
        assert table.get(missing, ("d", "d")) == ("d", "d")  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        table["Nope"]
    assert table == ENTRIES and dict(table.items()) == ENTRIES and len(table) == 4 and sorted(table) == sorted(ENTRIES)
    assert list(table.keys()) == list(ENTRIES) and list(table.values()) == list(ENTRIES.values())


def test_it_pickles_as_one_string_and_searches_it_before_building_the_dict():
    table = reloaded(PackedTable(ENTRIES))
    assert table._table is None  # loaded packed
    for _ in range(SEARCHES_BEFORE_BUILDING):
        assert table.get("T5Model") == ENTRIES["T5Model"]
    assert table._table is None
    assert table.get("T5Model") == ENTRIES["T5Model"]  # one more: the dict is built, the string dropped
    assert table._table == ENTRIES and table._packed is None
    assert reloaded(table) == table


def test_contents_that_hold_a_separator_are_kept_whole():
    odd = {"A\tB": ("x", "y"), "C": ("line\nbreak", "z")}
    table = reloaded(PackedTable(odd))
    assert table == odd and table.get("A\tB") == ("x", "y") and table["C"] == ("line\nbreak", "z")


def test_the_shipped_generated_table_is_packed_and_reads_the_same():
    from resolver.api import load_rules

    table = load_rules().generated
    assert isinstance(table, PackedTable)
    plain = dict(table.items())
    fresh = reloaded(PackedTable(plain))
    assert all(fresh.get(name) == entry for name, entry in list(plain.items())[:5])
    assert fresh == plain and len(plain) > 1000
