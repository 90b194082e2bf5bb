"""diffusers pipeline class -> task: the installed diffusers' auto-pipeline mappings, then every other
pipeline class it exports, by what its `__call__` takes.

Which mapping means which task, and in what order they are walked, is data: the `diffusers:` list
of rules/auto_mappings.yaml. A pipeline no mapping lists is read from its call signature: frames
(`num_frames`, `num_videos_per_prompt`, ...) make a video pipeline, of a `video` (video-to-video) or
an `image` (image-to-video) or text; an audio length or an `audio` input an audio one; a `mask_image`
with an `image` inpainting; an `image` image-to-image; a prompt alone text-to-image; neither,
unconditional generation. Modular pipelines (`*ModularPipeline`, called with a state) are left out;
exceptions the signature cannot tell (a text diffusion LM, 3D, depth) go in architectures.yaml. `task-resolver sync` (resolver/sync.py) calls `pipeline_tasks()` and
writes the result to rules/pipelines.generated.yaml, an architecture table the `diffusers-pipeline`
layout reads through the class named by model_index.json. Imports diffusers: a dev-time tool only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from resolver.errors import EvidenceError

MODULE = "diffusers.pipelines.auto_pipeline"


def mapping_order(rules_dir: Path | None = None) -> list[dict[str, Any]]:
    """The `diffusers:` entries ({mapping, task}) of auto_mappings.yaml, in order."""
    from resolver.rulebook.yaml_source import load_yaml_file
    from resolver.support.paths import shipped_rules_dir

    path = Path(rules_dir or shipped_rules_dir()) / "auto_mappings.yaml"
    data, _ = load_yaml_file(path)
    entries = data.get("diffusers") if isinstance(data, dict) else None
    return [dict(entry) for entry in entries or () if isinstance(entry, dict)]


def pipeline_tasks(order: Sequence[Mapping[str, Any]] | None = None, *, every: bool = True) -> dict[str, str]:
    """{pipeline class name: task}: every class of every mapping in `order` (a later mapping wins), then,
    with `every`, each other pipeline class diffusers exports, by its call signature."""
    try:
        from importlib import import_module

        module = import_module(MODULE)
    except ImportError:
        raise EvidenceError(
            "diffusers is not installed, so there are no auto-pipeline mappings to read",
            hint="pip install diffusers and run again",
        ) from None
    table: dict[str, str] = {}
    for entry in mapping_order() if order is None else order:
        mapping = getattr(module, entry["mapping"], None)
        if not isinstance(mapping, Mapping):
            continue  # absent from this diffusers release
        for pipeline in mapping.values():
            name = getattr(pipeline, "__name__", pipeline)
            if isinstance(name, str):
                table.pop(name, None)
                table[name] = entry["task"]
    if every:
        for name, task in exported_pipelines().items():
            table.setdefault(name, task)
    return dict(sorted(table.items()))


_FRAMES = frozenset({"num_frames", "num_videos_per_prompt", "video_length", "frames", "frame_rate"})
_VIDEO_IN = frozenset({"video", "control_video", "mask_video", "pose_video", "conditioning_frames"})
_AUDIO_OUT = frozenset({"audio_length_in_s", "audio_duration", "audio_duration_s", "audio_end_in_s"})
_SKIP = ("DiffusionPipeline", "ModularPipeline", "AutoPipeline")


def task_from_signature(parameters: Sequence[str]) -> str | None:
    """The task a pipeline's `__call__` parameters say (see the module docstring); None when they say nothing."""
    given = frozenset(parameters)
    if given & _FRAMES or "video" in given:
        if given & _VIDEO_IN:
            return "video-to-video"
        return "image-to-video" if "image" in given else "text-to-video"
    if given & _AUDIO_OUT or ("audio" in given and "prompt" in given):
        return "audio-to-audio" if "audio" in given else "text-to-audio"
    if "image" in given and ("mask_image" in given or "mask" in given):
        return "inpainting"
    if "image" in given:
        return "image-to-image"
    if "prompt" in given or "prompt_embeds" in given:
        return "text-to-image"
    if "batch_size" in given:
        return "unconditional-image-generation"
    return None


def exported_pipelines() -> dict[str, str]:
    """{class: task} for the pipeline classes the installed diffusers exports, by call signature."""
    import inspect

    import diffusers

    found: dict[str, str] = {}
    for name in sorted(dir(diffusers)):
        if not name.endswith("Pipeline") or not name[:1].isupper() or name.endswith(_SKIP):
            continue
        try:
            call = getattr(diffusers, name).__call__
            parameters = list(inspect.signature(call).parameters)
        except Exception:  # noqa: BLE001 - an optional dependency missing, a class that cannot be imported
            continue
        task = task_from_signature(parameters)
        if task:
            found[name] = task
    return found


def missing_mappings(order: Sequence[Mapping[str, Any]] | None = None) -> list[str]:
    """Mappings named in the rules that the installed diffusers does not have (renamed or removed)."""
    from importlib import import_module

    module = import_module(MODULE)
    entries = mapping_order() if order is None else order
    return [entry["mapping"] for entry in entries if not isinstance(getattr(module, entry["mapping"], None), Mapping)]
