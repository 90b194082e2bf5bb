"""The semantic checks beyond the golden cases: layering, overrides, shadowing, examples, pack discovery."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from resolver.support.paths import shipped_rules_dir
from resolver.validation.validate import validate


@pytest.fixture(autouse=True)
def in_tmp(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)


def pack(root: Path, **files: str) -> Path:
    """A rule pack directory with the given files (name without .yaml -> text, dedented)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / f"{name}.yaml").write_text(textwrap.dedent(text).lstrip())
    return root


def found(report) -> list[tuple[str, str, str]]:
    """(check, severity, message) of every finding."""
    return [(f.check, f.severity, f.message) for f in report.findings]


def checks(report) -> list[str]:
    return [f.check for f in report.findings]


TASKS_HEADER = "kind: tasks\nversion: 1\ntasks:\n"


def test_a_pack_may_use_shipped_tasks_but_not_alone(tmp_path):
    rules = pack(
        tmp_path / "p",
        architectures="""
        kind: architectures
        version: 1
        exact: {AcmeForWidgetDetection: object-detection}
    """,
    )
    assert validate([rules]).findings == []
    assert checks(validate([rules], shipped=False)) == ["unknown-task"]


def test_context_packs_are_layered_in_but_not_reported_on(tmp_path):
    base = pack(tmp_path / "base", tasks=TASKS_HEADER + "  widget-detection: {}\n  never-used: {}\n")
    user = pack(
        tmp_path / "user",
        architectures="""
        kind: architectures
        version: 1
        exact: {AcmeForWidgetDetection: widget-detection}
    """,
    )
    assert checks(validate([user])) == ["unknown-task"]
    assert validate([user], context=[base]).findings == []  # never-used (in the context pack) is not reported
    assert checks(validate([base])) == ["unused-definition", "unused-definition"]


def test_strip_suffix_synonyms(tmp_path):
    rules = pack(
        tmp_path / "p",
        tasks=TASKS_HEADER
        + """\
  widget-detection:
    synonyms: [widget-detection-with-past, fill-mask-with-past]
    loaders: {transformers: [{class: transformers.AutoModelForObjectDetection}]}
""",
    )
    assert found(validate([rules])) == [
        (
            "synonym-chain",
            "warning",
            "synonym 'widget-detection-with-past' is redundant: strip_suffixes already turns it into 'widget-detection'",
        ),
        (
            "synonym-chain",
            "error",
            "synonym 'fill-mask-with-past' points at 'widget-detection', but without '-with-past' it names 'fill-mask': "
            "a `-with-past` spelling must name the same task",
        ),
    ]


def test_task_redefinition_in_a_pack_warns_about_what_it_drops(tmp_path):
    rules = pack(
        tmp_path / "p",
        tasks=TASKS_HEADER
        + """\
  text-generation:
    loaders:
      my_library: [{class: my_library.Generator}]
""",
        libraries="""
        kind: libraries
        version: 1
        libraries:
          my_library: {default_task: text-generation, default_loader: my_library.load}
    """,
    )
    [finding] = validate([rules]).findings
    assert finding.check == "pack-override" and finding.severity == "warning"
    assert "drops its synonyms causal-lm" in finding.message and "drops its loaders for transformers" in finding.message


def test_synonym_and_task_overrides_across_packs(tmp_path):
    rules = pack(
        tmp_path / "p",
        tasks=TASKS_HEADER
        + """\
  summarization:
    loaders: {transformers: [{class: transformers.AutoModelForSeq2SeqLM}]}
  widget-detection:
    synonyms: [ner]
""",
    )
    messages = sorted(found(validate([rules])))
    assert messages == [
        ("pack-override", "warning", messages[0][2]),
        ("pack-override", "warning", messages[1][2]),
    ]
    assert "synonym 'ner' pointed at 'token-classification'" in messages[0][2] + messages[1][2]
    assert "task 'summarization' was a synonym of 'text2text-generation'" in messages[0][2] + messages[1][2]


