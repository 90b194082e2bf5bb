"""`resolver.pipeline(ref)`: a ready-to-call inference object for any model the rules can resolve.

transformers models become a `transformers.pipeline(...)` for the resolved task (spelled as
pipeline() spells it: rules/vocabularies.yaml, vocabulary `pipeline`) around the model loaded with
the resolved class; sentence-transformers models their SentenceTransformer / CrossEncoder object;
diffusers models their DiffusionPipeline. It works for local folders, subfolders and offline caches,
where `pipeline(model=...)` alone raises because it asks the Hub for the task.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any

from resolver.api import RESOLVE_OPTIONS, Resolver, default_resolver
from resolver.compat.vocabulary import in_vocabulary
from resolver.errors import TaskResolverError

if TYPE_CHECKING:
    from resolver.engine.resolution import Resolution

# keywords that go to the model's loader (Resolution.load) rather than to transformers.pipeline()
LOAD_OPTIONS = ("dtype", "torch_dtype", "device", "trust_remote_code", "local_files_only", "model_kwargs")
# what pipeline() loads beside the model, each when the pipeline class asks for it
PARTS = ("tokenizer", "feature_extractor", "image_processor", "video_processor", "processor")
# libraries whose loaded model is itself the inference object
OWN_OBJECT_LIBRARIES = ("sentence_transformers", "diffusers")


def pipeline(ref: Any, task: str | None = None, *, resolver: Resolver | None = None, **kwargs: Any) -> Any:
    """Resolve `ref` and build what runs it.

    Resolve options (library, revision, subfolder, token, offline, cache_dir), load options (dtype,
    device, trust_remote_code, model_kwargs: keywords for from_pretrained) and pipeline() options
    (anything else: batch_size, top_k, ...) may be mixed. `task` overrides the resolved task.
    """
    chosen = resolver or default_resolver()
    options = {key: kwargs.pop(key) for key in RESOLVE_OPTIONS if key in kwargs}
    resolution = chosen.resolve(ref, task=task, **options)
    load: dict[str, Any] = dict(kwargs.pop("model_kwargs", None) or {})
    load.update({key: kwargs.pop(key) for key in LOAD_OPTIONS if key in kwargs})
    for key in ("token", "cache_dir"):
        if key in options:
            load[key] = options[key]
    if options.get("offline"):
        load.setdefault("local_files_only", True)
    if resolution.library in OWN_OBJECT_LIBRARIES:
        resolution = from_local_snapshot(resolution, options)
        if kwargs:
            raise TaskResolverError(
                f"{', '.join(sorted(kwargs))}: not options of a {resolution.library} model's loader",
                hint="pass loader keywords only (dtype=, device=, ...); call the returned object with the rest",
            )
        return resolution.load(**load)
    if resolution.library != "transformers":
        raise TaskResolverError(
            f"no pipeline for {resolution.library or 'unknown'} models ({resolution.ref})",
            hint="load it with resolver.load_model(ref) and call its library's own API",
        )
    named = in_vocabulary(resolution, "pipeline", rules=chosen.rules)  # raises when pipeline() has no such task
    resolution = from_local_snapshot(resolution, options)
    model = resolution.load(**load)
    from resolver.loading.imports import import_module

    transformers = import_module("transformers", rules=chosen.rules)
    # given a model object, pipeline() cannot guess where its tokenizer and processors are: name the
    # files for each part the task's pipeline class reads (True: required, None: if present)
    files = files_of(resolution)
    pipeline_class = transformers.pipelines.SUPPORTED_TASKS[named.task]["impl"]
    for part in PARTS:
        if getattr(pipeline_class, f"_load_{part}", None) is not False:
            kwargs.setdefault(part, files)
    if resolution.source in ("hub", "cache"):
        for key in ("token", "revision"):
            value = options.get(key) if key == "token" else resolution.revision
            if value is not None:
                kwargs.setdefault(key, value)
    return transformers.pipeline(named.task, model=model, **kwargs)


def files_of(resolution: Resolution) -> str:
    """Where the model's own files are: its folder (and subfolder), or its repo id."""
    ref = str(resolution.ref)
    if resolution.source == "folder" and resolution.subfolder:
        return os.path.join(ref, resolution.subfolder)
    return ref


def from_local_snapshot(resolution: Resolution, options: dict[str, Any]) -> Resolution:
    """Offline, a Hub model loads from its cached snapshot folder, so that pipeline() finds its
    tokenizer and processors there too (it would ask the Hub for them by repo id)."""
    if resolution.source not in ("hub", "cache") or not resolution.ref or not resolution.revision:
        return resolution
    from resolver.evidence.hub.store import HubSettings, is_commit_sha, snapshot_dir

    settings = HubSettings.from_env(cache_dir=options.get("cache_dir"), offline=options.get("offline"))
    if not (settings.offline or resolution.source == "cache") or not is_commit_sha(resolution.revision):
        return resolution
    folder = snapshot_dir(settings, resolution.ref, resolution.revision)
    if not folder.is_dir():
        return resolution
    return dataclasses.replace(resolution, ref=str(folder), source="folder")
