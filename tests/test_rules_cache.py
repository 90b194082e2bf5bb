"""The compiled-rules cache: read when the rules are unchanged, rebuilt as soon as any rule file changes.

A warm start must not pay for YAML parsing and schema validation; an edited rule must never be
hidden by a stale cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from resolver import RuleError, api
from resolver.api import Resolver, load_rules
from resolver.rulebook import cache as rules_cache
from resolver.rulebook import schema as rules_schema
from resolver.rulebook.cache import content_key, read_cache
from resolver.rulebook.documents import gather
from resolver.support.paths import schema_dir

PROBE_CLASS = "CacheProbeForSomething"  # a class no shipped rule names
EVIDENCE = {"config": {"architectures": [PROBE_CLASS]}}


def write_pack(folder: Path, task: str) -> Path:
    """A one-file rule pack that maps PROBE_CLASS to `task`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "probe.yaml").write_text(f"kind: architectures\nversion: 1\nexact:\n  {PROBE_CLASS}: {task}\n")
    return folder


def cache_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("rules-*.pickle")) if folder.is_dir() else []


def probe_task(pack: Path) -> str:
    return Resolver([pack], use_env=False).resolve_evidence(EVIDENCE).task


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty cache folder and an empty in-process memo (so every load really reads the cache)."""
    folder = tmp_path / "rules-cache"
    monkeypatch.setenv("TASK_RESOLVER_CACHE", str(folder))
    monkeypatch.delenv("TASK_RESOLVER_NO_CACHE", raising=False)
    monkeypatch.setattr(api, "_MEMO", {})
    return folder


def forget_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "_MEMO", {})


def test_editing_a_rule_file_takes_effect_and_writes_a_new_cache_file(cache, tmp_path, monkeypatch):
    pack = write_pack(tmp_path / "pack", "text-classification")
    assert probe_task(pack) == "text-classification"
    first = cache_files(cache)
    assert len(first) == 1

    forget_memo(monkeypatch)
    write_pack(pack, "token-classification")
    assert probe_task(pack) == "token-classification"
    second = cache_files(cache)
    assert len(second) == 2 and set(first) < set(second)

    forget_memo(monkeypatch)
    write_pack(pack, "text-classification")  # back to the first content: its cache file is used again
    assert probe_task(pack) == "text-classification"
    assert cache_files(cache) == second


def test_a_warm_cache_skips_parsing_and_validation_until_a_file_changes(cache, tmp_path, monkeypatch):
    pack = write_pack(tmp_path / "pack", "fill-mask")
    load_rules([pack])  # cold: parses, validates, writes the cache
    assert len(cache_files(cache)) == 1

    def no_validation(*args, **kwargs):
        raise AssertionError("the rules were parsed and validated although the cache holds them")

    forget_memo(monkeypatch)
    monkeypatch.setattr(rules_schema, "load_and_validate", no_validation)
    assert load_rules([pack]).exact[PROBE_CLASS][0] == "fill-mask"  # warm: from the cache alone

    forget_memo(monkeypatch)
    write_pack(pack, "text-generation")
    with pytest.raises(AssertionError, match="parsed and validated"):  # changed: the cache is not used
        load_rules([pack])


def test_a_stale_cache_never_hides_a_broken_edit(cache, tmp_path, monkeypatch):
    pack = write_pack(tmp_path / "pack", "fill-mask")
    assert probe_task(pack) == "fill-mask"
    forget_memo(monkeypatch)
    write_pack(pack, "not-a-real-task")
    with pytest.raises(RuleError) as error:
        probe_task(pack)
    assert any("probe.yaml" in finding.file for finding in error.value.findings)


def test_a_damaged_cache_file_is_rebuilt(cache, tmp_path, monkeypatch):
    pack = write_pack(tmp_path / "pack", "fill-mask")
    assert probe_task(pack) == "fill-mask"
    (cached,) = cache.glob("rules-*.pickle")
    cached.write_bytes(b"not a pickle")
    forget_memo(monkeypatch)
    assert probe_task(pack) == "fill-mask"
    assert read_cache(content_key(gather([pack])))  # rewritten, readable again


def test_no_cache_setting_writes_nothing(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("TASK_RESOLVER_NO_CACHE", "1")
    assert probe_task(write_pack(tmp_path / "pack", "fill-mask")) == "fill-mask"
    assert cache_files(cache) == []


def test_the_cache_key_covers_rule_files_schemas_and_the_package_version(tmp_path, monkeypatch):
    pack = write_pack(tmp_path / "pack", "fill-mask")
    files = gather([pack])
    key = content_key(files)
    assert content_key(gather([pack])) == key  # stable

    (pack / "probe.yaml").write_text((pack / "probe.yaml").read_text() + "# a comment is a change too\n")
    assert content_key(files) != key

    write_pack(pack, "fill-mask")
    schemas = tmp_path / "schema"
    schemas.mkdir()
    for schema in Path(schema_dir()).glob("*.json"):
        (schemas / schema.name).write_text(schema.read_text() + "\n")
    monkeypatch.setattr(rules_cache, "schema_dir", lambda: schemas)
    assert content_key(files) != key

    monkeypatch.undo()
    monkeypatch.setattr(rules_cache, "__version__", "999.0")
    assert content_key(files) != key


PROBE = f"""
import json, sys
import resolver
result = resolver.resolve({str(ROOT / "examples" / "distilbert-sst2")!r})
print(json.dumps({{"task": result.task, "loaded": sorted(m for m in ("yaml", "jsonschema") if m in sys.modules)}}))
"""


def fresh_process(env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


def test_a_fresh_process_with_a_warm_cache_neither_parses_yaml_nor_validates(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("TASK_RESOLVER_NO_CACHE", "TASK_RESOLVER_RULES")}
    env["TASK_RESOLVER_CACHE"] = str(tmp_path / "rules-cache")
    cold = fresh_process(env)  # parses the YAML; the stamp spares the shipped files the schema check
    assert cold == {"task": "text-classification", "loaded": ["yaml"]}
    assert len(cache_files(tmp_path / "rules-cache")) == 1
    warm = fresh_process(env)
    assert warm == {"task": "text-classification", "loaded": []}
    uncached = fresh_process({**env, "TASK_RESOLVER_NO_CACHE": "1"})
    assert uncached == {"task": "text-classification", "loaded": ["yaml"]}
    pack = write_pack(tmp_path / "pack", "fill-mask")  # a rule pack is always validated in full
    with_pack = fresh_process({**env, "TASK_RESOLVER_RULES": str(pack)})
    assert with_pack == {"task": "text-classification", "loaded": ["jsonschema", "yaml"]}


def test_the_cached_compiled_rules_resolve_exactly_as_freshly_compiled_ones(cache, monkeypatch):
    """A warm start unpickles the compiled rules (conditions compiled on first use): same Resolutions."""
    import pickle

    from resolver.engine.resolve import resolve_evidence
    from resolver.evidence.model import Evidence

    fresh = load_rules()
    assert cache_files(cache)
    forget_memo(monkeypatch)
    warm = load_rules()
    assert warm is not fresh and type(warm) is type(fresh)
    again = pickle.loads(pickle.dumps(warm))  # a rule set used already (plans, compiled conditions) pickles too
    examples: list[dict] = []  # the rules' own examples, every kind of input the rules know

    def collect(data):
        if isinstance(data, dict):
            for key, value in data.items():
                if key == "examples" and isinstance(value, list):
                    examples.extend(item for item in value if isinstance(item, dict))
                else:
                    collect(value)
        elif isinstance(data, list):
            for item in data:
                collect(item)

    for doc in fresh.docs:
        collect(doc.data)
    assert len(examples) > 20
    for example in examples:
        evidence = Evidence.from_dict(example)
        answers = []
        for rules in (fresh, warm, again):
            try:
                answers.append(resolve_evidence(rules, evidence))
            except Exception as error:  # the same failure counts as the same answer
                answers.append((type(error).__name__, str(error)))
        assert answers[0] == answers[1] == answers[2], example
    assert [d.label for d in warm.docs] == [d.label for d in fresh.docs]
    assert [d.data for d in warm.docs] == [d.data for d in fresh.docs]


def test_the_key_covers_the_shape_of_the_compiled_form_and_a_misfit_pickle_is_refused(cache, tmp_path, monkeypatch):
    from resolver.rulebook import compiled
    from resolver.support.frozen import rebuild_record

    pack = write_pack(tmp_path / "pack", "fill-mask")
    key = content_key(gather([pack]))
    monkeypatch.setattr(compiled.Case, "_fields", (*compiled.Case._fields, "extra"))
    assert content_key(gather([pack])) != key  # code with other fields: another cache file
    monkeypatch.undo()
    with pytest.raises(TypeError):  # a record pickled with one field fewer is never filled in misplaced
        rebuild_record(compiled.Case, ("fill-mask",))


def old_copy_of_the_shipped_rules(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped rules copied to `folder`, their modification times a minute back; their change times
    are now, so the guard against same-tick edits is turned off (the edits below come seconds later)."""
    monkeypatch.setattr(rules_cache, "RECENT_NS", 0)
    import shutil

    from resolver.support.paths import shipped_rules_dir

    shutil.copytree(shipped_rules_dir(), folder)
    a_minute_ago = os.stat(folder).st_mtime - 60
    for path in folder.iterdir():
        os.utime(path, (a_minute_ago, a_minute_ago))
    return folder


