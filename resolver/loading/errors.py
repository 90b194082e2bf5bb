"""Why a resolved model cannot be loaded, and what to install: the loading layer's typed errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolver.errors import TaskResolverError

if TYPE_CHECKING:
    from resolver.rulebook.compiled import CompiledRules


# This package's own extras (pyproject.toml), for the install hint of a missing package.
LOAD_EXTRA_PACKAGES = {"torch": "load", "transformers": "load", "safetensors": "load"}


# The README's two-step install: torch's CPU build first (a bare `torch` requirement pulls a multi-GB CUDA build).
TORCH_HINT = "install torch's CPU build first (pip install torch==2.13.0), then pip install 'task-resolver[load]'"


class LoadError(TaskResolverError):
    """A model that resolved but cannot be loaded as asked: no loader, a missing class, a failed from_pretrained."""


class MissingPackageError(LoadError, ImportError):
    """The library that loads the model is not installed; names the package (and extra) to install."""

    def __init__(
        self, package: str, needed_for: str, *, hint: str | None = None, rules: CompiledRules | None = None
    ) -> None:
        self.package = package
        super().__init__(
            f"{needed_for} needs the package {package!r}, which is not installed",
            hint=hint or install_hint(package, rules),
        )


class RemoteCodeError(LoadError):
    """A model that ships its own Python code, loaded without trust_remote_code=True."""


def install_hint(package: str, rules: CompiledRules | None = None) -> str:
    """How to install `package` (a module root such as `sentence_transformers`): the pip name and our extra."""
    if package == "torch":
        return TORCH_HINT
    if package in LOAD_EXTRA_PACKAGES:
        return f"{TORCH_HINT} (the {LOAD_EXTRA_PACKAGES[package]} extra brings {package})"
    return f"pip install {distribution_of(package, rules)}"


def distribution_of(package: str, rules: CompiledRules | None = None) -> str:
    """The pip name of an importable package (`sentence_transformers` -> sentence-transformers), from the rules."""
    library = rules.libraries.get(package) if rules is not None else None
    if library and library.package:
        return library.package
    return package.replace("_", "-")  # pip's own normalisation of a module root (PEP 503)
