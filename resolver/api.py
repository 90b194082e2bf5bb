"""The public entry points: `Resolver` for custom rule sets, and the process-wide default one. This is the top of the data flow: it wires the evidence readers, the rules and the engine together."""

from __future__ import annotations

import os

from resolver.conditions.language import Facts
from resolver.engine.detect import normalize_library, select_loader
from resolver.engine.resolution import Resolution
from resolver.engine.resolve import infer_task, resolve_evidence
from resolver.errors import EvidenceError, ResolutionError, RuleError, TaskResolverError, UnknownTaskError
from resolver.evidence.folder import check_repo_subfolder, folder_evidence, from_folder
from resolver.evidence.model import Evidence
from resolver.evidence.objects import from_object
from resolver.rulebook.cache import (
    content_key,
    disk_key,
    read_cache,
    read_index,
    read_rule_files,
    write_cache,
    write_index,
)
from resolver.rulebook.compiled import CompiledRules, compile_rules
from resolver.rulebook.documents import gather, rule_roots
from resolver.rulebook.packs import RULES_ENV, env_rule_paths, installed_rule_paths
from resolver.support.files import safe_exists

TYPE_CHECKING = False  # not typing's: `typing` is not imported at run time (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from resolver.rulebook.cache import RuleFile

_MEMO: dict[str, CompiledRules] = {}  # compiled rule sets by content hash, for this process


def load_rules(packs: Sequence[str | os.PathLike] = (), *, include_shipped: bool = True) -> CompiledRules:
    """Load, validate and compile (on a cache miss only) the shipped rules plus `packs`, in order.

    A warm start looks the rule files up by how they look on disk (resolver.rulebook.cache.disk_key)
    and unpickles; only when they changed are they read, hashed and, on a miss, compiled.
    """
    on_disk = disk_key(rule_roots(packs, include_shipped))
    known = read_index(on_disk) if on_disk else None
    if known is not None:
        rules = _MEMO.get(known)
        if rules is None:
            rules = read_cache(known)
        if rules is not None:
            _MEMO[known] = rules
            return rules
    files = gather(packs, include_shipped=include_shipped)
    contents = read_rule_files(files)  # read once: the key, the stamp and the parser see the same bytes
    key = content_key(files, contents)
    rules = _MEMO.get(key)
    if rules is None:
        rules = read_cache(key)  # the same contents compiled before (the files were touched, or copied)
        if rules is None:
            rules = build_rules(files, contents)
            write_cache(key, rules)
        _MEMO[key] = rules
    if on_disk:
        write_index(on_disk, key)
    return rules


def build_rules(files: Sequence[RuleFile], contents: Sequence[bytes], *, trust_stamp: bool = True) -> CompiledRules:
    """Parse, validate and compile rule files (a cache miss); RuleError with every finding if they are unusable.

    Shipped files whose exact bytes the stamp records as validated (resolver/support/stamp.py) skip
    the JSON Schema check, and the unchanged shipped set alone skips the cross-file checks too;
    `trust_stamp=False` checks everything.
    """
    from resolver.rulebook.schema import load_and_validate, stamped_files  # a cache miss only

    trusted, whole_set = stamped_files(files, contents) if trust_stamp else (frozenset(), False)
    docs, findings = load_and_validate(files, contents, trusted)
    if any(f.severity == "error" for f in findings):
        raise RuleError(findings)
    rules = compile_rules(docs)
    if not whole_set:
        from resolver.validation.semantic import semantic_findings  # a cache miss only: warm starts skip the checks

        findings += semantic_findings(rules)
        if any(f.severity == "error" for f in findings):
            raise RuleError(findings)
        rules.forget_plans()  # the checks' resolutions leave no trace in what is cached
    return rules


def hub_options(
    revision: str | None,
    token: str | bool | None,
    offline: bool | None,
    cache_dir: str | os.PathLike | None,
    timeout: float | None,
    verbose: bool,
) -> dict[str, Any]:
    """The options a Hub reference is read with, as the evidence readers take them."""
    return {
        "revision": revision,
        "token": token,
        "offline": offline,
        "cache_dir": cache_dir,
        "timeout": timeout,
        "verbose": verbose,
    }


def _paths(given: Sequence[str | os.PathLike]) -> list[Path]:
    """`given` as Paths (pathlib is imported only when there are any: a warm start has none)."""
    if not given:
        return []
    from pathlib import Path

    return [Path(p) for p in given]


