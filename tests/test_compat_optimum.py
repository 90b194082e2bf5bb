"""resolver.compat.optimum: optimum's TasksManager task helpers, answered by the rules.

1. optimum's own public expectations (its tests/exporters/common/test_tasks_manager.py: library
   detection for a sentence-transformers, a diffusers, a transformers and a timm repo; pix2struct is
   image-to-text), with those repos' facts served by the test Hub on 127.0.0.1;
2. the places optimum raises and the drop-in answers: local folders, subfolders, offline caches,
   custom code;
3. side by side with optimum's TasksManager on every installed transformers class: equal wherever
   optimum answers, or different in one of the deviation kinds docs/compat.md lists.
"""

from __future__ import annotations

import collections
import json
import logging
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hubserver import HubServer
from test_hub import isolated_hf, serve_fixture_repos

import resolver
from resolver.compat import optimum as tasks
from resolver.evidence.hub import store as hub_store

# ---------------------------------------------------------------- the repos optimum's tests name

ST_CONFIG = {"architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta", "hidden_size": 1024}
SDXL_INDEX = {
    "_class_name": "StableDiffusionXLPipeline",
    "_diffusers_version": "0.19.0.dev0",
    "unet": ["diffusers", "UNet2DConditionModel"],
    "vae": ["diffusers", "AutoencoderKL"],
    "text_encoder": ["transformers", "CLIPTextModel"],
    "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
}
GPT2_CONFIG = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_layer": 12, "use_cache": True}
TIMM_CONFIG = {
    "architecture": "mobilenetv3_large_100",
    "num_classes": 1000,
    "num_features": 1280,
    "pretrained_cfg": {"tag": "ra_in1k", "input_size": [3, 224, 224], "num_classes": 1000},
}
PIX2STRUCT_CONFIG = {
    "architectures": ["Pix2StructForConditionalGeneration"],
    "model_type": "pix2struct",
    "is_encoder_decoder": True,
}

OPTIMUM_REPOS: dict[str, dict] = {
    "intfloat/multilingual-e5-large": {
        "files": {
            "config.json": ST_CONFIG,
            "modules.json": [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}],
            "config_sentence_transformers.json": {"__version__": {"sentence_transformers": "2.2.2"}},
            "sentence_bert_config.json": {"max_seq_length": 512},
            "1_Pooling/config.json": {"pooling_mode_mean_tokens": True},
            "model.safetensors": "weights",
            "pytorch_model.bin": "weights",
        },
        "pipeline_tag": "feature-extraction",
        "library_name": "sentence-transformers",
        "expect": {"library": "sentence_transformers", "task": "feature-extraction"},
    },
    "stabilityai/stable-diffusion-xl-base-1.0": {
        "files": {
            "model_index.json": SDXL_INDEX,
            "unet/config.json": {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.19.0.dev0"},
            "unet/diffusion_pytorch_model.safetensors": "weights",
            "vae/config.json": {"_class_name": "AutoencoderKL", "_diffusers_version": "0.19.0.dev0"},
            "vae/diffusion_pytorch_model.safetensors": "weights",
        },
        "pipeline_tag": "text-to-image",
        "library_name": "diffusers",
        "expect": {"library": "diffusers", "task": "text-to-image"},
    },
    "gpt2": {
        "files": {"config.json": GPT2_CONFIG, "model.safetensors": "weights", "tf_model.h5": "weights"},
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
        "expect": {"library": "transformers", "task": "text-generation"},
    },
    "timm/mobilenetv3_large_100.ra_in1k": {
        "files": {"config.json": TIMM_CONFIG, "model.safetensors": "weights", "pytorch_model.bin": "weights"},
        "pipeline_tag": "image-classification",
        "library_name": "timm",
        "expect": {"library": "timm", "task": "image-classification"},
    },
    "google/pix2struct-base": {
        "files": {"config.json": PIX2STRUCT_CONFIG, "model.safetensors": "weights"},
        "pipeline_tag": "image-to-text",
        "library_name": "transformers",
        "expect": {"library": "transformers", "task": "image-to-text"},
    },
}


