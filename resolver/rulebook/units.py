"""How loadable units are named: `kind: units` rule files, indexed on first use.

`task-resolver inspect` lists every part of a model that loads on its own. What tells those parts
apart is naming knowledge, kept as data in rules/units.yaml and compiled here into a `UnitRules`
index (memoised per rule set, like the vocabularies):

- `kinds`: per kind of unit (onnx, openvino, gguf, ...), its framework and the call that loads it;
- `exports`: exported copies (ONNX, OpenVINO): the files that are one, the role of each by its stem,
  the variant suffixes (transformers.js / optimum: `_quantized`, `_q4f16`, ...) and the files of
  external data each needs (`model.onnx_data`, `openvino_model.bin`);
- `gguf`: llama.cpp's file-type table (`general.file_type` -> Q4_K_M), the file-name spellings of the
  same names, the split-file pattern, and the tests that tell a model from a projector or an adapter;
- `quantization`: the documents that declare one (config.json's `quantization_config`,
  quantize_config.json) and how to read the method and bits from them.

Layering: a later pack's entry with the same key replaces an earlier one (a role, a variant, a file
type, a method, a declaring document); lists (`bits`, `data`) are replaced whole.
Everything here is pure: it reads names and parsed documents, never a file.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from resolver.rulebook.documents import RuleDoc
from resolver.rulebook.memo import IndexPerRules

DEFAULT_BITS = ("bits",)


@dataclass(frozen=True, slots=True)
class KindSpec:
    """What a unit of one kind is: its framework and the call that loads it."""

    name: str
    framework: str | None
    loader: str | None
    description: str
    where: str


@dataclass(frozen=True, slots=True)
class Role:
    """A role an exported file or a GGUF file plays, and the test that gives it."""

    name: str
    pattern: re.Pattern[str] | None  # exports: full match on the file's stem (its variant suffix removed)
    tests: tuple[Mapping[str, Any], ...]  # gguf: `header:` facts or `filename:` patterns, any one holds
    description: str
    loader: str | None
    own_task: bool
    where: str
    has_loader: bool = False  # the rules give this role its own loader (null: none), not the kind's


@dataclass(frozen=True, slots=True)
class Variant:
    """A suffix of an exported file's stem naming a precision or quantization (`_q4f16`)."""

    name: str
    suffix: str
    quantized: bool
    description: str
    where: str


@dataclass
class Export:
    """One kind of exported copy: which files are one, their roles, variants and external data."""

    name: str
    glob: str = ""
    folders: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    roles: dict[str, Role] = field(default_factory=dict)
    variants: dict[str, Variant] = field(default_factory=dict)
    where: str = ""


@dataclass(frozen=True, slots=True)
class Declared:
    """A document that declares a quantization, for the units of the given kinds."""

    file: str
    key: str | None  # the mapping inside the document (config.json's quantization_config); None: the whole
    method: str | None  # the method when the document does not say (quantize_config.json: gptq)
    units: frozenset[str]
    where: str


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    bits: int | None
    flags: Mapping[str, int]  # a true key -> bits (bitsandbytes: load_in_4bit -> 4)
    description: str
    where: str


@dataclass(frozen=True, slots=True)
class Quantization:
    """A unit's quantization: method (gptq, gguf, onnx, ...), the scheme's name (Q4_K_M, q4f16), bits, and where it was read."""

    method: str
    name: str | None = None
    bits: int | None = None
    source: str = ""  # config.json, quantize_config.json, header, filename
    where: str | None = None  # the rule that read it

    def describe(self) -> str:
        parts = [self.name or self.method]
        if self.name and self.method not in ("gguf", "onnx", "openvino"):
            parts = [self.method, self.name]
        if self.bits is not None:
            parts.append(f"{self.bits}-bit")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "name": self.name, "bits": self.bits, "source": self.source, "where": self.where}


