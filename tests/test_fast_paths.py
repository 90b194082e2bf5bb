"""The resolve path's stand-ins for standard modules it no longer imports give the standard answers.

A glob in a rule is matched without `re` when it is literals and `*`; config.json is parsed by the
C scanner made straight from `_json`. Both must say exactly what `fnmatch.fnmatchcase` and
`json.loads` say, or a rule or a document would mean something else on the fast path.
"""

from __future__ import annotations

import fnmatch
import json
import math
import random

import pytest

from resolver.conditions.language import glob_matcher
from resolver.errors import EvidenceError
from resolver.evidence.folder import _parse_json_document

SEED = 20261202
RULE_GLOBS = ["*.gguf", "*[Rr]erank*.gguf", "openvino*.xml", "*tf_model*.h5", "*-py3-none-any.whl", "*.safetensors"]


def _random_text(rng: random.Random, alphabet: str, longest: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))


def test_a_glob_matches_what_fnmatch_matches():
    rng = random.Random(SEED)
    patterns = RULE_GLOBS + ["", "*", "**", "a*b*a", "abc", "a?b", "[!a]*", "a**b", "*ab*ab*", "[ab]*.x"]
    patterns += [_random_text(rng, "ab*.?", 7) for _ in range(1500)]
    names = [_random_text(rng, "ab.-/", 9) for _ in range(300)]
    names += [
        "model.gguf",
        "x-Rerank-q4.gguf",
        "openvino_model.xml",
        "tf_model.h5",
        "sub/tf_model-1.h5",
        "a.safetensors",
    ]
    for pattern in patterns:
        match = glob_matcher([pattern])
        wrong = [name for name in names if match(name) != fnmatch.fnmatchcase(name, pattern)]
        assert not wrong, f"{pattern!r} disagrees with fnmatch on {wrong[:5]}"


def test_a_list_of_globs_matches_when_any_of_them_does():
    rng = random.Random(SEED + 1)
    pool = RULE_GLOBS + [_random_text(rng, "ab*.?[]", 6) for _ in range(200)]
    names = [_random_text(rng, "ab.[]", 8) for _ in range(200)] + ["model.gguf", "Embed.gguf"]
    for _ in range(300):
        patterns = rng.sample(pool, rng.randint(1, 4))
        match = glob_matcher(patterns)
        for name in names:
            assert match(name) == any(fnmatch.fnmatchcase(name, p) for p in patterns), (patterns, name)


def _random_json(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice([None, True, False, 0, -7, 2.5, 1e300, -0.0, "", 'é\u2028\\"x', "BertModel", 10**30])
    if roll < 0.7:
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {_random_text(rng, 'abé_"', 5): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_config_json_reads_as_json_loads_reads_it():
    rng = random.Random(SEED + 2)
    texts = ['{"a": NaN, "b": Infinity, "c": -Infinity}', " \n{}\t", "[1, 2]  ", '"x"', "\ufeff{}", "{} \n"]
    for _ in range(500):
        value = _random_json(rng)
        texts.append(json.dumps(value, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 2])))
    for text in texts:
        got = _parse_json_document(text.encode(), "config.json")  # one leading BOM is allowed
        want = json.loads(text.removeprefix("\ufeff"))
        assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True), text
        if isinstance(want, dict) and "a" in want and isinstance(want["a"], float) and math.isnan(want["a"]):
            assert math.isnan(got["a"]) and got["b"] == math.inf and got["c"] == -math.inf


@pytest.mark.parametrize("text", ["{", '{"a": 1} x', "[1,]", '{"a": 01}', "", " ", "nul", '{"a": "\x01"}'])
def test_text_that_is_not_json_is_the_error_json_loads_gives(text):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(EvidenceError) as raised:
        _parse_json_document(text.encode(), "config.json")
    assert f"config.json:{expected.value.lineno}:{expected.value.colno}: not valid JSON" in str(raised.value)


@pytest.mark.parametrize("text", ["{broken", '{"architectures": ["X"],}', '{"a": "\x01"}', '{"a": [1,]}'])
def test_a_broken_config_json_is_a_clear_error_in_a_fresh_process(tmp_path, text):
    """In a process that has not imported json, the C scanner cannot raise its own syntax error (it looks
    json.decoder up in sys.modules): the reader must still say what is wrong, never show a traceback."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TASK_RESOLVER_CACHE": str(tmp_path / "cache")}
    for flags in ([], ["-S"]):  # -S: no site, so no .pth hook has imported json either (after a first run)
        done = subprocess.run(
            [sys.executable, *flags, "-m", "resolver", "resolve", str(folder)], capture_output=True, text=True, env=env
        )
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and "not valid JSON" in done.stderr, done.stderr