def test_a_warm_start_finds_the_rules_by_their_file_times_without_reading_them(cache, tmp_path, monkeypatch):
    rules = old_copy_of_the_shipped_rules(tmp_path / "rules", monkeypatch)
    assert load_rules([rules], include_shipped=False).tasks  # cold: read, hashed, compiled, indexed
    forget_memo(monkeypatch)

    def no_reading(*args, **kwargs):
        raise AssertionError("the rule files were read although their times say they are unchanged")

    monkeypatch.setattr(api, "read_rule_files", no_reading)
    assert load_rules([rules], include_shipped=False).tasks  # warm: the index and the pickle alone

    # an edit that keeps the size (and, here, a time a minute back): the change time still moves
    target = rules / "tasks.yaml"
    text = target.read_text(encoding="utf-8")
    stamp = os.stat(target)
    target.write_text(text.replace("#", " ", 1) if "#" in text else text + " ", encoding="utf-8")
    os.utime(target, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    forget_memo(monkeypatch)
    with pytest.raises(AssertionError, match="were read"):
        load_rules([rules], include_shipped=False)


def test_rule_files_written_just_now_are_always_read_and_hashed(cache, tmp_path, monkeypatch):
    pack = write_pack(tmp_path / "pack", "fill-mask")
    assert load_rules([pack]).exact[PROBE_CLASS][0] == "fill-mask"
    assert not list(cache.glob("index-*"))  # no index for files whose times may not have moved yet
    forget_memo(monkeypatch)
    read = []
    real = api.read_rule_files
    monkeypatch.setattr(api, "read_rule_files", lambda files: read.append(len(files)) or real(files))
    write_pack(pack, "text-generation")  # the same folder again within the same second
    assert load_rules([pack]).exact[PROBE_CLASS][0] == "text-generation"
    assert read


def test_a_damaged_index_is_ignored(cache, tmp_path, monkeypatch):
    rules = old_copy_of_the_shipped_rules(tmp_path / "rules", monkeypatch)
    assert load_rules([rules], include_shipped=False).tasks
    (index,) = cache.glob("index-*")
    index.write_text("garbage")
    forget_memo(monkeypatch)
    assert load_rules([rules], include_shipped=False).tasks  # falls back to the contents, rewrites the index
    assert len(index.read_text()) > len("garbage")


def test_the_cache_keeps_the_newest_files_of_each_kind_and_leaves_other_files_alone(cache, tmp_path, monkeypatch):
    cache.mkdir(parents=True)
    hour_ago = time.time() - 7200
    old_pickles = [cache / f"rules-{n:032x}.pickle" for n in range(12)]
    old_indexes = [cache / f"index-{n:032x}" for n in range(12)]
    for age, path in enumerate(old_pickles + old_indexes):
        path.write_bytes(b"stale")
        os.utime(path, (hour_ago - age, hour_ago - age))  # the lower n, the newer
    left_by_a_killed_writer = cache / f"rules-{99:032x}.pickle.4242.tmp"
    left_by_a_killed_writer.write_bytes(b"half")
    os.utime(left_by_a_killed_writer, (hour_ago, hour_ago))
    strangers = [cache / "rules-notes.txt", cache / "index-of-my-photos", cache / f"rules-{'X' * 32}.pickle"]
    for path in strangers:
        path.write_bytes(b"someone else's")
        os.utime(path, (hour_ago - 100, hour_ago - 100))

    pack = write_pack(tmp_path / "pack", "fill-mask")
    assert probe_task(pack) == "fill-mask"  # compiles, writes a pickle and (once settled) an index
    time.sleep(2.1)  # rule files written just now are hashed, not indexed: let them settle
    forget_memo(monkeypatch)
    assert probe_task(pack) == "fill-mask"

    pickles = [name for name in cache_files(cache) if name not in {p.name for p in strangers}]
    assert len(pickles) == rules_cache.KEEP_FILES
    assert [p.name for p in old_pickles[: rules_cache.KEEP_FILES - 1]] == [
        name for name in pickles if name in {p.name for p in old_pickles}
    ]  # the newest old ones stay beside the one just written
    indexes = sorted(p.name for p in cache.glob("index-*") if p.name != "index-of-my-photos")
    assert len(indexes) == rules_cache.KEEP_FILES
    assert not left_by_a_killed_writer.exists()
    assert all(path.read_bytes() == b"someone else's" for path in strangers)

    forget_memo(monkeypatch)
    assert probe_task(pack) == "fill-mask"  # what was kept still answers