@dataclass(frozen=True, slots=True)
class ExportMatch:
    """An exported file, classified: its export kind, role (None: no pattern knows the stem) and variant."""

    export: str
    role: str | None
    variant: Variant | None
    where: str | None


@dataclass
class UnitRules:
    kinds: dict[str, KindSpec] = field(default_factory=dict)
    exports: dict[str, Export] = field(default_factory=dict)
    file_types: dict[int, tuple[str, str]] = field(default_factory=dict)  # number -> (name, where)
    filename_aliases: dict[str, str] = field(default_factory=dict)
    split: re.Pattern[str] | None = None
    gguf_roles: dict[str, Role] = field(default_factory=dict)
    gguf_default_role: str = "model"
    declared: dict[str, Declared] = field(default_factory=dict)
    methods: dict[str, Method] = field(default_factory=dict)
    bits: tuple[str, ...] = DEFAULT_BITS
    where: str = ""
    _names: list[tuple[str, re.Pattern[str]]] | None = None

    # -------------------------------------------------------------- exports

    def export_of(self, path: str) -> ExportMatch | None:
        """The export a file belongs to (by its name), with its role and variant; None for any other file."""
        name = path.rsplit("/", 1)[-1]
        for export in self.exports.values():
            if not fnmatch.fnmatchcase(name, export.glob):
                continue
            stem = name.rsplit(".", 1)[0]
            for variant in sorted(export.variants.values(), key=lambda v: -len(v.suffix)):
                if stem.endswith(variant.suffix) and len(stem) > len(variant.suffix):
                    role = _role_of(export, stem[: -len(variant.suffix)])
                    if role is not None:
                        return ExportMatch(export.name, role.name, variant, role.where)
            role = _role_of(export, stem)
            return ExportMatch(export.name, role.name if role else None, None, role.where if role else None)
        return None

    def data_files(self, export: str, path: str, files: Iterable[str]) -> list[str]:
        """The files of external data an exported file needs: `model.onnx_data`, `model.onnx_data_1`, `openvino_model.bin`."""
        spec = self.exports[export]
        folder, _, name = path.rpartition("/")
        prefix = f"{folder}/" if folder else ""
        stem = name.rsplit(".", 1)[0]
        wanted = [prefix + template.format(name=name, stem=stem) for template in spec.data]
        found = []
        for other in files:
            for base in wanted:
                if other == base or (other.startswith(base + "_") and other[len(base) + 1 :].isdigit()):
                    found.append(other)
                    break
        return sorted(found)

    # -------------------------------------------------------------- gguf

    def gguf_split(self, name: str) -> tuple[str, int, int] | None:
        """(the name without its part, part, of how many) for `x-00001-of-00003.gguf`; None for a whole file."""
        if self.split is None:
            return None
        stem = name[: -len(".gguf")] if name.endswith(".gguf") else name
        match = self.split.search(stem)
        if match is None:
            return None
        return stem[: match.start()] + stem[match.end() :] + ".gguf", int(match["part"]), int(match["total"])

    def gguf_role(self, name: str, header: Mapping[str, Any] | None) -> tuple[str, str | None]:
        """(role, where) of a GGUF file from its header facts (when read) or its file name."""
        for role in self.gguf_roles.values():
            for test in role.tests:
                if "header" in test:
                    if header is not None and all(header.get(k) == v for k, v in test["header"].items()):
                        return role.name, role.where
                elif "filename" in test and re.search(test["filename"], name.rsplit("/", 1)[-1]):
                    return role.name, role.where
        return self.gguf_default_role, self.where

    def gguf_quantization(self, name: str, header: Mapping[str, Any] | None) -> Quantization | None:
        """The file type from the header's `general.file_type`, else from the file name (`-Q4_K_M.gguf`)."""
        number = header.get("file_type") if header else None
        if isinstance(number, int) and not isinstance(number, bool):
            known = self.file_types.get(number & ~1024)  # llama.cpp's LLAMA_FTYPE_GUESSED flag
            if known is not None:
                return Quantization("gguf", known[0], _bits_of_name(known[0]), "header", known[1])
            return Quantization("gguf", f"file type {number}", None, "header", None)
        stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0].upper()
        for candidate, pattern in self._name_patterns():
            if pattern.search(stem):
                name_ = self.filename_aliases.get(candidate, candidate)
                return Quantization("gguf", name_, _bits_of_name(name_), "filename", self._type_where(name_))
        return None

    def _type_where(self, name: str) -> str | None:
        return next((where for known, where in self.file_types.values() if known == name), None)

    def _name_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        if self._names is None:
            names = {name for name, _ in self.file_types.values()} | set(self.filename_aliases)
            self._names = [
                (name, re.compile(rf"(?:^|[-_.]){re.escape(name)}(?:$|[-_.])"))
                for name in sorted(names, key=lambda n: (-len(n), n))
            ]
        return self._names

    # -------------------------------------------------------------- declared quantization

    def declared_quantization(self, documents: Mapping[str, Any], unit_kind: str) -> Quantization | None:
        """The quantization the documents of one unit declare (file name -> parsed JSON); None when none does."""
        for spec in self.declared.values():
            if unit_kind not in spec.units:
                continue
            doc = documents.get(spec.file)
            if not isinstance(doc, Mapping):
                continue
            config = doc.get(spec.key) if spec.key else doc
            if not isinstance(config, Mapping):
                continue
            method = config.get("quant_method") if isinstance(config.get("quant_method"), str) else spec.method
            if not method:
                continue
            method = str(method).lower()
            known = self.methods.get(method)
            bits = _read_bits(config, self.bits)
            if bits is None and known is not None:
                bits = next((b for flag, b in known.flags.items() if config.get(flag) is True), known.bits)
            return Quantization(method, None, bits, spec.file, known.where if known else spec.where)
        return None


