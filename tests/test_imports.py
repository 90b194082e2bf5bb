"""Resolving a local folder in a fresh process stays light: no torch, transformers, jsonschema or Hub client."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT

HEAVY = ["torch", "transformers", "jsonschema", "huggingface_hub", "diffusers", "sentence_transformers", "timm"]

PROBE = f"""
import json, sys
import resolver
result = resolver.resolve({str(ROOT / "examples" / "distilbert-sst2")!r})
print(json.dumps({{"task": result.task, "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def probe(cache_dir: str) -> dict:
    env = {**os.environ, "TASK_RESOLVER_CACHE": cache_dir}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


def test_resolving_a_folder_imports_nothing_heavy(tmp_path):
    cold = probe(str(tmp_path))  # first run validates the rules (jsonschema) and writes the cache
    assert cold["task"] == "text-classification"
    assert not {"torch", "transformers", "huggingface_hub"} & set(cold["loaded"])
    warm = probe(str(tmp_path))
    assert warm == {"task": "text-classification", "loaded": []}


def test_import_resolver_alone_is_light():
    code = "import sys, resolver; print(sorted(m for m in sys.modules if m.split('.')[0] in ('yaml', 'resolver')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "yaml" not in out.stdout, "import resolver must not even parse YAML"


LIGHT_PROBE = """
import json, sys
before = set(sys.modules)
{code}
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def modules_added(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules `code` imports beyond what the bare interpreter (site, .pth hooks) already has."""
    probe = LIGHT_PROBE.format(code=code)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_resolver_needs_no_dataclasses_typing_or_hashing():
    added = modules_added("import resolver")
    heavy = {"dataclasses", "inspect", "typing", "yaml", "jsonschema", "hashlib", "pickle", "argparse"}
    assert not heavy & added, sorted(heavy & added)


def cli_resolve_modules(tmp_path) -> set[str]:
    """The modules a plain `task-resolver resolve <folder>` imports (warm rules cache)."""
    env = {**os.environ, "TASK_RESOLVER_CACHE": str(tmp_path)}
    folder = str(ROOT / "examples" / "distilbert-sst2")
    code = (
        "import contextlib, io\nfrom resolver.cli.main import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    main(['resolve', {folder!r}])\n"
    )
    modules_added(code, env)  # the first run writes the rules cache
    return modules_added(code, env)


def test_the_cli_builds_only_the_invoked_command(tmp_path):
    added = cli_resolve_modules(tmp_path)
    commands = {m for m in added if m.startswith("resolver.cli.commands.")}
    assert commands == {"resolver.cli.commands.resolve"}
    assert not {"yaml", "jsonschema", "resolver.validation"} & added


def test_help_still_lists_every_command():
    from resolver.cli.main import COMMANDS, build_parser

    text = build_parser().format_help()
    assert all(name in text for name in COMMANDS)
    assert build_parser(["resolve", "x"]).parse_args(["resolve", "x"]).ref == "x"


def test_a_plain_cli_resolve_needs_no_argparse(tmp_path):
    """argparse (with gettext and locale) reads only what resolver/cli/quick.py leaves to it."""
    added = cli_resolve_modules(tmp_path)
    assert not {"argparse", "gettext", "locale", "resolver.cli.parser"} & added


def test_a_plain_cli_resolve_needs_no_dataclasses(tmp_path):
    """No record on the resolve path is a dataclass (their import, with inspect, was ~17 ms of a cold start)."""
    added = cli_resolve_modules(tmp_path)
    assert not {"dataclasses", "inspect"} & added, sorted({"dataclasses", "inspect"} & added)


def test_a_plain_cli_resolve_needs_no_typing(tmp_path):
    """typing costs a cold start ~4 ms: the resolve path's modules import it only for type checkers."""
    added = cli_resolve_modules(tmp_path)
    assert "typing" not in added


def test_a_warm_cli_resolve_imports_no_pathlib_re_json_pickle_or_collections(tmp_path):
    """A cold start's standard-library imports are its largest cost after our own modules: the warm path
    (rules found by their file times, config.json through the C scanner, the C unpickler, named tuples
    built without collections) needs none of these. Run without site (-S), so an editable install's
    hooks, which import pathlib, hide nothing; the probe itself imports only what the interpreter has."""
    import ast
    import time

    from resolver.rulebook.cache import RECENT_NS

    newest = max(os.stat(p).st_mtime_ns for d in ("rules", "schema") for p in (ROOT / d).iterdir())
    time.sleep(max(0.0, (newest + RECENT_NS - time.time_ns()) / 1e9 + 0.1))  # files just edited are hashed
    env = {**os.environ, "TASK_RESOLVER_CACHE": str(tmp_path), "PYTHONPATH": str(ROOT)}
    folder = str(ROOT / "examples" / "distilbert-sst2")
    probe = (
        "import io, sys\nbefore = set(sys.modules)\nfrom resolver.cli.main import main\n"
        f"shown, sys.stdout = sys.stdout, io.StringIO()\nmain(['resolve', {folder!r}])\n"
        "print(sorted(set(sys.modules) - before), file=shown)\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, env=env, capture_output=True)  # writes the cache
    out = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, check=True, env=env)
    added = set(ast.literal_eval(out.stdout.strip().splitlines()[-1]))
    assert "resolver.api" in added
    avoided = {"pathlib", "re", "fnmatch", "enum", "json", "pickle", "urllib.parse", "weakref", "struct", "hashlib"}
    avoided |= {"collections", "functools", "typing", "dataclasses", "argparse", "contextlib"}
    assert not avoided & added, sorted(avoided & added)
