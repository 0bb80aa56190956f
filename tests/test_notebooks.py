"""Every notebook stage in dvc.yaml (`specocr notebook NAME -p KEY=VALUE ...`) passes only parameters its
notebook declares, and sets every one it declares (papermill itself only warns)."""

from __future__ import annotations

import shlex
from pathlib import Path

import papermill
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def papermill_calls() -> list[tuple[str, str, dict[str, str]]]:
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    calls = []
    for name, stage in stages.items():
        cmd = stage.get("cmd") or stage.get("do", {}).get("cmd", "")
        words = shlex.split(" ".join(cmd) if isinstance(cmd, list) else cmd)
        if words[:2] != ["specocr", "notebook"]:
            continue
        passed = dict(words[i + 1].split("=", 1) for i, w in enumerate(words) if w == "-p")
        calls.append((name, f"notebooks/{words[2]}.ipynb", {"params_file": "params.yaml", **passed}))
    return calls


def test_there_are_notebook_stages() -> None:
    assert papermill_calls(), "dvc.yaml runs no notebook"


@pytest.mark.parametrize(("stage", "notebook", "passed"), papermill_calls(), ids=lambda v: v if isinstance(v, str) else "")
def test_passed_parameters_are_declared(stage: str, notebook: str, passed: dict[str, str]) -> None:
    declared = papermill.inspect_notebook(str(ROOT / notebook))
    unknown = sorted(set(passed) - set(declared))
    assert not unknown, f"stage {stage} passes {unknown} that {notebook} does not declare ({sorted(declared)})"
    undeclared_defaults = sorted(set(declared) - set(passed))
    assert not undeclared_defaults, f"{notebook} parameters {undeclared_defaults} are not set by stage {stage}"


@pytest.mark.parametrize("notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_are_committed_clean_with_the_python3_kernel(notebook: Path) -> None:
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert any("parameters" in cell.metadata.get("tags", []) for cell in nb.cells)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), "commit notebooks without outputs"