def test_unreachable_loaders(tmp_path):
    rules = pack(
        tmp_path / "p",
        tasks=TASKS_HEADER
        + """\
  widget-detection:
    loaders:
      transformers:
        - class: transformers.AutoModelForObjectDetection
          when: {config: {model_type: acme}}
        - class: transformers.AutoModel
        - class: transformers.AutoModelForWidgets
          requires: {transformers: ">=5"}
        - class: transformers.AcmeModel
          when: {config: {model_type: acme}}
""",
    )
    assert [(f.check, f.doc_path) for f in validate([rules]).findings] == [
        ("unreachable-case", "/tasks/widget-detection/loaders/transformers/2"),
        ("unreachable-case", "/tasks/widget-detection/loaders/transformers/3"),
    ]


def test_layout_checks(tmp_path):
    rules = pack(
        tmp_path / "p",
        layouts="""
        kind: layouts
        version: 1
        layouts:
          - name: acme
            when: {file: acme.json}
            task: object-detection
          - name: acme-again
            when: {file: acme.json}
            cases:
              - when: {config_has: text_config}
                task: zero-shot-object-detection
              - when: {config_has: text_config}
                task: object-detection
          - name: acme
            when: {file: acme2.json}
            task: object-detection
    """,
    )
    assert [(f.check, f.doc_path) for f in validate([rules]).findings] == [
        ("shadowed-rule", "/layouts/1"),
        ("unreachable-case", "/layouts/1/cases/1"),
        ("duplicate-entry", "/layouts/2"),
    ]


def test_a_pack_rule_that_hides_a_shipped_one_is_reported_in_the_pack(tmp_path):
    rules = pack(
        tmp_path / "p",
        libraries="""
        kind: libraries
        version: 1
        detect:
          - library: timm
            when: {file: config.json}
    """,
    )
    [finding] = validate([rules]).findings
    assert (finding.check, finding.file) == ("pack-override", "p/libraries.yaml")
    assert finding.message.startswith(
        "the detect rule for 'timm' makes the detect rule for 'transformers' (rules/libraries.yaml:"
    )


def test_patterns_of_equal_needles(tmp_path):
    """Longest needle first, then declared order: `contains: X` declared after `suffix: X` only takes
    the names that contain X elsewhere; declared before, it takes them all and the suffix is dead."""
    after = pack(
        tmp_path / "after",
        architectures="""
        kind: architectures
        version: 1
        patterns:
          - contains: ForCausalLM
            task: text-generation
    """,
    )
    assert validate([after]).findings == []
    before = pack(
        tmp_path / "before",
        architectures="""
        kind: architectures
        version: 1
        patterns:
          - contains: ForWidgets
            task: object-detection
          - suffix: ForWidgets
            task: image-segmentation
          - suffix: AcmeForWidgets
            task: image-segmentation
    """,
    )
    [finding] = validate([before]).findings
    assert (finding.check, finding.doc_path) == ("shadowed-rule", "/patterns/1")


def test_unknown_libraries_in_detect_rules_and_examples(tmp_path):
    rules = pack(
        tmp_path / "p",
        libraries="""
        kind: libraries
        version: 1
        detect:
          - library: acme_lib
            when: {file: acme.json}
    """,
        architectures="""
        kind: architectures
        version: 1
        patterns:
          - suffix: ForWidgetDetection
            task: object-detection
            examples:
              - {architecture: AcmeForWidgetDetection, task: object-detection, library: transformer}
    """,
    )
    report = validate([rules])
    assert [(f.check, f.doc_path) for f in report.findings] == [
        ("example-failed", "/patterns/0/examples/0"),
        ("unknown-library", "/patterns/0/examples/0/library"),
        ("unknown-library", "/detect/0/library"),
    ]
    assert "did you mean 'transformers'" in report.findings[1].message


def test_examples_must_exercise_their_own_rule(tmp_path):
    rules = pack(
        tmp_path / "p",
        architectures="""
        kind: architectures
        version: 1
        patterns:
          - suffix: ForWidgetDetection
            cases:
              - when: {config_has: text_config}
                task: zero-shot-object-detection
            examples:
              - {architecture: BertForMaskedLM, task: fill-mask}
              - {architecture: AcmeForWidgetDetection, config: {text_config: {}}, task: zero-shot-object-detection}
              - {files: [README.md], task: object-detection}
    """,
    )
    report = validate([rules])
    assert report.examples == 3
    assert [(f.check, f.doc_path) for f in report.findings] == [
        ("example-failed", "/patterns/0/examples/0"),
        ("example-failed", "/patterns/0/examples/2"),
    ]
    assert "but through config_architectures at rules/architectures.generated.yaml:" in report.findings[0].message
    assert report.findings[1].message == "example gives no task at all, not 'object-detection'"


