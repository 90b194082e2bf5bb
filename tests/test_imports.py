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
