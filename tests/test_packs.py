"""Rule packs: Resolver(rule_paths=...), --rules (repeatable), $TASK_RESOLVER_RULES and installed packages'
entry points (group task_resolver.rules), layered in that documented order."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

import resolver
from resolver.cli.main import main
from resolver.errors import RuleError
from resolver.rulebook.packs import ENTRY_POINT_GROUP, installed_rule_paths

EVIDENCE = {"config": {"architectures": ["AcmeForObjectDetection"]}}


def rule_pack(root: Path, task: str) -> Path:
    """A pack that gives AcmeForObjectDetection the task `task`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "architectures.yaml").write_text(
        f"kind: architectures\nversion: 1\nexact:\n  AcmeForObjectDetection: {task}\n"
    )
    return root


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A fake installed distribution whose entry points the test writes; on sys.path for the test."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    for name in [m for m in sys.modules if m == "acme_rules" or m.startswith("acme_rules.")]:
        monkeypatch.delitem(sys.modules, name)  # each test installs its own version of the package

    def install(entry_points: dict[str, str], module: str = "") -> Path:
        dist = root / "acme_rules-1.0.dist-info"
        dist.mkdir(exist_ok=True)
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
        lines = [f"[{ENTRY_POINT_GROUP}]"] + [f"{name} = {value}" for name, value in entry_points.items()]
        (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")
        package = root / "acme_rules"
        package.mkdir(exist_ok=True)
        (package / "__init__.py").write_text(textwrap.dedent(module))
        importlib.invalidate_caches()
        return package

    return install


def test_rule_paths_layer_over_the_shipped_rules(tmp_path):
    assert resolver.Resolver().resolve_evidence(EVIDENCE).task == "object-detection"  # the shipped pattern
    custom = resolver.Resolver(rule_paths=[rule_pack(tmp_path / "a", "image-segmentation")])
    result = custom.resolve_evidence(EVIDENCE)
    assert result.task == "image-segmentation"
    assert result.where.endswith("a/architectures.yaml:4")


def test_later_packs_override_earlier_ones(tmp_path):
    a = rule_pack(tmp_path / "a", "image-segmentation")
    b = rule_pack(tmp_path / "b", "depth-estimation")
    assert resolver.Resolver(rule_paths=[a, b]).resolve_evidence(EVIDENCE).task == "depth-estimation"
    assert resolver.Resolver(rule_paths=[b, a]).resolve_evidence(EVIDENCE).task == "image-segmentation"


def test_cli_rules_option_is_repeatable(tmp_path, capsys):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps(EVIDENCE["config"]))
    a = rule_pack(tmp_path / "a", "image-segmentation")
    b = rule_pack(tmp_path / "b", "depth-estimation")
    assert main(["resolve", str(model), "--rules", str(a), "--rules", str(b), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["task"] == "depth-estimation"


def test_environment_variable_lists_packs(tmp_path, monkeypatch):
    a = rule_pack(tmp_path / "a", "image-segmentation")
    b = rule_pack(tmp_path / "b", "depth-estimation")
    monkeypatch.setenv("TASK_RESOLVER_RULES", f"{a}:{b}".replace(":", __import__("os").pathsep))
    assert resolver.Resolver().resolve_evidence(EVIDENCE).task == "depth-estimation"
    # an explicit rule path is the most specific layer
    assert resolver.Resolver(rule_paths=[a]).resolve_evidence(EVIDENCE).task == "image-segmentation"
    assert resolver.Resolver(use_env=False).resolve_evidence(EVIDENCE).task == "object-detection"


def test_entry_point_object_forms(site, tmp_path):
    """An entry point's object: a path, a callable returning a path, or a package (its folder)."""
    as_path = rule_pack(tmp_path / "as-path", "image-segmentation")
    as_callable = rule_pack(tmp_path / "as-callable", "depth-estimation")
    package = site(
        {"a_path": "acme_rules:RULES", "b_callable": "acme_rules:rules_path", "c_package": "acme_rules.pack"},
        module=f"""
            RULES = {str(as_path)!r}

            def rules_path():
                return {str(as_callable)!r}
        """,
    )
    (package / "pack").mkdir()
    (package / "pack" / "__init__.py").write_text("")
    rule_pack(package / "pack", "keypoint-detection")
    paths = installed_rule_paths()
    assert paths == [as_path, as_callable, package / "pack"]
    # sorted by entry point name, each over the one before: the last one wins
    assert resolver.Resolver().resolve_evidence(EVIDENCE).task == "keypoint-detection"


def test_entry_point_packs_come_before_the_environment(site, tmp_path, monkeypatch):
    installed = rule_pack(tmp_path / "installed", "image-segmentation")
    site({"acme": "acme_rules:RULES"}, module=f"RULES = {str(installed)!r}\n")
    assert resolver.Resolver().resolve_evidence(EVIDENCE).task == "image-segmentation"
    monkeypatch.setenv("TASK_RESOLVER_RULES", str(rule_pack(tmp_path / "env", "depth-estimation")))
    assert resolver.Resolver().resolve_evidence(EVIDENCE).task == "depth-estimation"


@pytest.mark.parametrize(
    ("value", "module", "message"),
    [
        ("acme_rules.missing:RULES", "", "cannot be loaded: ModuleNotFoundError"),
        (
            "acme_rules:RULES",
            "RULES = '/no/such/rules/dir'\n",
            "/no/such/rules/dir:1:1: error: no such rules directory",
        ),
        ("acme_rules:broken", "def broken():\n    raise RuntimeError('boom')\n", "RuntimeError: boom"),
    ],
)
def test_a_broken_installed_pack_is_a_clear_error(site, capsys, value, module, message):
    site({"acme": value}, module=module)
    with pytest.raises(RuleError, match="entry point acme|no such rules directory"):
        installed_rule_paths()
    assert main(["resolve", "examples/distilbert-sst2"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_validate_reports_conflicts_between_packs(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rule_pack(tmp_path / "a", "image-segmentation")
    rule_pack(tmp_path / "b", "depth-estimation")
    assert main(["validate", "a", "b"]) == 0  # an override is how packs work: a warning, not an error
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "b/architectures.yaml:4:3: warning: AcmeForObjectDetection changes 'image-segmentation' to "
        "'depth-estimation' from a/architectures.yaml:4 (at /exact/AcmeForObjectDetection) [pack-override]"
    )
    assert main(["validate", "a", "b", "--strict"]) == 1


@pytest.mark.parametrize("group", ["console_scripts", "pytest11"])
def test_the_direct_entry_point_reader_agrees_with_importlib_metadata(group):
    """installed_rule_paths reads entry_points.txt itself (importlib.metadata costs a third of a cold start)."""
    from importlib.metadata import entry_points

    from resolver.rulebook.packs import entry_point_specs

    expected = {}
    for entry in entry_points(group=group):
        expected.setdefault(entry.name, entry.value)
    assert entry_point_specs(group) == sorted(expected.items())


def test_installing_and_removing_a_pack_is_seen_at_once(site, tmp_path, monkeypatch):
    """The list of installed packs is cached under a key of the path's folders and their times: a new
    or removed distribution changes its folder's time. A folder changed within two seconds is read
    afresh each time (a second change in the same clock tick would not move its time)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("TASK_RESOLVER_CACHE", str(cache))
    pack = rule_pack(tmp_path / "pack", "image-segmentation")
    package = site({"acme": "acme_rules:RULES"}, module=f"RULES = {str(pack)!r}")
    folder = package.parent
    assert installed_rule_paths() == [pack]
    assert not list(cache.glob("entry-points-*"))  # just installed: read, not cached
    an_hour_ago = os.stat(folder).st_mtime - 3600
    os.utime(folder, (an_hour_ago, an_hour_ago))
    assert installed_rule_paths() == [pack]
    assert len(list(cache.glob("entry-points-*"))) == 1
    assert installed_rule_paths() == [pack]  # from the cache, the same
    shutil.rmtree(folder / "acme_rules-1.0.dist-info")  # uninstalled: the folder's time moves
    assert installed_rule_paths() == []
    os.utime(folder, (an_hour_ago + 1, an_hour_ago + 1))
    assert installed_rule_paths() == []
