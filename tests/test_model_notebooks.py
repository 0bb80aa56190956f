"""The model notebooks (02_bases, 05_evaluate) run end to end under papermill, on randomly initialised zoo
models in a scratch project: the plumbing is tested before the shipped zoo wires them into dvc.yaml."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import papermill
import pytest
import torch
import yaml

from conftest import ROOT, small_data
from specocr.data.generate import build_benchmark, save_benchmark
from specocr.models.zoo import build_model, save_base
from specocr.params import load_params

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, default_params) -> Path:
    """dvc.yaml, a small params.yaml (two zoo bases, short generations), 4 test documents, random S models."""
    root = tmp_path_factory.mktemp("project")
    shutil.copy2(ROOT / "dvc.yaml", root / "dvc.yaml")
    tree = yaml.safe_load((ROOT / "params" / "smoke.yaml").read_text(encoding="utf-8"))
    tree["bases"] = {name: spec for name, spec in tree["bases"].items() if spec["size"] == "S"}
    tree["preview"] = {"held_out_examples": 2, "benchmark_documents": 2}
    tree["eval"].update(max_new_tokens=80, threads=1, bootstrap_resamples=50)  # 80 > 60: loops can be caught
    (root / "params.yaml").write_text(yaml.safe_dump(tree), encoding="utf-8")
    save_benchmark(build_benchmark(small_data(default_params.data, train=0, val=0, test=4, workers=1)),
                   root / "data" / "benchmark")
    torch.manual_seed(0)
    for name, spec in tree["bases"].items():
        model, processor = build_model(spec["size"], default_params.zoo, seed=spec["level"])
        save_base(model, processor, root / "zoo" / name, f"# {name}\n")
    return root


def execute(notebook: str, project: Path, **parameters: str) -> None:
    out = project / "reports" / "notebooks" / notebook
    out.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(ROOT / "notebooks" / notebook), str(out), kernel_name="python3",
                               parameters={"params_file": "params.yaml", **parameters}, cwd=str(project),
                               progress_bar=False)


def test_bases_notebook_materializes_and_previews_every_base(project: Path) -> None:
    execute("02_bases.ipynb", project)
    summary = json.loads((project / "reports" / "bases" / "summary.json").read_text(encoding="utf-8"))
    assert sorted(summary) == ["generalist-S", "ocr-S"]
    for name, row in summary.items():
        assert (project / "models" / "bases" / name / "config.json").is_file()
        assert row["benchmark_documents"] == 2 and row["parameters"] > 1e6
        assert {"cer_printed_lines", "cer_handwritten_lines", "cer_blocks", "scene_accuracy"} <= set(row)
    assert (project / "reports" / "figures" / "02_bases_reading.png").stat().st_size > 5_000


def test_evaluate_notebook_scores_a_base_like_the_baselines(project: Path) -> None:
    if not (project / "models" / "bases" / "ocr-S").is_dir():
        execute("02_bases.ipynb", project)
    execute("05_evaluate.ipynb", project, base="ocr-S", stage="vanilla")
    out = project / "results" / "ocr-S" / "vanilla"
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert metrics["n_documents"] == len(rows) == 4
    # Random weights never emit the end token: every output runs to the cap, which the rule must see.
    assert all(row["hit_token_limit"] for row in rows) and metrics["hit_token_limit_rate"] == 100.0


def test_sft_dpo_and_quant_stages_produce_loadable_models_curves_and_pair_counts(project: Path, monkeypatch) -> None:
    """03_sft, 04_dpo and `specocr quantize` on a random base, a few steps each: the plumbing of the
    specialization stages, not what they learn."""
    from typer.testing import CliRunner

    from specocr.cli import app
    from specocr.models.registry import load_model_folder

    if not (project / "models" / "bases" / "ocr-S").is_dir():
        execute("02_bases.ipynb", project)
    tree = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    tree["sft"].update(max_steps=2, batch_size=2, eval_steps=2, val_documents=1, threads=1)
    tree["dpo"].update(documents=2, samples_per_document=2, max_new_tokens=70, max_steps=1, batch_size=2, threads=1)
    (project / "params.yaml").write_text(yaml.safe_dump(tree), encoding="utf-8")
    benchmark = project / "data" / "benchmark"
    if not (benchmark / "train").is_dir():  # the fixture made a test split only
        save_benchmark(build_benchmark(small_data(load_params(project / "params.yaml").data, train=3, val=2, test=4,
                                                  workers=1)), benchmark)

    execute("03_sft.ipynb", project, base="ocr-S")
    summary = json.loads((project / "reports" / "sft" / "ocr-S" / "summary.json").read_text(encoding="utf-8"))
    assert summary["steps"] == 2 and summary["val_score"] is not None
    assert (project / "reports" / "sft" / "ocr-S" / "curves.png").is_file()

    execute("04_dpo.ipynb", project, base="ocr-S")
    pairs = json.loads((project / "reports" / "dpo" / "ocr-S" / "pairs.json").read_text(encoding="utf-8"))
    # A random model's samples run to the 70-token cap: each sampled document gives a pair.
    assert pairs["documents_sampled"] == 2 and pairs["pairs"] >= 1
    load_model_folder(project / "models" / "ocr-S" / "dpo", device="cpu")

    monkeypatch.chdir(project)  # the stage runs in the project root, like every dvc stage
    result = CliRunner().invoke(app, ["quantize", "ocr-S"])
    assert result.exit_code == 0, result.output
    quant = json.loads((project / "reports" / "quant" / "ocr-S" / "summary.json").read_text(encoding="utf-8"))
    assert quant["int8_weight_bytes"] < quant["float_weight_bytes"]
    load_model_folder(project / "models" / "ocr-S" / "quant", device="cpu")


def test_the_new_domain_tutorial_runs(tmp_path: Path) -> None:
    """notebooks/00_new_domain.ipynb, as a student runs it from the project root."""
    out = tmp_path / "00_new_domain.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "00_new_domain.ipynb"), str(out), kernel_name="python3",
                               parameters={"params_file": "params.yaml", "documents_per_split": 2}, cwd=str(ROOT),
                               progress_bar=False)
    executed = out.read_text(encoding="utf-8")
    assert "MEMO: " in executed and "characters outside the zoo tokenizer: none" in executed