def _role_of(export: Export, stem: str) -> Role | None:
    return next((role for role in export.roles.values() if role.pattern and role.pattern.fullmatch(stem)), None)


_BITS_IN_NAME = re.compile(r"^(?:I?Q|TQ)(\d)|^(?:F|BF)(\d+)$|^MXFP(\d)")


def _bits_of_name(name: str) -> int | None:
    """The bits of a llama.cpp type name: Q4_K_M -> 4, IQ2_XS -> 2, F16 -> 16, BF16 -> 16."""
    match = _BITS_IN_NAME.match(name)
    if match is None:
        return None
    return int(next(group for group in match.groups() if group))


def _read_bits(config: Mapping[str, Any], paths: Iterable[str]) -> int | None:
    """The first integer found at one of the dotted paths (`*` matches any key)."""
    for path in paths:
        for value in _walk(config, path.split(".")):
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    return None


def _walk(value: Any, parts: list[str]) -> Iterable[Any]:
    if not parts:
        yield value
        return
    if not isinstance(value, Mapping):
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        for key in sorted(value, key=str):
            yield from _walk(value[key], rest)
    elif head in value:
        yield from _walk(value[head], rest)


# ------------------------------------------------------------------ the index

_PER_RULES: IndexPerRules[UnitRules] = IndexPerRules(lambda docs: build_index(docs))


def unit_rules(rules: Any) -> UnitRules:
    """The units index of a rule set (CompiledRules), built from its documents on first use."""
    return _PER_RULES(rules)


def build_index(docs: list[RuleDoc]) -> UnitRules:
    """Compile every `kind: units` document, in pack order (a later entry with the same key replaces)."""
    index = UnitRules()
    for doc in sorted((d for d in docs if d.kind == "units"), key=lambda d: d.pack):
        compile_units(index, doc)
    return index


