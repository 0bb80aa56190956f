"""DPO: preference pairs from the model's own samples, resumable sampling, and a short trl run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import small_data
from specocr.data.generate import build_benchmark
from specocr.models.zoo import build_model, save_base
from specocr.train.dpo import choose_pair, pair_counts, preference_pairs, sample_outputs, train_dpo

TRUTH = '{"text": "Certifico que João reside na Rua das Flores."}'
LOOP = '{"text": "' + "da Silva " * 12  # a loop that ran to the cap


def sample(text: str, hit: bool = False) -> dict:
    return {"prediction": text, "hit_token_limit": hit}


def test_a_degenerate_sample_is_rejected_before_a_merely_bad_one() -> None:
    pair = choose_pair("1", TRUTH, [sample('{"text": "x"}'), sample(LOOP, hit=True), sample(TRUTH)], 1.1, 0.1)
    assert (pair.rejected, pair.rejected_kind) == (LOOP, "degenerate")
    assert (pair.chosen, pair.chosen_kind) == (TRUTH, "ground_truth")  # threshold above 1: never a sample


def test_a_good_enough_sample_is_chosen_over_the_ground_truth() -> None:
    almost = '{"text": "Certifico que Joao reside na Rua das Flores."}'
    pair = choose_pair("1", TRUTH, [sample(almost), sample('{"text": "Rua"}')], 0.5, 0.1)
    assert (pair.chosen, pair.chosen_kind, pair.rejected_kind) == (almost, "best_sample", "lowest_score")
    assert pair.chosen_score > pair.rejected_score


def test_documents_already_read_well_give_no_pair() -> None:
    assert choose_pair("1", TRUTH, [sample(TRUTH), sample(TRUTH)], 0.95, 0.1) is None
    assert choose_pair("1", TRUTH, [], 0.95, 0.1) is None


def test_pairs_are_counted_by_kind() -> None:
    pairs = [choose_pair("1", TRUTH, [sample(LOOP, hit=True)], 0.95, 0.1),
             choose_pair("2", TRUTH, [sample('{"text": "Rua"}')], 0.95, 0.1)]
    counts = pair_counts(pairs, documents=3)
    assert counts["pairs"] == 2 and counts["documents_sampled"] == 3
    assert counts["rejected"] == {"degenerate": 1, "lowest_score": 1} and counts["chosen"] == {"ground_truth": 2}


@pytest.fixture(scope="module")
def train_docs(default_params):
    return build_benchmark(small_data(default_params.data, train=3, val=0, test=0, workers=1))["train"]


@pytest.fixture(scope="module")
def sft_folder(tmp_path_factory, default_params) -> Path:
    model, processor = build_model("S", default_params.zoo, seed=0)
    return save_base(model, processor, tmp_path_factory.mktemp("models") / "sft", "# random\n")


def test_sampling_resumes_without_drawing_twice(train_docs, sft_folder, tmp_path: Path) -> None:
    from specocr.models.registry import load_model_folder

    model, processor = load_model_folder(sft_folder, device="cpu")
    path = tmp_path / "samples.jsonl"
    both = sample_outputs(model, processor, train_docs, 2, 1.0, 6, 4, path, seed=0, model_folder=sft_folder)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0] + lines[1][:5])  # killed while writing the second document
    again = sample_outputs(model, processor, train_docs, 2, 1.0, 6, 4, path, seed=0, model_folder=sft_folder)
    def texts(samples: dict) -> dict:  # what was drawn (per-sample timings differ between runs)
        return {key: [s["prediction"] for s in value] for key, value in samples.items()}

    assert texts(again) == texts(both) and len(both) == 3 and all(len(s) == 2 for s in both.values())
    assert path.read_text().splitlines(keepends=True)[0] == lines[0]  # the first document was not drawn again
    assert len(path.read_text().splitlines()) == 3


def test_samples_of_another_model_or_other_documents_are_drawn_again(train_docs, sft_folder, default_params,
                                                                      tmp_path: Path) -> None:
    from specocr.models.registry import load_model_folder

    model, processor = load_model_folder(sft_folder, device="cpu")
    path = tmp_path / "samples.jsonl"
    sample_outputs(model, processor, train_docs, 2, 1.0, 6, 4, path, seed=0, model_folder=sft_folder)
    path.write_text(path.read_text().replace('"prediction": "', '"prediction": "STALE'))
    other, other_processor = build_model("S", default_params.zoo, seed=1)
    other_folder = save_base(other, other_processor, tmp_path / "other-sft", "# other\n")
    fresh = sample_outputs(other, other_processor, train_docs, 2, 1.0, 6, 4, path, seed=0, model_folder=other_folder)
    assert not any(s["prediction"].startswith("STALE") for samples in fresh.values() for s in samples)
    path.write_text(path.read_text().replace('"prediction": "', '"prediction": "STALE'))
    changed = train_docs.map(lambda row: {"assistant": row["assistant"] + " "})  # same count, other documents
    redrawn = sample_outputs(other, other_processor, changed, 2, 1.0, 6, 4, path, seed=0, model_folder=other_folder)
    assert not any(s["prediction"].startswith("STALE") for samples in redrawn.values() for s in samples)


def test_dpo_trains_on_pairs_and_saves_a_loadable_model(train_docs, sft_folder, default_params, tmp_path: Path) -> None:
    from specocr.models.registry import load_model_folder

    dpo = default_params.dpo.model_copy(update={"max_steps": 2, "batch_size": 2, "threads": 1})
    samples = {str(i): [sample('{"text": "x"}'), sample(LOOP, hit=True)] for i in train_docs["id"]}
    pairs = preference_pairs(train_docs, samples, dpo)
    assert len(pairs) == 3
    summary = train_dpo(sft_folder, train_docs, pairs, dpo, tmp_path / "dpo", tmp_path / "checkpoints",
                        tmp_path / "curves.csv", seed=0)
    assert summary["steps"] == 2 and summary["pairs"] == 3
    load_model_folder(tmp_path / "dpo", device="cpu")
    rows = list(csv.DictReader((tmp_path / "curves.csv").open()))
    assert rows[-1]["step"] == "2" and rows[-1]["rewards/margins"] != ""
    assert "DPOTrainer" in (tmp_path / "dpo" / "README.md").read_text()
    assert json.loads((tmp_path / "dpo" / "training_summary.json").read_text())["final"]["loss"] is not None


def test_without_pairs_the_sft_model_is_kept(train_docs, sft_folder, default_params, tmp_path: Path) -> None:
    summary = train_dpo(sft_folder, train_docs, [], default_params.dpo, tmp_path / "dpo", tmp_path / "checkpoints",
                        tmp_path / "curves.csv", seed=0)
    assert summary["steps"] == 0 and (tmp_path / "dpo" / "config.json").is_file()


def test_lora_dpo_in_bf16_with_a_length_cap_saves_a_plain_bf16_model(train_docs, sft_folder, default_params,
                                                                     tmp_path: Path, monkeypatch) -> None:
    """The paper-scale settings (dpo.method lora, bf16, activation checkpointing, max_length) on a CPU: the SFT
    model is loaded once, in bfloat16; the adapters are merged; the weights are saved in bfloat16."""
    import torch
    from safetensors import safe_open

    import specocr.models.registry as registry
    from specocr.models.registry import load_model_folder

    loads = []

    monkeypatch.setattr(registry, "load_model_folder",
                        lambda folder, **kwargs: loads.append(kwargs) or load_model_folder(folder, **kwargs))
    dpo = default_params.dpo.model_copy(update={"max_steps": 1, "batch_size": 2, "threads": 1, "method": "lora",
                                                "precision": "bf16", "activation_checkpointing": True, "max_length": 4096})
    samples = {str(i): [sample('{"text": "x"}'), sample(LOOP, hit=True)] for i in train_docs["id"]}
    pairs = preference_pairs(train_docs, samples, dpo)
    summary = train_dpo(sft_folder, train_docs, pairs, dpo, tmp_path / "dpo", tmp_path / "checkpoints",
                        tmp_path / "curves.csv", seed=0)
    assert summary["steps"] == 1 and loads == [{"dtype": torch.bfloat16}]
    with safe_open(str(tmp_path / "dpo" / "model.safetensors"), "pt") as weights:
        names = list(weights.keys())
        assert not any("lora" in name for name in names)
        assert {weights.get_tensor(name).dtype for name in names} == {torch.bfloat16}


def test_lora_dpo_on_two_processes_saves_one_merged_model(train_docs, sft_folder, default_params,
                                                          tmp_path: Path) -> None:
    """dpo.distributed on a CPU: 2 torchrun workers (gloo) train LoRA adapters with the adapter-disabled model
    as reference; the first rank merges them and writes the folder, the card and the summary."""
    import torch

    from specocr.models.registry import load_model_folder
    from specocr.params import DistributedParams

    dpo = default_params.dpo.model_copy(update={"max_steps": 1, "batch_size": 1, "threads": 1, "method": "lora",
                                                "distributed": DistributedParams(processes=2, accelerate_config=None)})
    samples = {str(i): [sample('{"text": "x"}'), sample(LOOP, hit=True)] for i in train_docs["id"]}
    pairs = preference_pairs(train_docs, samples, dpo)
    summary = train_dpo(sft_folder, train_docs, pairs, dpo, tmp_path / "dpo", tmp_path / "checkpoints",
                        tmp_path / "curves.csv", seed=0)
    assert summary["steps"] == 1 and summary["pairs"] == len(pairs)
    model, _ = load_model_folder(tmp_path / "dpo", device="cpu")
    assert not any("lora" in name for name, _ in model.named_parameters())
    before, _ = load_model_folder(sft_folder, device="cpu")
    assert any(not torch.equal(value, before.state_dict()[name]) for name, value in model.state_dict().items())
    assert "DPOTrainer" in (tmp_path / "dpo" / "README.md").read_text()