def test_examples_of_a_replaced_entry_are_not_run(tmp_path):
    first = pack(
        tmp_path / "a",
        architectures="""
        kind: architectures
        version: 1
        patterns:
          - suffix: ForWidgetDetection
            task: object-detection
            examples: [{architecture: AcmeForWidgetDetection, task: object-detection}]
    """,
    )
    second = pack(
        tmp_path / "b",
        architectures="""
        kind: architectures
        version: 1
        patterns:
          - suffix: ForWidgetDetection
            task: image-segmentation
            examples: [{architecture: AcmeForWidgetDetection, task: image-segmentation}]
    """,
    )
    report = validate([first, second])
    assert report.examples == 1
    assert checks(report) == ["pack-override"]
    assert report.findings[0].file == "b/architectures.yaml"


def test_fallback_without_a_strategy_leaves_its_rules_unused(tmp_path):
    rules = pack(
        tmp_path / "p",
        fallback="""
        kind: fallback
        version: 1
        order: [explicit_task, hub_pipeline_tag, library_default]
    """,
    )
    report = validate([rules])
    assert checks(report) == ["pack-override"]  # the shipped layouts/architectures files are not reported on
    full = validate([shipped_rules_dir(), rules])  # the shipped rules as a reviewed pack, then this one
    unused = [f.file for f in full.findings if f.check == "unused-definition"]
    assert unused == ["rules/architectures.yaml", "rules/layouts.yaml", "rules/model_types.yaml"]


def test_duplicates_across_files_of_one_pack(tmp_path):
    rules = pack(
        tmp_path / "p",
        a="""
        kind: fallback
        version: 1
        order: [explicit_task, library_default]
    """,
        b="""
        kind: fallback
        version: 1
        order: [config_architectures, library_default]
    """,
        c="""
        kind: architectures
        version: 1
        legacy_prefixes: [TF]
        exact: {AcmeModel: feature-extraction}
    """,
        d="""
        kind: architectures
        version: 1
        legacy_prefixes: [Flax]
        exact: {AcmeModel: feature-extraction}
    """,
    )
    assert [(f.check, f.file) for f in validate([rules]).findings] == [
        ("pack-override", "p/a.yaml"),
        ("duplicate-entry", "p/b.yaml"),
        ("pack-override", "p/b.yaml"),
        ("duplicate-entry", "p/d.yaml"),
        ("duplicate-entry", "p/d.yaml"),
    ]


def test_invalid_distribution_name(tmp_path):
    rules = pack(
        tmp_path / "p",
        tasks=TASKS_HEADER
        + """\
  widget-detection:
    loaders:
      transformers:
        - class: transformers.AutoModelForObjectDetection
          requires: {"transformers>=4": ">=4"}
""",
    )
    [finding] = validate([rules]).findings
    assert (finding.check, finding.message) == ("invalid-version", "'transformers>=4' is not a valid distribution name")


def test_a_pack_directory_named_rules_keeps_shipped_locations_apart(tmp_path):
    rules = pack(
        tmp_path / "rules",
        architectures="""
        kind: architectures
        version: 1
        exact: {T5WithLMHeadModel: fill-mask}
    """,
    )
    [finding] = validate([rules]).findings
    assert finding.file == "rules/architectures.yaml"  # the pack's own file...
    assert "from /" in finding.message and "/rules/architectures.yaml:" in finding.message  # ...the shipped one in full


def test_a_file_is_checked_with_the_rule_files_beside_it(tmp_path):
    rules = pack(
        tmp_path / "p",
        tasks=TASKS_HEADER + "  widget-detection: {synonyms: [widgets]}\n",
        architectures="""
        kind: architectures
        version: 1
        exact: {AcmeForWidgetDetection: widget-detection}
    """,
    )
    report = validate([rules / "architectures.yaml"])
    assert report.findings == []
    assert report.files == ["p/architectures.yaml", "p/tasks.yaml"]