def compile_units(index: UnitRules, doc: RuleDoc) -> None:
    """Layer one document over what earlier ones said."""
    data = doc.data
    index.where = index.where or doc.where("kind")
    for name, spec in (data.get("kinds") or {}).items():
        spec = spec or {}
        index.kinds[name] = KindSpec(
            name, spec.get("framework"), spec.get("loader"), spec.get("description", ""), doc.where("kinds", name)
        )
    for name, spec in (data.get("exports") or {}).items():
        export = index.exports.setdefault(name, Export(name))
        at = ("exports", name)
        export.where = doc.where(*at)
        if "glob" in spec:
            export.glob = spec["glob"]
        if "folders" in spec:
            export.folders = tuple(spec["folders"])
        if "data" in spec:
            export.data = tuple(spec["data"])
        for role, entry in (spec.get("roles") or {}).items():
            export.roles[role] = Role(
                role,
                re.compile(entry["stem"]),
                (),
                entry.get("description", ""),
                entry.get("loader"),
                entry.get("own_task", True),
                doc.where(*at, "roles", role),
                "loader" in entry,
            )
        for variant, entry in (spec.get("variants") or {}).items():
            export.variants[variant] = Variant(
                variant,
                entry["suffix"],
                entry.get("quantized", True),
                entry.get("description", ""),
                doc.where(*at, "variants", variant),
            )
    gguf = data.get("gguf") or {}
    for number, name in (gguf.get("file_types") or {}).items():
        index.file_types[int(number)] = (name, doc.where("gguf", "file_types", number))
    index.filename_aliases.update(gguf.get("filename_aliases") or {})
    if gguf.get("split"):
        index.split = re.compile(gguf["split"])
    if gguf.get("default_role"):
        index.gguf_default_role = gguf["default_role"]
    for role, entry in (gguf.get("roles") or {}).items():
        index.gguf_roles[role] = Role(
            role,
            None,
            tuple(entry.get("any") or ()),
            entry.get("description", ""),
            entry.get("loader"),
            entry.get("own_task", True),
            doc.where("gguf", "roles", role),
            "loader" in entry,
        )
    index._names = None
    quantization = data.get("quantization") or {}
    for file, entry in (quantization.get("declared_in") or {}).items():
        index.declared[file] = Declared(
            file,
            entry.get("key"),
            entry.get("method"),
            frozenset(entry.get("units") or ()),
            doc.where("quantization", "declared_in", file),
        )
    for name, entry in (quantization.get("methods") or {}).items():
        entry = entry or {}
        index.methods[name] = Method(
            name,
            entry.get("bits"),
            dict(entry.get("flags") or {}),
            entry.get("description", ""),
            doc.where("quantization", "methods", name),
        )
    if "bits" in quantization:
        index.bits = tuple(quantization["bits"])


def classify_example(index: UnitRules, example: Mapping[str, Any]) -> dict[str, Any]:
    """What the index says about one example of a units file: kind, role and quantization (its name, or method and bits)."""
    if "file" in example:
        path = example["file"]
        if path.endswith(".gguf"):
            header = example.get("header")
            quantization = index.gguf_quantization(path, header)
            role, _ = index.gguf_role(path, header)
            split = index.gguf_split(path.rsplit("/", 1)[-1])
            got: dict[str, Any] = {
                "kind": "gguf",
                "role": role,
                "quantization": quantization.name if quantization else None,
            }
            if split is not None:
                got["part"] = split[1]
            return got
        match = index.export_of(path)
        if match is None:
            return {"kind": None, "role": None, "variant": None}
        found: dict[str, Any] = {"kind": match.export, "role": match.role}
        found["variant"] = match.variant.name if match.variant else None
        if example.get("files"):
            found["data"] = index.data_files(match.export, path, example["files"])
        return found
    documents = dict(example.get("documents") or {})
    if "config" in example:
        documents["config.json"] = example["config"]
    declared = index.declared_quantization(documents, example.get("unit", "model"))
    return {"quantization": declared.method if declared else None, "bits": declared.bits if declared else None}
