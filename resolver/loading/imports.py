"""Importing a loader class by its import path, with a typed error naming what to install."""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from resolver.loading.errors import LoadError, MissingPackageError, distribution_of, install_hint

if TYPE_CHECKING:
    from resolver.rulebook.compiled import CompiledRules


def import_module(module_name: str, needed_for: str | None = None, rules: CompiledRules | None = None) -> Any:
    """Import a module; a missing package is a MissingPackageError naming what to install."""
    root = module_name.split(".")[0]
    needed_for = needed_for or module_name
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = (exc.name or root).split(".")[0]
        if missing == root or importlib.util.find_spec(missing) is None:
            raise MissingPackageError(missing, needed_for, rules=rules) from None
        raise LoadError(f"importing {module_name} for {needed_for} failed: {exc}") from exc
    except ImportError as exc:
        raise LoadError(
            f"importing {module_name} for {needed_for} failed: {exc}",
            hint=f"reinstall or upgrade it: {install_hint(root, rules)}",
        ) from exc


def import_loader(path: str, rules: CompiledRules | None = None) -> Any:
    """Import `module.attr` (e.g. `transformers.AutoModelForCTC`), with a typed error naming what to install."""
    if not isinstance(path, str) or "." not in path.strip("."):
        raise LoadError(
            f"{path!r} is not an import path", hint="write it as module.attribute, e.g. transformers.AutoModel"
        )
    module_name, _, attr = path.rpartition(".")
    root = module_name.split(".")[0]
    module = import_module(module_name, path, rules)
    try:
        return getattr(module, attr)
    except AttributeError:
        pass
    except ImportError as exc:  # lazy modules (transformers) import the class's own dependencies here
        if importlib.util.find_spec("torch") is None:
            raise MissingPackageError("torch", path, rules=rules) from None
        raise LoadError(f"importing {path} failed: {exc}") from exc
    from resolver.support.versions import installed_version

    distribution = distribution_of(root, rules)
    version = installed_version(distribution)
    shown = f"{module_name} {version}" if version else module_name
    raise LoadError(
        f"{shown} has no {attr!r} (needed: {path})",
        hint=f"upgrade it (pip install -U {distribution}), or change the loader in the rules (task-resolver explain REF)",
    )
