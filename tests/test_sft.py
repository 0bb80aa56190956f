"""SFT: the conversations, the resumable run on a random tiny model, curves and the saved folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch

from conftest import small_data
from specocr.data.generate import build_benchmark
from specocr.data.schema import STRUCTURED_OCR_PROMPT
from specocr.models.zoo import build_model, save_base
from specocr.train.common import FINGERPRINT, prepare_checkpoint_dir, write_curves
from specocr.train.sft import SFT_CURVE_COLUMNS, run_fingerprint, sft_dataset, train_sft


@pytest.fixture(scope="module")
def benchmark(default_params):
    return build_benchmark(small_data(default_params.data, train=4, val=2, test=0, workers=1))


@pytest.fixture(scope="module")
def base_folder(tmp_path_factory, default_params) -> Path:
    model, processor = build_model("S", default_params.zoo, seed=0)
    return save_base(model, processor, tmp_path_factory.mktemp("zoo") / "random-S", "# random-S\n")


def test_documents_become_prompt_completion_conversations(benchmark) -> None:
    row = sft_dataset(benchmark["train"])[0]
    assert row["prompt"][0]["content"][1]["text"] == STRUCTURED_OCR_PROMPT
    assert row["completion"][0]["content"][0]["text"] == benchmark["train"][0]["assistant"]
    assert row["images"][0].size == benchmark["train"][0]["image"].size


def test_checkpoints_of_another_run_or_a_finished_run_are_discarded(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoints"
    assert prepare_checkpoint_dir(folder, {"lr": 1}, max_steps=10) is False
    (folder / "checkpoint-5").mkdir()
    assert prepare_checkpoint_dir(folder, {"lr": 1}, max_steps=10) is True  # same run, killed at step 5: resume
    assert prepare_checkpoint_dir(folder, {"lr": 2}, max_steps=10) is False  # other settings: start afresh
    assert not (folder / "checkpoint-5").exists()
    assert json.loads((folder / FINGERPRINT).read_text()) == {"lr": 2}
    (folder / "checkpoint-10").mkdir()
    assert prepare_checkpoint_dir(folder, {"lr": 2}, max_steps=10) is False  # finished: trained again
    assert not (folder / "checkpoint-10").exists()


def test_the_fingerprint_follows_the_base_weights_and_the_documents(benchmark, base_folder, default_params,
                                                                     tmp_path: Path) -> None:
    import shutil

    sft = default_params.sft
    train = benchmark["train"]
    reference = run_fingerprint(base_folder, train, sft, seed=0)
    assert run_fingerprint(base_folder, train, sft, seed=0) == reference
    edited = train.map(lambda row, i: {"assistant": row["assistant"].replace("a", "b", 1) if i == 0
                                       else row["assistant"]}, with_indices=True)
    assert len(edited) == len(train) and run_fingerprint(base_folder, edited, sft, seed=0) != reference
    copy = shutil.copytree(base_folder, tmp_path / "base")
    (copy / "README.md").write_text("# another card\n")  # the card does not change the model
    assert run_fingerprint(copy, train, sft, seed=0) == reference
    model, processor = build_model("S", default_params.zoo, seed=1)  # same config, other weights
    save_base(model, processor, copy, "# random-S, seed 1\n")
    assert run_fingerprint(copy, train, sft, seed=0) != reference


def test_curves_merge_train_and_evaluation_logs(tmp_path: Path) -> None:
    path = write_curves([{"step": 1, "loss": 3.0}, {"step": 2, "loss": 2.5}, {"step": 2, "eval_loss": 2.7},
                         {"step": 2, "val_score": 0.1}, {"train_runtime": 9.0}], tmp_path / "curves.csv",
                        SFT_CURVE_COLUMNS)
    rows = list(csv.DictReader(path.open()))
    assert [r["step"] for r in rows] == ["1", "2"]
    assert rows[1]["loss"] == "2.5" and rows[1]["eval_loss"] == "2.7" and rows[1]["val_score"] == "0.1"


@pytest.mark.parametrize("method", ["full", "lora"])
def test_sft_trains_saves_a_loadable_folder_and_resumes(method, benchmark, base_folder, default_params,
                                                         tmp_path: Path) -> None:
    from specocr.models.registry import load_model_folder

    sft = default_params.sft.model_copy(update={"method": method, "max_steps": 2, "batch_size": 2, "eval_steps": 2,
                                                "val_documents": 2, "threads": 1, "warmup_steps": 0})
    out, checkpoints = tmp_path / "sft", tmp_path / "sft-checkpoints"
    summary = train_sft(base_folder, benchmark["train"], benchmark["val"], sft, out, checkpoints,
                        tmp_path / "curves.csv", seed=0, max_new_tokens=8)
    assert summary["steps"] == 2 and summary["resumed"] is False
    assert summary["val_score"] is not None and 0 <= summary["val_score"] <= 1
    model, processor = load_model_folder(out, device="cpu")  # merged (no adapters), with its processor
    assert not any("lora" in name for name, _ in model.named_parameters())
    assert "base_model:" in (out / "README.md").read_text()
    curves = list(csv.DictReader((tmp_path / "curves.csv").open()))
    assert curves[-1]["step"] == "2" and curves[-1]["val_score"] != ""

    before = {k: v.clone() for k, v in model.state_dict().items()}
    again = train_sft(base_folder, benchmark["train"], benchmark["val"], sft, out, checkpoints,
                      tmp_path / "curves.csv", seed=0, max_new_tokens=8)
    assert again["resumed"] is False and again["steps"] == 2  # a finished run is trained again, from the base
    reloaded, _ = load_model_folder(out, device="cpu")
    assert all(torch.equal(before[k], v) for k, v in reloaded.state_dict().items())  # to the same weights


def test_lora_sft_in_bf16_with_activation_checkpointing_saves_bf16_weights(benchmark, base_folder, default_params,
                                                                           tmp_path: Path) -> None:
    """The paper-scale settings of sft (lora, bf16, activation checkpointing) on a CPU."""
    from safetensors import safe_open

    sft = default_params.sft.model_copy(update={"method": "lora", "precision": "bf16", "activation_checkpointing": True,
                                                "max_steps": 1, "batch_size": 2, "eval_steps": 1,
                                                "val_documents": 1, "threads": 1, "warmup_steps": 0})
    summary = train_sft(base_folder, benchmark["train"], benchmark["val"], sft, tmp_path / "sft",
                        tmp_path / "sft-checkpoints", tmp_path / "curves.csv", seed=0, max_new_tokens=4)
    assert summary["steps"] == 1
    with safe_open(str(tmp_path / "sft" / "model.safetensors"), "pt") as weights:
        names = list(weights.keys())
        assert not any("lora" in name for name in names)
        assert {weights.get_tensor(name).dtype for name in names} == {torch.bfloat16}


def test_bf16_mixed_trains_under_autocast_and_keeps_float32_weights(benchmark, base_folder, default_params,
                                                                     tmp_path: Path) -> None:
    """sft.precision bf16-mixed: the Trainer's bf16 autocast on float32 weights, which are saved as float32."""
    from safetensors import safe_open

    from specocr.train.sft import sft_config

    sft = default_params.sft.model_copy(update={"precision": "bf16-mixed", "max_steps": 1, "batch_size": 2,
                                                "eval_steps": 1, "val_documents": 0, "threads": 1,
                                                "warmup_steps": 0})
    assert sft_config(sft, tmp_path / "config", seed=0, has_validation=False).bf16
    summary = train_sft(base_folder, benchmark["train"], None, sft, tmp_path / "sft", tmp_path / "sft-checkpoints",
                        tmp_path / "curves.csv", seed=0, max_new_tokens=4)
    assert summary["steps"] == 1
    with safe_open(str(tmp_path / "sft" / "model.safetensors"), "pt") as weights:
        assert {weights.get_tensor(name).dtype for name in weights.keys()} == {torch.float32}


