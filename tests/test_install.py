"""A plain, non-editable `pip install .` ships rules/ and schema/ inside the wheel and finds them."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import venv
import zipfile

from conftest import ROOT


def test_wheel_ships_rules_and_schemas(tmp_path):
    wheel_dir = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheel_dir.glob("task_resolver-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "resolver/rules/tasks.yaml",
        "resolver/rules/architectures.generated.yaml",
        "resolver/schema/common.schema.json",
    } <= names

    # A fresh environment that sees this environment's dependencies (through a .pth file) but not
    # this checkout: the wheel, installed into its own site-packages, comes first on sys.path.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site_dir = next((env_dir / "lib").glob("python3*/site-packages"))
    # Install first: with the dependencies visible, pip would take an installed task-resolver as done.
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "-q", str(wheel)], check=True, capture_output=True
    )
    (site_dir / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    example = str(ROOT / "examples" / "distilbert-sst2")
    code = f"import json, resolver; r = resolver.resolve({example!r}); print(json.dumps([resolver.__file__, r.task, r.where]))"
    out = subprocess.run([str(python), "-I", "-c", code], capture_output=True, text=True, cwd=elsewhere, check=True)
    location, task, where = json.loads(out.stdout)
    assert location.startswith(str(env_dir)), location
    assert task == "text-classification"
    assert where.startswith("rules/architectures.generated.yaml:")
