"""The installed transformers' architectures, the task the Hub gives each, and a default config.

Shared by the coverage tests and the benchmarks. The reference walk here is written out
independently of resolver.sync, so the tests compare two implementations of the Hub's rule.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

RULES = Path(__file__).resolve().parent.parent / "rules"


@dataclass(frozen=True)
class Architecture:
    name: str
    model_type: str
    hub_task: str  # what walking the mappings in the Hub's order gives


@lru_cache(maxsize=1)
def architectures() -> list[Architecture]:
    """Every class of every auto mapping named in rules/auto_mappings.yaml, with its reference task."""
    from transformers.models.auto import modeling_auto

    order = yaml.safe_load((RULES / "auto_mappings.yaml").read_text())["transformers"]
    task_of: dict[str, str] = {}
    model_type_of: dict[str, str] = {}
    for entry in order:
        mapping = getattr(modeling_auto, entry["mapping"], None) or {}
        for model_type, names in mapping.items():
            for name in names if isinstance(names, (tuple, list)) else (names,):
                task_of[name] = entry["task"]  # later mappings win
                model_type_of.setdefault(name, model_type)
    return [Architecture(name, model_type_of[name], task) for name, task in sorted(task_of.items())]


@cache
def default_config(model_type: str) -> dict:
    """The model type's default config as config.json would hold it (JSON-safe)."""
    from transformers import CONFIG_MAPPING

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = CONFIG_MAPPING[model_type]().to_dict()
    except Exception:  # a few configs need arguments; the model type alone is what's left
        config = {"model_type": model_type}
    return json.loads(json.dumps(config, default=str))


def config_for(arch: Architecture) -> dict:
    return {**default_config(arch.model_type), "architectures": [arch.name]}