@pytest.mark.parametrize(("capability", "avx512_bf16", "amx", "expected"), [
    ("AVX512", True, False, "bf16-mixed"),
    ("AVX512", False, True, "bf16-mixed"),
    ("AVX512", False, False, "fp32"),   # AVX-512 without bf16 instructions: emulated
    ("AVX2", True, True, "fp32"),       # bf16 hardware, but kernels limited to AVX2 (ATEN_CPU_CAPABILITY)
    ("DEFAULT", False, False, "fp32"),
])
def test_auto_precision_is_bf16_mixed_only_where_bf16_is_native(monkeypatch, capability, avx512_bf16, amx,
                                                                expected) -> None:
    from specocr.train.common import resolve_precision

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    assert resolve_precision("auto") == expected
    for explicit in ("fp32", "bf16-mixed", "bf16"):
        assert resolve_precision(explicit) == explicit


def test_sft_records_the_precision_auto_resolved_to(benchmark, base_folder, default_params, monkeypatch,
                                                    tmp_path: Path) -> None:
    """On a machine without native bf16, `auto` trains in float32, and the summary and card say so."""
    import specocr.train.common as common

    monkeypatch.setattr(common, "native_bf16", lambda: False)
    sft = default_params.sft.model_copy(update={"precision": "auto", "max_steps": 1, "batch_size": 2,
                                                "eval_steps": 1, "val_documents": 0, "threads": 1,
                                                "warmup_steps": 0})
    summary = train_sft(base_folder, benchmark["train"], None, sft, tmp_path / "sft", tmp_path / "sft-checkpoints",
                        tmp_path / "curves.csv", seed=0, max_new_tokens=4)
    assert summary["precision"] == "fp32"
    assert "| precision | fp32 |" in (tmp_path / "sft" / "README.md").read_text(encoding="utf-8")
    fingerprint = json.loads((tmp_path / "sft-checkpoints" / "run_fingerprint.json").read_text(encoding="utf-8"))
    assert fingerprint["precision"] == "fp32"