class Resolver:
    """Resolves model references with one rule set: the shipped rules plus optional rule packs.

    Layering, each over the one before: the shipped rules, installed packs (entry points in the group
    `task_resolver.rules`, by name), $TASK_RESOLVER_RULES in order, then `rule_paths` in order; a later
    pack overrides an earlier one entry by entry. `use_env=False` leaves out the first two sources.
    """

    def __init__(
        self, rule_paths: Sequence[str | os.PathLike] = (), *, include_shipped: bool = True, use_env: bool = True
    ) -> None:
        self.env_paths = env_rule_paths() if use_env else []
        environment = installed_rule_paths() + self.env_paths if use_env else []
        self.rule_paths = environment + _paths(rule_paths)
        self.include_shipped = include_shipped
        self._rules: CompiledRules | None = None

    @property
    def rules(self) -> CompiledRules:
        """The compiled rules, loaded on first use."""
        if self._rules is None:
            try:
                self._rules = load_rules(self.rule_paths, include_shipped=self.include_shipped)
            except RuleError as error:
                blamed = self._env_packs_named_by(error)
                if blamed:
                    error.hint = (
                        f"{', '.join(blamed)} comes from ${RULES_ENV}; fix it, or unset {RULES_ENV} "
                        f"(`task-resolver validate {' '.join(blamed)}` re-checks it)"
                    )
                raise
        return self._rules

    def _env_packs_named_by(self, error: RuleError) -> list[str]:
        """The $TASK_RESOLVER_RULES packs an error's findings point into."""
        blamed = []
        for pack in self.env_paths:
            root = os.path.abspath(pack)
            for finding in error.findings:
                where = os.path.abspath(finding.file)
                if where == root or where.startswith(root.rstrip(os.sep) + os.sep):
                    blamed.append(str(pack))
                    break
        return blamed

    # -------------------------------------------------------------- tasks

    def normalize_task(self, name: str) -> str:
        """The canonical task for a name or synonym; UnknownTaskError suggests the closest names."""
        if not isinstance(name, str) or not name.strip():
            raise UnknownTaskError(str(name), [])
        task = self.rules.canonical_task(name)
        if task is None:
            known = sorted({*self.rules.tasks, *self.rules.synonyms})
            key = name.strip().lower().replace("_", "-")
            import difflib

            raise UnknownTaskError(name, difflib.get_close_matches(key, known, n=3, cutoff=0.5))
        return task

    def tasks(self) -> list[str]:
        """Every canonical task, sorted."""
        return sorted(self.rules.tasks)

    def synonyms(self) -> dict[str, str]:
        """Every synonym and the canonical task it stands for."""
        return {alias: task for alias, (task, _) in sorted(self.rules.synonyms.items())}

    def model_class_for_task(
        self, task: str, library: str = "transformers", model_type: str | None = None, architecture: str | None = None
    ) -> str:
        """The import path of the class that loads `task` for `library` (e.g. transformers.AutoModelForCTC)."""
        canonical = self.normalize_task(task)
        library = normalize_library(self.rules, library)
        config = {"model_type": model_type} if model_type else {}
        facts = Facts(docs={"config.json": config}, architecture=architecture, library=library)
        loader, _ = select_loader(self.rules, canonical, library, facts)
        if loader is None:
            raise UnknownTaskError.__bases__[0](
                f"no loader for task {canonical!r} in library {library!r}",
                hint="add one under `loaders:` of the task in rules/tasks.yaml",
            )
        return loader

    # -------------------------------------------------------------- resolving

    def evidence(
        self,
        ref: Any,
        *,
        subfolder: str | None = None,
        revision: str | None = None,
        token: str | bool | None = None,
        offline: bool | None = None,
        cache_dir: str | os.PathLike | None = None,
        timeout: float | None = None,
        verbose: bool = False,
        skip_broken: bool = False,
    ) -> Evidence:
        """Gather the evidence for a reference: Evidence, dict, model class or object, folder, or Hub repo id.

        `skip_broken`: a folder's unreadable JSON document is left out with a note, not an error."""
        if isinstance(ref, type):  # a model class: the common in-process case, decided first
            return from_object(ref)
        if isinstance(ref, Evidence):
            return ref
        if isinstance(ref, dict):
            return Evidence.from_dict(ref)
        if isinstance(ref, (str, os.PathLike)):
            options = hub_options(revision, token, offline, cache_dir, timeout, verbose)
            return self._path_evidence(ref, subfolder, skip_broken, **options)
        if ref is None:
            raise EvidenceError("nothing to resolve: the reference is None")
        return from_object(ref)

    def _evidence_of(self, ref: Any, subfolder: str | None, skip_broken: bool, **hub_options: Any) -> Evidence:
        return self.evidence(ref, subfolder=subfolder, skip_broken=skip_broken, **hub_options)

    def _path_evidence(
        self, ref: str | os.PathLike, subfolder: str | None, skip_broken: bool, **hub_options: Any
    ) -> Evidence:
        """A folder's evidence when the path names one, else the Hub repo's it names."""
        evidence = self._local_evidence(ref, subfolder, skip_broken)
        if evidence is not None:
            return evidence
        return self._repo_evidence(ref, subfolder, **hub_options)

    def _local_evidence(self, ref: str | os.PathLike, subfolder: str | None, skip_broken: bool) -> Evidence | None:
        """The evidence of the folder a path names; None when nothing is there (it may be a Hub repo id)."""
        path = ref if type(ref) is str else os.fspath(ref)
        if not path.strip():
            raise EvidenceError(
                "nothing to resolve: the reference is empty",
                hint="pass a model folder (use . for the current one), a cached snapshot or a Hub repo id",
            )
        if subfolder is None and type(path) is str:
            # no stat first: listing the folder is what tells it from a missing path
            return folder_evidence(path, self.rules.documents, skip_broken)
        path = os.path.expanduser(path)
        if safe_exists(path):
            return from_folder(path, self.rules.documents, subfolder=subfolder, skip_broken=skip_broken)
        return None

    def _repo_evidence(self, ref: str | os.PathLike, subfolder: str | None, **options: Any) -> Evidence:
        """The evidence of a reference that names no local path: a Hub repo id, else EvidenceError."""
        if subfolder is not None:
            subfolder = check_repo_subfolder(subfolder)
        return self._hub_evidence(str(ref), subfolder=subfolder, **options)

    def _hub_evidence(self, ref: str, **options: Any) -> Evidence:
        from resolver.evidence.hub.repo_id import looks_like_repo_id

        if not looks_like_repo_id(ref):
            shown = ref if len(ref) <= 120 else f"{ref[:100]}... ({len(ref)} characters)"
            raise EvidenceError(
                f"no such folder: {shown}",
                hint="pass an existing model folder, or a Hub repo id such as org/name",
            )
        from resolver.evidence.hub.reader import evidence_from_hub

        return evidence_from_hub(ref, documents_needed=self.rules.documents, rules=self.rules, **options)

    def resolve(
        self,
        ref: Any,
        *,
        task: str | None = None,
        library: str | None = None,
        revision: str | None = None,
        subfolder: str | None = None,
        token: str | bool | None = None,
        offline: bool | None = None,
        cache_dir: str | os.PathLike | None = None,
        timeout: float | None = None,
        verbose: bool = False,
        vocab: str | None = None,
    ) -> Resolution:
        """Say which task, library, framework and loader class a model reference has, and why.

        Hub references: `timeout` bounds everything asked of the Hub, retries included (seconds;
        default $TASK_RESOLVER_HUB_TIMEOUT, else 30), after which the cache answers if it has the model,
        else HubTimeout; `verbose` lets huggingface_hub's retry messages through to stderr.
        `vocab`: spell the task as that vocabulary does ("optimum", "pipeline"; default "hub"),
        see resolver.compat.vocabulary.
        """
        canonical = self.normalize_task(task) if task is not None else None
        if isinstance(ref, type) and vocab is None:  # a model class: no option applies, skip the general dispatch
            return resolve_evidence(self.rules, from_object(ref), task=canonical, task_given=task, library=library)
        skip_broken = canonical is not None  # a given task answers past a broken document, as --task's hint says
        rules = self._rules if self._rules is not None else self.rules
        try:
            evidence = None
            if type(ref) is str and subfolder is None and ref.strip():  # a folder path: a catalogue's common case
                evidence = folder_evidence(ref, rules.documents, skip_broken)
            if evidence is None:
                options = hub_options(revision, token, offline, cache_dir, timeout, verbose)
                # a str (a repo id, a subfolder's path) skips Resolver.evidence's type dispatch
                gather = self._path_evidence if type(ref) is str else self._evidence_of
                evidence = gather(ref, subfolder, skip_broken, **options)
        except TaskResolverError as error:  # offline or unreachable, nothing cached: a given task still answers
            from resolver.evidence.hub.errors import HubUnavailable  # imported already by whatever raised it

            if canonical is None or not isinstance(error, HubUnavailable):
                raise
            evidence = Evidence(source="hub", ref=str(ref), notes=(f"{error.message}; resolved with the task given",))
        resolution = resolve_evidence(rules, evidence, task=canonical, task_given=task, library=library)
        if vocab is not None:
            from resolver.compat.vocabulary import in_vocabulary

            return in_vocabulary(resolution, vocab, evidence, rules)
        return resolution

    def infer_task(
        self,
        ref: Any,
        *,
        library: str | None = None,
        revision: str | None = None,
        subfolder: str | None = None,
        token: str | bool | None = None,
        offline: bool | None = None,
        cache_dir: str | os.PathLike | None = None,
        timeout: float | None = None,
        verbose: bool = False,
    ) -> str:
        """Only the task `resolve(ref).task` would give, without the library, framework, loader and trace.

        The cheaper call for callers that need nothing else, as optimum's
        `TasksManager.infer_task_from_model` does; a ResolutionError still carries the trace.
        """
        if isinstance(ref, type):  # a model class: no option applies, skip the general dispatch
            rules = self._rules if self._rules is not None else self.rules
            if library is None:  # optimum's call: keyword arguments cost the call its fast path
                return infer_task(rules, from_object(ref))
            return infer_task(rules, from_object(ref), library=library)
        options = hub_options(revision, token, offline, cache_dir, timeout, verbose)
        evidence = self.evidence(ref, subfolder=subfolder, **options)
        return infer_task(self.rules, evidence, library=library)

    def resolve_base(self, resolution: Resolution, **options: Any) -> Resolution:
        """Resolve the model `resolution` builds on (a PEFT adapter's base_model_name_or_path).

        A relative local path is taken from the adapter's folder; anything else is a folder or a Hub
        repo id, resolved with `options` (revision=, token=, offline=, ...) like `resolve()`.
        """
        base = resolution.base_model
        if not base:
            raise ResolutionError(
                f"{resolution.ref or 'this model'} names no base model",
                hint="only adapters name one (adapter_config.json base_model_name_or_path); resolve the model itself",
                trace=list(resolution.trace),
            )
        from pathlib import Path

        if resolution.source == "folder" and resolution.ref and not Path(base).is_absolute():
            beside = Path(resolution.ref) / (resolution.subfolder or "") / base
            if beside.is_dir():
                return self.resolve(beside, **options)
        return self.resolve(base, **options)

    def resolve_evidence(
        self, evidence: Evidence | dict, *, task: str | None = None, library: str | None = None
    ) -> Resolution:
        """Resolve evidence already gathered (no I/O at all)."""
        if isinstance(evidence, dict):
            evidence = Evidence.from_dict(evidence)
        canonical = self.normalize_task(task) if task is not None else None
        return resolve_evidence(self.rules, evidence, task=canonical, task_given=task, library=library)


_DEFAULT: Resolver | None = None


def default_resolver() -> Resolver:
    """The process-wide resolver over the shipped rules and $TASK_RESOLVER_RULES."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Resolver()
    return _DEFAULT


# Options of resolve() that load_model() forwards there; the rest go to the loader.
RESOLVE_OPTIONS = ("library", "revision", "subfolder", "token", "offline", "cache_dir")


def load_model(ref: Any, task: str | None = None, *, resolver: Resolver | None = None, **kwargs: Any) -> Any:
    """Resolve `ref` (folder or Hub repo id) and load it; resolve options and load options may be mixed."""
    from resolver.loading.calls import load

    resolver = resolver or default_resolver()
    options = {key: kwargs[key] for key in RESOLVE_OPTIONS if key in kwargs}
    resolution = resolver.resolve(ref, task=task, **options)
    load_kwargs = {key: value for key, value in kwargs.items() if key not in ("library", "offline")}
    if options.get("offline"):
        load_kwargs.setdefault("local_files_only", True)
    return load(resolution, rules=resolver.rules, **load_kwargs)
