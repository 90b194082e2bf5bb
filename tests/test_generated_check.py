"""The generated tables get an exact shape check instead of jsonschema: it must give the schema's verdict."""

from __future__ import annotations

import copy
import dataclasses
import random

import pytest
from conftest import ROOT

from resolver.rulebook import schema
from resolver.rulebook.documents import parse

GENERATED = sorted((ROOT / "rules").glob("*.generated.yaml"))


def full_schema(doc) -> list:
    """What jsonschema itself says of `doc` (the general path of schema_findings)."""
    validator = schema._validator(doc.kind)
    return list(validator.iter_errors(doc.data))


@pytest.mark.parametrize("path", GENERATED, ids=lambda p: p.name)
def test_the_shipped_generated_tables_take_the_fast_path_and_pass_both_checks(path):
    doc, problems = parse(path, f"rules/{path.name}", 0)
    assert doc is not None and problems == []
    assert schema.is_generated_table(doc)
    assert schema.schema_findings(doc) == [] and full_schema(doc) == []


def damaged(data: dict, rng: random.Random) -> dict:
    data = copy.deepcopy(data)
    name = rng.choice(sorted(data["exact"]))
    damage = rng.randrange(7)
    if damage == 0:
        data["exact"][name] = rng.choice([1, None, True, ["fill-mask"], {"a": 1}])
    elif damage == 1:
        data["exact"][name] = rng.choice(["Fill Mask", "-x", "", "UPPER"])
    elif damage == 2:
        data["exact"]["9" + name] = "fill-mask"
    elif damage == 3:
        data["version"] = rng.choice([2, "1", True, 1.5])
    elif damage == 4:
        data["generated"]["from"] = rng.choice([None, "5.0", {"transformers": 5}])
    elif damage == 5:
        data["exact"] = rng.choice([[], "x"])
    else:
        data["exact"][name.replace("For", "For-")] = "fill-mask"
    return data


def test_the_fast_check_agrees_with_the_schema_on_damaged_tables():
    path = next(p for p in GENERATED if p.name.startswith("architectures"))
    doc, _ = parse(path, "rules/architectures.generated.yaml", 0)
    rng = random.Random(7)
    for case in range(20):
        bad = dataclasses.replace(doc, data=damaged(doc.data, rng))
        assert schema.is_generated_table(bad)
        fast, slow = schema.schema_findings(bad), full_schema(bad)
        assert bool(fast) == bool(slow), f"case {case}: fast {fast} vs schema {[e.message for e in slow]}"
