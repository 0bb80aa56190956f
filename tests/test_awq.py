"""AWQ with llm-compressor in its own environment (.venv-awq, which `make test` sets up): the committed
specialist, calibrated on a few training pages, keeps reading in 4 bits, and its folder loads like any other."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from specocr.train.awq import AWQ_PYTHON_VARIABLE, UNQUANTIZED, awq_python, run_awq, weights_scheme

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def awq_environment() -> Path:
    python = awq_python(ROOT)
    assert python.is_file(), f"{python} is missing: `make setup-awq` builds it (make test does)"
    return python


def test_a_missing_environment_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AWQ_PYTHON_VARIABLE, str(tmp_path / "nowhere" / "python"))
    with pytest.raises(FileNotFoundError, match="make setup-awq"):
        run_awq(tmp_path, tmp_path / "out", tmp_path, documents=1, group_size=64, max_seq_length=64, seed=0,
                threads=1)


def test_the_scheme_is_w4a16_in_groups() -> None:
    assert weights_scheme(128) == {"num_bits": 4, "type": "int", "symmetric": True, "strategy": "group",
                                   "group_size": 128}


def test_awq_keeps_the_specialist_reading_and_loads_like_any_model(default_params, awq_environment: Path,
                                                                   tmp_path: Path) -> None:
    from specocr.data.generate import build_benchmark
    from specocr.data.schema import STRUCTURED_OCR_PROMPT
    from specocr.models.registry import load_model_folder
    from specocr.train.quant import quant_card
    from conftest import small_data

    source = tmp_path / "ocr-S"
    shutil.copytree(ROOT / "zoo" / "ocr-S", source)
    data = build_benchmark(small_data(default_params.data, train=4, val=0, test=3, workers=1))
    data.save_to_disk(str(tmp_path / "benchmark"))
    # the zoo's hidden width is 192: groups of 64 columns divide every quantized layer
    summary = run_awq(source, tmp_path / "awq", tmp_path / "benchmark", documents=4, group_size=64,
                      max_seq_length=2048, seed=0, threads=1, python=awq_environment)
    assert summary["method"] == "awq" and summary["calibration_documents"] == 4
    assert summary["quantized_weight_bytes"] < summary["float_weight_bytes"]
    config = json.loads((tmp_path / "awq" / "config.json").read_text(encoding="utf-8"))["quantization_config"]
    assert config["quant_method"] == "compressed-tensors" and config["ignore"] == UNQUANTIZED
    assert config["config_groups"]["group_0"]["weights"]["num_bits"] == 4

    torch.set_num_threads(1)
    quantized, processor = load_model_folder(tmp_path / "awq", device="cpu")
    language_linears = [module for name, module in quantized.named_modules()
                        if isinstance(module, torch.nn.Linear) and "language_model" in name]
    vision_linears = [module for name, module in quantized.named_modules()
                      if isinstance(module, torch.nn.Linear) and "visual" in name]
    assert language_linears and all(module.quantization_scheme.weights.num_bits == 4 for module in language_linears)
    assert vision_linears and not any(hasattr(module, "quantization_scheme") for module in vision_linears)
    original, _ = load_model_folder(source, device="cpu")
    agreements = []
    for row in data["test"]:  # teacher-forced: the next character each model ranks first, along the answer
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": STRUCTURED_OCR_PROMPT}]}]
        prompt = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        batch = processor(text=[prompt + row["assistant"]], images=[row["image"]], return_tensors="pt")
        answer_start = processor(text=[prompt], images=[row["image"]], return_tensors="pt")["input_ids"].shape[1]
        with torch.no_grad():
            reference = original(**batch).logits[0, answer_start - 1:-1].argmax(-1)
            approximate = quantized(**batch).logits[0, answer_start - 1:-1].argmax(-1)
        agreements.append((reference == approximate).float().mean().item())
    # 4-bit weights change a ranking here and there, not the reading
    assert min(agreements) > 0.85, agreements
    assert "W4A16" in quant_card({**summary, "load_seconds": 1.0}, {"base": "ocr-S (SFT+DPO)"})
