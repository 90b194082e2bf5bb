"""Seeded fuzzing of what users hand us: config.json and rule files (issue 13).

Every case must end in an answer or a typed error (TaskResolverError), never another exception,
never a hang, and leave the input files as they were. The generator is seeded, so a failure
names a case that replays; counts and time are bounded so the suite stays fast.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
import yaml

from resolver.api import Resolver
from resolver.errors import TaskResolverError
from resolver.evidence.folder import from_folder
from resolver.rulebook.yaml_source import load_yaml_file

SEED = 20261201
CASES = 400
RULE_CASES = 60  # each one compiles and checks a whole rule set (~0.2 s)
TIME_BUDGET = 60.0  # seconds for each fuzz test, far above what they take (a hang fails by the budget)
KNOWN_KEYS = ["architectures", "model_type", "auto_map", "vision_config", "text_config", "num_labels", "id2label"]
RULES = Path(__file__).resolve().parent.parent / "rules"


def random_value(rng: random.Random, depth: int = 0):
    """A random JSON value, biased towards the keys and shapes the rules read."""
    roll = rng.random()
    if depth > 4 or roll < 0.35:
        return rng.choice([None, True, False, 0, -1, 3.5, 1e308, "", "x" * rng.randint(0, 40), "BertForMaskedLM"])
    if roll < 0.6:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = KNOWN_KEYS + ["".join(rng.choice("abc_Z") for _ in range(rng.randint(0, 6)))]
    return {rng.choice(keys): random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def random_bytes(rng: random.Random) -> bytes:
    choices = [
        lambda: bytes(rng.randrange(256) for _ in range(rng.randint(0, 200))),
        lambda: json.dumps(random_value(rng)).encode()[: rng.randint(0, 400)],  # truncated JSON
        lambda: ("[" * rng.randint(1, 3000)).encode(),
        lambda: b"\xef\xbb\xbf" + json.dumps(random_value(rng)).encode(),  # with a BOM
        lambda: json.dumps(random_value(rng)).encode(),
    ]
    return rng.choice(choices)()


@pytest.fixture(scope="module")
def resolver_() -> Resolver:
    return Resolver(use_env=False)


def test_random_config_json_gives_an_answer_or_a_typed_error(tmp_path, resolver_):
    rng = random.Random(SEED)
    folder = tmp_path / "model"
    folder.mkdir()
    started = time.monotonic()
    outcomes = {"answer": 0, "typed error": 0}
    for case in range(CASES):
        data = random_bytes(rng) if case % 2 else json.dumps(random_value(rng)).encode()
        (folder / "config.json").write_bytes(data)
        try:
            resolver_.resolve(folder)
            outcomes["answer"] += 1
        except TaskResolverError:
            outcomes["typed error"] += 1
        except Exception as error:  # the failure this test exists to find
            pytest.fail(f"case {case} (seed {SEED}): {type(error).__name__}: {error}; config.json = {data[:200]!r}")
        assert (folder / "config.json").read_bytes() == data, f"case {case} changed the input"
        assert time.monotonic() - started < TIME_BUDGET, f"over {TIME_BUDGET} s after {case} cases: too slow or hung"
    assert outcomes["answer"] > 0 and outcomes["typed error"] > 0, outcomes  # both paths were exercised


def test_random_documents_beside_the_config_never_crash_evidence(tmp_path, resolver_):
    rng = random.Random(SEED + 1)
    folder = tmp_path / "model"
    folder.mkdir()
    documents = sorted(name for name in resolver_.rules.documents if "/" not in name)
    for case in range(CASES // 2):
        written = {}
        for name in rng.sample(documents, k=min(3, len(documents))):
            written[name] = random_bytes(rng)
            (folder / name).write_bytes(written[name])
        try:
            resolver_.resolve_evidence(from_folder(folder, resolver_.rules.documents))
        except TaskResolverError:
            pass
        except Exception as error:
            pytest.fail(f"case {case} (seed {SEED + 1}): {type(error).__name__}: {error}; files = {sorted(written)}")
        for name, data in written.items():
            assert (folder / name).read_bytes() == data
            (folder / name).unlink()


def mutate(rng: random.Random, text: str) -> str:
    """A shipped rule file, damaged: bytes flipped, lines cut or repeated, a tag or an alias slipped in."""
    lines = text.splitlines()
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        at = rng.randrange(len(lines))
        action = rng.randrange(6)
        if action == 0:
            del lines[at]
        elif action == 1:
            lines.insert(at, lines[at])
        elif action == 2:
            line = lines[at]
            spot = rng.randrange(len(line) + 1)
            lines[at] = (
                line[:spot] + rng.choice([":", "- ", "{", "]", "&a", "*a", "!!int ", "!x ", "\t", "'"]) + line[spot:]
            )
        elif action == 3:
            lines[at] = "  " * rng.randint(0, 8) + lines[at].lstrip()
        elif action == 4:
            lines[at] = yaml.safe_dump(random_value(rng), default_flow_style=True).strip()
        else:
            lines = lines[:at]
    return "\n".join(lines) + "\n"


def test_random_rule_files_give_rules_or_a_rule_error(tmp_path):
    rng = random.Random(SEED + 2)
    sources = [
        path.read_text(encoding="utf-8") for path in sorted(RULES.glob("*.yaml")) if "generated" not in path.name
    ]
    pack = tmp_path / "pack"
    pack.mkdir()
    started = time.monotonic()
    for case in range(RULE_CASES):
        if case % 4 == 0:
            text = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300))).decode("latin-1")
        else:
            text = mutate(rng, rng.choice(sources))
        path = pack / "fuzzed.yaml"
        path.write_bytes(text.encode("utf-8"))
        try:
            load_yaml_file(path)
            _ = Resolver([pack], use_env=False).rules  # parse, schema, semantic checks, compile
        except TaskResolverError:
            pass
        except Exception as error:
            pytest.fail(f"case {case} (seed {SEED + 2}): {type(error).__name__}: {error}\n{text[:500]}")
        assert path.read_bytes() == text.encode("utf-8")
        assert time.monotonic() - started < TIME_BUDGET, f"over {TIME_BUDGET} s after {case} cases"