def test_a_frozen_vision_encoder_stays_as_in_the_base(benchmark, base_folder, default_params, tmp_path: Path) -> None:
    """sft.freeze_vision_encoder: patch embedding and blocks unchanged, the merger and the language model train."""
    from specocr.models.registry import load_model_folder

    sft = default_params.sft.model_copy(update={"freeze_vision_encoder": True, "max_steps": 2, "batch_size": 2,
                                                "eval_steps": 2, "val_documents": 0, "threads": 1,
                                                "warmup_steps": 0, "precision": "fp32"})
    train_sft(base_folder, benchmark["train"], None, sft, tmp_path / "sft", tmp_path / "sft-checkpoints",
              tmp_path / "curves.csv", seed=0, max_new_tokens=4)
    base, _ = load_model_folder(base_folder, device="cpu")
    tuned, _ = load_model_folder(tmp_path / "sft", device="cpu")
    before, after = base.state_dict(), tuned.state_dict()
    vision = [name for name in before if ".visual." in f".{name}" and ".merger." not in name]
    merger = [name for name in before if ".merger." in name]
    language = [name for name in before if "language_model" in name]
    assert vision and merger and language
    assert all(torch.equal(before[name], after[name]) for name in vision)
    assert not all(torch.equal(before[name], after[name]) for name in merger)
    assert not all(torch.equal(before[name], after[name]) for name in language)


@pytest.mark.parametrize("method", ["full", "lora"])
def test_sft_on_two_processes_writes_the_model_from_the_first_rank(method, benchmark, base_folder, default_params,
                                                                   tmp_path: Path) -> None:
    """sft.distributed on a CPU: torchrun starts 2 data-parallel workers (gloo), which train, gather and save
    one merged folder; the launching process returns the first rank's summary. (FSDP needs GPUs: on a CPU
    the launch path, the workers' checkpoint handling and the saving from the first rank are what is tested.)"""
    from specocr.models.registry import load_model_folder
    from specocr.params import DistributedParams

    sft = default_params.sft.model_copy(update={
        "method": method, "max_steps": 2, "batch_size": 1, "eval_steps": 2, "val_documents": 2, "threads": 1,
        "warmup_steps": 0, "precision": "fp32", "distributed": DistributedParams(processes=2, accelerate_config=None)})
    out, checkpoints = tmp_path / "sft", tmp_path / "sft-checkpoints"
    summary = train_sft(base_folder, benchmark["train"], benchmark["val"], sft, out, checkpoints,
                        tmp_path / "curves.csv", seed=0, max_new_tokens=8)
    assert summary["steps"] == 2 and summary["examples_seen"] == 2  # per-process batch x steps (see params)
    assert summary["val_score"] is None and summary["final_eval_loss"] is not None  # loss only, across workers
    model, _ = load_model_folder(out, device="cpu")
    assert not any("lora" in name for name, _ in model.named_parameters())
    base, _ = load_model_folder(base_folder, device="cpu")
    changed = [name for name, value in model.state_dict().items() if not torch.equal(value, base.state_dict()[name])]
    assert changed  # trained, and saved once, whole


def test_a_missing_accelerate_config_is_a_clear_error(default_params, tmp_path: Path) -> None:
    from specocr.params import DistributedParams
    from specocr.train.distributed import launch_command

    with pytest.raises(FileNotFoundError, match="accelerate_config"):
        launch_command(DistributedParams(processes=2, accelerate_config=str(tmp_path / "none.yaml")), tmp_path / "c")
    command = launch_command(DistributedParams(processes=4, accelerate_config="envs/accelerate/fsdp.yaml"),
                             tmp_path / "call.pkl", python="python")
    assert command[:3] == ["python", "-m", "accelerate.commands.launch"] and "4" in command
    assert command[-3:] == ["-m", "specocr.train.distributed", str(tmp_path / "call.pkl")]
