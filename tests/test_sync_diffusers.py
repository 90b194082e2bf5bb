"""`task-resolver sync` lists every pipeline class of the installed diffusers, the ones no auto-pipeline
mapping names by what their `__call__` takes."""

from __future__ import annotations

import pytest

from resolver.sync.diffusers import task_from_signature


@pytest.mark.parametrize(
    ("parameters", "task"),
    [
        (["prompt", "num_frames", "latents"], "text-to-video"),  # EasyAnimatePipeline
        (["prompt", "num_frames", "control_video"], "video-to-video"),  # EasyAnimateControlPipeline
        (["image", "prompt", "num_frames"], "image-to-video"),  # WanImageToVideoPipeline
        (["video", "prompt", "num_videos_per_prompt"], "video-to-video"),  # WanVideoToVideoPipeline
        (["prompt", "audio_length_in_s"], "text-to-audio"),  # AudioLDMPipeline
        (["prompt", "audio", "latents"], "audio-to-audio"),  # StableAudio3AudioToAudioPipeline
        (["prompt", "image", "mask_image"], "inpainting"),  # StableDiffusionInpaintPipeline
        (["prompt", "image"], "image-to-image"),  # StableDiffusionImg2ImgPipeline
        (["prompt", "latents"], "text-to-image"),  # StableDiffusionPipeline
        (["batch_size", "generator"], "unconditional-image-generation"),  # DDPMPipeline
        (["state"], None),
    ],
)
def test_task_from_signature(parameters, task):
    assert task_from_signature(["self", *parameters]) == task


def test_every_exported_pipeline_is_in_the_generated_table():
    pytest.importorskip("diffusers")
    from resolver.sync.diffusers import exported_pipelines, pipeline_tasks

    exported = exported_pipelines()
    table = pipeline_tasks()
    assert len(exported) > 150 and set(exported) <= set(table)
    assert table["EasyAnimateControlPipeline"] == "video-to-video"
    assert table["StableDiffusionPipeline"] == "text-to-image"  # the auto mappings come first
