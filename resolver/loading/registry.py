"""Which backend loads a resolution: by the loader's package, else the resolved library."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolver.loading.backends.diffusers import DiffusersBackend
from resolver.loading.backends.generic import GenericBackend
from resolver.loading.backends.sentence_transformers import SentenceTransformersBackend
from resolver.loading.backends.timm import TimmBackend
from resolver.loading.backends.transformers import TransformersBackend
from resolver.loading.base import Backend

if TYPE_CHECKING:
    from resolver.engine.resolution import Resolution


BACKENDS: dict[str, Backend] = {
    "transformers": TransformersBackend(),
    "diffusers": DiffusersBackend(),
    "sentence_transformers": SentenceTransformersBackend(),
    "timm": TimmBackend(),
}


def backend_for(resolution: Resolution) -> Backend:
    """The backend of the loader's package (else of the resolved library)."""
    package = resolution.loader.split(".")[0] if resolution.loader else resolution.library
    return BACKENDS.get(package or "", GenericBackend())
