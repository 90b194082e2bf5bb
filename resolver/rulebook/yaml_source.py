"""Read YAML rule files into plain data, keeping the line of every node and rejecting duplicate keys.

PyYAML silently keeps the last of two equal keys; a rule file must not, so we compose the node
tree ourselves (with the C composer when available) and record a `(line, col)` for each path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from resolver.errors import Finding, RuleError
from resolver.support.files import MAX_RULE_FILE_BYTES, FileTooLarge, NotARegularFile, read_regular_file

try:  # the C composer is ~10x faster; the pure-Python one gives the same nodes
    _Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Base = yaml.SafeLoader

_TAGS: dict[tuple[str, Any], str] = {}  # (plain scalar, implicit flags) -> its resolved tag
_MAX_TAGS = 1 << 16


class _Loader(_Base):
    """The safe loader, with a scalar's implicit tag memoised by its text (rule files repeat their
    values: task names, libraries, `true`) and no path resolvers (SafeLoader has none): the same
    tags as PyYAML's resolver, for a fraction of its regex matching on the first run."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            key = (value, implicit)
            tag = _TAGS.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_TAGS) < _MAX_TAGS:
                    _TAGS[key] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Path resolvers only (none are registered): nothing to track."""

    def ascend_resolver(self) -> None:
        """Path resolvers only (none are registered): nothing to track."""


PathKey = tuple  # a path inside a document: ("tasks", "text-classification", "loaders", 0)
Positions = dict[tuple, tuple[int, int]]  # PathKey -> (line, col), 1-based

_MAX_DEPTH = 64
_MAX_NODES = 200_000  # aliases can make a small file expand exponentially ("billion laughs")


def load_yaml(text: str, source: str) -> tuple[Any, Positions]:
    """Parse one YAML document; return its data and the position of every node."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            problem += f" ({exc.context} that starts at line {exc.context_mark.line + 1})"
        raise RuleError([Finding(source, line, col, f"not valid YAML: {problem}", "yaml-syntax")]) from None
    except yaml.YAMLError as exc:  # e.g. a control character in the stream
        raise RuleError([Finding(source, 1, 1, f"not valid YAML: {exc}", "yaml-syntax")]) from None
    except RecursionError:
        raise RuleError([Finding(source, 1, 1, "YAML nested too deeply to be a rule file", "yaml-syntax")]) from None
    positions: Positions = {}
    findings: list[Finding] = []
    if node is None:
        return None, positions
    try:
        data = _convert(node, (), positions, findings, source)
    except _TooBig:
        message = f"the YAML expands to more than {_MAX_NODES:,} nodes (aliases?): too big to be a rule file"
        raise RuleError([Finding(source, 1, 1, message, "yaml-syntax")]) from None
    if findings:
        raise RuleError(findings)
    return data, positions


def load_yaml_file(path: Path, source: str | None = None, raw: bytes | None = None) -> tuple[Any, Positions]:
    """Read and parse a rule file (or `raw`, its bytes already read); undecodable bytes are reported like syntax errors."""
    source = source or str(path)
    try:
        if raw is None:
            raw = read_regular_file(path, MAX_RULE_FILE_BYTES)
    except (NotARegularFile, FileTooLarge) as exc:
        raise RuleError([Finding(source, 1, 1, f"not read: {exc}", "rules-path")]) from None
    except OSError as exc:
        raise RuleError(
            [Finding(source, 1, 1, f"cannot read rule file: {exc.strerror or exc}", "rules-path")]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleError(
            [Finding(source, 1, 1, f"not UTF-8 text (byte {exc.start}): is it a binary file?", "yaml-syntax")]
        ) from None
    return load_yaml(text, source)


class _TooBig(Exception):
    """Raised inside _convert when a document expands past _MAX_NODES."""


def _convert(node: yaml.Node, path: PathKey, positions: Positions, findings: list, source: str) -> Any:
    if path not in positions and len(positions) >= _MAX_NODES:
        raise _TooBig
    mark = node.start_mark
    line, col = positions[path] = (mark.line + 1, mark.column + 1)
    if len(path) > _MAX_DEPTH:
        findings.append(Finding(source, line, col, f"nested deeper than {_MAX_DEPTH} levels", "yaml-syntax"))
        return None
    if node.tag == _STR and type(node) is yaml.ScalarNode:  # most nodes: a string, exactly what PyYAML builds
        return node.value
    tag_problem = _unsupported_tag(node)
    if tag_problem:
        findings.append(Finding(source, line, col, tag_problem, "yaml-syntax", doc_path=pointer(path)))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                findings.append(
                    Finding(
                        source,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        "YAML merge keys (<<) are not supported in rule files",
                        "yaml-syntax",
                    )
                )
                continue
            if key_node.tag == _STR and type(key_node) is yaml.ScalarNode:  # most keys: a string as it stands
                key = key_node.value
            else:
                try:
                    key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                except (yaml.YAMLError, ValueError, TypeError, OverflowError):  # `!!int task:` as a key
                    key = None
            if not isinstance(key, (str, int, float, bool)) or key is None:
                findings.append(
                    Finding(
                        source,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        "mapping keys must be plain scalars",
                        "yaml-syntax",
                    )
                )
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                first = positions.get((*path, key), ("?", "?"))
                findings.append(
                    Finding(
                        source,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        f"duplicate key {key!r} (first defined at line {first[0]}); "
                        "YAML would silently keep only the last one",
                        "duplicate-key",
                        doc_path=pointer(path),
                    )
                )
                continue
            result[key] = _convert(value_node, (*path, key), positions, findings, source)
            positions[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, index), positions, findings, source) for index, item in enumerate(node.value)]
    try:
        return _scalar(node)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:  # `!!int abc`, `!!float x`
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        findings.append(
            Finding(
                source,
                line,
                col,
                f"the value {node.value!r} does not fit its tag {_short(node.tag)}: {problem}",
                "yaml-syntax",
                doc_path=pointer(path),
            )
        )
        return None


_SCALAR_LOADER = yaml.SafeLoader("")
_YAML = "tag:yaml.org,2002:"
_STR = _YAML + "str"
# The only tags a rule file may carry: plain JSON-like data (what the schemas describe).
_ALLOWED_TAGS = {
    yaml.MappingNode: {_YAML + "map"},
    yaml.SequenceNode: {_YAML + "seq"},
    yaml.ScalarNode: {_YAML + name for name in ("str", "int", "float", "bool", "null", "timestamp")},
}


def _short(tag: str) -> str:
    return "!!" + tag[len(_YAML) :] if tag.startswith(_YAML) else tag


def _unsupported_tag(node: yaml.Node) -> str | None:
    """Why a node's tag is not allowed in a rule file (`!!python/object`, `!!binary`, `!custom`), or None."""
    if node.tag in _ALLOWED_TAGS.get(type(node), ()):
        return None
    return (
        f"unsupported tag {_short(node.tag)}: rule files hold plain data only "
        "(strings, numbers, booleans, null, lists and mappings); remove the tag"
    )


def _scalar(node: yaml.ScalarNode) -> Any:
    """Construct a scalar with PyYAML's safe resolver (ints, floats, bools, null, strings)."""
    return _SCALAR_LOADER.construct_object(node, deep=True)


def pointer(path: PathKey) -> str:
    """A JSON-pointer-like rendering of a path inside the document: /tasks/fill-mask/synonyms/0."""
    return "/" + "/".join(str(part) for part in path) if path else "/"