@pytest.fixture(autouse=True)
def hf_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[float]]:
    yield from isolated_hf(monkeypatch, tmp_path)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    for server in serve_fixture_repos(monkeypatch):
        for repo_id, spec in OPTIMUM_REPOS.items():
            server.add_repo(repo_id, **{key: value for key, value in spec.items() if key != "expect"})
        yield server


def test_importing_it_imports_no_ml_library() -> None:
    code = (
        "import sys, resolver.compat.optimum as m; m.map_from_synonym('causal-lm'); "
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('optimum', 'torch', 'transformers', 'diffusers')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("repo_id", sorted(OPTIMUM_REPOS))
def test_optimums_library_detection_and_custom_class_cases(hub: HubServer, repo_id: str) -> None:
    expect = OPTIMUM_REPOS[repo_id]["expect"]
    assert tasks.infer_library_from_model(repo_id) == expect["library"]
    assert tasks.infer_task_from_model(repo_id) == expect["task"]


def test_pix2struct_loads_with_its_custom_class(hub: HubServer) -> None:
    transformers = pytest.importorskip("transformers")
    task = tasks.infer_task_from_model("google/pix2struct-base")
    assert task == "image-to-text"
    cls = tasks.get_model_class_for_task(task, model_type="pix2struct")
    assert cls is transformers.Pix2StructForConditionalGeneration


def test_with_past_is_the_exporters_name(hub: HubServer) -> None:
    assert tasks.infer_task_from_model("gpt2") == "text-generation"  # as optimum's: no suffix
    assert resolver.resolve("gpt2", vocab="optimum").task == "text-generation-with-past"  # what export runs with


def test_determine_framework(hub: HubServer, tmp_path: Path) -> None:
    assert tasks.determine_framework("gpt2") == "pt"
    assert tasks.determine_framework("stabilityai/stable-diffusion-xl-base-1.0") == "pt"
    only_tf = tmp_path / "tf"
    only_tf.mkdir()
    (only_tf / "config.json").write_text(json.dumps(GPT2_CONFIG))
    (only_tf / "tf_model.h5").write_text("weights")
    with pytest.raises(FileNotFoundError, match="PyTorch"):
        tasks.determine_framework(only_tf)
    with pytest.raises(tasks.FrameworkError):
        tasks.determine_framework(only_tf)


# ---------------------------------------------------------------- where optimum raises


def write(folder: Path, files: dict) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return folder


def test_local_folders_and_subfolders(tmp_path: Path) -> None:
    write(tmp_path / "st", OPTIMUM_REPOS["intfloat/multilingual-e5-large"]["files"])
    assert tasks.infer_task_from_model(str(tmp_path / "st")) == "feature-extraction"
    assert tasks.infer_library_from_model(tmp_path / "st") == "sentence_transformers"
    write(tmp_path / "sd", OPTIMUM_REPOS["stabilityai/stable-diffusion-xl-base-1.0"]["files"])
    assert tasks.infer_task_from_model(str(tmp_path / "sd")) == "text-to-image"
    assert tasks.infer_library_from_model(str(tmp_path / "sd"), subfolder="unet") == "diffusers"
    write(tmp_path / "repo", {"text/config.json": {"architectures": ["BertForMaskedLM"], "model_type": "bert"}})
    assert tasks.infer_task_from_model(str(tmp_path / "repo"), subfolder="text") == "fill-mask"


def test_optimum_itself_raises_on_a_local_folder(tmp_path: Path) -> None:
    manager = pytest.importorskip("optimum.exporters.tasks").TasksManager
    folder = write(tmp_path / "m", {"config.json": GPT2_CONFIG})
    with pytest.raises(RuntimeError):
        manager.infer_task_from_model(str(folder))
    assert tasks.infer_task_from_model(str(folder)) == "text-generation"


def test_offline_cache(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    online = {repo: tasks.infer_task_from_model(repo) for repo in OPTIMUM_REPOS}
    hub_store.clear_memo()
    hub.stop()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert {repo: tasks.infer_task_from_model(repo) for repo in OPTIMUM_REPOS} == online
    assert tasks.infer_library_from_model("timm/mobilenetv3_large_100.ra_in1k") == "timm"


def test_custom_code(tmp_path: Path) -> None:
    config = {
        "architectures": ["AcmeLM"],
        "model_type": "acme",
        "auto_map": {"AutoConfig": "configuration_acme.AcmeConfig", "AutoModelForCausalLM": "modeling_acme.AcmeLM"},
    }
    folder = write(tmp_path / "acme", {"config.json": config, "modeling_acme.py": "# custom code"})
    assert tasks.infer_task_from_model(str(folder)) == "text-generation"
    assert tasks.infer_library_from_model(str(folder)) == "transformers"


def test_errors_keep_optimums_types(tmp_path: Path) -> None:
    empty = write(tmp_path / "nothing", {"README.md": "no model here"})
    with pytest.raises(KeyError):  # optimum's exporters catch KeyError from infer_task_from_model
        tasks.infer_task_from_model(str(empty))
    with pytest.raises(ValueError):
        tasks.infer_task_from_model(str(empty))
    with pytest.raises(ValueError):
        tasks.infer_library_from_model(str(empty))
    with pytest.raises(KeyError):
        tasks.get_model_class_for_task("no-such-task")
    with pytest.raises(ValueError, match="Only one framework"):
        tasks.get_model_class_for_task("text-generation", framework="tf")


def test_synonyms() -> None:
    assert tasks.map_from_synonym("causal-lm") == "text-generation"
    assert tasks.map_from_synonym("causal-lm-with-past") == "text-generation-with-past"
    assert tasks.map_from_synonym("sentence-similarity") == "feature-extraction"
    assert tasks.map_from_synonym("a-task-nobody-knows") == "a-task-nobody-knows"
    assert {"causal-lm"} <= tasks.synonyms_for_task("text-generation")
    assert tasks.synonyms_for_task("text-generation-with-past") == {"causal-lm-with-past"}
    assert "text-generation" not in tasks.synonyms_for_task("text-generation")


# ---------------------------------------------------------------- side by side with optimum

# optimum names that are not tasks of the rules: the Hub has no pipeline tag for them
OPTIMUM_ONLY_TASKS = {"masked-im", "latent-consistency"}
# optimum's synonym-map entries and task names the rules read differently (docs/compat.md, "synonyms")
SYNONYM_DEVIATIONS = {
    "latent-consistency": "not a synonym in the rules (they spell it lcm): returned unchanged",
    "semantic-segmentation": "merged-synonym: the rules read it as image-segmentation",
}


def _quiet_transformers() -> None:
    warnings.simplefilter("ignore")
    logging.getLogger("optimum").setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()
    except ImportError:
        pass


@pytest.fixture(scope="module")
def optimum_side_by_side() -> dict:
    """optimum's and the drop-in's answers for every installed transformers class."""
    manager = pytest.importorskip("optimum.exporters.tasks").TasksManager
    transformers = pytest.importorskip("transformers")
    from transformers_catalog import architectures

    _quiet_transformers()
    rows = []
    for arch in architectures():
        cls = getattr(transformers, arch.name, None)
        if cls is None:
            continue
        try:
            theirs = manager.infer_task_from_model(cls)
        except Exception:
            theirs = None
        rows.append((arch, cls, theirs, tasks.infer_task_from_model(cls)))
    return {"manager": manager, "rows": rows}


def test_infer_task_side_by_side(optimum_side_by_side: dict) -> None:
    """Wherever optimum answers for a class, the drop-in gives its answer, or the task the Hub gives
    the class (optimum takes the first of its own task tables that lists the class)."""
    rules = resolver.Resolver().rules
    answered = [(arch, theirs, ours) for arch, _, theirs, ours in optimum_side_by_side["rows"] if theirs]
    kinds: collections.Counter[str] = collections.Counter()
    unexplained = []
    for arch, theirs, ours in answered:
        if ours == theirs:
            kinds["agree"] += 1
            continue
        hub = tasks.map_from_synonym(arch.hub_task)
        exception = rules.exact.get(arch.name)
        if ours == hub:
            kinds["optimum-only-task" if theirs not in rules.tasks else "hub-order"] += 1
        elif exception and ours == tasks.map_from_synonym(exception[0]):
            kinds["rules-exception"] += 1  # a hand-written exact entry of rules/architectures.yaml
        else:
            unexplained.append((arch.name, theirs, ours, arch.hub_task))
    print(
        f"\noptimum infer_task_from_model side by side: {kinds['agree']}/{len(answered)} classes agree; {dict(kinds)}"
    )
    assert unexplained == []
    assert kinds["agree"] / len(answered) > 0.95
    unanswered = sum(1 for row in optimum_side_by_side["rows"] if row[2] is None)
    print(f"optimum raises for {unanswered} classes; the drop-in answers for all {len(optimum_side_by_side['rows'])}")


def test_infer_library_side_by_side(optimum_side_by_side: dict) -> None:
    manager = optimum_side_by_side["manager"]
    for _, cls, _, _ in optimum_side_by_side["rows"][::10]:
        assert tasks.infer_library_from_model(cls) == manager.infer_library_from_model(cls) == "transformers"


def class_deviation(manager: object, task: str, model_type: str | None, theirs: type, ours: object) -> str | None:
    """Which documented kind (docs/compat.md) a different class is, or None when none explains it."""
    import transformers

    def lists(cls: object) -> bool:
        names = getattr(getattr(cls, "_model_mapping", None), "_model_mapping", None)
        return names is not None and model_type in names

    if task in OPTIMUM_ONLY_TASKS and ours is None:
        return "optimum-only-task"
    if task in SYNONYM_DEVIATIONS:
        return "merged-synonym"
    if theirs is transformers.AutoModel and ours is not None:
        return "more-specific-class"  # optimum's catch-all AutoModel; the rules name the task's own head
    if model_type is None:
        loaders = manager._TRANSFORMERS_TASKS_TO_MODEL_LOADERS[task]  # type: ignore[attr-defined]
        if getattr(ours, "__name__", None) in loaders:
            return "no-model-type-default"  # several classes serve the task; each side defaults to another
    if model_type and lists(theirs) and lists(ours):
        return "several-auto-classes"  # both auto classes list the model type: the orders differ
    if model_type and ours is not None and not ours.__name__.startswith("AutoModel") and lists(theirs):
        return "rules-custom-class"  # rules/tasks.yaml names the model type's own class
    return None


def test_model_class_side_by_side(optimum_side_by_side: dict) -> None:
    """get_model_class_for_task on every (task optimum infers, model type) pair, and every optimum task alone."""
    manager = optimum_side_by_side["manager"]
    pairs = {(theirs, arch.model_type) for arch, _, theirs, _ in optimum_side_by_side["rows"] if theirs}
    pairs |= {(task, None) for task in manager._TRANSFORMERS_TASKS_TO_MODEL_LOADERS}
    agree, total = 0, 0
    kinds: collections.Counter[str] = collections.Counter()
    unexplained = []
    for task, model_type in sorted(pairs, key=str):
        try:
            theirs = manager.get_model_class_for_task(task, model_type=model_type)
        except Exception:
            continue
        total += 1
        try:
            ours = tasks.get_model_class_for_task(task, model_type=model_type)
        except KeyError:
            ours = None
        if ours is theirs:
            agree += 1
            continue
        kind = class_deviation(manager, task, model_type, theirs, ours)
        kinds[kind or "unexplained"] += 1
        if kind is None:
            unexplained.append((task, model_type, theirs.__name__, getattr(ours, "__name__", None)))
    print(f"\noptimum get_model_class_for_task side by side: {agree}/{total} agree; {dict(kinds)}")
    assert unexplained == []


def test_map_from_synonym_side_by_side() -> None:
    manager = pytest.importorskip("optimum.exporters.tasks").TasksManager
    names = set(manager._SYNONYM_TASK_MAP) | set(manager.get_all_tasks())
    names |= {name + "-with-past" for name in ("text-generation", "text2text-generation", "causal-lm", "seq2seq-lm")}
    differ = {name for name in names if tasks.map_from_synonym(name) != manager.map_from_synonym(name)}
    assert differ == set(SYNONYM_DEVIATIONS)
    for task in manager.get_all_tasks():
        if task in OPTIMUM_ONLY_TASKS:
            continue
        assert manager.synonyms_for_task(task) - set(SYNONYM_DEVIATIONS) <= tasks.synonyms_for_task(task), task
